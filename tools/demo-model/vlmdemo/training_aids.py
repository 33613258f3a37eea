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


class VisionSlotHead:
    """Training-only auxiliary head that asks the *mean* of an example's image embeddings to spell out the answer.

    The attribute head above max-pools, so the ViT learns to mark the few tokens that show an object; the LLM must
    then learn to find those tokens with sharp attention before reading them pays off, and in practice it settled on
    the language prior first (the image gap stayed at zero). Here the targets are read from the average over all
    image tokens of the example (all tiles, all frames), slot by slot in the answer's order: the colour and shape of
    the 1st, 2nd and 3rd object, the count and the layout of a describe image; the colour and shape of a video's
    object; the characters of an OCR text (up to 8, then "none"). So the ViT learns to write a summary of the whole
    picture into every token, which any attention pattern over the image tokens — even a uniform one — reads. A
    softmax cross-entropy per slot (with a "none" class for absent slots), averaged over the slots that apply.
    Not part of the shipped model.
    """

    OCR_SLOTS = 8

    def __init__(self, model, shape):
        from .synth import vocabulary
        self.colours = [c[0] for c in vocabulary.COLOURS]
        self.shapes = [s[0] for s in vocabulary.SHAPES]
        self.layouts = ["cell", "row", "column"]
        nc, ns, nv = len(self.colours) + 1, len(self.shapes) + 1, shape.vocab_size + 1
        sizes = [("colour", nc)] * 3 + [("shape", ns)] * 3 + [("count", 3), ("layout", 3)] + [("char", nv)] * self.OCR_SLOTS
        self.slots, offset = [], 0
        for kind, n in sizes:
            self.slots.append((kind, offset, n))
            offset += n
        self.head = torch.nn.Linear(shape.llm_hidden, offset)
        self.features = None
        model.model.multi_modal_projector.register_forward_hook(self._record)

    def _record(self, module, inputs, output):
        self.features = output

    def targets(self, example, item) -> list[tuple[int, int]]:
        """(slot index, class) pairs for the slots this example defines."""
        m = example.meta
        if example.task == "describe":
            objects = m["objects"]
            out = []
            for k in range(3):
                colour, shp = objects[k] if k < len(objects) else (None, None)
                out.append((k, len(self.colours) if colour is None else self.colours.index(colour)))
                out.append((3 + k, len(self.shapes) if shp is None else self.shapes.index(shp)))
            return out + [(6, m["count"] - 1), (7, self.layouts.index(m["layout"]))]
        if example.task == "video":
            return [(0, self.colours.index(m["colour"])), (3, self.shapes.index(m["shape"]))]
        chars = item.answer_ids[:-1]  # without <|im_end|>
        none = self.slots[8][2] - 1
        return [(8 + k, chars[k] if k < len(chars) else none) for k in range(self.OCR_SLOTS)]

    def loss(self, items, examples):
        logits = self.head(self.features)                    # [tiles, tokens, all slots]
        total, count, t = 0.0, 0, 0
        for item, example in zip(items, examples):
            n = item.pixel_values.shape[0]
            pooled = logits[t:t + n].reshape(-1, logits.shape[-1]).mean(dim=0)
            t += n
            for slot, cls in self.targets(example, item):
                _, off, size = self.slots[slot]
                total = total + torch.nn.functional.cross_entropy(pooled[off:off + size].unsqueeze(0),
                                                                  torch.tensor([cls]))
                count += 1
        return total / max(count, 1)


