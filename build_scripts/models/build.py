"""Build the ONNX models from the pinned @mediapipe/holistic npm package.

    python -m build_scripts.models.build            # convert (or reuse the cache), verify, install
    python -m build_scripts.models.build --force    # ignore the conversion cache

Runs in the build-only environment (requirements/build.txt: tensorflow-cpu, tf2onnx). For
every model it: extracts the TFLite file (byte ranges parsed from the package's loader),
densifies sparse weights, converts with tf2onnx, stores float16-exact weights as float16,
fuses our crop/normalise graph in front, rewrites the result in a canonical form (names,
node order, producer: onnx_edits.canonicalise) so that the same inputs give the same bytes on
any machine, and verifies

  * converted ONNX vs the TFLite interpreter, on random inputs and on real photos from
    ../shared/data/eval: every output's max abs difference must stay under TOLERANCE;
  * the fused model vs (numpy reference crop -> converted model);
  * batch-2 runs vs two batch-1 runs for the hand models.

A failure of any check, or a model onnxruntime cannot load, fails the build. Results go to
the model directory (``$BPH_MODEL_DIR``, default ``~/.cache/blazepose-holistic/models``:
the models and conversion_report.json with the measured differences),
``models/manifest.json`` and ``models/conversion_report.json`` (only what the pinned inputs
fix, so a rebuild on any machine leaves the repository unchanged). Conversions are cached
under ``~/.cache/blazepose-holistic/convert/<key>``, keyed by the TFLite bytes, this recipe's
source and the tool versions, so a warm rebuild takes seconds.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from blazepose_holistic import contract
from build_scripts.common import paths
from build_scripts.models import mediapipe_assets

# Max abs difference allowed between the ONNX model and the TFLite interpreter, relative to
# the output's own scale (max |reference|, at least 1). Both run float32 kernels, in different
# summation orders: landmark outputs agree to ~1e-5 relative (0.004 px of a 256 px crop), the
# segmentation logits of the pose models, which reach |x| ~ 1000, to ~7e-4. A real conversion
# error (a wrong op, layout or padding) shows up as percent-level differences.
TOLERANCE = 1e-3
# Segmentation logits are compared after the sigmoid MediaPipe applies to them
# (tensors_to_pose_landmarks_and_segmentation.pbtxt): what matters is the mask. Logits reach
# |x| ~ 1000 and carry float32 noise of ~0.01 near the decision boundary, i.e. mask
# probabilities agree to ~3e-3; we allow 1e-2 (one percent of mask opacity).
LOGIT_OUTPUTS = {"pose_landmark": "Identity_2"}
MASK_TOLERANCE = 1e-2
# The fused model samples the crop with float32 ONNX ops; the reference does it in float64.
FUSED_TOLERANCE = 2e-3



def _recipe(spec: contract.ModelSpec) -> dict:
    """How to build a model from its contract spec: "outputs" names the converted model's
    outputs in order, "drop" the ones the pipeline does not use (e.g. the segmentation head
    of the pose models without "_seg", which halves their latency)."""
    raw = list(contract.POSE_LANDMARK_OUTPUTS if spec.source.startswith("pose_landmark_")
               else spec.outputs)
    return {"source": spec.source, "crop": (spec.input_size, spec.value_range, spec.border),
            "outputs": raw, "drop": [o for o in raw if o not in spec.outputs],
            "batch": spec.batch}


# name -> how to build it; the crops come from the contract (MediaPipe's graphs).
SPECS: dict[str, dict] = {name: _recipe(spec) for name, spec in contract.MODEL_SPECS.items()}

RECIPE_FILES = ["build.py", "crop_graph.py", "onnx_edits.py", "tflite_densify.py",
                "mediapipe_assets.py"]


def log(msg: str) -> None:
    print(f"[models] {msg}", flush=True)


def tool_versions() -> dict:
    """Versions of the converting tools (imports tensorflow: only called when converting)."""
    import onnx
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    return {"tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def recipe_hash() -> str:
    """Hash of this recipe's code and the pinned build tools: part of every cache key, so a
    change to either reconverts, and a warm cache never needs tensorflow imported."""
    here = Path(__file__).resolve().parent
    files = [here / f for f in RECIPE_FILES] + [paths.ROOT / "requirements" / "build.txt"]
    # The specs, not contract.py's bytes: a new option must not reconvert every model.
    specs = json.dumps(SPECS, sort_keys=True).encode()
    return paths.sha256_bytes(b"".join(f.read_bytes() for f in files) + specs)


# ---------------------------------------------------------------------------------------------
# inference helpers

def tflite_run(model: bytes, x: np.ndarray) -> list[np.ndarray]:
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_content=model, num_threads=1)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]


def ort_session(model_bytes: bytes):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def real_images() -> list[np.ndarray]:
    """RGB photos from the shared evaluation fixtures (people and hands)."""
    from PIL import Image

    root = paths.SHARED_DATA / "eval"
    files = sorted(root.glob("coco/*.jpg"))[:2] + sorted(root.glob("mpii/*.jpg"))[:1] + \
        sorted(root.glob("freihand/*.jpg"))[:2]
    if not files:
        raise FileNotFoundError(f"no fixture photos under {root}")
    return [np.asarray(Image.open(f).convert("RGB")) for f in files]


def model_inputs(size: int, value_range, images: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Random tensors plus real photos resized to the model input, in its value range."""
    from PIL import Image

    lo, hi = value_range
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(lo, hi, (1, size, size, 3)).astype(np.float32) for _ in range(2)]
    for img in images:
        small = np.asarray(Image.fromarray(img).resize((size, size), Image.BILINEAR))
        xs.append((small.astype(np.float32) / 255.0 * (hi - lo) + lo)[None])
    return xs


