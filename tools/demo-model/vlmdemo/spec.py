"""InternVL3 facts used by every part of the demo tooling (see /work/shared/reference/internvl3-spec.md).

Only the tile size and the tile cap differ from the real InternVL3 release; both are demo choices documented
in tools/demo-model/README.md and written into the shipped config.json, so every consumer must read them from
there instead of assuming 448 / 12.
"""

# internvl2_5 template (conversation.py): MPT separator style.
SYSTEM_MESSAGE = (
    "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"
)
SYSTEM_TEMPLATE = "<|im_start|>system\n{system_message}"
ROLE_USER = "<|im_start|>user\n"
ROLE_ASSISTANT = "<|im_start|>assistant\n"
SEP = "<|im_end|>\n"

IMAGE_PLACEHOLDER = "<image>"
IMG_START = "<img>"
IMG_END = "</img>"
IMG_CONTEXT = "<IMG_CONTEXT>"

# Added tokens in the exact order the InternVL3 (Qwen2.5) tokenizer appends them after the byte-level BPE
# vocabulary: (content, special). Ids are base_vocab_size + position.
ADDED_TOKENS = [
    ("<|endoftext|>", True),
    ("<|im_start|>", True),
    ("<|im_end|>", True),
    ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True),
    ("<|box_start|>", True),
    ("<|box_end|>", True),
    ("<|quad_start|>", True),
    ("<|quad_end|>", True),
    ("<|vision_start|>", True),
    ("<|vision_end|>", True),
    ("<|vision_pad|>", True),
    ("<|image_pad|>", True),
    ("<|video_pad|>", True),
    ("<tool_call>", False),
    ("</tool_call>", False),
    ("<|fim_prefix|>", False),
    ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False),
    ("<|fim_pad|>", False),
    ("<|repo_name|>", False),
    ("<|file_sep|>", False),
    ("<img>", True),
    ("</img>", True),
    ("<IMG_CONTEXT>", True),
    ("<quad>", True),
    ("</quad>", True),
    ("<ref>", True),
    ("</ref>", True),
    ("<box>", True),
    ("</box>", True),
]
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"

# Qwen2 pre-tokenizer split (spec section 9).
QWEN2_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

PATCH_SIZE = 14
DOWNSAMPLE_RATIO = 0.5
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Demo choices (measured, see README): 224-pixel tiles and at most 6 tiles (+ thumbnail) per image.
TILE_SIZE = 224
MAX_TILES = 6
MIN_TILES = 1
VIDEO_FRAMES = 8


def tokens_per_tile(tile_size: int = TILE_SIZE) -> int:
    grid = tile_size // PATCH_SIZE
    return int(grid * grid * DOWNSAMPLE_RATIO * DOWNSAMPLE_RATIO)
