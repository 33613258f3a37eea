"""Byte-stable writers for fixture files and the registry of what each file holds.

Every writer produces the same bytes for the same content: JSON with sorted keys and a trailing newline,
safetensors with a fixed `__metadata__`, no timestamps anywhere.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def f32_le_bytes(t: torch.Tensor | np.ndarray) -> bytes:
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def json_text(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


class FixtureWriter:
    """Writes files under the fixture root and remembers a one-line description for each."""

    def __init__(self, root: Path):
        self.root = root
        self.descriptions: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def describe(self, rel: str, what: str) -> None:
        self.descriptions[rel] = what

    def json(self, rel: str, obj, what: str) -> Path:
        p = self.path(rel)
        p.write_text(json_text(obj), encoding="utf-8")
        self.describe(rel, what)
        return p

    def text(self, rel: str, text: str, what: str) -> Path:
        p = self.path(rel)
        p.write_bytes(text.encode("utf-8"))
        self.describe(rel, what)
        return p

    def raw(self, rel: str, data: bytes, what: str) -> Path:
        p = self.path(rel)
        p.write_bytes(data)
        self.describe(rel, what)
        return p

    def tensors(self, rel: str, tensors: dict[str, torch.Tensor], what: str) -> Path:
        p = self.path(rel)
        save_tensors(p, tensors)
        self.describe(rel, what)
        return p

    def rel(self, p: Path) -> str:
        return p.relative_to(self.root).as_posix()


def save_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    clean = {k: v.detach().contiguous() for k, v in sorted(tensors.items())}
    for k, v in clean.items():
        if v.dtype not in (torch.float32, torch.bfloat16, torch.int64, torch.uint8):
            raise ValueError(f"{k}: dtype {v.dtype} is not one of the fixture dtypes")
    save_file(clean, os.fspath(path), metadata={"format": "pt"})


def read_safetensors_header(path: Path) -> dict:
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        return json.loads(f.read(n))