def max_rel_diff(ref: np.ndarray, got: np.ndarray) -> float:
    scale = max(1.0, float(np.abs(ref).max()))
    return float(np.abs(ref.astype(np.float64) - got).max() / scale)


# ---------------------------------------------------------------------------------------------
# conversion

def convert_source(source: str, tflite: bytes, workdir: Path) -> tuple[bytes, dict]:
    """TFLite -> verified float32-compute ONNX with float16 storage. Returns (onnx, report)."""
    import onnx
    import tf2onnx

    from build_scripts.models import onnx_edits, tflite_densify

    report: dict = {"tflite_sha256": paths.sha256_bytes(tflite)}
    tflite, n_dense = tflite_densify.densify(tflite)
    report["densify_ops_removed"] = n_dense
    tfl_path = workdir / f"{source}.tflite"
    tfl_path.write_bytes(tflite)
    model, _ = tf2onnx.convert.from_tflite(str(tfl_path), opset=17)
    report["fp16_tensors"] = onnx_edits.store_weights_fp16(model)
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    report["max_rel_diff_vs_tflite"] = verify_against_tflite(source, tflite, data)
    return data, report


def verify_against_tflite(source: str, tflite: bytes, onnx_model: bytes) -> dict[str, float]:
    """Max relative difference per output on random and real inputs; raises past tolerance.

    tf2onnx exits successfully even when it left ops it does not support: only a numeric
    comparison against the TFLite interpreter proves a conversion.
    """
    try:
        sess = ort_session(onnx_model)
    except Exception as e:  # onnxruntime's own message names the unsupported op
        raise RuntimeError(f"onnxruntime cannot load converted {source}: {e}") from e
    inp = sess.get_inputs()[0]
    size = inp.shape[1]
    value_range = (-1.0, 1.0) if source == "pose_detection" else (0.0, 1.0)
    mask_name = LOGIT_OUTPUTS.get(source.rsplit("_", 1)[0])
    diffs: dict[str, float] = {}
    names = [o.name for o in sess.get_outputs()]
    for x in model_inputs(size, value_range, real_images(), seed=len(source)):
        ref = tflite_run(tflite, x)
        got = sess.run(None, {inp.name: x})
        for name, r, g in zip(names, ref, got):
            if r.shape != g.shape:
                raise RuntimeError(f"{source}:{name} shape {g.shape} != TFLite {r.shape}")
            if name == mask_name:
                r, g = 1 / (1 + np.exp(-r.astype(np.float64))), 1 / (1 + np.exp(-g))
            diffs[name] = max(diffs.get(name, 0.0), max_rel_diff(r, g))
    bad = {k: v for k, v in diffs.items()
           if not v <= (MASK_TOLERANCE if k == mask_name else TOLERANCE)}
    if bad:
        raise RuntimeError(f"{source}: ONNX differs from TFLite beyond tolerance: {bad}")
    return diffs


