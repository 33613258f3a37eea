"""The value every generator returns."""
from dataclasses import dataclass, field

import numpy as np
from PIL import Image


@dataclass
class Example:
    task: str                      # "describe" | "ocr" | "video"
    lang: str                      # language of the prompt and of the answer: "en" | "zh"
    question: str                  # user text, without media placeholders
    answer: str                    # the one correct answer
    image: Image.Image | None = None
    frames: list[np.ndarray] | None = None   # video frames as decoded (after H.264 when mp4 is set)
    fps: float = 0.0
    mp4: bytes | None = None       # the H.264 file the frames were decoded from
    meta: dict = field(default_factory=dict)
