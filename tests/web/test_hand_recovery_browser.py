"""enableHandRecovery in the real worker: the palm detector is fetched only when the option
is on, and on a rendered frame where the pose-seeded crop misses the right hand (frame 110
of the demo sample, as tests/blazepose_holistic/test_hand_recovery.py) the browser finds it
where CPython's HolisticTracker does; with the option off there is no right hand.

A video-mode run over the frames around it checks the recovery state the worker's pipeline
carries across frames (palm searches, hands tracked from their own landmarks).

Tolerance: HAND_TOL of the frame size (normalised x, y; z on the same scale), looser than
test_parity's 1e-4: a hand tracked from its own landmarks feeds the engines' float32
rounding differences back into its next crop, so they add up while it is tracked (measured
4e-7 on the still frame, 2.1e-4 at most over the video, printed with -s).
"""
from __future__ import annotations

import numpy as np
import pytest
from bph_browser import PAGE_HELPERS, PageSession, to_rgba, write_raw

pytestmark = pytest.mark.browser

FRAME = 110
# Video mode over the frames around it: hands lost and re-acquired, palm searches and hands
# tracked from their own landmarks (measured in CPython: both ways back happen here).
CLIP = range(96, 128)
CLIP_END = CLIP.stop
FPS = 30.0
HAND_TOL = 1e-3
PALM = "palm_detection_full"


@pytest.fixture(scope="module")
def rendered(raw_dir):
    """(ground truth per frame, RGBA frames, the page's frame records) of the demo sample's
    frames up to CLIP_END: decoded once here, so the page (as ImageData) and CPython see the
    same pixels."""
    from build_scripts.measure.hands import run, sets

    frame_set = sets.rendered_set(CLIP_END)
    rgba = [to_rgba(rgb) for rgb in run.frames_rgb(frame_set)]
    records = {k: {**write_raw(raw_dir, f"rendered{k}", rgba[k]), "t": 1000.0 * k / FPS}
               for k in (FRAME, *CLIP)}
    return frame_set.frames, rgba, records


@pytest.fixture(scope="module")
def page(browser, server, alt_dir):
    (alt_dir / "bundle.html").write_text(
        '<!doctype html><script src="/blazepose-holistic.js"></script>')
    s = PageSession(browser, server)
    s.page.goto(server + "alt/bundle.html")
    s.page.evaluate(PAGE_HELPERS)
    yield s
    s.close()


def _browser_run(page, name: str, options: dict, records: list) -> tuple[dict, list, list]:
    """(tracker.info, the frames' results, the model files requested while loading)."""
    before = len(page.requests)
    info = page.page.evaluate(f"o => bph.create('{name}', o)", {"enableBodyModel": False, **options})
    results = page.page.evaluate(f"f => bph.run('{name}', f)", records)
    page.page.evaluate(f"bph.trackers['{name}'].close()")
    models = [u.rsplit("/", 1)[1] for u in page.requests[before:] if "/models/" in u]
    return info, results, models


def _cpython(frames, timestamps, **options) -> list:
    from blazepose_holistic.tracker import HolisticTracker

    with HolisticTracker(enable_body_model=False, **options) as tracker:
        return [tracker.process(rgba, timestamp=t) for rgba, t in zip(frames, timestamps)]


def test_without_recovery_no_palm_model_and_no_right_hand(page, rendered):
    _, rgba, records = rendered
    info, (js,), models = _browser_run(page, "off", {"staticImageMode": True},
                                       [records[FRAME]])
    assert PALM not in info["models"], info["models"]
    # File names by model, whichever backend's files (.onnx, or .tflite behind a crop model).
    assert not any(m.startswith(f"{PALM}.") for m in models), models
    assert any(m.startswith("hand_landmark_full.") for m in models)  # the hand stage runs
    assert "palmDetector" not in js["timings"]
    assert _hand(js, "right") is None  # what MediaPipe's seeding gives on this frame
    (py,) = _cpython([rgba[FRAME]], [0.0], static_image_mode=True)
    assert py.right_hand_landmarks is None
    assert page.errors == []


def test_recovery_finds_the_hand_as_cpython_does(page, rendered):
    from build_scripts.measure.hands import scoring

    truth, rgba, records = rendered
    info, (js,), models = _browser_run(page, "on", {"staticImageMode": True, "enableHandRecovery": True},
                                       [records[FRAME]])
    assert PALM in info["models"], info["models"]
    assert any(m.startswith(f"{PALM}.") for m in models), models
    assert "palmDetector" in js["timings"], js["timings"]  # the palm detector ran
    right = _hand(js, "right")
    assert right is not None, "the browser did not recover the right hand"
    pck = scoring.hand_pck(right[:, :2] * truth[FRAME].size, truth[FRAME].people[0].hands["right"])
    assert pck >= 0.6, pck  # CPython measured 0.81; the correct-hand bar is 0.5

    (py,) = _cpython([rgba[FRAME]], [0.0], static_image_mode=True, enable_hand_recovery=True)
    assert py.right_hand_landmarks is not None
    d = _max_hand_diff([js], [py], "frame")
    print(f"\nrecovered right hand, browser vs CPython: max |d| {d:.2e} of the frame size")
    assert d <= HAND_TOL, d
    pose = np.array([[p["x"], p["y"]] for p in js["poseLandmarks"]])
    assert np.max(np.abs(pose - py.pose_landmarks[:, :2])) <= 1e-4
    assert page.errors == []


def test_video_recovery_stays_in_step_with_cpython(page, rendered):
    """Video mode (tracking, smoothing, the hands' recovery state across frames): the same
    hands on the same frames as CPython, and more of them than the seeding alone finds."""
    _, rgba, records = rendered
    _, js, _ = _browser_run(page, "video", {"enableHandRecovery": True},
                            [records[k] for k in CLIP])
    frames = [rgba[k] for k in CLIP]
    times = [records[k]["t"] / 1000.0 for k in CLIP]
    py = _cpython(frames, times, enable_hand_recovery=True)
    d = _max_hand_diff(js, py, "frame")
    # Both ways back ran in the worker: palm searches, and hands tracked from landmarks.
    searched = sum("palmDetector" in r["timings"] for r in js)
    recovered = sum("handRecovery" in r["timings"] for r in js)
    print(f"\nvideo with recovery over {len(CLIP)} frames: max |d| {d:.2e} of the frame size; "
          f"palm searches on {searched} frames, recovery landmarks on {recovered}")
    assert d <= HAND_TOL, d
    assert searched >= 2 and recovered >= 10, (searched, recovered)
    found, seeded = _hands_found(py), _hands_found(_cpython(frames, times))
    assert found > seeded, (found, seeded)  # measured 52 against 43
    assert page.errors == []


def _max_hand_diff(js_results: list, py_results: list, label: str) -> float:
    """Largest |browser - CPython| over both hands of every frame; a hand found by one
    runtime only fails."""
    d = 0.0
    for k, (js, py) in enumerate(zip(js_results, py_results)):
        for side in ("left", "right"):
            a, b = _hand(js, side), getattr(py, f"{side}_hand_landmarks")
            assert (a is None) == (b is None), f"{label} {k}: {side} hand in one runtime only"
            if a is not None:
                d = max(d, float(np.max(np.abs(a - np.asarray(b)[:, :3]))))
    return d


def _hands_found(py_results: list) -> int:
    return sum(h is not None for r in py_results
               for h in (r.left_hand_landmarks, r.right_hand_landmarks))


def _hand(js: dict, side: str):
    points = js.get(f"{side}HandLandmarks")
    return None if points is None else np.array([[p["x"], p["y"], p["z"]] for p in points])
