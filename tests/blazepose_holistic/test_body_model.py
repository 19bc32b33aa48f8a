"""The open body model: rotations, skeleton, forward kinematics, landmark map, limits."""
from __future__ import annotations

import numpy as np
import pytest

from blazepose_holistic.body_model import rotations as R
from blazepose_holistic.body_model.frames import mediapipe_to_model, model_to_mediapipe
from blazepose_holistic.body_model.kinematics import (
    forward_kinematics,
    landmarks_from_pose,
    local_from_global,
    rest_pose,
)
from blazepose_holistic.body_model.landmarks import (
    HAND_LANDMARK_NAMES,
    LANDMARK_NAMES,
    MIRROR_LANDMARKS,
    POSE_LANDMARK_NAMES,
)
from blazepose_holistic.body_model.shape import NUM_SHAPE, SHAPE_NAMES
from blazepose_holistic.body_model.skeleton import (
    BODY_JOINTS,
    JOINT_INDEX,
    JOINT_NAMES,
    LEFT_HAND_JOINTS,
    MIRROR_JOINTS,
    NUM_JOINTS,
    PARENTS,
    RIGHT_HAND_JOINTS,
)
from build_scripts.lifter.limits import (
    JOINT_LIMITS,
    rotation_from_swing_twist,
    sample_within_limits,
)
from build_scripts.lifter.prior import mirror_pose, pose_to_sample, sample_poses

J = JOINT_INDEX
L = {name: i for i, name in enumerate(LANDMARK_NAMES)}


def random_rotations(rng, shape):
    return R.matrix_from_quaternion(rng.normal(size=shape + (4,)))


# --- rotations -------------------------------------------------------------------------


def test_quaternion_matrix_round_trip():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(1000, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    q *= np.sign(q[:, 3:])
    np.testing.assert_allclose(R.quaternion_from_matrix(R.matrix_from_quaternion(q)), q,
                               atol=1e-12)


def test_quaternion_from_matrix_half_turns():
    axes = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, -1, 1]])
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    q = R.quaternion_from_matrix(R.matrix_from_axis_angle(axes * np.pi))
    np.testing.assert_allclose(np.abs(q[:, :3]), np.abs(axes), atol=1e-9)
    np.testing.assert_allclose(q[:, 3], 0.0, atol=1e-9)


def test_known_quaternion_and_matrix():
    # 90 degrees about z takes x to y.
    m = R.matrix_from_axis_angle(np.array([0.0, 0.0, np.pi / 2]))
    np.testing.assert_allclose(m @ [1.0, 0, 0], [0, 1.0, 0], atol=1e-12)
    s = np.sqrt(0.5)
    np.testing.assert_allclose(R.quaternion_from_matrix(m), [0, 0, s, s], atol=1e-12)


def test_axis_angle_round_trip_including_zero():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(500, 3))
    v *= (rng.uniform(0, np.pi - 1e-3, 500) / np.linalg.norm(v, axis=1))[:, None]
    v[0] = 0.0
    v[1] = [1e-9, 0, 0]
    np.testing.assert_allclose(R.axis_angle_from_matrix(R.matrix_from_axis_angle(v)), v,
                               atol=1e-9)
    np.testing.assert_allclose(R.axis_angle_from_quaternion(R.quaternion_from_axis_angle(v)),
                               v, atol=1e-12)


