"""Pose landmark model output decoding (pose_landmark_{lite,full,heavy}).

Sources: mediapipe/modules/pose_landmark/tensors_to_pose_landmarks_and_segmentation.pbtxt,
pose_landmark_by_roi_cpu.pbtxt, pose_landmarks_to_roi.pbtxt, and the calculators
tensors_to_landmarks_calculator.cc, refine_landmarks_from_heatmap_calculator.cc.
Option values were checked against the graphs compiled into @mediapipe/holistic
0.5.1675471629.

Model outputs, in TFLite order (ONNX Identity .. Identity_4):
  0 landmarks (1, 195): 39 x [x, y, z, visibility logit, presence logit], x/y/z in input px
  1 pose flag (1, 1): presence probability (the model ends in a LOGISTIC op)
  2 segmentation (1, 256, 256, 1): logits
  3 heatmap (1, 64, 64, 39): logits, one channel per landmark
  4 world landmarks (1, 117): 39 x [x, y, z] in metres, origin between the hips
Landmarks 0-32 are the body; 33 and 34 are the auxiliary points that seed the next
frame's ROI; 35-38 are not used by MediaPipe.
"""

from __future__ import annotations

import numpy as np

from . import roi
from .contract import input_size as _input_size

NUM_LANDMARKS = 39  # TensorsToLandmarksCalculator num_landmarks
NUM_BODY_LANDMARKS = 33  # SplitNormalizedLandmarkListCalculator range 0..33
AUX_LANDMARKS = (33, 34)  # range 33..35: ROI centre, ROI size/rotation point
# Every pose landmark variant (lite, full, heavy, with or without segmentation) takes 256.
INPUT_SIZE = _input_size("pose_landmark_full")
HEATMAP_KERNEL_SIZE = 7  # RefineLandmarksFromHeatmapCalculator kernel_size
MIN_CONFIDENCE_TO_REFINE = 0.5  # refine_landmarks_from_heatmap_calculator.proto default
# pose_landmarks_to_roi.pbtxt: aux 33 -> 34 points up, box grown 1.25x and squared.
ROI_TARGET_ANGLE = np.pi / 2.0
ROI_SCALE = 1.25


def _sigmoid(x):
    # tanh form: same values as 1 / (1 + exp(-x)) without overflow on large logits.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def decode_landmarks(raw, input_size=INPUT_SIZE):
    """Landmark tensor (195,) or (1, 195) -> (39, 5) [x, y, z, visibility, presence].

    x, y, z are divided by the input size (normalize_z is 1, so z shares x's scale) and
    visibility and presence go through a sigmoid, as TensorsToLandmarksCalculator does
    for the pose graph. x, y are normalised to the 256x256 crop.
    """
    lm = np.asarray(raw, dtype=np.float64).reshape(NUM_LANDMARKS, 5)
    out = np.empty_like(lm)
    out[:, :3] = lm[:, :3] / float(input_size)
    out[:, 3:] = _sigmoid(lm[:, 3:])
    return out


