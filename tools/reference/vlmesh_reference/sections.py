"""Fixture sections: tokenizer, preprocessing, video. Each writes its files through a FixtureWriter."""

import io
import random

import numpy as np
import torch
from PIL import Image

from . import preprocess as pp
from . import tokenizer_build as tb
from .images import source_images
from .store import FixtureWriter, f32_le_bytes, sha256_bytes
from .tokenizer_cases import compute_cases
from .video import CLIPS, decode, encode

MAX_NUMS = (1, 6, 12)
IMAGE_SIZES = (448, 224)

# (image, image_size, max_num) whose uint8 tiles are stored in full; every other tile is pinned by sha256.
# The first two are the model inputs of outputs/; the 224px ones cover the resize paths at a quarter of the size.
STORED_TILES = {
    ("rgb_320x240.jpg", 448, 1), ("tie2_small_60x30.png", 448, 6),
    ("rgb_320x240.jpg", 224, 1), ("tie2_small_60x30.png", 224, 6),
    ("wide_700x50.png", 224, 1), ("tall_40x600.png", 224, 1), ("cmyk_64x48.jpg", 224, 1),
    ("exif_rot6_64x32.jpg", 224, 1), ("gray16_64x40.png", 224, 1), ("rgb_1x1.png", 224, 1),
    ("progressive_96x72.jpg", 224, 1),
}
# float32 pixel_values stored in full (small cases); all others are pinned by sha256 of their bytes
STORED_PIXEL_VALUES = {("rgb_320x240.jpg", 224, 1), ("rgb_1x1.png", 224, 1)}
# video (clip, num_segments) with bound None whose tiles are stored in full (the video model input)
STORED_VIDEO_TILES = {("h264_160x120_10fps_16f.mp4", 4)}


def image_tiles_tensor(name: str, size: int, max_num: int) -> str:
    return f"{name}/s{size}/max{max_num}"


def video_tiles_tensor(clip: str, size: int, n: int) -> str:
    return f"{clip}/s{size}/n{n}"


DECODED_MAX_PIXELS = 80_000


# --- tokenizer -------------------------------------------------------------------------------------------

def tokenizer_section(w: FixtureWriter):
    tok = tb.train()
    files = tb.tokenizer_files(tok)
    base = tok.get_vocab_size(with_added_tokens=False)
    if base != 256 + tb.NUM_MERGES:
        raise AssertionError(f"trainer produced {base - 256} merges, want {tb.NUM_MERGES}")
    what = {
        "tokenizer.json": "fixture tokenizer, tokenizers JSON form (BPE + NFC + Qwen2 split regex + ByteLevel)",
        "vocab.json": "fixture tokenizer base vocabulary (token -> id), vocab/merges form",
        "merges.txt": "fixture tokenizer BPE merges in rank order, vocab/merges form",
        "added_tokens.json": "added tokens (token -> id) after the base vocabulary, InternVL3 order",
        "tokenizer_config.json": "transformers tokenizer config (Qwen2Tokenizer, eos <|im_end|>, pad <|endoftext|>)",
        "special_tokens_map.json": "special token map",
    }
    for name, text in files.items():
        w.text(f"tokenizer/{name}", text, what[name])
    cases = compute_cases(files, tok)
    cases["build"] = {
        "num_merges": tb.NUM_MERGES, "base_vocab_size": base, "vocab_size_with_added": base + len(tb.ADDED_TOKENS),
        "pretokenize_regex": tb.QWEN2_PRETOKENIZE_REGEX, "normalizer": "NFC",
        "added_tokens": [{"content": c, "id": base + i, "special": s} for i, (c, s) in enumerate(tb.ADDED_TOKENS)],
        "note": "ids computed with transformers Qwen2Tokenizer loaded from tokenizer.json and from "
                "vocab.json+merges.txt (+added_tokens.json, tokenizer_config.json); both forms and the raw "
                "tokenizers object agree on every case. add_special_tokens=True adds nothing (no BOS/EOS).",
    }
    w.json("tokenizer/cases.json", cases, "tokenizer encode/decode cases with expected ids and strings")
    return tok, files


# --- images ----------------------------------------------------------------------------------------------

def _tile_arrays(tiles: list[Image.Image]) -> list[np.ndarray]:
    arrs = [np.asarray(t, dtype=np.uint8) for t in tiles]
    for a in arrs:
        if a.ndim != 3 or a.shape[2] != 3:
            raise AssertionError(f"tile shape {a.shape}")
    return arrs


def tile_record(tiles: list[Image.Image]) -> tuple[list[dict], str, torch.Tensor]:
    arrs = _tile_arrays(tiles)
    pv = pp.pixel_values(tiles)
    recs = [{"sha256_uint8_hwc": sha256_bytes(a.tobytes()), "channel_sums": [int(a[..., c].sum()) for c in range(3)]}
            for a in arrs]
    return recs, sha256_bytes(f32_le_bytes(pv)), pv


