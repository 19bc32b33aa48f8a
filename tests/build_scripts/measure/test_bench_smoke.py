"""Smoke test of the browser benchmark (build_scripts/measure/bench.py): a few frames through every
system (ours holistic and pose only, MediaPipe Tasks HolisticLandmarker and PoseLandmarker on
the CPU, the legacy MediaPipe Holistic on its CPU and WebGL paths, native onnxruntime
holistic and pose only). Checks the report's shape and sanity and that no request to another
origin was answered, never its timings (the machine is shared; see docs/benchmark.md for
real numbers).
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
    assert "ratio_ours_over_tasks_cpu" in proc.stdout  # the printed table
    assert (out / "bench.png").stat().st_size > 1000
    return json.loads((out / "bench.json").read_text())


HOLISTIC = ("ours", "tasks_holistic", "mediapipe_cpu", "mediapipe_webgl", "native")
POSE_ONLY = ("ours_pose", "tasks_pose", "native_pose")


def _latency_ok(lat: dict, frames: int) -> None:
    assert lat["frames"] == frames
    assert 0 < lat["median_ms"] <= lat["p90_ms"] <= lat["max_ms"]
    assert lat["fps"] > 0


def test_report_has_every_system_and_mode(report):
    assert report["frames"]["count"] == 4
    assert report["rows"] == {"holistic": list(HOLISTIC), "pose_only": list(POSE_ONLY)}
    systems = report["systems"]
    for name in HOLISTIC + POSE_ONLY:
        assert systems[name]["label"] and systems[name]["row"] in report["rows"], name
        assert systems[name]["cold_start"]["cold_start_ms"] > 0, name
        _latency_ok(systems[name]["video"]["latency"], 3)
        assert systems[name]["video"]["pose_found_frames"] == 4, name
        assert systems[name]["video"]["cpu"]["mean_ms"] >= 0, name
        assert len(systems[name]["video"]["per_frame_ms"]) == 4
    for name in ("ours", "native", "tasks_holistic") + POSE_ONLY:
        _latency_ok(systems[name]["image"]["latency"], 3)
    for name in ("mediapipe_cpu", "mediapipe_webgl"):
        assert "skipped" in systems[name]["image"]
    # Each peer ran in the configuration its label names.
    assert systems["mediapipe_cpu"]["info"]["useCpuInference"] is True
    assert systems["mediapipe_webgl"]["info"]["useCpuInference"] is False
    for name, bundle in (("tasks_holistic", "holistic_landmarker_full.task"),
                         ("tasks_pose", "pose_landmarker_full.task")):
        assert systems[name]["info"]["delegate"] == "CPU"
        assert systems[name]["tasks"]["package"] == "@mediapipe/tasks-vision@1.1.0"
        assert systems[name]["tasks"]["bundle"]["file"] == bundle
    assert systems["ours_pose"]["info"]["options"]["enable_hands"] is False
    assert systems["ours_pose"]["info"]["options"]["enable_body_model"] is False
    assert systems["native_pose"]["info"] == {"threads": 1, "hands": False, "body_model": False}
    # Hands were found by every holistic system, never by a pose-only one.
    for name in HOLISTIC:
        assert systems[name]["video"]["hands_found"] > 0, name
    for name in POSE_ONLY:
        assert systems[name]["video"]["hands_found"] == 0, name


def test_no_request_to_another_origin_was_answered(report):
    assert report["external_requests_answered"] == []
    for request in report["external_requests"]:
        assert request["outcome"] == "failed", request
        # Only the MediaPipe peers may try (Tasks posts telemetry); ours never does.
        assert not request["system"].startswith(("ours", "native")), request


def test_headline_ratios_and_stage_breakdown(report):
    head = report["ratio_ours_over_tasks_cpu"]
    video = report["ratios"]["video"]
    assert head["holistic"] == video["ours_over_tasks_holistic"] > 0
    assert head["pose_only"] == video["ours_pose_over_tasks_pose"] > 0
    assert head["holistic_cpu_time"] > 0 and head["pose_only_cpu_time"] > 0
    legacy = report["legacy_ratios"]
    assert legacy["ours_over_mediapipe_webgl"] == video["ours_over_mediapipe_webgl"] > 0
    assert legacy["ours_over_mediapipe_cpu"] == video["ours_over_mediapipe_cpu"] > 0
    assert video["ours_over_native"] > 0 and video["ours_pose_over_native_pose"] > 0
    stages = report["systems"]["ours"]["video"]["stages"]
    for key in ("poseLandmarks", "handRecrop", "handLandmarks", "python", "total",
                "worker_messaging"):
        assert stages[key]["median_ms"] >= 0, key
    assert "handLandmarks" not in report["systems"]["ours_pose"]["video"]["stages"]
    # Image mode runs the detector on every frame.
    assert report["systems"]["ours"]["image"]["detector_frames"] == 4


def test_agreement_is_sane(report):
    video = report["agreement"]["video"]
    # ours in the browser and native onnxruntime run the same models and the same Python.
    for pair in ("ours_vs_native", "ours_pose_vs_native_pose"):
        assert video[pair]["counts"]["both_pose"] == 4, pair
        assert video[pair]["body"]["median"] < 1e-3, pair
    # MediaPipe: the same model family, its own preprocessing and inference. Loose bound:
    # under 10% of the torso size (docs/benchmark.md has the measured numbers).
    for pair in ("ours_vs_tasks_holistic", "ours_pose_vs_tasks_pose", "ours_vs_mediapipe_cpu",
                 "ours_vs_mediapipe_webgl"):
        agreement = video[pair]
        assert agreement["counts"]["both_pose"] == 4, pair
        assert agreement["body"]["median"] < 0.1, pair
        if agreement["hands"]["points"]:
            assert agreement["hands"]["median"] < 0.1, pair
