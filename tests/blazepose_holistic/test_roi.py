from __future__ import annotations

import numpy as np
import pytest

from blazepose_holistic import roi

PI = np.pi


def _apply(matrix, uv):
    uv1 = np.concatenate([uv, np.ones(uv.shape[:-1] + (1,))], axis=-1)
    return np.einsum("...ij,...nj->...ni", matrix, uv1)


def _invert_affine(matrix):
    lin = matrix[..., :2]
    inv = np.linalg.inv(lin)
    return np.concatenate([inv, -(inv @ matrix[..., 2:])], axis=-1)


def test_normalize_radians_range_and_values():
    angles = np.array([0.0, PI, -PI, 3 * PI / 2, -3 * PI / 2, 7.0, -7.0])
    out = roi.normalize_radians(angles)
    assert np.all(out >= -PI) and np.all(out < PI)
    np.testing.assert_allclose(np.cos(out), np.cos(angles), atol=1e-12)
    np.testing.assert_allclose(np.sin(out), np.sin(angles), atol=1e-12)
    np.testing.assert_allclose(out[:5], [0.0, -PI, -PI, -PI / 2, PI / 2])


def test_alignment_points_upright_body_has_zero_rotation():
    # Hips at (0.5, 0.6), the full-body point straight above: already at 90 degrees.
    rect = roi.rect_from_alignment_points([0.5, 0.6], [0.5, 0.4], (640, 480), PI / 2)
    # distance 0.2 * 480 = 96 px -> side 192 px
    np.testing.assert_allclose(rect, [0.5, 0.6, 192 / 640, 192 / 480, 0.0], atol=1e-12)


def test_alignment_points_rotation_measured_in_pixels():
    # In a 200x100 image the step (0.25, -0.5) is (50, -50) px: 45 degrees, not 63.4.
    rect = roi.rect_from_alignment_points([0.5, 0.75], [0.75, 0.25], (200, 100), PI / 2)
    np.testing.assert_allclose(rect[4], PI / 4, atol=1e-12)
    side = 2 * np.hypot(50, 50)
    np.testing.assert_allclose(rect[2:4], [side / 200, side / 100])


def test_alignment_points_lying_body_and_hand_target_angle():
    # Body lying to the right (scale point to the right of the centre): turn by +90 deg.
    rect = roi.rect_from_alignment_points([0.3, 0.5], [0.5, 0.5], (100, 100), PI / 2)
    np.testing.assert_allclose(rect[4], PI / 2, atol=1e-12)
    # Hand re-crop uses -90 deg: a wrist->middle vector pointing down needs no turn.
    rect = roi.rect_from_alignment_points([0.5, 0.4], [0.5, 0.6], (100, 100), -PI / 2)
    np.testing.assert_allclose(rect[4], 0.0, atol=1e-12)


def test_alignment_points_broadcast():
    centers = np.array([[0.5, 0.6], [0.3, 0.5]])
    scales = np.array([[0.5, 0.4], [0.5, 0.5]])
    rects = roi.rect_from_alignment_points(centers, scales, (100, 100), PI / 2)
    assert rects.shape == (2, 5)
    np.testing.assert_allclose(rects[:, 4], [0.0, PI / 2], atol=1e-12)


def test_transform_rect_scale_and_square_long_in_pixels():
    rect = np.array([0.5, 0.5, 0.2, 0.5, 0.0])  # 128 x 240 px in 640x480
    out = roi.transform_rect(rect, (640, 480), scale_x=1.25, scale_y=1.25, square_long=True)
    np.testing.assert_allclose(out, [0.5, 0.5, 300 / 640, 300 / 480, 0.0])
    out = roi.transform_rect(rect, (640, 480), square_short=True)
    np.testing.assert_allclose(out, [0.5, 0.5, 128 / 640, 128 / 480, 0.0])


def test_transform_rect_rejects_both_squarings():
    with pytest.raises(ValueError):
        roi.transform_rect(np.zeros(5), (10, 10), square_long=True, square_short=True)


def test_transform_rect_shift_in_unrotated_rect():
    rect = np.array([0.5, 0.5, 0.2, 0.4, 0.0])
    out = roi.transform_rect(rect, (640, 480), shift_x=0.5, shift_y=-0.1)
    np.testing.assert_allclose(out, [0.6, 0.46, 0.2, 0.4, 0.0])


