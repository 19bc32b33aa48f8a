"""SSD anchor grid of the pose detector (SsdAnchorsCalculator).

Source: mediapipe/calculators/tflite/ssd_anchors_calculator.cc (+ .proto for defaults).
Only the fixed-anchor-size variant is implemented: the pose detector regresses box sizes
in input pixels, so every anchor has width = height = 1 and only its centre matters.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .contract import POSE_DETECTOR, input_size


class SsdAnchorOptions(NamedTuple):
    """The SsdAnchorsCalculatorOptions fields that shape a fixed-size anchor grid."""

    input_size: tuple[int, int]  # (width, height) of the model input
    strides: tuple[int, ...]  # one per layer; equal neighbours share one grid
    aspect_ratios: tuple[float, ...] = (1.0,)
    # ssd_anchors_calculator.proto default 1.0: one extra anchor per layer unless 0.
    interpolated_scale_aspect_ratio: float = 1.0
    anchor_offset: tuple[float, float] = (0.5, 0.5)  # (x, y), in cells


# pose_detection_cpu.pbtxt (SsdAnchorsCalculator node; confirmed in the graph compiled
# into @mediapipe/holistic 0.5.1675471629). min_scale 0.1484375 / max_scale 0.75 only set
# anchor sizes, which fixed_anchor_size: true replaces by 1, so they do not appear here.
POSE_DETECTOR_ANCHORS = SsdAnchorOptions(
    input_size=(input_size(POSE_DETECTOR),) * 2,
    strides=(8, 16, 32, 32, 32),
)


def ssd_anchors(options: SsdAnchorOptions = POSE_DETECTOR_ANCHORS) -> np.ndarray:
    """Anchors in the order the detector emits its boxes.

    Returns (num_anchors, 4) float64 [x_center, y_center, w, h], centres normalised to the
    input size, w = h = 1. 2254 anchors for POSE_DETECTOR_ANCHORS.
    Layers with the same stride are merged into one grid whose cells hold all their
    anchors, cell by cell in row-major order, as SsdAnchorsCalculator::GenerateAnchors.
    """
    in_w, in_h = options.input_size
    per_layer = len(options.aspect_ratios) + (options.interpolated_scale_aspect_ratio > 0.0)
    strides = list(options.strides)
    grids = []
    start = 0
    while start < len(strides):
        end = start
        while end < len(strides) and strides[end] == strides[start]:
            end += 1
        stride = strides[start]
        fm_w = int(np.ceil(in_w / stride))
        fm_h = int(np.ceil(in_h / stride))
        xs = (np.arange(fm_w) + options.anchor_offset[0]) / fm_w
        ys = (np.arange(fm_h) + options.anchor_offset[1]) / fm_h
        grid_x, grid_y = np.meshgrid(xs, ys)  # (fm_h, fm_w), row-major like the loops
        centres = np.stack([grid_x.ravel(), grid_y.ravel()], axis=-1)
        grids.append(np.repeat(centres, per_layer * (end - start), axis=0))
        start = end
    centres = np.concatenate(grids, axis=0)
    return np.concatenate([centres, np.ones_like(centres)], axis=-1)
