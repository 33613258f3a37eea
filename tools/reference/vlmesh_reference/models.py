"""Tiny InternVL3-architecture checkpoints with seeded random weights, saved in both layouts (issue §1, spec §8).

The transformers model (`InternVLForConditionalGeneration`) is the source of truth: it is built from an
`InternVLConfig`, every parameter is overwritten with seeded random values, and it is saved with
`save_pretrained` (the `-hf` layout). The original OpenGVLab layout is produced by mapping the saved `-hf` keys
back (`to_original_state`), and the mapping is checked against the converter's renaming rules
(`CONVERTER_VISION_RULES` etc., transcribed from transformers' convert_internvl_weights_to_hf.py).
"""

import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import safe_open

from .store import json_text, save_tensors


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    image_size: int
    vision: dict  # InternVLVisionConfig fields (-hf names)
    llm: dict  # Qwen2Config fields
    disk_dtype: torch.dtype
    shard_bytes: int | None  # None: one model.safetensors
    seed_base: int
    lm_head_gain: float
    omit_norm_type_in_original: bool = False
    notes: list = field(default_factory=list)

    @property
    def tokens_per_tile(self) -> int:
        return int((self.image_size // 14) ** 2 * 0.5 ** 2)


QWEN_COMMON = dict(hidden_act="silu", max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1000000.0,
                   rope_scaling={"factor": 2.0, "rope_type": "dynamic"}, use_sliding_window=False,
                   attention_dropout=0.0, tie_word_embeddings=False, initializer_range=0.02)

SPECS = [
    ModelSpec(
        name="a-vit300m-qwen25",
        description="InternViT-300M-style ViT (LayerNorm, qkv bias, layer scale) + Qwen2.5-style LLM, GQA 7:1 "
                    "(7 query heads, 1 KV head), qkv bias, untied lm_head; 448px tiles; bfloat16 on disk",
        image_size=448,
        vision=dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256,
                    attention_bias=True, use_qk_norm=False, norm_type="layer_norm"),
        llm=dict(hidden_size=112, num_hidden_layers=4, num_attention_heads=7, num_key_value_heads=1,
                 intermediate_size=192),
        disk_dtype=torch.bfloat16, shard_bytes=None, seed_base=1000, lm_head_gain=6.0,
        notes=["ViT head_dim 64 as in InternViT-300M; LLM head_dim 16 (real Qwen2.5: 64/128) so 7:1 GQA fits "
               "in hidden 112"],
    ),
    ModelSpec(
        name="b-vit6b-qwen25",
        description="InternViT-6B-style ViT (RMSNorm, full-width q/k RMSNorm, no qkv bias, layer scale, 3 heads) "
                    "+ Qwen2.5-style LLM, GQA 4:1 (8 query heads, 2 KV heads); 448px tiles; bfloat16 on disk",
        image_size=448,
        vision=dict(hidden_size=96, num_hidden_layers=3, num_attention_heads=3, intermediate_size=192,
                    attention_bias=False, use_qk_norm=True, norm_type="rms_norm"),
        llm=dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
                 intermediate_size=192),
        disk_dtype=torch.bfloat16, shard_bytes=None, seed_base=2004, lm_head_gain=6.0,
        omit_norm_type_in_original=True,
        notes=["ViT has an odd head count (3, head_dim 32; real 6B: 25 heads of 128) for uneven tensor-parallel "
               "head splits", "original config.json omits vision_config.norm_type like the 6B configs; the "
               "InternVisionConfig default is rms_norm", "LLM head_dim 16"],
    ),
    ModelSpec(
        name="c-vit300m-qwen25-224-sharded",
        description="InternViT-300M-style ViT at image size 224 (16x16 patches, 64 tokens per tile) + "
                    "Qwen2.5-style LLM, GQA 2:1; float32 on disk, split over several safetensors files with "
                    "model.safetensors.index.json",
        image_size=224,
        vision=dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256,
                    attention_bias=True, use_qk_norm=False, norm_type="layer_norm"),
        llm=dict(hidden_size=64, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=160),
        disk_dtype=torch.float32, shard_bytes=400_000, seed_base=3003, lm_head_gain=6.0,
        notes=["ViT head_dim 32, LLM head_dim 16"],
    ),
]