def build_variant(name: str, spec: dict, raw: bytes) -> tuple[bytes, dict]:
    import onnx

    from build_scripts.models import crop_graph, onnx_edits

    net = onnx.load_from_string(raw)
    onnx_edits.rename_outputs(net, spec["outputs"])
    if spec.get("drop"):
        onnx_edits.drop_outputs(net, spec["drop"])
    if spec.get("batch"):
        onnx_edits.make_batch_dynamic(net)
    size, value_range, border = spec["crop"]
    fused = onnx_edits.fuse_crop(crop_graph.build_crop_graph(size, value_range, border), net)
    # Before verification, so the bytes that are verified are the bytes that ship.
    onnx_edits.canonicalise(fused, name, doc=(
        f"{name}: {size} px crop ({border} border) fused in front of {spec['source']}.tflite "
        f"from {mediapipe_assets.PACKAGE_NAME} {mediapipe_assets.PACKAGE_VERSION}"))
    data = fused.SerializeToString()
    report = verify_fused(name, data, net.SerializeToString(), spec)
    return data, report


def random_crop_matrices(rng, batch: int, frame_hw: tuple, size: int) -> np.ndarray:
    """(batch, 2, 3) float32 crop matrices: rotated, scaled crops partly outside the frame,
    which exercise rotation and borders."""
    h, w = frame_hw
    ang = rng.uniform(-np.pi, np.pi, batch)
    sc = rng.uniform(0.3, 1.2, batch) * max(h, w) / size
    mats = np.zeros((batch, 2, 3), np.float32)
    mats[:, 0, 0], mats[:, 0, 1] = np.cos(ang) * sc, -np.sin(ang) * sc
    mats[:, 1, 0], mats[:, 1, 1] = np.sin(ang) * sc, np.cos(ang) * sc
    centre = rng.uniform(0.2, 0.8, (batch, 2)) * [w, h]
    mats[:, :, 2] = centre - (mats[:, :, :2] @ np.array([size / 2, size / 2]))
    return mats


def verify_fused(name: str, fused: bytes, net: bytes, spec: dict) -> dict:
    from build_scripts.models.crop_graph import reference_crop

    size, value_range, border = spec["crop"]
    fs, ns = ort_session(fused), ort_session(net)
    net_in = ns.get_inputs()[0].name
    rng = np.random.default_rng(1)
    diffs: dict[str, float] = {}
    batch = 2 if spec.get("batch") else 1
    for img in real_images()[:3]:
        mats = random_crop_matrices(rng, batch, img.shape[:2], size)
        rgba = np.concatenate([img, np.full(img.shape[:2] + (1,), 255, np.uint8)], axis=2)
        got = fs.run(None, {"image": rgba, "matrix": mats})
        crops = reference_crop(img, mats.astype(np.float64), size, value_range, border)
        for b in range(batch):
            ref = ns.run(None, {net_in: crops[b: b + 1]})
            for o, r, g in zip(ns.get_outputs(), ref, got):
                diffs[o.name] = max(diffs.get(o.name, 0.0), max_rel_diff(r, g[b: b + 1]))
    bad = {k: v for k, v in diffs.items() if not v <= FUSED_TOLERANCE}
    if bad:
        raise RuntimeError(f"{name}: fused model differs from crop+model: {bad}")
    return {"max_rel_diff_fused_vs_reference_crop": diffs, "verified_batch": batch}


def describe(data: bytes) -> dict:
    sess = ort_session(data)

    def io(x):
        return {"name": x.name, "shape": [d if isinstance(d, int) else str(d) for d in x.shape],
                "dtype": x.type.replace("tensor(", "").rstrip(")")}

    return {"inputs": [io(i) for i in sess.get_inputs()],
            "outputs": [io(o) for o in sess.get_outputs()]}


# ---------------------------------------------------------------------------------------------

