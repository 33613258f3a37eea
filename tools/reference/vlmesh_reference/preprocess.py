"""The model card's image and video preprocessing (`load_image`, `dynamic_preprocess`, `get_index`), spec §4–§5.

Re-typed from the spec's description of the reference, with the same Python semantics (set order of the grid
candidates, float division, Python/NumPy rounding). The model card's torchvision transform
`Compose([Resize((s, s), BICUBIC), ToTensor(), Normalize(IMAGENET)])` is reproduced with the same torch float32
ops torchvision 0.28 runs (`from_numpy(...).permute(2,0,1).to(float32).div(255)`, then `sub_(mean).div_(std)`
with float32 mean/std tensors); `Resize` is a no-op because every tile already has the target size (Pillow
returns a copy). torchvision itself is not used: the only wheel matching torch 2.13 is a CUDA build that cannot
load next to the CPU torch.
"""

import numpy as np
import torch
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def candidate_grids(min_num: int, max_num: int) -> list[tuple[int, int]]:
    """(columns, rows) candidates in the reference's order: a set, stably sorted by area."""
    ratios = set((i, j) for n in range(min_num, max_num + 1) for i in range(1, n + 1) for j in range(1, n + 1)
                 if min_num <= i * j <= max_num)
    return sorted(ratios, key=lambda r: r[0] * r[1])


def closest_grid(width: int, height: int, max_num: int, image_size: int, min_num: int = 1) -> tuple[int, int]:
    aspect = width / height
    best_diff = float("inf")
    best = (1, 1)
    area = width * height
    for r in candidate_grids(min_num, max_num):
        diff = abs(aspect - r[0] / r[1])
        if diff < best_diff:
            best_diff = diff
            best = r
        elif diff == best_diff:
            if area > 0.5 * image_size * image_size * r[0] * r[1]:
                best = r
    return best


def dynamic_preprocess(image: Image.Image, max_num: int, image_size: int, use_thumbnail: bool = True,
                       min_num: int = 1) -> tuple[tuple[int, int], list[Image.Image]]:
    w, h = image.size
    cols, rows = closest_grid(w, h, max_num, image_size, min_num)
    resized = image.resize((image_size * cols, image_size * rows))  # Pillow default filter: BICUBIC
    tiles = []
    for k in range(cols * rows):
        c, r = k % cols, k // cols
        tiles.append(resized.crop((c * image_size, r * image_size, (c + 1) * image_size, (r + 1) * image_size)))
    if use_thumbnail and len(tiles) != 1:
        tiles.append(image.resize((image_size, image_size)))
    return (cols, rows), tiles


def normalize_uint8(tile_hwc: np.ndarray) -> torch.Tensor:
    """ToTensor + Normalize in float32 torch ops: ((x / 255) - mean) / std, CHW."""
    hwc = torch.from_numpy(np.array(tile_hwc, dtype=np.uint8, copy=True))
    x = hwc.permute(2, 0, 1).contiguous().to(torch.float32).div(255)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32).view(3, 1, 1)
    return x.sub(mean).div(std)


def normalize_lut() -> torch.Tensor:
    """[3, 256] float32: the normalised value of every uint8 level per channel."""
    levels = np.tile(np.arange(256, dtype=np.uint8).reshape(1, 256, 1), (1, 1, 3))
    return normalize_uint8(levels)[:, 0, :].contiguous()


def pixel_values(tiles: list[Image.Image]) -> torch.Tensor:
    """[T, 3, S, S] float32, the model card's build_transform applied to each tile (Resize is a no-op on tiles)."""
    return torch.stack([normalize_uint8(np.asarray(t.convert("RGB"))) for t in tiles])


def check_lut_matches_ieee_float32(lut: torch.Tensor) -> None:
    """The torch ops equal plain IEEE float32 arithmetic ((float)x / 255f - mean_f) / std_f, as Java computes it."""
    x = np.arange(256, dtype=np.float32)
    for c in range(3):
        ref = (x / np.float32(255) - np.float32(IMAGENET_MEAN[c])) / np.float32(IMAGENET_STD[c])
        if not np.array_equal(ref.view(np.uint32), lut[c].numpy().view(np.uint32)):
            raise AssertionError("torch normalisation differs from IEEE float32 arithmetic")


def get_index(bound, fps: float, max_frame: int, first_idx: int = 0, num_segments: int = 32) -> list[int]:
    if bound:
        start, end = bound[0], bound[1]
    else:
        start, end = -100000, 100000
    start_idx = max(first_idx, round(start * fps))
    end_idx = min(round(end * fps), max_frame)
    seg_size = float(end_idx - start_idx) / num_segments
    return [int(start_idx + (seg_size / 2) + np.round(seg_size * idx)) for idx in range(num_segments)]
