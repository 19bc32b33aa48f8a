"""Model loading errors are specific and happen at start-up."""
from __future__ import annotations

import json
import shutil

import pytest

from blazepose_holistic.engine_ort import OrtEngine
from blazepose_holistic.model_store import ModelError, ModelStore
from blazepose_holistic.tracker import HolisticTracker


@pytest.fixture
def tmp_store(tmp_path, manifest, model_dir):
    """A private copy of the manifest and two models to damage."""
    models = tmp_path / "models"
    models.mkdir()
    for name in ("pose_detector", "hand_recrop"):
        shutil.copy(model_dir / manifest["models"][name]["file"], models)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "manifest.json", models


def test_missing_manifest(tmp_path):
    with pytest.raises(ModelError, match="manifest not found"):
        ModelStore(tmp_path / "nope.json", tmp_path)


def test_missing_model_file(tmp_store):
    manifest, models = tmp_store
    store = ModelStore(manifest, models)
    with pytest.raises(ModelError, match="pose_landmark_full.onnx.*not found"):
        store.read("pose_landmark_full")


def test_truncated_model_fails_checksum(tmp_store):
    manifest, models = tmp_store
    f = models / "pose_detector.onnx"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(ModelError, match="checksum mismatch.*truncated"):
        ModelStore(manifest, models).read("pose_detector")


def test_wrong_model_in_slot(tmp_store):
    manifest_path, models = tmp_store
    manifest = json.loads(manifest_path.read_text())
    # Put the re-crop model where the detector belongs, with a checksum that matches it.
    manifest["models"]["pose_detector"] = dict(manifest["models"]["hand_recrop"])
    manifest["models"]["pose_detector"]["outputs"] = [{"name": "boxes"}, {"name": "scores"}]
    manifest_path.write_text(json.dumps(manifest))
    store = ModelStore(manifest_path, models)
    # The manifest entry describes the re-crop model's crop: refused before the session's
    # signature is even compared.
    with pytest.raises(ModelError, match="model 'pose_detector'.*crop"):
        OrtEngine(store, ["pose_detector"])


def test_tracker_fails_at_start_on_a_corrupt_model(tmp_store):
    manifest, models = tmp_store
    (models / "pose_detector.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="pose_detector"):
        HolisticTracker(manifest=manifest, model_dir=models, enable_hands=False,
                        enable_body_model=False)


def test_corrupt_manifest(tmp_path):
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        ModelStore(tmp_path / "m.json", tmp_path)
