"""Runs the tracker over the fixtures and collects every score into one report dict."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common.paths import SHARED_DATA

from . import datasets, hand_scoring
from .matching import best_match, scorable
from .metrics import pa_mpjpe, root_mpjpe
from .skeletons import H36M_3D_SHARED, L_HIP, R_HIP, SKELETONS

MODELS = {name: i for i, name in enumerate(COMPLEXITIES)}
BODY_DATASETS = ("coco", "mpii", "crowdpose", "h36m")
H36M_HIPS = (1, 4)  # right_hip, left_hip in H36M order


def default_data_root() -> Path:
    """../shared/data/eval beside the repository (build_scripts/measure/accuracy)."""
    return SHARED_DATA / "eval"


def make_tracker(model: str, static: bool = True, threads: int = 1):
    from blazepose_holistic.tracker import HolisticTracker

    # The lifter does not affect any score here; leave it off so the evaluation runs
    # whether or not models/lifter.onnx exists.
    return HolisticTracker(model_complexity=MODELS[model], static_image_mode=static,
                           enable_hands=True, enable_body_model=False, threads=threads)


def _ratio(a, b):
    return None if b == 0 else a / b


def _h36m_3d(result, sample) -> dict:
    world = np.asarray(result.pose_world_landmarks, dtype=np.float64)[:, :3]
    gt_all = sample.extra["joints_cam_m"]
    gt = gt_all[[h for h, _ in H36M_3D_SHARED]]
    pred = world[[b for _, b in H36M_3D_SHARED]]
    pred_root = world[[L_HIP, R_HIP]].mean(axis=0)
    gt_root = gt_all[list(H36M_HIPS)].mean(axis=0)
    return {
        "image": sample.image.name,
        "pa_mpjpe_mm": 1000.0 * pa_mpjpe(pred, gt),
        "root_mpjpe_mm": 1000.0 * root_mpjpe(pred, gt, pred_root, gt_root),
    }


def evaluate_body(tracker, name: str, samples, hand_tally=None) -> dict:
    """PCK@0.2 of the tracker's single pose against its best-matching annotated person."""
    skeleton = SKELETONS[name]
    joint_hits = np.zeros(len(skeleton.names), int)
    joint_total = np.zeros(len(skeleton.names), int)
    frame_ms, per_image, frames_3d, hand_records = [], [], [], []
    for sample in samples:
        result = tracker.process(datasets.load_rgb(sample.image))
        frame_ms.append(result.timings_ms["total"])
        record = {"image": sample.image.name, "pose": result.pose_landmarks is not None,
                  "matched": None, "pck@0.2": None}
        per_image.append(record)
        if result.pose_landmarks is None:
            continue
        size = np.array([sample.width, sample.height], dtype=np.float64)
        pred = skeleton.from_blazepose(np.asarray(result.pose_landmarks)[:, :2] * size)
        match = best_match(pred, sample.people, skeleton)
        if match is None:
            continue
        joint_hits += match.hits
        joint_total += match.mask
        record.update(matched=match.person.ann_id, joints=int(match.mask.sum()),
                      torso_px=round(match.torso, 1),
                      **{"pck@0.2": float(match.hits.sum() / match.mask.sum())})
        if hand_tally is not None:
            hand_records += hand_scoring.tally_wholebody(
                hand_tally, result, match.person, (sample.width, sample.height))
        if "joints_cam_m" in sample.extra:
            frames_3d.append(_h36m_3d(result, sample))
    report = {
        "images": len(samples),
        "annotated_people": sum(int(p.annotated.any()) for s in samples for p in s.people),
        "scorable_people": sum(scorable(s.people, skeleton) for s in samples),
        "poses_returned": sum(r["pose"] for r in per_image),
        "matched_people": sum(r["matched"] is not None for r in per_image),
        "joints_scored": int(joint_total.sum()),
        "pck@0.2": _ratio(int(joint_hits.sum()), int(joint_total.sum())),
        "per_joint_pck@0.2": {
            n: _ratio(int(h), int(t)) for n, h, t in zip(skeleton.names, joint_hits, joint_total)
            if skeleton.scored()[skeleton.names.index(n)]
        },
        "mean_frame_ms": float(np.mean(frame_ms)) if frame_ms else None,
        "per_image": per_image,
    }
    if hand_records:
        report["per_hand"] = hand_records
    if frames_3d:
        report["3d"] = {
            "frames": len(frames_3d),
            "joints": [SKELETONS["h36m"].names[h] for h, _ in H36M_3D_SHARED],
            "pa_mpjpe_mm": float(np.mean([f["pa_mpjpe_mm"] for f in frames_3d])),
            "root_mpjpe_mm": float(np.mean([f["root_mpjpe_mm"] for f in frames_3d])),
            "per_frame": frames_3d,
        }
    return report


