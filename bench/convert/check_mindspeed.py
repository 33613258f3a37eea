"""Independent check of a vlmesh MindSpeed-MM conversion (run with tools/.venv/bin/python).

Re-derives every shard's state dict from the HuggingFace source with torch, following the rules of
mm-convert's InternVLConverter as written down in shared/reference/mindspeed-mm.md §3 (rename table, LLM QKV
interleaved per KV group, fc1 = [gate; up], ViT qkv kept, pipeline split by the original
partition_state_dict_by_pp, Row/Col/GLU/UnalignedEmbedding/UnalignedRow/UnalignedCol splits), then demands:
  * every release/mp_rank_*/model_optim_rng.pt loads with torch.load(weights_only=True), holds
    {'model': ... or 'model0', 'model1', ..., 'checkpoint_version': 3.0} and exactly the derived tensors;
  * every model.safetensors holds the same tensors (names prefixed 'model<chunk>.' with virtual pipelining).
The Java converter is not used here, so a shared misunderstanding would have to be made twice.

usage: check_mindspeed.py --hf HF_DIR --mm MM_DIR
"""

import argparse
import json
import re
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "reference"))
from vlmesh_reference.models import load_state, to_original_state  # noqa: E402


def original_state(hf_dir: Path) -> tuple[dict, dict]:
    cfg = json.loads((hf_dir / "config.json").read_text())
    state = load_state(hf_dir)
    if cfg.get("model_type") == "internvl":  # -hf layout -> original names (the project's reference mapping)
        norm = {}
        for k, v in state.items():
            k = re.sub(r"^model\.", "", k)
            k = "language_model.lm_head.weight" if k == "lm_head.weight" else k
            if k.startswith("language_model.") and not k.startswith(("language_model.model.",
                                                                      "language_model.lm_head")):
                k = "language_model.model." + k[len("language_model."):]
            norm[k] = v
        state = to_original_state(norm)
        llm, vit = cfg["text_config"], cfg["vision_config"]
        tie = cfg.get("tie_word_embeddings", False)
    else:
        llm, vit = cfg["llm_config"], cfg["vision_config"]
        tie = False
    return state, {"llm": llm, "vit": vit, "tie": tie}


RENAMES = [  # (pattern, replacement) from the mapping tables of mindspeed-mm.md §3, applied in order
    (r"^vision_model\.embeddings\.", "image_encoder.encoder.embeddings."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.attn\.qkv\.", r"image_encoder.encoder.encoder.layers.\1.self_attention.linear_qkv."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.attn\.proj\.", r"image_encoder.encoder.encoder.layers.\1.self_attention.linear_proj."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.attn\.q_norm\.", r"image_encoder.encoder.encoder.layers.\1.self_attention.q_layernorm."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.attn\.k_norm\.", r"image_encoder.encoder.encoder.layers.\1.self_attention.k_layernorm."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.mlp\.fc1\.", r"image_encoder.encoder.encoder.layers.\1.mlp.linear_fc1."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.mlp\.fc2\.", r"image_encoder.encoder.encoder.layers.\1.mlp.linear_fc2."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.norm1\.", r"image_encoder.encoder.encoder.layers.\1.input_layernorm."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.norm2\.", r"image_encoder.encoder.encoder.layers.\1.pre_mlp_layernorm."),
    (r"^vision_model\.encoder\.layers\.(\d+)\.ls([12])$", r"image_encoder.encoder.encoder.layers.\1.ls\2"),
    (r"^mlp1\.0\.", "image_encoder.projector.norm."),
    (r"^mlp1\.1\.", "image_encoder.projector.linear_fc1."),
    (r"^mlp1\.3\.", "image_encoder.projector.linear_fc2."),
    (r"^language_model\.model\.embed_tokens\.", "text_decoder.embedding.word_embeddings."),
    (r"^language_model\.model\.layers\.(\d+)\.self_attn\.o_proj\.", r"text_decoder.decoder.layers.\1.self_attention.linear_proj."),
    (r"^language_model\.model\.layers\.(\d+)\.mlp\.down_proj\.", r"text_decoder.decoder.layers.\1.mlp.linear_fc2."),
    (r"^language_model\.model\.layers\.(\d+)\.input_layernorm\.", r"text_decoder.decoder.layers.\1.input_layernorm."),
    (r"^language_model\.model\.layers\.(\d+)\.post_attention_layernorm\.", r"text_decoder.decoder.layers.\1.pre_mlp_layernorm."),
    (r"^language_model\.model\.layers\.(\d+)\.self_attn\.([qkv])_proj\.", r"text_decoder.decoder.layers.\1.self_attention.\2_proj."),
    (r"^language_model\.model\.layers\.(\d+)\.mlp\.(gate|up)_proj\.", r"text_decoder.decoder.layers.\1.mlp.\2_proj."),
    (r"^language_model\.model\.norm\.", "text_decoder.decoder.final_layernorm."),
    (r"^language_model\.lm_head\.", "text_decoder.output_layer."),
]