def _decode_rules(name: str, im: Image.Image, rgb: np.ndarray) -> tuple[str | None, dict[str, np.ndarray]]:
    """For the unusual modes, checks a closed-form rule for convert('RGB') and returns it with the raw data."""
    raw = {}
    rule = None
    if im.mode == "I;16":
        v = np.asarray(im, dtype=np.int64)
        if np.array_equal(rgb, np.repeat(np.minimum(v, 255)[..., None], 3, -1)):
            rule = "I;16 -> RGB: each channel = min(value16, 255) (clamp, no scaling)"
        raw["i16"] = v
    elif im.mode == "CMYK":
        cmyk = np.asarray(im, dtype=np.int64)
        a = 255 - cmyk[..., :3]
        k = 255 - cmyk[..., 3:4]
        t = a * k + 128
        ref = ((t >> 8) + t) >> 8
        if np.array_equal(rgb, ref.astype(np.uint8)):
            rule = ("CMYK -> RGB: channel = MULDIV255(255 - c, 255 - k) with MULDIV255(a, b) = "
                    "((a*b + 128) + ((a*b + 128) >> 8)) >> 8; CMYK as decoded by Pillow (Adobe inverted JPEG)")
        raw["cmyk"] = cmyk.astype(np.uint8)
    elif im.mode == "RGBA":
        if np.array_equal(rgb, np.asarray(im)[..., :3]):
            rule = "RGBA -> RGB: alpha dropped, no compositing"
    elif im.mode == "P":
        pal = np.array(im.getpalette(), dtype=np.uint8).reshape(-1, 3)
        if np.array_equal(rgb, pal[np.asarray(im)]):
            rule = "P -> RGB: palette lookup; transparency ignored"
    elif im.mode == "L":
        if np.array_equal(rgb, np.repeat(np.asarray(im)[..., None], 3, -1)):
            rule = "L -> RGB: gray replicated"
    return rule, raw


def preprocess_section(w: FixtureWriter) -> dict:
    lut = pp.normalize_lut()
    pp.check_lut_matches_ieee_float32(lut)
    w.tensors("preprocess/normalize_lut.safetensors", {"lut": lut},
              "ImageNet normalisation of every uint8 level: lut[c, x] = ((x/255) - mean[c]) / std[c], float32")

    decoded_t: dict[str, torch.Tensor] = {}
    tiles_t: dict[str, torch.Tensor] = {}
    pv_t: dict[str, torch.Tensor] = {}
    images = []
    keep: dict[tuple, list[Image.Image]] = {}
    for src in source_images():
        w.raw(f"preprocess/images/{src.name}", src.data, f"source image: {src.note}")
        im = Image.open(io.BytesIO(src.data))
        im.load()
        rgb_img = im.convert("RGB")
        rgb = np.asarray(rgb_img, dtype=np.uint8)
        rule, raw = _decode_rules(src.name, im, rgb)
        if src.samples16 is not None and np.array_equal(rgb, (src.samples16 >> 8).astype(np.uint8)):
            rule = "16-bit RGB PNG: Pillow opens it as 8-bit RGB keeping the high byte of each sample"
        rec = {
            "file": f"images/{src.name}", "note": src.note, "format": im.format, "pil_mode": im.mode,
            "width": im.size[0], "height": im.size[1], "frames": getattr(im, "n_frames", 1),
            "exif_orientation": im.getexif().get(0x0112),
            "decoded_rgb_sha256": sha256_bytes(rgb.tobytes()), "convert_rule": rule,
            "decoded_rgb_tensor": None, "raw_tensors": {}, "cases": [],
        }
        if rgb.shape[0] * rgb.shape[1] <= DECODED_MAX_PIXELS:
            decoded_t[src.name] = torch.from_numpy(rgb.copy())
            rec["decoded_rgb_tensor"] = src.name
        for k, v in raw.items():
            decoded_t[f"{src.name}/{k}"] = torch.from_numpy(np.ascontiguousarray(v))
            rec["raw_tensors"][k] = f"{src.name}/{k}"
        for size in IMAGE_SIZES:
            for max_num in MAX_NUMS:
                grid, tiles = pp.dynamic_preprocess(rgb_img, max_num=max_num, image_size=size)
                recs, pv_sha, pv = tile_record(tiles)
                case = {"image_size": size, "max_num": max_num, "grid_cols_rows": list(grid),
                        "num_tiles": len(tiles), "thumbnail": len(tiles) > 1, "tiles": recs,
                        "pixel_values_shape": [len(tiles), 3, size, size],
                        "pixel_values_f32le_sha256": pv_sha, "stored_tiles_tensor": None,
                        "stored_pixel_values_tensor": None}
                tname = image_tiles_tensor(src.name, size, max_num)
                if (src.name, size, max_num) in STORED_TILES:
                    tiles_t[tname] = torch.from_numpy(np.stack(_tile_arrays(tiles)))
                    case["stored_tiles_tensor"] = tname
                if (src.name, size, max_num) in STORED_PIXEL_VALUES:
                    pv_t[tname] = pv
                    case["stored_pixel_values_tensor"] = tname
                keep[(src.name, size, max_num)] = tiles
                rec["cases"].append(case)
        images.append(rec)

    w.tensors("preprocess/decoded.safetensors", decoded_t,
              "PIL Image.open(f).convert('RGB') of source images up to 80000 pixels (uint8 [H,W,3]) and raw "
              "decoded samples of the unusual modes (CMYK uint8, I;16 as int64)")
    w.tensors("preprocess/tiles.safetensors", tiles_t,
              "selected dynamic_preprocess tiles exactly as PIL produced them (uint8 [T,S,S,3], row-major, "
              "thumbnail last); includes the image inputs of outputs/")
    w.tensors("preprocess/pixel_values.safetensors", pv_t,
              "float32 pixel_values [T,3,S,S] of a few small cases, exactly as the reference computes them")
    w.json("preprocess/cases.json", {
        "algorithm": "model card load_image: Image.open(f).convert('RGB'); dynamic_preprocess(min_num=1, max_num, "
                     "image_size, use_thumbnail=True) with PIL Image.resize default filter (BICUBIC); per tile "
                     "ToTensor (x/255, float32) and Normalize(ImageNet mean/std) in float32",
        "pixel_values_layout": "[T, 3, S, S] float32, tile t channel c = lut[c, tile_uint8[t, y, x, c]]",
        "tiles_layout": "uint8 [S, S, 3] (HWC, RGB) per tile; sha256 is over these bytes",
        "images": images,
    }, "per image: decode facts, and for image_size 448/224 x max_num 1/6/12 the grid, tiles (sha256 + sums) "
       "and sha256 of float32 pixel_values")
    return keep


