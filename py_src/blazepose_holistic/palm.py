"""Palm detector: anchors, decoding and the palm -> hand rect step.

Sources: mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt (the graph that runs
palm_detection_full.tflite) and mediapipe/modules/hand_landmark/
palm_detection_detection_to_roi.pbtxt. The SSD decoding and the weighted NMS are the pose
detector's (``detection``), with the palm detector's options.

The pipeline runs the detector on a square, unrotated search rect around a pose wrist
(``hand_recovery.search_rect``), not on the whole frame, so its detections come out
normalised to that rect; ``detect`` maps them to the image. Keypoints: 0 wrist centre,
1 index MCP, 2 middle MCP, 3 ring MCP, 4 pinky MCP, 5 and 6 along the thumb.
"""

from __future__ import annotations

import math

import numpy as np

from . import detection
from .anchors import SsdAnchorOptions, ssd_anchors
from .contract import PALM_DETECTOR, input_size
from .roi import project_landmarks, rotation_from_points, transform_rect

INPUT_SIZE = input_size(PALM_DETECTOR)
# palm_detection_cpu.pbtxt, SsdAnchorsCalculator: 4 layers, strides 8, 16, 16, 16, fixed
# anchor size -> 24x24x2 + 12x12x6 = 2016 anchors.
PALM_ANCHORS = SsdAnchorOptions(input_size=(INPUT_SIZE, INPUT_SIZE), strides=(8, 16, 16, 16))
# palm_detection_cpu.pbtxt, TensorsToDetectionsCalculator: 18 coords = box + 7 keypoints,
# scaled by 192; min_score_thresh 0.5; NMS as the pose detector's (IoU 0.3, weighted).
PALM_DECODING = detection.SsdDecoding(num_keypoints=7, input_scale=float(INPUT_SIZE))
MIN_SCORE = 0.5
WRIST, MIDDLE_MCP = 0, 2
# palm_detection_detection_to_roi.pbtxt: wrist -> middle MCP turned to point up, the box
# grown 2.6x, shifted half its height towards the fingers, squared on the long side.
ROI_TARGET_ANGLE = math.pi / 2.0
ROI_TRANSFORM = dict(scale_x=2.6, scale_y=2.6, shift_y=-0.5, square_long=True)


def anchors() -> np.ndarray:
    """(2016, 4) anchors in the order the palm detector emits its boxes."""
    return ssd_anchors(PALM_ANCHORS)


def detect(raw_boxes, raw_scores, anchor_grid, search_rect, image_size):
    """One search crop's palm detections in image coordinates.

    raw_boxes: (2016, 18) regressors, raw_scores: (2016,) logits of one batch item;
    search_rect: (5,) the crop they came from (square in pixels, rotation 0: no letterbox).
    Returns boxes (M, 4) [xmin, ymin, xmax, ymax], keypoints (M, 7, 2), scores (M,), all
    image-normalised, best first.
    """
    boxes, keypoints, scores = detection.decode_detections(
        raw_boxes, raw_scores, anchor_grid, min_score=MIN_SCORE, decoding=PALM_DECODING)
    if len(scores) == 0:
        return boxes, keypoints, scores
    boxes, keypoints, scores = detection.weighted_nms(boxes, keypoints, scores)
    # Box corners and keypoints are crop-normalised points: project them like landmarks.
    points = np.concatenate([boxes.reshape(-1, 2, 2), keypoints], axis=1)
    points = np.concatenate([points, np.zeros(points.shape[:-1] + (1,))], axis=-1)
    image = project_landmarks(points, np.asarray(search_rect)[None], image_size)[..., :2]
    return image[:, :2].reshape(-1, 4), image[:, 2:], scores


def palm_to_hand_rect(box, keypoints, image_size):
    """Hand rect for the hand landmark model from one palm (palm_detection_detection_to_roi).

    box: (..., 4) image-normalised [xmin, ymin, xmax, ymax]; keypoints: (..., 7, 2).
    DetectionsToRectsCalculator: the box's centre and size, rotated so that wrist ->
    middle MCP points up; then RectTransformationCalculator. Returns (..., 5).
    """
    box = np.asarray(box, dtype=np.float64)
    keypoints = np.asarray(keypoints, dtype=np.float64)
    rotation = rotation_from_points(keypoints[..., WRIST, :], keypoints[..., MIDDLE_MCP, :],
                                    image_size, ROI_TARGET_ANGLE)
    rect = np.stack([(box[..., 0] + box[..., 2]) / 2.0, (box[..., 1] + box[..., 3]) / 2.0,
                     box[..., 2] - box[..., 0], box[..., 3] - box[..., 1], rotation], axis=-1)
    return transform_rect(rect, image_size, **ROI_TRANSFORM)
