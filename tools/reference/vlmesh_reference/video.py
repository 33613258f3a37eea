"""Short synthetic clips encoded with PyAV (H.264/MP4, VP9/WebM) and their decoded frames."""

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class ClipSpec:
    name: str
    codec: str  # PyAV encoder name
    container: str  # PyAV/FFmpeg muxer name
    width: int
    height: int
    rate: Fraction
    frames: int
    options: dict


CLIPS = [
    ClipSpec("h264_160x120_10fps_16f.mp4", "libx264", "mp4", 160, 120, Fraction(10), 16,
             {"preset": "medium", "crf": "20", "threads": "1", "bf": "2"}),
    ClipSpec("h264_128x96_29.97fps_20f.mp4", "libx264", "mp4", 128, 96, Fraction(30000, 1001), 20,
             {"preset": "fast", "crf": "23", "threads": "1"}),
    ClipSpec("vp9_112x80_24fps_18f.webm", "libvpx-vp9", "webm", 112, 80, Fraction(24), 18,
             {"crf": "32", "b": "0", "threads": "1", "row-mt": "0", "deadline": "good", "cpu-used": "4"}),
    ClipSpec("vp9_96x64_5fps_7f.webm", "libvpx-vp9", "webm", 96, 64, Fraction(5), 7,
             {"crf": "30", "b": "0", "threads": "1", "row-mt": "0", "deadline": "good", "cpu-used": "4"}),
]


def _frame_rgb(spec: ClipSpec, k: int) -> np.ndarray:
    """Frame k: a diagonal gradient scrolling with k, a moving square, and a bar whose length encodes k."""
    h, w = spec.height, spec.width
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = (x * 255 / w + 12 * k) % 256
    g = (y * 255 / h + 7 * k) % 256
    b = 128 + 90 * np.sin(2 * np.pi * (x + y + 5 * k) / 40)
    img = np.stack([r, g, b], -1)
    s = max(8, h // 6)
    x0 = (5 + 9 * k) % (w - s)
    img[h // 3:h // 3 + s, x0:x0 + s] = (255, 255, 255)
    img[h - 6:h - 2, 2:2 + min(w - 4, 4 * (k + 1))] = (0, 0, 0)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def encode(spec: ClipSpec, path: Path) -> None:
    with av.open(str(path), mode="w", format=spec.container,
                 container_options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream(spec.codec, rate=spec.rate, options=dict(spec.options))
        stream.width = spec.width
        stream.height = spec.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        for k in range(spec.frames):
            frame = av.VideoFrame.from_ndarray(_frame_rgb(spec, k), format="rgb24")
            frame.pts = k
            frame.time_base = Fraction(1) / spec.rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@dataclass
class Decoded:
    fps: float  # float(stream.average_rate), as decord's get_avg_fps()
    average_rate: str
    time_base: str
    pts: list[int]
    rgb: np.ndarray  # [N, H, W, 3] uint8, frame.to_ndarray(format="rgb24")
    y: np.ndarray  # [N, H, W] uint8
    u: np.ndarray  # [N, H/2, W/2] uint8
    v: np.ndarray
    pix_fmt: str
    colorspace: str
    color_range: str
    codec: str


def _plane(p) -> np.ndarray:
    a = np.frombuffer(bytes(p), dtype=np.uint8).reshape(p.height, p.line_size)
    return a[:, :p.width].copy()


def decode(path: Path) -> Decoded:
    with av.open(str(path)) as inp:
        stream = inp.streams.video[0]
        stream.thread_type = "NONE"
        rgb, ys, us, vs, pts = [], [], [], [], []
        fmt = cs = cr = None
        for frame in inp.decode(stream):
            fmt, cs, cr = frame.format.name, int(frame.colorspace), int(frame.color_range)
            if fmt != "yuv420p":
                raise ValueError(f"{path.name}: decoded pix_fmt {fmt}")
            rgb.append(frame.to_ndarray(format="rgb24"))
            ys.append(_plane(frame.planes[0]))
            us.append(_plane(frame.planes[1]))
            vs.append(_plane(frame.planes[2]))
            pts.append(int(frame.pts))
        return Decoded(
            fps=float(stream.average_rate), average_rate=str(stream.average_rate), time_base=str(stream.time_base),
            pts=pts, rgb=np.stack(rgb), y=np.stack(ys), u=np.stack(us), v=np.stack(vs), pix_fmt=fmt,
            colorspace=str(cs), color_range=str(cr), codec=stream.codec_context.name,
        )
