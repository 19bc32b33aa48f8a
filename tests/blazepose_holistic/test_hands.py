from __future__ import annotations

import math

import numpy as np
import pytest

from blazepose_holistic.hands import (
    LEFT,
    POSE_WRISTS,
    RIGHT,
    attach_to_pose_wrist,
    choose_tracking_rect,
    decode_hand_landmarks,
    decode_hand_world,
    decode_recrop,
    hand_landmarks_to_rect,
    hand_present,
    hand_rois_from_pose,
    keep_tracking,
    recrop_to_rect,
)
from blazepose_holistic.roi import crop_matrix

SIZE = (640, 480)
W, H = SIZE


def pose_with_hands(left, right, visibility=(0.9, 0.9)):
    """left/right: (wrist, pinky, index) image-normalised points for pose 15/17/19, 16/18/20."""
    pose = np.zeros((33, 5))
    pose[:, 3:] = 1.0
    for side, points in ((0, left), (1, right)):
        for k, point in enumerate(points):
            pose[15 + side + 2 * k, :2] = point
        pose[15 + side, 3] = visibility[side]
    return pose


def test_upright_hand_from_pose_by_hand():
    # Middle = (2 * index + pinky) / 3 = (0.5, 0.5); wrist 0.1 * 480 = 48 px below.
    upright = ((0.5, 0.6), (0.46, 0.5), (0.52, 0.5))
    rects, valid = hand_rois_from_pose(pose_with_hands(upright, upright), SIZE)
    assert valid.tolist() == [True, True]
    side = 2.0 * 48.0  # px, before the x2.7
    expected = [0.5, 0.5 - 0.1 * side / H, 2.7 * side / W, 2.7 * side / H, 0.0]
    np.testing.assert_allclose(rects, [expected, expected], atol=1e-12)


def test_hand_pointing_right_and_left_rotations():
    right_pointing = ((0.4, 0.5), (0.5, 0.53), (0.5, 0.485))  # middle (0.5, 0.5)
    left_pointing = ((0.6, 0.5), (0.5, 0.47), (0.5, 0.515))
    rects, _ = hand_rois_from_pose(pose_with_hands(right_pointing, left_pointing), SIZE)
    # MediaPipe's rotation is clockwise on screen: fingers to the right = +90 deg.
    assert rects[LEFT, 4] == pytest.approx(math.pi / 2.0)
    assert rects[RIGHT, 4] == pytest.approx(-math.pi / 2.0)
    side = 2.0 * 0.1 * W
    # The -0.1 shift moves the rect towards the fingertips, here along image x.
    assert rects[LEFT, 0] == pytest.approx(0.5 + 0.1 * side / W)
    assert rects[RIGHT, 0] == pytest.approx(0.5 - 0.1 * side / W)
    np.testing.assert_allclose(rects[:, 1], 0.5)
    np.testing.assert_allclose(rects[:, 2] * W, 2.7 * side)
    np.testing.assert_allclose(rects[:, 3] * H, 2.7 * side)


def test_sides_come_from_the_right_pose_indices():
    small = ((0.2, 0.3), (0.19, 0.28), (0.21, 0.28))
    large = ((0.7, 0.8), (0.6, 0.6), (0.75, 0.6))
    rects, _ = hand_rois_from_pose(pose_with_hands(small, large), SIZE)
    assert rects[LEFT, 0] < 0.3 < rects[RIGHT, 0]
    assert rects[LEFT, 2] < rects[RIGHT, 2]


def test_invisible_wrist_is_skipped_with_mediapipes_threshold():
    hand = ((0.5, 0.6), (0.46, 0.5), (0.52, 0.5))
    _, valid = hand_rois_from_pose(pose_with_hands(hand, hand, (0.05, 0.11)), SIZE)
    assert valid.tolist() == [False, True]
    _, valid = hand_rois_from_pose(pose_with_hands(hand, hand, (0.1, 0.1)), SIZE)
    assert valid.tolist() == [False, False]  # visibility must be > 0.1
    pose = pose_with_hands(hand, hand, (0.1, 0.1)).astype(np.float32)
    # ThresholdingCalculator compares the float as a double: float32(0.1) > 0.1.
    assert hand_rois_from_pose(pose, SIZE)[1].tolist() == [True, True]


def image_to_crop(points, rect, out_size=256):
    # Invert the crop's sampling affine: image pixels -> crop-normalised coordinates.
    m = crop_matrix(rect, SIZE, (out_size, out_size))
    px = np.asarray(points) * np.array(SIZE)
    uv = np.linalg.solve(m[:, :2], (px - m[:, 2]).T).T
    return uv / out_size


def test_decode_recrop():
    np.testing.assert_allclose(decode_recrop([128.0, 64.0, 0.0, 256.0]), [[0.5, 0.25], [0, 1]])


def test_recrop_in_upright_crop_by_hand():
    crop = np.array([0.5, 0.5, 0.5, 0.5 * W / H, 0.0])  # 320 px square
    # Scale point 0.25 of the crop (80 px) below the centre: an upright hand, side 160 px.
    rect = recrop_to_rect([[0.5, 0.5], [0.5, 0.75]], crop, SIZE)
    np.testing.assert_allclose(
        rect, [0.5, 0.5 - 0.1 * 160.0 / H, 160.0 / W, 160.0 / H, 0.0], atol=1e-12
    )


