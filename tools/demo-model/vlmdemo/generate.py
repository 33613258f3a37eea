"""Writes a synthetic data set to disk: media files plus data.jsonl.

    python -m vlmdemo.generate --seed 20251 --n 50 --tasks describe,ocr,video --out /tmp/set

Images are PNG; videos are always written as H.264 MP4 (and the stored frames are the decoded ones).
"""
import argparse
import json
from pathlib import Path

from . import synth
from .synth.ocr import check_fonts


def write_example(ex: synth.Example, out: Path, stem: str) -> list[str]:
    if ex.task == "video":
        if ex.mp4 is None:
            raise ValueError("video examples written to disk must be H.264-encoded (h264_probability=1)")
        name = f"{stem}.mp4"
        (out / name).write_bytes(ex.mp4)
    else:
        name = f"{stem}.png"
        ex.image.save(out / name, optimize=True)
    return [name]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, required=True, help="examples per task")
    ap.add_argument("--tasks", default="describe,ocr,video")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--multi-tile-probability", type=float, default=0.35)
    args = ap.parse_args(argv)
    tasks = [t for t in args.tasks.split(",") if t]
    for t in tasks:
        if t not in synth.TASKS:
            ap.error(f"unknown task {t!r}; expected some of {','.join(synth.TASKS)}")
    if "ocr" in tasks:
        check_fonts()
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "data.jsonl", "w", encoding="utf-8") as f:
        for task in tasks:
            for i in range(args.n):
                ex = synth.make_example(task, args.seed, i, h264_probability=1.0,
                                        multi_tile_probability=args.multi_tile_probability)
                media = write_example(ex, args.out, f"{task}-{args.seed}-{i:05d}")
                f.write(json.dumps({"task": task, "seed": args.seed, "index": i, "lang": ex.lang,
                                    "media": media, "question": ex.question, "answer": ex.answer,
                                    "meta": ex.meta}, ensure_ascii=False) + "\n")
    print(f"wrote {len(tasks) * args.n} examples to {args.out}")


if __name__ == "__main__":
    main()
