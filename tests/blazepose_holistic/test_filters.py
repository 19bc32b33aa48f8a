from __future__ import annotations

import math

import numpy as np
import pytest

from blazepose_holistic.filters import (
    LandmarksOneEuroFilter,
    LowPassFilter,
    OneEuroFilter,
    PoseLandmarksSmoother,
    QuaternionOneEuroFilter,
    bounding_box_object_scale,
    one_euro_alpha,
    rect_object_scale,
)

FPS = 30.0


def times(n, fps=FPS):
    return [i / fps for i in range(n)]


def test_alphas_match_pose_landmark_filtering_comments():
    # pose_landmark_filtering.pbtxt explains its numbers as EMA alphas at 30 fps.
    assert one_euro_alpha(0.05, FPS) == pytest.approx(0.0104, abs=5e-4)  # "~0.01"
    assert one_euro_alpha(0.01, FPS) == pytest.approx(0.002, abs=2e-4)  # "~0.002"
    assert one_euro_alpha(1.0, FPS) == pytest.approx(0.17, abs=5e-3)  # "~0.17"
    assert one_euro_alpha(0.1, FPS) == pytest.approx(0.02, abs=1e-3)  # "~ 0.02"


def test_low_pass_first_sample_passes_then_blends():
    f = LowPassFilter(0.1)
    assert f.apply([1.0, 0.0]).tolist() == [1.0, 0.0]
    np.testing.assert_allclose(f.apply([0.0, 1.0]), [0.9, 0.1])
    np.testing.assert_allclose(f.apply([0.0, 1.0]), [0.81, 0.19])
    np.testing.assert_allclose(f.last_raw, [0.0, 1.0])
    f.reset()
    assert f.apply([5.0, 5.0]).tolist() == [5.0, 5.0]


def test_one_euro_second_sample_by_hand():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.5, derivate_cutoff=1.0)
    assert f.apply(0.0, 0.0) == 0.0
    out = f.apply(1.0, 1.0 / FPS)
    # derivative 30 /s; its low-pass starts from 0, so it becomes alpha_d * 30.
    alpha_d = 1.0 / (1.0 + FPS / (2.0 * math.pi * 1.0))
    cutoff = 1.0 + 0.5 * alpha_d * 30.0
    alpha = 1.0 / (1.0 + FPS / (2.0 * math.pi * cutoff))
    assert out == pytest.approx(alpha * 1.0, rel=1e-12)


def test_one_euro_frequency_comes_from_timestamps():
    a = OneEuroFilter(1.0, 0.0, 1.0, frequency=FPS)
    b = OneEuroFilter(1.0, 0.0, 1.0, frequency=1000.0)
    for t, v in zip(times(5, fps=60.0), [0.0, 1.0, 1.0, 2.0, 0.5]):
        out_a, out_b = a.apply(v, t), b.apply(v, t)
    assert a.frequency == pytest.approx(60.0)
    assert out_a == pytest.approx(out_b)


def test_one_euro_constant_stays_constant():
    f = OneEuroFilter(0.05, 80.0, 1.0)
    value = np.random.default_rng(0).normal(size=(33, 3))
    for t in times(20):
        out = f.apply(value, t)
    np.testing.assert_allclose(out, value, rtol=0, atol=1e-12)


def step_response(beta, n=30):
    f = OneEuroFilter(1.0, beta, 1.0)
    return np.array([f.apply(0.0 if i == 0 else 1.0, t) for i, t in enumerate(times(n))])


def test_one_euro_step_converges_faster_with_bigger_beta():
    slow, fast = step_response(0.0), step_response(1.0)
    assert np.all(np.diff(slow) >= 0) and np.all(np.diff(fast) >= 0)
    assert np.all(fast[1:6] > slow[1:6])
    assert fast[-1] == pytest.approx(1.0, abs=0.05)
    # beta = 0 is a plain EMA with the min_cutoff alpha.
    assert slow[-1] == pytest.approx(1.0 - (1.0 - one_euro_alpha(1.0, FPS)) ** 29)


def test_one_euro_non_increasing_timestamp_returns_input_and_keeps_state():
    f = OneEuroFilter(1.0, 0.0, 1.0)
    f.apply(0.0, 0.0)
    first = f.apply(1.0, 1.0 / FPS)
    assert f.apply(7.0, 1.0 / FPS) == 7.0
    assert f.apply(7.0, 0.0) == 7.0
    reference = OneEuroFilter(1.0, 0.0, 1.0)
    reference.apply(0.0, 0.0)
    assert reference.apply(1.0, 1.0 / FPS) == first
    assert f.apply(1.0, 2.0 / FPS) == reference.apply(1.0, 2.0 / FPS)


