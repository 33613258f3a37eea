"""video task: one shape moving across a static background in one of four directions."""
import io

import numpy as np

from .. import preprocess
from .drawing import background, draw_shape, jitter_colour, random_rotation
from .example import Example
from .vocabulary import COLOURS, DIRECTIONS, SHAPES, VIDEO_PROMPTS, article

FRAME_SIZES = [(224, 224), (256, 192), (320, 240), (240, 240), (288, 224), (192, 256)]
FPS_CHOICES = [8, 10, 12, 15, 24, 25, 30]


def sentence(lang, colour, shape, direction) -> str:
    if lang == "en":
        return f"{article(colour[0], True)} {colour[0]} {shape[0]} moves {direction[1]}."
    return f"一个{colour[1]}的{shape[1]}{direction[2]}移动。"


def encode_h264(frames: list[np.ndarray], fps: int, crf: int) -> bytes:
    """H.264 (libx264, yuv420p) in MP4, single-threaded so the bytes are reproducible."""
    import av

    height, width = frames[0].shape[:2]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1
        stream.options = {"crf": str(crf), "preset": "veryfast", "threads": "1"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def make(rng: np.random.Generator, h264_probability: float = 0.6) -> Example:
    lang = "en" if rng.random() < 0.5 else "zh"
    question = VIDEO_PROMPTS[lang][int(rng.integers(len(VIDEO_PROMPTS[lang])))]
    w, h = FRAME_SIZES[int(rng.integers(len(FRAME_SIZES)))]
    count = int(rng.integers(16, 41))
    fps = int(FPS_CHOICES[int(rng.integers(len(FPS_CHOICES)))])
    colour = COLOURS[int(rng.integers(len(COLOURS)))]
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    direction = DIRECTIONS[int(rng.integers(len(DIRECTIONS)))]
    bg, _ = background(rng, w, h)
    r = rng.uniform(0.1, 0.16) * min(w, h)
    (dx, dy) = direction[0]
    along, across = (w, h) if dx else (h, w)
    start = rng.uniform(r + 2, 0.3 * along)
    end = rng.uniform(0.7 * along, along - r - 2)
    if dx < 0 or dy < 0:
        start, end = along - start, along - end
    cross0 = rng.uniform(r + 2, across - r - 2)
    cross1 = float(np.clip(cross0 + rng.uniform(-0.05, 0.05) * across, r + 2, across - r - 2))
    rotation = random_rotation(rng, shape[0])
    rgb = jitter_colour(rng, colour[2])
    frames, centres = [], []
    for t in range(count):
        a = t / (count - 1)
        p, q = start + (end - start) * a, cross0 + (cross1 - cross0) * a
        x, y = (p, q) if dx else (q, p)
        centres.append([round(float(x), 2), round(float(y), 2)])
        frame = bg.copy()
        draw_shape(frame, shape[0], x, y, r, rotation, rgb)
        frames.append(np.asarray(frame))
    mp4 = None
    if rng.random() < h264_probability:
        mp4 = encode_h264(frames, fps, crf=int(rng.integers(18, 33)))
        frames, _ = preprocess.decode_video(io.BytesIO(mp4))
    answer = sentence(lang, colour, shape, direction)
    return Example("video", lang, question, answer, frames=frames, fps=float(fps), mp4=mp4,
                   meta={"size": [w, h], "frames": len(frames), "fps": fps, "colour": colour[0], "shape": shape[0],
                         "direction": direction[1], "h264": mp4 is not None,
                         "radius": round(float(r), 2), "centres": centres})
