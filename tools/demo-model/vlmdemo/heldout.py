"""Writes the committed held-out set for the Java engine's equality test, and the deploy samples.

    python -m vlmdemo.heldout --model ../../models/demo-internvl3 --samples ../../deploy/samples

Examples are taken in stream order from the held-out seed (the one `evaluate` uses) until each (task, language)
quota is filled; describe keeps a quota of multi-tile images. Media over MAX_MEDIA_BYTES are skipped so the set stays
small (this skips some noisy backgrounds, nothing else). Answers are transformers' greedy answers from the shipped
bf16 weights computed in float32, whether right or wrong.
"""
import argparse
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import evaluate, preprocess, spec, synth
from .encoding import Encoder, greedy_generate

QUOTAS = {("describe", "en"): 6, ("describe", "zh"): 6, ("ocr", "en"): 5, ("ocr", "zh"): 5,
          ("video", "en"): 4, ("video", "zh"): 4}
MULTI_TILE_DESCRIBE = 6
MAX_MEDIA_BYTES = 110_000
MAX_TOTAL_BYTES = 3_000_000


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).hexdigest()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def tile_hashes(image: Image.Image, shape) -> list[str]:
    return [sha256(np.asarray(t)) for t in preprocess.dynamic_preprocess(
        image, spec.MIN_TILES, shape.max_tiles, shape.tile_size, use_thumbnail=True)]


@torch.no_grad()
def first_step_top(model, enc, k=5):
    logits = model(input_ids=torch.tensor([enc.prompt_ids]),
                   pixel_values=torch.from_numpy(enc.pixel_values)).logits[0, -1].float()
    values, ids = logits.topk(k)
    return [[int(i), round(float(v), 5)] for i, v in zip(ids, values)]


def build(model_dir: Path, seed: int, out_dir: Path):
    model, tok, shape = evaluate.load_shipped(model_dir)
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in list(out_dir.glob("*.png")) + list(out_dir.glob("*.mp4")):
        old.unlink()
    need = dict(QUOTAS)
    multi_needed = MULTI_TILE_DESCRIBE
    records, total_bytes, chosen = [], 0, []
    for task in synth.TASKS:
        index = 0
        while any(need[(t, l)] > 0 for (t, l) in need if t == task):
            ex = synth.make_example(task, seed, index, h264_probability=1.0)
            index += 1
            if need[(task, ex.lang)] == 0:
                continue
            if task == "describe":
                tiles = preprocess.load_image(ex.image, shape.max_tiles, shape.tile_size).num_tiles
                remaining = need[("describe", "en")] + need[("describe", "zh")]
                if tiles == 1 and remaining <= multi_needed:
                    continue  # the rest of the describe quota is reserved for multi-tile images
            data = ex.mp4 if task == "video" else png_bytes(ex.image)
            if len(data) > MAX_MEDIA_BYTES:
                continue
            if task == "describe" and tiles > 1:
                multi_needed = max(0, multi_needed - 1)
            need[(task, ex.lang)] -= 1
            chosen.append((ex, index - 1, data))
    for n, (ex, index, data) in enumerate(chosen):
        name = f"{n:02d}-{ex.task}-{ex.lang}.{'mp4' if ex.task == 'video' else 'png'}"
        (out_dir / name).write_bytes(data)
        total_bytes += len(data)
        # Re-read the file as a consumer would, so everything below describes the committed bytes.
        if ex.task == "video":
            frames, fps = preprocess.decode_video(out_dir / name)
            reread = synth.Example(ex.task, ex.lang, ex.question, ex.answer, frames=frames, fps=fps)
        else:
            image = Image.open(out_dir / name).convert("RGB")
            if not np.array_equal(np.asarray(image), np.asarray(ex.image)):
                raise AssertionError(f"{name}: PNG round trip changed pixels")
            reread = synth.Example(ex.task, ex.lang, ex.question, ex.answer, image=image)
        e = enc.encode(reread, with_answer=False)
        ids = greedy_generate(model, e, enc.eos_id, enc.pad_id, evaluate.MAX_NEW_TOKENS)
        text = tok.decode(ids, skip_special_tokens=True).strip()
        record = {
            "id": f"{n:02d}", "task": ex.task, "lang": ex.lang, "seed": seed, "index": index,
            "media": [name], "question": ex.question, "prompt_text": e.question, "rendered_prompt": e.query,
            "prompt_token_ids": e.prompt_ids, "prompt_length": len(e.prompt_ids),
            "num_tiles": e.num_patches_list,
        }
        if ex.task == "video":
            record.update({"video_total_frames": len(reread.frames), "video_fps": reread.fps,
                           "frame_indices": e.frame_indices,
                           "frame_rgb_sha256": [sha256(reread.frames[i]) for i in e.frame_indices]})
        else:
            record.update({"image_size": list(reread.image.size),
                           "tile_grid": list(preprocess.tile_grid(*reread.image.size, spec.MIN_TILES, shape.max_tiles,
                                                                  shape.tile_size)),
                           "tile_rgb_sha256": tile_hashes(reread.image, shape)})
        stopped = len(ids) < evaluate.MAX_NEW_TOKENS
        record.update({
            "max_new_tokens": evaluate.MAX_NEW_TOKENS,
            "first_step_top5": first_step_top(model, e),
            "transformers_answer": text, "transformers_answer_ids": ids, "stopped_on_eos": stopped,
            "expected_answer": ex.answer, "correct": text == ex.answer,
        })
        records.append(record)
        print(f"{name}: {'OK ' if text == ex.answer else 'BAD'} {text!r}", flush=True)
    if total_bytes > MAX_TOTAL_BYTES:
        raise SystemExit(f"held-out media take {total_bytes} bytes, over {MAX_TOTAL_BYTES}")
    with open(out_dir / "heldout.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(records)} examples, media {total_bytes / 1e6:.2f} MB, "
          f"{sum(r['correct'] for r in records)} correct -> {out_dir}")
    return model, tok, shape