def test_one_euro_reset_forgets_history():
    f = OneEuroFilter(0.05, 80.0, 1.0)
    for t in times(5):
        f.apply([0.0, 0.0], t)
    f.reset()
    assert f.apply([3.0, 4.0], 10.0).tolist() == [3.0, 4.0]


def test_one_euro_rejects_shape_change():
    f = OneEuroFilter(1.0, 0.0, 1.0)
    f.apply(np.zeros(3), 0.0)
    with pytest.raises(ValueError):
        f.apply(np.zeros(4), 1.0)


def test_object_scales():
    points = np.array([[0.0, 0.0], [4.0, 1.0], [2.0, 3.0]])
    assert bounding_box_object_scale(points) == pytest.approx((4.0 + 3.0) / 2.0)
    rect = np.array([0.5, 0.5, 0.25, 0.5, 0.3])
    assert rect_object_scale(rect, (640, 480)) == pytest.approx((160.0 + 240.0) / 2.0)


def moving_landmarks(n_frames, rng):
    base = rng.uniform(0.3, 0.7, size=(33, 5))
    drift = np.array([0.004, -0.002, 0.001, 0.0, 0.0])
    frames = base + np.arange(n_frames)[:, None, None] * drift
    frames[:, :, :3] += rng.normal(scale=0.003, size=(n_frames, 33, 3))
    frames[:, 10, :2] += np.where(np.arange(n_frames) > 10, 0.1, 0.0)[:, None]  # a jump
    return frames


def test_landmarks_filter_is_scale_invariant():
    # The same normalised motion seen in a 2x larger image gives the same normalised output:
    # pixels double and so does the object scale that divides the derivative.
    frames = moving_landmarks(25, np.random.default_rng(1))
    small = LandmarksOneEuroFilter(0.05, 80.0, 1.0)
    large = LandmarksOneEuroFilter(0.05, 80.0, 1.0)
    for t, lm in zip(times(len(frames)), frames):
        out_small = small.apply(lm, t, image_size=(320, 240))
        out_large = large.apply(lm, t, image_size=(640, 480))
        np.testing.assert_allclose(out_small, out_large, rtol=0, atol=1e-12)
    assert not np.allclose(out_small[:, :3], frames[-1][:, :3])
    np.testing.assert_array_equal(out_small[:, 3:], frames[-1][:, 3:])


def test_landmarks_filter_depends_on_object_scale():
    # A larger object moving by the same pixels is relatively slower: more smoothing.
    frames = moving_landmarks(10, np.random.default_rng(2))
    near = LandmarksOneEuroFilter(0.05, 80.0, 1.0)
    far = LandmarksOneEuroFilter(0.05, 80.0, 1.0)
    for t, lm in zip(times(len(frames)), frames):
        out_near = near.apply(lm, t, (640, 480), object_scale=400.0)
        out_far = far.apply(lm, t, (640, 480), object_scale=40.0)
    err_near = np.abs(out_near[:, :2] - frames[-1][:, :2]).mean()
    err_far = np.abs(out_far[:, :2] - frames[-1][:, :2]).mean()
    assert err_near > err_far


def test_landmarks_filter_passes_through_degenerate_object():
    f = LandmarksOneEuroFilter(0.05, 80.0, 1.0)
    point = np.tile([[0.5, 0.5, 0.0]], (4, 1))
    f.apply(point, 0.0, (640, 480))
    moved = point + [0.1, 0.0, 0.0]
    np.testing.assert_allclose(f.apply(moved, 1.0 / FPS, (640, 480)), moved)


def test_world_filter_without_value_scaling_ignores_object_scale():
    frames = moving_landmarks(10, np.random.default_rng(3))[:, :, :3]
    a = LandmarksOneEuroFilter(0.1, 40.0, 1.0, disable_value_scaling=True)
    b = LandmarksOneEuroFilter(0.1, 40.0, 1.0, disable_value_scaling=True)
    for t, lm in zip(times(len(frames)), frames):
        out_a = a.apply(lm, t)
        out_b = b.apply(lm, t, object_scale=123.0)
    np.testing.assert_array_equal(out_a, out_b)
    # Equivalent to the raw filter on the metres with value_scale 1.
    raw = OneEuroFilter(0.1, 40.0, 1.0)
    for t, lm in zip(times(len(frames)), frames):
        expected = raw.apply(lm, t)
    np.testing.assert_allclose(out_a, expected)


def pose_frames(n, rng):
    lm = moving_landmarks(n, rng)
    aux = np.stack([lm[:, 23], lm[:, 11]], axis=1)  # any two distinct points
    world = moving_landmarks(n, rng)[:, :, :4]
    return lm, aux, world