def refine_from_heatmap(
    landmarks,
    heatmap,
    kernel_size=HEATMAP_KERNEL_SIZE,
    min_confidence_to_refine=MIN_CONFIDENCE_TO_REFINE,
):
    """Move x, y to the confidence-weighted centre of the heatmap around each landmark.

    RefineLandmarksFromHeatmapCalculator as configured for pose (x and y only; z,
    visibility and presence untouched because refine_presence/visibility are off).
    landmarks: (39, C>=2) crop-normalised; heatmap: (64, 64, 39) or (1, 64, 64, 39)
    logits. Returns (39, C) float64.
    Reproduced quirks of the C++: the cell is found by truncation toward zero (so
    x in (-1/64, 0) still maps to column 0); only rows above the map are rejected (the
    bounds test checks the column twice), so a landmark just below the map is refined
    from the rows still covered by its window; the weighted mean is over cell indices
    without the half-cell offset. A landmark is moved only when the largest sigmoid
    in its window reaches ``min_confidence_to_refine``.
    """
    landmarks = np.asarray(landmarks, dtype=np.float64)
    hm = np.asarray(heatmap, dtype=np.float64)
    hm = hm.reshape(hm.shape[-3:])
    height, width, channels = hm.shape
    if channels != landmarks.shape[0]:
        raise ValueError("heatmap needs one channel per landmark")

    x, y = landmarks[:, 0], landmarks[:, 1]
    finite = np.isfinite(x) & np.isfinite(y)
    # Clamp before the integer cast so wild values cannot overflow; they stay outside.
    col = np.trunc(np.clip(np.where(finite, x, -1.0) * width, -1e6, 1e6)).astype(np.int64)
    row = np.trunc(np.clip(np.where(finite, y, -1.0) * height, -1e6, 1e6)).astype(np.int64)
    inside = finite & (col >= 0) & (col < width) & (row >= 0)

    half = (kernel_size - 1) // 2
    steps = np.arange(-half, half + 1)
    rows = row[:, None] + steps  # (39, k)
    cols = col[:, None] + steps
    row_ok = (rows >= 0) & (rows < height)
    col_ok = (cols >= 0) & (cols < width)
    channel = np.arange(channels)[:, None, None]
    logits = hm[
        np.clip(rows, 0, height - 1)[:, :, None],
        np.clip(cols, 0, width - 1)[:, None, :],
        channel,
    ]  # (39, k, k)
    conf = _sigmoid(logits) * (row_ok[:, :, None] & col_ok[:, None, :])

    total = conf.sum(axis=(1, 2))
    peak = conf.max(axis=(1, 2))
    mean_col = (conf * cols[:, None, :]).sum(axis=(1, 2))
    mean_row = (conf * rows[:, :, None]).sum(axis=(1, 2))
    refine = inside & (peak >= min_confidence_to_refine) & (total > 0.0)
    safe_total = np.where(total > 0.0, total, 1.0)

    out = landmarks.copy()
    out[:, 0] = np.where(refine, mean_col / width / safe_total, x)
    out[:, 1] = np.where(refine, mean_row / height / safe_total, y)
    return out


def decode_world_landmarks(raw):
    """World landmark tensor (117,) or (1, 117) -> (39, 3) metres, hips-centred.

    Taken as is (TensorsToLandmarksCalculator without normalisation). MediaPipe keeps
    the first 33, copies visibility/presence over from the image landmarks, and turns
    them by the ROI rotation (``roi.rotate_world_landmarks``).
    """
    return np.asarray(raw, dtype=np.float64).reshape(NUM_LANDMARKS, 3)


def pose_flag(raw):
    """Pose flag tensor (1, 1) -> presence probability (float).

    No activation: the model applies its own sigmoid, and TensorsToFloatsCalculator is
    used without one. The pipeline drops the pose when this is below
    min_tracking_confidence.
    """
    return float(np.asarray(raw, dtype=np.float64).reshape(-1)[0])


def segmentation_to_mask(raw):
    """Segmentation logits (1, 256, 256, 1) or (256, 256) -> (256, 256) float32 mask in
    [0, 1] over the crop (TensorsToSegmentationCalculator, SIGMOID)."""
    return _sigmoid(np.squeeze(np.asarray(raw, dtype=np.float32)))


def aux_landmarks_to_rect(landmarks, image_size):
    """Next frame's pose ROI from the auxiliary landmarks (pose_landmarks_to_roi.pbtxt).

    landmarks: image-normalised (..., 39, C>=2) (the two auxiliary ones are picked) or
    (..., 2, C>=2) already the auxiliary pair (e.g. after smoothing, which MediaPipe
    applies before this step). Aux 33 is the centre, twice its distance to aux 34 the
    side, rotated so 33 -> 34 points up, grown 1.25x and squared. Returns (..., 5).
    """
    landmarks = np.asarray(landmarks, dtype=np.float64)
    if landmarks.shape[-2] == NUM_LANDMARKS:
        aux = landmarks[..., list(AUX_LANDMARKS), :2]
    elif landmarks.shape[-2] == len(AUX_LANDMARKS):
        aux = landmarks[..., :2]
    else:
        raise ValueError("expected all 39 landmarks or the 2 auxiliary ones")
    raw = roi.rect_from_alignment_points(
        aux[..., 0, :], aux[..., 1, :], image_size, ROI_TARGET_ANGLE
    )
    return roi.transform_rect(
        raw, image_size, scale_x=ROI_SCALE, scale_y=ROI_SCALE, square_long=True
    )