def test_6d_round_trip_and_orthonormality():
    rng = np.random.default_rng(2)
    m = random_rotations(rng, (200,))
    np.testing.assert_allclose(R.matrix_from_6d(R.sixd_from_matrix(m)), m, atol=1e-12)
    noisy = R.matrix_from_6d(rng.normal(size=(200, 6)))
    np.testing.assert_allclose(noisy @ np.swapaxes(noisy, -1, -2),
                               np.broadcast_to(np.eye(3), noisy.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(noisy), 1.0, atol=1e-12)


def test_geodesic_angle_and_rotation_between():
    rng = np.random.default_rng(3)
    a = random_rotations(rng, (50,))
    angle = rng.uniform(0, np.pi, 50)
    axis = rng.normal(size=(50, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    b = a @ R.matrix_from_axis_angle(axis * angle[:, None])
    np.testing.assert_allclose(R.geodesic_angle(a, b), angle, atol=1e-6)
    u = rng.normal(size=(50, 3))
    v = rng.normal(size=(50, 3))
    v[0] = -u[0]  # opposite directions take the fallback axis
    rot = R.rotation_between(u, v)
    got = (rot @ u[..., None])[..., 0]
    np.testing.assert_allclose(got / np.linalg.norm(got, axis=1, keepdims=True),
                               v / np.linalg.norm(v, axis=1, keepdims=True), atol=1e-9)


# --- skeleton and kinematics -----------------------------------------------------------


def test_skeleton_names_and_hierarchy():
    assert NUM_JOINTS == 52
    assert JOINT_NAMES[0] == "Hips" and PARENTS[0] == -1
    assert all(PARENTS[j] < j for j in range(1, NUM_JOINTS))
    for side in ("Left", "Right"):
        assert JOINT_NAMES[PARENTS[J[side + "HandIndex3"]]] == side + "HandIndex2"
        assert JOINT_NAMES[PARENTS[J[side + "Arm"]]] == side + "Shoulder"
        assert JOINT_NAMES[PARENTS[J[side + "UpLeg"]]] == "Hips"
    assert len(BODY_JOINTS) == 21 and len(LEFT_HAND_JOINTS) == len(RIGHT_HAND_JOINTS) == 15
    groups = np.concatenate([[0], BODY_JOINTS, LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS])
    assert sorted(groups.tolist()) == list(range(NUM_JOINTS))
    assert (MIRROR_JOINTS[MIRROR_JOINTS] == np.arange(NUM_JOINTS)).all()


def test_rest_pose_is_a_symmetric_t_pose():
    pos, lm = rest_pose()
    np.testing.assert_allclose(pos[MIRROR_JOINTS] * [-1, 1, 1], pos, atol=1e-12)
    np.testing.assert_allclose(lm[MIRROR_LANDMARKS] * [-1, 1, 1], lm, atol=1e-12)
    # Subject's left is +x, head up, feet down, arms horizontal, nose forward (+z).
    assert pos[J["LeftHand"], 0] > 0.55 and abs(pos[J["LeftHand"], 1] - pos[J["LeftArm"], 1]) < 1e-9
    assert pos[J["Head"], 1] > 0.5 > -0.7 > pos[J["LeftFoot"], 1]
    assert lm[L["nose"], 2] > pos[J["Head"], 2]
    height = lm[:, 1].max() - lm[:, 1].min()
    # Eyes to soles in BlazePose's metric proportions (a ~1.55 m skeleton, docs/lifter.md).
    assert 1.4 < height < 1.5


def test_fk_of_known_poses():
    rot = np.broadcast_to(np.eye(3), (1, NUM_JOINTS, 3, 3)).copy()
    # Elbow flexion of 90 degrees (-y on the left) brings the left hand forward (+z).
    rot[0, J["LeftForeArm"]] = R.matrix_from_axis_angle(np.array([0.0, -np.pi / 2, 0.0]))
    pos, glob = forward_kinematics(rot)
    rest, _ = rest_pose()
    forearm = rest[J["LeftHand"], 0] - rest[J["LeftForeArm"], 0]
    np.testing.assert_allclose(pos[0, J["LeftHand"]] - pos[0, J["LeftForeArm"]],
                               [0, 0, forearm], atol=1e-12)
    np.testing.assert_allclose(pos[0, J["RightHand"]], rest[J["RightHand"]], atol=1e-12)
    # A half turn of the root about y faces the subject away: x and z change sign.
    rot = np.broadcast_to(np.eye(3), (1, NUM_JOINTS, 3, 3)).copy()
    rot[0, 0] = R.matrix_from_axis_angle(np.array([0.0, np.pi, 0.0]))
    pos, glob = forward_kinematics(rot, root_translation=np.array([[0.0, 1.0, 0.0]]))
    np.testing.assert_allclose(pos[0], rest * [-1, 1, -1] + [0, 1, 0], atol=1e-12)


def test_fk_batch_matches_a_plain_chain_walk():
    rng = np.random.default_rng(4)
    local = random_rotations(rng, (5, NUM_JOINTS))
    beta = rng.normal(size=(5, NUM_SHAPE)) * 0.05
    trans = rng.normal(size=(5, 3))
    pos, glob = forward_kinematics(local, beta, trans)
    for b in range(5):
        p1, g1 = forward_kinematics(local[b:b + 1], beta[b:b + 1], trans[b:b + 1])
        np.testing.assert_allclose(p1[0], pos[b], atol=1e-12)
        # Walk the chain from the root by hand for one joint.
        chain = []
        j = J["LeftHandPinky3"]
        while j >= 0:
            chain.append(j)
            j = PARENTS[j]
        g = np.eye(3)
        for j in reversed(chain):
            g = g @ local[b, j]
        np.testing.assert_allclose(glob[b, J["LeftHandPinky3"]], g, atol=1e-12)
    np.testing.assert_allclose(local_from_global(glob), local, atol=1e-12)


def test_shape_height_scales_everything():
    beta = np.zeros(NUM_SHAPE)
    beta[SHAPE_NAMES.index("height")] = np.log(1.1)
    pos0, lm0 = rest_pose()
    pos1, lm1 = rest_pose(beta)
    np.testing.assert_allclose(pos1, pos0 * 1.1, atol=1e-12)
    np.testing.assert_allclose(lm1, lm0 * 1.1, atol=1e-12)
    beta = np.zeros(NUM_SHAPE)
    beta[SHAPE_NAMES.index("shank")] = np.log(1.2)
    pos2, _ = rest_pose(beta)
    shank = np.linalg.norm(pos2[J["LeftFoot"]] - pos2[J["LeftLeg"]])
    assert shank == pytest.approx(1.2 * np.linalg.norm(pos0[J["LeftFoot"]] - pos0[J["LeftLeg"]]))
    np.testing.assert_allclose(pos2[J["LeftHand"]], pos0[J["LeftHand"]], atol=1e-12)


# --- landmark map ----------------------------------------------------------------------


def test_landmark_names_follow_mediapipe_order():
    assert len(LANDMARK_NAMES) == 75
    assert POSE_LANDMARK_NAMES[0] == "nose" and POSE_LANDMARK_NAMES[11] == "left_shoulder"
    assert POSE_LANDMARK_NAMES[15] == "left_wrist" and POSE_LANDMARK_NAMES[23] == "left_hip"
    assert POSE_LANDMARK_NAMES[21] == "left_thumb" and POSE_LANDMARK_NAMES[32] == "right_foot_index"
    assert HAND_LANDMARK_NAMES[0] == "wrist" and HAND_LANDMARK_NAMES[4] == "thumb_tip"
    assert HAND_LANDMARK_NAMES[5] == "index_finger_mcp" and HAND_LANDMARK_NAMES[20] == "pinky_tip"
    assert LANDMARK_NAMES[33] == "left_hand.wrist" and LANDMARK_NAMES[54] == "right_hand.wrist"
    assert (MIRROR_LANDMARKS[MIRROR_LANDMARKS] == np.arange(75)).all()


def test_landmark_map_invariants_in_any_pose():
    rng = np.random.default_rng(5)
    local = random_rotations(rng, (20, NUM_JOINTS))
    pos, glob = forward_kinematics(local)
    lm = landmarks_from_pose(pos, glob)
    for side in ("left", "right"):
        cap = side.capitalize()
        # Joint-like landmarks sit on their joints; the hand's wrist is the pose wrist.
        np.testing.assert_allclose(lm[:, L[side + "_wrist"]], pos[:, J[cap + "Hand"]])
        np.testing.assert_allclose(lm[:, L[side + "_hand.wrist"]], lm[:, L[side + "_wrist"]])
        np.testing.assert_allclose(lm[:, L[side + "_knee"]], pos[:, J[cap + "Leg"]])
        # Rigid offsets keep their length in every pose.
        heel = np.linalg.norm(lm[:, L[side + "_heel"]] - pos[:, J[cap + "Foot"]], axis=1)
        np.testing.assert_allclose(heel, heel[0])
    rest, rest_lm = rest_pose()
    # Subject's left landmarks are on +x at rest.
    left = [i for i, n in enumerate(LANDMARK_NAMES) if n.startswith("left") or "_left" in n]
    assert (rest_lm[left, 0] > 0).all()


def test_frame_conversion():
    p = np.array([[0.1, -0.5, -0.2]])  # MediaPipe: above the hips (y down), nearer the camera
    m = mediapipe_to_model(p)
    np.testing.assert_allclose(m, [[0.1, 0.5, 0.2]])
    np.testing.assert_allclose(model_to_mediapipe(m), p)


# --- limits and prior ------------------------------------------------------------------


def test_limits_mirror_and_signs():
    for name in JOINT_NAMES:
        if name.startswith("Left"):
            left = JOINT_LIMITS[J[name]]
            right = JOINT_LIMITS[J["Right" + name[4:]]]
            np.testing.assert_allclose(right[0], left[0])
            np.testing.assert_allclose(right[1:], -left[1:, ::-1])
    np.testing.assert_allclose(
        rotation_from_swing_twist(np.zeros((1, 3)), np.array([J["LeftArm"]])), np.eye(3)[None])
    # Knee flexion within limits swings the shank backwards (-z).
    knee = rotation_from_swing_twist(np.array([[90.0, 0, 0]]), np.array([J["LeftLeg"]]))[0]
    np.testing.assert_allclose(knee @ [0, -1.0, 0], [0, 0, -1.0], atol=1e-12)
    rng = np.random.default_rng(6)
    sample = sample_within_limits(rng, 100, BODY_JOINTS)
    box = JOINT_LIMITS[BODY_JOINTS]
    assert (sample >= box[..., 0]).all() and (sample <= box[..., 1]).all()


def test_prior_samples_are_valid_and_centred():
    rng = np.random.default_rng(7)
    mocap = random_rotations(rng, (10, NUM_JOINTS))
    local, beta = sample_poses(rng, 64, mocap)
    assert local.shape == (64, NUM_JOINTS, 3, 3) and beta.shape == (64, NUM_SHAPE)
    np.testing.assert_allclose(np.linalg.det(local), 1.0, atol=1e-9)
    points, trans = pose_to_sample(local, beta)
    np.testing.assert_allclose(0.5 * (points[:, 23] + points[:, 24]), 0.0, atol=1e-12)
    pos, glob = forward_kinematics(local, beta, trans)
    np.testing.assert_allclose(landmarks_from_pose(pos, glob, beta), points, atol=1e-12)
    np.testing.assert_allclose(mirror_pose(mirror_pose(local)), local, atol=1e-12)


def test_mirrored_pose_mirrors_the_landmarks():
    rng = np.random.default_rng(8)
    local = random_rotations(rng, (3, NUM_JOINTS))
    p1, _ = pose_to_sample(local, np.zeros((3, NUM_SHAPE)))
    p2, _ = pose_to_sample(mirror_pose(local), np.zeros((3, NUM_SHAPE)))
    np.testing.assert_allclose(p2, p1[:, MIRROR_LANDMARKS] * [-1, 1, 1], atol=1e-12)
