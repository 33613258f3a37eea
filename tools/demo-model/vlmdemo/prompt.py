"""Prompt rendering of InternVL `chat()` with the internvl2_5 template (spec section 6)."""
from . import spec


def video_question(question: str, num_frames: int) -> str:
    prefix = "".join(f"Frame{i + 1}: {spec.IMAGE_PLACEHOLDER}\n" for i in range(num_frames))
    return prefix + question


def render_query(question: str, num_patches_list: list[int], tokens_per_tile: int,
                 system_message: str = spec.SYSTEM_MESSAGE) -> str:
    """The full prompt string fed to the tokenizer, ending with the assistant role header."""
    if num_patches_list and spec.IMAGE_PLACEHOLDER not in question:
        question = spec.IMAGE_PLACEHOLDER + "\n" + question
    if question.count(spec.IMAGE_PLACEHOLDER) != len(num_patches_list):
        raise ValueError(
            f"prompt has {question.count(spec.IMAGE_PLACEHOLDER)} <image> placeholders for {len(num_patches_list)} images")
    query = (spec.SYSTEM_TEMPLATE.format(system_message=system_message) + spec.SEP
             + spec.ROLE_USER + question + spec.SEP + spec.ROLE_ASSISTANT)
    for num_patches in num_patches_list:
        image_tokens = spec.IMG_START + spec.IMG_CONTEXT * (tokens_per_tile * num_patches) + spec.IMG_END
        query = query.replace(spec.IMAGE_PLACEHOLDER, image_tokens, 1)
    return query
