"""Encode/decode cases for the fixture tokenizer, computed by transformers' Qwen2Tokenizer (issue §2)."""

import tempfile
from pathlib import Path

from .prompts import SYSTEM_MESSAGE
from .tokenizer_build import JSON_FORM, VOCAB_FORM, write_form

# (name, text). Texts are Python str; the lone-surrogate case cannot be written as UTF-8 and is stored as
# UTF-16 code units in the fixture.
ENCODE_CASES: list[tuple[str, str]] = [
    ("empty", ""),
    ("english", "Please describe the image in detail."),
    ("english_unseen_words", "Hello, wonderful zebra! Quixotic jazz."),
    ("chinese", "请详细描述这张图片。"),
    ("chinese_unseen", "龘靐齉爩，饕餮。"),
    ("system_message", SYSTEM_MESSAGE),
    ("mixed_scripts", "这张 image 里有一只 cat，price 是 ¥128.50。"),
    ("digits", "0123456789 12345678901234567890"),
    ("fullwidth_digits", "１２３ and ٣٤٥ and Ⅻ"),
    ("contractions", "it's I'm we'll they've she'd don't YOU'RE IT'S"),
    ("spaces_run", "a     b"),
    ("leading_trailing_spaces", "   lead and trail   "),
    ("only_spaces", "      "),
    ("newlines_run", "line1\n\n\nline2\n"),
    ("spaces_then_newlines", "end.   \n\n   next"),
    ("crlf", "first\r\nsecond\r\n\r\nthird"),
    ("lone_cr", "a\rb"),
    ("tabs", "col1\tcol2\t\tcol3"),
    ("emoji", "I love 🙂 and 👍🏽 and 🇨🇳"),
    ("emoji_zwj", "family 👨\u200d👩\u200d👧 ok"),
    ("cjk_ext_b_and_symbols", "𠀀𠀁 ← → ∑ ™ ©"),
    ("japanese_korean", "こんにちは 안녕하세요"),
    ("arabic_cyrillic_greek", "مرحبا Привет Γειά"),
    ("nfc_composes", "Cafe\u0301 vs Café, \u1100\u1161 Hangul"),
    ("nfc_leaves_compat", "ﬁ ① ＡＢＣ"),
    ("control_chars", "a\x00b\x07c\x7fd"),
    ("special_tokens_in_text", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"),
    ("image_tokens", "<img><IMG_CONTEXT><IMG_CONTEXT><IMG_CONTEXT></img>\nWhat is this?"),
    ("grounding_tokens", "<ref>the cat</ref><box>[[12, 34, 567, 890]]</box><quad>1,2</quad>"),
    ("special_adjacent_text", "x<|endoftext|>y<img>z"),
    ("partial_special", "<img <IMG_CONTEXT <|im_end| </img"),
    ("non_special_added", "<tool_call>{\"a\": 1}</tool_call><|fim_prefix|>"),
    ("code", "def f(x):\n    return x ** 2  # square\n"),
    ("url_email", "see https://example.com/a?b=c&d=1 or mail a.b@example.org"),
    ("long_word", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("replacement_char_from_invalid_utf8", b"bad \xff\xfe bytes \xe4\xb8".decode("utf-8", errors="replace")),
]

LONE_SURROGATE_CASES: list[tuple[str, str]] = [
    ("lone_high_surrogate", "a\ud800b"),
    ("lone_low_surrogate", "\udc00x"),
]


def _load_both_forms(files: dict[str, str]):
    from transformers import AutoTokenizer

    tmp = Path(tempfile.mkdtemp(prefix="vlmesh-tok-"))
    write_form(files, JSON_FORM, tmp / "json")
    write_form(files, VOCAB_FORM, tmp / "vocab")
    a = AutoTokenizer.from_pretrained(str(tmp / "json"))
    b = AutoTokenizer.from_pretrained(str(tmp / "vocab"))
    return a, b


def _utf16_units(s: str) -> list[int]:
    b = s.encode("utf-16-le", errors="surrogatepass")
    return [int.from_bytes(b[i:i + 2], "little") for i in range(0, len(b), 2)]


def compute_cases(files: dict[str, str], raw_tokenizer) -> dict:
    tok_json, tok_vocab = _load_both_forms(files)
    info = {
        "loaded_class": type(tok_json).__name__,
        "vocab_size_with_added": len(tok_json),
        "eos_token": tok_json.eos_token, "eos_token_id": tok_json.eos_token_id,
        "pad_token": tok_json.pad_token, "pad_token_id": tok_json.pad_token_id,
        "bos_token": tok_json.bos_token, "unk_token": tok_json.unk_token,
    }
    if len(tok_vocab) != len(tok_json) or tok_vocab.eos_token_id != tok_json.eos_token_id:
        raise AssertionError("the two tokenizer forms disagree on vocabulary or eos")

    encode = []
    for name, text in ENCODE_CASES:
        ids = tok_json(text, add_special_tokens=True)["input_ids"]
        ids_b = tok_vocab(text, add_special_tokens=True)["input_ids"]
        ids_raw = raw_tokenizer.encode(text).ids
        if ids != ids_b or ids != ids_raw:
            raise AssertionError(f"{name}: forms disagree: {ids} / {ids_b} / {ids_raw}")
        dec = tok_json.decode(ids)
        dec_skip = tok_json.decode(ids, skip_special_tokens=True)
        if dec != tok_vocab.decode(ids) or dec_skip != tok_vocab.decode(ids, skip_special_tokens=True):
            raise AssertionError(f"{name}: decode differs between forms")
        encode.append({
            "name": name, "text": text, "utf8_hex": text.encode("utf-8").hex(),
            "ids": ids, "tokens": tok_json.convert_ids_to_tokens(ids),
            "decode": dec, "decode_skip_special": dec_skip,
        })

    errors = []
    for name, text in LONE_SURROGATE_CASES:
        outcome = {}
        for form, t in (("tokenizer.json", tok_json), ("vocab.json+merges.txt", tok_vocab)):
            try:
                ids = t(text)["input_ids"]
                outcome[form] = {"ids": ids}
            except Exception as e:  # the reference's behaviour is what we record
                outcome[form] = {"error_type": type(e).__name__, "error_message": str(e)}
        if outcome["tokenizer.json"] != outcome["vocab.json+merges.txt"]:
            raise AssertionError(f"{name}: forms behave differently")
        errors.append({"name": name, "utf16_units": _utf16_units(text), "outcome": outcome["tokenizer.json"]})

    vocab = tok_json.get_vocab()

    def byte_token_id(b: int) -> int:
        return vocab[_byte_to_unicode()[b]]

    decode = []
    id_cases = [
        ("first_byte_of_3_byte_char", [byte_token_id(0xE4)]),
        ("two_of_3_bytes", [byte_token_id(0xE4), byte_token_id(0xB8)]),
        ("complete_3_byte_char", [byte_token_id(0xE4), byte_token_id(0xB8), byte_token_id(0xAD)]),
        ("truncated_emoji_then_text", [byte_token_id(0xF0), byte_token_id(0x9F), byte_token_id(0x99)]
         + tok_json("ok")["input_ids"]),
        ("lone_continuation_byte", [byte_token_id(0x80), byte_token_id(0x41)]),
        ("specials_and_text", tok_json("<|im_start|>assistant\n你好<|im_end|>")["input_ids"]),
        ("non_special_added_kept_when_skipping", tok_json("<tool_call>x</tool_call><img>")["input_ids"]),
    ]
    for name, ids in id_cases:
        d, ds = tok_json.decode(ids), tok_json.decode(ids, skip_special_tokens=True)
        if d != tok_vocab.decode(ids) or ds != tok_vocab.decode(ids, skip_special_tokens=True):
            raise AssertionError(f"{name}: decode differs between forms")
        decode.append({"name": name, "ids": ids, "decode": d, "decode_skip_special": ds,
                       "decode_utf16_units": _utf16_units(d)})

    return {"tokenizer": info, "encode": encode, "encode_errors": errors, "decode": decode}


def _byte_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table used by the ByteLevel pre-tokenizer."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}
