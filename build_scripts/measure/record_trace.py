"""Record a real inference trace for tests/blazepose_holistic/test_pipeline.py.

    PYTHONPATH=py_src:. python -m build_scripts.measure.record_trace [--out tests/fixtures/pipeline_trace.npz]

Runs ``HolisticTracker`` (full pose model, hands on, lifter off) with onnxruntime on the
PoseTrack18 fixture video (../shared/data/eval/posetrack18/videos/000001_mpiinew_test):
- "video": frames 0-2 in video mode (detector on frame 0, then ROI tracking, smoothing,
  hand tracking; the right hand is found in frames 1-2);
- "static": frames 0-1 with ``static_image_mode`` (detector on every frame).
Every ``Inference`` request the pipeline makes is stored (model, stage, crop matrices)
with the outputs the real model returned, plus every frame's result, into one compressed
.npz that the unit tests replay through a fake engine (no onnxruntime).

Size: the pose heatmap (1, 64, 64, 39) is stored as float16 (half the bytes); every other
tensor as float32, exactly as returned. The results stored are the real float32 run's.
Replaying the float16 heatmaps moves the results a little; this script replays the
trace itself and stores that deviation (``replay_max_abs_deviation`` in the meta) so the
tests' tolerance can be checked against it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from blazepose_holistic.pipeline import HolisticPipeline, Options
from blazepose_holistic.tracker import HolisticTracker
from build_scripts.common.paths import ROOT
from build_scripts.measure.accuracy.datasets import load_rgb, posetrack_frames

DEFAULT_OUT = ROOT / "tests" / "fixtures" / "pipeline_trace.npz"
DATA = ROOT.parent / "shared" / "data" / "eval"
FLOAT16_OUTPUTS = ("heatmap",)
FPS = 30.0
OPTIONS = dict(model_complexity=1, enable_hands=True, enable_body_model=False)
RESULT_ARRAYS = (
    "pose_landmarks", "pose_world_landmarks", "pose_roi", "left_hand_landmarks",
    "right_hand_landmarks", "left_hand_world_landmarks", "right_hand_world_landmarks",
    "left_hand_roi", "right_hand_roi",
)


def result_arrays(result) -> dict:
    """The result's array fields (absent when None), detection box/keypoints/score."""
    out = {n: np.asarray(getattr(result, n), np.float64)
           for n in RESULT_ARRAYS if getattr(result, n) is not None}
    det = result.pose_detection
    if det is not None:
        out["detection_box"] = np.asarray(det.box, np.float64)
        out["detection_keypoints"] = np.asarray(det.keypoints, np.float64)
        out["detection_score"] = np.asarray(det.score, np.float64)
    return out


def _stored(name: str, value) -> np.ndarray:
    dtype = np.float16 if name in FLOAT16_OUTPUTS else np.float32
    return np.asarray(value).astype(dtype)


def record(trace: str, frames, static: bool, arrays: dict) -> dict:
    tracker = HolisticTracker(static_image_mode=static, **OPTIONS)
    run = tracker.engine.run
    log = []

    def recording_run(request, frame):
        outputs = run(request, frame)
        log.append((request, outputs))
        return outputs

    tracker.engine.run = recording_run
    meta_frames = []
    for k, path in enumerate(frames):
        log.clear()
        result = tracker.process(load_rgb(path), timestamp=k / FPS)
        requests = []
        for i, (request, outputs) in enumerate(log):
            prefix = f"{trace}/f{k}/r{i}"
            arrays[f"{prefix}/matrix"] = np.asarray(request.inputs["matrix"], np.float32)
            for name, value in outputs.items():
                arrays[f"{prefix}/out/{name}"] = _stored(name, value)
            requests.append({"model": request.model, "stage": request.stage,
                             "outputs": sorted(outputs)})
        for name, value in result_arrays(result).items():
            arrays[f"{trace}/f{k}/result/{name}"] = value
        meta_frames.append({"source": path.name, "requests": requests})
        image_size = list(result.image_size)
    tracker.close()
    return {"static_image_mode": static, "timestamps": [k / FPS for k in range(len(frames))],
            "image_size": image_size, "frames": meta_frames}


def replay_deviation(trace: str, meta: dict, arrays: dict) -> float:
    """Max |replayed - recorded| over all result arrays when the stored (float16
    heatmap) outputs are fed back through a fresh pipeline."""
    pipeline = HolisticPipeline(Options(static_image_mode=meta["static_image_mode"], **OPTIONS))
    worst = 0.0
    for k, frame in enumerate(meta["frames"]):
        step = pipeline.process(meta["image_size"], meta["timestamps"][k])
        next(step)  # requests come in the recorded order; the recording answers them
        i = 0
        try:
            while True:
                outputs = {n: arrays[f"{trace}/f{k}/r{i}/out/{n}"]
                           for n in frame["requests"][i]["outputs"]}
                i += 1
                step.send(outputs)
        except StopIteration as stop:
            replayed = result_arrays(stop.value)
        for name, value in replayed.items():
            worst = max(worst, float(np.abs(value - arrays[f"{trace}/f{k}/result/{name}"]).max()))
    return worst


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    frames = posetrack_frames(DATA)
    arrays: dict = {}
    meta = {
        "script": "build_scripts/measure/record_trace.py",
        "video_source": "posetrack18/videos/000001_mpiinew_test",
        "options": OPTIONS,
        "float16_outputs": list(FLOAT16_OUTPUTS),
        "traces": {
            "video": record("video", frames[:3], static=False, arrays=arrays),
            "static": record("static", frames[:2], static=True, arrays=arrays),
        },
    }
    meta["replay_max_abs_deviation"] = {
        name: replay_deviation(name, trace, arrays) for name, trace in meta["traces"].items()
    }
    arrays["meta"] = np.array(json.dumps(meta))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    for name, trace in meta["traces"].items():
        print(name, [[r["model"] for r in f["requests"]] for f in trace["frames"]])
    print("replay max abs deviation (float16 heatmaps):", meta["replay_max_abs_deviation"])


if __name__ == "__main__":
    main()
