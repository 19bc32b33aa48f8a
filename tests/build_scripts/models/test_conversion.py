"""Densify and the TFLite comparison, run in the build-only environment (tensorflow)."""
from __future__ import annotations

import json
import subprocess

from build_scripts.common import paths

SCRIPT = r"""
import json, sys
import numpy as np, onnx
from onnx import numpy_helper
from build_scripts.models import build as build_models
from build_scripts.models import mediapipe_assets
from build_scripts.common import paths
from build_scripts.models import tflite_densify
from tensorflow.lite.python import schema_py_generated as schema

out = {}
src = mediapipe_assets.read_model(paths.MEDIAPIPE_PACKAGE, "hand_recrop")
dense, removed = tflite_densify.densify(src)
out["recrop_densify_removed"] = removed          # nothing sparse: returned unchanged
out["recrop_unchanged"] = dense == src

pd = mediapipe_assets.read_model(paths.MEDIAPIPE_PACKAGE, "pose_detection")
dense, removed = tflite_densify.densify(pd)      # raises unless outputs are bit-identical
m = schema.Model.GetRootAsModel(dense, 0)
codes = [max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())
         for i in range(m.OperatorCodesLength())]
g = m.Subgraphs(0)
out["pose_densify_removed"] = removed
out["dense_has_densify"] = any(codes[g.Operators(i).OpcodeIndex()] == schema.BuiltinOperator.DENSIFY
                               for i in range(g.OperatorsLength()))

# The verification must reject a converted model with one corrupted weight tensor.
import tf2onnx, tempfile, pathlib
with tempfile.TemporaryDirectory() as tmp:
    p = pathlib.Path(tmp) / "m.tflite"; p.write_bytes(src)
    model, _ = tf2onnx.convert.from_tflite(str(p), opset=17)
good = build_models.verify_against_tflite("hand_recrop", src, model.SerializeToString())
out["good_max_diff"] = max(good.values())
init = max(model.graph.initializer, key=lambda t: np.prod(t.dims))
w = numpy_helper.to_array(init).copy(); w.flat[: w.size // 2] *= -1
init.CopyFrom(numpy_helper.from_array(w, init.name))
try:
    build_models.verify_against_tflite("hand_recrop", src, model.SerializeToString())
    out["bad_rejected"] = False
except RuntimeError as e:
    out["bad_rejected"] = "beyond tolerance" in str(e)
print("RESULT" + json.dumps(out))
"""


def test_densify_and_verification(build_python):
    proc = subprocess.run([build_python, "-W", "ignore", "-c", SCRIPT], cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=600)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    out = json.loads(line[0][len("RESULT"):])
    assert out["recrop_densify_removed"] == 0 and out["recrop_unchanged"]
    assert out["pose_densify_removed"] == 38 and not out["dense_has_densify"]
    assert out["good_max_diff"] < 1e-3
    assert out["bad_rejected"]