def grid_section(w: FixtureWriter) -> None:
    sizes = {(1, 1), (448, 448), (500, 500), (640, 480), (480, 640), (1920, 1080), (1080, 1920), (1000, 1000),
             (1280, 720), (800, 600), (3000, 100), (100, 3000), (633, 633), (634, 634), (896, 448), (1267, 633),
             (1268, 634), (950, 950), (951, 951), (447, 448), (449, 448), (1, 1000), (1000, 1), (300, 200),
             (200, 300), (1344, 448), (2000, 1000), (5000, 3), (3, 5000), (449, 224), (224, 224), (700, 50),
             (40, 600), (60, 30), (1300, 650), (640, 640), (96, 64), (80, 60), (72, 48), (64, 40), (50, 30),
             (64, 48), (96, 72), (88, 66), (64, 32), (72, 54), (320, 240), (160, 120), (128, 96), (112, 80)}
    rng = random.Random(7)
    while len(sizes) < 400:
        sizes.add((rng.randint(1, 4000), rng.randint(1, 4000)))
    table = []
    for wdt, hgt in sorted(sizes):
        row = {"w": wdt, "h": hgt}
        for size in IMAGE_SIZES:
            row[f"grids_{size}"] = [list(pp.closest_grid(wdt, hgt, m, size)) for m in range(1, 13)]
        table.append(row)
    w.json("preprocess/grids.json", {
        "candidate_order": {str(m): [list(r) for r in pp.candidate_grids(1, m)] for m in range(1, 13)},
        "rule": "aspect = w/h; walk candidates in candidate_order[max_num]; take r if |aspect - c/r| < best "
                "(strict); on an exact tie take r (best diff unchanged) if w*h > 0.5*S*S*c*r",
        "table_note": "grids_S[m-1] is the (cols, rows) chosen for max_num m (1..12) at image_size S",
        "table": table,
    }, "grid choice of dynamic_preprocess for 400 sizes, max_num 1..12, image_size 448 and 224")


# --- video -----------------------------------------------------------------------------------------------

SEGMENTS = (1, 4, 8, 32)
BOUNDS = ((0.0, 1.0), (0.25, 0.75), (-1.0, 0.5), (0.5, 100.0))


