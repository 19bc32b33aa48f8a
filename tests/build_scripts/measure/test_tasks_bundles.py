"""The MediaPipe Tasks bundles the benchmark builds (build_scripts/measure/tasks_bundles.py):
named and stored as the Tasks graphs expect, with input normalisation metadata that reads
back, byte-reproducible, and (in the build environment) the same models to TFLite."""
from __future__ import annotations

import json
import subprocess
import zipfile

import pytest

from build_scripts.common import paths
from build_scripts.measure import tasks_bundles as tb
from build_scripts.models import mediapipe_assets


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    if not (paths.MEDIAPIPE_PACKAGE / "package.json").is_file():
        pytest.fail("web/node_modules is missing: run `./run models` (npm ci) first")
    return tb.build("full", cache=tmp_path_factory.mktemp("bundles"))


def test_bundles_hold_the_models_tasks_looks_for(built):
    assert set(built) == {"pose_landmarker", "holistic_landmarker"}
    expected = {
        "pose_landmarker": {"pose_detector.tflite", "pose_landmarks_detector.tflite"},
        "holistic_landmarker": {"pose_detector.tflite", "pose_landmarks_detector.tflite",
                                "hand_landmarks_detector.tflite", "hand_roi_refinement.tflite",
                                "face_detector.tflite", "face_landmarks_detector.tflite"},
    }
    for bundle, path in built.items():
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            assert {i.filename for i in infos} == expected[bundle]
            for info in infos:
                assert info.compress_type == zipfile.ZIP_STORED
                data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert data_start % 16 == 0, info.filename
                assert zf.read(info)[4:8] == b"TFL3"


def test_normalisation_metadata_reads_back(built):
    spec = tb.sources("full")["holistic_landmarker"]
    assert spec["pose_landmarks_detector.tflite"][0] == "pose_landmark_full"
    with zipfile.ZipFile(built["holistic_landmarker"]) as zf:
        for entry, (source, (mean, std)) in spec.items():
            model = zf.read(entry)
            assert tb.read_normalization(model) == [([mean], [std])], entry
            # The original model's bytes are all there, after the new root.
            original = mediapipe_assets.read_model(paths.MEDIAPIPE_PACKAGE, source)
            assert model.endswith(original)
            assert tb.tensor_names(model) == tb.tensor_names(original)
            assert tb.read_normalization(original) == []
    # Detectors see [-1, 1], landmark and re-crop models [0, 1], as in MediaPipe's graphs.
    assert spec["pose_detector.tflite"][1] == spec["face_detector.tflite"][1] == (127.5, 127.5)
    assert spec["hand_roi_refinement.tflite"][1] == (0.0, 255.0)


def test_bundles_are_cached_and_reproducible(built, tmp_path):
    again = tb.build("full", cache=built["pose_landmarker"].parent.parent)
    assert again == built
    fresh = tb.build("full", cache=tmp_path)
    for name in built:
        assert fresh[name].read_bytes() == built[name].read_bytes()
    assert tb.build("lite", cache=tmp_path)["pose_landmarker"].name == "pose_landmarker_lite.task"


def test_metadata_is_added_once():
    model = mediapipe_assets.read_model(paths.MEDIAPIPE_PACKAGE, "hand_recrop")
    once = tb.add_normalization(model, "hand_recrop", tb.ZERO_TO_ONE)
    with pytest.raises(tb.BundleError, match="already"):
        tb.add_normalization(once, "hand_recrop", tb.ZERO_TO_ONE)
    with pytest.raises(tb.BundleError):
        tb.model_summary(b"\0" * 64)


SCRIPT = r"""
import json, sys, zipfile
import flatbuffers, numpy as np, tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from build_scripts.common import paths
from build_scripts.measure import tasks_bundles as tb
from build_scripts.models import mediapipe_assets

def pack(m):
    b = flatbuffers.Builder(0); b.Finish(m.Pack(b), b"TFL3"); return bytes(b.Output())

def run(blob):
    it = tf.lite.Interpreter(model_content=blob, num_threads=1); it.allocate_tensors()
    d = it.get_input_details()[0]
    x = np.random.default_rng(0).uniform(0, 1, d["shape"]).astype(np.float32)
    it.set_tensor(d["index"], x); it.invoke()
    return [it.get_tensor(o["index"]) for o in it.get_output_details()]

out = {}
spec = tb.sources("full")["holistic_landmarker"]
with zipfile.ZipFile(sys.argv[1]) as zf:
    for entry, (source, norm) in spec.items():
        new = zf.read(entry)
        old = mediapipe_assets.read_model(paths.MEDIAPIPE_PACKAGE, source)
        mo = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(old, 0))
        mn = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(new, 0))
        md = mn.metadata[-1]
        meta_ok = (md.name == b"TFLITE_METADATA" and md.buffer == len(mn.buffers) - 1
                   and mn.buffers[md.buffer].data.tobytes()[4:8] == b"M001")
        mn.metadata = mn.metadata[:-1] or None
        mn.buffers = mn.buffers[:-1]
        same = all(np.array_equal(a, b) for a, b in zip(run(old), run(new)))
        out[entry] = {"meta": meta_ok, "rest_unchanged": pack(mo) == pack(mn), "outputs": same}
print("RESULT" + json.dumps(out))
"""


def test_tflite_reads_the_same_models(built, build_python):
    proc = subprocess.run([build_python, "-W", "ignore", "-c", SCRIPT,
                           str(built["holistic_landmarker"])], cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=600)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    out = json.loads(line[0][len("RESULT"):])
    assert len(out) == 6
    for entry, checks in out.items():
        assert checks == {"meta": True, "rest_unchanged": True, "outputs": True}, entry
