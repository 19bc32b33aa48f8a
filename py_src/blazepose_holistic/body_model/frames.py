"""Conversion between MediaPipe's world-landmark frame and the body model's frame.

MediaPipe world landmarks: metres, origin at the hip midpoint, x to the image right, y
down, z away from the camera. Model frame: y up, a subject facing the camera faces +z,
the subject's left (image right for a subject facing the camera) is +x. The two differ by
a rotation of pi about x, i.e. y and z change sign; the map is its own inverse. In the
model frame the camera looks along -z with y up, like a default three.js camera.
"""
from __future__ import annotations

import numpy as np

MEDIAPIPE_TO_MODEL = np.diag([1.0, -1.0, -1.0])
"""(3, 3) rotation taking MediaPipe world coordinates to model coordinates (and back)."""


def mediapipe_to_model(points: np.ndarray) -> np.ndarray:
    """(..., 3) MediaPipe world coordinates -> (..., 3) model coordinates."""
    return points * np.array([1.0, -1.0, -1.0], dtype=points.dtype)


model_to_mediapipe = mediapipe_to_model
"""(..., 3) model coordinates -> (..., 3) MediaPipe world coordinates (same flip)."""
