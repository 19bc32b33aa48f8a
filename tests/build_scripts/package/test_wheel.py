"""The pip wheel, installed as a user would: a fresh virtualenv, the wheel file alone (no
repository on sys.path, no tensorflow, no build cache, no BPH_* variables), then the
``blazepose-holistic`` console script on a real clip."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from blazepose_holistic import __version__
from blazepose_holistic.cli import main
from build_scripts.common.paths import ROOT
from build_scripts.package import wheel as pip_wheel

CLIP = "eval/posetrack18/videos/000001_mpiinew_test/000001_mpiinew_test.mp4"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return pip_wheel.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory):
    """A virtualenv with the wheel installed; its dependencies at the runtime pins."""
    root = tmp_path_factory.mktemp("user")
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    pip_env = {k: v for k, v in os.environ.items()
               if k != "PYTHONPATH" and not k.startswith("BPH_")}
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    "-c", str(ROOT / "requirements" / "runtime.txt"), str(built)],
                   check=True, env=pip_env, cwd=root)
    home = root / "home"  # no ~/.cache/blazepose-holistic to fall back on
    home.mkdir()
    user_env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return env_dir, root, user_env


def _run(venv, *args):
    env_dir, root, env = venv
    return subprocess.run([str(a) for a in args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_wheel_carries_models_notice_and_console_script(built):
    with zipfile.ZipFile(built) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("blazepose_holistic/models/manifest.json"))
        notice = zf.read("blazepose_holistic/models/NOTICE.md").decode()
        entry_points = zf.read(f"blazepose_holistic-{__version__}.dist-info/entry_points.txt").decode()
    for entry in manifest["models"].values():
        assert f"blazepose_holistic/models/{entry['file']}" in names
        assert entry["sha256"] in notice
    assert "Apache License" in notice and "@mediapipe/holistic" in notice
    assert f"blazepose_holistic-{__version__}.dist-info/LICENSE" in names
    assert "blazepose-holistic = blazepose_holistic.cli:main" in entry_points


def test_rebuilding_gives_the_same_bytes(built, tmp_path):
    assert pip_wheel.build(tmp_path).read_bytes() == built.read_bytes()


def test_installed_alone_it_tracks_a_clip_like_the_checkout(venv, shared_data, tmp_path):
    env_dir, root, _ = venv
    version = _run(venv, "blazepose-holistic", "--version")
    assert version.returncode == 0 and version.stdout.strip() == __version__, version.stderr
    where = _run(venv, env_dir / "bin" / "python", "-c",
                 "import importlib.util, blazepose_holistic, blazepose_holistic.model_store as m; "
                 "print(blazepose_holistic.__file__); print(m.ModelStore().folders); "
                 "print(importlib.util.find_spec('tensorflow'))")
    package_file, folders, tensorflow = where.stdout.strip().splitlines()
    assert package_file.startswith(str(env_dir)), package_file
    assert str(env_dir) in folders and str(ROOT) not in folders and ".cache" not in folders, folders
    assert tensorflow == "None"

    out = root / "out.json"
    run = _run(venv, "blazepose-holistic", "track", shared_data / CLIP, "--json", out)
    assert run.returncode == 0, run.stderr
    frames = json.loads(out.read_text())["frames"]
    assert len(frames) == 5
    assert all(len(f["pose_landmarks"]) == 33 and f["body_model"] for f in frames)

    # The same code and models as the checkout, so the same numbers.
    here = tmp_path / "checkout.json"
    assert main(["track", str(shared_data / CLIP), "--json", str(here), "--no-progress"]) == 0
    mine = json.loads(here.read_text())["frames"]
    assert [f["pose_landmarks"] for f in frames] == [f["pose_landmarks"] for f in mine]


def test_a_damaged_installed_model_fails_its_checksum_by_name(venv, shared_data):
    env_dir, root, _ = venv
    [model] = env_dir.glob("lib/python*/site-packages/blazepose_holistic/models/pose_detector.onnx")
    model.write_bytes(model.read_bytes()[:-100])
    run = _run(venv, "blazepose-holistic", "track", shared_data / CLIP, "--json", root / "x.json")
    assert run.returncode == 2
    assert "checksum mismatch for 'pose_detector'" in run.stderr and "truncated" in run.stderr
