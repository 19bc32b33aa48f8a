"""Per-frame results: plain dataclasses that serialise to JSON-ready dicts.

Field names follow MediaPipe's Python solution (pose_landmarks, pose_world_landmarks,
left_hand_landmarks, ...); ``contract.RESULT_FIELDS`` lists them with their shapes and the
camelCase names the JavaScript API gives the same fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .contract import RESULT_FIELDS


def _rows(a: np.ndarray | None, digits: int = 6) -> list | None:
    if a is None:
        return None
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


@dataclass
class HolisticResult:
    """One frame: ``image_size`` (width, height) in pixels, ``timings_ms`` (stage ->
    milliseconds, filled by the driver), and the fields of ``contract.RESULT_FIELDS``
    (None when absent): pose_landmarks (33, 5), pose_world_landmarks (33, 5),
    pose_roi (5,), pose_detection (detection.Detection), segmentation_mask (h, w),
    left/right_hand_landmarks (21, 3), left/right_hand_world_landmarks (21, 3),
    left/right_hand_roi (5,), body_model (lifter.BodyModelResult).
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
        """A dict of lists/floats/None (the CLI's per-frame record, minus ``source``). The
        segmentation mask is left out: the CLI writes it as an image."""
        out: dict = {"image_size": [int(self.image_size[0]), int(self.image_size[1])]}
        for spec in RESULT_FIELDS:
            value = getattr(self, spec.name)
            if spec.kind == "mask":
                continue
            if spec.kind in ("detection", "body_model"):
                out[spec.name] = None if value is None else value.to_dict()
            else:
                out[spec.name] = _rows(value)
        out["timings_ms"] = {k: round(float(v), 3) for k, v in self.timings_ms.items()}
        return out
