"""Rotation conversions: 6D <-> matrix <-> quaternion [x, y, z, w] <-> axis-angle.

All functions take arrays with any leading batch shape ``(...)`` and are vectorised.
Matrices act on column vectors (``v' = R @ v``). The 6D representation (Zhou et al. 2019,
"On the Continuity of Rotation Representations in Neural Networks") is the first two
columns of the matrix, concatenated: ``[R[:, 0], R[:, 1]]``; the training code in
build_scripts/lifter_torch.py uses the same layout.
"""
from __future__ import annotations

import numpy as np

_EPS = 1e-12


def _normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis; zero vectors stay finite (divided by eps)."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)


def matrix_from_6d(d6: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt on the two predicted columns."""
    a1 = d6[..., 0:3]
    a2 = d6[..., 3:6]
    b1 = _normalize(a1)
    b2 = _normalize(a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1)
    b3 = np.cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-1)


def sixd_from_matrix(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 6): first column then second column."""
    return np.concatenate([m[..., :, 0], m[..., :, 1]], axis=-1)


def matrix_from_quaternion(q: np.ndarray) -> np.ndarray:
    """(..., 4) [x, y, z, w] -> (..., 3, 3); q need not be normalised."""
    q = _normalize(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz = x * y, x * z, y * z
    wx, wy, wz = w * x, w * y, w * z
    rows = [
        1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy),
        2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx),
        2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy),
    ]
    return np.stack(rows, axis=-1).reshape(q.shape[:-1] + (3, 3))


def quaternion_from_matrix(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 4) [x, y, z, w] with w >= 0.

    Shepperd's method: of the four algebraically equal formulas, use per element the one
    whose divisor is largest, so no branch ever divides by a value near zero.
    """
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    t = np.stack([
        1 + m00 - m11 - m22,
        1 - m00 + m11 - m22,
        1 - m00 - m11 + m22,
        1 + m00 + m11 + m22,
    ], axis=-1)
    cand = np.stack([
        np.stack([t[..., 0], m01 + m10, m02 + m20, m21 - m12], axis=-1),
        np.stack([m01 + m10, t[..., 1], m12 + m21, m02 - m20], axis=-1),
        np.stack([m02 + m20, m12 + m21, t[..., 2], m10 - m01], axis=-1),
        np.stack([m21 - m12, m02 - m20, m10 - m01, t[..., 3]], axis=-1),
    ], axis=-2)
    best = np.argmax(t, axis=-1)[..., None, None]
    q = np.take_along_axis(cand, best, axis=-2)[..., 0, :]
    q = _normalize(q)
    return np.where(q[..., 3:4] < 0, -q, q)


def quaternion_from_axis_angle(v: np.ndarray) -> np.ndarray:
    """(..., 3) rotation vectors (axis * angle, radians) -> (..., 4) [x, y, z, w]."""
    angle = np.linalg.norm(v, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(a/2)/a -> 1/2 as a -> 0; the Taylor term keeps it exact near zero.
    small = angle < 1e-6
    scale = np.where(small, 0.5 - angle * angle / 48.0, np.sin(half) / np.where(small, 1.0, angle))
    return np.concatenate([v * scale, np.cos(half)], axis=-1)


def axis_angle_from_quaternion(q: np.ndarray) -> np.ndarray:
    """(..., 4) [x, y, z, w] -> (..., 3) rotation vectors with angle in [0, pi]."""
    q = _normalize(q)
    q = np.where(q[..., 3:4] < 0, -q, q)
    s = np.linalg.norm(q[..., :3], axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., 3:4])
    small = s < 1e-8
    # angle/sin(angle/2) -> 2 as the angle -> 0.
    scale = np.where(small, 2.0, angle / np.where(small, 1.0, s))
    return q[..., :3] * scale


def matrix_from_axis_angle(v: np.ndarray) -> np.ndarray:
    """(..., 3) rotation vectors -> (..., 3, 3)."""
    return matrix_from_quaternion(quaternion_from_axis_angle(v))


def axis_angle_from_matrix(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) rotation vectors with angle in [0, pi]."""
    return axis_angle_from_quaternion(quaternion_from_matrix(m))


def geodesic_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., 3, 3), (..., 3, 3) -> (...,) angle in radians of the rotation a^T b."""
    trace = np.einsum("...ij,...ij->...", a, b)
    return np.arccos(np.clip(0.5 * (trace - 1.0), -1.0, 1.0))


def rotation_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(..., 3), (..., 3) -> (..., 3, 3): the smallest rotation taking direction u to v.

    For opposite directions the rotation is pi about an axis perpendicular to u.
    """
    u = _normalize(u)
    v = _normalize(v)
    axis = np.cross(u, v)
    cos = np.sum(u * v, axis=-1, keepdims=True)
    # A perpendicular fallback axis for u ~ -v: cross with whichever basis vector is
    # least aligned with u.
    basis = np.eye(3)[np.argmin(np.abs(u), axis=-1)]
    perp = _normalize(np.cross(u, basis))
    opposite = cos < -1.0 + 1e-9
    q = np.concatenate([axis, 1.0 + cos], axis=-1)
    q = np.where(opposite, np.concatenate([perp, np.zeros_like(cos)], axis=-1), q)
    return matrix_from_quaternion(q)
