"""Smoke test of the browser benchmark (build_scripts/measure/bench.py): a few frames through ours,
MediaPipe Holistic and native onnxruntime. Checks the report's shape and sanity, never its
timings (the machine is shared; see docs/benchmark.md for real numbers).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from build_scripts.common.paths import ROOT
from build_scripts.measure.common import CLIP

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    if not CLIP.is_dir():
        pytest.fail(f"shared fixtures missing: {CLIP}")
    out = tmp_path_factory.mktemp("bench")
    cmd = [sys.executable, "-m", "build_scripts.measure.bench",
           "--frames", str(CLIP), "--count", "4", "--warmup", "1", "--model", "full",
           "--modes", "video,image", "--no-warm", "--workdir", str(out / "work"),
           "--json", str(out / "bench.json"), "--plot", str(out / "bench.png")]
    dist = ROOT / "web" / "dist"
    if (dist / "blazepose-holistic.js").is_file():
        cmd += ["--ours-dist", str(dist)]  # ./run test builds it; else the bench builds one
    # As ./run runs it: from the checkout, build_scripts and py_src importable.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py_src"), str(ROOT)]))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1400, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "ratio_ours_over_mediapipe" in proc.stdout  # the printed table
    assert (out / "bench.png").stat().st_size > 1000
    return json.loads((out / "bench.json").read_text())


def _latency_ok(lat: dict, frames: int) -> None:
    assert lat["frames"] == frames
    assert 0 < lat["median_ms"] <= lat["p90_ms"] <= lat["max_ms"]
    assert lat["fps"] > 0


def test_report_has_every_system_and_mode(report):
    assert report["frames"]["count"] == 4
    systems = report["systems"]
    for name in ("ours", "mediapipe", "native"):
        assert systems[name]["cold_start"]["cold_start_ms"] > 0, name
        _latency_ok(systems[name]["video"]["latency"], 3)
        assert systems[name]["video"]["pose_found_frames"] == 4, name
        assert len(systems[name]["video"]["per_frame_ms"]) == 4
    for name in ("ours", "native"):
        _latency_ok(systems[name]["image"]["latency"], 3)
    assert "skipped" in systems["mediapipe"]["image"]
    assert report["external_requests"] == []


def test_ratio_and_stage_breakdown(report):
    ratio = report["ratio_ours_over_mediapipe"]
    assert isinstance(ratio, float) and ratio > 0
    assert report["ratios"]["video"]["ours_over_mediapipe"] == ratio
    assert report["ratios"]["video"]["ours_over_native"] > 0
    stages = report["systems"]["ours"]["video"]["stages"]
    for key in ("poseLandmarks", "handRecrop", "handLandmarks", "python", "total",
                "worker_messaging"):
        assert stages[key]["median_ms"] >= 0, key
    # Image mode runs the detector on every frame.
    assert report["systems"]["ours"]["image"]["detector_frames"] == 4


def test_agreement_is_sane(report):
    video = report["agreement"]["video"]
    # ours in the browser and native onnxruntime run the same models and the same Python.
    same = video["ours_vs_native"]
    assert same["counts"]["both_pose"] == 4
    assert same["body"]["median"] < 1e-3
    # MediaPipe: same model family, its own preprocessing and WebGL inference. Loose bound:
    # under 10% of the torso size (docs/benchmark.md has the measured numbers).
    mp = video["ours_vs_mediapipe"]
    assert mp["counts"]["both_pose"] == 4
    assert mp["body"]["median"] < 0.1
    if mp["hands"]["points"]:
        assert mp["hands"]["median"] < 0.1
