"""Measure BlazePose's own landmark conventions from the pipeline's world landmarks.

    python -m blazepose_holistic track PHOTOS... --static --no-body-model --json track.json
    python -m build_scripts.lifter.calibrate_landmarks track.json [--out report.json]

BlazePose's world landmarks follow the conventions of its training fits, not anatomy (its
hips are wider than hip-joint centres, its limbs shorter than an anatomical 1.75 m adult,
its pose "index"/"pinky"/"thumb" points sit on the palm near the wrist). The body model's
rest pose and landmark table are set from these measurements (docs/lifter.md):

- segment lengths: median over frames of the distance between two landmarks, using only
  landmarks with visibility > 0.5, left and right pooled;
- rigid groups (the 11 face points, the 6 palm points 0/1/5/9/13/17 of the hand model):
  rotation-only Procrustes alignment of every frame onto the model's template, then the
  mean of the aligned points (metres, the model's rest frame);
- the pose's hand points 15/17/19/21 expressed in the palm frame of the attached hand
  landmarks, averaged (only frames where the hand was found).
Units are metres; left/right are pooled by mirroring the right side onto the left.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.frames import mediapipe_to_model
from blazepose_holistic.body_model.kinematics import rest_pose
from blazepose_holistic.body_model.landmarks import LANDMARK_NAMES

_L = {name: i for i, name in enumerate(LANDMARK_NAMES)}
_FACE = [_L[n] for n in ("nose", "left_eye_inner", "left_eye", "left_eye_outer",
                         "right_eye_inner", "right_eye", "right_eye_outer", "left_ear",
                         "right_ear", "mouth_left", "mouth_right")]
_PALM = [0, 1, 5, 9, 13, 17]
SEGMENTS = (
    ("hip", "hip_width", ("left_hip", "right_hip")),
    ("shoulder", "shoulder_width", ("left_shoulder", "right_shoulder")),
    ("upper_arm", None, ("left_shoulder", "left_elbow")),
    ("forearm", None, ("left_elbow", "left_wrist")),
    ("thigh", None, ("left_hip", "left_knee")),
    ("shank", None, ("left_knee", "left_ankle")),
    ("ankle_heel", None, ("left_ankle", "left_heel")),
    ("ankle_foot_index", None, ("left_ankle", "left_foot_index")),
    ("heel_foot_index", None, ("left_heel", "left_foot_index")),
)
_FINGER_SEGMENTS = ((1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (9, 10), (10, 11),
                    (11, 12), (13, 14), (14, 15), (15, 16), (17, 18), (18, 19), (19, 20))


def _mirror(name: str) -> str:
    return name.replace("left", "#").replace("right", "left").replace("#", "right")


def _records(path: Path):
    data = json.loads(Path(path).read_text())
    return data["frames"] if isinstance(data, dict) and "frames" in data else data


def _align(points: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Rotate + translate points (N, 3) onto template (N, 3) (least squares, Kabsch)."""
    p = points - points.mean(0)
    t = template - template.mean(0)
    u, _, vt = np.linalg.svd(p.T @ t)
    d = np.sign(np.linalg.det(u @ vt))
    rot = u @ np.diag([1.0, 1.0, d]) @ vt
    return p @ rot + template.mean(0)


def _palm_frame(hand: np.ndarray) -> np.ndarray:
    """(21, 3) hand points -> (3, 3) columns: wrist->middle MCP, palm normal, side."""
    x = hand[9] - hand[0]
    x = x / np.linalg.norm(x)
    side = hand[5] - hand[17]
    z = side - x * (x @ side)
    z = z / np.linalg.norm(z)
    return np.stack([x, np.cross(z, x), z], axis=1)


def measure(files):
    _, rest = rest_pose()
    lengths = {name: [] for name, _, _ in SEGMENTS}
    fingers = {pair: [] for pair in _FINGER_SEGMENTS}
    faces, palms, hand_points = [], [], []
    for path in files:
        for rec in _records(path):
            if rec.get("pose_world_landmarks") is None:
                continue
            world = mediapipe_to_model(np.asarray(rec["pose_world_landmarks"])[:, :3])
            vis = np.asarray(rec["pose_landmarks"])[:, 3]
            for name, _, (a, b) in SEGMENTS:
                for pa, pb in ((a, b), (_mirror(a), _mirror(b))):
                    ia, ib = _L[pa], _L[pb]
                    if vis[ia] > 0.5 and vis[ib] > 0.5:
                        lengths[name].append(float(np.linalg.norm(world[ia] - world[ib])))
            faces.append(_align(world[_FACE], rest[_FACE]))
            for side, sign in (("left", 1.0), ("right", -1.0)):
                key = side + "_hand_world_landmarks"
                if rec.get(key) is None:
                    continue
                hand = mediapipe_to_model(np.asarray(rec[key])[:, :3]) * [sign, 1.0, 1.0]
                ref = rest[33:54]
                palms.append(_align(hand[_PALM], ref[_PALM]))
                for pair in _FINGER_SEGMENTS:
                    fingers[pair].append(float(np.linalg.norm(hand[pair[1]] - hand[pair[0]])))
                pose = world[[_L[side + n] for n in ("_wrist", "_pinky", "_index", "_thumb")]]
                pose = pose * [sign, 1.0, 1.0]
                frame = _palm_frame(hand)
                ref_frame = _palm_frame(ref)
                local = (pose - hand[0]) @ frame
                hand_points.append(local @ ref_frame.T + ref[0])
    # The hip and shoulder widths are counted twice above (once per mirrored pair).
    for name in ("hip", "shoulder"):
        lengths[name] = lengths[name][::2]
    return {
        "frames": len(faces),
        "hands": len(palms),
        "segment_median_m": {k: float(np.median(v)) if v else None for k, v in lengths.items()},
        "segment_count": {k: len(v) for k, v in lengths.items()},
        "model_rest_m": {name: float(np.linalg.norm(rest[_L[a]] - rest[_L[b]]))
                         for name, _, (a, b) in SEGMENTS},
        "finger_segment_median_m": {f"{a}-{b}": float(np.median(v)) if v else None
                                    for (a, b), v in fingers.items()},
        "face_template_m": np.mean(faces, axis=0).tolist() if faces else None,
        "palm_template_m": np.mean(palms, axis=0).tolist() if palms else None,
        "pose_hand_points_in_rest_hand_m": np.mean(hand_points, axis=0).tolist()
        if hand_points else None,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("track_json", type=Path, nargs="+")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    report = measure(args.track_json)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
