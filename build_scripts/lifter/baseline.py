"""Analytic baseline: joint rotations from bone directions, the way Kalidokit-style solvers
work, to measure what the learned lifter gains.

- Hips: the frame of the hip line and the hip->shoulder line. Chest: the frame of the
  shoulder line and the same up vector; the chest's rotation relative to the hips is split
  evenly over Spine, Spine1, Spine2. Head: the frame of the ear line and the ear->nose line
  (Neck stays at rest). Hands: the frame of wrist->middle MCP and pinky->index MCP (hand
  landmarks when given, else the pose's wrist/pinky/index points).
- Every other observed segment (upper arm, forearm, thigh, shank, foot, finger phalanges):
  the smallest rotation taking its rest direction onto the observed direction, in the
  parent's frame: no twist, which is what such solvers cannot see. Clavicles and toes stay
  at rest; shape is the mean shape.
"""
from __future__ import annotations

import numpy as np

from blazepose_holistic.body_model.kinematics import rest_pose
from blazepose_holistic.body_model.landmarks import LANDMARK_NAMES
from blazepose_holistic.body_model.rotations import (
    axis_angle_from_matrix,
    matrix_from_axis_angle,
    rotation_between,
)
from blazepose_holistic.body_model.skeleton import (
    JOINT_INDEX,
    LEFT_HAND_JOINTS,
    NUM_JOINTS,
    PARENTS,
    RIGHT_HAND_JOINTS,
)

_L = {name: i for i, name in enumerate(LANDMARK_NAMES)}


def _frame(x_dir, y_hint):
    """(..., 3), (..., 3) -> (..., 3, 3) right-handed frame, columns x, y, z."""
    x = x_dir / np.linalg.norm(x_dir, axis=-1, keepdims=True)
    z = np.cross(x, y_hint)
    z = z / np.linalg.norm(z, axis=-1, keepdims=True)
    return np.stack([x, np.cross(z, x), z], axis=-1)


def _segments():
    """(joint, from landmark, to landmark) for the swing-only segments."""
    rows = []
    for side in ("left", "right"):
        cap = side.capitalize()
        rows += [
            (cap + "Arm", side + "_shoulder", side + "_elbow"),
            (cap + "ForeArm", side + "_elbow", side + "_wrist"),
            (cap + "UpLeg", side + "_hip", side + "_knee"),
            (cap + "Leg", side + "_knee", side + "_ankle"),
            (cap + "Foot", side + "_ankle", side + "_foot_index"),
        ]
        hand = side + "_hand."
        chains = {
            "Thumb": ("thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip"),
            "Index": ("index_finger_mcp", "index_finger_pip", "index_finger_dip",
                      "index_finger_tip"),
            "Middle": ("middle_finger_mcp", "middle_finger_pip", "middle_finger_dip",
                       "middle_finger_tip"),
            "Ring": ("ring_finger_mcp", "ring_finger_pip", "ring_finger_dip", "ring_finger_tip"),
            "Pinky": ("pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip"),
        }
        for finger, names in chains.items():
            for k in range(3):
                rows.append((f"{cap}Hand{finger}{k + 1}", hand + names[k], hand + names[k + 1]))
    return rows


def _torso_frames(p):
    mid_hip = 0.5 * (p[..., _L["left_hip"], :] + p[..., _L["right_hip"], :])
    mid_sh = 0.5 * (p[..., _L["left_shoulder"], :] + p[..., _L["right_shoulder"], :])
    up = mid_sh - mid_hip
    hips = _frame(p[..., _L["left_hip"], :] - p[..., _L["right_hip"], :], up)
    chest = _frame(p[..., _L["left_shoulder"], :] - p[..., _L["right_shoulder"], :], up)
    mid_ear = 0.5 * (p[..., _L["left_ear"], :] + p[..., _L["right_ear"], :])
    head = _frame(p[..., _L["left_ear"], :] - p[..., _L["right_ear"], :],
                  np.cross(p[..., _L["nose"], :] - mid_ear,
                           p[..., _L["left_ear"], :] - p[..., _L["right_ear"], :]))
    return hips, chest, head


