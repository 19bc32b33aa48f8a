"""BlazePose GHUM Holistic: body, hand and body-model tracking from RGB frames.

The package is split the way MediaPipe splits its graphs: small modules with one job each,
wired together by a sans-IO pipeline (``pipeline``) that asks a driver for inference and
never imports an inference engine itself.
"""
from __future__ import annotations

__version__ = "0.1.0"
