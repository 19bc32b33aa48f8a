"""The worker's Python entry point (bridge.Bridge), driven from CPython the way the worker
drives it: JSON options, flat float32 requests, read-only byte buffers back. Its results
must equal HolisticTracker's exactly (same engine, same pipeline). No browser needed."""
from __future__ import annotations

import json

import numpy as np
import pytest
from bph_browser import CLIP, load_rgba

from blazepose_holistic.bridge import Bridge
from blazepose_holistic.pipeline import PipelineError


@pytest.fixture(scope="module")
def engine():
    from blazepose_holistic.engine_ort import OrtEngine
    from blazepose_holistic.model_store import ModelStore

    store = ModelStore()
    names = ["pose_detector", "pose_landmark_full", "hand_recrop", "hand_landmark_full"]
    return OrtEngine(store, names)


def _drive(bridge: Bridge, engine, frame: np.ndarray, t: float) -> dict:
    """The worker's loop: requests out as flat float32, outputs back as bytes + JSON meta."""
    h, w = frame.shape[:2]
    step = bridge.start(w, h, t)
    requests = 0
    while step[0] == "run":
        _, model, stage, names, shapes, arrays = step
        assert all(a.dtype == np.float32 and a.ndim == 1 for a in arrays)
        feeds = {n: a.reshape(s) for n, a, s in zip(names, arrays, shapes)}
        sess = engine.sessions[model]
        feeds["image"] = frame
        outs = sess.run(None, feeds)
        meta = [[o.name, str(v.dtype), list(v.shape)] for o, v in zip(sess.get_outputs(), outs)]
        # bytes -> read-only arrays: the pipeline must never write into model outputs.
        step = bridge.send(json.dumps(meta), [np.ascontiguousarray(v).tobytes() for v in outs])
        requests += 1
    assert step[0] == "done" and requests >= 1
    return {name: np.asarray(data).reshape(shape) for name, data, shape in step[1]}


def test_bridge_matches_the_cpython_tracker(engine):
    from blazepose_holistic.tracker import HolisticTracker

    frames = [load_rgba(p) for p in sorted(CLIP.glob("*.jpg"))]
    bridge = Bridge(json.dumps({"enable_body_model": False}), json.dumps(list(engine.sessions)))
    tracker = HolisticTracker(enable_body_model=False)
    hands = 0
    for i, frame in enumerate(frames + frames[::-1]):
        got = _drive(bridge, engine, frame, i / 30)
        want = tracker.process(frame, timestamp=i / 30)
        np.testing.assert_array_equal(got["pose_landmarks"], want.pose_landmarks)
        np.testing.assert_array_equal(got["pose_world_landmarks"], want.pose_world_landmarks)
        for side in ("left", "right"):
            ref = getattr(want, f"{side}_hand_landmarks")
            assert (f"{side}_hand_landmarks" in got) == (ref is not None)
            if ref is not None:
                hands += 1
                np.testing.assert_array_equal(got[f"{side}_hand_landmarks"], ref)
    assert hands > 0
    assert json.loads(bridge.models_json()) == list(engine.sessions)
    assert "Hips" in json.loads(bridge.joint_names_json())


def test_bridge_errors_are_named(engine):
    models = json.dumps(list(engine.sessions))
    with pytest.raises(PipelineError, match="unknown option"):
        Bridge(json.dumps({"model_complexty": 1}), models)
    with pytest.raises(PipelineError, match="lifter"):
        Bridge(json.dumps({"enable_body_model": True}), models)
    with pytest.raises(PipelineError, match="pose_landmark_lite"):
        Bridge(json.dumps({"model_complexity": 0, "enable_body_model": False}), models)
    # Manifest entries are checked against the contract: another build's crop is named.
    entries = {name: dict(engine.store.models[name]) for name in engine.sessions}
    Bridge(json.dumps({"enable_body_model": False}), json.dumps(entries))
    entries["hand_recrop"]["crop"] = dict(entries["hand_recrop"]["crop"], size=192)
    with pytest.raises(PipelineError, match="hand_recrop"):
        Bridge(json.dumps({"enable_body_model": False}), json.dumps(entries))
    bridge = Bridge(json.dumps({"enable_body_model": False}), models)
    with pytest.raises(PipelineError, match="start"):
        bridge.send("[]", [])
    step = bridge.start(64, 48, 0.0)
    assert step[0] == "run" and step[1] == "pose_detector"
    with pytest.raises(PipelineError, match="shape"):
        bridge.send(json.dumps([["boxes", "float32", [1, 2254, 12]], ["scores", "float32", [1, 2254, 1]]]),
                    [b"\0" * 16, b"\0" * 16])
    # A failed frame leaves the bridge usable: the next frame starts cleanly.
    frame = np.zeros((48, 64, 4), np.uint8)
    out = _drive(bridge, engine, frame, 1.0)
    assert "pose_landmarks" not in out