def _hand_frame(p, side, use_hand):
    """Palm frame from hand landmarks (use_hand (N,) bool) or the pose's hand points."""
    h = side + "_hand."
    # A missing hand's points all sit on the wrist: its frame is NaN and replaced below.
    with np.errstate(invalid="ignore", divide="ignore"):
        hand = _frame(p[:, _L[h + "middle_finger_mcp"]] - p[:, _L[h + "wrist"]],
                      p[:, _L[h + "index_finger_mcp"]] - p[:, _L[h + "pinky_mcp"]])
    pose_mid = 0.5 * (p[:, _L[side + "_index"]] + p[:, _L[side + "_pinky"]])
    pose = _frame(pose_mid - p[:, _L[side + "_wrist"]],
                  p[:, _L[side + "_index"]] - p[:, _L[side + "_pinky"]])
    return np.where(use_hand[:, None, None], hand, pose)


def solve(points: np.ndarray, hand_present: np.ndarray) -> np.ndarray:
    """points (N, 75, 3) hip-centred, model frame; hand_present (N, 2) bool ->
    (N, J, 3, 3) local rotations."""
    n = points.shape[0]
    _, rest = rest_pose()
    rest = np.broadcast_to(rest, points.shape)
    glob = np.broadcast_to(np.eye(3), (n, NUM_JOINTS, 3, 3)).copy()
    known = np.zeros(NUM_JOINTS, dtype=bool)

    obs_hips, obs_chest, obs_head = _torso_frames(points)
    rest_hips, rest_chest, rest_head = _torso_frames(rest)
    hips = obs_hips @ np.swapaxes(rest_hips, -1, -2)
    chest = obs_chest @ np.swapaxes(rest_chest, -1, -2)
    third = matrix_from_axis_angle(axis_angle_from_matrix(
        np.swapaxes(hips, -1, -2) @ chest) / 3.0)
    glob[:, 0] = hips
    for name in ("Spine", "Spine1", "Spine2"):
        glob[:, JOINT_INDEX[name]] = glob[:, PARENTS[JOINT_INDEX[name]]] @ third
    glob[:, JOINT_INDEX["Neck"]] = glob[:, JOINT_INDEX["Spine2"]]
    glob[:, JOINT_INDEX["Head"]] = obs_head @ np.swapaxes(rest_head, -1, -2)
    known[[0, JOINT_INDEX["Spine"], JOINT_INDEX["Spine1"], JOINT_INDEX["Spine2"],
           JOINT_INDEX["Neck"], JOINT_INDEX["Head"]]] = True
    for k, side in enumerate(("left", "right")):
        obs = _hand_frame(points, side, hand_present[:, k])
        ref = _hand_frame(rest, side, np.ones(n, dtype=bool))
        glob[:, JOINT_INDEX[side.capitalize() + "Hand"]] = obs @ np.swapaxes(ref, -1, -2)
        known[JOINT_INDEX[side.capitalize() + "Hand"]] = True

    segments = {JOINT_INDEX[j]: (_L[a], _L[b]) for j, a, b in _segments()}
    # A missing hand's points were replaced by the wrist: its fingers stay at rest.
    usable = np.ones((n, NUM_JOINTS), dtype=bool)
    usable[:, LEFT_HAND_JOINTS] = hand_present[:, :1]
    usable[:, RIGHT_HAND_JOINTS] = hand_present[:, 1:]
    for j in range(1, NUM_JOINTS):
        parent = glob[:, PARENTS[j]]
        if j in segments and not known[j]:
            a, b = segments[j]
            observed = np.swapaxes(parent, -1, -2) @ (points[:, b] - points[:, a])[..., None]
            swung = parent @ rotation_between(rest[:, b] - rest[:, a], observed[..., 0])
            glob[:, j] = np.where(usable[:, j, None, None], swung, parent)
        elif not known[j]:
            glob[:, j] = parent
    local = np.empty_like(glob)
    local[:, 0] = glob[:, 0]
    local[:, 1:] = np.swapaxes(glob[:, PARENTS[1:]], -1, -2) @ glob[:, 1:]
    return local
