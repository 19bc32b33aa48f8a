"""Loaders for the fixture sets in ../shared/data/eval (formats: shared/data/README.md).

Every loader returns plain ``Sample`` records: one image and its annotated people, with
keypoints in pixels in the dataset's own joint order and an ``annotated`` mask (COCO-style
v > 0: a labelled joint counts whether or not it is marked occluded; MPII joints_vis 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Person:
    """One annotated person. keypoints: (J, 2) pixels; annotated: (J,) bool.
    hands: side ("left"/"right", the person's own) -> (21, 3) [x, y, v] pixels, only for
    hands the annotation marks valid (COCO-WholeBody)."""

    ann_id: str
    keypoints: np.ndarray
    annotated: np.ndarray
    hands: dict = field(default_factory=dict)


@dataclass
class Sample:
    """One image. extra: dataset-specific ground truth (H36M: joints_cam_m (17, 3))."""

    image: Path
    width: int
    height: int
    people: list
    extra: dict = field(default_factory=dict)


def _read(path: Path):
    return json.loads(Path(path).read_text())


def _coco_people(annotations, image_id, num_joints, prefix=""):
    people = []
    for ann in annotations:
        if ann["image_id"] != image_id:
            continue
        kps = np.asarray(ann["keypoints"], dtype=np.float64).reshape(num_joints, 3)
        people.append(Person(f"{prefix}{ann['id']}", kps[:, :2], kps[:, 2] > 0))
    return people


def _wholebody_hands(root: Path) -> dict:
    # COCO-WholeBody's lefthand_kpts is the person's own left hand (the annotation follows
    # the body's left/right, like COCO's left_wrist), in MediaPipe's 21-point order.
    hands = {}
    for ann in _read(root / "coco" / "test_coco_wholebody.json")["annotations"]:
        per_side = {}
        for side in ("left", "right"):
            if ann.get(f"{side}hand_valid"):
                per_side[side] = np.asarray(ann[f"{side}hand_kpts"], np.float64).reshape(21, 3)
        hands[str(ann["id"])] = per_side
    return hands


def load_coco(root: Path) -> list:
    """COCO val images (test_coco.json, 17 keypoints) with COCO-WholeBody hands attached
    by annotation id (the two files hold the same people and body keypoints)."""
    data = _read(root / "coco" / "test_coco.json")
    hands = _wholebody_hands(root)
    samples = []
    for im in data["images"]:
        people = _coco_people(data["annotations"], im["id"], 17)
        for p in people:
            p.hands = hands.get(p.ann_id, {})
        samples.append(Sample(root / "coco" / im["file_name"], im["width"], im["height"], people))
    return samples


def load_crowdpose(root: Path) -> list:
    data = _read(root / "crowdpose" / "test_crowdpose.json")
    return [
        Sample(root / "crowdpose" / im["file_name"], im["width"], im["height"],
               _coco_people(data["annotations"], im["id"], 14))
        for im in data["images"]
    ]


def _image_size(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def load_mpii(root: Path) -> list:
    """MPII: one annotated person per entry; entries of the same image are grouped."""
    by_image: dict = {}
    for k, ann in enumerate(_read(root / "mpii" / "test_mpii.json")):
        person = Person(
            f"{ann['image']}#{k}",
            np.asarray(ann["joints"], dtype=np.float64),
            np.asarray(ann["joints_vis"]) > 0,
        )
        by_image.setdefault(ann["image"], []).append(person)
    samples = []
    for name, people in by_image.items():
        path = root / "mpii" / name
        w, h = _image_size(path)
        samples.append(Sample(path, w, h, people))
    return samples


def load_h36m(root: Path) -> list:
    """Human3.6M frames: 2D joints (all annotated) plus 3D camera-space metres."""
    samples = []
    for frame in _read(root / "h36m" / "h36m_3d.json")["frames"]:
        cam = frame["camera"]
        kps = np.asarray(frame["joints_2d_px"], dtype=np.float64)
        person = Person(frame["image"], kps, np.ones(len(kps), bool))
        samples.append(Sample(
            root / "h36m" / frame["image"], cam["width"], cam["height"], [person],
            extra={"joints_cam_m": np.asarray(frame["joints_cam_m"], dtype=np.float64)},
        ))
    return samples


def load_freihand(root: Path) -> list:
    """FreiHAND 224x224 hand crops; the one ``Person`` per image holds the hand as
    keypoints (21, 2) (no body joints, no side)."""
    data = _read(root / "freihand" / "test_freihand.json")
    samples = []
    for im in data["images"]:
        people = _coco_people(data["annotations"], im["id"], 21)
        samples.append(Sample(root / "freihand" / im["file_name"], im["width"], im["height"],
                              people))
    return samples


def posetrack_frames(root: Path) -> list:
    """The PoseTrack18 video's frames in order. test_posetrack18_val.json annotates other
    videos (images/val/0128..., 0094..., 0034...), so these frames have no ground truth."""
    return sorted((root / "posetrack18" / "videos" / "000001_mpiinew_test").glob("*.jpg"))


BODY_LOADERS = {
    "coco": load_coco,
    "mpii": load_mpii,
    "crowdpose": load_crowdpose,
    "h36m": load_h36m,
}


def load_rgb(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB pixels of an image file."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))
