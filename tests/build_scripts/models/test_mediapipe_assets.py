from __future__ import annotations

import json
import shutil

import pytest

from build_scripts.common import paths
from build_scripts.models import mediapipe_assets as ma


@pytest.fixture(scope="module")
def package():
    if not (paths.MEDIAPIPE_PACKAGE / "package.json").is_file():
        pytest.fail("web/node_modules is missing: run `./run models` (npm ci) first")
    return paths.MEDIAPIPE_PACKAGE


def test_loader_lists_every_packed_model(package):
    entries = ma.parse_loader((package / ma.PACKED_LOADER).read_text())
    packed = [s for s in ma.MODEL_SOURCES.values() if s.startswith("/")]
    assert packed and all(s in entries for s in packed)
    # Entries tile the data file without gaps or overlaps.
    spans = sorted((e.start, e.end) for e in entries.values())
    assert spans[0][0] == 0
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] == (package / ma.PACKED_DATA).stat().st_size


@pytest.mark.parametrize("name", sorted(ma.MODEL_SOURCES))
def test_every_model_extracts_as_tflite(package, name):
    blob = ma.read_model(package, name)
    assert blob[4:8] == b"TFL3" and len(blob) > 100_000


def test_truncated_packed_data_is_refused(package, tmp_path):
    fake = tmp_path / "holistic"
    shutil.copytree(package, fake, ignore=shutil.ignore_patterns("*.wasm", "*.tflite"))
    data = fake / ma.PACKED_DATA
    data.write_bytes(data.read_bytes()[:-1000])
    with pytest.raises(ma.AssetError, match="declares|truncated"):
        ma.read_model(fake, "pose_detection")


def test_wrong_package_version_is_refused(package, tmp_path):
    fake = tmp_path / "holistic"
    fake.mkdir()
    meta = json.loads((package / "package.json").read_text())
    meta["version"] = "0.0.1"
    (fake / "package.json").write_text(json.dumps(meta))
    with pytest.raises(ma.AssetError, match="expected 0.5.1675471629"):
        ma.check_package(fake)


def test_loader_without_entries_is_refused():
    with pytest.raises(ma.AssetError, match="no packed file entries"):
        ma.parse_loader("var Module = {};")