def hf_config(spec: ModelSpec, vocab_size: int, image_token_id: int, eos_id: int):
    from transformers import InternVLConfig, InternVLVisionConfig, Qwen2Config

    vision = InternVLVisionConfig(
        **spec.vision, hidden_act="gelu", layer_norm_eps=1e-6, image_size=spec.image_size, patch_size=14,
        layer_scale_init_value=0.1, use_mean_pooling=True, use_absolute_position_embeddings=True,
        attention_dropout=0.0, projection_dropout=0.0, hidden_dropout_prob=0.0,
    )
    text = Qwen2Config(**spec.llm, **QWEN_COMMON, vocab_size=vocab_size, bos_token_id=None, eos_token_id=eos_id,
                       pad_token_id=None)
    return InternVLConfig(vision_config=vision, text_config=text, image_token_id=image_token_id,
                          image_seq_length=spec.tokens_per_tile, downsample_ratio=0.5, projector_hidden_act="gelu",
                          vision_feature_layer=-1, vision_feature_select_strategy="default",
                          tie_word_embeddings=False)


def _gen(seed: int, name: str) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))


def _init_value(name: str, shape: tuple, seed: int, lm_head_gain: float) -> torch.Tensor:
    """Every tensor non-trivial (biases, norms and layer scales too), so a loader that skips one is caught."""
    g = _gen(seed, name)

    def normal(std, mean=0.0):
        return torch.randn(shape, generator=g, dtype=torch.float32) * std + mean

    leaf = name.rsplit(".", 1)[-1]
    if "lm_head" in name:
        return normal(lm_head_gain / shape[1] ** 0.5)
    if "embed_tokens" in name:
        return normal(1.0)
    if leaf in ("cls_token", "position_embeddings"):
        return normal(0.5)
    if leaf in ("lambda_1", "lambda_2"):
        return torch.rand(shape, generator=g) * 0.9 + 0.1
    if "norm" in name:  # LayerNorm / RMSNorm (incl. q_norm, k_norm, projector layer_norm)
        return normal(0.1, 1.0) if leaf == "weight" else normal(0.1)
    if leaf == "bias":
        return normal(0.1)
    if leaf == "weight":
        fan_in = int(torch.tensor(shape[1:]).prod())
        return normal(1.0 / fan_in ** 0.5)
    raise ValueError(f"no init rule for {name}")


def init_weights(model, seed: int, disk_dtype: torch.dtype, lm_head_gain: float) -> None:
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            v = _init_value(name, tuple(p.shape), seed, lm_head_gain)
            p.copy_(v.to(disk_dtype).to(torch.float32))  # values exactly representable in the disk dtype


# --- layout mapping ---------------------------------------------------------------------------------------

# Renaming rules of transformers' convert_internvl_weights_to_hf.py (original -> -hf), applied in order with
# re.sub on the vision keys, and on the keys that are neither vision nor language (mlp1); language keys keep
# their names in the saved -hf layout. attn.qkv is split into q/k/v separately.
CONVERTER_VISION_RULES = [
    (r"vision_model", r"vision_tower"),
    (r"layers", r"layer"),
    (r"class_embedding", r"cls_token"),
    (r"position_embedding", r"position_embeddings"),
    (r"patch_embedding", r"patch_embeddings.projection"),
    (r"ls(\d+)", r"lambda_\1"),
    (r"attn.proj", r"attention.projection_layer"),
    (r"attn.dropout", r"attention.projection_dropout"),
    (r"attn", r"attention"),
    (r"norm1", r"layernorm_before"),
    (r"norm2", r"layernorm_after"),
]
CONVERTER_MULTI_RULES = [
    (r"mlp1.0", r"multi_modal_projector.layer_norm"),
    (r"mlp1.1", r"multi_modal_projector.linear_1"),
    (r"mlp1.3", r"multi_modal_projector.linear_2"),
]


def converter_rename(original_key: str) -> str:
    rules = []
    if original_key.startswith("vision_model"):
        rules = CONVERTER_VISION_RULES
    elif not original_key.startswith("language_model"):
        rules = CONVERTER_MULTI_RULES
    k = original_key
    for pat, rep in rules:
        k = re.sub(pat, rep, k)
    return k