def write_samples(model, tok, shape, seed: int, out: Path, search: int = 150):
    """deploy/samples: shapes.png (multi-tile describe), ocr.png, moving.mp4 - the first clean example of each kind in
    the held-out stream that the model answers correctly (clean: no noise-heavy PNG, so the files stay small and easy
    to read). When none of the first `search` candidates is answered correctly, the first candidate is used and the
    sample's notes say the model gets it wrong: the samples show what the model does, not what we wish it did."""
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {"shapes.png": ("describe", "en"), "ocr.png": ("ocr", "en"), "moving.mp4": ("video", "en")}
    notes = {}
    for name, (task, lang) in wanted.items():
        first, tried = None, 0
        for index in range(1000):
            if tried >= search:
                break
            ex = synth.make_example(task, seed + 1, index, h264_probability=1.0)
            if ex.lang != lang:
                continue
            if task == "describe" and (ex.meta["count"] < 2 or
                                       preprocess.load_image(ex.image, shape.max_tiles, shape.tile_size).num_tiles < 4):
                continue
            if task == "ocr" and ex.meta["kind"] != "word":
                continue
            data = ex.mp4 if task == "video" else png_bytes(ex.image)
            if len(data) > 60_000:
                continue
            tried += 1
            e = enc.encode(ex, with_answer=False)
            text = tok.decode(greedy_generate(model, e, enc.eos_id, enc.pad_id, evaluate.MAX_NEW_TOKENS),
                              skip_special_tokens=True).strip()
            candidate = (index, ex, data, e, text)
            if first is None:
                first = candidate
            if text == ex.answer:
                break
        else:
            candidate = None
        if candidate is None or candidate[4] != candidate[1].answer:
            if first is None:
                raise SystemExit(f"no clean example found for {name}")
            candidate = first
        index, ex, data, e, text = candidate
        (out / name).write_bytes(data)
        notes[name] = {"task": task, "question": ex.question, "expected_answer": ex.answer, "model_answer": text,
                       "correct": text == ex.answer, "num_tiles": sum(e.num_patches_list), "seed": seed + 1,
                       "index": index}
        print(f"sample {name}: {text!r} ({'correct' if text == ex.answer else 'WRONG, want ' + repr(ex.answer)}; "
              f"tiles {sum(e.num_patches_list)})")
    (out / "samples.json").write_text(json.dumps(notes, indent=2, ensure_ascii=False) + "\n")
    lines = ["# Sample inputs for vlmesh's main job", "",
             "Made by `tools/demo-model` (`python -m vlmdemo.heldout --samples ...`) from a seed the demo model never",
             "trained on: for each kind, the first clean example the demo model (`models/demo-internvl3`) answers",
             "correctly with greedy decoding, or the first one when it answers none of the first "
             f"{search} correctly.", "",
             "| file | ask | expected answer | the demo model's answer | tiles |", "|---|---|---|---|---|"]
    for name, n in notes.items():
        mark = "" if n["correct"] else " (wrong)"
        lines.append(f"| `{name}` | {n['question']} | {n['expected_answer']} | {n['model_answer']}{mark} | "
                     f"{n['num_tiles']} |")
    (out / "README.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=evaluate.HELDOUT_SEED)
    ap.add_argument("--samples", type=Path, help="also write deploy samples here")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    model, tok, shape = build(args.model, args.seed, args.model / "heldout")
    if args.samples:
        write_samples(model, tok, shape, args.seed, args.samples)


if __name__ == "__main__":
    main()
