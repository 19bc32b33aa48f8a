"""Vectorised forward kinematics of the body model and its landmark map.

Joints are posed one depth level at a time (11 levels), so the cost is a handful of
batched numpy operations whatever the batch size.
"""
from __future__ import annotations

import numpy as np

from .landmarks import LANDMARK_JOINTS, LANDMARK_OFFSETS, LANDMARK_SHAPE
from .shape import JOINT_SHAPE, NUM_SHAPE, shape_factors
from .skeleton import LEVELS, NUM_JOINTS, PARENTS, REST_OFFSETS


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
    glob = np.empty(batch + (NUM_JOINTS, 3, 3), dtype=local_rotations.dtype)
    pos = np.empty(batch + (NUM_JOINTS, 3), dtype=local_rotations.dtype)
    glob[..., 0, :, :] = local_rotations[..., 0, :, :]
    pos[..., 0, :] = 0.0 if root_translation is None else root_translation
    for level in LEVELS:
        parent = PARENTS[level]
        g_parent = glob[..., parent, :, :]
        glob[..., level, :, :] = g_parent @ local_rotations[..., level, :, :]
        pos[..., level, :] = pos[..., parent, :] + np.einsum(
            "...ij,...j->...i", g_parent, offsets[..., level, :])
    return pos, glob


def landmarks_from_pose(positions: np.ndarray, global_rotations: np.ndarray, beta=None):
    """positions (B, J, 3), global_rotations (B, J, 3, 3), beta (B, K) or None ->
    (B, 75, 3) landmarks in the same frame as the positions."""
    batch = positions.shape[:-2]
    scale = shape_factors(_beta_or_zero(beta, batch), LANDMARK_SHAPE)[..., None]
    local = LANDMARK_OFFSETS * scale
    return positions[..., LANDMARK_JOINTS, :] + np.einsum(
        "...ij,...j->...i", global_rotations[..., LANDMARK_JOINTS, :, :], local)


def rest_pose(beta=None):
    """Joint positions (J, 3) and landmarks (75, 3) of the T-pose (Hips at the origin)."""
    rot = np.broadcast_to(np.eye(3), (1, NUM_JOINTS, 3, 3))
    b = None if beta is None else np.asarray(beta)[None]
    pos, glob = forward_kinematics(rot, b)
    return pos[0], landmarks_from_pose(pos, glob, b)[0]
