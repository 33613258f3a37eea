"""Writes models/demo-internvl3/README.md (the model card) from the evaluation report and the training run.

    python -m vlmdemo.model_card --model ../../models/demo-internvl3 --results .work/results.json --run .work/run
"""
import argparse
import json
import platform
import re
from pathlib import Path

from . import spec


def _versions() -> dict:
    import av
    import numpy
    import PIL
    import safetensors
    import tokenizers
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "safetensors": safetensors.__version__, "pillow": PIL.__version__,
            "av (PyAV)": av.__version__, "numpy": numpy.__version__}


def _training_summary(run: Path) -> dict:
    cfg = json.loads((run / "config.json").read_text())
    log = (run / "train.log").read_text() if (run / "train.log").exists() else ""
    steps = re.findall(r"step (\d+)/(\d+) .* elapsed ([\d.]+)m cpu ([\d.]+)m", log)
    sessions = log.count(" params ")
    # elapsed/cpu restart at 0 in every resumed session; add up each session's last value.
    wall = cpu = 0.0
    prev = None
    for s, total, e, c in steps:
        e, c = float(e), float(c)
        if prev is not None and e < prev[0]:
            wall += prev[0]
            cpu += prev[1]
        prev = (e, c)
    if prev:
        wall += prev[0]
        cpu += prev[1]
    return {"cfg": cfg["cfg"], "shape": cfg["shape"], "last_step": int(steps[-1][0]) if steps else 0,
            "wall_minutes": wall, "cpu_minutes": cpu, "sessions": sessions}