def build(force: bool = False) -> dict:
    package = paths.MEDIAPIPE_PACKAGE
    mediapipe_assets.check_package(package)
    recipe = recipe_hash()
    out_dir = paths.model_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"format": 1, "models": {}}
    report = {"tolerance_rel": TOLERANCE, "mask_tolerance": MASK_TOLERANCE,
              "fused_tolerance_rel": FUSED_TOLERANCE, "models": {}}
    raw_cache: dict[str, tuple[bytes, dict]] = {}
    for name, spec in SPECS.items():
        source = spec["source"]
        tflite = mediapipe_assets.read_model(package, source)
        key = paths.sha256_bytes(tflite + recipe.encode() + name.encode())[:24]
        cached = paths.cache_root() / "convert" / key
        if cached.is_dir() and not force:
            data = (cached / "model.onnx").read_bytes()
            entry_report = json.loads((cached / "report.json").read_text())
            log(f"{name}: cached ({key})")
        else:
            t0 = time.time()
            if source not in raw_cache:
                with tempfile.TemporaryDirectory() as tmp:
                    raw_cache[source] = convert_source(source, tflite, Path(tmp))
            raw, source_report = raw_cache[source]
            data, fused_report = build_variant(name, spec, raw)
            entry_report = {**source_report, **fused_report, "tools": tool_versions(),
                            "seconds": round(time.time() - t0, 1)}
            tmp_dir = cached.with_name(key + ".tmp")
            shutil.rmtree(tmp_dir, ignore_errors=True)
            tmp_dir.mkdir(parents=True)
            (tmp_dir / "model.onnx").write_bytes(data)
            (tmp_dir / "report.json").write_text(json.dumps(entry_report, indent=1))
            shutil.rmtree(cached, ignore_errors=True)
            tmp_dir.rename(cached)
            log(f"{name}: converted and verified in {entry_report['seconds']} s")
        file = f"{name}.onnx"
        (out_dir / file).write_bytes(data)
        size, value_range, border = spec["crop"]
        manifest["models"][name] = {
            "file": file,
            "sha256": paths.sha256_bytes(data),
            "bytes": len(data),
            "source": mediapipe_assets.source_info(source),
            **describe(data),
            "image_input": {"layout": "HWC", "dtype": "uint8", "channels": "3 (RGB) or 4 (RGBA)"},
            "crop": {"size": size, "value_range": list(value_range), "border": border,
                     "tensor_layout": "NHWC"},
        }
        report["models"][name] = entry_report
        manifest["models"][name]["litert"] = litert_files(name, spec, tflite, out_dir)
    add_own_models(manifest, out_dir)
    (paths.MODELS / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out_dir / "conversion_report.json").write_text(json.dumps(report, indent=1) + "\n")
    (paths.MODELS / "conversion_report.json").write_text(
        json.dumps(committed_report(report), indent=1) + "\n")
    log(f"wrote {out_dir} and models/manifest.json")
    return manifest


def litert_files(name: str, spec: dict, tflite: bytes, out_dir: Path) -> dict:
    """The model's network for the browser's LiteRT backend (build_scripts/models/litert.py):
    writes <name>.tflite; returns the manifest's "litert"."""
    from build_scripts.models import litert

    net, fields = litert.network_cached(name, spec, tflite)
    (out_dir / f"{name}.tflite").write_bytes(net)
    return {"file": f"{name}.tflite", "sha256": paths.sha256_bytes(net), "bytes": len(net),
            **fields}


# Measured per build, not fixed by the pinned inputs: the float kernels of TFLite and
# onnxruntime differ by CPU (instruction set, summation order), so the differences move in
# their last digits from machine to machine, and timings from run to run. They stay in the
# model directory's report; the committed one keeps only what the inputs determine.
MEASURED = ("max_rel_diff_vs_tflite", "max_rel_diff_fused_vs_reference_crop", "seconds")


def committed_report(report: dict) -> dict:
    models = {}
    for name, entry in report["models"].items():
        models[name] = {k: v for k, v in entry.items() if k not in MEASURED}
        models[name]["verified_outputs_vs_tflite"] = sorted(entry["max_rel_diff_vs_tflite"])
        models[name]["verified_outputs_fused"] = sorted(
            entry["max_rel_diff_fused_vs_reference_crop"])
    return {**{k: v for k, v in report.items() if k != "models"},
            "measured_differences": "conversion_report.json in the model directory "
                                    "($BPH_MODEL_DIR, default ~/.cache/blazepose-holistic/models)",
            "models": models}


def add_own_models(manifest: dict, out_dir: Path) -> None:
    """Our own models (committed in models/) join the manifest with their checksums, and
    with their TFLite network for the browser's litert backend (own_litert.py), written to
    ``out_dir``."""
    from build_scripts.models import own_litert

    for meta_file in sorted(paths.MODELS.glob("*.onnx.json")):
        meta = json.loads(meta_file.read_text())
        onnx_file = paths.MODELS / meta_file.name[: -len(".json")]
        if not onnx_file.is_file():
            continue
        data = onnx_file.read_bytes()
        manifest["models"][meta.get("name", onnx_file.stem)] = {
            "file": onnx_file.name,
            "sha256": paths.sha256_bytes(data),
            "bytes": len(data),
            "source": {"repository": f"models/{onnx_file.name}", "trained_by": meta.get("command")},
            "committed": True,
            **describe(data),
        }
        name = meta.get("name", onnx_file.stem)
        net, fields = own_litert.network_cached(data)
        (out_dir / f"{name}.tflite").write_bytes(net)
        manifest["models"][name]["litert"] = {
            "file": f"{name}.tflite", "sha256": paths.sha256_bytes(net), "bytes": len(net), **fields}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="ignore the conversion cache")
    args = ap.parse_args(argv)
    build(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