class VisionDenseHead:
    """Training-only per-token head: every image token says what lies under it.

    The slot head asks for a summary of the whole picture in the mean of the tokens; a small ViT learns that slowly
    (its slot loss was still ~1 nat after 1300 steps). This head gives 64 labels per tile instead of one set per
    example: for each token (a 28×28-pixel block of its tile, mapped back to the image through the dynamic tiling or
    the frame resize) the colour and shape of the object covering the block's centre and that object's place in the
    answer (1st / 2nd / 3rd mentioned), or "background". Position in the answer is what the layout phrases encode, so
    a token that knows it belongs to the first-mentioned object is what the LLM needs to find. For OCR, the character
    under the block's centre (the text layer's rotation undone) and its place in the text. Not part of the shipped
    model.
    """

    def __init__(self, model, shape):
        from .synth import vocabulary
        self.colours = [c[0] for c in vocabulary.COLOURS]
        self.shapes = [s[0] for s in vocabulary.SHAPES]
        self.nc, self.ns, self.ni = len(self.colours) + 1, len(self.shapes) + 1, 4
        letters = "".join(vocabulary.OCR_WORDS) + "".join(vocabulary.OCR_WORDS).upper() + "0123456789"
        self.chars = sorted(set(letters + "".join(vocabulary.OCR_CHINESE)))
        self.char_index = {c: i for i, c in enumerate(self.chars)}
        self.nch, self.nplace = len(self.chars) + 1, 9
        self.tile = shape.tile_size
        self.grid = shape.tile_size // 28  # tokens per side after the 2×2 pixel shuffle of 14-pixel patches
        self.max_tiles = shape.max_tiles
        self.head = torch.nn.Linear(shape.llm_hidden, self.nc + self.ns + self.ni + self.nch + self.nplace)
        self.features = None
        model.model.multi_modal_projector.register_forward_hook(self._record)

    def _record(self, module, inputs, output):
        self.features = output

    def _centres(self, cols, rows, thumbnail, width, height):
        """Image coordinates of every token centre, tile by tile in the encoder's order ([tiles, g*g, 2])."""
        import numpy as np
        g, step = self.grid, self.tile / self.grid
        offs = (np.arange(g) + 0.5) * step
        ys, xs = np.meshgrid(offs, offs, indexing="ij")
        out = []
        for k in range(cols * rows):
            c, r = k % cols, k // cols
            out.append(np.stack([(c * self.tile + xs) * width / (cols * self.tile),
                                 (r * self.tile + ys) * height / (rows * self.tile)], -1).reshape(-1, 2))
        if thumbnail:
            out.append(np.stack([xs * width / self.tile, ys * height / self.tile], -1).reshape(-1, 2))
        return np.stack(out)

    def labels(self, example, item):
        """[tiles, g*g] object index per token (-1 background), or None when the task has no per-token labels."""
        import numpy as np
        from . import preprocess
        m = example.meta
        if example.task == "describe":
            w, h = m["size"]
            cols, rows = preprocess.tile_grid(w, h, 1, self.max_tiles, self.tile)
            centres = self._centres(cols, rows, cols * rows > 1, w, h)
            objects = [(x, y, r, k) for k, (x, y, r) in enumerate(m["boxes"])]
            per_tile = [objects] * centres.shape[0]
        elif example.task == "video":
            w, h = m["size"]
            centres = np.concatenate([self._centres(1, 1, False, w, h)] * len(item.frame_indices))
            per_tile = [[(*m["centres"][i], m["radius"], 0)] for i in item.frame_indices]
        else:
            return self._ocr_labels(m)
        out = np.full(centres.shape[:2], -1, dtype=np.int64)
        for t, objects in enumerate(per_tile):
            for x, y, r, k in objects:
                inside = np.hypot(centres[t, :, 0] - x, centres[t, :, 1] - y) < 0.85 * r
                out[t, inside] = k
        return out

    def _ocr_labels(self, m):
        """[tiles, g*g] index of the character under each token (-1 none), undoing the text layer's rotation."""
        import math
        import numpy as np
        from . import preprocess
        w, h = m["size"]
        cols, rows = preprocess.tile_grid(w, h, 1, self.max_tiles, self.tile)
        centres = self._centres(cols, rows, cols * rows > 1, w, h)
        theta = math.radians(m["angle"])
        X = centres[..., 0] - m["layer_centre"][0]
        Y = centres[..., 1] - m["layer_centre"][1]
        # PIL rotates counter-clockwise; map image points back into the upright layer
        u = X * math.cos(theta) - Y * math.sin(theta) + m["layer"][0] / 2
        v = X * math.sin(theta) + Y * math.cos(theta) + m["layer"][1] / 2
        out = np.full(centres.shape[:2], -1, dtype=np.int64)
        inside = (v >= 4) & (v <= m["layer"][1] - 4)
        for k, (a, b) in enumerate(m["char_spans"]):
            out[inside & (u >= a) & (u < b)] = k
        return out

    def loss(self, items, examples):
        logits = self.head(self.features)                    # [tiles, tokens, classes]
        parts, t = [], 0
        for item, example in zip(items, examples):
            n = item.pixel_values.shape[0]
            index = self.labels(example, item)
            if index is not None and example.task == "ocr":
                index = torch.from_numpy(index).reshape(-1)
                char = torch.full_like(index, self.nch - 1)
                for k, c in enumerate(example.answer):
                    char[index == k] = self.char_index.get(c, self.nch - 1)
                place = torch.where(index < 0, torch.full_like(index, self.nplace - 1), index)
                lg = logits[t:t + n].reshape(-1, logits.shape[-1])
                o = self.nc + self.ns + self.ni
                ce = (torch.nn.functional.cross_entropy(lg[:, o:o + self.nch], char, reduction="none")
                      + torch.nn.functional.cross_entropy(lg[:, o + self.nch:], place, reduction="none")) / 2
                obj = index >= 0
                parts.append(0.5 * ce[~obj].mean() + (ce[obj].mean() if obj.any() else 0.0))
            elif index is not None:
                index = torch.from_numpy(index).reshape(-1)
                colour = torch.full_like(index, self.nc - 1)
                shape = torch.full_like(index, self.ns - 1)
                objects = example.meta["objects"] if example.task == "describe" else \
                    [(example.meta["colour"], example.meta["shape"])]
                for k, (c, s) in enumerate(objects):
                    colour[index == k] = self.colours.index(c)
                    shape[index == k] = self.shapes.index(s)
                place = torch.where(index < 0, torch.full_like(index, self.ni - 1), index)
                lg = logits[t:t + n].reshape(-1, logits.shape[-1])
                o = self.nc + self.ns
                ce = (torch.nn.functional.cross_entropy(lg[:, :self.nc], colour, reduction="none")
                      + torch.nn.functional.cross_entropy(lg[:, self.nc:o], shape, reduction="none")
                      + torch.nn.functional.cross_entropy(lg[:, o:o + self.ni], place, reduction="none")) / 3
                obj = index >= 0
                loss = 0.5 * ce[~obj].mean() + (ce[obj].mean() if obj.any() else 0.0)
                parts.append(loss)
            t += n
        return torch.stack(parts).mean() if parts else self.head.weight.sum() * 0.0


class CombinedHeads:
    """Several training-only heads trained together; their losses add up."""

    def __init__(self, heads):
        self.heads = heads
        self.head = torch.nn.ModuleList([h.head for h in heads])

    def loss(self, items, examples):
        return sum(h.loss(items, examples) for h in self.heads)
