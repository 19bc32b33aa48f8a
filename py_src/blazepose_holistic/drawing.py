"""Annotated images: body and hand landmarks drawn over the frame (PIL, CPython only)."""
from __future__ import annotations

import numpy as np

from .results import HolisticResult

# MediaPipe's POSE_CONNECTIONS (body, without the face mesh) and HAND_CONNECTIONS.
POSE_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
HAND_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10),
    (10, 11), (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17),
    (17, 18), (18, 19), (19, 20),
)
# Person's left drawn warm, right cool, as MediaPipe's drawing styles do.
LEFT_COLOUR, RIGHT_COLOUR, CENTRE_COLOUR = (255, 138, 0), (0, 217, 231), (224, 224, 224)
_POSE_LEFT = {1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}
_POSE_RIGHT = {4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32}


def _side_colour(a: int, b: int):
    if a in _POSE_LEFT and b in _POSE_LEFT:
        return LEFT_COLOUR
    if a in _POSE_RIGHT and b in _POSE_RIGHT:
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def annotate(rgb: np.ndarray, result: HolisticResult, min_visibility: float = 0.5):
    """A PIL image of ``rgb`` with the result's pose, hands and ROIs drawn on it."""
    from PIL import Image, ImageDraw

    img = Image.fromarray(rgb).convert("RGB")
    draw = ImageDraw.Draw(img)
    w, h = img.size
    line = max(2, round(min(w, h) / 250))
    dot = line + 1
    if result.pose_landmarks is not None:
        pts = result.pose_landmarks[:, :2] * (w, h)
        vis = result.pose_landmarks[:, 3]
        for a, b in POSE_CONNECTIONS:
            if vis[a] >= min_visibility and vis[b] >= min_visibility:
                draw.line([tuple(pts[a]), tuple(pts[b])], fill=_side_colour(a, b), width=line)
        for i, (x, y) in enumerate(pts):
            if vis[i] >= min_visibility:
                draw.ellipse([x - dot, y - dot, x + dot, y + dot], fill=(255, 255, 255))
    for lm, colour in ((result.left_hand_landmarks, LEFT_COLOUR),
                       (result.right_hand_landmarks, RIGHT_COLOUR)):
        if lm is None:
            continue
        pts = lm[:, :2] * (w, h)
        for a, b in HAND_CONNECTIONS:
            draw.line([tuple(pts[a]), tuple(pts[b])], fill=colour, width=max(1, line - 1))
        for x, y in pts:
            draw.ellipse([x - dot + 1, y - dot + 1, x + dot - 1, y + dot - 1], fill=(255, 255, 255))
    return img