@pytest.mark.parametrize("angle", [0.3, -2.0, math.pi / 2.0])
def test_recrop_round_trip_through_rotated_crop(angle):
    crop = np.array([0.45, 0.55, 0.4, 0.4 * W / H, angle])
    # A hand rect in the image: centre c, scale point 50 px away towards the wrist.
    hand_rotation = angle + 0.2
    center = np.array([0.47, 0.52])
    down = np.array([-math.sin(hand_rotation), math.cos(hand_rotation)]) * 50.0
    scale_point = center + down / np.array(SIZE)
    crop_points = image_to_crop([center, scale_point], crop)
    rect = recrop_to_rect(crop_points, crop, SIZE)
    assert rect[4] == pytest.approx(hand_rotation)
    assert rect[2] * W == pytest.approx(100.0) and rect[3] * H == pytest.approx(100.0)
    shift = -0.1 * 100.0 * np.array([-math.sin(hand_rotation), math.cos(hand_rotation)])
    np.testing.assert_allclose(rect[:2], center + shift / np.array(SIZE), atol=1e-12)


def test_recrop_vectorised_over_both_hands():
    crops = np.array([[0.3, 0.4, 0.3, 0.4, 0.1], [0.7, 0.6, 0.2, 0.3, -0.4]])
    points = np.array([[[0.5, 0.5], [0.55, 0.8]], [[0.4, 0.45], [0.4, 0.7]]])
    both = recrop_to_rect(points, crops, SIZE)
    assert both.shape == (2, 5)
    for i in range(2):
        np.testing.assert_allclose(both[i], recrop_to_rect(points[i], crops[i], SIZE))


def synthetic_hand(rotation=0.0, center_px=(320.0, 240.0)):
    """21 image-normalised landmarks of an upright hand (fingers up), turned clockwise
    on screen by ``rotation`` about ``center_px``."""
    px = np.zeros((21, 2))
    px[0] = (-6, 60)  # wrist, below the mean of the index/middle/ring MCPs
    px[1:5] = [(-20, 50), (-32, 35), (-40, 20), (-45, 8)]  # thumb
    for finger, x in enumerate((-18, -6, 6, 18)):  # index, middle, ring, pinky
        px[5 + 4 * finger : 9 + 4 * finger] = [(x, 0), (x, -20), (x, -35), (x, -48)]
    cos, sin = math.cos(rotation), math.sin(rotation)
    turned = px @ np.array([[cos, sin], [-sin, cos]])  # clockwise with y down
    return np.concatenate([(turned + center_px) / np.array(SIZE), np.zeros((21, 1))], axis=1)


def test_hand_landmarks_to_rect_upright_by_hand():
    rect = hand_landmarks_to_rect(synthetic_hand(), SIZE)
    # Palm subset spans x -40..18, y -20..60 px (about the centre (320, 240)): 58 x 80,
    # centre (-11, 20). Shifted up by 0.1 of its own 80 px height, then squared on the
    # long side and doubled: 160 px.
    assert rect[4] == pytest.approx(0.0)
    np.testing.assert_allclose(
        rect, [(320 - 11) / W, (240 + 20 - 8) / H, 160.0 / W, 160.0 / H, 0.0], atol=1e-12
    )


@pytest.mark.parametrize("rotation", [math.pi / 2.0, -math.pi / 2.0, 0.7, -2.5])
def test_hand_landmarks_to_rect_follows_the_hand(rotation):
    upright = hand_landmarks_to_rect(synthetic_hand(), SIZE)
    turned = hand_landmarks_to_rect(synthetic_hand(rotation), SIZE)
    assert turned[4] == pytest.approx(rotation)
    assert turned[2] * W == pytest.approx(upright[2] * W)
    assert turned[3] * H == pytest.approx(upright[3] * H)
    # The centre offset turns with the hand.
    offset = (upright[:2] - [0.5, 0.5]) * np.array(SIZE)
    cos, sin = math.cos(rotation), math.sin(rotation)
    expected = np.array([cos * offset[0] - sin * offset[1], sin * offset[0] + cos * offset[1]])
    np.testing.assert_allclose((turned[:2] - [0.5, 0.5]) * np.array(SIZE), expected, atol=1e-9)


def test_hand_pointing_right_has_plus_90_degrees():
    rect = hand_landmarks_to_rect(synthetic_hand(math.pi / 2.0), SIZE)
    lm = synthetic_hand(math.pi / 2.0)
    assert lm[12, 0] > lm[0, 0]  # middle fingertip right of the wrist
    assert rect[4] == pytest.approx(math.pi / 2.0)


def tracking_case(recrop_rotation=0.0):
    recrop = hand_landmarks_to_rect(synthetic_hand(recrop_rotation), SIZE)
    return recrop, synthetic_hand(recrop_rotation)


def with_rotation(rect, degrees):
    out = rect.copy()
    out[4] += math.radians(degrees)
    return out


