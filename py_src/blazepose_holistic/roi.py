"""Region-of-interest geometry shared by the body and hand stages.

A rect is MediaPipe's NormalizedRect as a float64 array of shape (..., 5):
``[x_center, y_center, width, height, rotation]``; x and width are fractions of the image
width, y and height fractions of the image height, rotation in radians (positive turns the
rect clockwise on screen, because image y points down). ``image_size`` is always
``(width, height)`` in pixels. Every function broadcasts over leading axes.

Sources: mediapipe/calculators/util/{alignment_points_to_rects,detections_to_rects,
rect_transformation,landmark_projection,world_landmark_projection,
landmark_letterbox_removal}_calculator.cc and
mediapipe/calculators/tensor/image_to_tensor_utils.cc.
"""

from __future__ import annotations

import numpy as np

X_CENTER, Y_CENTER, WIDTH, HEIGHT, ROTATION = range(5)


def _image_wh(image_size):
    size = np.asarray(image_size, dtype=np.float64)
    return size[..., 0], size[..., 1]


def normalize_radians(angle):
    """Wrap ``angle`` (any shape, radians) into [-pi, pi), as MediaPipe's NormalizeRadians."""
    angle = np.asarray(angle, dtype=np.float64)
    return angle - 2.0 * np.pi * np.floor((angle + np.pi) / (2.0 * np.pi))


def rotation_from_points(start_xy, end_xy, image_size, target_angle):
    """Rect rotation that turns start -> end (..., 2) to ``target_angle`` (radians).

    detections_to_rects_calculator.cc, ComputeRotation: the angle is measured in pixels
    with y flipped so that it is counter-clockwise like the target angle."""
    w, h = _image_wh(image_size)
    dx = (end_xy[..., 0] - start_xy[..., 0]) * w
    dy = (end_xy[..., 1] - start_xy[..., 1]) * h
    return normalize_radians(target_angle - np.arctan2(-dy, dx))


def rect_from_alignment_points(center_xy, scale_xy, image_size, target_angle):
    """Rect centred on ``center_xy`` whose side is twice the distance to ``scale_xy``.

    AlignmentPointsRectsCalculator with DetectionsToRectsCalculator's rotation.
    center_xy, scale_xy: (..., 2) image-normalised points. target_angle: radians.
    Returns (..., 5): square in pixels, rotated so that centre->scale point ends up at
    ``target_angle`` (counter-clockwise from +x, y up) in the crop.
    """
    center_xy = np.asarray(center_xy, dtype=np.float64)
    scale_xy = np.asarray(scale_xy, dtype=np.float64)
    w, h = _image_wh(image_size)
    dx = (scale_xy[..., 0] - center_xy[..., 0]) * w
    dy = (scale_xy[..., 1] - center_xy[..., 1]) * h
    box = 2.0 * np.sqrt(dx * dx + dy * dy)
    rotation = rotation_from_points(center_xy, scale_xy, image_size, target_angle)
    return np.stack(
        np.broadcast_arrays(center_xy[..., 0], center_xy[..., 1], box / w, box / h, rotation),
        axis=-1,
    )


def transform_rect(
    rect,
    image_size,
    scale_x=1.0,
    scale_y=1.0,
    shift_x=0.0,
    shift_y=0.0,
    square_long=False,
    square_short=False,
):
    """RectTransformationCalculator on a NormalizedRect.

    rect: (..., 5). Shifts are fractions of the rect's own width/height along its rotated
    axes; squaring happens in pixels (so the result is square on screen); the scales are
    applied last. Rotation is left unchanged.
    """
    if square_long and square_short:
        raise ValueError("square_long and square_short are exclusive")
    rect = np.asarray(rect, dtype=np.float64)
    w_img, h_img = _image_wh(image_size)
    width_px = rect[..., WIDTH] * w_img
    height_px = rect[..., HEIGHT] * h_img
    cos, sin = np.cos(rect[..., ROTATION]), np.sin(rect[..., ROTATION])
    along_x = width_px * shift_x
    along_y = height_px * shift_y
    x_center = rect[..., X_CENTER] + (along_x * cos - along_y * sin) / w_img
    y_center = rect[..., Y_CENTER] + (along_x * sin + along_y * cos) / h_img
    if square_long:
        width_px = height_px = np.maximum(width_px, height_px)
    elif square_short:
        width_px = height_px = np.minimum(width_px, height_px)
    return np.stack(
        np.broadcast_arrays(
            x_center,
            y_center,
            width_px / w_img * scale_x,
            height_px / h_img * scale_y,
            rect[..., ROTATION],
        ),
        axis=-1,
    )


def letterbox_rect(image_size):
    """Whole-image rect as ImageToTensorCalculator pads it for a square tensor.

    With keep_aspect_ratio the whole-image ROI is grown along its short side until it is
    square (image_to_tensor_utils.cc, PadRoi), so the sampled rect reaches outside the
    image and the tensor gets zero bands.
    Returns (rect (5,), padding (4,)): padding = [left, top, right, bottom] as fractions of
    the tensor, the input of ``remove_letterbox``.
    """
    w, h = (float(v) for v in image_size)
    side = max(w, h)
    rect = np.array([0.5, 0.5, side / w, side / h, 0.0])
    pad_x = (1.0 - w / side) / 2.0
    pad_y = (1.0 - h / side) / 2.0
    return rect, np.array([pad_x, pad_y, pad_x, pad_y])


