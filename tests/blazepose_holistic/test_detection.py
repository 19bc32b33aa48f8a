from __future__ import annotations

import json

import numpy as np

from blazepose_holistic import detection
from blazepose_holistic.anchors import ssd_anchors


def _raw_row(dx, dy, w, h, kps):
    return np.array([dx, dy, w, h] + [v for kp in kps for v in kp], dtype=np.float32)


def test_decode_boxes_through_a_known_anchor():
    anchors = np.array([[0.25, 0.75, 1.0, 1.0]])
    # offsets in input pixels: +22.4 px = +0.1, box 44.8 x 89.6 px = 0.2 x 0.4
    raw = _raw_row(22.4, -11.2, 44.8, 89.6, [(0, 0), (224, 0), (0, -112), (-22.4, 44.8)])
    boxes, kps = detection.decode_boxes(raw[None, None, :], anchors)
    np.testing.assert_allclose(boxes, [[0.25, 0.5, 0.45, 0.9]], atol=1e-6)
    np.testing.assert_allclose(
        kps, [[[0.25, 0.75], [1.25, 0.75], [0.25, 0.25], [0.15, 0.95]]], atol=1e-6
    )


def test_decode_boxes_uses_the_matching_anchor_of_the_real_grid():
    anchors = ssd_anchors()
    raw = np.zeros((2254, 12), np.float32)
    raw[1568] = _raw_row(0, 0, 22.4, 22.4, [(0, 0)] * 4)
    boxes, kps = detection.decode_boxes(raw, anchors)
    c = 0.5 / 14  # first anchor of the stride-16 grid
    np.testing.assert_allclose(boxes[1568], [c - 0.05, c - 0.05, c + 0.05, c + 0.05])
    np.testing.assert_allclose(kps[1568], np.full((4, 2), c))
    assert boxes.shape == (2254, 4) and kps.shape == (2254, 4, 2)


def test_decode_scores_sigmoid_with_clipping():
    out = detection.decode_scores(np.array([[[0.0], [np.log(3.0)], [1e4], [-1e4]]]))
    np.testing.assert_allclose(out[:2], [0.5, 0.75])
    assert out[2] == 1.0
    np.testing.assert_allclose(out[3], 1.0 / (1.0 + np.exp(100.0)))  # clipped at -100
    assert out[3] > 0.0


def test_decode_detections_filters_low_scores_and_bad_boxes():
    anchors = np.tile([[0.5, 0.5, 1.0, 1.0]], (5, 1))
    raw = np.stack(
        [
            _raw_row(0, 0, 10, 10, [(0, 0)] * 4),
            _raw_row(1, 0, 10, 10, [(0, 0)] * 4),
            _raw_row(2, 0, 10, 10, [(0, 0)] * 4),
            _raw_row(3, 0, -10, 10, [(0, 0)] * 4),  # negative width
            _raw_row(4, 0, np.nan, 10, [(0, 0)] * 4),
        ]
    )
    # probabilities 0.4999.., exactly 0.5, 0.9, 0.9, 0.9
    logits = np.array([-1e-3, 0.0, np.log(9.0), np.log(9.0), np.log(9.0)])
    boxes, kps, scores = detection.decode_detections(raw, logits, anchors)
    np.testing.assert_allclose(scores, [0.5, 0.9])
    np.testing.assert_allclose(boxes[:, 0] * 224 + 5, [1.0 + 112, 2.0 + 112], atol=1e-4)
    assert kps.shape == (2, 4, 2)
    _, _, scores = detection.decode_detections(raw, logits, anchors, min_score=0.95)
    assert scores.shape == (0,)


