"""The per-operator profile (build_scripts/measure/op_profile.py) on a real model, in headless
Chromium and native onnxruntime: both profilers' events are found, parsed and grouped, and
the convolutions are told apart by kind. Never its timings."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from build_scripts.common.paths import ROOT
from build_scripts.measure import op_profile

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_family_names_convolutions_by_kind():
    w = lambda *dims: {"float": list(dims)}  # noqa: E731
    assert op_profile.family("Conv", [w(1, 64, 56, 56), w(64, 1, 5, 5)]) == "Conv depthwise 5x5"
    assert op_profile.family("FusedConv", [w(1, 16, 8, 8), w(64, 16, 1, 1)]) == "Conv 1x1"
    assert op_profile.family("Conv", [w(1, 3, 8, 8), w(16, 3, 3, 3)]) == "Conv dense 3x3"
    assert op_profile.family("Gather", [w(4), w(2)]) == "Gather"


def test_profiles_a_model_in_the_browser_and_natively(tmp_path, model_dir):
    out = tmp_path / "ops.json"
    # Its own process, as a user runs it (the suite's browser fixtures hold Playwright here).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py_src"), str(ROOT)]))
    proc = subprocess.run([sys.executable, "-m", "build_scripts.measure.op_profile", "hand_recrop:2",
                           "--runs", "2", "--warmup", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| Gather |" in proc.stdout  # the printed table
    report = json.loads(out.read_text())
    model = report["models"]["hand_recrop:2"]
    assert model["web_total_ms"] > 0 and model["native_total_ms"] > 0
    fams = model["families"]
    # The recrop network is dense convolutions behind the crop graph's gathers.
    assert any(f.startswith("Conv dense") for f in fams), fams
    assert fams["Gather"]["web_ms"] > 0 and fams["Gather"]["native_ms"] > 0
    assert model["web_top_nodes"][0]["shapes"], model["web_top_nodes"][0]
