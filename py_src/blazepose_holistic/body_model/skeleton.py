"""The skeleton: Mixamo joint names and hierarchy, and the T-pose rest pose.

Frame of the body model ("model frame"): metres, y up, the subject faces +z and the
subject's left is +x (the orientation of a Mixamo character in three.js). Every joint's rest
orientation is the identity, so a joint's local rotation is directly its rotation relative
to the rest pose, expressed in the parent's (rest-aligned) frame.

The rest pose is a T-pose, palms down, with the Hips joint at the origin. Its proportions
are BlazePose's, not an anatomy table's: the segment lengths, palm and finger lengths were
measured on the pipeline's own world landmarks of the fixture photos of the calibration
split (build_scripts/lifter/calibrate_landmarks.py, numbers in docs/lifter.md), because those are the
inputs the lifter sees. BlazePose's metric skeleton is smaller than a 1.75 m adult's
(limbs ~0.83x, shoulders narrower, hips wider); what was not measurable (spine split,
neck, head joint, clavicle) keeps anatomical proportions. Right-side offsets mirror the
left ones (x negated).
"""
from __future__ import annotations

import numpy as np

_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Pinky")

# (name without side prefix, parent name without side prefix or None for the spine joint,
#  left-side rest offset from the parent in metres).
_SPINE = (
    ("Hips", None, (0.0, 0.0, 0.0)),
    ("Spine", "Hips", (0.0, 0.09, 0.0)),
    ("Spine1", "Spine", (0.0, 0.11, 0.0)),
    ("Spine2", "Spine1", (0.0, 0.12, 0.0)),
    ("Neck", "Spine2", (0.0, 0.17, 0.0)),
    ("Head", "Neck", (0.0, 0.09, 0.01)),
)
_ARM = (
    ("Shoulder", "Spine2", (0.035, 0.10, 0.0)),
    ("Arm", "Shoulder", (0.122, 0.0, 0.0)),
    ("ForeArm", "Arm", (0.232, 0.0, 0.0)),
    ("Hand", "ForeArm", (0.236, 0.0, 0.0)),
)
# Per finger: offsets of joint 1 from the wrist, joint 2 from joint 1, joint 3 from joint 2.
# Palm down, so the thumb side is +z (forward) on both hands.
_FINGER_OFFSETS = {
    "Thumb": ((0.026, -0.008, 0.024), (0.0258, -0.004, 0.0176), (0.0287, 0.0, 0.0092)),
    "Index": ((0.091, 0.0, 0.024), (0.0248, 0.0, 0.0), (0.0207, 0.0, 0.0)),
    "Middle": ((0.089, 0.0, 0.006), (0.0304, 0.0, 0.0), (0.0202, 0.0, 0.0)),
    "Ring": ((0.086, 0.0, -0.01), (0.022, 0.0, 0.0), (0.0204, 0.0, 0.0)),
    "Pinky": ((0.07, 0.0, -0.025), (0.0176, 0.0, 0.0), (0.0178, 0.0, 0.0)),
}
_LEG = (
    ("UpLeg", "Hips", (0.09, -0.06, 0.0)),
    ("Leg", "UpLeg", (0.0, -0.348, 0.0)),
    ("Foot", "Leg", (0.0, -0.374, 0.0)),
    ("ToeBase", "Foot", (0.0, -0.044, 0.107)),
)


def _side_chain():
    """(name, parent, offset) rows for the left arm, hand and leg; right rows mirror them."""
    arm = [(n, p, o) for n, p, o in _ARM]
    fingers = []
    for finger in _FINGERS:
        parent = "Hand"
        for k, offset in enumerate(_FINGER_OFFSETS[finger]):
            name = f"Hand{finger}{k + 1}"
            fingers.append((name, parent, offset))
            parent = name
    return arm + fingers, list(_LEG)


def _build():
    names, parents, offsets = [], [], []
    index = {}

    def add(name, parent, offset):
        index[name] = len(names)
        names.append(name)
        parents.append(-1 if parent is None else index[parent])
        offsets.append(offset)

    for name, parent, offset in _SPINE:
        add(name, parent, offset)
    upper, legs = _side_chain()
    for chain in (upper, legs):
        for side, sign in (("Left", 1.0), ("Right", -1.0)):
            for name, parent, (x, y, z) in chain:
                full_parent = parent if parent in ("Spine2", "Hips") else side + parent
                add(side + name, full_parent, (sign * x, y, z))
    return tuple(names), np.array(parents), np.array(offsets, dtype=np.float64)


JOINT_NAMES, PARENTS, REST_OFFSETS = _build()
"""JOINT_NAMES: tuple of J=52 Mixamo names (without the "mixamorig:" prefix), parents first.
PARENTS: (J,) int, -1 for Hips. REST_OFFSETS: (J, 3) rest offset of each joint from its
parent in metres (model frame); Hips' offset is zero (the root sits at the origin)."""

NUM_JOINTS = len(JOINT_NAMES)
JOINT_INDEX = {name: i for i, name in enumerate(JOINT_NAMES)}


def _indices(names):
    return np.array([JOINT_INDEX[n] for n in names], dtype=np.int64)


_FINGER_JOINTS = [f"Hand{f}{k}" for f in _FINGERS for k in (1, 2, 3)]
LEFT_HAND_JOINTS = _indices(["Left" + n for n in _FINGER_JOINTS])
"""(15,) finger joints of the left hand, thumb to pinky, base to tip (theta_left_hand)."""
RIGHT_HAND_JOINTS = _indices(["Right" + n for n in _FINGER_JOINTS])
"""(15,) finger joints of the right hand, same order (theta_right_hand)."""
BODY_JOINTS = np.array(
    [j for j in range(1, NUM_JOINTS)
     if j not in set(LEFT_HAND_JOINTS.tolist()) | set(RIGHT_HAND_JOINTS.tolist())],
    dtype=np.int64,
)
"""(21,) all joints except Hips and the fingers (theta_body); wrists belong to the body."""

MIRROR_JOINTS = _indices([
    n.replace("Left", "#").replace("Right", "Left").replace("#", "Right") for n in JOINT_NAMES
])
"""(J,) index of each joint's left/right mirror image (itself on the spine)."""

JOINT_GROUPS = {
    "spine": _indices(["Spine", "Spine1", "Spine2", "Neck", "Head"]),
    "arms": _indices([s + n for s in ("Left", "Right")
                      for n in ("Shoulder", "Arm", "ForeArm", "Hand")]),
    "legs": _indices([s + n for s in ("Left", "Right")
                      for n in ("UpLeg", "Leg", "Foot", "ToeBase")]),
    "fingers": np.concatenate([LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS]),
}
"""Joint groups used to report rotation errors (Hips is reported separately as the root)."""


def _levels():
    depth = np.zeros(NUM_JOINTS, dtype=np.int64)
    for j in range(1, NUM_JOINTS):
        depth[j] = depth[PARENTS[j]] + 1
    return tuple(np.nonzero(depth == d)[0] for d in range(1, int(depth.max()) + 1))


LEVELS = _levels()
"""Joints grouped by depth below Hips; forward kinematics processes one level per step."""
