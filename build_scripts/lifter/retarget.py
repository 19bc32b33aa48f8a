"""Retarget CMU mocap (ASF/AMC) to the body model's local joint rotations.

Both skeletons are y up, facing +z, left at +x, and both have identity rest orientations,
so a CMU bone's global rotation is directly a rotation relative to the rest pose. The rest
poses differ in bone directions (CMU's femurs point 20 degrees outwards, its clavicles
upwards, ...), so each of our joints takes the global rotation of the CMU bone that moves
the same segment, composed with the fixed rotation D taking our rest bone direction onto
CMU's: ``G_ours = G_cmu @ D``. Local rotations follow as ``G_parent^T @ G``. Fingers are not
retargeted (CMU has one flexion angle for all four fingers); they stay at rest here and the
pose prior samples them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.rotations import rotation_between
from blazepose_holistic.body_model.skeleton import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PARENTS, REST_OFFSETS

from .asf_amc import AsfSkeleton, global_rotations, parse_amc, parse_asf

_CMU_BONE = {
    "Hips": "root", "Spine": "lowerback", "Spine1": "upperback", "Spine2": "thorax",
    "Neck": "lowerneck", "Head": "head",
    "Shoulder": "clavicle", "Arm": "humerus", "ForeArm": "radius", "Hand": "hand",
    "UpLeg": "femur", "Leg": "tibia", "Foot": "foot", "ToeBase": "toes",
}

# The joint whose rest offset gives each retargeted joint's bone direction; joints without a
# child in the skeleton (Head, ToeBase) get the direction of their CMU bone's end.
_CHILD = {
    "Spine": "Spine1", "Spine1": "Spine2", "Spine2": "Neck", "Neck": "Head",
    "Shoulder": "Arm", "Arm": "ForeArm", "ForeArm": "Hand", "Hand": "HandMiddle1",
    "UpLeg": "Leg", "Leg": "Foot", "Foot": "ToeBase",
}
_END_DIRECTION = {"Head": (0.0, 1.0, 0.0), "ToeBase": (0.0, 0.0, 1.0)}


def _split(name: str):
    for side in ("Left", "Right"):
        if name.startswith(side):
            return side, name[len(side):]
    return "", name


def _retarget_table():
    """[(our joint index, CMU bone name, our rest bone direction (3,))] for mapped joints."""
    rows = []
    for j, name in enumerate(JOINT_NAMES):
        side, base = _split(name)
        if base not in _CMU_BONE:
            continue
        bone = _CMU_BONE[base]
        if side:
            bone = side[0].lower() + bone
        if base in _CHILD:
            direction = REST_OFFSETS[JOINT_INDEX[side + _CHILD[base]]]
        elif base in _END_DIRECTION:
            direction = np.array(_END_DIRECTION[base])
        else:
            direction = None
        rows.append((j, bone, direction))
    return rows


def retarget(skeleton: AsfSkeleton, motion) -> np.ndarray:
    """Parsed CMU clip -> (F, J, 3, 3) local rotations (fingers identity)."""
    glob_cmu = global_rotations(skeleton, motion)
    frames = glob_cmu["root"].shape[0]
    glob = np.broadcast_to(np.eye(3), (frames, NUM_JOINTS, 3, 3)).copy()
    mapped = np.zeros(NUM_JOINTS, dtype=bool)
    for j, bone, direction in _retarget_table():
        g = glob_cmu[bone]
        if direction is not None:
            g = g @ rotation_between(direction, skeleton.bones[bone].direction)
        glob[:, j] = g
        mapped[j] = True
    # Unmapped joints (fingers) keep their parent's global rotation: identity local.
    for j in range(1, NUM_JOINTS):
        if not mapped[j]:
            glob[:, j] = glob[:, PARENTS[j]]
    local = np.empty_like(glob)
    local[:, 0] = glob[:, 0]
    local[:, 1:] = np.swapaxes(glob[:, PARENTS[1:]], -1, -2) @ glob[:, 1:]
    return local


def load_cmu_clip(asf_path: Path, amc_path: Path) -> np.ndarray:
    """Read one CMU clip -> (F, J, 3, 3) local rotations of the body model."""
    skeleton = parse_asf(Path(asf_path).read_text())
    motion = parse_amc(Path(amc_path).read_text(), skeleton)
    return retarget(skeleton, motion)
