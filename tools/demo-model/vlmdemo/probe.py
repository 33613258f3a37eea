"""Short training probe: does the model learn to use the image under a given recipe?

    python -m vlmdemo.probe --steps 150 --describe 8 --log .work/probe-a.log [--vision-lr-scale 0.3 ...]

Trains from scratch on single-tile examples and every `--every` steps prints, per module, the gradient norm, the
ViT output and projector output standard deviations, and the *image gap*: the loss on a fixed evaluation batch with
the right images minus the loss with the images rotated by one inside the batch. A model that ignores the image
has a gap of ~0 however low its loss; a model that sees has a clearly positive gap. Used to choose the recipe of
`train.py` in minutes instead of hours (README, "Known problem").
"""
import argparse
import time

import numpy as np
import torch
from tokenizers import Tokenizer

from . import architecture, spec, synth, tokenizer_build
from .encoding import Encoder, collate
from .train import init_weights, optimizer
from .training_aids import ImageScale, VisionAttributeHead


def module_of(name: str) -> str:
    return name.split(".")[1] if name.startswith("model.") else name.split(".")[0]


@torch.no_grad()
def image_gap(model, batch):
    model.eval()
    right = float(model(**batch).loss)
    tiles = batch["pixel_values"].shape[0]
    rolled = dict(batch, pixel_values=batch["pixel_values"].roll(1, dims=0)) if tiles > 1 else batch
    wrong = float(model(**rolled).loss)
    model.train()
    return right, wrong - right


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--describe", type=int, default=8)
    ap.add_argument("--ocr", type=int, default=0)
    ap.add_argument("--ocr-easy", type=float, default=0.25)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--vision-lr-scale", type=float, default=1.0)
    ap.add_argument("--projector-lr-scale", type=float, default=1.0)
    ap.add_argument("--layer-scale", type=float, default=0.1, help="initial ViT layer scale (lambda_1/2)")
    ap.add_argument("--image-scale", type=float, default=0.0,
                    help="after each step, rescale the projector's last linear so image embeddings have this RMS "
                         "relative to the text embeddings' (0: off)")
    ap.add_argument("--decay-all-vision", action="store_true",
                    help="weight decay also on the ViT's and projector's biases, norms and position embeddings")
    ap.add_argument("--aux", type=float, default=0.0,
                    help="weight of the auxiliary vision loss (bag of answer tokens from the image embeddings)")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    tok = Tokenizer.from_str(tokenizer_build.build().to_str())
    shape = architecture.Shape(vocab_size=tok.get_vocab_size())
    model = architecture.build_hf_model(shape, {c: tok.token_to_id(c) for c, _ in spec.ADDED_TOKENS})
    init_weights(model, args.seed)
    with torch.no_grad():
        for layer in model.model.vision_tower.encoder.layer:
            layer.lambda_1.fill_(args.layer_scale)
            layer.lambda_2.fill_(args.layer_scale)
    aux = VisionAttributeHead(model, shape) if args.aux else None
    opt = optimizer(model, vars(args), eps=args.eps)
    if aux:
        opt.add_param_group({"params": list(aux.head.parameters()), "weight_decay": 0.0, "lr_scale": 1.0})
    scaler = ImageScale(model, args.image_scale) if args.image_scale else None
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)

    def raw(task, seed, start, n, **kw):
        return [synth.make_example(task, seed, start + k, multi_tile_probability=0.0, **kw) for k in range(n)]

    def examples(task, seed, start, n, **kw):
        return [enc.encode(ex) for ex in raw(task, seed, start, n, **kw)]

    eval_batch = collate(examples("describe", 999, 0, 8), enc.pad_id)
    print(f"args {vars(args)}", flush=True)
    t0 = time.time()
    for step in range(args.steps):
        lr = args.lr * min(1.0, (step + 1) / args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr * g["lr_scale"]
        losses = {}
        for task, n, kw in (("describe", args.describe, {}), ("ocr", args.ocr, {"ocr_easy_probability": args.ocr_easy})):
            if n:
                exs = raw(task, args.seed, step * n, n, **kw)
                items = [enc.encode(ex) for ex in exs]
                loss = model(**collate(items, enc.pad_id)).loss
                if aux:
                    aux_loss = aux.loss(items, exs)
                    losses[task + "_aux"] = float(aux_loss.detach())
                    loss = loss + args.aux * aux_loss
                loss.backward()
                losses[task] = float(loss.detach())
        norms = {}
        for name, p in model.named_parameters():
            if p.grad is not None:
                norms[module_of(name)] = norms.get(module_of(name), 0.0) + float(p.grad.norm()) ** 2
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if scaler:
            scaler.apply()
        if (step + 1) % args.every == 0 or step == 0:
            with torch.no_grad():
                pv = eval_batch["pixel_values"]
                vit = model.model.vision_tower(pixel_values=pv).last_hidden_state
                proj = model.model.get_image_features(pixel_values=pv)
                proj = proj.pooler_output if hasattr(proj, "pooler_output") else proj
                proj = torch.cat(list(proj)) if isinstance(proj, (list, tuple)) else proj
            right, gap = image_gap(model, eval_batch)
            print(f"step {step + 1} " + " ".join(f"{k} {v:.3f}" for k, v in losses.items())
                  + f" | eval {right:.3f} gap {gap:+.3f} | grad " + " ".join(f"{k[:6]} {v ** 0.5:.1e}" for k, v in norms.items())
                  + f" | std vit {float(vit.std()):.2f} proj {float(proj.std()):.3f}"
                  + f" | {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
