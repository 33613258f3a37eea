"""Training-only aids that leave the shipped architecture untouched (README, "Known problem" and "Recipe")."""
import math

import torch


class VisionAttributeHead:
    """Training-only auxiliary head: from the image embeddings alone, predict what the image contains.

    Targets are language-independent (an English and a Chinese answer describe the same picture): the colours,
    shapes, count and layout of a describe image, the colour and shape of a video's moving object, and the
    characters (token ids) of an OCR text. A linear map of each image token to these classes, max-pooled over all
    tokens of the example's tiles or frames (objects are small: a few tokens carry them), trained with binary
    cross-entropy. It gives the ViT and the projector a direct gradient from the first step, so the image features
    become informative while the LLM is still learning the language; without it the LLM learns to answer from the
    language prior alone and the image pathway never recovers (README, "Known problem"). Not part of the shipped
    model: export takes the InternVL weights only.
    """

    def __init__(self, model, shape):
        from .synth import vocabulary
        self.attributes = ([f"colour:{c[0]}" for c in vocabulary.COLOURS] + [f"shape:{s[0]}" for s in vocabulary.SHAPES]
                           + [f"count:{n}" for n in (1, 2, 3)] + [f"layout:{l}" for l in ("cell", "row", "column")])
        self.index = {a: i for i, a in enumerate(self.attributes)}
        self.vocab = shape.vocab_size
        self.head = torch.nn.Linear(shape.llm_hidden, len(self.attributes) + shape.vocab_size)
        with torch.no_grad():
            self.head.bias.fill_(-4.0)  # every class starts rare, so the first steps are not spent on the negatives
        self.features = None
        model.model.multi_modal_projector.register_forward_hook(self._record)

    def _record(self, module, inputs, output):
        self.features = output

    def targets(self, example, item) -> list[int]:
        m = example.meta
        if example.task == "describe":
            names = [f"count:{m['count']}", f"layout:{m['layout']}"]
            for colour, shape in m["objects"]:
                names += [f"colour:{colour}", f"shape:{shape}"]
            return [self.index[n] for n in names]
        if example.task == "video":
            return [self.index[f"colour:{m['colour']}"], self.index[f"shape:{m['shape']}"]]
        return [len(self.attributes) + i for i in item.answer_ids[:-1]]  # without <|im_end|>

    def loss(self, items, examples):
        """`items`: the encoded examples of the last forward, in order; `examples`: the same as synth Examples."""
        logits = self.head(self.features)                    # [tiles, tokens, classes]
        pooled, target, t = [], [], 0
        for item, example in zip(items, examples):
            n = item.pixel_values.shape[0]
            pooled.append(logits[t:t + n].reshape(-1, logits.shape[-1]).max(dim=0).values)
            y = torch.zeros(logits.shape[-1])
            y[self.targets(example, item)] = 1.0
            target.append(y)
            t += n
        bce = torch.nn.functional.binary_cross_entropy_with_logits(torch.stack(pooled), torch.stack(target),
                                                                   reduction="none")
        return bce.sum(-1).mean() / 8


class ImageScale:
    """Keeps the image embeddings at a fixed RMS relative to the text embeddings.

    The LLM's pre-norm makes its output almost invariant to the scale of the image embeddings, so AdamW's steps
    inflate that scale freely; the larger it gets, the smaller the gradient that reaches the projector and the ViT
    (each RMSNorm divides by it), until the image pathway stops learning. Rescaling the projector's last linear
    after each step removes that degree of freedom without changing the architecture.
    """

    def __init__(self, model, ratio):
        self.model, self.ratio, self.rms = model, ratio, None
        model.model.multi_modal_projector.register_forward_hook(self._record)

    def _record(self, module, inputs, output):
        if module.training:
            self.rms = float(output.detach().pow(2).mean().sqrt())

    @torch.no_grad()
    def apply(self):
        if not self.rms:
            return
        text = float(self.model.model.get_input_embeddings().weight.pow(2).mean().sqrt())
        factor = min(2.0, max(0.5, self.ratio * text / self.rms))
        linear = self.model.model.multi_modal_projector.linear_2
        linear.weight.mul_(factor)
        linear.bias.mul_(factor)
