"""Accuracy figures for the lifter and its baseline (numpy)."""
from __future__ import annotations

import numpy as np

from blazepose_holistic.body_model.rotations import geodesic_angle
from blazepose_holistic.body_model.skeleton import (
    JOINT_GROUPS,
    JOINT_NAMES,
    LEFT_HAND_JOINTS,
    RIGHT_HAND_JOINTS,
)


def _summary(values: np.ndarray):
    return {
        "median": float(np.median(values)),
        "p90": float(np.percentile(values, 90)),
        "mean": float(np.mean(values)),
    }


def score(pred_local, pred_points, true_local, true_points, hand_present):
    """pred/true local rotations (N, J, 3, 3), points (N, 75, 3) metres (same frame),
    hand_present (N, 2) bool. Finger errors and hand points count only where the hand was
    given to the lifter. Returns a JSON-able dict: MPJPE in mm (all 75 points, the 33 pose
    points, the given hand points) and geodesic local-rotation error in degrees per group."""
    err = np.linalg.norm(pred_points - true_points, axis=-1) * 1000.0
    hand_mask = np.repeat(hand_present, 21, axis=1)
    point_mask = np.concatenate([np.ones((len(err), 33), dtype=bool), hand_mask], axis=1)
    angles = np.degrees(geodesic_angle(pred_local, true_local))
    out = {
        "mpjpe_mm": float(err[point_mask].mean()),
        "mpjpe_pose33_mm": float(err[:, :33].mean()),
        "mpjpe_hands_mm": float(err[:, 33:][hand_mask].mean()) if hand_mask.any() else None,
        "rotation_error_deg": {"root": _summary(angles[:, 0])},
    }
    body = np.concatenate([JOINT_GROUPS[g] for g in ("spine", "arms", "legs")])
    out["rotation_error_deg"]["body"] = _summary(angles[:, body])
    for group in ("spine", "arms", "legs"):
        out["rotation_error_deg"][group] = _summary(angles[:, JOINT_GROUPS[group]])
    fingers = np.concatenate([
        angles[:, LEFT_HAND_JOINTS][hand_present[:, 0]].ravel(),
        angles[:, RIGHT_HAND_JOINTS][hand_present[:, 1]].ravel()])
    out["rotation_error_deg"]["fingers"] = _summary(fingers) if fingers.size else None
    # Finger joints of hands that were not given are left out (their rows are NaN here).
    given = np.ones(angles.shape, dtype=bool)
    given[:, LEFT_HAND_JOINTS] = hand_present[:, :1]
    given[:, RIGHT_HAND_JOINTS] = hand_present[:, 1:]
    masked = np.where(given, angles, np.nan)
    out["per_joint_median_deg"] = {
        name: round(float(v), 2) for name, v in zip(JOINT_NAMES, np.nanmedian(masked, axis=0))
        if np.isfinite(v)}
    return out
