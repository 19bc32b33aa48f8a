"""Lifter input/output maths, and the committed ONNX lifter on synthetic poses."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from blazepose_holistic import lifter
from blazepose_holistic.body_model.frames import model_to_mediapipe
from blazepose_holistic.body_model.kinematics import forward_kinematics
from blazepose_holistic.body_model.rotations import (
    geodesic_angle,
    matrix_from_quaternion,
    sixd_from_matrix,
)
from blazepose_holistic.body_model.skeleton import (
    BODY_JOINTS,
    JOINT_GROUPS,
    JOINT_NAMES,
    LEFT_HAND_JOINTS,
    NUM_JOINTS,
    RIGHT_HAND_JOINTS,
)
from build_scripts.lifter.prior import pose_to_sample, sample_poses

MODEL = Path(__file__).resolve().parents[2] / "models" / "lifter.onnx"


def synthetic(seed, n):
    """n limit-uniform samples: (local, beta, translation, MediaPipe-frame points)."""
    rng = np.random.default_rng(seed)
    local, beta = sample_poses(rng, n, np.zeros((0, NUM_JOINTS, 3, 3)))
    points, trans = pose_to_sample(local, beta)
    return local, beta, trans, model_to_mediapipe(points)


def outputs_for(local, beta, trans):
    """The ONNX outputs an exact lifter would produce for these parameters."""
    _, glob = forward_kinematics(local, beta)
    six = sixd_from_matrix(glob).astype(np.float32)
    return {
        "root_6d": six[:, 0], "translation": trans.astype(np.float32),
        "beta": beta.astype(np.float32), "body_global_6d": six[:, BODY_JOINTS],
        "left_hand_global_6d": six[:, LEFT_HAND_JOINTS],
        "right_hand_global_6d": six[:, RIGHT_HAND_JOINTS],
    }


def test_prepare_input_frame_and_names():
    _, _, _, points = synthetic(0, 1)
    feed = lifter.prepare_input(points[0], np.array([True, True]))
    assert set(feed) == {lifter.INPUT_POINTS, lifter.INPUT_HAND_PRESENT}
    assert feed[lifter.INPUT_POINTS].shape == (1, 75, 3)
    assert feed[lifter.INPUT_POINTS].dtype == np.float32
    np.testing.assert_array_equal(feed[lifter.INPUT_HAND_PRESENT], [[1.0, 1.0]])
    # Model frame: y and z flipped relative to MediaPipe's world frame.
    np.testing.assert_allclose(feed[lifter.INPUT_POINTS][0], points[0] * [1, -1, -1], atol=1e-6)


def test_prepare_input_recentres_on_the_hips():
    _, _, _, points = synthetic(1, 1)
    feed = lifter.prepare_input(points[0] + [0.3, -0.2, 1.0])
    got = feed[lifter.INPUT_POINTS][0]
    np.testing.assert_allclose(0.5 * (got[23] + got[24]), 0.0, atol=1e-6)


def test_missing_hands_from_nan_or_mask():
    _, _, _, points = synthetic(2, 1)
    p = points[0].copy()
    p[54:75] = np.nan
    feed = lifter.prepare_input(p)
    np.testing.assert_array_equal(feed[lifter.INPUT_HAND_PRESENT], [[1.0, 0.0]])
    pts = feed[lifter.INPUT_POINTS][0]
    np.testing.assert_allclose(pts[54:75], np.broadcast_to(pts[16], (21, 3)))
    np.testing.assert_allclose(pts[33:54], points[0][33:54] * [1, -1, -1], atol=1e-6)
    feed = lifter.prepare_input(points[0], np.array([False, True]))
    np.testing.assert_array_equal(feed[lifter.INPUT_HAND_PRESENT], [[0.0, 1.0]])
    np.testing.assert_allclose(feed[lifter.INPUT_POINTS][0, 33:54],
                               np.broadcast_to(feed[lifter.INPUT_POINTS][0, 15], (21, 3)))
    with pytest.raises(ValueError):
        lifter.prepare_input(p, np.array([True, True]))
    bad = points[0].copy()
    bad[0] = np.nan
    with pytest.raises(ValueError):
        lifter.prepare_input(bad)


def test_decode_output_reconstructs_exact_parameters():
    local, beta, trans, points = synthetic(3, 1)
    result = lifter.decode_output(outputs_for(local, beta, trans))
    assert result.joint_rotations.shape == (NUM_JOINTS, 4)
    assert result.joint_names == JOINT_NAMES
    np.testing.assert_allclose(matrix_from_quaternion(result.joint_rotations), local[0],
                               atol=1e-5)
    np.testing.assert_allclose(result.root_rotation, result.joint_rotations[0])
    assert (result.joint_rotations[:, 3] >= 0).all()
    np.testing.assert_allclose(result.landmarks, points[0], atol=1e-5)
    np.testing.assert_allclose(result.beta, beta[0], atol=1e-6)
    d = result.to_dict()
    assert len(d["joint_rotations"]) == NUM_JOINTS and len(d["landmarks"]) == 75


def test_local_rotations_from_outputs_is_batched():
    local, beta, trans, _ = synthetic(4, 6)
    got = lifter.local_rotations_from_outputs(outputs_for(local, beta, trans))
    np.testing.assert_allclose(got, local, atol=1e-5)


def _ort():
    return pytest.importorskip("onnxruntime")


@pytest.mark.skipif(not MODEL.is_file(), reason="models/lifter.onnx not built")
def test_onnx_lifter_recovers_synthetic_poses():
    ort = _ort()
    sess = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    local, beta, trans, points = synthetic(12345, 64)
    errors, angles = [], []
    for i in range(len(points)):
        feed = lifter.prepare_input(points[i])
        names = [o.name for o in sess.get_outputs()]
        result = lifter.decode_output(dict(zip(names, sess.run(names, feed))))
        errors.append(np.linalg.norm(result.landmarks - points[i], axis=1).mean())
        rot = matrix_from_quaternion(result.joint_rotations)
        body = np.concatenate([JOINT_GROUPS[g] for g in ("spine", "arms", "legs")])
        angles.append(np.degrees(geodesic_angle(rot[body], local[i, body])))
    # Loose bounds: on these limit-uniform bodies the lifter measures ~25 mm and ~18 deg
    # (docs/lifter.md); a broken export, frame flip or joint order gives 100+ mm and 40+ deg.
    assert np.median(errors) < 0.04
    assert np.median(np.concatenate(angles)) < 25.0
