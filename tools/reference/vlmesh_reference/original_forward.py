"""An independent pure-torch forward of the ORIGINAL InternVL3 layout (spec §2, §3, §6, §7), float32.

It reads the original config.json and original tensor names (packed attn.qkv, ls1/ls2, norm1/norm2, mlp1.0/1/3,
language_model.*) and shares no code with transformers. Agreement with the transformers `-hf` forward proves
the key mapping and the layout of the original checkpoint.
"""

import math

import torch
import torch.nn.functional as F


class OriginalInternVL:
    def __init__(self, config: dict, state: dict[str, torch.Tensor]):
        self.cfg = config
        self.w = {k: v.to(torch.float32) for k, v in state.items()}
        v = config["vision_config"]
        self.vc = v
        self.norm_type = v.get("norm_type", "rms_norm")  # InternVisionConfig default
        self.image_size = config["force_image_size"] or v["image_size"]
        self.patch = v["patch_size"]
        self.ratio = config["downsample_ratio"]
        self.lc = config["llm_config"]

    # --- vision ---
    def _vnorm(self, x, prefix):
        eps = self.vc["layer_norm_eps"]
        if self.norm_type == "layer_norm":
            return F.layer_norm(x, (x.shape[-1],), self.w[prefix + ".weight"], self.w[prefix + ".bias"], eps)
        return _rms(x, self.w[prefix + ".weight"], eps)

    def vit(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """[T,3,S,S] -> last hidden state [T, 1 + (S/14)^2, C] (CLS first)."""
        w = self.w
        p = "vision_model.embeddings."
        x = F.conv2d(pixel_values, w[p + "patch_embedding.weight"], w[p + "patch_embedding.bias"], stride=self.patch)
        t, c, gh, gw = x.shape
        x = x.flatten(2).transpose(1, 2)
        cls = w[p + "class_embedding"].expand(t, 1, c)
        x = torch.cat([cls, x], dim=1)
        pos = w[p + "position_embedding"]
        n = self.image_size // self.patch
        grid = pos[:, 1:, :].reshape(1, n, n, c).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)
        grid = grid.reshape(1, c, gh * gw).permute(0, 2, 1)
        x = x + torch.cat([pos[:, :1, :], grid], dim=1)
        heads = self.vc["num_attention_heads"]
        d = c // heads
        for i in range(self.vc["num_hidden_layers"]):
            lp = f"vision_model.encoder.layers.{i}."
            h = self._vnorm(x, lp + "norm1")
            qkv = h @ w[lp + "attn.qkv.weight"].T
            if self.vc["qkv_bias"]:
                qkv = qkv + w[lp + "attn.qkv.bias"]
            q, k, v = qkv[..., :c], qkv[..., c:2 * c], qkv[..., 2 * c:]
            if self.vc["qk_normalization"]:
                q = _rms(q, w[lp + "attn.q_norm.weight"], self.vc["layer_norm_eps"])
                k = _rms(k, w[lp + "attn.k_norm.weight"], self.vc["layer_norm_eps"])
            q = q.reshape(t, -1, heads, d).transpose(1, 2)
            k = k.reshape(t, -1, heads, d).transpose(1, 2)
            v = v.reshape(t, -1, heads, d).transpose(1, 2)
            a = torch.softmax((q * d ** -0.5) @ k.transpose(-2, -1), dim=-1) @ v
            a = a.transpose(1, 2).reshape(t, -1, c)
            a = a @ w[lp + "attn.proj.weight"].T + w[lp + "attn.proj.bias"]
            x = x + a * w[lp + "ls1"]
            h = self._vnorm(x, lp + "norm2")
            h = F.gelu(h @ w[lp + "mlp.fc1.weight"].T + w[lp + "mlp.fc1.bias"])
            h = h @ w[lp + "mlp.fc2.weight"].T + w[lp + "mlp.fc2.bias"]
            x = x + h * w[lp + "ls2"]
        return x

    @staticmethod
    def pixel_shuffle_v2(x: torch.Tensor) -> torch.Tensor:
        """Closed form of spec §3: out[t, y2*W2 + x2, dy*2C + dx*C + c] = in[t, (2*y2+dy)*W + 2*x2+dx, c]."""
        t, n, c = x.shape
        s = int(math.isqrt(n))
        g = x.reshape(t, s // 2, 2, s // 2, 2, c)  # t, y2, dy, x2, dx, c
        return g.permute(0, 1, 3, 2, 4, 5).reshape(t, (s // 2) ** 2, 4 * c)

    def features(self, pixel_values: torch.Tensor) -> dict[str, torch.Tensor]:
        last = self.vit(pixel_values)
        shuffled = self.pixel_shuffle_v2(last[:, 1:, :])
        w = self.w
        h = F.layer_norm(shuffled, (shuffled.shape[-1],), w["mlp1.0.weight"], w["mlp1.0.bias"], 1e-5)
        h = F.gelu(h @ w["mlp1.1.weight"].T + w["mlp1.1.bias"])
        h = h @ w["mlp1.3.weight"].T + w["mlp1.3.bias"]
        return {"vit_last_hidden_state": last, "pixel_shuffled": shuffled, "projected": h}

    # --- language model ---
    def logits(self, input_ids: torch.Tensor, image_rows: torch.Tensor | None, image_token_id: int) -> torch.Tensor:
        """input_ids [L] -> logits [L, V]; rows with image_token_id are replaced by image_rows in order."""
        w, lc = self.w, self.lc
        x = w["language_model.model.embed_tokens.weight"][input_ids].clone()
        sel = input_ids == image_token_id
        n_img = int(sel.sum())
        if n_img != (0 if image_rows is None else image_rows.shape[0]):
            raise ValueError(f"{n_img} image tokens but {0 if image_rows is None else image_rows.shape[0]} rows")
        if n_img:
            x[sel] = image_rows
        seq, dim = x.shape
        heads, kv = lc["num_attention_heads"], lc["num_key_value_heads"]
        hd = dim // heads
        eps = lc["rms_norm_eps"]
        inv_freq = 1.0 / (lc["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        ang = torch.arange(seq, dtype=torch.float32)[:, None] * inv_freq[None, :]
        emb = torch.cat([ang, ang], dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((seq, seq), float("-inf")).triu(1)
        for i in range(lc["num_hidden_layers"]):
            p = f"language_model.model.layers.{i}."
            h = _rms(x, w[p + "input_layernorm.weight"], eps)
            q = h @ w[p + "self_attn.q_proj.weight"].T + w[p + "self_attn.q_proj.bias"]
            k = h @ w[p + "self_attn.k_proj.weight"].T + w[p + "self_attn.k_proj.bias"]
            v = h @ w[p + "self_attn.v_proj.weight"].T + w[p + "self_attn.v_proj.bias"]
            q = q.reshape(seq, heads, hd).transpose(0, 1)
            k = k.reshape(seq, kv, hd).transpose(0, 1)
            v = v.reshape(seq, kv, hd).transpose(0, 1)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            rep = heads // kv
            k = k.repeat_interleave(rep, dim=0)  # query head h uses kv head h // rep
            v = v.repeat_interleave(rep, dim=0)
            a = torch.softmax(q @ k.transpose(-2, -1) * hd ** -0.5 + mask, dim=-1) @ v
            a = a.transpose(0, 1).reshape(seq, dim)
            x = x + a @ w[p + "self_attn.o_proj.weight"].T
            h = _rms(x, w[p + "post_attention_layernorm.weight"], eps)
            g = F.silu(h @ w[p + "mlp.gate_proj.weight"].T) * (h @ w[p + "mlp.up_proj.weight"].T)
            x = x + g @ w[p + "mlp.down_proj.weight"].T
        x = _rms(x, w["language_model.model.norm.weight"], eps)
        return x @ w["language_model.lm_head.weight"].T


def _rms(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)