def video_section(w: FixtureWriter, workdir) -> dict:
    import av

    clips = []
    keep = {}
    vtiles_t: dict[str, torch.Tensor] = {}
    for spec in CLIPS:
        path = w.path(f"video/clips/{spec.name}")
        encode(spec, path)
        w.describe(f"video/clips/{spec.name}",
                   f"{spec.codec} {spec.width}x{spec.height} {spec.rate} fps, {spec.frames} frames, yuv420p")
        d = decode(path)
        if len(d.pts) != spec.frames:
            raise AssertionError(f"{spec.name}: decoded {len(d.pts)} frames, encoded {spec.frames}")
        w.tensors(f"video/frames/{spec.name}.safetensors", {
            "rgb24": torch.from_numpy(d.rgb), "y": torch.from_numpy(d.y), "u": torch.from_numpy(d.u),
            "v": torch.from_numpy(d.v)},
            f"every decoded frame of {spec.name}: rgb24 [N,H,W,3] from frame.to_ndarray(format='rgb24') and "
            "the decoder's yuv420p planes y [N,H,W], u/v [N,H/2,W/2]")
        per_frame: dict[tuple, tuple] = {}

        def frame_tile(idx: int, size: int):
            key = (idx, size)
            if key not in per_frame:
                img = Image.fromarray(d.rgb[idx]).convert("RGB")
                _, tiles = pp.dynamic_preprocess(img, max_num=1, image_size=size)
                per_frame[key] = tiles
            return per_frame[key]

        cases = []
        for bound in (None,) + BOUNDS:
            for n in SEGMENTS:
                if bound is not None and n not in (4, 8):
                    continue
                idx = pp.get_index(bound, d.fps, len(d.pts) - 1, first_idx=0, num_segments=n)
                case = {"bound": list(bound) if bound else None, "num_segments": n, "frame_indices": idx,
                        "by_image_size": {}}
                for size in IMAGE_SIZES:
                    tiles = [frame_tile(i, size)[0] for i in idx]
                    recs, pv_sha, _ = tile_record(tiles)
                    rec = {"tiles": recs, "pixel_values_f32le_sha256": pv_sha,
                           "pixel_values_shape": [n, 3, size, size], "stored_tiles_tensor": None}
                    if bound is None and (spec.name, n) in STORED_VIDEO_TILES:
                        tname = video_tiles_tensor(spec.name, size, n)
                        vtiles_t[tname] = torch.from_numpy(np.stack(_tile_arrays(tiles)))
                        rec["stored_tiles_tensor"] = tname
                    case["by_image_size"][str(size)] = rec
                    keep[(spec.name, n, str(bound), size)] = tiles
                cases.append(case)
        clips.append({
            "file": f"clips/{spec.name}", "frames_file": f"frames/{spec.name}.safetensors",
            "codec": d.codec, "width": spec.width, "height": spec.height, "num_frames": len(d.pts),
            "max_frame": len(d.pts) - 1, "average_rate": d.average_rate, "fps": d.fps, "time_base": d.time_base,
            "pts": d.pts, "pix_fmt": d.pix_fmt, "frame_colorspace": d.colorspace, "frame_color_range": d.color_range,
            "decoded_rgb24_sha256": sha256_bytes(d.rgb.tobytes()), "cases": cases,
        })
    w.tensors("video/tiles.safetensors", vtiles_t,
              "448/224 tiles (uint8 [n,S,S,3]) of the sampled frames of the video model input")
    w.json("video/cases.json", {
        "decoding": {
            "library": f"PyAV {av.__version__}",
            "ffmpeg_libraries": {k: ".".join(map(str, v)) for k, v in sorted(av.library_versions.items())},
            "frames": "container.decode(stream) with stream.thread_type='NONE', every frame in presentation order",
            "rgb_conversion": "frame.to_ndarray(format='rgb24'): PyAV VideoReformatter -> sws_scale_frame with "
                              "flags SWS_BILINEAR, threads 0 (auto), source colorspace/range taken from the frame "
                              "(unspecified here -> swscale defaults: BT.601 matrix, limited/MPEG range), no "
                              "ACCURATE_RND / BITEXACT / FULL_CHR_H_INT flags",
            "fps": "float(stream.average_rate) (stands in for decord's get_avg_fps())",
            "max_frame": "number of decoded frames - 1 (decord: len(vr) - 1)",
        },
        "sampling": "get_index(bound, fps, max_frame, first_idx=0, num_segments): start,end = bound or "
                    "(-100000, 100000); start_idx = max(0, round(start*fps)); end_idx = min(round(end*fps), "
                    "max_frame); seg = (end_idx - start_idx)/n; idx_k = int(start_idx + seg/2 + np.round(seg*k))",
        "per_frame_preprocess": "Image.fromarray(rgb24).convert('RGB') -> dynamic_preprocess(max_num=1, "
                                "image_size=S, use_thumbnail=True) = one SxS PIL bicubic tile -> ToTensor+Normalize",
        "clips": clips,
    }, "per clip: stream facts and, for num_segments 1/4/8/32 (and bounds), the get_index frame indices, "
       "per-frame tile sha256 and float32 pixel_values sha256 at image size 448 and 224")
    return keep
