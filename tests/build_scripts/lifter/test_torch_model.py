"""Training side of the lifter: torch body model parity and a smoke training run.

torch is not in the runtime/test environment. The parity test runs when torch imports;
the smoke run uses $BPH_TRAIN_PYTHON (a venv made from requirements/train.txt), or this
interpreter when it has torch, and is skipped otherwise. CI:
    BPH_TRAIN_PYTHON=~/.cache/bph/venv-train/bin/python python -m pytest tests/build_scripts/lifter -k torch
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from blazepose_holistic.body_model.kinematics import forward_kinematics
from blazepose_holistic.body_model.rotations import sixd_from_matrix
from blazepose_holistic.body_model.skeleton import (
    BODY_JOINTS,
    LEFT_HAND_JOINTS,
    NUM_JOINTS,
    RIGHT_HAND_JOINTS,
)
from build_scripts.lifter.prior import pose_to_sample, sample_poses

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
    torch = pytest.importorskip("torch")
    from build_scripts.lifter.torch_model import BodyModel, assemble_global, local_from_global

    rng = np.random.default_rng(0)
    local, beta = sample_poses(rng, 16, np.zeros((0, NUM_JOINTS, 3, 3)))
    points, trans = pose_to_sample(local, beta)
    _, glob = forward_kinematics(local, beta)
    six = torch.tensor(sixd_from_matrix(glob))
    g = assemble_global(six[:, 0], six[:, BODY_JOINTS], six[:, LEFT_HAND_JOINTS],
                        six[:, RIGHT_HAND_JOINTS])
    got_local = local_from_global(g)
    np.testing.assert_allclose(got_local.numpy(), local, atol=1e-9)
    got = BodyModel()(got_local.float(), torch.tensor(beta).float(), torch.tensor(trans).float())
    np.testing.assert_allclose(got.numpy(), points, atol=1e-5)


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
