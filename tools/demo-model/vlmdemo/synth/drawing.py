"""Backgrounds and anti-aliased shapes drawn with PIL, driven only by a numpy Generator (deterministic per seed)."""
import colorsys
import math

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 4


def _hsv_rgb(h, s, v):
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return np.array([r, g, b]) * 255.0


def background(rng: np.random.Generator, width: int, height: int, dark_probability=0.25) -> tuple[Image.Image, bool]:
    """A desaturated background: solid, gradient, stripes or checks, optionally with mild noise.

    Returns the image and whether it is dark (text colours are chosen against it)."""
    dark = rng.random() < dark_probability
    value = (lambda: rng.uniform(0.08, 0.28)) if dark else (lambda: rng.uniform(0.78, 0.98))
    c1 = _hsv_rgb(rng.random(), rng.uniform(0.0, 0.16), value())
    c2 = _hsv_rgb(rng.random(), rng.uniform(0.0, 0.16), value())
    kind = rng.choice(["solid", "gradient", "gradient", "stripes", "checks"])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "solid":
        img = np.broadcast_to(c1, (height, width, 3)).astype(np.float32)
    elif kind == "gradient":
        angle = rng.uniform(0, 2 * math.pi)
        t = xx * math.cos(angle) + yy * math.sin(angle)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
        img = c1 * (1 - t[..., None]) + c2 * t[..., None]
    else:
        period = rng.uniform(12, 40)
        contrast = rng.uniform(0.03, 0.08) * 255.0
        if kind == "stripes":
            angle = rng.uniform(0, math.pi)
            pattern = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period)
        else:
            pattern = np.sign(np.sin(xx * 2 * math.pi / period) * np.sin(yy * 2 * math.pi / period))
        img = c1 + (pattern[..., None] * contrast)
    if rng.random() < 0.4:
        img = img + rng.normal(0, rng.uniform(1.0, 5.0), size=(height, width, 1))
    return Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8), "RGB"), dark


def jitter_colour(rng: np.random.Generator, rgb) -> tuple[int, int, int]:
    c = np.array(rgb, dtype=np.float64) + rng.uniform(-14, 14, size=3)
    return tuple(int(v) for v in np.clip(c, 0, 255).round())


def _regular_polygon(n, radius, rotation, start=-math.pi / 2):
    return [(radius * math.cos(start + rotation + 2 * math.pi * k / n),
             radius * math.sin(start + rotation + 2 * math.pi * k / n)) for k in range(n)]


def shape_outline(shape: str, radius: float, rotation: float):
    """Polygon points (relative to the centre) or None for a circle."""
    if shape == "circle":
        return None
    if shape == "square":
        h = radius * 0.82
        return [(-h, -h), (h, -h), (h, h), (-h, h)]
    if shape == "diamond":
        return [(0, -radius), (radius * 0.68, 0), (0, radius), (-radius * 0.68, 0)]
    if shape == "triangle":
        return _regular_polygon(3, radius, rotation, start=-math.pi / 2)
    if shape == "hexagon":
        return _regular_polygon(6, radius, rotation, start=0.0)
    if shape == "star":
        pts = []
        for k in range(10):
            r = radius if k % 2 == 0 else radius * 0.45
            a = -math.pi / 2 + rotation + math.pi * k / 5
            pts.append((r * math.cos(a), r * math.sin(a)))
        return pts
    raise ValueError(f"unknown shape {shape}")


def random_rotation(rng: np.random.Generator, shape: str) -> float:
    # Squares and diamonds stay upright: a square turned by 45 degrees would be a diamond.
    if shape in ("square", "diamond", "circle"):
        return 0.0
    return math.radians(rng.uniform(-12, 12))


def draw_shape(image: Image.Image, shape: str, cx: float, cy: float, radius: float, rotation: float, rgb) -> None:
    """Paints the shape in place through a supersampled coverage mask (anti-aliased edges)."""
    size = int(math.ceil(radius)) + 2
    big = (2 * size) * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = size * SUPERSAMPLE + (cx - math.floor(cx)) * SUPERSAMPLE
    centre_y = size * SUPERSAMPLE + (cy - math.floor(cy)) * SUPERSAMPLE
    outline = shape_outline(shape, radius, rotation)
    r = radius * SUPERSAMPLE
    if outline is None:
        draw.ellipse([centre - r, centre_y - r, centre + r, centre_y + r], fill=255)
    else:
        draw.polygon([(centre + x * SUPERSAMPLE, centre_y + y * SUPERSAMPLE) for x, y in outline], fill=255)
    mask = mask.resize((2 * size, 2 * size), Image.BOX)
    solid = Image.new("RGB", mask.size, tuple(rgb))
    image.paste(solid, (int(math.floor(cx)) - size, int(math.floor(cy)) - size), mask)
