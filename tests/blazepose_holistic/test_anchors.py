from __future__ import annotations

import numpy as np

from blazepose_holistic.anchors import POSE_DETECTOR_ANCHORS, SsdAnchorOptions, ssd_anchors


def test_pose_detector_anchor_count_matches_model_output():
    # pose_detection_cpu.pbtxt: num_boxes 2254 = 28*28*2 + 14*14*2 + 7*7*(3 layers * 2)
    anchors = ssd_anchors()
    assert anchors.shape == (2254, 4)
    assert anchors.dtype == np.float64


def test_pose_detector_anchor_values_at_layer_boundaries():
    a = ssd_anchors(POSE_DETECTOR_ANCHORS)
    np.testing.assert_allclose(a[:, 2:], 1.0)
    # stride 8 grid: 28x28 cells, 2 anchors per cell
    np.testing.assert_allclose(a[0, :2], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[1, :2], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[2, :2], [1.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[56, :2], [0.5 / 28, 1.5 / 28])  # second row
    np.testing.assert_allclose(a[1567, :2], [27.5 / 28, 27.5 / 28])
    # stride 16 grid starts at 1568
    np.testing.assert_allclose(a[1568, :2], [0.5 / 14, 0.5 / 14])
    np.testing.assert_allclose(a[1959, :2], [13.5 / 14, 13.5 / 14])
    # the three stride-32 layers merge into one 7x7 grid with 6 anchors per cell
    np.testing.assert_allclose(a[1960:1966, :2], np.tile([0.5 / 7, 0.5 / 7], (6, 1)))
    np.testing.assert_allclose(a[1966, :2], [1.5 / 7, 0.5 / 7])
    np.testing.assert_allclose(a[2253, :2], [6.5 / 7, 6.5 / 7])


def test_anchor_grid_for_non_square_input_and_no_interpolated_anchor():
    opts = SsdAnchorOptions(input_size=(20, 10), strides=(10,), interpolated_scale_aspect_ratio=0.0)
    a = ssd_anchors(opts)
    np.testing.assert_allclose(a[:, :2], [[0.25, 0.5], [0.75, 0.5]])
