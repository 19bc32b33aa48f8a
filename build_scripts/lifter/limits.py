"""Anatomical joint limits, as boxes in a swing-twist parameterisation.

A joint's local rotation is written ``R = exp(swing) @ exp(twist)``: first a twist about the
bone's own rest axis (TWIST_AXIS), then a swing whose rotation vector is perpendicular to
that axis. JOINT_LIMITS[j] holds, per model axis x/y/z, the range in degrees of that
component: on the twist axis the twist angle, on the other two the swing's rotation-vector
components. The ranges are approximate textbook ranges of motion (AAOS normal values),
mapped onto the T-pose frame; the pose prior samples inside them and the forward
kinematics does not enforce them.

Sign conventions in the T-pose (left side; the right side mirrors: y and z ranges negate):
spine/neck +x bends forward; left arm +z raises it, -y swings it forward; left elbow
flexion is -y; wrist/finger flexion (towards the palm) is -z; hip flexion is -x, left hip
abduction +z; knee flexion +x; ankle plantar flexion +x.
"""
from __future__ import annotations

import numpy as np

from blazepose_holistic.body_model.rotations import matrix_from_axis_angle
from blazepose_holistic.body_model.skeleton import JOINT_NAMES, NUM_JOINTS

# name without side: (twist axis, ((x lo, x hi), (y lo, y hi), (z lo, z hi))) for the left side.
_LEFT_LIMITS = {
    # The root is unconstrained; the pose prior samples it separately.
    "Hips": (1, ((-180, 180), (-180, 180), (-180, 180))),
    "Spine": (1, ((-10, 30), (-15, 15), (-12, 12))),
    "Spine1": (1, ((-10, 30), (-15, 15), (-12, 12))),
    "Spine2": (1, ((-10, 25), (-15, 15), (-10, 10))),
    "Neck": (1, ((-25, 35), (-35, 35), (-20, 20))),
    "Head": (1, ((-25, 30), (-40, 40), (-20, 20))),
    "Shoulder": (0, ((-10, 10), (-25, 15), (-10, 30))),
    "Arm": (0, ((-60, 60), (-100, 40), (-95, 80))),
    "ForeArm": (0, ((-80, 80), (-145, 0), (-5, 5))),
    "Hand": (0, ((-10, 10), (-20, 30), (-70, 60))),
    "HandThumb1": (0, ((-30, 30), (-45, 20), (-40, 25))),
    "HandThumb2": (0, ((-5, 5), (-10, 10), (-50, 10))),
    "HandThumb3": (0, ((-5, 5), (-5, 5), (-80, 10))),
    "UpLeg": (1, ((-120, 30), (-40, 40), (-30, 45))),
    "Leg": (1, ((0, 150), (-10, 10), (-3, 3))),
    "Foot": (2, ((-25, 45), (-20, 20), (-25, 20))),
    "ToeBase": (2, ((-50, 30), (-5, 5), (-5, 5))),
}
_FINGER_LIMITS = {
    1: (0, ((-5, 5), (-20, 20), (-90, 20))),
    2: (0, ((-3, 3), (-3, 3), (-105, 0))),
    3: (0, ((-3, 3), (-3, 3), (-80, 0))),
}


def _limits_for(name: str):
    base = name.replace("Left", "").replace("Right", "")
    if base in _LEFT_LIMITS:
        axis, box = _LEFT_LIMITS[base]
    else:
        axis, box = _FINGER_LIMITS[int(base[-1])]
    box = np.array(box, dtype=np.float64)
    if name.startswith("Right"):
        box[1:] = -box[1:, ::-1]
    return axis, box


def _build():
    axes = np.zeros(NUM_JOINTS, dtype=np.int64)
    boxes = np.zeros((NUM_JOINTS, 3, 2))
    for j, name in enumerate(JOINT_NAMES):
        axes[j], boxes[j] = _limits_for(name)
    return axes, boxes


TWIST_AXIS, JOINT_LIMITS = _build()
"""TWIST_AXIS: (J,) model axis (0 x, 1 y, 2 z) along each bone at rest.
JOINT_LIMITS: (J, 3, 2) degrees, see the module docstring."""


def rotation_from_swing_twist(params: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """params (..., N, 3) degrees in the JOINT_LIMITS layout for joints (N,) ->
    (..., N, 3, 3) local rotations."""
    rad = np.deg2rad(params)
    on_axis = np.eye(3)[TWIST_AXIS[joints]]
    twist = rad * on_axis
    swing = rad * (1.0 - on_axis)
    return matrix_from_axis_angle(swing) @ matrix_from_axis_angle(twist)


def sample_within_limits(rng, batch: int, joints: np.ndarray) -> np.ndarray:
    """Uniform samples in the limit boxes: (batch, N, 3) degrees for joints (N,)."""
    lo = JOINT_LIMITS[joints, :, 0]
    hi = JOINT_LIMITS[joints, :, 1]
    return lo + (hi - lo) * rng.random((batch,) + lo.shape)

