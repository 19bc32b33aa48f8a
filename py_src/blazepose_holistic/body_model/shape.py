"""Shape space: log segment-length factors.

beta is a vector of K log scale factors. Joint j's rest offset is multiplied by
``exp(beta @ JOINT_SHAPE[j])`` and landmark l's local offset by
``exp(beta @ LANDMARK_SHAPE[l])`` (see landmarks.py), so beta = 0 is the mean shape and
every component is a relative change (0.05 ~ 5 % longer). Component 0 scales everything
(stature); the others scale one group of segments on both sides.
"""
from __future__ import annotations

import numpy as np

from .skeleton import JOINT_NAMES, NUM_JOINTS

SHAPE_NAMES = (
    "height", "torso", "shoulder_width", "upper_arm", "forearm", "hip_width", "thigh", "shank",
    "hand", "head", "foot",
)
NUM_SHAPE = len(SHAPE_NAMES)

SHAPE_PRIOR_STD = np.array([0.08, 0.05, 0.06, 0.07, 0.07, 0.06, 0.07, 0.07, 0.08, 0.06, 0.1])
"""(K,) standard deviation of each beta component in the shape prior (zero-mean normal).
Wider than adult anthropometry (stature ~4 % sd) because BlazePose's metric scale and
proportions vary from photo to photo: its thigh and shank lengths on the fixtures vary by
+-10 % between quartiles, independently of each other (hence one factor per long bone),
and its feet and hands are the least stable."""

_GROUP_OF_SUFFIX = (
    ("Spine", "torso"), ("Spine1", "torso"), ("Spine2", "torso"), ("Neck", "torso"),
    ("Head", "head"),
    ("Shoulder", "shoulder_width"), ("Arm", "shoulder_width"),
    # A joint's offset is the length of its parent's bone: ForeArm's is the upper arm.
    ("ForeArm", "upper_arm"), ("Hand", "forearm"),
    ("UpLeg", "hip_width"), ("Leg", "thigh"), ("Foot", "shank"), ("ToeBase", "foot"),
)


def _joint_group(name: str):
    if "Hand" in name and name.rstrip("123") != name:
        return "hand"
    base = name.replace("Left", "").replace("Right", "")
    for suffix, group in _GROUP_OF_SUFFIX:
        if base == suffix:
            return group
    return None


def _joint_shape() -> np.ndarray:
    a = np.zeros((NUM_JOINTS, NUM_SHAPE))
    a[:, 0] = 1.0
    for j, name in enumerate(JOINT_NAMES):
        group = _joint_group(name)
        if group is not None:
            a[j, SHAPE_NAMES.index(group)] = 1.0
    return a


JOINT_SHAPE = _joint_shape()
"""(J, K) 0/1 matrix: which shape components scale each joint's rest offset."""


def shape_factors(beta: np.ndarray, loadings: np.ndarray) -> np.ndarray:
    """beta (..., K), loadings (N, K) -> (..., N) multiplicative length factors."""
    return np.exp(beta @ loadings.T)
