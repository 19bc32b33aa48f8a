"""BlazePose's 33 landmarks mapped onto each dataset's joints, and each dataset's torso.

A joint's source is one BlazePose index, a pair of indices whose midpoint stands for it,
or None when BlazePose has no counterpart (the joint is then not scored). Midpoints are
used only where the fixtures' own annotations put the joint at that midpoint:
- MPII pelvis = mid-hip and thorax = mid-shoulder: in test_mpii.json both lie within
  0.01 torso diameters of the midpoint, so the derivation is exact for this data.
- H36M pelvis = mid-hip (0.00 torso diameters in h36m_3d.json). H36M thorax does *not*
  sit at mid-shoulder (0.10-0.17 torso diameters away), so it is skipped with spine,
  neck_base and head.
- CrowdPose neck lies 0.09-0.11 torso diameters from mid-shoulder (half the PCK
  threshold), so it is skipped with head (the top of the head, no BlazePose point).
- MPII upper neck and head top have no BlazePose point: skipped.

Torso diameter (the PCK@0.2 scale) is the same construction for every body dataset: the
mean length of the two torso diagonals (left shoulder - right hip, right shoulder - left
hip) over the diagonals whose both ends are annotated, in pixels. A person with neither
diagonal annotated has no scale and is not scored (reported as unscorable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# BlazePose topology indices used below.
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 2, 5, 7, 8
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
MID_HIP = (L_HIP, R_HIP)
MID_SHOULDER = (L_SHOULDER, R_SHOULDER)


@dataclass(frozen=True)
class Skeleton:
    """names: dataset joint names in annotation order; sources: per joint an int, a pair
    (midpoint) or None; torso: the two diagonals as (joint, joint) dataset indices."""

    names: tuple
    sources: tuple
    torso: tuple

    def scored(self) -> np.ndarray:
        """(J,) bool: joints with a BlazePose counterpart."""
        return np.array([s is not None for s in self.sources])

    def from_blazepose(self, points: np.ndarray) -> np.ndarray:
        """points: (33, D) -> (J, D); NaN rows for joints without a counterpart."""
        points = np.asarray(points, dtype=np.float64)
        out = np.full((len(self.sources), points.shape[1]), np.nan)
        for j, src in enumerate(self.sources):
            if src is None:
                continue
            out[j] = points[list(src)].mean(axis=0) if isinstance(src, tuple) else points[src]
        return out


COCO = Skeleton(
    names=("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
           "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
           "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"),
    sources=(NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW,
             L_WRIST, R_WRIST, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE),
    torso=((5, 12), (6, 11)),
)

MPII = Skeleton(
    names=("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
           "pelvis", "thorax", "upper_neck", "head_top", "right_wrist", "right_elbow",
           "right_shoulder", "left_shoulder", "left_elbow", "left_wrist"),
    sources=(R_ANKLE, R_KNEE, R_HIP, L_HIP, L_KNEE, L_ANKLE, MID_HIP, MID_SHOULDER, None,
             None, R_WRIST, R_ELBOW, R_SHOULDER, L_SHOULDER, L_ELBOW, L_WRIST),
    torso=((13, 2), (12, 3)),
)

CROWDPOSE = Skeleton(
    names=("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
           "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
           "right_ankle", "head", "neck"),
    sources=(L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST, L_HIP, R_HIP,
             L_KNEE, R_KNEE, L_ANKLE, R_ANKLE, None, None),
    torso=((0, 7), (1, 6)),
)

H36M = Skeleton(
    names=("pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
           "left_ankle", "spine", "thorax", "neck_base", "head", "left_shoulder",
           "left_elbow", "left_wrist", "right_shoulder", "right_elbow", "right_wrist"),
    sources=(MID_HIP, R_HIP, R_KNEE, R_ANKLE, L_HIP, L_KNEE, L_ANKLE, None, None, None,
             None, L_SHOULDER, L_ELBOW, L_WRIST, R_SHOULDER, R_ELBOW, R_WRIST),
    torso=((11, 1), (14, 4)),
)

# 3D: the joints both skeletons share (shared/data/README.md), in H36M order of the
# pairs (H36M index, BlazePose index); the root for root-aligned MPJPE is the hip midpoint.
H36M_3D_SHARED = (
    (14, R_SHOULDER), (11, L_SHOULDER), (15, R_ELBOW), (12, L_ELBOW), (16, R_WRIST),
    (13, L_WRIST), (1, R_HIP), (4, L_HIP), (2, R_KNEE), (5, L_KNEE), (3, R_ANKLE),
    (6, L_ANKLE),
)

SKELETONS = {"coco": COCO, "mpii": MPII, "crowdpose": CROWDPOSE, "h36m": H36M}


def torso_diameter(keypoints: np.ndarray, annotated: np.ndarray, skeleton: Skeleton) -> float:
    """keypoints: (J, 2) pixels; annotated: (J,) bool. Mean length of the annotated torso
    diagonals, NaN when neither is annotated."""
    lengths = [
        float(np.linalg.norm(keypoints[a] - keypoints[b]))
        for a, b in skeleton.torso
        if annotated[a] and annotated[b]
    ]
    return float(np.mean(lengths)) if lengths else float("nan")
