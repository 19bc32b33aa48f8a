"""The pose prior the lifter is trained on: (root, body pose, hand poses, shape) samples.

- Body pose: with probability ``mocap_fraction`` a retargeted CMU mocap frame (mirrored
  left/right half of the time, each joint jittered by a few degrees so the network does
  not memorise frames), otherwise every body joint uniform inside its limit box.
- Fingers: "plausible articulations": one grip level per hand, each finger curling around
  it, spread shrinking as fingers curl; a quarter of the hands uniform within the limits.
  CMU has no usable finger data (one flexion angle for all fingers).
- Root rotation: the lifter sees people through a camera, and people in camera images are
  mostly upright while facing any direction. So the heading is uniform on the circle, the
  camera's pitch and roll are normal (sd 15 and 8 degrees), applied on top of the mocap
  root orientation (which carries leaning, crouching, lying); uniform-limit bodies get an
  upright root with a normal 10-degree tilt. A fraction ``haar_fraction`` of roots is
  Haar-uniform on SO(3) instead, so that handstands and rotated images stay covered.
- Shape: independent normals with SHAPE_PRIOR_STD.
- Translation: the Hips position in the hip-centred landmark frame, a function of the
  above (the inputs are centred on the landmark hip midpoint, as MediaPipe's are).
"""
from __future__ import annotations

import numpy as np

from blazepose_holistic.body_model.kinematics import forward_kinematics, landmarks_from_pose
from blazepose_holistic.body_model.rotations import matrix_from_axis_angle, matrix_from_quaternion
from blazepose_holistic.body_model.shape import NUM_SHAPE, SHAPE_PRIOR_STD
from blazepose_holistic.body_model.skeleton import (
    BODY_JOINTS,
    LEFT_HAND_JOINTS,
    MIRROR_JOINTS,
    NUM_JOINTS,
    RIGHT_HAND_JOINTS,
)

from .limits import JOINT_LIMITS, rotation_from_swing_twist, sample_within_limits

_MIRROR = np.diag([-1.0, 1.0, 1.0])
_FLEX_AXIS = 2  # finger flexion is about z in the T-pose (towards the palm = negative, left)


def mirror_pose(local_rotations: np.ndarray) -> np.ndarray:
    """(..., J, 3, 3) -> the left/right mirror image of the pose (x -> -x)."""
    return _MIRROR @ local_rotations[..., MIRROR_JOINTS, :, :] @ _MIRROR


def _rotation_about(axis: int, angle: np.ndarray) -> np.ndarray:
    vec = np.zeros(angle.shape + (3,))
    vec[..., axis] = angle
    return matrix_from_axis_angle(vec)


def sample_root(rng, n: int, base: np.ndarray, haar_fraction: float) -> np.ndarray:
    """(n, 3, 3) root rotations: camera tilt @ heading @ base (n, 3, 3), or Haar-uniform."""
    heading = _rotation_about(1, rng.uniform(-np.pi, np.pi, n))
    pitch = _rotation_about(0, np.deg2rad(rng.normal(0.0, 15.0, n)))
    roll = _rotation_about(2, np.deg2rad(rng.normal(0.0, 8.0, n)))
    root = roll @ pitch @ heading @ base
    # Normalised 4D Gaussians are uniform on the unit quaternions, i.e. Haar on SO(3).
    haar = matrix_from_quaternion(rng.normal(size=(n, 4)))
    pick = rng.random(n) < haar_fraction
    return np.where(pick[:, None, None], haar, root)


def _finger_params(rng, n: int, joints: np.ndarray) -> np.ndarray:
    """(n, 15, 3) swing-twist degrees for one hand's finger joints (thumb..pinky, 1..3)."""
    box = JOINT_LIMITS[joints]
    lo, hi = box[..., 0], box[..., 1]
    flex_end = np.where(np.abs(lo[:, _FLEX_AXIS]) > np.abs(hi[:, _FLEX_AXIS]),
                        lo[:, _FLEX_AXIS], hi[:, _FLEX_AXIS])
    grip = rng.random((n, 1))
    curl = np.clip(grip + rng.normal(0.0, 0.2, (n, 5)), 0.0, 1.0)
    curl = np.repeat(curl, 3, axis=1) * np.clip(rng.normal(1.0, 0.15, (n, 15)), 0.0, 1.0)
    other = lo + (hi - lo) * rng.random((n, 15, 3))
    params = other * (1.0 - curl[..., None]) * 0.6
    params[..., _FLEX_AXIS] = curl * flex_end
    uniform = sample_within_limits(rng, n, joints)
    pick = rng.random(n) < 0.25
    return np.where(pick[:, None, None], uniform, params)


def sample_poses(rng, n: int, mocap: np.ndarray, mocap_fraction: float = 0.6,
                 haar_fraction: float = 0.1, jitter_deg: float = 4.0):
    """Draw n samples.

    mocap: (M, J, 3, 3) retarget() frames to draw from (M may be 0).
    Returns (local_rotations (n, J, 3, 3), beta (n, K)).
    """
    body = rotation_from_swing_twist(sample_within_limits(rng, n, BODY_JOINTS), BODY_JOINTS)
    tilt = matrix_from_axis_angle(np.deg2rad(rng.normal(0.0, 10.0, (n, 3))))
    local = np.broadcast_to(np.eye(3), (n, NUM_JOINTS, 3, 3)).copy()
    local[:, BODY_JOINTS] = body
    local[:, 0] = tilt
    if len(mocap):
        frames = mocap[rng.integers(0, len(mocap), n)]
        frames = np.where((rng.random(n) < 0.5)[:, None, None, None], mirror_pose(frames), frames)
        jitter = matrix_from_axis_angle(np.deg2rad(rng.normal(0.0, jitter_deg, (n, NUM_JOINTS, 3))))
        frames = frames @ jitter
        pick = rng.random(n) < mocap_fraction
        local = np.where(pick[:, None, None, None], frames, local)
    local[:, 0] = sample_root(rng, n, local[:, 0], haar_fraction)
    for joints in (LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS):
        local[:, joints] = rotation_from_swing_twist(_finger_params(rng, n, joints), joints)
    beta = rng.normal(size=(n, NUM_SHAPE)) * SHAPE_PRIOR_STD
    return local, beta


def pose_to_sample(local_rotations: np.ndarray, beta: np.ndarray):
    """Pose the model and centre it the way MediaPipe centres its world landmarks.

    local_rotations (n, J, 3, 3), beta (n, K) -> (landmarks (n, 75, 3) with the midpoint of
    landmarks 23/24 at the origin, root_translation (n, 3) = Hips in that frame), both in
    the model frame.
    """
    pos, glob = forward_kinematics(local_rotations, beta)
    points = landmarks_from_pose(pos, glob, beta)
    centre = 0.5 * (points[:, 23] + points[:, 24])
    return points - centre[:, None], -centre
