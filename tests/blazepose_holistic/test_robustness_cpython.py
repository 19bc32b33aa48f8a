"""Bad frames give a clear FrameError and leave the tracker usable (issue 9, CPython side)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from blazepose_holistic.frames import FrameError, as_rgb_frame
from blazepose_holistic.tracker import HolisticTracker


@pytest.fixture(scope="module")
def person(shared_data):
    return np.asarray(Image.open(shared_data / "eval/mpii/004645041.jpg").convert("RGB"))


@pytest.fixture(scope="module")
def tracker():
    with HolisticTracker(enable_body_model=False) as t:
        yield t


@pytest.mark.parametrize(
    "frame, message",
    [
        (np.zeros((0, 0, 3), np.uint8), "empty image"),
        (np.zeros((5, 0, 3), np.uint8), "empty image"),
        (np.zeros((16385, 2, 3), np.uint8), "too large"),
        (np.zeros((8000, 8000, 3), np.uint8), "8000x8000 is too large"),
        (np.zeros((4, 4, 2), np.uint8), "expected an"),
        (np.zeros((4, 4, 3), np.int32), "uint8 or float"),
        (np.full((4, 4, 3), np.nan, np.float32), "NaN or infinity"),
        (np.full((4, 4, 3), 2.0, np.float32), r"\[0, 1\]"),
        ([[1, 2, 3]], "numpy array"),
        ("frame.jpg", "numpy array"),
    ],
)
def test_bad_frames_are_refused_and_the_tracker_recovers(tracker, person, frame, message):
    with pytest.raises(FrameError, match=message):
        tracker.process(frame)
    assert tracker.process(person).pose_landmarks is not None


def test_conversions_of_unambiguous_inputs(person):
    gray = person[:, :, 0]
    assert as_rgb_frame(gray).shape == person.shape
    rgba = np.concatenate([person, np.full(person.shape[:2] + (1,), 255, np.uint8)], axis=2)
    assert as_rgb_frame(rgba).shape[2] == 4
    np.testing.assert_array_equal(as_rgb_frame(person[:, :, ::-1], bgr=True), person)
    as_float = person.astype(np.float32) / 255.0
    np.testing.assert_array_equal(as_rgb_frame(as_float), person)


def test_same_landmarks_from_rgb_rgba_and_bgr(person):
    with HolisticTracker(static_image_mode=True, enable_body_model=False, enable_hands=False) as t:
        ref = t.process(person).pose_landmarks
        rgba = np.concatenate([person, np.zeros(person.shape[:2] + (1,), np.uint8)], axis=2)
        np.testing.assert_allclose(t.process(rgba).pose_landmarks, ref, atol=1e-6)
        np.testing.assert_allclose(t.process(person[:, :, ::-1].copy(), bgr=True).pose_landmarks, ref,
                                   atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 4000, 3), (4000, 1, 3), (3, 5, 3)])
def test_degenerate_sizes_run_without_error(tracker, shape):
    result = tracker.process(np.full(shape, 128, np.uint8))
    assert result.pose_landmarks is None


def test_noise_and_blank_frames_find_nobody_then_tracking_recovers(tracker, person):
    rng = np.random.default_rng(0)
    tracker.reset()
    for _ in range(3):
        assert tracker.process(person).pose_landmarks is not None
        assert tracker.process(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)).pose_landmarks is None
        assert tracker.process(np.zeros((240, 320, 3), np.uint8)).pose_landmarks is None


def test_closed_tracker_refuses_frames(person):
    t = HolisticTracker(enable_body_model=False, enable_hands=False)
    t.close()
    with pytest.raises(RuntimeError, match="closed"):
        t.process(person)
