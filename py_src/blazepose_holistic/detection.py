"""SSD detector output decoding, weighted NMS and the pose detection -> ROI step.

Sources: mediapipe/calculators/tensor/tensors_to_detections_calculator.cc,
mediapipe/calculators/util/non_max_suppression_calculator.cc,
mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt and
mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt. Option values were checked
against the graphs compiled into @mediapipe/holistic 0.5.1675471629.

Boxes are [xmin, ymin, xmax, ymax] and keypoints (x, y), normalised to the detector input
(the letterboxed 224x224 square) until ``roi.remove_letterbox`` maps them to the image.
Keypoints: 0 mid-hip, 1 full-body size/rotation point, 2 mid-shoulder, 3 upper-body
size/rotation point. Decoding and NMS are shared with the palm detector (``palm.py``),
which passes its own ``SsdDecoding``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import roi
from .contract import POSE_DETECTOR, input_size


class SsdDecoding(NamedTuple):
    """The TensorsToDetectionsCalculatorOptions that differ between our detectors. Both put
    the box first (box_coord_offset 0), keypoints after it (keypoint_coord_offset 4, x
    before y), and scale x, y, w and h by the input size."""

    num_keypoints: int
    input_scale: float

    @property
    def num_coords(self) -> int:
        return KEYPOINT_COORD_OFFSET + 2 * self.num_keypoints


KEYPOINT_COORD_OFFSET = 4
# pose_detection_cpu.pbtxt, TensorsToDetectionsCalculator options.
POSE_DECODING = SsdDecoding(num_keypoints=4, input_scale=float(input_size(POSE_DETECTOR)))
NUM_COORDS = POSE_DECODING.num_coords
SCORE_CLIPPING_THRESH = 100.0
# 0.5 in MediaPipe 0.8.x and in the @mediapipe/holistic build; later standalone pose
# graphs lowered it, which does not apply to the holistic pipeline we reproduce.
MIN_SCORE_THRESH = 0.5
# pose_detection_cpu.pbtxt, NonMaxSuppressionCalculator: IoU, WEIGHTED.
MIN_SUPPRESSION_THRESHOLD = 0.3
# pose_detection_to_roi.pbtxt: keypoints 0 -> 1 point up, box grown 1.25x and squared.
ROI_TARGET_ANGLE = np.pi / 2.0
ROI_SCALE = 1.25


@dataclass
class Detection:
    """One pose detection. box: (4,) [xmin, ymin, xmax, ymax]; keypoints: (4, 2)."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float

    def to_dict(self) -> dict:
        """Plain-Python form (lists and floats) for JSON or a JS bridge."""
        return {
            "box": [float(v) for v in self.box],
            "keypoints": [[float(x), float(y)] for x, y in self.keypoints],
            "score": float(self.score),
        }


def decode_boxes(raw_boxes, anchors, decoding: SsdDecoding = POSE_DECODING):
    """Regressed offsets -> boxes and keypoints (TensorsToDetectionsCalculator::DecodeBoxes).

    raw_boxes: (N, C) or (1, N, C), C = ``decoding.num_coords`` (12 for the pose detector),
    each row [dx, dy, w, h, kx0, ky0, ...] in input pixels relative to the anchor centre
    (reverse_output_order: x before y).
    anchors: (N, 4) [x_center, y_center, w, h] from ``anchors.ssd_anchors``.
    Returns boxes (N, 4) [xmin, ymin, xmax, ymax] and keypoints (N, K, 2), float64.
    """
    raw = np.asarray(raw_boxes, dtype=np.float64).reshape(-1, decoding.num_coords)
    scale = decoding.input_scale
    anchors = np.asarray(anchors, dtype=np.float64)
    anchor_xy = anchors[:, None, 0:2]
    anchor_wh = anchors[:, None, 2:4]
    centre = raw[:, None, 0:2] / scale * anchor_wh + anchor_xy
    size = raw[:, None, 2:4] / scale * anchor_wh
    boxes = np.concatenate([centre - size / 2.0, centre + size / 2.0], axis=-1)[:, 0]
    kp_raw = raw[:, KEYPOINT_COORD_OFFSET:].reshape(-1, decoding.num_keypoints, 2)
    keypoints = kp_raw / scale * anchor_wh + anchor_xy
    return boxes, keypoints


