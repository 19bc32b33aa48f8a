"""``HolisticTracker``: the CPython API, the pipeline core driven by onnxruntime.

    with HolisticTracker(model_complexity=1) as tracker:
        result = tracker.process(rgb)          # (H, W, 3) uint8
        print(result.pose_landmarks)
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .engine_ort import OrtEngine
from .frames import as_rgb_frame
from .model_store import ModelStore
from .pipeline import HolisticPipeline, Options
from .results import HolisticResult


class HolisticTracker:
    """Options are MediaPipe's (see ``pipeline.Options``), plus:

    manifest, model_dir: where the models are (defaults: models/manifest.json and
        ~/.cache/blazepose-holistic/models); threads: onnxruntime intra-op threads.
    """

    def __init__(
        self,
        model_complexity: int = 1,
        smooth_landmarks: bool = True,
        enable_segmentation: bool = False,
        smooth_segmentation: bool = True,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
        enable_hands: bool = True,
        enable_body_model: bool = True,
        smooth_body_model: bool = True,
        mirrored: bool = False,
        manifest: Path | None = None,
        model_dir: Path | None = None,
        threads: int = 1,
    ):
        self.options = Options(
            model_complexity=model_complexity,
            smooth_landmarks=smooth_landmarks,
            enable_segmentation=enable_segmentation,
            smooth_segmentation=smooth_segmentation,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            static_image_mode=static_image_mode,
            enable_hands=enable_hands,
            enable_body_model=enable_body_model,
            smooth_body_model=smooth_body_model,
            mirrored=mirrored,
        )
        self.options.validate()
        store = ModelStore(manifest, model_dir)
        self.pipeline = HolisticPipeline(self.options, available_models=store.models)
        self.engine = OrtEngine(store, self.options.models(), threads=threads)
        self._closed = False

    def process(
        self, image: np.ndarray, timestamp: float | None = None, bgr: bool = False
    ) -> HolisticResult:
        """Track one frame. ``timestamp`` in seconds (default: 30 fps spacing)."""
        if self._closed:
            raise RuntimeError("HolisticTracker is closed")
        frame = as_rgb_frame(image, bgr=bgr)
        t0 = time.perf_counter()
        self.engine.last_ms = {}
        step = self.pipeline.process((frame.shape[1], frame.shape[0]), timestamp)
        try:
            request = next(step)
            while True:
                request = step.send(self.engine.run(request, frame))
        except StopIteration as stop:
            result = stop.value
        total = (time.perf_counter() - t0) * 1e3
        result.timings_ms = dict(self.engine.last_ms)
        result.timings_ms["python"] = total - sum(self.engine.last_ms.values())
        result.timings_ms["total"] = total
        return result

    def reset(self) -> None:
        self.pipeline.reset()

    def close(self) -> None:
        self.engine.sessions.clear()
        self._closed = True

    def __enter__(self) -> HolisticTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