def to_mm(state: dict, cfg: dict, pp: int) -> dict:
    out = {}
    for k, v in state.items():
        n = k
        for pat, rep in RENAMES:
            n = re.sub(pat, rep, n)
        if n == k:
            raise KeyError(f"no rename rule for {k}")
        out[n] = v
    groups = cfg["llm"]["num_key_value_heads"]
    for i in range(cfg["llm"]["num_hidden_layers"]):
        p = f"text_decoder.decoder.layers.{i}."
        out[p + "mlp.linear_fc1.weight"] = torch.cat([out.pop(p + "mlp.gate_proj.weight"),
                                                      out.pop(p + "mlp.up_proj.weight")], 0)
        for w in ("weight", "bias"):
            q, k, v = (out.pop(p + f"self_attention.{x}_proj.{w}") for x in "qkv")
            parts = []
            for qg, kg, vg in zip(q.chunk(groups, 0), k.chunk(groups, 0), v.chunk(groups, 0)):
                parts += [qg, kg, vg]
            out[p + f"self_attention.linear_qkv.{w}"] = torch.cat(parts, 0)
    if cfg["tie"] and pp > 1:
        out["text_decoder.output_layer.weight"] = out["text_decoder.embedding.word_embeddings.weight"].clone()
    return out


def pp_split(sd: dict, llm_flat: list, vit_flat: list) -> list:
    schemas = [  # (counts, firsts, lasts, middle)
        (vit_flat, ["image_encoder.encoder.embeddings."], ["image_encoder.projector."],
         "image_encoder.encoder.encoder.layers."),
        (llm_flat, ["text_decoder.embedding."], ["text_decoder.decoder.final_layernorm.", "text_decoder.output_layer."],
         "text_decoder.decoder.layers."),
    ]
    stages = [dict() for _ in llm_flat]
    for counts, firsts, lasts, middle in schemas:
        nonzero = [i for i, n in enumerate(counts) if n > 0]
        first, last = nonzero[0], nonzero[-1]
        for s, n in enumerate(counts):
            start = sum(counts[:s])
            for k, v in sd.items():
                if k.startswith(middle):
                    layer = int(k[len(middle):].split(".")[0])
                    if start <= layer < start + n:
                        rest = k[len(middle) + len(str(layer)):]
                        stages[s][f"{middle}{layer - start}{rest}"] = v
                if s == first and any(k.startswith(f) for f in firsts):
                    stages[s][k] = v
                if s == last and any(k.startswith(l) for l in lasts):
                    stages[s][k] = v
    return stages


def unaligned(n: int, r: int, tp: int) -> tuple[int, int]:
    base, rem = divmod(n, tp)
    return r * base + min(r, rem), base + (1 if r < rem else 0)


