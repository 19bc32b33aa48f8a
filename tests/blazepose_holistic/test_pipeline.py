"""HolisticPipeline driven by a recorded inference trace (no onnxruntime).

tests/fixtures/pipeline_trace.npz holds, for 3 PoseTrack18 frames in video mode and 2 in
static mode, every request the pipeline made with the outputs the real models returned,
and the results (build_scripts/measure/record_trace.py regenerates it). A fake engine answers
the pipeline's requests from it.

Tolerance: the pose heatmaps are stored as float16 (the other outputs as the float32 the
models returned) and the expected results come from the real float32 run. Replaying the
float16 heatmaps moves the results by at most 1.3e-5 (video) and 6.6e-6 (static), measured
by the recording script and stored in the trace's meta; RESULT_TOL is 1e-4 (normalised
image units, metres and radians), MATRIX_TOL 0.1 px (1e-4 x 1280 px).

Runs on Python 3.8 + numpy 1.17 too (the Pyodide 0.17 core); the fuzz test needs
hypothesis and is skipped without it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from blazepose_holistic import pipeline as pl

TRACE = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline_trace.npz"
RESULT_TOL = 1e-4
MATRIX_TOL = 0.1
RESULT_ARRAYS = (
    "pose_landmarks", "pose_world_landmarks", "pose_roi", "left_hand_landmarks",
    "right_hand_landmarks", "left_hand_world_landmarks", "right_hand_world_landmarks",
    "left_hand_roi", "right_hand_roi",
)


@functools.lru_cache(maxsize=None)
def _load_trace():
    with np.load(str(TRACE)) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    return meta, arrays


@pytest.fixture
def trace():
    return _load_trace()


def _options(meta, name, **overrides):
    kwargs = dict(meta["options"])
    kwargs["static_image_mode"] = meta["traces"][name]["static_image_mode"]
    kwargs.update(overrides)
    return pl.Options(**kwargs)


def _recorded(arrays, name, k, model, meta):
    """The outputs recorded for ``model`` in frame ``k`` of trace ``name``."""
    for i, req in enumerate(meta["traces"][name]["frames"][k]["requests"]):
        if req["model"] == model:
            prefix = f"{name}/f{k}/r{i}"
            outputs = {n: arrays[prefix + "/out/" + n] for n in req["outputs"]}
            return outputs, arrays[prefix + "/matrix"]
    raise AssertionError(f"model {model} was not requested in {name} frame {k}")


def drive(pipeline, image_size, timestamp, answer):
    """Run one frame; ``answer(request)`` returns the outputs. Returns (result, requests)."""
    requests = []
    step = pipeline.process(image_size, timestamp)
    try:
        request = next(step)
        while True:
            requests.append(request)
            request = step.send(answer(request))
    except StopIteration as stop:
        return stop.value, requests


def replay(pipeline, meta, arrays, name, k, check_matrix=True):
    """Frame ``k`` of trace ``name`` through ``pipeline``, answering from the recording."""
    trace = meta["traces"][name]

    def answer(request):
        outputs, matrix = _recorded(arrays, name, k, request.model, meta)
        if check_matrix:
            np.testing.assert_allclose(request.inputs["matrix"], matrix, atol=MATRIX_TOL)
        return outputs

    return drive(pipeline, trace["image_size"], trace["timestamps"][k], answer)


def assert_matches(result, arrays, name, k):
    prefix = f"{name}/f{k}/result/"
    for field in RESULT_ARRAYS:
        expected = arrays.get(prefix + field)
        got = getattr(result, field)
        assert (got is None) == (expected is None), field
        if expected is not None and field == "pose_world_landmarks":
            # The trace predates world landmarks carrying the image landmarks' visibility
            # and presence: the metres must match, the rest be those copies.
            np.testing.assert_allclose(got[:, :3], expected, atol=RESULT_TOL, err_msg=field)
            np.testing.assert_array_equal(got[:, 3:], result.pose_landmarks[:, 3:5])
        elif expected is not None:
            np.testing.assert_allclose(got, expected, atol=RESULT_TOL, err_msg=field)
    expected_box = arrays.get(prefix + "detection_box")
    assert (result.pose_detection is None) == (expected_box is None)
    if expected_box is not None:
        det = result.pose_detection
        np.testing.assert_allclose(det.box, expected_box, atol=RESULT_TOL)
        np.testing.assert_allclose(det.keypoints, arrays[prefix + "detection_keypoints"],
                                   atol=RESULT_TOL)
        assert abs(det.score - float(arrays[prefix + "detection_score"])) < RESULT_TOL


def _models(requests):
    return [r.model for r in requests]


def _recorded_models(meta, name, k):
    return [r["model"] for r in meta["traces"][name]["frames"][k]["requests"]]


# ---- replay ------------------------------------------------------------------------------
def test_video_mode_detects_once_then_tracks(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    for k in range(len(meta["traces"]["video"]["frames"])):
        result, requests = replay(pipeline, meta, arrays, "video", k)
        assert _models(requests) == _recorded_models(meta, "video", k)
        assert (pl.POSE_DETECTOR in _models(requests)) == (k == 0)
        assert_matches(result, arrays, "video", k)
    # Frames 1-2 found the right hand (frame 2 with last frame's landmarks to track from).
    assert result.right_hand_landmarks is not None and result.left_hand_landmarks is None


def test_static_mode_detects_every_frame(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "static"))
    for k in range(len(meta["traces"]["static"]["frames"])):
        result, requests = replay(pipeline, meta, arrays, "static", k)
        assert _models(requests)[0] == pl.POSE_DETECTOR
        assert _models(requests) == _recorded_models(meta, "static", k)
        assert_matches(result, arrays, "static", k)


def test_reset_forgets_tracking_and_smoothing(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    for k in range(3):
        replay(pipeline, meta, arrays, "video", k)
    pipeline.reset()
    result, requests = replay(pipeline, meta, arrays, "video", 0)
    assert _models(requests) == _recorded_models(meta, "video", 0)
    assert_matches(result, arrays, "video", 0)  # unsmoothed again: the filters restarted


def test_without_reset_the_next_frame_tracks(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    replay(pipeline, meta, arrays, "video", 0)
    _, requests = replay(pipeline, meta, arrays, "video", 1)
    assert _models(requests)[0] == pipeline.options.pose_landmark_model


def test_hands_off_requests_body_models_only(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video", enable_hands=False))
    result, requests = replay(pipeline, meta, arrays, "video", 0)
    assert _models(requests) == [pl.POSE_DETECTOR, "pose_landmark_full"]
    np.testing.assert_allclose(result.pose_landmarks, arrays["video/f0/result/pose_landmarks"],
                               atol=RESULT_TOL)
    assert result.left_hand_landmarks is None and result.right_hand_landmarks is None


# ---- no person ---------------------------------------------------------------------------
def _empty(result):
    return all(getattr(result, f) is None for f in RESULT_ARRAYS)


def test_no_detection_gives_empty_result_and_keeps_detecting(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    size = meta["traces"]["video"]["image_size"]
    det, _ = _recorded(arrays, "video", 0, pl.POSE_DETECTOR, meta)
    low = dict(det, scores=np.full_like(det["scores"], -20.0))  # sigmoid ~ 2e-9

    for k in range(2):
        result, requests = drive(pipeline, size, k / 30.0, lambda r: low)
        assert _models(requests) == [pl.POSE_DETECTOR]
        assert _empty(result) and result.pose_detection is None
    # A person appearing afterwards is found from the detector, as on a first frame.
    result, requests = replay(pipeline, meta, arrays, "video", 0, check_matrix=False)
    assert _models(requests) == _recorded_models(meta, "video", 0)
    assert result.pose_landmarks is not None


def test_low_pose_flag_drops_the_pose_and_redetects(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    replay(pipeline, meta, arrays, "video", 0)
    size = meta["traces"]["video"]["image_size"]
    pose, _ = _recorded(arrays, "video", 1, "pose_landmark_full", meta)
    lost = dict(pose, pose_flag=np.full_like(pose["pose_flag"], 0.1))
    result, requests = drive(pipeline, size, 1 / 30.0, lambda r: lost)
    assert _models(requests) == ["pose_landmark_full"]
    assert _empty(result)
    _, requests = replay(pipeline, meta, arrays, "video", 0, check_matrix=False)
    assert _models(requests)[0] == pl.POSE_DETECTOR


# ---- non-finite outputs (regressions found by the fuzz test below) -----------------------
def _answer_frame0(meta, arrays, **replace):
    def answer(request):
        outputs, _ = _recorded(arrays, "video", 0, request.model, meta)
        return dict(outputs, **replace.get(request.model, {}))

    return answer


def test_nan_keypoint_in_one_candidate_does_not_poison_the_detection(trace):
    # Weighted NMS averages a cluster's keypoints: one NaN candidate used to turn the
    # returned detection into NaN and lose the person.
    meta, arrays = trace
    det, _ = _recorded(arrays, "video", 0, pl.POSE_DETECTOR, meta)
    boxes = np.array(det["boxes"])
    best = int(np.argmax(det["scores"].reshape(-1)))
    boxes.reshape(-1, 12)[best, 4] = np.nan  # x of keypoint 0
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    result, _ = drive(pipeline, meta["traces"]["video"]["image_size"], 0.0,
                      _answer_frame0(meta, arrays, pose_detector={"boxes": boxes}))
    assert np.all(np.isfinite(result.pose_detection.keypoints))
    assert result.pose_landmarks is not None


def test_nan_world_landmarks_drop_the_pose(trace):
    meta, arrays = trace
    pose, _ = _recorded(arrays, "video", 0, "pose_landmark_full", meta)
    world = np.array(pose["world_landmarks"])
    world[0, 5] = np.nan
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    result, requests = drive(pipeline, meta["traces"]["video"]["image_size"], 0.0,
                             _answer_frame0(meta, arrays,
                                            pose_landmark_full={"world_landmarks": world}))
    assert result.pose_landmarks is None and result.pose_world_landmarks is None
    assert _models(requests) == [pl.POSE_DETECTOR, "pose_landmark_full"]


def test_nan_hand_world_landmarks_drop_the_hand(trace):
    meta, arrays = trace
    pipeline = pl.HolisticPipeline(_options(meta, "video"))
    replay(pipeline, meta, arrays, "video", 0)
    hand, _ = _recorded(arrays, "video", 1, pl.HAND_LANDMARK, meta)
    world = np.array(hand["world_landmarks"])
    world[0, 3] = np.inf

    def answer(request):
        outputs, _ = _recorded(arrays, "video", 1, request.model, meta)
        return dict(outputs, world_landmarks=world) if request.model == pl.HAND_LANDMARK \
            else outputs

    result, _ = drive(pipeline, meta["traces"]["video"]["image_size"], 1 / 30.0, answer)
    assert result.pose_landmarks is not None
    assert result.right_hand_landmarks is None and result.right_hand_world_landmarks is None


# ---- fuzz: any finite/inf/NaN model output -----------------------------------------------
try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the Python 3.8 + numpy 1.17 environment has no hypothesis
    given = None

# Each output tensor of each request is, independently: kept as recorded (twice as likely,
# so that runs get past the detector into the landmark, tracking and hand stages), noised,
# replaced by random values, sprinkled with a few special values, or filled with one.
# Hand outputs follow the batch the pipeline asked for. Shapes are always right.
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-30, 3e38, -3e38]
MODES = ["keep", "keep", "noise", "random", "sprinkle", "constant"]


def _batched(outputs, batch):
    # Hand models answer one row per requested crop; the recording had one hand, so
    # its row is repeated when the fuzzed pose makes both wrists visible.
    return {n: np.repeat(np.asarray(v)[:1], batch, axis=0) for n, v in outputs.items()}


def _corrupt(value, data, rng):
    value = np.array(value, dtype=np.float32)
    mode = data.draw(st.sampled_from(MODES))
    with np.errstate(all="ignore"):
        if mode == "noise":
            scale = data.draw(st.sampled_from([1e-3, 1.0, 100.0, 1e6]))
            value = (value + rng.normal(size=value.shape) * scale).astype(np.float32)
        elif mode == "random":
            scale = data.draw(st.sampled_from([1e-3, 1.0, 100.0, 1e6, 1e30]))
            value = (rng.normal(size=value.shape) * scale).astype(np.float32)
        elif mode == "sprinkle":
            special = data.draw(st.sampled_from(SPECIAL))
            count = data.draw(st.integers(1, 8))
            value.reshape(-1)[rng.integers(0, value.size, count)] = special
        elif mode == "constant":
            value[...] = data.draw(st.sampled_from(SPECIAL))
    return value


def _check_finite(result):
    for field in RESULT_ARRAYS:
        value = getattr(result, field)
        if value is not None:
            assert np.all(np.isfinite(value)), (field, value)
    det = result.pose_detection
    if det is not None:
        assert np.all(np.isfinite(det.box)) and np.all(np.isfinite(det.keypoints))
        assert np.isfinite(det.score)


if given is not None:

    @pytest.mark.slow
    @pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/inf arithmetic is the point
    @settings(max_examples=100, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data(), static=st.booleans(), frames=st.integers(1, 3),
           seed=st.integers(0, 2 ** 32 - 1))
    def test_fuzzed_outputs_never_crash_or_give_nan(data, static, frames, seed):
        # The trace is loaded here, not taken as a fixture, so that hypothesis does not
        # print megabytes of arrays with a failing example.
        meta, arrays = _load_trace()
        rng = np.random.default_rng(seed)
        pipeline = pl.HolisticPipeline(_options(meta, "video", static_image_mode=static))
        size = meta["traces"]["video"]["image_size"]
        for k in range(frames):
            def answer(request, k=k):
                # The detector ran on frame 0 of the video trace only; a fuzzed pose may
                # be dropped and send later frames back to the detector.
                frame = 0 if request.model == pl.POSE_DETECTOR else k
                outputs, _ = _recorded(arrays, "video", frame, request.model, meta)
                if request.model in (pl.HAND_RECROP, pl.HAND_LANDMARK):
                    outputs = _batched(outputs, np.asarray(request.inputs["matrix"]).shape[0])
                return {n: _corrupt(v, data, rng) for n, v in outputs.items()}

            try:
                result, _ = drive(pipeline, size, k / 30.0, answer)
            except pl.PipelineError:
                continue
            _check_finite(result)

else:

    def test_fuzzed_outputs_never_crash_or_give_nan():
        pytest.skip("hypothesis is not installed")
