"""Measures training cost per tile (forward + backward + AdamW step) for a tile size, to choose 224 vs 448.

    python -m vlmdemo.measure_tile_cost --tile 448 --tiles 8
    python -m vlmdemo.measure_tile_cost --tile 224 --tiles 8

Uses random pixels and tokens (cost does not depend on content); prints seconds per tile for the last of 4 steps.
Run it on a quiet machine: other jobs on the same cores change the numbers.
"""
import argparse
import time

import torch

from . import architecture, spec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tile", type=int, default=spec.TILE_SIZE)
    ap.add_argument("--tiles", type=int, default=8, help="tiles per step (2 sequences of tiles/2 images each)")
    ap.add_argument("--vit-hidden", type=int, default=architecture.Shape.vit_hidden)
    ap.add_argument("--vit-layers", type=int, default=architecture.Shape.vit_layers)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    shape = architecture.Shape(tile_size=args.tile, vit_hidden=args.vit_hidden, vit_layers=args.vit_layers,
                               vit_heads=args.vit_hidden // 64, vit_intermediate=4 * args.vit_hidden)
    vocab = shape.vocab_size
    ids = {"<|endoftext|>": vocab - 31, spec.IMG_CONTEXT: vocab - 7}
    model = architecture.build_hf_model(shape, ids)
    per_tile = spec.tokens_per_tile(args.tile)
    batch = 2
    n_img = (args.tiles // batch) * per_tile
    input_ids = torch.randint(0, vocab - 31, (batch, n_img + 60))
    input_ids[:, 10:10 + n_img] = ids[spec.IMG_CONTEXT]
    pixel_values = torch.randn(args.tiles, 3, args.tile, args.tile)
    opt = torch.optim.AdamW(model.parameters(), 1e-4)
    for step in range(4):
        t = time.time()
        model(input_ids=input_ids, pixel_values=pixel_values, labels=input_ids).loss.backward()
        opt.step()
        opt.zero_grad()
        dt = time.time() - t
    print(f"tile {args.tile}: {dt / args.tiles:.3f} s per tile ({per_tile} LLM tokens per tile, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, {args.threads} threads)")


if __name__ == "__main__":
    main()