_HF_TO_ORIG_VISION = [
    ("vision_tower.embeddings.cls_token", "vision_model.embeddings.class_embedding"),
    ("vision_tower.embeddings.position_embeddings", "vision_model.embeddings.position_embedding"),
    ("vision_tower.embeddings.patch_embeddings.projection.", "vision_model.embeddings.patch_embedding."),
    ("vision_tower.encoder.layer.", "vision_model.encoder.layers."),
]
_HF_TO_ORIG_LAYER = {
    "lambda_1": "ls1", "lambda_2": "ls2",
    "attention.projection_layer.weight": "attn.proj.weight", "attention.projection_layer.bias": "attn.proj.bias",
    "attention.q_norm.weight": "attn.q_norm.weight", "attention.k_norm.weight": "attn.k_norm.weight",
    "layernorm_before.weight": "norm1.weight", "layernorm_before.bias": "norm1.bias",
    "layernorm_after.weight": "norm2.weight", "layernorm_after.bias": "norm2.bias",
    "mlp.fc1.weight": "mlp.fc1.weight", "mlp.fc1.bias": "mlp.fc1.bias",
    "mlp.fc2.weight": "mlp.fc2.weight", "mlp.fc2.bias": "mlp.fc2.bias",
}
_HF_TO_ORIG_PROJECTOR = {
    "multi_modal_projector.layer_norm.": "mlp1.0.",
    "multi_modal_projector.linear_1.": "mlp1.1.",
    "multi_modal_projector.linear_2.": "mlp1.3.",
}


