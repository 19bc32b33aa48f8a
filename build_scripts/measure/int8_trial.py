"""Issue #15's int8 question for the network that costs most, the hand landmark model on
LiteRT.js: post-training integer quantization, its speed in the browser and its accuracy.

    BPH_BUILD_PYTHON=$(ls -d ~/.cache/blazepose-holistic/venvs/build-*)/bin/python \\
        ./run py -m build_scripts.measure.int8_trial --json out/runs/int8_trial.json

Three steps, in the environments that have their tools:
1. (test env) real crops: the CPython tracker on the fixture photos (real people) and on
   the demo's sample clip (the mannequin), each hand crop exactly as hand_landmark_full is
   fed (crop_graph.reference_crop of the requested matrix);
2. (build env, tensorflow: ``--quantize``) the network as the browser runs it, its fp16
   weights folded to float32 (TFLite's calibrator cannot run the DEQUANTIZE ops), then
   calibrated on every other crop of each set and quantized to int8 (weights and
   activations, float input and output) in variants: everything, the heads
   (FULLY_CONNECTED, MEAN) kept float, the heads and the first four convolutions kept
   float, per-tensor scales; each scored on the other crops against the float network:
   mean 2D landmark distance / the hand's bounding-box diagonal (issue #15's budget: 1 %);
3. (test env) bench_profile's LiteRT.js run of each variant beside the shipped network.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from build_scripts.common.paths import ROOT, SHARED_DATA
from build_scripts.measure.common import write_report

MODEL = "hand_landmark_full"
BUDGET = 0.01


def collect_crops(out: Path) -> dict:
    """Writes {photos, video}: (N, 224, 224, 3) float32 crops in [0, 1] to ``out`` (.npz)."""
    from blazepose_holistic import media
    from blazepose_holistic.tracker import HolisticTracker
    from build_scripts.measure.common import to_rgba
    from build_scripts.models.crop_graph import reference_crop

    crops = {"photos": [], "video": []}

    def capture(tracker, key):
        run = tracker.engine.run

        def recording(request, frame):
            if request.model == MODEL:
                m = np.asarray(request.inputs["matrix"], np.float64)
                crops[key].append(reference_crop(frame, m, 224, (0.0, 1.0), "replicate"))
            return run(request, frame)

        tracker.engine.run = recording
        return tracker

    still = capture(HolisticTracker(static_image_mode=True, enable_body_model=False), "photos")
    for name in ("coco", "mpii", "crowdpose", "freihand"):
        for path in sorted(glob.glob(str(SHARED_DATA / "eval" / name / "*.jpg"))):
            still.process(media.read_image(Path(path)))
    video = capture(HolisticTracker(enable_body_model=False), "video")
    sample = ROOT / "web" / "dist" / "demo" / "sample.mp4"
    for i, (rgb, t) in enumerate(media.read_video(sample)):
        if i % 2 == 0:
            video.process(to_rgba(rgb), timestamp=t)
    arrays = {k: np.concatenate(v).astype(np.float32) for k, v in crops.items()}
    np.savez_compressed(out, **arrays)
    return {k: len(v) for k, v in arrays.items()}


def _hand_error(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    """(N, 63) landmarks (crop pixels) x2 -> (N,) mean 2D distance / bbox diagonal."""
    a, b = ref.reshape(-1, 21, 3)[..., :2], got.reshape(-1, 21, 3)[..., :2]
    size = np.linalg.norm(a.max(1) - a.min(1), axis=-1)
    return np.linalg.norm(a - b, axis=-1).mean(1) / size


def fold_fp16_weights(tflite: bytes) -> bytes:
    """(build env) The model with each DEQUANTIZE of a constant float16 tensor replaced by the
    float32 constant it computes (the same values), and operator codes no longer used
    dropped. MediaPipe ships its networks with fp16 weights; TFLite's calibrator cannot run
    those DEQUANTIZE ops."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite, 0))
    graph = model.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    kept = []
    for op in graph.operators:
        src = graph.tensors[op.inputs[0]]
        constant = model.buffers[src.buffer].data
        if (codes[op.opcodeIndex] != schema.BuiltinOperator.DEQUANTIZE or constant is None
                or src.type != schema.TensorType.FLOAT16):
            kept.append(op)
            continue
        values = np.frombuffer(bytes(bytearray(constant)), np.float16).astype("<f4")
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(values.tobytes(), np.uint8)
        model.buffers.append(buffer)
        graph.tensors[op.outputs[0]].buffer = len(model.buffers) - 1
    used = sorted({op.opcodeIndex for op in kept})
    model.operatorCodes = [model.operatorCodes[k] for k in used]
    for op in kept:
        op.opcodeIndex = used.index(op.opcodeIndex)
    graph.operators = kept
    builder = flatbuffers.Builder(len(tflite) * 3)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def quantize(crops_file: Path, network: Path, out_dir: Path) -> dict:
    """(build env) The variants' files into ``out_dir`` and their accuracy."""
    import tensorflow as tf
    from tensorflow.lite.python import convert
    from tensorflow.lite.python.optimize import calibrator

    data = np.load(crops_file)
    calib = np.concatenate([data["photos"][0::2], data["video"][0::2]])
    tests = {"photos": data["photos"][1::2], "video": data["video"][1::2]}
    source = fold_fp16_weights(network.read_bytes())

    def run(model: bytes, xs: np.ndarray) -> np.ndarray:
        it = tf.lite.Interpreter(model_content=model, num_threads=1)
        it.allocate_tensors()
        inp = it.get_input_details()[0]["index"]
        out = next(o["index"] for o in it.get_output_details() if o["shape"][-1] == 63)
        rows = []
        for x in xs:
            it.set_tensor(inp, x[None])
            it.invoke()
            rows.append(it.get_tensor(out)[0].copy())
        return np.stack(rows)

    calibrated = calibrator.Calibrator(source).calibrate(lambda: ([x[None]] for x in calib))
    interp = tf.lite.Interpreter(model_content=source)
    tensors = interp.get_tensor_details()
    convs = [op for op in interp._get_ops_details() if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    heads = ["FULLY_CONNECTED", "MEAN"]
    variants = {
        "int8": {},
        "int8_heads_float": {"denylisted_ops": heads},
        "int8_heads_first4_float": {"denylisted_ops": heads, "denylisted_nodes": [
            tensors[op["outputs"][0]]["name"] for op in convs[:4]]},
        "int8_per_tensor": {"disable_per_channel": True},
    }
    reference = {name: run(source, xs) for name, xs in tests.items()}
    report = {"calibration_crops": len(calib), "test_crops": {k: len(v) for k, v in tests.items()},
              "budget": BUDGET, "variants": {}}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, options in variants.items():
        model = convert.mlir_quantize(calibrated, **options)
        (out_dir / f"{name}.tflite").write_bytes(model)
        errors = {}
        for set_name, xs in tests.items():
            e = _hand_error(reference[set_name], run(model, xs))
            errors[set_name] = {"median": round(float(np.median(e)), 4),
                                "p90": round(float(np.percentile(e, 90)), 4)}
        report["variants"][name] = {"bytes": len(model), "error_over_hand_size": errors,
                                    "within_budget": all(v["median"] <= BUDGET for v in errors.values())}
    return report


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--quantize", nargs=3, metavar=("CROPS", "NETWORK", "OUT_DIR"),
                    help="(build env) step 2 only; prints its JSON")
    args = ap.parse_args(argv)
    if args.quantize:
        crops, network, out_dir = map(Path, args.quantize)
        print(json.dumps(quantize(crops, network, out_dir)))
        return 0
    from blazepose_holistic.model_store import ModelStore

    build_python = os.environ.get("BPH_BUILD_PYTHON")
    if not build_python:
        raise SystemExit("set BPH_BUILD_PYTHON to the build environment's python (see the docstring)")
    store = ModelStore()
    network = store.find_file(MODEL, store.models[MODEL]["litert"]["file"])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        counts = collect_crops(work / "crops.npz")
        print(f"[int8] crops: {counts}", file=sys.stderr)
        done = subprocess.run([build_python, "-W", "ignore", "-m", "build_scripts.measure.int8_trial",
                               "--quantize", str(work / "crops.npz"), str(network), str(work / "q")],
                              cwd=ROOT, check=True, capture_output=True, text=True)
        report = json.loads(done.stdout.strip().splitlines()[-1])
        profile = work / "profile.json"
        subprocess.run([sys.executable, "-m", "build_scripts.measure.bench_profile", "models",
                        f"{MODEL}:2", "--litert", "--json", str(profile),
                        *[a for name in report["variants"]
                          for a in ("--tflite", f"{work / 'q' / name}.tflite={MODEL}:2")]],
                       cwd=ROOT, check=True)
        rows = json.loads(profile.read_text())
    report["litert_cpu_ms_two_hands"] = {r["variant"]: r["web_cpu_ms"] for r in rows}
    for name, v in report["variants"].items():
        print(f"{name:26s} error/hand size photos {v['error_over_hand_size']['photos']['median']:.4f} "
              f"video {v['error_over_hand_size']['video']['median']:.4f}  within 1 %: {v['within_budget']}")
    print(json.dumps(report["litert_cpu_ms_two_hands"], indent=1))
    if args.json:
        write_report(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
