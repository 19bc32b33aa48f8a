from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from build_scripts.models.crop_graph import build_crop_graph, reference_crop


def _session(size, value_range, border):
    model = build_crop_graph(size, value_range, border)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _rotation_matrices(rng, batch, img_w, img_h, size):
    ang = rng.uniform(-np.pi, np.pi, batch)
    sc = rng.uniform(0.2, 1.5, batch) * max(img_w, img_h) / size
    m = np.zeros((batch, 2, 3), np.float32)
    m[:, 0, 0], m[:, 0, 1] = np.cos(ang) * sc, -np.sin(ang) * sc
    m[:, 1, 0], m[:, 1, 1] = np.sin(ang) * sc, np.cos(ang) * sc
    m[:, :, 2] = rng.uniform(-0.2, 1.2, (batch, 2)) * [img_w, img_h]
    return m


@pytest.mark.parametrize("border", ["zero", "replicate"])
@pytest.mark.parametrize("channels", [3, 4])
def test_graph_matches_numpy_reference(border, channels):
    rng = np.random.default_rng(channels)
    sess = _session(48, (-1.0, 1.0), border)
    img = rng.integers(0, 256, (37, 61, channels), dtype=np.uint8)
    mats = _rotation_matrices(rng, 3, 61, 37, 48)
    got = sess.run(None, {"image": img, "matrix": mats})[0]
    want = reference_crop(img, mats.astype(np.float64), 48, (-1.0, 1.0), border)
    assert got.shape == (3, 48, 48, 3)
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_axis_aligned_unit_crop_copies_pixels_exactly():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    sess = _session(8, (0.0, 255.0), "zero")
    m = np.array([[[1, 0, 5], [0, 1, 7]]], np.float32)  # output (u, v) <- input (u+5, v+7)
    got = sess.run(None, {"image": img, "matrix": m})[0][0]
    np.testing.assert_allclose(got, img[7:15, 5:13], atol=1e-3)


def test_borders_zero_versus_replicate():
    img = np.full((10, 10, 3), 200, np.uint8)
    m = np.array([[[1, 0, -20], [0, 1, -20]]], np.float32)  # entirely outside the image
    zero = _session(4, (0.0, 1.0), "zero").run(None, {"image": img, "matrix": m})[0]
    rep = _session(4, (0.0, 1.0), "replicate").run(None, {"image": img, "matrix": m})[0]
    assert np.all(zero == 0.0)
    np.testing.assert_allclose(rep, 200 / 255, atol=1e-6)


def test_indices_stay_exact_beyond_float32_integer_range():
    # 5000 x 4000 = 2e7 pixels > 2**24: float32 pixel indices would round to a neighbour.
    img = np.zeros((4000, 5000, 3), np.uint8)
    img[3999, 4997] = (255, 0, 0)
    img[3999, 4998] = (0, 255, 0)
    m = np.array([[[1, 0, 4997], [0, 1, 3999]]], np.float32)
    got = _session(2, (0.0, 255.0), "zero").run(None, {"image": img, "matrix": m})[0][0]
    np.testing.assert_allclose(got[0, 0], (255, 0, 0), atol=1e-3)
    np.testing.assert_allclose(got[0, 1], (0, 255, 0), atol=1e-3)
