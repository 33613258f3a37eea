"""Held-out evaluation of a shipped model directory, as it ships: bf16 weights from model.safetensors (original
OpenGVLab layout) mapped back to transformers' InternVLForConditionalGeneration and run in float32, greedy.

    python -m vlmdemo.evaluate --model ../../models/demo-internvl3 --seed 20251128 --n 200 --out results.json
"""
import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer

from . import architecture, spec, synth
from .encoding import Encoder, greedy_generate
from .synth.vocabulary import DIRECTIONS, SHAPES

HELDOUT_SEED = 20251128
MAX_NEW_TOKENS = 48


def load_shipped(model_dir: Path, dtype=torch.float32):
    """(transformers model in `dtype` built from the shipped bf16 tensors, tokenizer, shape)."""
    config = json.loads((model_dir / "config.json").read_text())
    shape = architecture.shape_from_original_config(config)
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    token_ids = {c: tok.token_to_id(c) for c, _ in spec.ADDED_TOKENS}
    model = architecture.build_hf_model(shape, token_ids)
    weights = load_file(str(model_dir / "model.safetensors"))
    bad = [k for k, v in weights.items() if v.dtype != torch.bfloat16]
    if bad:
        raise ValueError(f"expected bf16 tensors, got {bad[:3]}")
    state = {k: v.to(dtype) for k, v in architecture.original_to_hf(weights).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"missing {missing} unexpected {unexpected}")
    return model.to(dtype).eval(), tok, shape


def video_key(text: str):
    """(shape, direction) named in a video answer, in either language; None when absent."""
    shape = next((s for s in SHAPES if s[0] in text.split() or s[0] + "." in text or s[1] in text), None)
    direction = next((d for d in DIRECTIONS if d[1] in text or d[2] in text), None)
    if shape is None or direction is None:
        return None
    return shape[0], direction[1]


def score(task: str, predicted: str, expected: str) -> dict:
    s = {"exact": predicted == expected}
    if task == "video":
        s["shape_direction"] = video_key(predicted) is not None and video_key(predicted) == video_key(expected)
    return s


def run(model, tok, shape, seed: int, n: int, tasks=synth.TASKS, log_every=50, on_example=None):
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)
    totals = defaultdict(lambda: defaultdict(int))
    for task in tasks:
        t0 = time.time()
        for i in range(n):
            ex = synth.make_example(task, seed, i, h264_probability=1.0)
            e = enc.encode(ex, with_answer=False)
            ids = greedy_generate(model, e, enc.eos_id, enc.pad_id, MAX_NEW_TOKENS)
            text = tok.decode(ids, skip_special_tokens=True).strip()
            s = score(task, text, ex.answer)
            keys = [task, f"{task}/{ex.lang}"]
            if task == "ocr":
                keys.append(f"ocr/{ex.meta['kind']}")
            if task == "describe":
                keys.append(f"describe/{'multi-tile' if sum(e.num_patches_list) > 1 else 'single-tile'}")
            for key in keys:
                totals[key]["n"] += 1
                for metric, ok in s.items():
                    totals[key][metric] += int(ok)
            if on_example:
                on_example(ex, e, ids, text, s)
            if log_every and (i + 1) % log_every == 0:
                print(f"  {task} {i + 1}/{n}: exact {totals[task]['exact'] / totals[task]['n']:.3f} "
                      f"({time.time() - t0:.0f}s)", flush=True)
    return {k: {m: (v if m == "n" else v / d["n"]) for m, v in d.items()} for k, d in totals.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=HELDOUT_SEED)
    ap.add_argument("--n", type=int, default=200, help="examples per task")
    ap.add_argument("--tasks", default=",".join(synth.TASKS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, tok, shape = load_shipped(args.model)

    def show(ex, e, ids, text, s):
        if args.show_errors and not s["exact"]:
            print(f"    MISS {ex.task}/{ex.lang} want {ex.answer!r} got {text!r} {ex.meta}")

    results = run(model, tok, shape, args.seed, args.n, args.tasks.split(","), on_example=show)
    report = {"seed": args.seed, "n_per_task": args.n, "max_new_tokens": MAX_NEW_TOKENS, "dtype": "float32 from bf16",
              "results": results}
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
