"""Turns examples into model inputs exactly as InternVL `chat()` would see them at inference time."""
from dataclasses import dataclass

import numpy as np
import torch

from . import preprocess, prompt, spec
from .synth import Example


@dataclass
class Encoded:
    prompt_ids: list[int]
    answer_ids: list[int]          # answer tokens + <|im_end|> (empty when only a prompt is needed)
    pixel_values: np.ndarray       # [tiles, 3, S, S]
    num_patches_list: list[int]
    query: str                     # full rendered prompt string
    question: str                  # user text including <image> / Frame placeholders
    frame_indices: list[int] | None = None


class Encoder:
    def __init__(self, tokenizer, tile_size=spec.TILE_SIZE, max_tiles=spec.MAX_TILES, frames=spec.VIDEO_FRAMES):
        self.tok = tokenizer  # a tokenizers.Tokenizer (same ids as the transformers Qwen2Tokenizer, checked)
        self.tile_size, self.max_tiles, self.frames = tile_size, max_tiles, frames
        self.tokens_per_tile = spec.tokens_per_tile(tile_size)
        self.eos_id = tokenizer.token_to_id(spec.EOS_TOKEN)
        self.pad_id = tokenizer.token_to_id(spec.PAD_TOKEN)
        self.image_token_id = tokenizer.token_to_id(spec.IMG_CONTEXT)

    def encode(self, ex: Example, with_answer=True) -> Encoded:
        frame_indices = None
        if ex.task == "video":
            video = preprocess.sample_frames(ex.frames, ex.fps, self.frames, self.tile_size)
            pixel_values, patches = video.pixel_values, [1] * self.frames
            question = prompt.video_question(ex.question, self.frames)
            frame_indices = video.frame_indices
        else:
            image = preprocess.load_image(ex.image, self.max_tiles, self.tile_size)
            pixel_values, patches = image.pixel_values, [image.num_tiles]
            # chat() puts the image before the question when the question has no placeholder.
            question = ex.question if spec.IMAGE_PLACEHOLDER in ex.question else spec.IMAGE_PLACEHOLDER + "\n" + ex.question
        query = prompt.render_query(question, patches, self.tokens_per_tile)
        prompt_ids = self.tok.encode(query).ids
        answer_ids = (self.tok.encode(ex.answer).ids + [self.eos_id]) if with_answer else []
        n_ctx = sum(1 for i in prompt_ids if i == self.image_token_id)
        if n_ctx != self.tokens_per_tile * sum(patches):
            raise AssertionError(f"{n_ctx} image tokens for {sum(patches)} tiles")
        return Encoded(prompt_ids, answer_ids, pixel_values, patches, query, question, frame_indices)


def collate(items: list[Encoded], pad_id: int) -> dict:
    """Right-padded batch; labels cover only answer tokens (+ <|im_end|>)."""
    length = max(len(e.prompt_ids) + len(e.answer_ids) for e in items)
    input_ids = torch.full((len(items), length), pad_id, dtype=torch.long)
    labels = torch.full((len(items), length), -100, dtype=torch.long)
    mask = torch.zeros((len(items), length), dtype=torch.long)
    for b, e in enumerate(items):
        ids = e.prompt_ids + e.answer_ids
        input_ids[b, :len(ids)] = torch.tensor(ids)
        labels[b, len(e.prompt_ids):len(ids)] = torch.tensor(e.answer_ids)
        mask[b, :len(ids)] = 1
    pixel_values = torch.from_numpy(np.concatenate([e.pixel_values for e in items]))
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask, "pixel_values": pixel_values}


@torch.no_grad()
def greedy_generate(model, enc: Encoded, eos_id: int, pad_id: int, max_new_tokens: int) -> list[int]:
    """Greedy decoding through transformers' generate(); returns new token ids without the stop token."""
    input_ids = torch.tensor([enc.prompt_ids])
    out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                         pixel_values=torch.from_numpy(enc.pixel_values).to(model.dtype),
                         max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                         eos_token_id=eos_id, pad_token_id=pad_id)
    new = out[0, input_ids.shape[1]:].tolist()
    if eos_id in new:
        new = new[:new.index(eos_id)]
    return new
