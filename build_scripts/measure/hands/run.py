"""Runs the systems over the frame sets: ours in CPython (hand recovery off and on) and the
MediaPipe peers in the browser (through the benchmark's pages, ``bench.bench``)."""

from __future__ import annotations

import time

import numpy as np

from blazepose_holistic import media
from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.measure.accuracy import datasets
from build_scripts.measure.common import FPS

from .sets import SIDES

# Stages hand recovery adds (the pipeline's Inference stage names).
RECOVERY_STAGES = ("palm_detector", "hand_recovery")


def frames_rgb(frame_set):
    """The set's frames as RGB arrays, in order."""
    if frame_set.video is not None:
        for k, f in enumerate(media.frames([media.classify(frame_set.video)], fps=FPS)):
            if k >= len(frame_set.frames):
                return
            yield f.rgb
        return
    for frame in frame_set.frames:
        yield datasets.load_rgb(frame.source)


def _px(landmarks, size):
    return None if landmarks is None else np.asarray(landmarks)[:, :2] * np.asarray(size, float)


def _flat_px(flat, size):
    # The bench pages' landmarks: flat [x0, y0, x1, ...] normalised, or null.
    return None if not flat else np.asarray(flat, float).reshape(-1, 2) * np.asarray(size, float)


def run_ours(frame_set, model: str, recovery: bool, threads: int = 1) -> dict:
    """Per-frame outputs (pose px, {side: hand px}) and timings of our CPython tracker."""
    from blazepose_holistic.tracker import HolisticTracker

    tracker = HolisticTracker(model_complexity=COMPLEXITIES.index(model),
                              static_image_mode=frame_set.mode == "image",
                              enable_body_model=False, enable_hand_recovery=recovery,
                              threads=threads)
    outputs, totals, added = [], [], []
    t0 = time.perf_counter()
    for k, (frame, rgb) in enumerate(zip(frame_set.frames, frames_rgb(frame_set))):
        result = tracker.process(rgb, timestamp=k / FPS)
        outputs.append((_px(result.pose_landmarks, frame.size),
                        {s: _px(getattr(result, f"{s}_hand_landmarks"), frame.size)
                         for s in SIDES}))
        totals.append(result.timings_ms["total"])
        added.append(sum(result.timings_ms.get(s, 0.0) for s in RECOVERY_STAGES))
    tracker.close()
    return {"outputs": outputs, "frame_ms": totals, "recovery_inference_ms": added,
            "wall_seconds": time.perf_counter() - t0}


def run_peers(frame_set, model: str, systems: list, workdir) -> dict:
    """{system: per-frame outputs} of MediaPipe's browser systems on the same pixels."""
    from build_scripts.measure import bench

    inputs = ([str(frame_set.video)] if frame_set.video is not None
              else [str(f.source) for f in frame_set.frames])
    args = bench.parse_args(
        ["--frames", *inputs, "--count", str(len(frame_set.frames)), "--warmup", "0",
         "--model", model, "--modes", frame_set.mode, "--systems", ",".join(systems),
         "--landmarks", "--no-warm", "--workdir", str(workdir)])
    report = bench.bench(args)
    out = {}
    for system, records in report["landmarks"][frame_set.mode].items():
        rows = []
        for frame, rec in zip(frame_set.frames, records):
            rows.append((_flat_px(rec.get("pose"), frame.size),
                         {s: _flat_px(rec.get(s), frame.size) for s in SIDES}))
        out[system] = {"outputs": rows}
    return out
