from __future__ import annotations

import numpy as np
from PIL import Image

from blazepose_holistic import segmentation
from blazepose_holistic.tracker import HolisticTracker


def test_mask_covers_the_rect_and_nothing_else():
    rect = np.array([0.5, 0.4, 0.25, 0.5, 0.0])  # 160 x 160 px square in a 640 x 320 frame
    out = segmentation.mask_to_image(np.ones((64, 64)), rect, (640, 320))
    assert out.shape == (256, 512)  # long side capped at 512
    assert abs(out.sum() / out.size - (0.25 * 0.5)) < 0.01
    assert out[102, 256] == 1.0 and out[10, 10] == 0.0


def test_rotated_rect_maps_the_mask_rotated():
    mask = np.zeros((64, 64))
    mask[:, 32:] = 1.0  # right half of the crop
    rect = np.array([0.5, 0.5, 0.5, 0.5, np.pi / 2])  # turned a quarter clockwise on screen
    out = segmentation.mask_to_image(mask, rect, (200, 200))
    # The crop's right half ends up in the lower half of the rect on screen.
    assert out[120:145, 80:120].mean() > 0.95 and out[55:80, 80:120].mean() < 0.05


def test_smoothing_keeps_confident_values_and_blends_uncertain_ones():
    prev = np.array([0.0, 0.0, 1.0], np.float32)
    cur = np.array([1.0, 0.5, 0.0], np.float32)
    out = segmentation.smooth_mask(prev, cur)
    assert abs(out[0] - 1.0) < 1e-3 and abs(out[2] - 0.0) < 1e-3  # confident: kept
    assert abs(out[1] - (0.5 - 0.5 * 0.7)) < 1e-3  # maximally uncertain: 70 % previous


def test_person_mask_on_a_photo(shared_data):
    img = np.asarray(Image.open(shared_data / "eval/mpii/004645041.jpg").convert("RGB"))
    with HolisticTracker(enable_segmentation=True, enable_hands=False,
                         enable_body_model=False, static_image_mode=True) as t:
        result = t.process(img)
    mask = result.segmentation_mask
    assert mask.shape == (288, 512)
    lm = result.pose_landmarks
    # Torso quadrilateral's centre (between shoulders and hips) is person; the far left is not.
    cx, cy = lm[[11, 12, 23, 24], :2].mean(axis=0)
    assert mask[int(cy * 288), int(cx * 512)] > 0.9
    assert mask[:, :150].max() < 0.1
