"""Trains the demo InternVL3 from scratch on freshly generated synthetic data (CPU, fixed seeds, resumable).

    python -m vlmdemo.train --run .work/run        # resumes from .work/run/state.pt when present

Every optimizer step accumulates one micro-batch per task; example k of a task at step s is
make_example(task, --seed, s * batch + k), so a resumed run sees exactly the data an uninterrupted one would.
"""
import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from . import architecture, spec, synth, tokenizer_build
from .encoding import Encoder, collate, greedy_generate
from .training_aids import CombinedHeads, ImageScale, VisionAttributeHead, VisionDenseHead, VisionSlotHead

DEFAULTS = dict(seed=1, steps=2400, lr=1.5e-3, min_lr_ratio=0.05, warmup=150, weight_decay=0.05,
                batch_describe=3, batch_ocr=10, batch_video=1, video_every=2, multi_tile_probability=0.3,
                h264_probability=0.6, ocr_easy_probability=0.25,
                checkpoint_every=50, monitor_every=300, monitor_n=8, monitor_seed=999,
                aux=0.0, aux_kind="slots", image_scale=0.0, decay_all_vision=0, vision_lr_scale=1.0, projector_lr_scale=1.0)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim < 2 or "embed" in name or "position_embeddings" in name or "cls_token" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def optimizer(model, cfg, eps=1e-8):
    """AdamW; the ViT and projector groups may get their own learning-rate scale and full weight decay."""
    vision = set(model.model.vision_tower.parameters())
    projector = set(model.model.multi_modal_projector.parameters())
    groups = {}
    for group in param_groups(model, cfg["weight_decay"]):
        for p in group["params"]:
            scale = cfg["vision_lr_scale"] if p in vision else cfg["projector_lr_scale"] if p in projector else 1.0
            decay = cfg["weight_decay"] if cfg["decay_all_vision"] and (p in vision or p in projector) \
                else group["weight_decay"]
            groups.setdefault((scale, decay), []).append(p)
    return torch.optim.AdamW([{"params": ps, "weight_decay": d, "lr_scale": s} for (s, d), ps in groups.items()],
                             lr=cfg["lr"], betas=(0.9, 0.98), eps=eps)


def vision_grad_norm(model):
    return sum(float(p.grad.norm()) ** 2 for p in model.model.vision_tower.parameters() if p.grad is not None) ** 0.5