def to_original_state(hf: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Saved -hf keys -> original OpenGVLab keys; q/k/v of each ViT layer are concatenated by rows into qkv."""
    out: dict[str, torch.Tensor] = {}
    qkv: dict[str, dict[str, torch.Tensor]] = {}
    for k, v in hf.items():
        if k.startswith("language_model."):
            out[k] = v
            continue
        if k.startswith("multi_modal_projector."):
            for a, b in _HF_TO_ORIG_PROJECTOR.items():
                if k.startswith(a):
                    out[b + k[len(a):]] = v
                    break
            else:
                raise KeyError(k)
            continue
        m = re.fullmatch(r"vision_tower\.encoder\.layer\.(\d+)\.(.+)", k)
        if m:
            i, rest = m.group(1), m.group(2)
            pm = re.fullmatch(r"attention\.([qkv])_proj\.(weight|bias)", rest)
            if pm:
                qkv.setdefault(f"vision_model.encoder.layers.{i}.attn.qkv.{pm.group(2)}", {})[pm.group(1)] = v
                continue
            out[f"vision_model.encoder.layers.{i}.{_HF_TO_ORIG_LAYER[rest]}"] = v
            continue
        for a, b in _HF_TO_ORIG_VISION:
            if k.startswith(a):
                out[b + k[len(a):]] = v
                break
        else:
            raise KeyError(k)
    for k, parts in qkv.items():
        out[k] = torch.cat([parts["q"], parts["k"], parts["v"]], dim=0)
    return out


def check_mapping_against_converter(original: dict[str, torch.Tensor], hf: dict[str, torch.Tensor],
                                    vision_hidden: int) -> None:
    """Applies the converter's original->-hf rules (incl. the qkv row split) and demands the exact -hf state."""
    rebuilt: dict[str, torch.Tensor] = {}
    for k, v in original.items():
        nk = converter_rename(k)
        if "attn.qkv" in k:
            c = vision_hidden
            rebuilt[nk.replace("attention.qkv", "attention.q_proj")] = v[:c]
            rebuilt[nk.replace("attention.qkv", "attention.k_proj")] = v[c:2 * c]
            rebuilt[nk.replace("attention.qkv", "attention.v_proj")] = v[-c:]
        else:
            rebuilt[nk] = v
    if sorted(rebuilt) != sorted(hf):
        raise AssertionError(f"converter rules give other keys: {sorted(set(rebuilt) ^ set(hf))[:10]}")
    for k in hf:
        if not torch.equal(rebuilt[k], hf[k]):
            raise AssertionError(f"converter rules give other values for {k}")


# --- original-layout files --------------------------------------------------------------------------------

def original_config(spec: ModelSpec, vocab_size: int, endoftext_id: int) -> dict:
    v = spec.vision
    dtype_name = "bfloat16" if spec.disk_dtype == torch.bfloat16 else "float32"
    vision = {
        "architectures": ["InternVisionModel"],
        "attention_dropout": 0.0,
        "drop_path_rate": 0.0,
        "dropout": 0.0,
        "hidden_act": "gelu",
        "hidden_size": v["hidden_size"],
        "image_size": spec.image_size,
        "initializer_factor": 0.1,
        "initializer_range": 1e-10,
        "intermediate_size": v["intermediate_size"],
        "layer_norm_eps": 1e-06,
        "model_type": "intern_vit_6b",
        "norm_type": v["norm_type"],
        "num_attention_heads": v["num_attention_heads"],
        "num_channels": 3,
        "num_hidden_layers": v["num_hidden_layers"],
        "patch_size": 14,
        "qk_normalization": v["use_qk_norm"],
        "qkv_bias": v["attention_bias"],
        "torch_dtype": dtype_name,
        "use_bfloat16": spec.disk_dtype == torch.bfloat16,
        "use_flash_attn": False,
    }
    if spec.omit_norm_type_in_original:
        del vision["norm_type"]
    l = spec.llm
    llm = {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": endoftext_id,
        "eos_token_id": endoftext_id,
        "hidden_act": "silu",
        "hidden_size": l["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": l["intermediate_size"],
        "max_position_embeddings": 32768,
        "max_window_layers": 70,
        "model_type": "qwen2",
        "num_attention_heads": l["num_attention_heads"],
        "num_hidden_layers": l["num_hidden_layers"],
        "num_key_value_heads": l["num_key_value_heads"],
        "rms_norm_eps": 1e-06,
        "rope_scaling": {"factor": 2.0, "rope_type": "dynamic", "type": "dynamic"},
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": dtype_name,
        "use_bfloat16": spec.disk_dtype == torch.bfloat16,
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": vocab_size,
    }
    return {
        "architectures": ["InternVLChatModel"],
        "auto_map": {
            "AutoConfig": "configuration_internvl_chat.InternVLChatConfig",
            "AutoModel": "modeling_internvl_chat.InternVLChatModel",
            "AutoModelForCausalLM": "modeling_internvl_chat.InternVLChatModel",
        },
        "downsample_ratio": 0.5,
        "dynamic_image_size": True,
        "force_image_size": spec.image_size,
        "llm_config": llm,
        "max_dynamic_patch": 12,
        "min_dynamic_patch": 1,
        "model_type": "internvl_chat",
        "pad2square": False,
        "ps_version": "v2",
        "select_layer": -1,
        "template": "internvl2_5",
        "tie_word_embeddings": False,
        "torch_dtype": dtype_name,
        "transformers_version": None,
        "use_backbone_lora": 0,
        "use_llm_lora": 0,
        "use_thumbnail": True,
        "vision_config": vision,
    }


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def save_sharded(directory: Path, state: dict[str, torch.Tensor], shard_bytes: int | None) -> list[str]:
    """model.safetensors, or model-0000k-of-0000n.safetensors + model.safetensors.index.json (keys in sorted
    order, a new shard whenever the next tensor would exceed shard_bytes)."""
    keys = sorted(state)
    if shard_bytes is None:
        save_tensors(directory / "model.safetensors", state)
        return ["model.safetensors"]
    shards: list[list[str]] = [[]]
    size = 0
    for k in keys:
        n = _nbytes(state[k])
        if shards[-1] and size + n > shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(k)
        size += n
    names = [f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors" for i in range(len(shards))]
    weight_map = {}
    for name, ks in zip(names, shards):
        save_tensors(directory / name, {k: state[k] for k in ks})
        weight_map.update({k: name for k in ks})
    index = {"metadata": {"total_size": sum(_nbytes(state[k]) for k in keys)}, "weight_map": weight_map}
    (directory / "model.safetensors.index.json").write_text(json_text(index), encoding="utf-8")
    return names + ["model.safetensors.index.json"]


def load_state(directory: Path) -> dict[str, torch.Tensor]:
    index = directory / "model.safetensors.index.json"
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() \
        else ["model.safetensors"]
    out = {}
    for f in files:
        with safe_open(str(directory / f), "pt") as st:
            for k in st.keys():
                out[k] = st.get_tensor(k)
    return out