def test_tracking_rotation_edges():
    recrop, lm = tracking_case(0.3)
    assert keep_tracking(with_rotation(recrop, 39.0), recrop, lm, SIZE)
    assert not keep_tracking(with_rotation(recrop, 41.0), recrop, lm, SIZE)
    assert keep_tracking(with_rotation(recrop, -39.0), recrop, lm, SIZE)
    # The difference wraps around +-180 degrees.
    a, b = recrop.copy(), recrop.copy()
    a[4], b[4] = math.radians(179.0), math.radians(-179.0)
    assert keep_tracking(a, b, synthetic_hand(b[4]), SIZE)


@pytest.mark.parametrize("rotation", [math.pi / 2.0, math.pi / 6.0, -2.0])
def test_tracking_translation_is_along_recrop_axes_relative_to_its_size(rotation):
    # Re-crop rect 100 x 200 px; its width axis points along (cos, sin) on screen.
    recrop = np.array([0.5, 0.5, 100.0 / W, 200.0 / H, rotation])
    lm = np.tile([[0.5, 0.5, 0.0]], (21, 1))
    width_axis = np.array([math.cos(rotation), math.sin(rotation)])
    height_axis = np.array([-math.sin(rotation), math.cos(rotation)])

    def moved(px):
        prev = recrop.copy()
        prev[:2] += px / np.array(SIZE)
        return keep_tracking(prev, recrop, lm, SIZE)

    assert moved(19.0 * width_axis) and not moved(21.0 * width_axis)  # 0.2 of 100 px
    assert moved(39.0 * height_axis) and not moved(41.0 * height_axis)  # 0.2 of 200 px


def test_tracking_scale_edges():
    recrop = np.array([0.5, 0.5, 100.0 / W, 100.0 / H, 0.0])
    lm = np.tile([[0.5, 0.5, 0.0]], (21, 1))
    for factor, kept in ((1.39, True), (1.41, False), (0.61, True), (0.59, False)):
        prev = recrop.copy()
        prev[2] *= factor
        assert bool(keep_tracking(prev, recrop, lm, SIZE)) == kept
        prev = recrop.copy()
        prev[3] *= factor
        assert bool(keep_tracking(prev, recrop, lm, SIZE)) == kept


def test_tracking_needs_previous_landmarks_inside_shrunk_recrop():
    recrop = np.array([0.5, 0.5, 100.0 / W, 100.0 / H, 0.0])
    lm = np.tile([[0.5, 0.5, 0.0]], (21, 1))
    lm[7, 0] = 0.5 + 44.0 / W  # 10% margin: the limit is 45 px from the centre
    assert keep_tracking(recrop, recrop, lm, SIZE)
    lm[7, 0] = 0.5 + 46.0 / W
    assert not keep_tracking(recrop, recrop, lm, SIZE)


def test_keep_tracking_vectorised():
    recrop, lm = tracking_case(0.0)
    prev = np.stack([with_rotation(recrop, 10.0), with_rotation(recrop, 50.0)])
    kept = keep_tracking(prev, np.stack([recrop, recrop]), np.stack([lm, lm]), SIZE)
    assert kept.tolist() == [True, False]


def test_choose_tracking_rect():
    lm = np.stack([synthetic_hand(0.1), synthetic_hand(0.1)])
    prev_rect = hand_landmarks_to_rect(lm[0], SIZE)
    recrop = np.stack([with_rotation(prev_rect, 5.0), with_rotation(prev_rect, 5.0)])
    rect, kept = choose_tracking_rect(lm, np.array([True, False]), recrop, SIZE)
    assert kept.tolist() == [True, False]
    np.testing.assert_allclose(rect[0], prev_rect)
    np.testing.assert_allclose(rect[1], recrop[1])


def test_decode_hand_outputs():
    raw = np.zeros(63)
    raw[0:3] = [112.0, 56.0, 22.4]
    raw[60:63] = [224.0, 0.0, -8.96]
    lm = decode_hand_landmarks(raw)
    assert lm.shape == (21, 3)
    np.testing.assert_allclose(lm[0], [0.5, 0.25, 0.25])  # z / 224 / 0.4
    np.testing.assert_allclose(lm[20], [1.0, 0.0, -0.1])
    assert decode_hand_landmarks(np.zeros((2, 63))).shape == (2, 21, 3)
    world = decode_hand_world(np.arange(63.0))
    np.testing.assert_array_equal(world[1], [3.0, 4.0, 5.0])


def test_hand_present():
    assert hand_present(np.array([0.5, 0.51, 0.9])).tolist() == [False, True, True]


def test_attach_to_pose_wrist():
    rng = np.random.default_rng(0)
    hands = rng.normal(scale=0.05, size=(2, 21, 3))
    pose_world = rng.normal(scale=0.5, size=(33, 3))
    attached = attach_to_pose_wrist(hands, pose_world[POSE_WRISTS])
    np.testing.assert_allclose(attached[:, 0], pose_world[[15, 16]])
    np.testing.assert_allclose(attached - attached[:, :1], hands - hands[:, :1])
    assert hands[0, 0, 0] != attached[0, 0, 0]  # input untouched
