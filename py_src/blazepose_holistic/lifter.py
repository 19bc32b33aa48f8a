"""Input and output maths of the body-model lifter (models/lifter.onnx); no inference here.

The lifter is an MLP-Mixer that maps the 75 holistic world landmarks (33 pose + 21 left
hand + 21 right hand, hands attached at the pose wrists) to the parameters of the open body
model in ``body_model`` (the paper's section 4 with our model standing in for GHUM).

Frames: the caller passes MediaPipe world coordinates (metres, origin at the hip midpoint,
x image right, y down, z away from the camera). The network works in the model frame (y up,
z towards the camera, subject's left at +x). The result's rotations and root translation are
in the model frame; its ``landmarks`` are back in MediaPipe's world frame.

Missing hands: a hand is missing when ``hand_mask`` says so or, without a mask, when any of
its 21 rows is not finite (NaN). A missing hand's 21 points are replaced by the pose wrist
point (landmark 15 left, 16 right) and the ``hand_present`` input tells the network; it then
predicts that hand's fingers from the prior (a relaxed mean pose).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body_model.frames import mediapipe_to_model, model_to_mediapipe
from .body_model.kinematics import forward_kinematics, landmarks_from_pose, local_from_global
from .body_model.rotations import matrix_from_6d, quaternion_from_matrix
from .body_model.skeleton import (
    BODY_JOINTS,
    JOINT_NAMES,
    LEFT_HAND_JOINTS,
    NUM_JOINTS,
    RIGHT_HAND_JOINTS,
)

INPUT_POINTS = "points"
"""(N, 75, 3) float32: hip-centred landmarks in the model frame, missing hands substituted."""
INPUT_HAND_PRESENT = "hand_present"
"""(N, 2) float32: 1.0 where the left / right hand's 21 points are real, else 0.0."""
OUTPUT_NAMES = ("root_6d", "translation", "beta", "body_global_6d", "left_hand_global_6d",
                "right_hand_global_6d")
"""ONNX outputs: root_6d (N, 6), translation (N, 3), beta (N, K), body_global_6d (N, 21, 6),
left_hand_global_6d (N, 15, 6), right_hand_global_6d (N, 15, 6). 6D = first two matrix
columns. Joint rotations are predicted as global orientations in the model frame (a bone's
orientation is what the points show directly; a local rotation is a product of two such
orientations, which an MLP learns far more slowly); decoding converts them to local."""

_HAND_ROWS = (np.arange(33, 54), np.arange(54, 75))
_WRIST_ROWS = (15, 16)
_HIP_ROWS = (23, 24)


@dataclass
class BodyModelResult:
    """One frame of body-model parameters.

    beta: (K,) shape (log segment-length factors, body_model.shape.SHAPE_NAMES).
    root_rotation: (4,) quaternion [x, y, z, w] of Hips in the model frame (y up).
    root_translation: (3,) Hips position in metres, model frame, relative to the landmark
        hip midpoint.
    joint_rotations: (J, 4) per joint local quaternion [x, y, z, w] relative to the rest
        pose, in the parent's frame; row 0 (Hips) equals root_rotation.
    landmarks: (75, 3) the model's reconstruction of the input points, MediaPipe world frame.
    """

    beta: np.ndarray
    root_rotation: np.ndarray
    root_translation: np.ndarray
    joint_rotations: np.ndarray
    landmarks: np.ndarray
    joint_names = JOINT_NAMES

    def to_dict(self) -> dict[str, object]:
        """Plain lists, for JSON."""
        return {
            "beta": self.beta.tolist(),
            "root_rotation": self.root_rotation.tolist(),
            "root_translation": self.root_translation.tolist(),
            "joint_names": list(JOINT_NAMES),
            "joint_rotations": self.joint_rotations.tolist(),
            "landmarks": self.landmarks.tolist(),
        }


