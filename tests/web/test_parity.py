"""The browser runtime gives the CPython driver's numbers.

Both sides run the same Python pipeline (Pyodide 0.17 / numpy 1.17 in the worker, CPython /
numpy 2 here) on identical RGBA pixels (decoded once here, sent to the page as ImageData);
they differ only in the inference engine, whose float32 kernels round differently: the
default "litert" backend (MediaPipe's TFLite networks on LiteRT.js / XNNPACK behind our crop
in JavaScript, and the lifter converted to TFLite) or the "wasm" backend (our ONNX models on
onnxruntime-web), against native onnxruntime.

Tolerance (documented in docs/web.md): image-normalised landmarks (x, y, z, visibility,
presence) and hand landmarks within LANDMARK_TOL = 1e-4; world landmarks within
WORLD_TOL = 3e-4 metres (0.3 mm); body-model quaternions within 1e-3. Measured maxima are
printed (-s): about 3e-5 and 9e-5. The "litert" backend runs MediaPipe's TFLite networks
themselves, which the converted ONNX models match to ~1e-5 relative (the model build's
verification), not bit for bit: its bounds are LITERT_TOL (measured on the photos, 2026-12-07:
3.0e-4 landmarks, 3.9e-4 m world, 2.2e-3 rotations).
"""
from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest
from bph_browser import ROOT, load_rgba, write_raw

pytestmark = pytest.mark.browser

LANDMARK_TOL = 1e-4
WORLD_TOL = 3e-4
ROTATION_TOL = 1e-3
LITERT_TOL = {"landmarks": 5e-4, "world": 1e-3, "rotations": 5e-3}
EVAL = ROOT.parent / "shared" / "data" / "eval"
IMAGE_SETS = ("coco", "mpii", "crowdpose", "freihand")
POSETRACK = EVAL / "posetrack18" / "videos" / "000001_mpiinew_test"


def _fixture_images() -> list[Path]:
    files = []
    for name in IMAGE_SETS:
        files += sorted(Path(p) for p in glob.glob(str(EVAL / name / "*.jpg")))
    return files


def _cpython_tracker(has_lifter: bool, **kw):
    from blazepose_holistic.tracker import HolisticTracker

    return HolisticTracker(enable_body_model=has_lifter, **kw)


def _js_array(points, keys):
    return None if points is None else np.array([[p[k] for k in keys] for p in points])


class Diff:
    """Largest |browser - CPython| per kind over many frames."""

    def __init__(self):
        self.max = {"landmarks": 0.0, "world": 0.0, "rotations": 0.0}
        self.frames = 0
        self.hands = 0

    def _take(self, kind, a, b, label):
        assert (a is None) == (b is None), f"{label}: present in one runtime only"
        if a is None:
            return
        a = np.asarray(a, np.float64)
        b = np.asarray(b, np.float64)
        assert a.shape == b.shape, f"{label}: shapes {a.shape} vs {b.shape}"
        d = float(np.max(np.abs(a - b)))
        self.max[kind] = max(self.max[kind], d)

    def compare(self, py, js, label: str) -> None:
        self.frames += 1
        self._take("landmarks", py.pose_landmarks,
                   _js_array(js.get("poseLandmarks"), "x y z visibility presence".split()),
                   f"{label} pose landmarks")
        self._take("world", py.pose_world_landmarks,
                   _js_array(js.get("poseWorldLandmarks"), "x y z visibility presence".split()),
                   f"{label} world landmarks")
        for side in ("left", "right"):
            hand = getattr(py, f"{side}_hand_landmarks")
            self.hands += hand is not None
            self._take("landmarks", hand, _js_array(js.get(f"{side}HandLandmarks"), "xyz"),
                       f"{label} {side} hand")
            self._take("world", getattr(py, f"{side}_hand_world_landmarks"),
                       _js_array(js.get(f"{side}HandWorldLandmarks"), "xyz"),
                       f"{label} {side} hand world")
        body = js.get("bodyModel")
        self._take("rotations", None if py.body_model is None else py.body_model.joint_rotations,
                   None if body is None else body["jointRotations"], f"{label} body model")

    def check(self, tol: dict | None = None) -> None:
        tol = tol or {"landmarks": LANDMARK_TOL, "world": WORLD_TOL, "rotations": ROTATION_TOL}
        print(f"\nbrowser vs CPython over {self.frames} frames ({self.hands} hands): "
              + ", ".join(f"max |d| {k} {v:.2e}" for k, v in self.max.items()))
        for kind, bound in tol.items():
            assert self.max[kind] <= bound, self.max


