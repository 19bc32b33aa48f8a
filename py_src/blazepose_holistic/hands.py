"""Hand stage of Holistic: hand ROIs from the pose, re-crop, tracking, model outputs.

Per frame and per hand (MediaPipe's holistic hand graphs):
1. ``hand_rois_from_pose``: a rect around the palm from pose wrist/pinky/index, skipped
   when the pose wrist is not visible.
2. The re-crop model looks at that rect (256x256) and returns two points;
   ``recrop_to_rect`` turns them into a tighter, better-rotated hand rect.
3. ``choose_tracking_rect``: keep last frame's landmark-based rect while it agrees with
   the re-crop rect (``keep_tracking``), otherwise use the re-crop rect.
4. The hand landmark model runs on that rect (224x224); ``decode_hand_landmarks`` and
   ``decode_hand_world`` read its outputs, ``hand_present`` its hand flag.

Arrays hold both hands at once along a leading axis of size 2: index LEFT (0) is the
hand seeded by pose landmarks 15/17/19 (the person's left in an unmirrored image), index
RIGHT (1) by 16/18/20. Rects are (..., 5) [x_center, y_center, width, height, rotation]
normalised by the image (see roi.py); ``image_size`` is (width, height) in pixels.

The crop rects here are square in pixels, so the models' keep-aspect-ratio crops have no
letterbox padding and crop-normalised outputs need no letterbox removal.
"""

from __future__ import annotations

import math

import numpy as np

from .contract import HAND_LANDMARK, HAND_RECROP, input_size
from .roi import (
    HEIGHT,
    ROTATION,
    WIDTH,
    X_CENTER,
    Y_CENTER,
    normalize_radians,
    project_landmarks,
    rect_from_alignment_points,
    transform_rect,
)

LEFT, RIGHT = 0, 1
# hand_landmarks_left_and_right_cpu.pbtxt: [wrist, pinky, index] for the left, right hand.
POSE_HAND_INDICES = np.array([[15, 17, 19], [16, 18, 20]])
POSE_WRISTS = POSE_HAND_INDICES[:, 0]
# hand_visibility_from_hand_landmarks_from_pose.pbtxt: ThresholdingCalculator, 0.1.
WRIST_VISIBILITY_THRESHOLD = 0.1
# hand_landmarks_from_pose_to_recrop_roi.pbtxt: RectTransformationCalculator.
ROI_FROM_POSE_TRANSFORM = dict(scale_x=2.7, scale_y=2.7, shift_y=-0.1, square_long=True)

RECROP_INPUT_SIZE = input_size(HAND_RECROP)
# hand_recrop_by_roi_cpu.pbtxt: rotation_vector_target_angle_degrees: -90.
RECROP_TARGET_ANGLE = -math.pi / 2.0
RECROP_TRANSFORM = dict(scale_x=1.0, scale_y=1.0, shift_y=-0.1, square_long=True)

LANDMARK_INPUT_SIZE = input_size(HAND_LANDMARK)
NUM_HAND_LANDMARKS = 21
# hand_landmark_cpu.pbtxt, TensorsToLandmarksCalculator: "normalize_z: 0.4".
NORMALIZE_Z = 0.4
HAND_PRESENCE_THRESHOLD = 0.5  # hand_landmark_cpu.pbtxt, ThresholdingCalculator

# hand_landmarks_to_rect_calculator.cc: the tight rect uses wrist, thumb CMC/MCP/IP and the
# MCP and PIP joints of the four fingers; its rotation points from the wrist to the mean
# of ((index MCP + ring MCP) / 2, middle MCP).
PALM_SUBSET = np.array([0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18])
_WRIST, _INDEX_MCP, _MIDDLE_MCP, _RING_MCP = 0, 5, 9, 13
# hand_landmarks_to_roi.pbtxt: RectTransformationCalculator.
TRACKING_ROI_TRANSFORM = dict(scale_x=2.0, scale_y=2.0, shift_y=-0.1, square_long=True)

# hand_tracking.pbtxt (and tasks/.../holistic_hand_tracking.cc): RoiTrackingCalculator.
TRACKING_MAX_ROTATION_DEGREES = 40.0
TRACKING_MAX_TRANSLATION = 0.2
TRACKING_MAX_SCALE = 0.4
TRACKING_RECROP_MARGIN = -0.1