def lr_at(step, cfg):
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    t = (step - cfg["warmup"]) / max(1, cfg["steps"] - cfg["warmup"])
    return cfg["lr"] * (cfg["min_lr_ratio"] + (1 - cfg["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def init_weights(model, seed):
    torch.manual_seed(seed)
    emb = model.model.vision_tower.embeddings
    with torch.no_grad():
        # transformers zero-initialises these; small random values break the symmetry between positions sooner.
        emb.position_embeddings.normal_(0.0, 0.02)
        emb.cls_token.normal_(0.0, 0.02)


def save_atomic(obj, path: Path):
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def monitor(model, encoder, cfg, max_new_tokens=40):
    model.eval()
    scores = {}
    for task in synth.TASKS:
        ok = 0
        for i in range(cfg["monitor_n"]):
            ex = synth.make_example(task, cfg["monitor_seed"], i, h264_probability=1.0)
            enc = encoder.encode(ex, with_answer=False)
            ids = greedy_generate(model, enc, encoder.eos_id, encoder.pad_id, max_new_tokens)
            text = encoder.tok.decode(ids, skip_special_tokens=True).strip()
            ok += text == ex.answer
            if i < 2:
                log(f"  [{task}] want {ex.answer!r} got {text!r}")
        scores[task] = ok / cfg["monitor_n"]
    # the image gap: loss with each image swapped for another minus loss with the right ones (~0: image ignored)
    items = [encoder.encode(synth.make_example("describe", cfg["monitor_seed"], i, multi_tile_probability=0.0))
             for i in range(8)]
    batch = collate(items, encoder.pad_id)
    right = float(model(**batch).loss)
    wrong = float(model(**dict(batch, pixel_values=batch["pixel_values"].roll(1, dims=0))).loss)
    scores["describe_image_gap"] = round(wrong - right, 4)
    model.train()
    return scores


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="run directory (state, tokenizer, logs)")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop (after a checkpoint) after this long")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.run.mkdir(parents=True, exist_ok=True)
    state_path = args.run / "state.pt"

    tok_dir = args.run / "tokenizer"
    if not (tok_dir / "tokenizer.json").exists():
        tokenizer_build.save(tokenizer_build.build(), tok_dir)
    tok = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    token_ids = {c: tok.token_to_id(c) for c, _ in spec.ADDED_TOKENS}

    state = torch.load(state_path, weights_only=False) if state_path.exists() else None
    cfg = dict(DEFAULTS) if state is None else {**DEFAULTS, **state["cfg"]}
    for k in DEFAULTS:
        v = getattr(args, k)
        if v is not None:
            cfg[k] = v
    shape = architecture.Shape(vocab_size=tok.get_vocab_size()) if state is None else architecture.Shape(**state["shape"])
    model = architecture.build_hf_model(shape, token_ids)
    init_weights(model, cfg["seed"])
    opt = optimizer(model, cfg)
    heads = {"attributes": VisionAttributeHead, "slots": VisionSlotHead, "dense": VisionDenseHead}
    kinds = cfg["aux_kind"].split("+")  # e.g. "slots+dense": both heads, losses added
    aux = None
    if cfg["aux"]:
        aux = heads[kinds[0]](model, shape) if len(kinds) == 1 else CombinedHeads([heads[k](model, shape) for k in kinds])
    if aux:
        opt.add_param_group({"params": list(aux.head.parameters()), "weight_decay": 0.0, "lr_scale": 1.0})
    scaler = ImageScale(model, cfg["image_scale"]) if cfg["image_scale"] else None
    step = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if aux:
            saved = state.get("aux_head")
            if saved is not None and saved.keys() == aux.head.state_dict().keys() \
                    and all(saved[k].shape == v.shape for k, v in aux.head.state_dict().items()):
                aux.head.load_state_dict(saved)
            else:
                # another auxiliary head than the saved one (--aux-kind changed on resume): a fresh head, no moments
                for p in aux.head.parameters():
                    opt.state.pop(p, None)
                log("auxiliary head: starting fresh (" + cfg["aux_kind"] + ")")
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
        log(f"resumed at step {step}")
    else:
        torch.manual_seed(cfg["seed"])
    (args.run / "config.json").write_text(json.dumps({"cfg": cfg, "shape": architecture.describe_shape(shape)}, indent=2))
    n_params = sum(p.numel() for p in model.parameters())
    log(f"params {n_params / 1e6:.2f}M shape {shape} cfg {cfg}")

    encoder = Encoder(tok, shape.tile_size, shape.max_tiles)
    batches = {"describe": cfg["batch_describe"], "ocr": cfg["batch_ocr"], "video": cfg["batch_video"]}
    model.train()
    start, last_ckpt, cpu_start = time.time(), time.time(), time.process_time()
    ema = {}
    while step < cfg["steps"]:
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg) * group.get("lr_scale", 1.0)
        losses, tiles = {}, 0
        for task, b in batches.items():
            if b == 0 or (task == "video" and step % cfg["video_every"] != 0):
                continue
            # Example indices depend only on (step, k), so resuming replays exactly the same stream.
            examples = [synth.make_example(task, cfg["seed"], step * b + k,
                                           h264_probability=cfg["h264_probability"],
                                           multi_tile_probability=cfg["multi_tile_probability"],
                                           ocr_easy_probability=cfg["ocr_easy_probability"])
                        for k in range(b)]
            items = [encoder.encode(ex) for ex in examples]
            # Examples with different tile counts have very different lengths; padding them into one batch
            # would double the LLM work, so each tile count is its own micro-batch (weighted by its share).
            groups = {}
            for example, item in zip(examples, items):
                groups.setdefault(item.pixel_values.shape[0], []).append((example, item))
            total = aux_total = 0.0
            for pairs in groups.values():
                group = [item for _, item in pairs]
                batch = collate(group, encoder.pad_id)
                tiles += batch["pixel_values"].shape[0]
                loss = model(**batch).loss * (len(group) / b)
                total += loss.item()
                if aux:
                    aux_loss = aux.loss(group, [ex for ex, _ in pairs]) * (len(group) / b)
                    aux_total += aux_loss.item()
                    loss = loss + cfg["aux"] * aux_loss
                loss.backward()
            losses[task] = total
            if aux:
                losses[task + "_aux"] = aux_total
        vision_gn = vision_grad_norm(model)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if scaler:
            scaler.apply()
        step += 1
        for k, v in losses.items():
            ema[k] = v if k not in ema else 0.95 * ema[k] + 0.05 * v
        if step % 10 == 0 or step == 1:
            log(f"step {step}/{cfg['steps']} lr {lr_at(step - 1, cfg):.2e} "
                + " ".join(f"{k} {losses.get(k, float('nan')):.3f}({v:.3f})" for k, v in ema.items())
                + f" gn {grad_norm:.2f} vision gn {vision_gn:.1e} tiles {tiles} {time.time() - t0:.1f}s elapsed {(time.time() - start) / 60:.1f}m"
                + f" cpu {(time.process_time() - cpu_start) / 60:.1f}m")
        done = step >= cfg["steps"]
        out_of_time = args.max_minutes and (time.time() - start) / 60 >= args.max_minutes
        if step % cfg["checkpoint_every"] == 0 or done or out_of_time or time.time() - last_ckpt > 600:
            save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "cfg": cfg,
                         "shape": architecture.describe_shape(shape), "torch_rng": torch.get_rng_state(),
                         "aux_head": aux.head.state_dict() if aux else None}, state_path)
            last_ckpt = time.time()
        if cfg["monitor_every"] and (step % cfg["monitor_every"] == 0 or done):
            log(f"monitor step {step}: {monitor(model, encoder, cfg)}")
        if out_of_time:
            log("stopping: --max-minutes reached")
            break
    log(f"finished at step {step}, {(time.time() - start) / 60:.1f} min this session")


if __name__ == "__main__":
    main()
