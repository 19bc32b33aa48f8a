"""The pipeline seen from JavaScript: flat buffers in, flat buffers out.

The browser worker (web/src/worker/pybridge.js + loop.js) drives ``HolisticPipeline``
through this class, the same way ``tracker.HolisticTracker`` drives it with the onnxruntime
package. Everything that crosses the JS/Python boundary is a string, a number, a short
list, or a flat numeric buffer, so that no loop ever runs per element on either side:

- requests go out as ``("run", model, stage, names, shapes, arrays)`` with C-contiguous
  1-D float32 arrays (Pyodide's ``toJs`` turns them into Float32Arrays in one copy);
- model outputs come back as a JSON list of ``[name, dtype, shape]`` plus a parallel
  sequence of buffers, each anything ``np.frombuffer`` reads (in Pyodide a JsProxy of a
  TypedArray, turned into a memoryview by ``to_py()``; on CPython bytes or a numpy array);
- the finished frame goes out as ``("done", fields)``, ``fields`` a list of
  ``(name, flat float64 array, shape)`` for every result field that is set.

The worker reaches everything it needs through this module (its wheel installer returns
it): ``Bridge``, ``VERSION`` and ``live_objects``.

Only Python 3.8 / numpy 1.17 features are used: the browser runs Pyodide 0.17.
"""
from __future__ import annotations

import gc
import json

import numpy as np

from . import __version__
from .contract import (
    BODY_MODEL_ARRAYS,
    RESULT_FIELDS,
    Options,
    PipelineError,
    check_manifest_entry,
)
from .pipeline import HolisticPipeline
from .results import HolisticResult

# The package version the worker reports (tracker.info.versions.python).
VERSION = __version__

# numpy dtypes for onnxruntime-web's Tensor.type names.
_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "int8": np.int8,
    "bool": np.bool_,
}

def live_objects() -> int:
    """How many objects Python tracks after a full collection: the worker's stats() report
    it so that the memory tests can tell a per-frame leak from garbage not yet collected."""
    gc.collect()
    return len(gc.get_objects())


def _as_array(buffer, dtype: str, shape) -> np.ndarray:
    if dtype not in _DTYPES:
        raise PipelineError(f"unsupported tensor type {dtype!r} from the inference engine")
    # A Pyodide JsProxy of a TypedArray: newer Pyodides have to_memoryview(), 0.17 to_py().
    if hasattr(buffer, "to_memoryview"):
        buffer = buffer.to_memoryview()
    elif hasattr(buffer, "to_py"):
        buffer = buffer.to_py()
    array = np.frombuffer(buffer, dtype=_DTYPES[dtype])
    shape = tuple(int(d) for d in shape)
    if int(np.prod(shape)) != array.size:
        raise PipelineError(f"tensor of {array.size} values cannot have shape {shape}")
    return array.reshape(shape)


def _flat(a, dtype=np.float64) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=dtype).ravel())


class Bridge:
    """One tracker's pipeline state, driven one inference step at a time.

    options_json: a JSON object with ``Options`` field names (unknown names are refused);
    available_models_json: the models the driver has sessions for: a JSON object of their
    manifest entries (each checked against the contract's model specs), or a list of names.
    """

    def __init__(self, options_json: str, available_models_json: str):
        self.options = Options.from_mapping(json.loads(options_json))
        available = json.loads(available_models_json)
        if isinstance(available, dict):
            for name, entry in available.items():
                check_manifest_entry(name, entry)
        self.pipeline = HolisticPipeline(self.options, available_models=available)
        self._step = None

    # ---------------------------------------------------------------- metadata (JSON)
    def models_json(self) -> str:
        """The models these options request, in request order."""
        return json.dumps(self.options.models())

    @staticmethod
    def joint_names_json() -> str:
        from .body_model.skeleton import JOINT_NAMES

        return json.dumps(list(JOINT_NAMES))

    # ---------------------------------------------------------------- the frame loop
    def start(self, width: int, height: int, timestamp_seconds=None):
        """Begin a frame; returns the first request or the finished frame."""
        self.abort()
        self._step = self.pipeline.process((int(width), int(height)), timestamp_seconds)
        return self._advance(None)

    def send(self, meta_json: str, buffers):
        """Answer the pending request with the model's outputs.

        meta_json: JSON list of ``[name, dtype, shape]``, one per output; buffers: the
        outputs' data in the same order (indexable; each read by ``np.frombuffer``).
        """
        if self._step is None:
            raise PipelineError("send() without a pending request; call start() first")
        meta = json.loads(meta_json)
        if len(meta) != len(buffers):
            raise PipelineError(f"{len(meta)} output descriptions but {len(buffers)} buffers")
        outputs = {}
        for i, (name, dtype, shape) in enumerate(meta):
            outputs[str(name)] = _as_array(buffers[i], str(dtype), shape)
        return self._advance(outputs)

    def abort(self) -> None:
        """Drop a frame in progress (its request failed); tracking state is kept."""
        if self._step is not None:
            step, self._step = self._step, None
            step.close()

    def reset(self) -> None:
        self.abort()
        self.pipeline.reset()

    def _advance(self, outputs):
        try:
            request = next(self._step) if outputs is None else self._step.send(outputs)
        except StopIteration as stop:
            self._step = None
            return ("done", pack_result(stop.value))
        except BaseException:
            self._step = None
            raise
        names = list(request.inputs)
        shapes = [list(np.shape(request.inputs[k])) for k in names]
        arrays = [_flat(request.inputs[k], np.float32) for k in names]
        return ("run", request.model, request.stage or request.model, names, shapes, arrays)


def pack_result(result: HolisticResult) -> list:
    """HolisticResult -> [(name, flat array, shape)] for the fields that are set.

    Names are ``contract.RESULT_FIELDS``' snake_case names; the body model's arrays are
    ``body_model.<array>``, the detection's ``pose_detection.<box|keypoints|score>``. The
    segmentation mask (aligned with the whole frame at reduced resolution) stays float32,
    everything else is float64.
    """
    fields = []

    def add(name, value, dtype=np.float64):
        if value is not None:
            fields.append((name, _flat(value, dtype), list(np.shape(value))))

    for spec in RESULT_FIELDS:
        value = getattr(result, spec.name)
        if value is None:
            continue
        if spec.kind == "detection":
            add("pose_detection.box", value.box)
            add("pose_detection.keypoints", value.keypoints)
            add("pose_detection.score", [value.score])
        elif spec.kind == "body_model":
            for name in BODY_MODEL_ARRAYS:
                add("body_model." + name, getattr(value, name))
        elif spec.kind == "mask":
            add(spec.name, value, np.float32)
        else:
            add(spec.name, value)
    return fields