def _image_wh(image_size):
    return float(image_size[0]), float(image_size[1])


def _above(score, threshold):
    # ThresholdingCalculator casts the float score to double and tests score > threshold,
    # so a float32 0.1 (0.10000000149...) passes a 0.1 threshold.
    return np.asarray(score).astype(np.float64) > threshold


def hand_rois_from_pose(pose_landmarks, image_size):
    """Re-crop input rects for both hands from the pose.

    pose_landmarks: (33, >=4) image-normalised [x, y, z, visibility, ...], the smoothed
    pose landmarks as Holistic feeds them. Returns (rects (2, 5), valid (2,) bool);
    ``valid`` is False where the wrist visibility is <= 0.1, and that hand is skipped
    this frame (its rect is meaningless).

    HandDetectionsFromPoseToRectsCalculator: centre on the middle-finger estimate
    (2 * index + pinky) / 3, side 2 * |middle - wrist| in pixels, rotated so that
    wrist -> middle points up; then x2.7, shifted by -0.1 of its height towards the
    fingers, squared on the long side.
    """
    points = np.asarray(pose_landmarks, dtype=np.float64)[POSE_HAND_INDICES]
    valid = _above(points[:, 0, 3], WRIST_VISIBILITY_THRESHOLD)
    wrist, pinky, index = points[:, 0, :2], points[:, 1, :2], points[:, 2, :2]
    middle = (2.0 * index + pinky) / 3.0
    # An alignment-point rect centred on the middle with the wrist as its scale point has
    # exactly that side; the target angle -90 deg for middle -> wrist is +90 deg for
    # wrist -> middle, the target of HandDetectionsFromPoseToRectsCalculator.
    rect = rect_from_alignment_points(middle, wrist, image_size, -math.pi / 2.0)
    return transform_rect(rect, image_size, **ROI_FROM_POSE_TRANSFORM), valid


def decode_recrop(raw):
    """hand_recrop output (..., 4) in 256x256 crop pixels -> (..., 2, 2) crop-normalised
    points [centre, scale point] (hand_recrop_by_roi_cpu.pbtxt, TensorsToLandmarks)."""
    raw = np.asarray(raw, dtype=np.float64)
    return raw.reshape(raw.shape[:-1] + (2, 2)) / RECROP_INPUT_SIZE


def recrop_to_rect(recrop_points, crop_rect, image_size):
    """Hand rect from the re-crop model's two points (hand_recrop_by_roi_cpu.pbtxt).

    recrop_points: (..., 2, 2) crop-normalised [centre, scale point] (``decode_recrop``);
    crop_rect: (..., 5) the rect the re-crop model saw. The points are projected to the
    image, turned into a square rect of side 2 * |scale - centre| whose centre -> scale
    direction points down (target -90 deg: the scale point lies towards the wrist), then
    shifted by -0.1 of its height towards the fingers and squared. Returns (..., 5).
    """
    recrop_points = np.asarray(recrop_points, dtype=np.float64)
    with_z = np.concatenate([recrop_points, np.zeros(recrop_points.shape[:-1] + (1,))], axis=-1)
    points = project_landmarks(with_z, crop_rect, image_size)
    rect = rect_from_alignment_points(
        points[..., 0, :2], points[..., 1, :2], image_size, RECROP_TARGET_ANGLE
    )
    return transform_rect(rect, image_size, **RECROP_TRANSFORM)


