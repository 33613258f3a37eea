"""Regenerates every fixture under engine/src/test/resources/fixtures (see tools/reference/README.md)."""

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import torch

from .store import FixtureWriter, json_text, read_safetensors_header, sha256_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_OUT = REPO / "engine" / "src" / "test" / "resources" / "fixtures"


def versions() -> dict:
    import av
    import numpy
    import PIL
    import safetensors
    import tokenizers
    import transformers
    from PIL import features

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": numpy.__version__,
        "Pillow": PIL.__version__,
        "Pillow_libjpeg_turbo": features.version("libjpeg_turbo"),
        "Pillow_libwebp": features.version("webp"),
        "Pillow_zlib": features.version("zlib"),
        "PyAV": av.__version__,
        "PyAV_ffmpeg": {k: ".".join(map(str, v)) for k, v in sorted(av.library_versions.items())},
        "torchvision": "not used (see preprocess.py)",
    }


def write_manifest(w: FixtureWriter) -> None:
    entries = []
    for p in sorted(w.root.rglob("*")):
        if not p.is_file():
            continue
        rel = w.rel(p)
        if rel == "manifest.json":
            continue
        if rel not in w.descriptions:
            raise AssertionError(f"no description for {rel}")
        e = {"path": rel, "size": p.stat().st_size, "sha256": sha256_file(p), "description": w.descriptions[rel]}
        if rel.endswith(".safetensors"):
            h = read_safetensors_header(p)
            e["safetensors_metadata"] = h.pop("__metadata__", None)
            e["tensors"] = [{"name": k, "dtype": v["dtype"], "shape": v["shape"], "data_offsets": v["data_offsets"]}
                            for k, v in sorted(h.items())]
        entries.append(e)
    missing = set(w.descriptions) - {e["path"] for e in entries} - {"manifest.json"}
    if missing:
        raise AssertionError(f"described but not written: {sorted(missing)}")
    manifest = {
        "format": 1,
        "generator": "tools/reference/generate (python -m vlmesh_reference)",
        "versions": versions(),
        "total_size": sum(e["size"] for e in entries),
        "files": entries,
    }
    (w.root / "manifest.json").write_text(json_text(manifest), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    from . import outputs, sections

    out = args.out.resolve()
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    w = FixtureWriter(partial)
    t0 = time.time()

    def log(msg):
        print(f"[{time.time() - t0:7.1f}s] {msg}", flush=True)

    _, files = sections.tokenizer_section(w)
    log("tokenizer done")
    image_tiles = sections.preprocess_section(w)
    sections.grid_section(w)
    log("preprocessing done")
    video_tiles = sections.video_section(w, partial)
    log("video done")
    outputs.models_section(w, files, image_tiles, video_tiles, log)
    log("models and outputs done")
    shutil.copyfile(HERE.parent / "FIXTURES_README.md", partial / "README.md")
    w.describe("README.md", "what the fixtures are and how they are laid out")
    write_manifest(w)

    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"wrote {out} ({total} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