def test_pose_smoother_scale_invariant_and_smooths_visibility():
    lm, aux, world = pose_frames(15, np.random.default_rng(4))
    lm[:, :, 3] = np.where(np.arange(15) % 2 == 0, 1.0, 0.0)[:, None]
    a, b = PoseLandmarksSmoother(), PoseLandmarksSmoother()
    for t, frame in zip(times(15), zip(lm, aux, world)):
        out_a = a.apply(*frame, t, (256, 192))
        out_b = b.apply(*frame, t, (512, 384))
    for x, y in zip(out_a, out_b):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)
    visibility = LowPassFilter(0.1)
    for v in lm[:, :, 3]:
        expected = visibility.apply(v)
    np.testing.assert_allclose(out_a[0][:, 3], expected)
    np.testing.assert_array_equal(out_a[0][:, 4], lm[-1][:, 4])  # presence is not smoothed


def test_pose_smoother_reset():
    lm, aux, world = pose_frames(5, np.random.default_rng(5))
    s = PoseLandmarksSmoother()
    for t, frame in zip(times(5), zip(lm, aux, world)):
        s.apply(*frame, t, (640, 480))
    s.reset()
    out = s.apply(lm[0], aux[0], world[0], 10.0, (640, 480))
    np.testing.assert_allclose(out[0], lm[0])
    np.testing.assert_allclose(out[1], aux[0])
    np.testing.assert_allclose(out[2], world[0])


def axis_angle_quat(axis, angle):
    axis = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    return np.concatenate([axis * math.sin(angle / 2.0), [math.cos(angle / 2.0)]])


def test_quaternion_filter_matches_scalar_filter_about_one_axis():
    angles = [0.0, 0.1, 0.5, 0.55, 0.4, 1.2, 1.25, 1.2]
    scalar = OneEuroFilter(1.0, 0.3, 1.0)
    quat = QuaternionOneEuroFilter(1.0, 0.3, 1.0)
    axis = [1.0, 2.0, -0.5]
    for t, angle in zip(times(len(angles)), angles):
        expected = axis_angle_quat(axis, scalar.apply(angle, t))
        np.testing.assert_allclose(
            quat.apply(axis_angle_quat(axis, angle), t), expected, atol=1e-12
        )


def random_rotations(rng, n, shape):
    q = rng.normal(size=(n,) + shape + (4,))
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def test_quaternion_filter_ignores_sign_flips_and_keeps_unit_norm():
    rng = np.random.default_rng(6)
    base = random_rotations(rng, 1, (24,))[0]
    seq = base + rng.normal(scale=0.05, size=(12, 24, 4))
    seq = seq / np.linalg.norm(seq, axis=-1, keepdims=True)
    signs = rng.choice([-1.0, 1.0], size=seq.shape[:-1] + (1,))
    plain = QuaternionOneEuroFilter(0.5, 5.0, 1.0)
    flipped = QuaternionOneEuroFilter(0.5, 5.0, 1.0)
    previous = None
    for t, q, s in zip(times(len(seq)), seq, signs):
        a, b = plain.apply(q, t), flipped.apply(q * s, t)
        np.testing.assert_allclose(np.linalg.norm(a, axis=-1), 1.0, atol=1e-12)
        np.testing.assert_allclose(np.abs(np.sum(a * b, axis=-1)), 1.0, atol=1e-12)
        if previous is not None:
            assert np.all(np.sum(b * previous, axis=-1) > 0.0)  # continuous sign
        previous = b


def test_quaternion_filter_constant_and_step():
    rng = np.random.default_rng(7)
    start, target = random_rotations(rng, 2, (5,))
    f = QuaternionOneEuroFilter(1.0, 0.5, 1.0)
    for t in times(5):
        out = f.apply(start, t)
    np.testing.assert_allclose(np.abs(np.sum(out * start, axis=-1)), 1.0, atol=1e-12)
    for t in times(60)[5:]:
        out = f.apply(target, t)
    np.testing.assert_allclose(np.abs(np.sum(out * target, axis=-1)), 1.0, atol=1e-4)


def test_quaternion_filter_reset_and_repeated_timestamp():
    q = axis_angle_quat([0, 0, 1], 0.3)
    f = QuaternionOneEuroFilter(1.0, 0.0, 1.0)
    f.apply(axis_angle_quat([0, 0, 1], 0.0), 0.0)
    np.testing.assert_allclose(f.apply(2.0 * q, 0.0), q)
    f.reset()
    np.testing.assert_allclose(f.apply(q, 5.0), q)
