"""Writes a training state as a model directory in the original OpenGVLab InternVL3 layout.

    python -m vlmdemo.export --run .work/run --out ../../models/demo-internvl3

config.json (model_type internvl_chat), model.safetensors (bf16, vision_model.* / mlp1.* / language_model.*),
generation_config.json and the tokenizer files. The model card README.md is written by `vlmdemo.model_card`.
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer

from . import architecture, spec

TOKENIZER_FILES = ["tokenizer.json", "vocab.json", "merges.txt", "added_tokens.json", "tokenizer_config.json",
                   "special_tokens_map.json"]
MAX_NEW_TOKENS = 64


def export(run: Path, out: Path) -> None:
    state = torch.load(run / "state.pt", weights_only=False, map_location="cpu")
    shape = architecture.Shape(**state["shape"])
    tok = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    token_ids = {c: tok.token_to_id(c) for c, _ in spec.ADDED_TOKENS}
    out.mkdir(parents=True, exist_ok=True)
    weights = architecture.hf_to_original(state["model"])
    weights = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in sorted(weights.items())}
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = architecture.original_config(shape, token_ids)
    (out / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    generation = {
        "bos_token_id": None,
        "do_sample": False,
        "eos_token_id": token_ids[spec.EOS_TOKEN],
        "max_new_tokens": MAX_NEW_TOKENS,
        "pad_token_id": token_ids[spec.PAD_TOKEN],
    }
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")
    for name in TOKENIZER_FILES:
        shutil.copyfile(run / "tokenizer" / name, out / name)
    n = sum(v.numel() for v in weights.values())
    print(f"exported step {state['step']}: {n / 1e6:.2f}M parameters, "
          f"{(out / 'model.safetensors').stat().st_size / 1e6:.1f} MB -> {out}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    export(args.run, args.out)


if __name__ == "__main__":
    main()
