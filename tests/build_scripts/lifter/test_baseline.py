"""The analytic (bone-direction) baseline the lifter is compared against."""
from __future__ import annotations

import numpy as np

from blazepose_holistic.body_model.rotations import geodesic_angle, matrix_from_axis_angle
from blazepose_holistic.body_model.shape import NUM_SHAPE
from blazepose_holistic.body_model.skeleton import JOINT_INDEX, NUM_JOINTS
from build_scripts.lifter.baseline import solve
from build_scripts.lifter.prior import pose_to_sample


def pose_with(rotations):
    local = np.broadcast_to(np.eye(3), (1, NUM_JOINTS, 3, 3)).copy()
    for name, vec in rotations.items():
        local[0, JOINT_INDEX[name]] = matrix_from_axis_angle(np.radians(np.array(vec)))
    return local


def test_rest_pose_gives_identity():
    points, _ = pose_to_sample(pose_with({}), np.zeros((1, NUM_SHAPE)))
    local = solve(points, np.ones((1, 2), dtype=bool))
    np.testing.assert_allclose(local, pose_with({}), atol=1e-9)


def test_swing_only_pose_is_recovered():
    # Segments whose two landmarks sit on the bone (not the thigh: BlazePose's hip point is
    # lateral to the hip joint) and that only swing are recovered exactly.
    truth = pose_with({"Hips": (0, 40, 0), "LeftLeg": (70, 0, 0), "RightArm": (0, 0, 60),
                       "LeftForeArm": (0, -60, 0), "RightHandIndex1": (0, 0, 45)})
    points, _ = pose_to_sample(truth, np.zeros((1, NUM_SHAPE)))
    local = solve(points, np.ones((1, 2), dtype=bool))
    for name in ("Hips", "LeftLeg", "RightArm", "LeftForeArm", "RightHandIndex1"):
        j = JOINT_INDEX[name]
        assert np.degrees(geodesic_angle(local[0, j], truth[0, j])) < 1e-6, name


def test_missing_hand_keeps_fingers_at_rest():
    truth = pose_with({"LeftHandIndex1": (0, 0, -60)})
    points, _ = pose_to_sample(truth, np.zeros((1, NUM_SHAPE)))
    points[0, 33:54] = points[0, 15]
    local = solve(points, np.array([[False, True]]))
    np.testing.assert_allclose(local[0, JOINT_INDEX["LeftHandIndex1"]], np.eye(3), atol=1e-12)
