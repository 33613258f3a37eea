"""Image and video preprocessing exactly as the official InternVL `load_image` / `load_video` (spec sections 4, 5).

Tiles are made with PIL bicubic resizes (not the HF fast processor) because that is what the original chat code
and the Java engine use.
"""
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import spec


def target_ratios(min_num: int, max_num: int) -> list[tuple[int, int]]:
    # Same construction as the reference: a set ordered by tile count with a stable sort, so ties inside one
    # tile count keep CPython's set iteration order for small-int tuples.
    ratios = set(
        (i, j)
        for n in range(min_num, max_num + 1)
        for i in range(1, n + 1)
        for j in range(1, n + 1)
        if min_num <= i * j <= max_num
    )
    return sorted(ratios, key=lambda r: r[0] * r[1])


def find_closest_aspect_ratio(aspect: float, ratios, width: int, height: int, image_size: int) -> tuple[int, int]:
    best_diff = float("inf")
    best = (1, 1)
    area = width * height
    for ratio in ratios:
        diff = abs(aspect - ratio[0] / ratio[1])
        if diff < best_diff:
            best_diff = diff
            best = ratio
        elif diff == best_diff and area > 0.5 * image_size * image_size * ratio[0] * ratio[1]:
            best = ratio
    return best


def tile_grid(width: int, height: int, min_num=spec.MIN_TILES, max_num=spec.MAX_TILES, image_size=spec.TILE_SIZE):
    """(columns, rows) chosen by dynamic tiling for an image of this size."""
    return find_closest_aspect_ratio(width / height, target_ratios(min_num, max_num), width, height, image_size)


def dynamic_preprocess(image: Image.Image, min_num=spec.MIN_TILES, max_num=spec.MAX_TILES,
                       image_size=spec.TILE_SIZE, use_thumbnail=True) -> list[Image.Image]:
    width, height = image.size
    cols, rows = tile_grid(width, height, min_num, max_num, image_size)
    resized = image.resize((image_size * cols, image_size * rows), Image.BICUBIC)
    tiles = []
    for k in range(cols * rows):
        col, row = k % cols, k // cols
        box = (col * image_size, row * image_size, (col + 1) * image_size, (row + 1) * image_size)
        tiles.append(resized.crop(box))
    if use_thumbnail and len(tiles) != 1:
        tiles.append(image.resize((image_size, image_size), Image.BICUBIC))
    return tiles


_MEAN = np.array(spec.IMAGENET_MEAN, dtype=np.float32).reshape(3, 1, 1)
_STD = np.array(spec.IMAGENET_STD, dtype=np.float32).reshape(3, 1, 1)


def normalize_tile(tile: Image.Image, image_size=spec.TILE_SIZE) -> np.ndarray:
    """torchvision Resize(no-op) + ToTensor + Normalize(ImageNet), in float32, as [3, S, S]."""
    if tile.size != (image_size, image_size):
        tile = tile.resize((image_size, image_size), Image.BICUBIC)
    x = np.asarray(tile.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    return (x - _MEAN) / _STD


@dataclass
class ImageInput:
    pixel_values: np.ndarray  # [tiles, 3, S, S] float32
    grid: tuple[int, int]     # (columns, rows) before the thumbnail
    num_tiles: int            # including the thumbnail


def load_image(image: Image.Image, max_num=spec.MAX_TILES, image_size=spec.TILE_SIZE) -> ImageInput:
    image = image.convert("RGB")
    grid = tile_grid(image.width, image.height, spec.MIN_TILES, max_num, image_size)
    tiles = dynamic_preprocess(image, spec.MIN_TILES, max_num, image_size, use_thumbnail=True)
    return ImageInput(np.stack([normalize_tile(t, image_size) for t in tiles]), grid, len(tiles))


def get_index(bound, fps: float, max_frame: int, first_idx: int = 0, num_segments: int = spec.VIDEO_FRAMES):
    """Frame indices of the reference `get_index` (round = Python half-even, np.round half-even, int truncates)."""
    if bound:
        start, end = bound[0], bound[1]
    else:
        start, end = -100000, 100000
    start_idx = max(first_idx, round(start * fps))
    end_idx = min(round(end * fps), max_frame)
    seg_size = float(end_idx - start_idx) / num_segments
    return np.array([int(start_idx + (seg_size / 2) + np.round(seg_size * idx)) for idx in range(num_segments)])


def decode_video(path) -> tuple[list[np.ndarray], float]:
    """All frames of the first video stream as RGB24 arrays (FFmpeg via PyAV) and the stream's average fps."""
    import av

    source = str(path) if isinstance(path, (str, os.PathLike)) else path
    with av.open(source) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        fps = float(stream.average_rate) if stream.average_rate else 0.0
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    if not frames:
        raise ValueError(f"{path}: no decodable video frames")
    return frames, fps


@dataclass
class VideoInput:
    pixel_values: np.ndarray   # [frames, 3, S, S]
    frame_indices: list[int]
    total_frames: int
    fps: float


def sample_frames(frames: list[np.ndarray], fps: float, num_segments=spec.VIDEO_FRAMES,
                  image_size=spec.TILE_SIZE) -> VideoInput:
    indices = get_index(None, fps, len(frames) - 1, first_idx=0, num_segments=num_segments)
    tiles = []
    for i in indices:
        image = Image.fromarray(frames[i]).convert("RGB")
        # dynamic_preprocess with max_num=1 is a single bicubic resize to the tile size, no thumbnail.
        (tile,) = dynamic_preprocess(image, min_num=1, max_num=1, image_size=image_size, use_thumbnail=True)
        tiles.append(normalize_tile(tile, image_size))
    return VideoInput(np.stack(tiles), [int(i) for i in indices], len(frames), fps)


def load_video(path, num_segments=spec.VIDEO_FRAMES, image_size=spec.TILE_SIZE) -> VideoInput:
    frames, fps = decode_video(path)
    return sample_frames(frames, fps, num_segments, image_size)