def tp_split(k: str, v: torch.Tensor, r: int, tp: int, vit_heads: int) -> torch.Tensor:
    if tp == 1:
        return v
    if k.endswith(("word_embeddings.weight", "output_layer.weight")):
        s, n = unaligned(v.shape[0], r, tp)
        return v[s:s + n]
    if k.startswith("text_decoder."):
        if k.endswith("linear_qkv.weight") or k.endswith("linear_qkv.bias"):
            return v.chunk(tp, 0)[r]
        if k.endswith(("linear_proj.weight", "linear_fc2.weight")):
            return v.chunk(tp, 1)[r]
        if k.endswith("linear_fc1.weight"):
            gate, up = v.chunk(2, 0)
            return torch.cat([gate.chunk(tp, 0)[r], up.chunk(tp, 0)[r]], 0)
        return v
    if k.startswith("image_encoder.encoder.encoder.layers."):
        if k.endswith(("linear_qkv.weight", "linear_qkv.bias")):
            d = v.shape[0] // 3 // vit_heads
            s, n = unaligned(vit_heads, r, tp)
            return torch.cat([x[s * d:(s + n) * d] for x in v.chunk(3, 0)], 0)
        if k.endswith("linear_proj.weight"):
            d = v.shape[1] // vit_heads
            s, n = unaligned(vit_heads, r, tp)
            return v[:, s * d:(s + n) * d]
        if k.endswith(("mlp.linear_fc1.weight", "mlp.linear_fc1.bias")):
            return v.chunk(tp, 0)[r]
        if k.endswith("mlp.linear_fc2.weight"):
            return v.chunk(tp, 1)[r]
    return v


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hf", type=Path, required=True)
    ap.add_argument("--mm", type=Path, required=True)
    a = ap.parse_args()
    manifest = json.loads((a.mm / "manifest.json").read_text())
    par = manifest["parallel"]
    tp, pp, vpp = par["tp"], par["pp"], par["vpp"]
    state, cfg = original_state(a.hf)
    full = to_mm(state, cfg, pp)
    llm_flat = [n for chunk in par["llmPpLayers"] for n in chunk]
    vit_flat = [n for chunk in par["vitPpLayers"] for n in chunk]
    stages = pp_split(full, llm_flat, vit_flat)
    if (a.mm / "latest_checkpointed_iteration.txt").read_text() != "release":
        raise SystemExit("latest_checkpointed_iteration.txt must hold 'release'")
    checked = 0
    torch_files = 0
    for p in range(pp):
        for r in range(tp):
            name = f"mp_rank_{r:02d}" + (f"_{p:03d}" if pp > 1 else "")
            want = {}
            for v in range(vpp):
                want[v] = {k: tp_split(k, t, r, tp, cfg["vit"]["num_attention_heads"])
                           for k, t in stages[v * pp + p].items()}
            st = load_file(str(a.mm / "release" / name / "model.safetensors"))
            flat_want = {(f"model{v}." if vpp > 1 else "") + k: t for v in want for k, t in want[v].items()}
            if set(st) != set(flat_want):
                raise SystemExit(f"{name}/model.safetensors: names differ: "
                                 f"{sorted(set(st) ^ set(flat_want))[:6]}")
            for k, t in flat_want.items():
                if st[k].dtype != t.dtype or st[k].shape != t.shape or not torch.equal(st[k], t):
                    raise SystemExit(f"{name}/model.safetensors: {k} differs")
                checked += 1
            pt = a.mm / "release" / name / "model_optim_rng.pt"
            if pt.exists():
                ck = torch.load(str(pt), map_location="cpu", weights_only=True)
                keys = ["model"] if vpp == 1 else [f"model{v}" for v in range(vpp)]
                if sorted(ck) != sorted(keys + ["checkpoint_version"]) or ck["checkpoint_version"] != 3.0:
                    raise SystemExit(f"{pt}: top-level keys {sorted(ck)}")
                for v, key in enumerate(keys):
                    if set(ck[key]) != set(want[v]):
                        raise SystemExit(f"{pt}[{key}]: names differ: {sorted(set(ck[key]) ^ set(want[v]))[:6]}")
                    for k, t in want[v].items():
                        if ck[key][k].dtype != t.dtype or ck[key][k].shape != t.shape or not torch.equal(ck[key][k], t):
                            raise SystemExit(f"{pt}[{key}]: {k} differs")
                torch_files += 1
    print(f"ok: {checked} tensors in {tp * pp} shards match the mm-convert rules"
          f" ({par['llmPpLayers']} / {par['vitPpLayers']}, tp {tp}); {torch_files} model_optim_rng.pt files load"
          f" with torch.load(weights_only=True) and match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
