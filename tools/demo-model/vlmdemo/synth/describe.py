"""describe task: 1-3 shapes on a background, answered by one canonical sentence naming them and their layout."""
import math

import numpy as np

from .. import preprocess, spec
from .drawing import background, draw_shape, jitter_colour, random_rotation
from .example import Example
from .vocabulary import CELL_PHRASES, COLOURS, DESCRIBE_PROMPTS, SHAPES, article


def sample_size(rng: np.random.Generator, multi_tile: bool, tile=spec.TILE_SIZE, max_tiles=spec.MAX_TILES):
    """Image size whose dynamic tiling gives one tile (single) or a grid of several tiles plus the thumbnail."""
    while True:
        if multi_tile:
            aspect = math.exp(rng.uniform(math.log(1 / 2.6), math.log(2.6)))
            long_side = rng.uniform(1.45 * tile, 4.3 * tile)
        else:
            aspect = math.exp(rng.uniform(math.log(0.88), math.log(1.14)))
            long_side = rng.uniform(0.65 * tile, 1.41 * tile)
        w, h = (long_side, long_side / aspect) if aspect >= 1 else (long_side * aspect, long_side)
        w, h = max(64, int(round(w))), max(64, int(round(h)))
        cols, rows = preprocess.tile_grid(w, h, spec.MIN_TILES, max_tiles, tile)
        if (cols * rows > 1) == multi_tile:
            return w, h


def _fits(objs, w, h):
    for (x, y, r) in objs:
        if x - r < 2 or y - r < 2 or x + r > w - 2 or y + r > h - 2:
            return False
    for i in range(len(objs)):
        for j in range(i + 1, len(objs)):
            (x1, y1, r1), (x2, y2, r2) = objs[i], objs[j]
            if math.hypot(x1 - x2, y1 - y2) < r1 + r2 + 6:
                return False
    return True


def _place(rng, layout, count, w, h):
    """Centres and radii (x, y, r) in mention order for the layout; rejection-sampled until clean."""
    m = min(w, h)
    for _ in range(1000):
        if layout == "cell":
            col, row = int(rng.integers(3)), int(rng.integers(3))
            r = rng.uniform(0.09, 0.16) * m
            x = (col + 0.5) / 3 * w + rng.uniform(-0.05, 0.05) * w
            y = (row + 0.5) / 3 * h + rng.uniform(-0.05, 0.05) * h
            objs = [(x, y, r)]
            if _fits(objs, w, h):
                return objs, (col, row)
            continue
        along, across = (w, h) if layout == "row" else (h, w)
        r_max = min(0.16 * m, (0.12 if count == 2 else 0.085) * along)
        if count == 2:
            a = [rng.uniform(0.15, 0.38) * along, rng.uniform(0.62, 0.85) * along]
        else:
            a = [(2 * k + 1) / 6 * along + rng.uniform(-0.04, 0.04) * along for k in range(3)]
        c = [rng.uniform(0.3, 0.7) * across for _ in range(count)]
        gaps = [a[k + 1] - a[k] for k in range(count - 1)]
        # The cross-axis offset stays well below the along-axis gap so the order is never ambiguous.
        if max(abs(c[k + 1] - c[k]) for k in range(count - 1)) > 0.4 * min(gaps):
            continue
        rs = [rng.uniform(0.55, 1.0) * r_max for _ in range(count)]
        objs = [(a[k], c[k], rs[k]) if layout == "row" else (c[k], a[k], rs[k]) for k in range(count)]
        if _fits(objs, w, h):
            return objs, None
    raise RuntimeError(f"could not place {count} shapes ({layout}) in {w}x{h}")


def _phrase(lang, colour, shape, capital=False):
    if lang == "en":
        return f"{article(colour[0], capital)} {colour[0]} {shape[0]}"
    return f"一个{colour[1]}的{shape[1]}"


def sentence(lang: str, layout: str, items, cell=None) -> str:
    """items: [(colour, shape)] in mention order (left to right / top to bottom)."""
    p = [_phrase(lang, c, s, capital=(k == 0)) for k, (c, s) in enumerate(items)]
    if layout == "cell":
        en, zh = CELL_PHRASES[cell]
        return f"{p[0]} {en}." if lang == "en" else f"{p[0]}在图片的{zh}。"
    if len(items) == 2:
        if lang == "en":
            return f"{p[0]} {'to the left of' if layout == 'row' else 'above'} {p[1]}."
        return f"{p[0]}在{p[1]}{'左边' if layout == 'row' else '上方'}。"
    if lang == "en":
        return f"{p[0]}, {p[1]} and {p[2]} {'from left to right' if layout == 'row' else 'from top to bottom'}."
    return f"{'从左到右' if layout == 'row' else '从上到下'}依次是{p[0]}、{p[1]}和{p[2]}。"


def make(rng: np.random.Generator, multi_tile_probability: float = 0.4) -> Example:
    lang = "en" if rng.random() < 0.5 else "zh"
    question = DESCRIBE_PROMPTS[lang][int(rng.integers(len(DESCRIBE_PROMPTS[lang])))]
    multi = bool(rng.random() < multi_tile_probability)
    w, h = sample_size(rng, multi)
    image, _ = background(rng, w, h)
    count = int(rng.choice([1, 2, 3], p=[0.3, 0.35, 0.35]))
    # Rows suit wide images and columns tall ones (the thumbnail squeezes the long side).
    p_row = 0.8 if w > 1.4 * h else (0.2 if h > 1.4 * w else 0.5)
    layout = "cell" if count == 1 else ("row" if rng.random() < p_row else "column")
    items = []
    while len(items) < count:
        item = (COLOURS[int(rng.integers(len(COLOURS)))], SHAPES[int(rng.integers(len(SHAPES)))])
        if item not in items:
            items.append(item)
    objs, cell = _place(rng, layout, count, w, h)
    for (colour, shape), (x, y, r) in zip(items, objs):
        rotation = random_rotation(rng, shape[0])  # drawn before the colour jitter, as always (same stream)
        draw_shape(image, shape[0], x, y, r, rotation, jitter_colour(rng, colour[2]))
    answer = sentence(lang, layout, items, cell)
    return Example("describe", lang, question, answer, image=image,
                   meta={"layout": layout, "count": count, "size": [w, h],
                         "objects": [[c[0], s[0]] for c, s in items],
                         "boxes": [[round(float(v), 2) for v in o] for o in objs]})
