"""OCR task: one rendered line of text (English word, number or Chinese phrase, at most 8 characters)."""
import functools
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .drawing import _hsv_rgb, background
from .example import Example
from .vocabulary import OCR_CHINESE, OCR_PROMPTS, OCR_WORDS

# (debian package, path, face index in a collection). Latin text may use every font, Chinese only the CJK ones.
LATIN_FONTS = [
    ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0),
    ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
    ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 0),
    ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf", 0),
    ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 0),
    ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf", 0),
]
CJK_FONTS = [
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),   # Noto Sans CJK SC
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),      # Noto Sans CJK SC Bold
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Noto Serif CJK SC
    ("fonts-wqy-zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),           # WenQuanYi Zen Hei
]
MAX_CHARS = 8


def check_fonts() -> None:
    missing = [(pkg, path) for pkg, path, _ in LATIN_FONTS + CJK_FONTS if not os.path.isfile(path)]
    if missing:
        packages = sorted({pkg for pkg, _ in missing})
        raise SystemExit("OCR data needs fonts that are not installed:\n  "
                         + "\n  ".join(path for _, path in missing)
                         + f"\ninstall them with: apt-get install -y {' '.join(packages)}")


@functools.lru_cache(maxsize=None)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def sample_text(rng: np.random.Generator) -> tuple[str, str]:
    kind = str(rng.choice(["word", "number", "chinese"], p=[0.4, 0.25, 0.35]))
    if kind == "word":
        word = OCR_WORDS[int(rng.integers(len(OCR_WORDS)))]
        case = rng.random()
        text = word if case < 0.5 else (word.capitalize() if case < 0.8 else word.upper())
    elif kind == "number":
        length = int(rng.integers(1, MAX_CHARS + 1))
        first = str(int(rng.integers(1, 10))) if length > 1 else str(int(rng.integers(10)))
        text = first + "".join(str(int(d)) for d in rng.integers(0, 10, size=length - 1))
    else:
        text = OCR_CHINESE[int(rng.integers(len(OCR_CHINESE)))]
    assert len(text) <= MAX_CHARS
    return kind, text


def _text_colour(rng, dark_background: bool):
    if dark_background:
        return tuple(int(v) for v in _hsv_rgb(rng.random(), rng.uniform(0, 0.5), rng.uniform(0.82, 1.0)))
    return tuple(int(v) for v in _hsv_rgb(rng.random(), rng.uniform(0, 0.8), rng.uniform(0.0, 0.42)))


def render(rng: np.random.Generator, text: str, kind: str, easy: bool = False) -> tuple[Image.Image, dict]:
    """easy: large upright text on a plain background without blur or noise (a training-only warm-up share)."""
    check_fonts()
    w = int(rng.integers(150, 317))
    h = int(round(w / math.exp(rng.uniform(math.log(0.9), math.log(1.11)))))
    if easy:
        dark = bool(rng.random() < 0.3)
        grey = int(rng.integers(15, 50)) if dark else int(rng.integers(215, 250))
        image = Image.new("RGB", (w, h), (grey, grey, grey))
    else:
        image, dark = background(rng, w, h, dark_probability=0.3)
    fonts = CJK_FONTS if kind == "chinese" else LATIN_FONTS + CJK_FONTS
    _, path, index = fonts[int(rng.integers(len(fonts)))]
    probe = _font(path, index, 100)
    left, top, right, bottom = probe.getbbox(text)
    width_fraction = rng.uniform(0.5, 0.9) if len(text) > 2 else rng.uniform(0.25, 0.5)
    if easy:
        width_fraction = 0.85 if len(text) > 2 else 0.5
    size = min(width_fraction * w * 100 / max(right - left, 1), 0.42 * h * 100 / max(bottom - top, 1))
    size = max(int(size), 12)
    font = _font(path, index, size)
    left, top, right, bottom = font.getbbox(text)
    pad = 4
    layer = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(layer).text((pad - left, pad - top), text, fill=255, font=font)
    angle = 0.0 if easy else rng.uniform(-6, 6)
    upright = layer.size
    layer = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
    slack_x, slack_y = max(w - layer.width, 0), max(h - layer.height, 0)
    x = int(slack_x / 2 + rng.uniform(-0.35, 0.35) * slack_x)
    y = int(slack_y / 2 + rng.uniform(-0.35, 0.35) * slack_y)
    image.paste(Image.new("RGB", layer.size, _text_colour(rng, dark)), (x, y), layer)
    if not easy and rng.random() < 0.2:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    if not easy and rng.random() < 0.5:
        noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, rng.uniform(2, 10), size=(h, w, 3))
        image = Image.fromarray(np.clip(noisy, 0, 255).round().astype(np.uint8), "RGB")
    # Where each character lies (for training-only per-token labels): its horizontal span in the upright text
    # layer, the layer's size, and the image point the layer's centre was rotated about.
    spans = [[round(pad - left + font.getlength(text[:k]), 1), round(pad - left + font.getlength(text[:k + 1]), 1)]
             for k in range(len(text))]
    return image, {"font": os.path.basename(path), "font_index": index, "font_size": size,
                   "angle": round(float(angle), 2), "size": [w, h], "easy": easy,
                   "layer": list(upright), "layer_centre": [x + layer.width / 2, y + layer.height / 2],
                   "char_spans": spans}


def make(rng: np.random.Generator, easy_probability: float = 0.0) -> Example:
    lang = "en" if rng.random() < 0.5 else "zh"
    question = OCR_PROMPTS[lang][int(rng.integers(len(OCR_PROMPTS[lang])))]
    kind, text = sample_text(rng)
    easy = bool(rng.random() < easy_probability)
    image, meta = render(rng, text, kind, easy)
    meta["kind"] = kind
    return Example("ocr", lang, question, text, image=image, meta=meta)