def decode_scores(raw_scores):
    """Score logits (N,), (N, 1) or (1, N, 1) -> probabilities (N,): clipped to +-100,
    then sigmoid (sigmoid_score, score_clipping_thresh)."""
    logits = np.asarray(raw_scores, dtype=np.float64).reshape(-1)
    logits = np.clip(logits, -SCORE_CLIPPING_THRESH, SCORE_CLIPPING_THRESH)
    return 1.0 / (1.0 + np.exp(-logits))


def decode_detections(raw_boxes, raw_scores, anchors, min_score=MIN_SCORE_THRESH,
                      decoding: SsdDecoding = POSE_DECODING):
    """Decode and keep the candidates TensorsToDetectionsCalculator would emit.

    Drops boxes scoring below ``min_score``, boxes with a negative or NaN size, and
    candidates with a non-finite box or keypoint (they would turn into a NaN ROI),
    keeping anchor order. Returns boxes (M, 4), keypoints (M, K, 2), scores (M,).
    """
    boxes, keypoints = decode_boxes(raw_boxes, anchors, decoding)
    scores = decode_scores(raw_scores)
    width = boxes[:, 2] - boxes[:, 0]
    height = boxes[:, 3] - boxes[:, 1]
    finite = np.isfinite(boxes).all(axis=1) & np.isfinite(keypoints).all(axis=(1, 2))
    # NaN compares False, so NaN sizes fail the >= tests and are dropped too (older
    # numpy warns about that comparison, hence the errstate).
    with np.errstate(invalid="ignore"):
        keep = (scores >= min_score) & (width >= 0.0) & (height >= 0.0) & finite
    return boxes[keep], keypoints[keep], scores[keep]


def _iou_matrix(boxes):
    # NonMaxSuppressionCalculator's INTERSECTION_OVER_UNION: 0 for disjoint boxes or a
    # non-positive union.
    lo = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=-1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=-1)
    union = area[:, None] + area[None, :] - inter
    safe = np.where(union > 0.0, union, 1.0)
    return np.where(union > 0.0, inter / safe, 0.0)


def weighted_nms(boxes, keypoints, scores, iou_threshold=MIN_SUPPRESSION_THRESHOLD):
    """Weighted non-maximum suppression (NonMaxSuppressionCalculator, WEIGHTED).

    Repeatedly takes the best remaining detection, gathers every remaining detection
    whose IoU with it exceeds ``iou_threshold`` (itself included), and replaces it by the
    score-weighted mean of their box corners and keypoints, keeping its own score.
    boxes: (N, 4); keypoints: (N, K, 2); scores: (N,).
    Returns boxes (M, 4), keypoints (M, K, 2), scores (M,), best first.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    keypoints = np.asarray(keypoints, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    iou = _iou_matrix(boxes)
    out_boxes, out_kps, out_scores = [], [], []
    remaining = order
    while remaining.size:
        top = remaining[0]
        in_cluster = iou[remaining, top] > iou_threshold
        members = remaining[in_cluster]
        out_scores.append(scores[top])
        if not members.size:
            # A zero-area top box overlaps nothing, not even itself. MediaPipe keeps it
            # unchanged and stops, because the queue did not shrink.
            out_boxes.append(boxes[top])
            out_kps.append(keypoints[top])
            break
        weights = scores[members]
        total = weights.sum()
        out_boxes.append(weights @ boxes[members] / total)
        out_kps.append(np.tensordot(weights, keypoints[members], axes=1) / total)
        remaining = remaining[~in_cluster]
    k_shape = keypoints.shape[1:]
    return (
        np.array(out_boxes).reshape(-1, 4),
        np.array(out_kps).reshape((-1,) + k_shape),
        np.array(out_scores),
    )


def detection_to_rect(keypoints, image_size):
    """Pose ROI from a detection's keypoints (pose_detection_to_roi.pbtxt).

    keypoints: (..., K>=2, 2) normalised to the image (letterbox already removed).
    The mid-hip keypoint is the centre, twice its distance to keypoint 1 the side, the
    hip -> keypoint 1 direction is turned to point up, then the box is grown 1.25x and
    squared on its long side. Returns rect (..., 5).
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    raw = roi.rect_from_alignment_points(
        keypoints[..., 0, :], keypoints[..., 1, :], image_size, ROI_TARGET_ANGLE
    )
    return roi.transform_rect(
        raw, image_size, scale_x=ROI_SCALE, scale_y=ROI_SCALE, square_long=True
    )
