"""The person mask: from the landmark model's ROI crop back onto the frame, and smoothed
across frames the way SegmentationSmoothingCalculator does (pose_landmark_cpu.pbtxt).

The mask comes back at most ``MAX_MASK_SIDE`` pixels on its long side, aligned with the whole
frame; scale it to the frame size to overlay it (a browser canvas does that for free).
"""
from __future__ import annotations

import numpy as np

from . import roi

MAX_MASK_SIDE = 512
# segmentation_smoothing_calculator.proto as configured in pose_landmark_cpu.pbtxt.
COMBINE_WITH_PREVIOUS_RATIO = 0.7
# Polynomial in (p - 0.5)^2 approximating the squared-entropy uncertainty of a mask value
# (segmentation_smoothing_calculator.cc).
_UNCERTAINTY_COEFFS = (5.68842, -0.748699, -57.8051, 291.309, -624.717)


def mask_size(image_size, max_side: int = MAX_MASK_SIDE):
    """(width, height) of the returned mask for a frame of ``image_size``."""
    w, h = (int(v) for v in image_size)
    scale = min(1.0, float(max_side) / max(w, h))
    return max(1, int(round(w * scale))), max(1, int(round(h * scale)))


def mask_to_image(mask, rect, image_size, max_side: int = MAX_MASK_SIDE) -> np.ndarray:
    """Crop-space probabilities (S, S) over ``rect`` -> (h, w) float32 over the frame.

    Bilinear, zero outside the ROI (MediaPipe's mask is also empty away from the person).
    """
    mask = np.asarray(mask, dtype=np.float32)
    size = mask.shape[0]
    w_img, h_img = (float(v) for v in image_size)
    out_w, out_h = mask_size(image_size, max_side)
    m = roi.crop_matrix(np.asarray(rect, dtype=np.float64), image_size, (size, size))
    inverse = np.linalg.inv(np.vstack([m, [0.0, 0.0, 1.0]]))[:2]
    xs = (np.arange(out_w) + 0.5) * (w_img / out_w)
    ys = (np.arange(out_h) + 0.5) * (h_img / out_h)
    # Crop pixel-index coordinates (pixel k's centre at k) of every output pixel.
    u = inverse[0, 0] * xs[None, :] + inverse[0, 1] * ys[:, None] + inverse[0, 2] - 0.5
    v = inverse[1, 0] * xs[None, :] + inverse[1, 1] * ys[:, None] + inverse[1, 2] - 0.5
    u0, v0 = np.floor(u), np.floor(v)
    fu, fv = u - u0, v - v0
    out = np.zeros((out_h, out_w), np.float32)
    for du, dv, weight in ((0, 0, (1 - fu) * (1 - fv)), (1, 0, fu * (1 - fv)),
                           (0, 1, (1 - fu) * fv), (1, 1, fu * fv)):
        uu, vv = u0 + du, v0 + dv
        inside = (uu >= 0) & (uu < size) & (vv >= 0) & (vv < size)
        ui = np.clip(uu, 0, size - 1).astype(np.intp)
        vi = np.clip(vv, 0, size - 1).astype(np.intp)
        out += (weight * inside * mask[vi, ui]).astype(np.float32)
    return out


def smooth_mask(previous: np.ndarray, current: np.ndarray,
                ratio: float = COMBINE_WITH_PREVIOUS_RATIO) -> np.ndarray:
    """Blend towards the previous mask where the current one is uncertain (near 0.5)."""
    t = current - 0.5
    x = t * t
    c1, c2, c3, c4, c5 = _UNCERTAINTY_COEFFS
    uncertainty = 1.0 - np.minimum(1.0, x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * c5)))))
    return (current + (previous - current) * (uncertainty * ratio)).astype(np.float32)
