"""Demo model shape, its transformers (-hf) config, the original OpenGVLab config.json, and the key mapping.

The key mapping follows the installed transformers InternVL modules (module names of InternVLForConditionalGeneration)
and spec section 8; `reference_forward.py` checks it numerically against an independent implementation that reads
the original layout.
"""
from dataclasses import asdict, dataclass

import torch

from . import spec


@dataclass(frozen=True)
class Shape:
    tile_size: int = spec.TILE_SIZE
    vit_hidden: int = 192
    vit_layers: int = 6
    vit_heads: int = 3
    vit_intermediate: int = 768
    llm_hidden: int = 256
    llm_layers: int = 6
    llm_heads: int = 4
    llm_kv_heads: int = 2
    llm_intermediate: int = 768
    vocab_size: int = 854
    max_tiles: int = spec.MAX_TILES


def hf_config(shape: Shape, token_ids: dict):
    from transformers import InternVLConfig

    config = InternVLConfig(
        vision_config=dict(
            hidden_size=shape.vit_hidden, num_hidden_layers=shape.vit_layers, num_attention_heads=shape.vit_heads,
            intermediate_size=shape.vit_intermediate, attention_bias=True, use_qk_norm=False, norm_type="layer_norm",
            layer_norm_eps=1e-6, hidden_act="gelu", image_size=[shape.tile_size, shape.tile_size],
            patch_size=[spec.PATCH_SIZE, spec.PATCH_SIZE], layer_scale_init_value=0.1, use_mean_pooling=True,
            use_absolute_position_embeddings=True, use_mask_token=False),
        text_config=dict(
            model_type="qwen2", vocab_size=shape.vocab_size, hidden_size=shape.llm_hidden,
            intermediate_size=shape.llm_intermediate, num_hidden_layers=shape.llm_layers,
            num_attention_heads=shape.llm_heads, num_key_value_heads=shape.llm_kv_heads, hidden_act="silu",
            max_position_embeddings=32768, rms_norm_eps=1e-6,
            rope_parameters={"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000000.0},
            tie_word_embeddings=False, use_sliding_window=False,
            bos_token_id=token_ids["<|endoftext|>"], eos_token_id=token_ids["<|endoftext|>"],
            pad_token_id=token_ids["<|endoftext|>"]),
        image_token_id=token_ids[spec.IMG_CONTEXT],
        image_seq_length=spec.tokens_per_tile(shape.tile_size),
        downsample_ratio=spec.DOWNSAMPLE_RATIO,
        projector_hidden_act="gelu",
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        tie_word_embeddings=False,
    )
    config._attn_implementation = "sdpa"
    return config


def build_hf_model(shape: Shape, token_ids: dict):
    from transformers import InternVLForConditionalGeneration

    model = InternVLForConditionalGeneration(hf_config(shape, token_ids))
    if model.lm_head.weight.data_ptr() == model.model.language_model.embed_tokens.weight.data_ptr():
        raise AssertionError("lm_head must not be tied to embed_tokens (InternVL3 ships an untied head)")
    return model


def original_config(shape: Shape, token_ids: dict) -> dict:
    """config.json of the original OpenGVLab repos (model_type internvl_chat), with the demo's sizes."""
    return {
        "architectures": ["InternVLChatModel"],
        "auto_map": {
            "AutoConfig": "configuration_internvl_chat.InternVLChatConfig",
            "AutoModel": "modeling_internvl_chat.InternVLChatModel",
            "AutoModelForCausalLM": "modeling_internvl_chat.InternVLChatModel",
        },
        "downsample_ratio": spec.DOWNSAMPLE_RATIO,
        "dynamic_image_size": True,
        "force_image_size": shape.tile_size,
        "hidden_size": shape.llm_hidden,
        "image_fold": None,
        "llm_config": {
            "architectures": ["Qwen2ForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": token_ids["<|endoftext|>"],
            "eos_token_id": token_ids["<|endoftext|>"],
            "hidden_act": "silu",
            "hidden_size": shape.llm_hidden,
            "initializer_range": 0.02,
            "intermediate_size": shape.llm_intermediate,
            "max_position_embeddings": 32768,
            "max_window_layers": shape.llm_layers,
            "model_type": "qwen2",
            "num_attention_heads": shape.llm_heads,
            "num_hidden_layers": shape.llm_layers,
            "num_key_value_heads": shape.llm_kv_heads,
            "rms_norm_eps": 1e-06,
            "rope_scaling": {"factor": 2.0, "rope_type": "dynamic", "type": "dynamic"},
            "rope_theta": 1000000.0,
            "sliding_window": None,
            "tie_word_embeddings": False,
            "torch_dtype": "bfloat16",
            "use_bfloat16": True,
            "use_cache": True,
            "use_sliding_window": False,
            "vocab_size": shape.vocab_size,
        },
        "max_dynamic_patch": shape.max_tiles,
        "min_dynamic_patch": spec.MIN_TILES,
        "model_type": "internvl_chat",
        "pad2square": False,
        "ps_version": "v2",
        "select_layer": -1,
        "system_message": None,
        "template": "internvl2_5",
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "use_backbone_lora": 0,
        "use_llm_lora": 0,
        "use_thumbnail": True,
        "vision_config": {
            "architectures": ["InternVisionModel"],
            "attention_dropout": 0.0,
            "drop_path_rate": 0.0,
            "dropout": 0.0,
            "hidden_act": "gelu",
            "hidden_size": shape.vit_hidden,
            "image_size": shape.tile_size,
            "initializer_factor": 1.0,
            "initializer_range": 0.02,
            "intermediate_size": shape.vit_intermediate,
            "layer_norm_eps": 1e-06,
            "model_type": "intern_vit_6b",
            "norm_type": "layer_norm",
            "num_attention_heads": shape.vit_heads,
            "num_channels": 3,
            "num_hidden_layers": shape.vit_layers,
            "patch_size": spec.PATCH_SIZE,
            "qk_normalization": False,
            "qkv_bias": True,
            "torch_dtype": "bfloat16",
            "use_bfloat16": True,
            "use_flash_attn": False,
        },
    }


def shape_from_original_config(config: dict) -> Shape:
    v, l = config["vision_config"], config["llm_config"]
    return Shape(tile_size=config["force_image_size"], vit_hidden=v["hidden_size"], vit_layers=v["num_hidden_layers"],
                 vit_heads=v["num_attention_heads"], vit_intermediate=v["intermediate_size"],
                 llm_hidden=l["hidden_size"], llm_layers=l["num_hidden_layers"], llm_heads=l["num_attention_heads"],
                 llm_kv_heads=l["num_key_value_heads"], llm_intermediate=l["intermediate_size"],
                 vocab_size=l["vocab_size"], max_tiles=config["max_dynamic_patch"])


_VIT_LAYER_RENAMES = [
    ("attention.projection_layer.", "attn.proj."),
    ("lambda_1", "ls1"),
    ("lambda_2", "ls2"),
    ("layernorm_before.", "norm1."),
    ("layernorm_after.", "norm2."),
    ("mlp.fc1.", "mlp.fc1."),
    ("mlp.fc2.", "mlp.fc2."),
]
_VIT_EMBEDDING_RENAMES = {
    "model.vision_tower.embeddings.cls_token": "vision_model.embeddings.class_embedding",
    "model.vision_tower.embeddings.position_embeddings": "vision_model.embeddings.position_embedding",
    "model.vision_tower.embeddings.patch_embeddings.projection.weight": "vision_model.embeddings.patch_embedding.weight",
    "model.vision_tower.embeddings.patch_embeddings.projection.bias": "vision_model.embeddings.patch_embedding.bias",
}
_PROJECTOR_RENAMES = {"layer_norm": "0", "linear_1": "1", "linear_2": "3"}


def hf_to_original(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """transformers InternVLForConditionalGeneration state dict -> original InternVLChatModel names."""
    out, pending_qkv = {}, {}
    for name, tensor in state.items():
        if name in _VIT_EMBEDDING_RENAMES:
            out[_VIT_EMBEDDING_RENAMES[name]] = tensor
        elif name.startswith("model.vision_tower.encoder.layer."):
            rest = name[len("model.vision_tower.encoder.layer."):]
            index, rest = rest.split(".", 1)
            if rest.startswith("attention.") and rest.split(".")[1] in ("q_proj", "k_proj", "v_proj"):
                _, proj, kind = rest.split(".")
                pending_qkv.setdefault((index, kind), {})[proj] = tensor
                continue
            for old, new in _VIT_LAYER_RENAMES:
                if rest.startswith(old):
                    rest = new + rest[len(old):]
                    break
            else:
                raise KeyError(f"unmapped vision key {name}")
            out[f"vision_model.encoder.layers.{index}.{rest}"] = tensor
        elif name.startswith("model.multi_modal_projector."):
            module, kind = name[len("model.multi_modal_projector."):].split(".")
            out[f"mlp1.{_PROJECTOR_RENAMES[module]}.{kind}"] = tensor
        elif name.startswith("model.language_model."):
            out["language_model.model." + name[len("model.language_model."):]] = tensor
        elif name == "lm_head.weight":
            out["language_model.lm_head.weight"] = tensor
        else:
            raise KeyError(f"unmapped key {name}")
    for (index, kind), parts in pending_qkv.items():
        # The original packs [q | k | v] along the output rows (InternAttention reshapes qkv to (3, heads, dim)).
        out[f"vision_model.encoder.layers.{index}.attn.qkv.{kind}"] = torch.cat(
            [parts["q_proj"], parts["k_proj"], parts["v_proj"]], dim=0)
    return out


def original_to_hf(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    inverse_embed = {v: k for k, v in _VIT_EMBEDDING_RENAMES.items()}
    inverse_proj = {v: k for k, v in _PROJECTOR_RENAMES.items()}
    out = {}
    for name, tensor in state.items():
        if name in inverse_embed:
            out[inverse_embed[name]] = tensor
        elif name.startswith("vision_model.encoder.layers."):
            index, rest = name[len("vision_model.encoder.layers."):].split(".", 1)
            prefix = f"model.vision_tower.encoder.layer.{index}."
            if rest.startswith("attn.qkv."):
                kind = rest.split(".")[-1]
                q, k, v = tensor.chunk(3, dim=0)
                for proj, part in (("q_proj", q), ("k_proj", k), ("v_proj", v)):
                    out[f"{prefix}attention.{proj}.{kind}"] = part.clone()
                continue
            for new, old in _VIT_LAYER_RENAMES:
                if rest.startswith(old):
                    rest = new + rest[len(old):]
                    break
            else:
                raise KeyError(f"unmapped vision key {name}")
            out[prefix + rest] = tensor
        elif name.startswith("mlp1."):
            index, kind = name[len("mlp1."):].split(".")
            out[f"model.multi_modal_projector.{inverse_proj[index]}.{kind}"] = tensor
        elif name.startswith("language_model.model."):
            out["model.language_model." + name[len("language_model.model."):]] = tensor
        elif name == "language_model.lm_head.weight":
            out["lm_head.weight"] = tensor
        else:
            raise KeyError(f"unmapped key {name}")
    return out


def describe_shape(shape: Shape) -> dict:
    return asdict(shape)
