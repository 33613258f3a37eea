"""Source images for the preprocessing fixtures: deterministic synthetic content in many formats and modes."""

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image


def _pattern(w: int, h: int, seed: int, noise: float) -> np.ndarray:
    """[h, w, 3] uint8: gradients, a sinusoid, hard-edged shapes and optional seeded noise."""
    rng = np.random.default_rng(seed)
    x = (np.arange(w, dtype=np.float64)[None, :] + 0.5) / w
    y = (np.arange(h, dtype=np.float64)[:, None] + 0.5) / h
    r = 255 * x + 0 * y
    g = 255 * y + 0 * x
    b = 128 + 100 * np.sin(2 * np.pi * (3 * x + 2 * y))
    img = np.stack([r, g, b], axis=-1)
    # a flat rectangle and a disc with hard edges (ringing and clamping in the resampler)
    img[(x > 0.15) & (x < 0.4) & (y > 0.2) & (y < 0.6)] = (250, 20, 30)
    img[(x - 0.7) ** 2 * (w / max(w, h)) ** 2 + (y - 0.5) ** 2 * (h / max(w, h)) ** 2 < 0.04] = (10, 30, 240)
    if noise:
        img = img + rng.normal(0, noise, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _png_rgb16(a: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one); filter 0 on every row."""
    h, w, _ = a.shape
    raw = b"".join(b"\x00" + a[i].astype(">u2").tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, format=fmt, **kw)
    return b.getvalue()


@dataclass(frozen=True)
class SourceImage:
    name: str
    data: bytes
    note: str
    samples16: np.ndarray | None = None  # the 16-bit samples written into a 48-bit PNG


def _exif_orientation_6() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    return exif.tobytes()


def source_images() -> list[SourceImage]:
    out: list[SourceImage] = []

    def rgb(name, w, h, seed, fmt, note, noise=0.0, **kw):
        out.append(SourceImage(name, _save(Image.fromarray(_pattern(w, h, seed, noise)), fmt, **kw), note))

    rgb("rgb_1x1.png", 1, 1, 1, "PNG", "1x1 RGB PNG; every tile is one colour")
    rgb("rgb_448x448.png", 448, 448, 2, "PNG", "exactly one tile; the resize is a no-op copy")
    rgb("rgb_320x240.jpg", 320, 240, 3, "JPEG", "baseline JPEG 4:2:0 q90; aspect 4:3 -> 4x3 grid at max 12",
        noise=6.0, quality=90)
    rgb("wide_700x50.png", 700, 50, 4, "PNG", "very wide (aspect 14)")
    rgb("tall_40x600.png", 40, 600, 5, "PNG", "very tall (aspect 1/15)")
    rgb("tie2_small_60x30.png", 60, 30, 6, "PNG", "aspect 2: 2x1 and 4x2 tie, area too small -> 2x1")
    rgb("tie2_large_1300x650.png", 1300, 650, 7, "PNG", "aspect 2: tie broken by area -> 4x2 at max 12")
    rgb("tie1_640x640.png", 640, 640, 8, "PNG", "aspect 1: 1x1/2x2/3x3 tie, area 409600 -> 2x2")

    gray = _pattern(96, 64, 9, 0.0)[:, :, 1]
    out.append(SourceImage("gray_96x64.png", _save(Image.fromarray(gray, "L"), "PNG"), "8-bit grayscale PNG (mode L)"))

    pal_src = Image.fromarray(_pattern(80, 60, 10, 0.0)).quantize(colors=16, method=Image.Quantize.MEDIANCUT,
                                                                  dither=Image.Dither.NONE)
    out.append(SourceImage("palette_80x60.png", _save(pal_src, "PNG", transparency=0),
                           "palette PNG (mode P, 16 colours, index 0 transparent via tRNS)"))

    rgba = np.dstack([_pattern(72, 48, 11, 0.0), np.tile(np.linspace(0, 255, 72).astype(np.uint8), (48, 1))])
    out.append(SourceImage("rgba_72x48.png", _save(Image.fromarray(rgba, "RGBA"), "PNG"),
                           "RGBA PNG with an alpha ramp; convert('RGB') drops alpha without compositing"))

    g16 = (np.arange(64 * 40, dtype=np.uint32).reshape(40, 64) * 7 % 1024).astype(np.uint16)
    out.append(SourceImage("gray16_64x40.png", _save(Image.fromarray(g16), "PNG"),
                           "16-bit grayscale PNG (mode I;16, values 0..1023)"))

    rgb16 = (_pattern(50, 30, 12, 0.0).astype(np.uint16) * 257 + np.arange(50, dtype=np.uint16)[None, :, None])
    out.append(SourceImage("rgb48_50x30.png", _png_rgb16(rgb16), "16-bit-per-channel RGB PNG (48 bpp)", rgb16))

    cmyk = Image.fromarray(_pattern(64, 48, 13, 4.0)).convert("CMYK")
    out.append(SourceImage("cmyk_64x48.jpg", _save(cmyk, "JPEG", quality=92), "CMYK JPEG (Adobe APP14)"))

    rgb("progressive_96x72.jpg", 96, 72, 14, "JPEG", "progressive JPEG q85", noise=5.0, quality=85,
        progressive=True)
    rgb("rgb_88x66.bmp", 88, 66, 15, "BMP", "24-bit BMP")

    f1 = Image.fromarray(_pattern(64, 48, 16, 0.0)).quantize(colors=32, dither=Image.Dither.NONE)
    f2 = Image.fromarray(255 - _pattern(64, 48, 16, 0.0)).quantize(colors=32, dither=Image.Dither.NONE)
    out.append(SourceImage("anim_64x48.gif", _save(f1, "GIF", save_all=True, append_images=[f2], duration=100,
                                                   loop=0), "2-frame GIF; Image.open reads the first frame"))

    rgb("lossy_80x60.webp", 80, 60, 17, "WEBP", "lossy WebP q80", noise=4.0, quality=80, method=4)
    rgb("lossless_80x60.webp", 80, 60, 18, "WEBP", "lossless WebP", lossless=True)

    rgb("exif_rot6_64x32.jpg", 64, 32, 19, "JPEG",
        "JPEG with EXIF Orientation=6; the reference does NOT apply it (no exif_transpose)", noise=3.0,
        quality=90, exif=_exif_orientation_6())
    out.append(SourceImage("gray_72x54.jpg", _save(Image.fromarray(_pattern(72, 54, 20, 3.0)[:, :, 0], "L"),
                                                   "JPEG", quality=90), "grayscale JPEG"))
    return out