def _tight_hand_rect(landmarks, image_size):
    # HandLandmarksToRectCalculator: the smallest rect, at the hand's rotation, around the
    # palm subset (computed in pixels, so it is right on non-square images).
    w, h = _image_wh(image_size)
    scale = np.array([w, h])
    palm = np.asarray(landmarks, dtype=np.float64)[..., PALM_SUBSET, :2]
    full = np.asarray(landmarks, dtype=np.float64)[..., :2]
    wrist = full[..., _WRIST, :] * scale
    knuckles = (
        ((full[..., _INDEX_MCP, :] + full[..., _RING_MCP, :]) / 2.0 + full[..., _MIDDLE_MCP, :])
        / 2.0
        * scale
    )
    rotation = normalize_radians(
        math.pi / 2.0
        - np.arctan2(-(knuckles[..., 1] - wrist[..., 1]), knuckles[..., 0] - wrist[..., 0])
    )
    center = (palm.max(axis=-2) + palm.min(axis=-2)) / 2.0
    rel = (palm - center[..., None, :]) * scale
    cos, sin = np.cos(rotation)[..., None], np.sin(rotation)[..., None]
    # Coordinates along the rect's own axes: rotate by -rotation.
    u = rel[..., 0] * cos + rel[..., 1] * sin
    v = -rel[..., 0] * sin + rel[..., 1] * cos
    u_mid = (u.max(axis=-1) + u.min(axis=-1)) / 2.0
    v_mid = (v.max(axis=-1) + v.min(axis=-1)) / 2.0
    cos, sin = cos[..., 0], sin[..., 0]
    x = (u_mid * cos - v_mid * sin) / w + center[..., 0]
    y = (u_mid * sin + v_mid * cos) / h + center[..., 1]
    width = (u.max(axis=-1) - u.min(axis=-1)) / w
    height = (v.max(axis=-1) - v.min(axis=-1)) / h
    return np.stack([x, y, width, height, rotation], axis=-1)


def hand_landmarks_to_rect(landmarks, image_size):
    """Next frame's tracking rect from this frame's hand landmarks (hand_landmarks_to_roi.pbtxt).

    landmarks: (..., 21, >=2) image-normalised. The tight palm rect (rotation from the
    wrist to the middle of the index/middle/ring MCPs, upright = 0) expanded x2,
    shifted by -0.1 of its height towards the fingers and squared on the long side.
    Returns (..., 5).
    """
    return transform_rect(
        _tight_hand_rect(landmarks, image_size), image_size, **TRACKING_ROI_TRANSFORM
    )


def _along_axes(x, y, rotation, image_size):
    # Pixel coordinates turned by -rotation: the frame of a rect with that rotation.
    w, h = _image_wh(image_size)
    cos, sin = np.cos(-rotation), np.sin(-rotation)
    return x * w * cos - y * h * sin, x * w * sin + y * h * cos


def keep_tracking(prev_rect, recrop_rect, prev_landmarks, image_size):
    """RoiTrackingCalculator with Holistic's hand options (hand_tracking.pbtxt).

    prev_rect: (..., 5) ``hand_landmarks_to_rect`` of the previous frame's landmarks;
    recrop_rect: (..., 5) this frame's ``recrop_to_rect``; prev_landmarks: (..., 21, >=2)
    the previous frame's image-normalised hand landmarks. Returns (...,) bool: True to
    keep predicting in ``prev_rect``. Every check is measured in pixels along the re-crop
    rect's own axes and relative to the re-crop rect's size:
    - rotation differs by at most 40 degrees (wrapped to [-180, 180]);
    - centres differ by at most 0.2 of the re-crop width (along its x axis) and of its
      height (along its y axis);
    - widths and heights differ by at most 0.4 of the re-crop width / height;
    - every previous landmark lies strictly inside the re-crop rect shrunk by 10%.
    """
    prev = np.asarray(prev_rect, dtype=np.float64)
    recrop = np.asarray(recrop_rect, dtype=np.float64)
    w, h = _image_wh(image_size)
    turn = recrop[..., ROTATION]

    rotation_diff = np.degrees(prev[..., ROTATION]) - np.degrees(turn)
    rotation_diff = np.where(rotation_diff > 180.0, rotation_diff - 360.0, rotation_diff)
    rotation_diff = np.where(rotation_diff < -180.0, rotation_diff + 360.0, rotation_diff)
    ok = np.abs(rotation_diff) <= TRACKING_MAX_ROTATION_DEGREES

    prev_x, prev_y = _along_axes(prev[..., X_CENTER], prev[..., Y_CENTER], turn, image_size)
    rec_x, rec_y = _along_axes(recrop[..., X_CENTER], recrop[..., Y_CENTER], turn, image_size)
    rec_w, rec_h = recrop[..., WIDTH] * w, recrop[..., HEIGHT] * h
    ok &= np.abs(prev_x - rec_x) <= rec_w * TRACKING_MAX_TRANSLATION
    ok &= np.abs(prev_y - rec_y) <= rec_h * TRACKING_MAX_TRANSLATION
    ok &= np.abs(prev[..., WIDTH] * w - rec_w) <= rec_w * TRACKING_MAX_SCALE
    ok &= np.abs(prev[..., HEIGHT] * h - rec_h) <= rec_h * TRACKING_MAX_SCALE

    lm = np.asarray(prev_landmarks, dtype=np.float64)
    lm_x, lm_y = _along_axes(lm[..., 0], lm[..., 1], turn[..., None], image_size)
    half_w = (rec_w * (1.0 + TRACKING_RECROP_MARGIN) / 2.0)[..., None]
    half_h = (rec_h * (1.0 + TRACKING_RECROP_MARGIN) / 2.0)[..., None]
    inside = (np.abs(lm_x - rec_x[..., None]) < half_w) & (np.abs(lm_y - rec_y[..., None]) < half_h)
    return ok & np.all(inside, axis=-1)


