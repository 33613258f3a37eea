"""Deterministic synthetic data for the demo tasks.

Example `index` of `task` under `seed` is always drawn from numpy Generator([seed, task_id, index]), so a stream
can be regenerated, resumed at any index, and a held-out seed never overlaps the training streams.
"""
import numpy as np

from . import describe, ocr, video
from .example import Example

TASKS = ("describe", "ocr", "video")
_TASK_IDS = {"describe": 1, "ocr": 2, "video": 3}


def make_example(task: str, seed: int, index: int, *, h264_probability: float = 0.6,
                 multi_tile_probability: float = 0.35, ocr_easy_probability: float = 0.0) -> Example:
    rng = np.random.default_rng([seed, _TASK_IDS[task], index])
    if task == "describe":
        return describe.make(rng, multi_tile_probability=multi_tile_probability)
    if task == "ocr":
        return ocr.make(rng, easy_probability=ocr_easy_probability)
    if task == "video":
        return video.make(rng, h264_probability=h264_probability)
    raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")


__all__ = ["Example", "TASKS", "make_example"]