def substitute_missing_hands(points: np.ndarray, hand_present: np.ndarray) -> np.ndarray:
    """points (N, 75, 3), hand_present (N, 2) bool -> copy with each missing hand's 21 rows
    set to its pose wrist point. Used identically at training and inference time."""
    out = np.array(points, dtype=np.float32)
    for side in (0, 1):
        missing = ~hand_present[:, side]
        wrist = out[:, _WRIST_ROWS[side]][:, None, :]
        rows = _HAND_ROWS[side]
        out[:, rows] = np.where(missing[:, None, None], wrist, out[:, rows])
    return out


def prepare_input(points75: np.ndarray, hand_mask: np.ndarray | None = None):
    """points75 (75, 3) MediaPipe world landmarks (pose 0-32, left hand 33-53, right hand
    54-74; missing hand rows may be NaN); hand_mask (2,) bool, True = hand present, or None
    to infer it from NaN rows. Returns {input name: float32 array with batch dimension 1}."""
    points = np.asarray(points75, dtype=np.float64)
    if points.shape != (75, 3):
        raise ValueError(f"expected (75, 3) points, got {points.shape}")
    finite = np.isfinite(points).all(axis=1)
    if not finite[:33].all():
        raise ValueError("the 33 pose landmarks must be finite")
    if hand_mask is None:
        present = np.array([finite[rows].all() for rows in _HAND_ROWS])
    else:
        present = np.asarray(hand_mask, dtype=bool).reshape(2)
        for side in (0, 1):
            if present[side] and not finite[_HAND_ROWS[side]].all():
                raise ValueError(f"hand {side} is marked present but has non-finite rows")
    model = mediapipe_to_model(np.where(finite[:, None], points, 0.0))
    model = model - 0.5 * (model[_HIP_ROWS[0]] + model[_HIP_ROWS[1]])
    model = substitute_missing_hands(model[None], present[None])
    return {
        INPUT_POINTS: model.astype(np.float32),
        INPUT_HAND_PRESENT: present[None].astype(np.float32),
    }


def _joint_order_inverse() -> np.ndarray:
    order = np.concatenate([[0], BODY_JOINTS, LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS])
    inverse = np.empty(NUM_JOINTS, dtype=np.int64)
    inverse[order] = np.arange(NUM_JOINTS)
    return inverse


# Row of each joint in the concatenation [root, body, left hand, right hand] of the outputs.
_OUTPUT_ROW_OF_JOINT = _joint_order_inverse()


def local_rotations_from_outputs(outputs: dict[str, np.ndarray]) -> np.ndarray:
    """ONNX outputs with batch N -> (N, J, 3, 3) local rotations (row 0 = root)."""
    parts = np.concatenate([
        np.asarray(outputs["root_6d"])[:, None], np.asarray(outputs["body_global_6d"]),
        np.asarray(outputs["left_hand_global_6d"]),
        np.asarray(outputs["right_hand_global_6d"])], axis=1)
    return local_from_global(matrix_from_6d(parts[:, _OUTPUT_ROW_OF_JOINT].astype(np.float64)))


def reconstruct(local_rotations: np.ndarray, beta: np.ndarray, translation: np.ndarray):
    """(N, J, 3, 3), (N, K), (N, 3) -> (N, 75, 3) landmarks in the model frame."""
    pos, glob = forward_kinematics(local_rotations, beta, translation)
    return landmarks_from_pose(pos, glob, beta)


def decode_output(outputs: dict[str, np.ndarray]) -> BodyModelResult:
    """ONNX outputs of one frame (batch 1) -> BodyModelResult (rotations, reconstruction)."""
    local = local_rotations_from_outputs(outputs)
    beta = np.asarray(outputs["beta"], dtype=np.float64)
    translation = np.asarray(outputs["translation"], dtype=np.float64)
    points = reconstruct(local, beta, translation)
    quats = quaternion_from_matrix(local[0])
    return BodyModelResult(
        beta=beta[0],
        root_rotation=quats[0],
        root_translation=translation[0],
        joint_rotations=quats,
        landmarks=model_to_mediapipe(points[0]),
    )
