"""``HolisticTracker``: the CPython API, the pipeline core driven by onnxruntime.

    with HolisticTracker(model_complexity=1) as tracker:
        result = tracker.process(rgb)          # (H, W, 3) uint8
        print(result.pose_landmarks)
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .contract import Options
from .engine_ort import OrtEngine
from .frames import as_rgb_frame
from .model_store import ModelStore
from .pipeline import HolisticPipeline
from .results import HolisticResult


class HolisticTracker:
    """Options are keyword arguments named as in ``contract.Options`` (MediaPipe's Holistic
    option names: model_complexity, smooth_landmarks, enable_hands, ...); unknown names
    are refused. Besides them:

    manifest, model_dir: where the models are (defaults: models/manifest.json and
        ~/.cache/blazepose-holistic/models); threads: onnxruntime intra-op threads.
    """

    def __init__(
        self,
        *,
        manifest: Path | None = None,
        model_dir: Path | None = None,
        threads: int = 1,
        **options,
    ):
        self.options = Options.from_mapping(options)
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
        self.engine.start_frame()
        step = self.pipeline.process((frame.shape[1], frame.shape[0]), timestamp)
        try:
            request = next(step)
            while True:
                request = step.send(self.engine.run(request, frame))
        except StopIteration as stop:
            result = stop.value
        total = (time.perf_counter() - t0) * 1e3
        result.timings_ms = self.engine.frame_timings()
        result.timings_ms["python"] = total - sum(result.timings_ms.values())
        result.timings_ms["total"] = total
        return result

    def reset(self) -> None:
        self.pipeline.reset()

    def close(self) -> None:
        self.engine.close()
        self._closed = True

    def __enter__(self) -> HolisticTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
