"""int8_trial.fold_fp16_weights (its first step): MediaPipe's hand network with its
fp16 weights folded to float32 constants has no DEQUANTIZE left and, in TFLite, the same
outputs on real image crops (the fp16 -> fp32 conversion is exact)."""
from __future__ import annotations

import json
import subprocess

from blazepose_holistic.model_store import ModelStore
from build_scripts.common import paths

SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
from build_scripts.models.build import model_inputs, real_images, tflite_run
from build_scripts.measure.int8_trial import fold_fp16_weights

source = open(sys.argv[1], "rb").read()
folded = fold_fp16_weights(source)
ops = {op["op_name"] for op in tf.lite.Interpreter(model_content=folded)._get_ops_details()}
diff = 0.0
for x in model_inputs(224, (0.0, 1.0), real_images()[:2], seed=3):
    for a, b in zip(tflite_run(source, x), tflite_run(folded, x)):
        diff = max(diff, float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))
print("RESULT" + json.dumps({"dequantize": "DEQUANTIZE" in ops, "diff": diff,
                            "before": sorted({op["op_name"] for op in
                                tf.lite.Interpreter(model_content=source)._get_ops_details()})}))
"""


def test_folded_hand_network_computes_the_same(build_python):
    store = ModelStore()
    network = store.find_file("hand_landmark_full", store.models["hand_landmark_full"]["litert"]["file"])
    proc = subprocess.run([build_python, "-W", "ignore", "-c", SCRIPT, str(network)], cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=600)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    out = json.loads(line[0][len("RESULT"):])
    assert "DEQUANTIZE" in out["before"], "the shipped network has no fp16 weights any more"
    assert out["dequantize"] is False
    assert out["diff"] < 1e-5, out
