"""A Qwen2-style byte-level BPE tokenizer trained with `tokenizers` on the fixture corpus (issue §2).

Pipeline, as Qwen2's: NFC normaliser; pre-tokeniser = Split(Qwen2 regex, isolated) then ByteLevel without prefix
space and without its own regex; BPE without unk / byte fallback; ByteLevel decoder. Added tokens follow the base
vocabulary in the order and with the `special` flags of the real InternVL3 (Qwen2.5) tokenizer.
"""

import json
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors, trainers
from tokenizers.models import BPE

from .corpus import training_lines
from .store import json_text

QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

NUM_MERGES = 2000

# (content, special) in id order after the base vocabulary, as in InternVL3's Qwen2.5 tokenizer (151643..151673).
ADDED_TOKENS: list[tuple[str, bool]] = [
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

ADDITIONAL_SPECIAL_TOKENS = [t for t, _ in ADDED_TOKENS[1:14]]
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"
MODEL_MAX_LENGTH = 8192


def _pipeline(tok: Tokenizer) -> None:
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)


def train() -> Tokenizer:
    tok = Tokenizer(BPE(dropout=None, unk_token=None, continuing_subword_prefix="", end_of_word_suffix="",
                        fuse_unk=False, byte_fallback=False))
    _pipeline(tok)
    trainer = trainers.BpeTrainer(
        vocab_size=256 + NUM_MERGES,
        min_frequency=2,
        show_progress=False,
        special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(training_lines(), trainer=trainer)
    base = tok.get_vocab_size(with_added_tokens=False)
    for content, special in ADDED_TOKENS:
        tok.add_tokens([AddedToken(content, single_word=False, lstrip=False, rstrip=False, normalized=False,
                                   special=special)])
    for i, (content, _) in enumerate(ADDED_TOKENS):
        if tok.token_to_id(content) != base + i:
            raise AssertionError(f"added token {content} got id {tok.token_to_id(content)}, want {base + i}")
    return tok


def base_vocab_and_merges(tok: Tokenizer) -> tuple[dict[str, int], list[str]]:
    model = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, str) else f"{m[0]} {m[1]}" for m in model["merges"]]
    return dict(model["vocab"]), merges


def tokenizer_config(base_size: int) -> dict:
    decoder = {}
    for i, (content, special) in enumerate(ADDED_TOKENS):
        decoder[str(base_size + i)] = {
            "content": content, "lstrip": False, "normalized": False, "rstrip": False,
            "single_word": False, "special": special,
        }
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "additional_special_tokens": ADDITIONAL_SPECIAL_TOKENS,
        "bos_token": None,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOS_TOKEN,
        "errors": "replace",
        "model_max_length": MODEL_MAX_LENGTH,
        "pad_token": PAD_TOKEN,
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


def special_tokens_map() -> dict:
    return {"additional_special_tokens": ADDITIONAL_SPECIAL_TOKENS, "eos_token": EOS_TOKEN, "pad_token": PAD_TOKEN}


def tokenizer_files(tok: Tokenizer) -> dict[str, str]:
    """All tokenizer files as text, keyed by file name (both the tokenizer.json form and the vocab/merges form)."""
    vocab, merges = base_vocab_and_merges(tok)
    base = len(vocab)
    added = {content: base + i for i, (content, _) in enumerate(ADDED_TOKENS)}
    tok_json = json.loads(tok.to_str())
    return {
        "tokenizer.json": json.dumps(tok_json, ensure_ascii=False, indent=1) + "\n",
        "vocab.json": json_text(vocab),
        "merges.txt": "#version: 0.2\n" + "".join(m + "\n" for m in merges),
        "added_tokens.json": json_text(added),
        "tokenizer_config.json": json_text(tokenizer_config(base)),
        "special_tokens_map.json": json_text(special_tokens_map()),
    }


VOCAB_FORM = ("vocab.json", "merges.txt", "added_tokens.json", "tokenizer_config.json", "special_tokens_map.json")
JSON_FORM = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def write_form(files: dict[str, str], names: tuple[str, ...], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for n in names:
        (directory / n).write_bytes(files[n].encode("utf-8"))