def _nms_fixture():
    boxes = np.array(
        [
            [0.0, 0.0, 1.0, 1.0],  # A 0.9
            [0.1, 0.0, 1.1, 1.0],  # B 0.6, IoU(A) = 0.9 / 1.1
            [2.0, 2.0, 3.0, 3.0],  # C 0.8, disjoint
            [0.5, 0.0, 1.5, 1.0],  # D 0.7, IoU(A) = 0.5 / 1.5 = 0.333 > 0.3
            [0.55, 0.0, 1.55, 1.0],  # E 0.5, IoU(A) = 0.45 / 1.55 = 0.290 < 0.3
        ]
    )
    kps = np.zeros((5, 1, 2))
    kps[0, 0] = [0.0, 0.0]
    kps[1, 0] = [1.0, 1.0]
    kps[3, 0] = [2.0, 0.0]
    kps[2, 0] = [2.5, 2.5]
    kps[4, 0] = [1.0, 0.5]
    scores = np.array([0.9, 0.6, 0.8, 0.7, 0.5])
    return boxes, kps, scores


def test_weighted_nms_clusters_and_weights():
    boxes, kps, scores = _nms_fixture()
    out_boxes, out_kps, out_scores = detection.weighted_nms(boxes, kps, scores)
    np.testing.assert_allclose(out_scores, [0.9, 0.8, 0.5])
    # cluster {A, B, D}, weights 0.9, 0.6, 0.7 (total 2.2)
    np.testing.assert_allclose(out_boxes[0], [0.41 / 2.2, 0.0, 2.61 / 2.2, 1.0])
    np.testing.assert_allclose(out_kps[0, 0], [2.0 / 2.2, 0.6 / 2.2])
    # singletons are returned unchanged
    np.testing.assert_allclose(out_boxes[1:], boxes[[2, 4]])
    np.testing.assert_allclose(out_kps[1:], kps[[2, 4]])


def test_weighted_nms_does_not_depend_on_input_order():
    boxes, kps, scores = _nms_fixture()
    perm = np.array([4, 2, 0, 3, 1])
    ref = detection.weighted_nms(boxes, kps, scores)
    out = detection.weighted_nms(boxes[perm], kps[perm], scores[perm])
    for a, b in zip(ref, out):
        np.testing.assert_allclose(a, b)


def test_weighted_nms_zero_area_top_box_stops():
    boxes = np.array([[0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 1.0, 1.0]])
    kps = np.zeros((2, 4, 2))
    out_boxes, out_kps, out_scores = detection.weighted_nms(boxes, kps, [0.9, 0.8])
    np.testing.assert_allclose(out_boxes, boxes[:1])
    np.testing.assert_allclose(out_scores, [0.9])
    assert out_kps.shape == (1, 4, 2)


def test_weighted_nms_empty_input():
    b, k, s = detection.weighted_nms(np.zeros((0, 4)), np.zeros((0, 4, 2)), np.zeros(0))
    assert b.shape == (0, 4) and k.shape == (0, 4, 2) and s.shape == (0,)


def test_detection_to_rect_upright_and_tilted():
    kps = np.array([[0.5, 0.6], [0.5, 0.4], [0.0, 0.0], [0.0, 0.0]])
    rect = detection.detection_to_rect(kps, (640, 480))
    # 96 px hip -> top distance: side 192 px, x1.25 = 240 px
    np.testing.assert_allclose(rect, [0.5, 0.6, 240 / 640, 240 / 480, 0.0], atol=1e-12)
    # body leaning right by 45 degrees on screen: the ROI turns clockwise (+45 deg)
    kps = np.array([[0.5, 0.5], [0.6, 0.4], [0.0, 0.0], [0.0, 0.0]])
    rect = detection.detection_to_rect(kps, (100, 100))
    np.testing.assert_allclose(rect[4], np.pi / 4)
    np.testing.assert_allclose(rect[2:4], [2 * np.hypot(10, 10) * 1.25 / 100] * 2)


def test_detection_objects_serialise_to_plain_lists():
    boxes, kps, scores = _nms_fixture()
    dets = [detection.Detection(b, k, float(s)) for b, k, s in zip(boxes[:2], kps[:2], scores[:2])]
    assert len(dets) == 2 and dets[1].score == 0.6
    text = json.dumps([d.to_dict() for d in dets])
    assert json.loads(text)[0]["box"] == [0.0, 0.0, 1.0, 1.0]
