"""The `internvl2_5` conversation template and the prompt construction of the original `chat()` (spec §6).

Rendering (sep_style MPT): system_template.format(system_message) + sep, then role + message + sep for every
finished message, and the bare role for the final empty assistant turn. `<image>` placeholders are replaced in
order, one per image, by `<img>` + `<IMG_CONTEXT>` x (tokens_per_tile * tiles) + `</img>`.
"""

SYSTEM_MESSAGE = "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"
SYSTEM_TEMPLATE = "<|im_start|>system\n{system_message}"
ROLE_USER = "<|im_start|>user\n"
ROLE_ASSISTANT = "<|im_start|>assistant\n"
SEP = "<|im_end|>\n"

IMG_START = "<img>"
IMG_END = "</img>"
IMG_CONTEXT = "<IMG_CONTEXT>"
IMAGE_PLACEHOLDER = "<image>"


def render(history: list[tuple[str, str]], question: str, system_message: str = SYSTEM_MESSAGE) -> str:
    """The query string before image expansion: history turns, then the question and an open assistant turn."""
    out = SYSTEM_TEMPLATE.format(system_message=system_message) + SEP
    for old_q, old_a in history:
        out += ROLE_USER + old_q + SEP
        out += ROLE_ASSISTANT + old_a + SEP
    out += ROLE_USER + question + SEP
    out += ROLE_ASSISTANT
    return out


def expand_images(query: str, tiles_per_image: list[int], tokens_per_tile: int) -> str:
    for tiles in tiles_per_image:
        if IMAGE_PLACEHOLDER not in query:
            raise ValueError("more images than <image> placeholders")
        query = query.replace(IMAGE_PLACEHOLDER, IMG_START + IMG_CONTEXT * (tokens_per_tile * tiles) + IMG_END, 1)
    return query


def chat_query(question: str, tiles_per_image: list[int], tokens_per_tile: int,
               history: list[tuple[str, str]] | None = None) -> tuple[str, str]:
    """Returns (query with <image> placeholders, expanded query) exactly as the original chat() builds them."""
    if history is None and tiles_per_image and IMAGE_PLACEHOLDER not in question:
        question = IMAGE_PLACEHOLDER + "\n" + question
    raw = render(history or [], question)
    return raw, expand_images(raw, tiles_per_image, tokens_per_tile)