def test_transform_rect_shift_follows_rotation():
    # Rect 100x100 px in a 400x200 image turned +90 deg (clockwise on screen): its y axis
    # is the image direction (-sin r, cos r) = (-1, 0), so shift_y -0.1 (-10 px along
    # it) moves the centre 10 px to the right.
    rect = np.array([0.5, 0.5, 0.25, 0.5, PI / 2])
    out = roi.transform_rect(rect, (400, 200), shift_y=-0.1)
    np.testing.assert_allclose(out[:2], [0.5 + 10 / 400, 0.5], atol=1e-12)
    np.testing.assert_allclose(out[2:], rect[2:])


def test_transform_rect_shift_matches_crop_axes():
    # A shift by s along the rect's y axis moves the centre to where the crop samples
    # the point (0.5, 0.5 + s) of the original rect.
    rect = np.array([0.4, 0.55, 0.3, 0.45, 0.7])
    size = (640, 480)
    shifted = roi.transform_rect(rect, size, shift_x=0.2, shift_y=-0.3)
    expected = roi.project_landmarks(np.array([[0.7, 0.2, 0.0]]), rect, size)[0, :2]
    np.testing.assert_allclose(shifted[:2], expected, atol=1e-12)


def test_letterbox_rect_landscape_and_portrait():
    rect, pad = roi.letterbox_rect((640, 480))
    np.testing.assert_allclose(rect, [0.5, 0.5, 1.0, 640 / 480, 0.0])
    np.testing.assert_allclose(pad, [0.0, 0.125, 0.0, 0.125])
    rect, pad = roi.letterbox_rect((480, 640))
    np.testing.assert_allclose(rect, [0.5, 0.5, 640 / 480, 1.0, 0.0])
    np.testing.assert_allclose(pad, [0.125, 0.0, 0.125, 0.0])


def test_letterbox_removal_inverts_letterbox_crop():
    # A point of the image seen through the letterboxed 224x224 crop comes back to itself.
    size = (640, 480)
    rect, pad = roi.letterbox_rect(size)
    inv = _invert_affine(roi.crop_matrix(rect, size, (224, 224)))
    image_px = np.array([[100.0, 50.0], [639.0, 479.0]])
    tensor_norm = _apply(inv, image_px) / 224
    np.testing.assert_allclose(roi.remove_letterbox(tensor_norm, pad) * size, image_px)
    np.testing.assert_allclose(roi.remove_letterbox([0.5, 0.125], pad), [0.5, 0.0])


def test_crop_matrix_identity_for_whole_image():
    m = roi.crop_matrix([0.5, 0.5, 1.0, 1.0, 0.0], (64, 32), (64, 32))
    np.testing.assert_allclose(m, [[1, 0, 0], [0, 1, 0]], atol=1e-12)


def test_crop_matrix_scaled_unrotated_crop():
    # Crop the 100x100 px square centred at (200, 100) of a 400x200 image into 50x50.
    m = roi.crop_matrix([0.5, 0.5, 0.25, 0.5, 0.0], (400, 200), (50, 50))
    np.testing.assert_allclose(m, [[2, 0, 150], [0, 2, 50]], atol=1e-12)
    # output pixel (0, 0) centre samples input (151, 51), between input pixels 150 and 151
    np.testing.assert_allclose(_apply(m, np.array([[0.5, 0.5]])), [[151.0, 51.0]])


def test_crop_matrix_corners_of_quarter_turn():
    # 100x100 px rect at (200, 100), rotation +90 deg: the crop's top-left corner is the
    # rect's top-right corner in the image and the crop's x axis runs down the image.
    m = roi.crop_matrix([0.5, 0.5, 0.25, 0.5, PI / 2], (400, 200), (10, 10))
    corners = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    expected = [[250, 50], [250, 150], [150, 150], [150, 50]]
    np.testing.assert_allclose(_apply(m, corners), expected, atol=1e-9)


def test_crop_matrix_batch_shape():
    rects = np.tile([0.5, 0.5, 0.2, 0.2, 0.3], (3, 4, 1))
    assert roi.crop_matrix(rects, (100, 80), (256, 256)).shape == (3, 4, 2, 3)


