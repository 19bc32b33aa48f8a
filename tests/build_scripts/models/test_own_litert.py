"""Our lifter as the litert backend runs it (build_scripts/models/own_litert.py): the
built lifter.tflite, read by TFLite through the manifest's input order and output names,
computes what onnxruntime computes from models/lifter.onnx, on the rest pose and on random
inputs; and only TFLite builtins (LiteRT.js has no TensorFlow ops)."""
from __future__ import annotations

import json
import subprocess

from blazepose_holistic.model_store import ModelStore
from build_scripts.common import paths

SCRIPT = """
import json, sys
import numpy as np
import onnxruntime as ort
import tensorflow as tf
from blazepose_holistic import lifter
from blazepose_holistic.body_model.kinematics import rest_pose
from blazepose_holistic.body_model.frames import model_to_mediapipe

entry, onnx_file, tflite_file = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
interp = tf.lite.Interpreter(model_path=tflite_file, num_threads=1)
interp.allocate_tensors()
ins = interp.get_input_details()
outs = {o["name"]: o["index"] for o in interp.get_output_details()}
rng = np.random.default_rng(1)
feeds = [lifter.prepare_input(model_to_mediapipe(rest_pose()[1]))]
feeds += [{"points": rng.normal(0, 0.3, (1, 75, 3)).astype(np.float32),
           "hand_present": rng.integers(0, 2, (1, 2)).astype(np.float32)} for _ in range(8)]
worst = 0.0
for feed in feeds:
    ref = dict(zip([o.name for o in session.get_outputs()], session.run(None, feed)))
    for detail, name in zip(ins, entry["inputs"]):
        interp.set_tensor(detail["index"], feed[name])
    interp.invoke()
    for name, tensor in entry["outputs"].items():
        worst = max(worst, float(np.abs(interp.get_tensor(outs[tensor]) - ref[name]).max()))
ops = sorted({d["op_name"] for d in interp._get_ops_details()})
print("RESULT" + json.dumps({"worst": worst, "ops": ops, "outputs": sorted(entry["outputs"])}))
"""


def test_lifter_network_computes_what_the_onnx_model_does(build_python):
    store = ModelStore()
    entry = store.models["lifter"]
    net = entry["litert"]
    proc = subprocess.run(
        [build_python, "-W", "ignore", "-c", SCRIPT, json.dumps(net), str(paths.MODELS / entry["file"]),
         str(store.find_file("lifter", net["file"]))],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": f"{paths.ROOT / 'py_src'}:{paths.ROOT}", "PATH": "/usr/bin:/bin"})
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    out = json.loads(line[0][len("RESULT"):])
    assert out["outputs"] == sorted(o["name"] for o in entry["outputs"])
    assert out["worst"] < 1e-4, out
    assert "GELU" in out["ops"] and not [op for op in out["ops"] if op.startswith("FLEX")], out["ops"]
