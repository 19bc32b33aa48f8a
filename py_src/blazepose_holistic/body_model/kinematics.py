"""Vectorised forward kinematics of the body model and its landmark map.

Global transforms are composed by pointer jumping: every joint holds the product of the
transforms between an ancestor and itself, and each step multiplies in its ancestor's
product and jumps to that ancestor's ancestor. Depth 10 needs 4 steps, so posing costs a
dozen numpy calls whatever the batch size (one call per tree level would take ~70), which is
what keeps one-frame decoding well under a millisecond in CPython and Pyodide.
"""
from __future__ import annotations

import numpy as np

from .landmarks import LANDMARK_JOINTS, LANDMARK_OFFSETS, LANDMARK_SHAPE
from .shape import JOINT_SHAPE, NUM_SHAPE, shape_factors
from .skeleton import NUM_JOINTS, PARENTS, REST_OFFSETS


def _jump_steps():
    """Ancestor index arrays for each pointer-jumping step; index NUM_JOINTS is an extra
    identity transform that stands above the root."""
    anc = np.append(PARENTS, NUM_JOINTS)
    anc[anc < 0] = NUM_JOINTS
    steps = []
    while (anc[:NUM_JOINTS] != NUM_JOINTS).any():
        steps.append(anc)
        anc = anc[anc]
    return tuple(steps)


_JUMP_STEPS = _jump_steps()


def _beta_or_zero(beta, batch_shape):
    if beta is None:
        return np.zeros(batch_shape + (NUM_SHAPE,))
    return np.broadcast_to(beta, batch_shape + (NUM_SHAPE,))


def forward_kinematics(local_rotations: np.ndarray, beta=None, root_translation=None):
    """Pose the skeleton.

    local_rotations: (B, J, 3, 3) rotation of each joint relative to its rest orientation,
        in its parent's frame; entry 0 (Hips) is the root rotation in the model frame.
    beta: (B, K) shape, or None for the mean shape.
    root_translation: (B, 3) position of Hips, or None for the origin.
    Returns (positions (B, J, 3), global_rotations (B, J, 3, 3)).
    """
    batch = local_rotations.shape[:-3]
    offsets = REST_OFFSETS * shape_factors(_beta_or_zero(beta, batch), JOINT_SHAPE)[..., None]
    if root_translation is not None:
        offsets[..., 0, :] = root_translation
    transforms = np.zeros(batch + (NUM_JOINTS + 1, 4, 4), dtype=local_rotations.dtype)
    transforms[..., :NUM_JOINTS, :3, :3] = local_rotations
    transforms[..., :NUM_JOINTS, :3, 3] = offsets
    transforms[..., :, 3, 3] = 1.0
    transforms[..., NUM_JOINTS, :3, :3] = np.eye(3)
    for anc in _JUMP_STEPS:
        transforms = transforms[..., anc, :, :] @ transforms
    return transforms[..., :NUM_JOINTS, :3, 3], transforms[..., :NUM_JOINTS, :3, :3]


def local_from_global(global_rotations: np.ndarray) -> np.ndarray:
    """(..., J, 3, 3) global rotations -> (..., J, 3, 3) local: G_parent^T @ G (root kept)."""
    local = np.empty_like(global_rotations)
    local[..., 0, :, :] = global_rotations[..., 0, :, :]
    local[..., 1:, :, :] = np.swapaxes(
        global_rotations[..., PARENTS[1:], :, :], -1, -2) @ global_rotations[..., 1:, :, :]
    return local


def landmarks_from_pose(positions: np.ndarray, global_rotations: np.ndarray, beta=None):
    """positions (B, J, 3), global_rotations (B, J, 3, 3), beta (B, K) or None ->
    (B, 75, 3) landmarks in the same frame as the positions."""
    batch = positions.shape[:-2]
    scale = shape_factors(_beta_or_zero(beta, batch), LANDMARK_SHAPE)[..., None]
    local = LANDMARK_OFFSETS * scale
    return positions[..., LANDMARK_JOINTS, :] + (
        global_rotations[..., LANDMARK_JOINTS, :, :] @ local[..., None])[..., 0]


def rest_pose(beta=None):
    """Joint positions (J, 3) and landmarks (75, 3) of the T-pose (Hips at the origin)."""
    rot = np.broadcast_to(np.eye(3), (1, NUM_JOINTS, 3, 3))
    b = None if beta is None else np.asarray(beta)[None]
    pos, glob = forward_kinematics(rot, b)
    return pos[0], landmarks_from_pose(pos, glob, b)[0]
