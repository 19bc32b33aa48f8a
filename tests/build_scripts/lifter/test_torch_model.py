"""Training side of the lifter: torch body model parity and a smoke training run.

torch is not in the runtime/test environment: both tests run in $BPH_TRAIN_PYTHON (a venv
made from requirements/train.txt, which ./run test sets), or in this interpreter when it
has torch, and are skipped otherwise. By hand:
    BPH_TRAIN_PYTHON=~/.cache/bph/venv-train/bin/python python -m pytest tests/build_scripts/lifter -k torch
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MOCAP = ROOT.parent / "shared" / "data" / "mocap" / "cmu"


def _train_python():
    env = os.environ.get("BPH_TRAIN_PYTHON")
    if env:
        return env
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    return None


def test_torch_body_model_matches_numpy():
    """In this interpreter when it has torch, else in the training environment."""
    if importlib.util.find_spec("torch") is not None:
        from build_scripts.lifter.torch_model import check_against_numpy

        check_against_numpy()
        return
    exe = _train_python()
    if exe is None:
        pytest.skip("no torch: set BPH_TRAIN_PYTHON (./run test does)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py_src"), str(ROOT)]))
    subprocess.run([exe, "-c", "from build_scripts.lifter.torch_model import check_against_numpy;"
                    " check_against_numpy()"], cwd=ROOT, env=env, check=True, timeout=300)


@pytest.mark.slow
@pytest.mark.skipif(_train_python() is None, reason="no torch: set BPH_TRAIN_PYTHON")
@pytest.mark.skipif(not MOCAP.is_dir(), reason="CMU mocap not present")
def test_smoke_training_exports_a_verified_onnx(tmp_path):
    out = tmp_path / "lifter.onnx"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py_src"), str(ROOT)]))
    subprocess.run([_train_python(), "-m", "build_scripts.lifter.train", "--smoke",
                    "--out", str(out)], cwd=ROOT, env=env, check=True, timeout=600)
    report = json.loads((tmp_path / "lifter.onnx.json").read_text())
    assert report["onnx_vs_torch_max_abs_diff"] < 1e-4
    assert report["curve"] and report["curve"][-1]["step"] == report["config"]["steps"]
    assert out.stat().st_size == report["bytes"]
