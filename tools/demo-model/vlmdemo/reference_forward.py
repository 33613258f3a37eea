"""An independent plain-PyTorch forward pass of InternVL3 written from the spec, reading ORIGINAL-layout tensors.

It shares no code with transformers' InternVL modules, so agreement between the two proves that the shipped
key mapping (architecture.original_to_hf / hf_to_original) and the spec reading are right:

    python -m vlmdemo.reference_forward --model ../../models/demo-internvl3
"""
import argparse
import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


class OriginalInternVL:
    def __init__(self, weights: dict[str, torch.Tensor], config: dict):
        self.w = {k: v.float() for k, v in weights.items()}
        self.cfg = config
        self.v = config["vision_config"]
        self.l = config["llm_config"]

    # --- vision (spec sections 2, 3) ---
    def vision(self, pixel_values: torch.Tensor) -> torch.Tensor:
        w, p = self.w, "vision_model."
        C, heads = self.v["hidden_size"], self.v["num_attention_heads"]
        x = F.conv2d(pixel_values, w[p + "embeddings.patch_embedding.weight"], w[p + "embeddings.patch_embedding.bias"],
                     stride=self.v["patch_size"])
        T, _, g, _ = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([w[p + "embeddings.class_embedding"].expand(T, 1, C), x], dim=1)
        pos = w[p + "embeddings.position_embedding"]
        n = int(math.isqrt(pos.shape[1] - 1))
        grid = pos[:, 1:].reshape(1, n, n, C).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(g, g), mode="bicubic", align_corners=False)  # identity at n == g
        x = x + torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, g * g, C)], dim=1)
        D = C // heads
        for i in range(self.v["num_hidden_layers"]):
            q = f"{p}encoder.layers.{i}."
            h = F.layer_norm(x, (C,), w[q + "norm1.weight"], w[q + "norm1.bias"], self.v["layer_norm_eps"])
            qkv = F.linear(h, w[q + "attn.qkv.weight"], w[q + "attn.qkv.bias"])
            qkv = qkv.reshape(T, -1, 3, heads, D).permute(2, 0, 3, 1, 4)
            att = torch.softmax((qkv[0] * D ** -0.5) @ qkv[1].transpose(-1, -2), dim=-1) @ qkv[2]
            att = F.linear(att.transpose(1, 2).reshape(T, -1, C), w[q + "attn.proj.weight"], w[q + "attn.proj.bias"])
            x = x + w[q + "ls1"] * att
            h = F.layer_norm(x, (C,), w[q + "norm2.weight"], w[q + "norm2.bias"], self.v["layer_norm_eps"])
            h = F.linear(F.gelu(F.linear(h, w[q + "mlp.fc1.weight"], w[q + "mlp.fc1.bias"])),
                         w[q + "mlp.fc2.weight"], w[q + "mlp.fc2.bias"])
            x = x + w[q + "ls2"] * h
        x = x[:, 1:, :]  # drop CLS; select_layer -1, no post-norm
        # pixel shuffle v2: out[t, y2*h + x2, dy*2C + dx*C + c] = in[t, (2*y2+dy)*g + 2*x2+dx, c]
        x = x.reshape(T, g // 2, 2, g // 2, 2, C).permute(0, 1, 3, 2, 4, 5).reshape(T, (g // 2) ** 2, 4 * C)
        x = F.layer_norm(x, (4 * C,), w["mlp1.0.weight"], w["mlp1.0.bias"], 1e-5)
        x = F.linear(F.gelu(F.linear(x, w["mlp1.1.weight"], w["mlp1.1.bias"])), w["mlp1.3.weight"], w["mlp1.3.bias"])
        return x.reshape(-1, x.shape[-1])

    # --- LLM (spec section 7) ---
    def _rms(self, x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.l["rms_norm_eps"]))

    def logits(self, input_ids: list[int], image_embeds: torch.Tensor | None, image_token_id: int) -> torch.Tensor:
        w, p = self.w, "language_model.model."
        H, KV = self.l["num_attention_heads"], self.l["num_key_value_heads"]
        d_model = self.l["hidden_size"]
        D = d_model // H
        ids = torch.tensor(input_ids)
        x = w[p + "embed_tokens.weight"][ids].clone()
        mask = ids == image_token_id
        if image_embeds is not None or mask.any():
            if int(mask.sum()) != image_embeds.shape[0]:
                raise ValueError(f"{int(mask.sum())} image tokens for {image_embeds.shape[0]} image features")
            x[mask] = image_embeds
        L = len(input_ids)
        inv_freq = 1.0 / (self.l["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
        angle = torch.arange(L, dtype=torch.float32)[:, None] * inv_freq[None, :]
        cos, sin = torch.cat([angle, angle], -1).cos(), torch.cat([angle, angle], -1).sin()

        def rope(t):  # [heads, L, D], NeoX half split
            rot = torch.cat([-t[..., D // 2:], t[..., :D // 2]], dim=-1)
            return t * cos + rot * sin

        causal = torch.full((L, L), float("-inf")).triu(1)
        for i in range(self.l["num_hidden_layers"]):
            q = f"{p}layers.{i}."
            h = self._rms(x, w[q + "input_layernorm.weight"])
            qs = F.linear(h, w[q + "self_attn.q_proj.weight"], w[q + "self_attn.q_proj.bias"]).reshape(L, H, D).transpose(0, 1)
            ks = F.linear(h, w[q + "self_attn.k_proj.weight"], w[q + "self_attn.k_proj.bias"]).reshape(L, KV, D).transpose(0, 1)
            vs = F.linear(h, w[q + "self_attn.v_proj.weight"], w[q + "self_attn.v_proj.bias"]).reshape(L, KV, D).transpose(0, 1)
            qs, ks = rope(qs), rope(ks)
            ks, vs = ks.repeat_interleave(H // KV, dim=0), vs.repeat_interleave(H // KV, dim=0)
            att = torch.softmax(qs @ ks.transpose(-1, -2) * D ** -0.5 + causal, dim=-1) @ vs
            x = x + F.linear(att.transpose(0, 1).reshape(L, d_model), w[q + "self_attn.o_proj.weight"])
            h = self._rms(x, w[q + "post_attention_layernorm.weight"])
            x = x + F.linear(F.silu(F.linear(h, w[q + "mlp.gate_proj.weight"])) * F.linear(h, w[q + "mlp.up_proj.weight"]),
                             w[q + "mlp.down_proj.weight"])
        x = self._rms(x, w[p + "norm.weight"])
        return F.linear(x, w["language_model.lm_head.weight"])

    @torch.no_grad()
    def greedy(self, prompt_ids, pixel_values, image_token_id, eos_id, max_new_tokens):
        embeds = self.vision(pixel_values) if pixel_values is not None else None
        ids, new = list(prompt_ids), []
        for _ in range(max_new_tokens):
            nxt = int(self.logits(ids, embeds, image_token_id)[-1].argmax())
            if nxt == eos_id:
                break
            new.append(nxt)
            ids.append(nxt)
        return new


def load(model_dir: Path) -> OriginalInternVL:
    config = json.loads((model_dir / "config.json").read_text())
    return OriginalInternVL(load_file(str(model_dir / "model.safetensors")), config)


def main(argv=None):
    from tokenizers import Tokenizer

    from . import evaluate, spec, synth
    from .encoding import Encoder, greedy_generate

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--n", type=int, default=2, help="examples per task")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    ref = load(args.model)
    hf, tok, shape = evaluate.load_shipped(args.model)
    enc = Encoder(tok, shape.tile_size, shape.max_tiles)
    worst = 0.0
    for task in synth.TASKS:
        for i in range(args.n):
            ex = synth.make_example(task, args.seed, i, h264_probability=1.0)
            e = enc.encode(ex, with_answer=False)
            pv = torch.from_numpy(e.pixel_values)
            with torch.no_grad():
                a = hf(input_ids=torch.tensor([e.prompt_ids]), pixel_values=pv).logits[0].float()
                b = ref.logits(e.prompt_ids, ref.vision(pv), enc.image_token_id)
            diff = (a - b).abs().max().item()
            worst = max(worst, diff)
            ids_hf = greedy_generate(hf, e, enc.eos_id, enc.pad_id, 48)
            ids_ref = ref.greedy(e.prompt_ids, pv, enc.image_token_id, enc.eos_id, 48)
            print(f"{task} #{i} tiles={sum(e.num_patches_list)} max|logit diff|={diff:.2e} "
                  f"same greedy ids={ids_hf == ids_ref} answer={tok.decode(ids_ref)!r}")
            if ids_hf != ids_ref:
                raise SystemExit("greedy answers differ between transformers and the reference forward")
    if worst > 1e-3:
        raise SystemExit(f"logits differ by {worst}")
    print(f"OK: transformers and the original-layout reference agree (max |logit diff| {worst:.2e})")


if __name__ == "__main__":
    main()
