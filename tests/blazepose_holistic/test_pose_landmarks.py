from __future__ import annotations

import warnings

import numpy as np
import pytest

from blazepose_holistic import pose_landmarks as pl

LOW = -30.0  # sigmoid ~ 1e-13: an empty heatmap cell


def _reference_refine(lms, hm, kernel=7, thr=0.5):
    # Literal transcription of RefineLandmarksFromHeatMap's loops, as an independent check.
    out = lms.copy()
    h, w, _ = hm.shape
    for i in range(lms.shape[0]):
        c = int(lms[i, 0] * w)  # int() truncates toward zero like the C++ cast
        r = int(lms[i, 1] * h)
        if c < 0 or c >= w or r < 0 or c >= h:
            continue
        off = (kernel - 1) // 2
        total = wc = wr = peak = 0.0
        for rr in range(max(0, r - off), min(h, r + off + 1)):
            for cc in range(max(0, c - off), min(w, c + off + 1)):
                conf = 1.0 / (1.0 + np.exp(-hm[rr, cc, i]))
                total += conf
                peak = max(peak, conf)
                wc += cc * conf
                wr += rr * conf
        if peak >= thr and total > 0:
            out[i, 0] = wc / w / total
            out[i, 1] = wr / h / total
    return out


def _landmarks_at(xy):
    lms = np.zeros((39, 5))
    lms[:, 2:] = [0.1, 0.7, 0.8]
    lms[: len(xy), :2] = xy
    lms[len(xy) :, :2] = 0.5
    return lms


def test_decode_landmarks_scales_and_activates():
    raw = np.zeros((1, 195), np.float32)
    raw[0, :5] = [128.0, 64.0, -25.6, 0.0, np.log(3.0)]
    raw[0, 5 * 38 : 5 * 39] = [256.0, 0.0, 12.8, 100.0, -100.0]
    out = pl.decode_landmarks(raw)
    assert out.shape == (39, 5)
    np.testing.assert_allclose(out[0], [0.5, 0.25, -0.1, 0.5, 0.75], rtol=1e-6)
    np.testing.assert_allclose(out[38, :3], [1.0, 0.0, 0.05], rtol=1e-6)
    np.testing.assert_allclose(out[38, 3:], [1.0, 0.0], atol=1e-40)


def test_refine_moves_to_peak_without_half_cell_offset():
    hm = np.full((1, 64, 64, 39), LOW, np.float32)
    hm[0, 10, 19, 0] = hm[0, 10, 21, 0] = 10.0  # symmetric pair around column 20
    hm[0, 40, 30, 1] = 10.0
    lms = _landmarks_at([[20.5 / 64, 10.5 / 64], [28.9 / 64, 42.2 / 64]])
    out = pl.refine_from_heatmap(lms, hm)
    np.testing.assert_allclose(out[0, :2], [20 / 64, 10 / 64], atol=1e-9)
    np.testing.assert_allclose(out[1, :2], [30 / 64, 40 / 64], atol=1e-9)
    np.testing.assert_array_equal(out[:, 2:], lms[:, 2:])  # z, visibility, presence kept


def test_refine_keeps_low_confidence_and_far_peaks():
    hm = np.full((64, 64, 39), -1.0)  # sigmoid 0.27 everywhere: below 0.5
    hm[20, 24, 1] = 10.0  # 4 columns from landmark 1: outside the 7x7 window
    lms = _landmarks_at([[0.3, 0.3], [20.5 / 64, 20.5 / 64]])
    out = pl.refine_from_heatmap(lms, hm)
    np.testing.assert_array_equal(out, lms)


def test_refine_edge_quirks():
    hm = np.full((64, 64, 39), LOW)
    hm[0, 0, 0] = 10.0
    hm[63, 20, 1] = 10.0
    hm[63, 20, 2] = 10.0
    hm[5, 5, 3] = 10.0
    lms = _landmarks_at(
        [
            [-0.01, 0.01],  # truncates to column 0: refined
            [20.5 / 64, 65.2 / 64],  # row 65, below the map: refined from rows 62-63
            [20.5 / 64, 1.2],  # row 76: window entirely below the map, kept
            [-0.1, 5.5 / 64],  # column -6: outside, kept
        ]
    )
    out = pl.refine_from_heatmap(lms, hm)
    np.testing.assert_allclose(out[0, :2], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(out[1, :2], [20 / 64, 63 / 64], atol=1e-9)
    np.testing.assert_array_equal(out[2:4], lms[2:4])


def test_refine_matches_literal_reference_on_random_data():
    rng = np.random.RandomState(3)
    hm = rng.normal(-2.0, 3.0, (64, 64, 39))
    lms = np.concatenate([rng.uniform(-0.1, 1.1, (39, 2)), rng.uniform(0, 1, (39, 3))], 1)
    np.testing.assert_allclose(pl.refine_from_heatmap(lms, hm), _reference_refine(lms, hm))
    np.testing.assert_allclose(
        pl.refine_from_heatmap(lms, hm, kernel_size=3, min_confidence_to_refine=0.9),
        _reference_refine(lms, hm, kernel=3, thr=0.9),
    )


def test_refine_rejects_mismatched_heatmap():
    with pytest.raises(ValueError):
        pl.refine_from_heatmap(np.zeros((39, 5)), np.zeros((64, 64, 33)))


def test_world_landmarks_and_pose_flag():
    raw = np.arange(117, dtype=np.float32)[None]
    world = pl.decode_world_landmarks(raw)
    assert world.shape == (39, 3)
    np.testing.assert_array_equal(world[1], [3, 4, 5])
    assert pl.pose_flag(np.array([[0.75]], np.float32)) == 0.75


def test_segmentation_mask_is_sigmoid_without_overflow():
    raw = np.zeros((1, 256, 256, 1), np.float32)
    raw[0, 0, 0, 0] = -1451.0  # magnitude seen from the real model
    raw[0, 0, 1, 0] = np.log(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mask = pl.segmentation_to_mask(raw)
    assert mask.shape == (256, 256) and mask.dtype == np.float32
    np.testing.assert_allclose(mask[0, :3], [0.0, 0.75, 0.5], atol=1e-6)


def test_aux_landmarks_to_rect_from_all_or_aux_only():
    lms = np.zeros((39, 5))
    lms[33, :2] = [0.5, 0.6]
    lms[34, :2] = [0.5, 0.4]
    expected = [0.5, 0.6, 240 / 640, 240 / 480, 0.0]  # 96 px -> 192 px side, x1.25
    np.testing.assert_allclose(pl.aux_landmarks_to_rect(lms, (640, 480)), expected, atol=1e-12)
    np.testing.assert_allclose(
        pl.aux_landmarks_to_rect(lms[33:35], (640, 480)), expected, atol=1e-12
    )
    with pytest.raises(ValueError):
        pl.aux_landmarks_to_rect(lms[:33], (640, 480))