def render(model_dir: Path, results: dict, run: Path) -> str:
    config = json.loads((model_dir / "config.json").read_text())
    tok_ids = json.loads((model_dir / "added_tokens.json").read_text())
    v, l = config["vision_config"], config["llm_config"]
    t = _training_summary(run)
    cfg = t["cfg"]
    r = results["results"]
    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), "pt") as f:
        n_params = sum(_numel(f.get_slice(k).get_shape()) for k in f.keys())
    size_mb = (model_dir / "model.safetensors").stat().st_size / 1e6

    def pct(key, metric="exact"):
        return f"{100 * r[key][metric]:.1f}%" if key in r else "-"

    rows = []
    for task, label, metric in (("describe", "describe (exact sentence)", "exact"),
                                ("ocr", "OCR, <= 8 characters (exact text)", "exact"),
                                ("video", "video: shape + direction", "shape_direction"),
                                ("video", "video (exact sentence)", "exact")):
        rows.append(f"| {label} | {r[task]['n']} | {pct(task, metric)} | {pct(task + '/en', metric)} | "
                    f"{pct(task + '/zh', metric)} | |")
    table = "\n".join(rows)
    versions = "\n".join(f"| {k} | {val} |" for k, val in _versions().items())
    tpt = spec.tokens_per_tile(config["force_image_size"])
    return f"""# demo-internvl3 — a tiny InternVL3 trained on synthetic images (vlmesh default model)

This is **not** OpenGVLab's InternVL3. It is a {n_params / 1e6:.1f} M-parameter model with the
exact InternVL3 architecture (InternViT encoder → pixel shuffle v2 → `mlp1` projector → Qwen2 LLM, `internvl2_5`
template and system message, Qwen2-style byte-level BPE tokenizer with the InternVL tokens), trained from scratch
on the CPU on synthetic data by `tools/demo-model`. It describes simple shapes, reads short rendered text and says
which way a shape moves in a short clip, in English and Chinese. vlmesh loads it when no other model is configured,
so a fresh machine can run the whole path and produce answers a person can check.

Files are in the original OpenGVLab layout: `config.json` (`model_type` `internvl_chat`), `model.safetensors`
(bf16, {size_mb:.1f} MB, `vision_model.*`, `mlp1.*`, `language_model.*`), `generation_config.json`, and the tokenizer
as `tokenizer.json` and as `vocab.json` + `merges.txt` + `added_tokens.json` + `tokenizer_config.json` +
`special_tokens_map.json`.

## What differs from a real InternVL3 (read these from config.json, do not hard-code)

| | real InternVL3 | this demo |
|---|---|---|
| tile size (`force_image_size`, `vision_config.image_size`) | 448 | **{config['force_image_size']}** |
| image tokens per tile | 256 | **{tpt}** (({config['force_image_size']}/14)² · 0.5²) |
| `max_dynamic_patch` | 12 | **{config['max_dynamic_patch']}** (+ thumbnail) |
| vision hidden / layers / heads / FFN | 1024 / 24 / 16 / 4096 | {v['hidden_size']} / {v['num_hidden_layers']} / {v['num_attention_heads']} / {v['intermediate_size']} |
| LLM hidden / layers / heads / kv heads / FFN | 896 / 24 / 14 / 2 / 4864 (1B) | {l['hidden_size']} / {l['num_hidden_layers']} / {l['num_attention_heads']} / {l['num_key_value_heads']} / {l['intermediate_size']} |
| vocabulary | 151674 | {l['vocab_size']} (BPE {l['vocab_size'] - 31} + the same 31 added tokens in the same order) |

Everything else is as in InternVL3: patch 14, LayerNorm ViT (eps 1e-6) with qkv bias and layer scale, CLS token
prepended and dropped, last layer (`select_layer` -1), no post-norm, pixel shuffle 0.5 `ps_version` v2, `mlp1` =
LayerNorm(eps 1e-5) → Linear → exact GELU → Linear, Qwen2 with GQA, q/k/v bias, RMSNorm eps 1e-6, RoPE θ 1e6
(`rope_scaling` dynamic ×2, inactive below 32768 positions), untied `lm_head`. Weights were trained in float32 and
rounded to bf16 for shipping; all numbers below are measured from the bf16 weights computed in float32.

The 224 tile: at 448 one training step costs about 5× more CPU (measured: 0.51 s vs 0.10 s per tile for the same
model, forward+backward, 2 threads, quiet machine), which does not fit the two-hour CPU budget for training a
vision encoder from scratch; see `tools/demo-model/README.md`.

## How to prompt it

Exactly like InternVL3 `chat()`:

- Images: dynamic tiling with min 1 / max {config['max_dynamic_patch']} tiles of {config['force_image_size']}×{config['force_image_size']} (PIL bicubic), thumbnail
  last when there is more than one tile, ImageNet mean/std. Prompt
  `<|im_start|>system\\n{{SYS}}<|im_end|>\\n<|im_start|>user\\n<image>\\n{{question}}<|im_end|>\\n<|im_start|>assistant\\n`
  where `<image>` becomes `<img>` + `<IMG_CONTEXT>`×({tpt}·tiles) + `</img>`.
- Videos: 8 frames chosen by the reference `get_index` rule over all decoded frames, one {config['force_image_size']} tile per frame
  (no thumbnail), question prefixed by `Frame1: <image>\\nFrame2: <image>\\n…Frame8: <image>\\n`.
- `{{SYS}}` is the InternVL3 system message `{spec.SYSTEM_MESSAGE}`.
- Token ids: `<|endoftext|>` {tok_ids['<|endoftext|>']} (pad), `<|im_start|>` {tok_ids['<|im_start|>']},
  `<|im_end|>` {tok_ids['<|im_end|>']} (eos, stop token), `<img>` {tok_ids['<img>']}, `</img>` {tok_ids['</img>']},
  `<IMG_CONTEXT>` {tok_ids['<IMG_CONTEXT>']}. No BOS is added.
- Greedy decoding; stop on `<|im_end|>`; answers are at most about 30 tokens (the evaluation allows {results['max_new_tokens']}).

Prompts it was trained on: "Describe the image." / "描述一下这张图片。" (and paraphrases), "What is the text in the
image?" / "识别出图中的文字。", "Describe this video." / "请描述这个视频。". Answers follow the prompt's language
(OCR answers are the text itself).

## Held-out accuracy

Greedy exact match on a fresh held-out set (seed {results['seed']}, never used in training; {results['n_per_task']}
examples per task, prompts half English, half Chinese; every video went through H.264 and was decoded by FFmpeg):

| task | n | transformers {_versions()['transformers']} (all) | English prompts | Chinese prompts | Java engine |
|---|---|---|---|---|---|
{table}

Reproduce (from `tools/demo-model`, about 20 CPU-minutes):

```
PYTHONPATH=. ../.venv/bin/python -m vlmdemo.evaluate --model ../../models/demo-internvl3 --seed {results['seed']} --n {results['n_per_task']}
```

`heldout/` holds {{n_heldout}} of these examples (PNG images and H.264 MP4 videos) with, for each, the full rendered
prompt, its token ids, the tile counts and transformers' greedy answer (text and ids); the Java engine must give the
identical answer on every one. Format: `tools/demo-model/README.md`.

## Training

Command (from `tools/demo-model`; resumable, rerun the same command after an interruption):

```
PYTHONPATH=. nohup ../.venv/bin/python -m vlmdemo.train --run .work/run --steps {cfg['steps']} > .work/run/train.log 2>&1 &
PYTHONPATH=. ../.venv/bin/python -m vlmdemo.export --run .work/run --out ../../models/demo-internvl3
```

- {t['last_step']} AdamW steps (lr {cfg['lr']}, {cfg['warmup']} warm-up steps, cosine to {cfg['min_lr_ratio']}×, weight decay
  {cfg['weight_decay']}, grad clip 1.0); each step = {cfg['batch_describe']} describe + {cfg['batch_ocr']} OCR examples, plus {cfg['batch_video']} video every
  {cfg['video_every']} steps, freshly generated from seed {cfg['seed']} (about {t['last_step'] * cfg['batch_describe']} / {t['last_step'] * cfg['batch_ocr']} / {t['last_step'] * cfg['batch_video'] // cfg['video_every']} examples, each
  seen once). {int(cfg['ocr_easy_probability'] * 100)}% of the training OCR images are an easy warm-up variant (plain background, large upright
  text, no noise); evaluation images never are.
- Loss only on answer tokens + `<|im_end|>`; float32; `torch.set_num_threads(2)`.
- CPU time {t['cpu_minutes']:.0f} min (both threads together), wall time {t['wall_minutes']:.0f} min on a 2-vCPU machine shared
  with other jobs ({t['sessions']} session(s)).

Data recipe (`tools/demo-model/vlmdemo/synth`, deterministic per seed and index):

- describe: 1–3 of {{circle, square, triangle, star, diamond, hexagon}} in {{red, green, blue, yellow, purple, orange}}, sizes
  and positions varied, on desaturated solid / gradient / striped / checked backgrounds with optional noise. One
  shape → its 3×3 cell ("A red circle in the top left corner." / "一个红色的圆形在图片的左上角。"); two → "A … to the left of
  a …" / "A … above a …" (left or top one first); three → "A …, a … and a … from left to right / from top to bottom"
  ("从左到右依次是…"). {int(cfg['multi_tile_probability'] * 100)}% of the images have sizes that tile into 2–6 tiles + thumbnail.
- OCR: one line, ≤ 8 characters — English words (lower / Title / UPPER), 1–8 digit numbers, Chinese phrases —
  in DejaVu Sans/Serif/Mono, Liberation Sans/Serif/Mono, Noto Sans/Serif CJK SC, WenQuanYi Zen Hei; random size,
  colour, ±6° rotation, optional blur and noise.
- video: 16–40 frames at 8–30 fps, one shape moving left→right, right→left, top→bottom or bottom→top;
  {int(cfg['h264_probability'] * 100)}% of training clips (all evaluation clips) are H.264-encoded (libx264, CRF 18–32) and decoded again.

## Versions

| package | version |
|---|---|
{versions}

Fonts: Debian packages fonts-dejavu-core, fonts-liberation2, fonts-noto-cjk, fonts-wqy-zenhei.
"""


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--results", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--status", type=Path, help="markdown placed under the title (the model's current state)")
    args = ap.parse_args(argv)
    results = json.loads(args.results.read_text())
    text = render(args.model, results, args.run)
    heldout = args.model / "heldout" / "heldout.jsonl"
    n = sum(1 for _ in open(heldout, encoding="utf-8")) if heldout.exists() else 0
    text = text.replace("{n_heldout}", str(n))
    if args.status:
        title, rest = text.split("\n", 1)
        text = title + "\n\n" + args.status.read_text().strip() + "\n" + rest
    (args.model / "README.md").write_text(text)
    print(f"wrote {args.model / 'README.md'}")


if __name__ == "__main__":
    main()