@pytest.mark.parametrize("backend", ["litert", "wasm"])
def test_fixture_images_match_cpython(app, raw_dir, dist_manifest, backend):
    """Every fixture photo, static image mode: every landmark as CPython computes it, on
    each CPU backend."""
    has_lifter = "lifter" in dist_manifest["models"]
    images = _fixture_images()
    assert len(images) >= 15, "fixture images missing from ../shared/data/eval"
    frames, pixels = [], []
    for i, path in enumerate(images):
        rgba = load_rgba(path)
        pixels.append(rgba)
        frames.append({**write_raw(raw_dir, f"still{i}", rgba), "t": i * 1000.0})
    name = f"still-{backend}"
    app.page.evaluate("([n, o]) => bph.create(n, o)",
                      [name, {"staticImageMode": True, "backend": backend}])
    assert app.page.evaluate("n => bph.trackers[n].info.backend", name) == backend
    js_results = app.page.evaluate("([n, f]) => bph.run(n, f)", [name, frames])
    app.page.evaluate("n => bph.trackers[n].close()", name)

    tracker = _cpython_tracker(has_lifter, static_image_mode=True)
    diff = Diff()
    found = 0
    for path, rgba, js in zip(images, pixels, js_results):
        py = tracker.process(rgba)
        found += py.pose_landmarks is not None
        diff.compare(py, js, path.name)
    assert found >= 10, f"only {found} of {len(images)} photos had a pose"
    assert diff.hands >= 4
    diff.check(LITERT_TOL if backend == "litert" else None)


def _video_frames(n: int) -> list[int]:
    # The 5 PoseTrack frames played forwards and backwards: a smooth 100-frame clip.
    cycle = [0, 1, 2, 3, 4, 3, 2, 1]
    return [cycle[i % len(cycle)] for i in range(n)]


def test_video_sequence_matches_cpython(app, raw_dir, dist_manifest):
    """100 frames in video mode (tracking + smoothing): the state machine stays in step."""
    has_lifter = "lifter" in dist_manifest["models"]
    files = sorted(POSETRACK.glob("*.jpg"))
    assert len(files) == 5
    pixels = [load_rgba(p) for p in files]
    records = [write_raw(raw_dir, f"video{i}", rgba) for i, rgba in enumerate(pixels)]
    order = _video_frames(100)
    frames = [{**records[k], "t": 1000.0 + i * 1000.0 / 30.0} for i, k in enumerate(order)]
    app.page.evaluate("o => bph.create('video', o)", {})
    js_results = app.page.evaluate("f => bph.run('video', f)", frames)
    assert len(js_results) == 100

    tracker = _cpython_tracker(has_lifter)
    diff = Diff()
    detector_runs = 0
    for i, (k, js) in enumerate(zip(order, js_results)):
        py = tracker.process(pixels[k], timestamp=frames[i]["t"] / 1000.0)
        diff.compare(py, js, f"frame {i}")
        detector_runs += "poseDetection" in js
    # Tracking: the detector runs on the first frame and (almost) never again.
    assert detector_runs <= 2, detector_runs
    assert all("poseLandmarks" in r for r in js_results)
    steady = [r["timings"]["total"] for r in js_results[10:]]
    print(f"\nvideo mode: median {np.median(steady):.0f} ms a frame in the worker "
          f"(inference {np.median([r['timings']['inference'] for r in js_results[10:]]):.0f} ms, "
          f"Python {np.median([r['timings']['python'] for r in js_results[10:]]):.0f} ms)")
    diff.check(LITERT_TOL)
