"""Where the gradient goes: one backward pass of a few describe examples on a training state, summed per module.

    python -m vlmdemo.grad_check --run .work/run

A vision tower whose gradient is orders of magnitude below the LLM's is not learning (see README, "Known problem").
"""
import argparse
from pathlib import Path

import torch
from tokenizers import Tokenizer

from . import architecture, spec, synth
from .encoding import Encoder, collate


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--n", type=int, default=4)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    state = torch.load(args.run / "state.pt", weights_only=False)
    tok = Tokenizer.from_file(str(args.run / "tokenizer" / "tokenizer.json"))
    shape = architecture.Shape(**state["shape"])
    model = architecture.build_hf_model(shape, {c: tok.token_to_id(c) for c, _ in spec.ADDED_TOKENS})
    model.load_state_dict(state["model"])
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)
    items = [enc.encode(synth.make_example("describe", 5, k, multi_tile_probability=0.0)) for k in range(args.n)]
    groups = {}
    for item in items:
        groups.setdefault(item.pixel_values.shape[0], []).append(item)
    for group in groups.values():
        model(**collate(group, enc.pad_id)).loss.backward()
    norms = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            key = name.split(".")[1] if name.startswith("model.") else name.split(".")[0]
            norms.setdefault(key, []).append(float(p.grad.norm()))
    for key, values in norms.items():
        print(f"{key:24s} tensors {len(values):4d}  grad norm sum {sum(values):.3e}  max {max(values):.3e}")
    with torch.no_grad():
        h = model.model.vision_tower(pixel_values=torch.from_numpy(items[0].pixel_values)).last_hidden_state
    print(f"vision last hidden state: std {float(h.std()):.2f}, max |x| {float(h.abs().max()):.2f}")


if __name__ == "__main__":
    main()
