"""Per-frame results: plain dataclasses that serialise to JSON-ready dicts.

Field names follow MediaPipe's Python solution (pose_landmarks, pose_world_landmarks,
left_hand_landmarks, ...); the JavaScript API exposes the same fields in camelCase.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _rows(a: np.ndarray | None, digits: int = 6) -> list | None:
    if a is None:
        return None
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


@dataclass
class HolisticResult:
    """One frame.

    image_size: (width, height) of the frame in pixels.
    pose_landmarks: (33, 5) [x, y, z, visibility, presence]; x, y normalised to the image,
        z in the same scale as x with the hip midpoint near 0 (MediaPipe's convention).
    pose_world_landmarks: (33, 3) metres, origin between the hips, y down.
    pose_roi: (5,) the rect the landmark model looked at [xc, yc, w, h, rotation].
    pose_detection: the detector's box/keypoints/score when it ran this frame, else None.
    segmentation_mask: (h, w) float32 person probability aligned with the whole frame, at
        most 512 px on its long side (scale it to the frame to overlay), when enabled.
    left/right_hand_landmarks: (21, 3) normalised like pose_landmarks; the person's left
        and right hands (Holistic names a hand by the pose wrist that seeded it).
    left/right_hand_world_landmarks: (21, 3) metres in the body's world frame, attached at
        the pose wrist.
    hand_rois: per side the rect the hand landmark model looked at, or None.
    body_model: the lifter's body-model parameters (lifter.BodyModelResult) or None.
    timings_ms: stage -> milliseconds, filled by the driver.
    """

    image_size: tuple
    pose_landmarks: np.ndarray | None = None
    pose_world_landmarks: np.ndarray | None = None
    pose_roi: np.ndarray | None = None
    pose_detection: Any | None = None
    segmentation_mask: np.ndarray | None = None
    left_hand_landmarks: np.ndarray | None = None
    right_hand_landmarks: np.ndarray | None = None
    left_hand_world_landmarks: np.ndarray | None = None
    right_hand_world_landmarks: np.ndarray | None = None
    left_hand_roi: np.ndarray | None = None
    right_hand_roi: np.ndarray | None = None
    body_model: Any | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        """A dict of lists/floats/None (the CLI's per-frame record, minus ``source``)."""
        out = {
            "image_size": [int(self.image_size[0]), int(self.image_size[1])],
            "pose_landmarks": _rows(self.pose_landmarks),
            "pose_world_landmarks": _rows(self.pose_world_landmarks),
            "pose_roi": _rows(self.pose_roi),
            "pose_detection": None if self.pose_detection is None
            else self.pose_detection.to_dict(),
            "left_hand_landmarks": _rows(self.left_hand_landmarks),
            "right_hand_landmarks": _rows(self.right_hand_landmarks),
            "left_hand_world_landmarks": _rows(self.left_hand_world_landmarks),
            "right_hand_world_landmarks": _rows(self.right_hand_world_landmarks),
            "left_hand_roi": _rows(self.left_hand_roi),
            "right_hand_roi": _rows(self.right_hand_roi),
            "body_model": None if self.body_model is None else self.body_model.to_dict(),
            "timings_ms": {k: round(float(v), 3) for k, v in self.timings_ms.items()},
        }
        return out
