"""Builds the demo's Qwen2-style byte-level BPE tokenizer from the closed vocabulary of the synthetic tasks.

    python -m vlmdemo.tokenizer_build --out DIR

Writes tokenizer.json and the slow-tokenizer files (vocab.json, merges.txt, added_tokens.json) plus
tokenizer_config.json and special_tokens_map.json, laid out like the InternVL3 (Qwen2.5) tokenizer: byte-level
BPE, Qwen2 pre-tokenizer regex, NFC, no BOS/EOS added, then the 31 added tokens in InternVL3 order.
"""
import argparse
import itertools
import json
from pathlib import Path

import numpy as np
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from . import spec
from .synth import describe, video
from .synth.vocabulary import (CELL_PHRASES, COLOURS, DESCRIBE_PROMPTS, DIRECTIONS, OCR_CHINESE, OCR_PROMPTS,
                               OCR_WORDS, SHAPES, VIDEO_PROMPTS)

BPE_VOCAB_SIZE = 2000
MODEL_MAX_LENGTH = 12288


# Chinese has no spaces, so the Qwen2 regex hands whole sentences to BPE. Training on words instead keeps merges
# inside words (colour, shape, layout words stay separate tokens) rather than gluing frequent sentence fragments.
ZH_WORDS = sorted({c[1] for c in COLOURS} | {s[1] for s in SHAPES} | {p[1] for p in CELL_PHRASES.values()}
                  | {d[2] for d in DIRECTIONS} | set(OCR_CHINESE) | {
                      "一个", "的", "在", "图片", "从左到右", "从上到下", "依次是", "和", "移动", "描述", "一下", "这张",
                      "请", "里", "有", "什么", "中", "识别", "出", "图", "文字", "是", "读出", "这个", "视频", "发生",
                      "了"}, key=len, reverse=True)


def segment_zh(text: str) -> list[str]:
    """Greedy longest-match split of Chinese text into ZH_WORDS (unknown characters stand alone)."""
    words, i = [], 0
    while i < len(text):
        for w in ZH_WORDS:
            if text.startswith(w, i):
                break
        else:
            w = text[i]
        words.append(w)
        i += len(w)
    return words


def _add(texts: list[str], text: str, lang: str, times: int = 1) -> None:
    texts += (segment_zh(text) if lang == "zh" else [text]) * times


def corpus() -> list[str]:
    """Texts in rough proportion to how often the model reads or writes them; deterministic."""
    rng = np.random.default_rng(0)
    texts = []
    for _ in range(20000):
        lang = "en" if rng.random() < 0.5 else "zh"
        count = int(rng.integers(1, 4))
        items = [(COLOURS[int(rng.integers(6))], SHAPES[int(rng.integers(6))]) for _ in range(count)]
        layout = "cell" if count == 1 else ("row" if rng.random() < 0.5 else "column")
        cell = list(CELL_PHRASES)[int(rng.integers(9))]
        _add(texts, describe.sentence(lang, layout, items, cell), lang)
    for colour, shape, direction, lang in itertools.product(COLOURS, SHAPES, DIRECTIONS, ("en", "zh")):
        _add(texts, video.sentence(lang, colour, shape, direction), lang, 10)
    for word in OCR_WORDS:
        texts += [word, word.capitalize(), word.upper()] * 5
    texts += OCR_CHINESE * 15
    texts += ["".join(str(d) for d in rng.integers(0, 10, size=int(rng.integers(1, 9)))) for _ in range(2000)]
    for prompts in (DESCRIBE_PROMPTS, OCR_PROMPTS, VIDEO_PROMPTS):
        for lang, lang_prompts in prompts.items():
            for p in lang_prompts:
                _add(texts, p, lang, 200)
    texts += [spec.SYSTEM_MESSAGE] * 50 + ["system\n", "user\n", "assistant\n"] * 200
    texts += ["".join(f"Frame{i + 1}: \n" for i in range(n)) for n in range(1, 33)] * 20
    return texts


def build() -> Tokenizer:
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(spec.QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB_SIZE, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(corpus(), trainer=trainer)
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
    print(f"tokenizer: {tok.get_vocab_size()} tokens ({tok.get_vocab_size() - len(spec.ADDED_TOKENS)} BPE + "
          f"{len(spec.ADDED_TOKENS)} added), <IMG_CONTEXT>={tok.token_to_id(spec.IMG_CONTEXT)}, "
          f"<|im_end|>={tok.token_to_id(spec.EOS_TOKEN)} -> {args.out}")


if __name__ == "__main__":
    main()
