"""Builds the demo's Qwen2-style byte-level BPE tokenizer for the closed vocabulary of the synthetic tasks.

    python -m vlmdemo.tokenizer_build --out DIR

Writes tokenizer.json and the slow-tokenizer files (vocab.json, merges.txt, added_tokens.json) plus
tokenizer_config.json and special_tokens_map.json, laid out like the InternVL3 (Qwen2.5) tokenizer: byte-level
BPE, Qwen2 pre-tokenizer regex, NFC, no BOS/EOS added, then the 31 added tokens in InternVL3 order.
"""
import argparse
import itertools
import json
import re
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from . import spec
from .synth import describe, video
from .synth.vocabulary import (CELL_PHRASES, COLOURS, DESCRIBE_PROMPTS, DIRECTIONS, OCR_CHINESE, OCR_PROMPTS,
                               SHAPES, VIDEO_PROMPTS)

MODEL_MAX_LENGTH = 12288


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / Qwen2 byte -> printable character table (printable bytes keep their own character)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def texts() -> list[str]:
    """Every text the model reads or writes, apart from OCR strings and digits (which stay character-level)."""
    out = [spec.SYSTEM_MESSAGE, "system\n", "user\n", "assistant\n"]
    for prompts in (DESCRIBE_PROMPTS, OCR_PROMPTS, VIDEO_PROMPTS):
        for lang_prompts in prompts.values():
            out += lang_prompts
    for colour, shape, direction, lang in itertools.product(COLOURS, SHAPES, DIRECTIONS, ("en", "zh")):
        out.append(video.sentence(lang, colour, shape, direction))
    cells = list(CELL_PHRASES)
    for lang in ("en", "zh"):
        for colour, shape in itertools.product(COLOURS, SHAPES):
            for cell in cells:
                out.append(describe.sentence(lang, "cell", [(colour, shape)], cell))
            for layout in ("row", "column"):
                out.append(describe.sentence(lang, layout, [(colour, shape)] * 2))
                out.append(describe.sentence(lang, layout, [(colour, shape)] * 3))
    return out


def vocabulary_and_merges() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A byte-level BPE whose merges are built, not learned:

    - every non-ASCII character that occurs (all Chinese characters of the tasks, the system message and the OCR
      phrases, and CJK punctuation) becomes one token through the merge chain of its UTF-8 bytes;
    - every space-prefixed English word of the prompts and answers (" red", " circle", " moves") becomes one token
      through the chain "Ġ"+"r" -> "Ġr"+"e" -> "Ġre"+"d".

    No merge joins two plain letters or two characters, so an OCR answer ("garden", "WATER", "天气很好", digits)
    is spelled one character per token: the model learns to read characters that every word shares instead of
    one rare class per word. Chinese answers are therefore one token per character.
    """
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: i for i, b in enumerate(b2u)}
    merges: list[tuple[str, str]] = []

    def chain(symbols: list[str]):
        current = symbols[0]
        for nxt in symbols[1:]:
            merged = current + nxt
            if merged not in vocab:
                merges.append((current, nxt))
                vocab[merged] = len(vocab)
            current = merged

    chars = sorted({ch for t in texts() + OCR_CHINESE for ch in t if ord(ch) > 127})
    for ch in chars:
        chain([b2u[b] for b in ch.encode("utf-8")])
    words = sorted({w for t in texts() for w in re.findall(r" [A-Za-z]+", t)})
    for w in words:
        chain([b2u[b] for b in w.encode("utf-8")])
    return vocab, merges


def build() -> Tokenizer:
    vocab, merges = vocabulary_and_merges()
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(spec.QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    base = tok.get_vocab_size()
    for offset, (content, special) in enumerate(spec.ADDED_TOKENS):
        token = AddedToken(content, special=special, normalized=False, lstrip=False, rstrip=False, single_word=False)
        (tok.add_special_tokens if special else tok.add_tokens)([token])
        if tok.token_to_id(content) != base + offset:
            raise AssertionError(f"{content} got id {tok.token_to_id(content)}, expected {base + offset}")
    return tok


def _token_entry(content: str, special: bool) -> dict:
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
            "special": special}


def save(tok: Tokenizer, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    tok.model.save(str(out))  # vocab.json + merges.txt
    ids = {content: tok.token_to_id(content) for content, _ in spec.ADDED_TOKENS}
    (out / "added_tokens.json").write_text(json.dumps(dict(sorted(ids.items())), indent=2, ensure_ascii=False) + "\n")
    # Same additional_special_tokens list as the InternVL3 Qwen2 tokenizer (<|im_start|> .. <|video_pad|>).
    additional = [c for c, s in spec.ADDED_TOKENS[1:14]]
    config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {str(ids[c]): _token_entry(c, s) for c, s in spec.ADDED_TOKENS},
        "additional_special_tokens": additional,
        "bos_token": None,
        "clean_up_tokenization_spaces": False,
        "eos_token": spec.EOS_TOKEN,
        "errors": "replace",
        "model_max_length": MODEL_MAX_LENGTH,
        "pad_token": spec.PAD_TOKEN,
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    special_map = {
        "additional_special_tokens": additional,
        "eos_token": {k: v for k, v in _token_entry(spec.EOS_TOKEN, True).items() if k != "special"},
        "pad_token": {k: v for k, v in _token_entry(spec.PAD_TOKEN, True).items() if k != "special"},
    }
    (out / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2, ensure_ascii=False) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    tok = build()
    save(tok, args.out)
    print(f"tokenizer: {tok.get_vocab_size()} tokens ({tok.get_vocab_size() - len(spec.ADDED_TOKENS)} byte-level BPE + "
          f"{len(spec.ADDED_TOKENS)} added), <IMG_CONTEXT>={tok.token_to_id(spec.IMG_CONTEXT)}, "
          f"<|im_end|>={tok.token_to_id(spec.EOS_TOKEN)} -> {args.out}")


if __name__ == "__main__":
    main()