def choose_tracking_rect(prev_landmarks, has_prev, recrop_rect, image_size):
    """The rect to run the hand landmark model in (hand_tracking.pbtxt).

    prev_landmarks: (..., 21, >=2) last frame's hand landmarks (any finite values where
    ``has_prev`` is False); has_prev: (...,) bool, the hand had landmarks last frame;
    recrop_rect: (..., 5). Returns (rect (..., 5), kept (...,) bool): the previous
    landmarks' rect where tracking holds, else the re-crop rect.
    """
    prev_rect = hand_landmarks_to_rect(prev_landmarks, image_size)
    kept = np.asarray(has_prev, dtype=bool) & keep_tracking(
        prev_rect, recrop_rect, prev_landmarks, image_size
    )
    rect = np.where(kept[..., None], prev_rect, np.asarray(recrop_rect, dtype=np.float64))
    return rect, kept


def decode_hand_landmarks(raw, input_size=LANDMARK_INPUT_SIZE):
    """Hand landmark model output (..., 63) -> (..., 21, 3) crop-normalised [x, y, z].

    x, y divided by the input size; z divided by the input size and by 0.4 (normalize_z,
    hand_landmark_cpu.pbtxt), in the crop's x scale. Map to the image with
    ``roi.project_landmarks(landmarks, rect, image_size)``.
    """
    raw = np.asarray(raw, dtype=np.float64)
    points = raw.reshape(raw.shape[:-1] + (NUM_HAND_LANDMARKS, 3))
    return points / np.array([input_size, input_size, input_size * NORMALIZE_Z])


def decode_hand_world(raw):
    """Hand world landmark output (..., 63) -> (..., 21, 3) metres about the hand's centre,
    in the crop's axes. ``roi.rotate_world_landmarks(world, rect)`` turns them into
    camera-aligned axes (WorldLandmarkProjectionCalculator, hand_landmark_cpu.pbtxt)."""
    raw = np.asarray(raw, dtype=np.float64)
    return raw.reshape(raw.shape[:-1] + (NUM_HAND_LANDMARKS, 3))


def hand_present(hand_flag):
    """Hand flag output (any shape) -> bool, score > 0.5 (hand_landmark_cpu.pbtxt).

    The flag is already a probability: hand_landmark_full.tflite ends that output in a
    LOGISTIC op and the graph's TensorsToFloatsCalculator applies no activation.
    """
    return _above(hand_flag, HAND_PRESENCE_THRESHOLD)


def attach_to_pose_wrist(hand_world, pose_world_wrist):
    """Express hand world landmarks in the body's world frame.

    hand_world: (..., 21, >=3) metres, already turned into camera-aligned axes by the
    hand crop's rotation (``roi.rotate_world_landmarks``), as pose world landmarks are by
    the pose crop's; pose_world_wrist: (..., 3) the matching pose world wrist (pose world
    landmarks at ``POSE_WRISTS``). Both sets then share axes and units and differ only
    in origin (hand centre vs. hip centre), so the hand is translated until its wrist
    (index 0) sits on the pose wrist; other columns are copied. Returns (..., 21, C).
    align_hand_to_pose_in_world_calculator.cc (hand_wrist_idx 0, pose_wrist_idx 15/16).
    """
    hand_world = np.array(hand_world, dtype=np.float64)
    pose_world_wrist = np.asarray(pose_world_wrist, dtype=np.float64)
    offset = pose_world_wrist[..., None, :3] - hand_world[..., 0:1, :3]
    hand_world[..., :3] += offset
    return hand_world
