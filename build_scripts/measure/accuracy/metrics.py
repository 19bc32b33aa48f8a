"""Scores: PCK, hand box size, Procrustes-aligned and root-aligned MPJPE."""

from __future__ import annotations

import numpy as np

PCK_ALPHA = 0.2


def normalised_errors(pred: np.ndarray, gt: np.ndarray, scale: float) -> np.ndarray:
    """pred, gt: (J, 2) pixels -> (J,) distance / scale (NaN where pred is NaN)."""
    return np.linalg.norm(np.asarray(pred, float) - np.asarray(gt, float), axis=-1) / scale


def pck_hits(errors: np.ndarray, mask: np.ndarray, alpha: float = PCK_ALPHA) -> np.ndarray:
    """errors: (J,) normalised distances; mask: (J,) joints that count. Returns (J,) bool,
    True where counted and within ``alpha``. A NaN prediction is a miss."""
    with np.errstate(invalid="ignore"):
        return np.asarray(mask, bool) & (np.nan_to_num(errors, nan=np.inf) <= alpha)


def hand_box_size(points: np.ndarray, annotated: np.ndarray) -> float:
    """Hand PCK scale: the longer side (pixels) of the bounding box of the annotated hand
    keypoints. points: (21, 2); annotated: (21,) bool."""
    pts = np.asarray(points, float)[np.asarray(annotated, bool)]
    if len(pts) < 2:
        return float("nan")
    return float((pts.max(axis=0) - pts.min(axis=0)).max())


def procrustes_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Similarity transform (rotation, uniform scale, translation) of pred (N, 3) that best
    fits gt (N, 3) in least squares (Umeyama 1991, reflections excluded). Returns the
    aligned pred (N, 3)."""
    pred = np.asarray(pred, float)
    gt = np.asarray(gt, float)
    mu_p, mu_g = pred.mean(axis=0), gt.mean(axis=0)
    p, g = pred - mu_p, gt - mu_g
    u, s, vt = np.linalg.svd(p.T @ g)
    d = np.sign(np.linalg.det(u @ vt))
    # A reflection would be a better fit for a mirrored skeleton; forbid it so a left/right
    # swap shows up as error instead of being aligned away.
    fix = np.diag([1.0, 1.0, d])
    rot = u @ fix @ vt  # maps row vectors: p @ rot
    scale = float((s * np.diag(fix)).sum() / (p ** 2).sum())
    return scale * p @ rot + mu_g


def mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean per-joint position error of (N, 3) arrays, in their unit."""
    return float(np.linalg.norm(np.asarray(pred) - np.asarray(gt), axis=-1).mean())


def pa_mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    """MPJPE after ``procrustes_align``."""
    return mpjpe(procrustes_align(pred, gt), gt)


def root_mpjpe(pred: np.ndarray, gt: np.ndarray, pred_root: np.ndarray,
               gt_root: np.ndarray) -> float:
    """MPJPE after translating both so their roots (3,) coincide; no rotation or scale."""
    return mpjpe(np.asarray(pred) - pred_root, np.asarray(gt) - gt_root)
