"""Validation of incoming frames: a clear error naming the problem, never a crash later.

The pipeline needs an RGB(A) uint8 image of shape (H, W, 3|4). Everything else is either
converted when the meaning is unambiguous (grayscale, BGR with ``bgr=True``, float images
in [0, 1]) or refused with ``FrameError``.
"""
from __future__ import annotations

import numpy as np

# Frames larger than this are refused: at 8 bytes a pixel of working memory in the worst
# stage it keeps a frame under ~1.3 GB, and no camera or video we target comes close.
MAX_PIXELS = 40_000_000
MAX_SIDE = 16_384


class FrameError(ValueError):
    """The frame cannot be processed; the message says why."""


def as_rgb_frame(image, bgr: bool = False) -> np.ndarray:
    """(H, W, 3|4) uint8, C-contiguous, from any array the caller may reasonably pass.

    - uint8 (H, W) grayscale -> replicated to RGB;
    - (H, W, 3|4) uint8 -> as is (``bgr=True`` swaps B and R);
    - float arrays must lie in [0, 1] and be finite; they are scaled to uint8.
    """
    if not isinstance(image, np.ndarray):
        raise FrameError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 2:
        image = image[:, :, None].repeat(3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise FrameError(f"expected an (H, W, 3) RGB or (H, W, 4) RGBA image, got shape {image.shape}")
    if image.shape[2] == 1:
        image = image.repeat(3, axis=2)
    h, w = image.shape[:2]
    if h == 0 or w == 0:
        raise FrameError(f"empty image ({w}x{h})")
    if h > MAX_SIDE or w > MAX_SIDE or h * w > MAX_PIXELS:
        raise FrameError(
            f"image of {w}x{h} is too large (at most {MAX_SIDE} px a side and "
            f"{MAX_PIXELS} pixels); downscale it first"
        )
    if image.dtype != np.uint8:
        if image.dtype.kind != "f":
            raise FrameError(f"expected uint8 or float pixels, got {image.dtype}")
        if not np.all(np.isfinite(image)):
            raise FrameError("float image contains NaN or infinity")
        if image.min() < 0.0 or image.max() > 1.0:
            raise FrameError("float images must lie in [0, 1]")
        image = np.round(image * 255.0).astype(np.uint8)
    if bgr:
        image = image[:, :, [2, 1, 0] + ([3] if image.shape[2] == 4 else [])]
    return np.ascontiguousarray(image)
