"""The frame sets hands are measured on, each frame with what its annotation says of hands.

A ``Frame`` carries its pixels' source and its annotated people; a person has, per side
(the person's own "left"/"right"), either a hand (21, 3) [x, y, v] in pixels (COCO-
WholeBody, FreiHAND, the rendered clip) or only a wrist (2,) in pixels (MPII, CrowdPose,
H36M), plus the body keypoints used to match the tracker's pose to the person.

Sets (../shared/data/eval, shared/data/README.md):
- coco: 4 COCO photos with COCO-WholeBody hands; mpii, crowdpose, h36m: photos with
  annotated wrists; freihand: 8 hand crops (one hand, no body, side unknown). Image mode.
- posetrack: the 5-frame PoseTrack18 clip, no annotation here (found hands only). Video.
- rendered: our demo sample (build_scripts/bundle/demo.py: the mannequin performing held-out
  CMU clip 02_07, 640x480, 30 fps). Its ground truth is exact: the body model's 2 x 21 hand
  landmarks, posed with the rotations and hips it was rendered with, projected through its
  camera. Every hand counted is inside the frame. Video mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from build_scripts.measure.accuracy import datasets
from build_scripts.measure.accuracy.skeletons import SKELETONS

SIDES = ("left", "right")
# Wrist joints per body dataset, in the dataset's own order (skeletons.py).
WRIST_NAMES = {"left": "left_wrist", "right": "right_wrist"}


@dataclass
class Person:
    """keypoints/annotated: body joints in ``skeleton``'s order (None: no body); hands:
    side -> (21, 3) px; wrists: side -> (2,) px; scale: pixels of the hand-size unit."""

    keypoints: np.ndarray | None
    annotated: np.ndarray | None
    hands: dict = field(default_factory=dict)
    wrists: dict = field(default_factory=dict)


@dataclass
class Frame:
    source: Path | int  # an image file, or the index of a video frame
    size: tuple
    people: list


@dataclass
class FrameSet:
    name: str
    mode: str  # "image" (static_image_mode) or "video"
    skeleton: str | None  # body matching (accuracy.skeletons) or None
    frames: list
    video: Path | None = None  # the frames' video, for video sets
    about: str = ""


def _body_set(name: str, samples) -> FrameSet:
    skeleton = SKELETONS[name]
    wrist_idx = {s: skeleton.names.index(WRIST_NAMES[s]) for s in SIDES}
    frames = []
    for sample in samples:
        people = []
        for p in sample.people:
            wrists = {s: p.keypoints[i] for s, i in wrist_idx.items() if p.annotated[i]}
            hands = {s: h for s, h in getattr(p, "hands", {}).items()}
            people.append(Person(p.keypoints, p.annotated, hands, wrists))
        frames.append(Frame(sample.image, (sample.width, sample.height), people))
    return FrameSet(name, "image", name, frames)


def photo_sets(root: Path) -> list:
    sets = [_body_set(n, datasets.BODY_LOADERS[n](root)) for n in ("coco", "mpii", "crowdpose", "h36m")]
    frames = []
    for s in datasets.load_freihand(root):
        p = s.people[0]
        hand = np.concatenate([p.keypoints, p.annotated[:, None].astype(float)], axis=1)
        frames.append(Frame(s.image, (s.width, s.height), [Person(None, None, {"any": hand})]))
    sets.append(FrameSet("freihand", "image", None, frames,
                         about="one hand per crop, side unknown: either side scores"))
    posetrack = [Frame(f, datasets.load_rgb(f).shape[1::-1], []) for f in datasets.posetrack_frames(root)]
    sets.append(FrameSet("posetrack", "video", None, posetrack, about="no annotation: found only"))
    return sets


# --------------------------------------------------------------------------- rendered clip
def _look_at_projection(camera: dict, size) -> np.ndarray:
    # three.js PerspectiveCamera(fov (vertical, degrees), aspect) looking at the target
    # with +y up: world (N, 3) -> pixels through a 3x4 matrix.
    eye = np.asarray(camera["position"], float)
    target = np.asarray(camera["target"], float)
    back = eye - target
    back /= np.linalg.norm(back)
    right = np.cross([0.0, 1.0, 0.0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    view = np.eye(4)
    view[:3, :3] = np.stack([right, up, back])
    view[:3, 3] = -view[:3, :3] @ eye
    w, h = size
    f = 1.0 / np.tan(np.radians(camera["fov"]) / 2.0)
    # Camera looks down -z: x_ndc = f / aspect * x / -z, y_ndc = f * y / -z.
    intrinsic = np.array([[f * h / 2.0, 0.0, -w / 2.0], [0.0, -f * h / 2.0, -h / 2.0],
                          [0.0, 0.0, -1.0]])
    return intrinsic @ view[:3]


def rendered_hands(sample_json: dict, size) -> np.ndarray:
    """(frames, 2, 21, 2) pixels: the body model's left and right hand landmarks of every
    frame of the demo sample, as the renderer posed and filmed them."""
    from blazepose_holistic.body_model import kinematics, rotations

    quats = np.asarray(sample_json["rotations"], float)
    hips = np.asarray(sample_json["hips"], float)
    local = rotations.matrix_from_quaternion(quats)
    positions, glob = kinematics.forward_kinematics(local, root_translation=hips)
    world = kinematics.landmarks_from_pose(positions, glob)[:, 33:75]
    proj = _look_at_projection(sample_json["camera"], size)
    homo = np.concatenate([world, np.ones(world.shape[:-1] + (1,))], axis=-1) @ proj.T
    return (homo[..., :2] / homo[..., 2:3]).reshape(len(world), 2, 21, 2)


def rendered_set(count: int) -> FrameSet:
    """The demo sample's first ``count`` frames (rendered and cached by the demo build)."""
    import json
    import tempfile

    from build_scripts.bundle import demo

    with tempfile.TemporaryDirectory() as tmp:  # build_sample also copies it there
        cached = demo.build_sample(Path(tmp), demo.body_model_data())
    video, truth = cached / "sample.mp4", json.loads((cached / "sample.json").read_text())
    size = demo.SAMPLE_SIZE
    gt = rendered_hands(truth, size)[:count]
    frames = []
    for k, hands in enumerate(gt):
        inside = [(hands[i] >= 0).all() and (hands[i] < size).all() for i in range(2)]
        person_hands = {SIDES[i]: np.concatenate([hands[i], np.ones((21, 1))], axis=1)
                        for i in range(2) if inside[i]}
        frames.append(Frame(k, size, [Person(None, None, person_hands)]))
    return FrameSet("rendered", "video", None, frames, video=video,
                    about=f"demo sample (CMU 02_07 on our mannequin), first {len(frames)} "
                          "frames, body-model hand landmarks projected as rendered")
