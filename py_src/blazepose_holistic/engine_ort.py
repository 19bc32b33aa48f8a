"""CPython inference driver: answers the pipeline's requests with the onnxruntime package."""
from __future__ import annotations

import time
from typing import Iterable

import numpy as np

from .contract import PipelineError, check_manifest_entry
from .model_store import ModelError, ModelStore
from .pipeline import Inference


class OrtEngine:
    """One onnxruntime session per model, created up front so a bad model fails at start.

    threads: intra-op threads per session (1 is the fair comparison with one WASM thread).
    """

    def __init__(self, store: ModelStore, models: Iterable[str], threads: int = 1):
        import onnxruntime as ort

        self.store = store
        self.sessions: dict[str, object] = {}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        for name in models:
            data = store.read(name)
            try:
                sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
            except Exception as e:
                raise ModelError(f"model {name!r} could not be loaded by onnxruntime: {e}") from e
            self._check_signature(name, sess)
            self.sessions[name] = sess
        # Per-frame lookups, resolved once: which sessions take the frame, their output names.
        self._takes_image = {n: any(i.name == "image" for i in s.get_inputs())
                             for n, s in self.sessions.items()}
        self._output_names = {n: [o.name for o in s.get_outputs()] for n, s in self.sessions.items()}
        self._frame_ms: dict[str, float] = {}

    def start_frame(self) -> None:
        """Begin timing a new frame."""
        self._frame_ms = {}

    def frame_timings(self) -> dict[str, float]:
        """Milliseconds per stage since ``start_frame``."""
        return dict(self._frame_ms)

    def close(self) -> None:
        self.sessions.clear()

    def _check_signature(self, name: str, sess) -> None:
        # A wrong file in a slot (e.g. the hand model where the pose model belongs) must fail
        # here, by name, not as a shape error deep inside a frame.
        entry = self.store.models[name]
        try:
            check_manifest_entry(name, entry)
        except PipelineError as e:
            raise ModelError(str(e)) from e
        want_in = [(i["name"], i["shape"]) for i in entry["inputs"]]
        got_in = [(i.name, [d if isinstance(d, int) else str(d) for d in i.shape])
                  for i in sess.get_inputs()]
        want_out = [o["name"] for o in entry["outputs"]]
        got_out = [o.name for o in sess.get_outputs()]
        if want_in != got_in or want_out != got_out:
            raise ModelError(
                f"model {name!r} has inputs {got_in} and outputs {got_out}; the manifest "
                f"expects {want_in} and {want_out}"
            )

    def run(self, request: Inference, image: np.ndarray | None) -> dict[str, np.ndarray]:
        feeds = dict(request.inputs)
        if self._takes_image[request.model]:
            feeds["image"] = image
        t0 = time.perf_counter()
        outputs = self.sessions[request.model].run(None, feeds)
        self._frame_ms[request.stage or request.model] = (time.perf_counter() - t0) * 1e3
        return dict(zip(self._output_names[request.model], outputs))