def evaluate_video(tracker, frames, fps: float = 30.0) -> dict:
    """Video mode over consecutive frames (no ground truth): poses, detector runs, hands."""
    tracker.reset()
    poses = detector_runs = hands_found = 0
    frame_ms = []
    for k, path in enumerate(frames):
        result = tracker.process(datasets.load_rgb(path), timestamp=k / fps)
        frame_ms.append(result.timings_ms["total"])
        poses += result.pose_landmarks is not None
        detector_runs += result.pose_detection is not None
        hands_found += (result.left_hand_landmarks is not None) + (
            result.right_hand_landmarks is not None)
    return {"frames": len(frames), "poses_returned": poses, "detector_runs": detector_runs,
            "hands_returned": hands_found,
            "mean_frame_ms": float(np.mean(frame_ms)) if frame_ms else None,
            "note": "no ground truth for these frames (test_posetrack18_val.json annotates "
                    "other videos); reported to exercise tracking and smoothing"}


def evaluate(model: str = "full", data_root: Path | None = None, threads: int = 1) -> dict:
    """The whole evaluation for one pose model; returns the JSON-ready report."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, not {model!r}")
    root = Path(data_root) if data_root is not None else default_data_root()
    if not root.is_dir():
        raise FileNotFoundError(f"evaluation fixtures not found at {root}")
    t0 = time.perf_counter()
    tracker = make_tracker(model, static=True, threads=threads)
    hand_tally = hand_scoring.new_tally()
    body = {}
    for name in BODY_DATASETS:
        samples = datasets.BODY_LOADERS[name](root)
        body[name] = evaluate_body(tracker, name, samples,
                                   hand_tally if name == "coco" else None)
    freihand = datasets.load_freihand(root)
    wholebody = hand_scoring.summarise(hand_tally)
    wholebody["model_check"] = hand_scoring.model_check(
        tracker.engine, hand_scoring.wholebody_hands(datasets.load_coco(root)), "annotation")
    report_hands = {
        "coco_wholebody": wholebody,
        "freihand": {
            "pipeline": hand_scoring.freihand_pipeline(tracker, freihand),
            "model_check": {
                kind: hand_scoring.model_check(
                    tracker.engine, hand_scoring.freihand_hands(freihand), kind)
                for kind in ("identity", "annotation")
            },
        },
    }
    tracker.close()
    video_tracker = make_tracker(model, static=False, threads=threads)
    video = {"posetrack18": evaluate_video(video_tracker, datasets.posetrack_frames(root))}
    video_tracker.close()
    all_ms = [d["mean_frame_ms"] * d["images"] for d in body.values()]
    return {
        "model": model,
        "data_root": str(root),
        "options": {"static_image_mode": True, "enable_hands": True,
                    "enable_body_model": False, "threads": threads},
        "datasets": body,
        "hands": report_hands,
        "video": video,
        "timing": {
            "mean_frame_ms_body_datasets": sum(all_ms) / sum(d["images"] for d in body.values()),
            "wall_seconds": time.perf_counter() - t0,
            "note": "informational; 2 shared cores, noisy",
        },
    }
