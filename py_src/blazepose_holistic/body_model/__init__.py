"""An open articulated body model with the Mixamo skeleton, standing in for GHUM.

GHUM is not public, so the lifter predicts the parameters of this model instead: root
rotation and translation, shape beta (segment-length factors), and local joint rotations
of a 52-joint Mixamo-named skeleton, mapped to the 33 BlazePose + 2 x 21 hand landmarks.
Pure numpy (Python 3.8 / numpy 1.17 compatible) so it runs in Pyodide too.
"""
from __future__ import annotations

from .frames import MEDIAPIPE_TO_MODEL, mediapipe_to_model, model_to_mediapipe
from .kinematics import forward_kinematics, landmarks_from_pose, rest_pose
from .landmarks import (
    LANDMARK_JOINTS,
    LANDMARK_NAMES,
    LANDMARK_OFFSETS,
    NUM_LANDMARKS,
)
from .shape import NUM_SHAPE, SHAPE_NAMES, SHAPE_PRIOR_STD
from .skeleton import (
    BODY_JOINTS,
    JOINT_GROUPS,
    JOINT_INDEX,
    JOINT_NAMES,
    LEFT_HAND_JOINTS,
    NUM_JOINTS,
    PARENTS,
    REST_OFFSETS,
    RIGHT_HAND_JOINTS,
)

__all__ = [
    "BODY_JOINTS", "JOINT_GROUPS", "JOINT_INDEX", "JOINT_NAMES", "LANDMARK_JOINTS",
    "LANDMARK_NAMES", "LANDMARK_OFFSETS", "LEFT_HAND_JOINTS", "MEDIAPIPE_TO_MODEL",
    "NUM_JOINTS", "NUM_LANDMARKS", "NUM_SHAPE", "PARENTS", "REST_OFFSETS",
    "RIGHT_HAND_JOINTS", "SHAPE_NAMES", "SHAPE_PRIOR_STD", "forward_kinematics",
    "landmarks_from_pose", "mediapipe_to_model", "model_to_mediapipe", "rest_pose",
]