@pytest.mark.parametrize("size", [(640, 480), (480, 640), (300, 300)])
@pytest.mark.parametrize("rotation", [0.0, 0.4, -2.5, PI / 2])
def test_projection_round_trips_through_crop_matrix(size, rotation):
    rect = roi.transform_rect(np.array([0.45, 0.55, 0.3, 0.2, rotation]), size, square_long=True)
    out = (256, 256)
    rng = np.random.RandomState(0)
    crop_lms = np.concatenate([rng.uniform(-0.2, 1.2, (39, 3)), rng.uniform(0, 1, (39, 2))], 1)
    image_lms = roi.project_landmarks(crop_lms, rect, size)
    np.testing.assert_array_equal(image_lms[:, 3:], crop_lms[:, 3:])
    back = _apply(_invert_affine(roi.crop_matrix(rect, size, out)), image_lms[:, :2] * size)
    np.testing.assert_allclose(back / out, crop_lms[:, :2], atol=1e-9)


def test_project_landmarks_matches_norm_rect_formula_for_pixel_square_rects():
    # LandmarkProjectionCalculator without IMAGE_DIMENSIONS rotates in crop units and
    # scales by the normalised width/height; that agrees with us when the rect is square
    # in pixels, even on a non-square image.
    size = (640, 360)
    rect = roi.transform_rect(np.array([0.4, 0.6, 0.3, 0.5, 0.8]), size, square_long=True)
    lms = np.random.RandomState(1).uniform(0, 1, (10, 3))
    c, s = np.cos(rect[4]), np.sin(rect[4])
    u, v = lms[:, 0] - 0.5, lms[:, 1] - 0.5
    legacy_x = (c * u - s * v) * rect[2] + rect[0]
    legacy_y = (s * u + c * v) * rect[3] + rect[1]
    out = roi.project_landmarks(lms, rect, size)
    np.testing.assert_allclose(out[:, 0], legacy_x, atol=1e-12)
    np.testing.assert_allclose(out[:, 1], legacy_y, atol=1e-12)
    np.testing.assert_allclose(out[:, 2], lms[:, 2] * rect[2])


def test_project_landmarks_known_values_and_z():
    rect = np.array([0.5, 0.5, 0.25, 0.5, PI / 2])  # 100x100 px in 400x200
    lms = np.array([[0.0, 0.0, 0.4], [1.0, 0.5, -0.2], [0.5, 0.5, 0.0]])
    out = roi.project_landmarks(lms, rect, (400, 200))
    np.testing.assert_allclose(out[:, 0] * 400, [250, 200, 200], atol=1e-9)
    np.testing.assert_allclose(out[:, 1] * 200, [50, 150, 100], atol=1e-9)
    np.testing.assert_allclose(out[:, 2], [0.1, -0.05, 0.0])


def test_project_landmarks_batched_rects():
    rects = np.array([[0.5, 0.5, 0.5, 0.5, 0.0], [0.25, 0.75, 0.5, 0.5, 0.0]])
    lms = np.tile(np.array([[[0.0, 1.0, 1.0]]]), (2, 1, 1))
    out = roi.project_landmarks(lms, rects, (100, 100))
    np.testing.assert_allclose(out[:, 0], [[0.25, 0.75, 0.5], [0.0, 1.0, 0.5]])


def test_rotate_world_landmarks():
    world = np.array([[1.0, 0.0, 0.3, 0.9], [0.0, 2.0, -0.1, 0.5]])
    out = roi.rotate_world_landmarks(world, [0.5, 0.5, 0.1, 0.1, PI / 2])
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.3, 0.9], [-2.0, 0.0, -0.1, 0.5]], atol=1e-12)
    # The same turn the crop applies: image-space direction of the crop's +x axis.
    rect = np.array([0.5, 0.5, 0.2, 0.2, 0.9])
    m = roi.crop_matrix(rect, (100, 100), (1, 1))
    axis = roi.rotate_world_landmarks(np.array([[1.0, 0.0, 0.0]]), rect)[0, :2]
    np.testing.assert_allclose(axis, m[:, 0] / np.linalg.norm(m[:, 0]), atol=1e-12)