def remove_letterbox(xy, padding):
    """Tensor-normalised points -> normalised to the un-padded content.

    LandmarkLetterboxRemovalCalculator / DetectionLetterboxRemovalCalculator.
    xy: (..., 2); padding: (4,) [left, top, right, bottom]. Returns (..., 2).
    """
    xy = np.asarray(xy, dtype=np.float64)
    left, top, right, bottom = (float(v) for v in padding)
    offset = np.array([left, top])
    extent = np.array([1.0 - left - right, 1.0 - top - bottom])
    return (xy - offset) / extent


def _rect_axes_px(rect, image_size):
    # Pixel-space centre and the two rect half-axes: the basis in which both the crop
    # sampling and the landmark projection are written, so the two are exact inverses.
    w_img, h_img = _image_wh(image_size)
    cos, sin = np.cos(rect[..., ROTATION]), np.sin(rect[..., ROTATION])
    a = rect[..., WIDTH] * w_img
    b = rect[..., HEIGHT] * h_img
    center = np.stack([rect[..., X_CENTER] * w_img, rect[..., Y_CENTER] * h_img], axis=-1)
    x_axis = np.stack([a * cos, a * sin], axis=-1)
    y_axis = np.stack([-b * sin, b * cos], axis=-1)
    return center, x_axis, y_axis


def crop_matrix(rect, image_size, out_size):
    """Affine sampling matrix of the rotated crop ``rect`` resized to ``out_size``.

    rect: (..., 5); image_size, out_size: (width, height) in pixels.
    Returns M: (..., 2, 3) float64 such that the input pixel position (pixel k spans
    [k, k+1)) sampled for the output pixel centred at (u, v) (j+0.5, i+0.5) is
    M @ [u, v, 1]. This is GetRotatedSubRectToRectTransformMatrix (image_to_tensor_utils.cc,
    the GPU path of ImageToTensorCalculator) written in pixel units. The OpenCV CPU
    converter differs from it by up to half a pixel because cv::warpPerspective puts pixel
    centres at integers. The rect is sampled as given: pad it to the output's aspect ratio
    first (``letterbox_rect``, or square rects for square outputs).
    """
    rect = np.asarray(rect, dtype=np.float64)
    out_w, out_h = (float(v) for v in out_size)
    center, x_axis, y_axis = _rect_axes_px(rect, image_size)
    origin = center - 0.5 * x_axis - 0.5 * y_axis
    return np.stack([x_axis / out_w, y_axis / out_h, origin], axis=-1)


def project_landmarks(landmarks, rect, image_size):
    """Crop-normalised landmarks -> image-normalised landmarks.

    landmarks: (..., N, C>=3) with x, y in [0, 1] over the crop and z in the crop's x
    scale; rect: (..., 5) the crop they came from. Columns after z (visibility, presence)
    are copied. Returns (..., N, C) float64.
    x, y are the exact inverse of ``crop_matrix`` (LandmarkProjectionCalculator's
    IMAGE_DIMENSIONS mode). The NORM_RECT-only mode that the holistic graphs use gives
    the same result for rects that are square in pixels, which every pose and hand ROI
    is (square_long); it would drift for rotated non-square rects. z is scaled by the
    rect width, as the NORM_RECT mode does.
    """
    landmarks = np.asarray(landmarks, dtype=np.float64)
    rect = np.asarray(rect, dtype=np.float64)[..., None, :]
    w_img, h_img = _image_wh(image_size)
    center, x_axis, y_axis = _rect_axes_px(rect, image_size)
    u = landmarks[..., 0:1] - 0.5
    v = landmarks[..., 1:2] - 0.5
    xy_px = center + u * x_axis + v * y_axis
    out = landmarks.copy()
    out[..., 0] = xy_px[..., 0] / w_img
    out[..., 1] = xy_px[..., 1] / h_img
    out[..., 2] = landmarks[..., 2] * rect[..., WIDTH]
    return out


def rotate_world_landmarks(world, rect):
    """WorldLandmarkProjectionCalculator: turn metric landmarks by the rect's rotation.

    world: (..., N, C>=3) metres, hips-centred; rect: (..., 5). Only x and y are rotated
    (no scale or translation, the model predicts metres about the hips); other columns
    are copied. Returns (..., N, C) float64.
    """
    world = np.asarray(world, dtype=np.float64)
    rotation = np.asarray(rect, dtype=np.float64)[..., None, ROTATION]
    cos, sin = np.cos(rotation), np.sin(rotation)
    out = world.copy()
    out[..., 0] = cos * world[..., 0] - sin * world[..., 1]
    out[..., 1] = sin * world[..., 0] + cos * world[..., 1]
    return out
