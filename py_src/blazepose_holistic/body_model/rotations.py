"""Rotation conversions: 6D <-> matrix <-> quaternion [x, y, z, w] <-> axis-angle.

All functions take arrays with any leading batch shape ``(...)`` and are vectorised.
Matrices act on column vectors (``v' = R @ v``). The 6D representation (Zhou et al. 2019,
"On the Continuity of Rotation Representations in Neural Networks") is the first two
columns of the matrix, concatenated: ``[R[:, 0], R[:, 1]]``; the training code in
build_scripts/lifter/torch_model.py uses the same layout.
"""
from __future__ import annotations

import numpy as np

_EPS = 1e-12


def _normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis; zero vectors stay finite (divided by eps)."""
    return v / np.maximum(np.sqrt(np.sum(v * v, axis=-1, keepdims=True)), _EPS)


_ROLL1 = [1, 2, 0]
_ROLL2 = [2, 0, 1]


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., 3) x (..., 3) -> (..., 3); np.cross has a large fixed cost per call, and the
    decode path calls this on tiny arrays."""
    return a[..., _ROLL1] * b[..., _ROLL2] - a[..., _ROLL2] * b[..., _ROLL1]


def matrix_from_6d(d6: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt on the two predicted columns."""
    a1 = d6[..., 0:3]
    a2 = d6[..., 3:6]
    b1 = _normalize(a1)
    b2 = _normalize(a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1)
    b3 = cross(b1, b2)
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


def _shepperd_table() -> np.ndarray:
    """(10, 16) linear map from [1, m00, m01, ..., m22] to the four candidate quaternions
    of Shepperd's method (each scaled by 4 times one of its components), rows x, y, z, w."""
    table = np.zeros((10, 4, 4))
    m = {(i, j): 1 + 3 * i + j for i in range(3) for j in range(3)}
    diag_signs = ((1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, 1, 1))
    for k, signs in enumerate(diag_signs):
        table[0, k, k] = 1.0
        for d, s in enumerate(signs):
            table[m[d, d], k, k] = s
    pairs = {  # (candidate, component): ((i, j), sign) terms
        (0, 1): (((0, 1), 1), ((1, 0), 1)), (0, 2): (((0, 2), 1), ((2, 0), 1)),
        (0, 3): (((2, 1), 1), ((1, 2), -1)), (1, 2): (((1, 2), 1), ((2, 1), 1)),
        (1, 3): (((0, 2), 1), ((2, 0), -1)), (2, 3): (((1, 0), 1), ((0, 1), -1)),
    }
    for (a, b), terms in pairs.items():
        for ij, s in terms:
            table[m[ij], a, b] = s
            table[m[ij], b, a] = s
    return table.reshape(10, 16)


_SHEPPERD = _shepperd_table()


def quaternion_from_matrix(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 4) [x, y, z, w] with w >= 0.

    Shepperd's method: of the four algebraically equal formulas, use per element the one
    whose divisor is largest, so no branch ever divides by a value near zero. All four
    candidates come from one matrix product with a constant table.
    """
    flat = m.reshape(m.shape[:-2] + (9,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    cand = (np.concatenate([ones, flat], axis=-1) @ _SHEPPERD).reshape(m.shape[:-2] + (4, 4))
    diag = cand[..., [0, 1, 2, 3], [0, 1, 2, 3]]
    best = np.argmax(diag, axis=-1)[..., None, None]
    q = _normalize(np.take_along_axis(cand, best, axis=-2)[..., 0, :])
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
    axis = cross(u, v)
    cos = np.sum(u * v, axis=-1, keepdims=True)
    # A perpendicular fallback axis for u ~ -v: cross with whichever basis vector is
    # least aligned with u.
    basis = np.eye(3)[np.argmin(np.abs(u), axis=-1)]
    perp = _normalize(cross(u, basis))
    opposite = cos < -1.0 + 1e-9
    q = np.concatenate([axis, 1.0 + cos], axis=-1)
    q = np.where(opposite, np.concatenate([perp, np.zeros_like(cos)], axis=-1), q)
    return matrix_from_quaternion(q)
