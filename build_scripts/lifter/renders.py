"""Rendered takes with exact ground truth, for the lifter's evaluation and training.

A *take* is a segment of a CMU clip performed by our mannequin with one body shape, seen
by one camera in one dressed and lit scene. Its ground truth is exact by construction: the
mannequin *is* the body model (its bones are the body model's joints), so the local
rotations it was posed with, its shape and the camera give every landmark and every
rotation the lifter should return, in the camera's axes.

    takes = [Take("02_07", 60, 150, SHAPES["mean"], Camera(0, 8), scene=1), ...]
    render(takes)                  # renders what the cache lacks (one headless Chromium)
    truth = load_truth(take)       # Truth: rotations, shape, per-frame camera
    frames = load_frames(take)     # iterator of (H, W, 3) uint8
    tracked = track(take, "full")  # the pipeline's output on the frames, cached

Cache: ``$BPH_CACHE/lifter-renders/<take key>/`` (JPEG frames, truth.npz, take.json) and
``$BPH_CACHE/lifter-tracks/<take key>-<pipeline key>.npz``. A take's key hashes its
parameters, the clip file, the renderer and the body model's source; the pipeline key
hashes the models but the lifter and the package's Python source, so a retrain of the
lifter neither re-renders nor re-tracks.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from blazepose_holistic.body_model import kinematics, rotations
from blazepose_holistic.body_model.frames import mediapipe_to_model
from blazepose_holistic.body_model.shape import NUM_SHAPE, SHAPE_NAMES
from build_scripts.common import staging
from build_scripts.common.paths import MODELS, ROOT, cache_root

FPS = 30
SIZE = (640, 480)
# Bumped whenever this module changes what a take renders (scene_for, camera_path, Truth).
RENDER_VERSION = 2
# Height of the mean shape's Hips above the floor when standing (m): the camera's reference.
STANDING_HIPS = 0.84


def shape(**factors) -> tuple:
    """A beta vector from named log factors (body_model.shape.SHAPE_NAMES), e.g.
    shape(height=0.06, thigh=0.08)."""
    beta = np.zeros(NUM_SHAPE)
    for name, value in factors.items():
        beta[SHAPE_NAMES.index(name)] = value
    return tuple(float(v) for v in beta)


SHAPES = {
    "mean": shape(),
    # Tall, long-legged, broad-shouldered.
    "tall": shape(height=0.07, shoulder_width=0.08, upper_arm=0.04, thigh=0.08, shank=0.06,
                  torso=0.03),
    # Short, wide-hipped, short forearms and thighs, a larger head.
    "short": shape(height=-0.09, torso=-0.03, hip_width=0.09, forearm=-0.06, thigh=-0.06,
                   head=0.05, foot=-0.05),
}


@dataclass(frozen=True)
class Camera:
    """A camera orbiting the subject: azimuth 0 is in front (+z), positive to the subject's
    left; elevation above the horizontal through the point it looks at, ``target_height``
    above the floor while the subject stands. It follows the hips' travel (smoothed over
    a second), up and down too, so that a climbing or crouching subject stays in frame."""

    azimuth_deg: float
    elevation_deg: float = 5.0
    distance: float = 3.0
    target_height: float = 0.8
    fov: float = 40.0


@dataclass(frozen=True)
class Take:
    clip: str
    start: int
    frames: int
    beta: tuple
    camera: Camera
    scene: int  # seed of the scene's colours, lights and clothes

    def key(self) -> str:
        h = hashlib.sha256(json.dumps([RENDER_VERSION, asdict(self), SIZE, FPS]).encode())
        # This module's own choices (scenes, camera paths, truth) are covered by
        # RENDER_VERSION, so that editing its other parts does not re-render every take.
        sources = [*staging.clip_files(self.clip), *staging.RENDERER_SOURCES,
                   Path(staging.__file__)]
        sources += sorted((ROOT / "py_src" / "blazepose_holistic" / "body_model").glob("*.py"))
        for path in sources:
            h.update(path.name.encode())
            h.update(path.read_bytes())
        return h.hexdigest()[:16]

    def describe(self) -> str:
        name = next((k for k, v in SHAPES.items() if v == self.beta), "custom")
        c = self.camera
        return (f"{self.clip}[{self.start}:{self.start + self.frames}] {name} "
                f"az {c.azimuth_deg:g} el {c.elevation_deg:g}")


# --------------------------------------------------------------------------- the scene
_PALETTE = {
    "wall": [0xd9d2c5, 0xb8c4c9, 0xe8e4da, 0x8f9a86, 0x6d6a75, 0xc9b79c, 0x9fb3c8],
    "floor": [0x9c8a74, 0x5b5048, 0xb0a89a, 0x7a6650, 0x44474d, 0x8c9a8a],
    "shirt": [0x2f6db5, 0xb53a2f, 0x2f8f5a, 0xd9d9d9, 0x222222, 0xc98a2f, 0x7a3fa0, 0x6f7f8f],
    "trousers": [0x3a3f4b, 0x1f2a44, 0x6b5a48, 0x2a2a2a, 0x8a8a80, 0x4a5d3a],
    "skin": [0xd8a27f, 0xf1c7a5, 0xa5714f, 0x6e4a33, 0xe0b090, 0x8d5b3c],
    "hair": [0x3b2416, 0x111111, 0x8a6a3a, 0x6b3a1e, 0x999999],
    "shoes": [0x1d1d1f, 0xe6e6e6, 0x5a3a22, 0x33415c],
}


def scene_for(seed: int) -> dict:
    """Colours, lights and clothes of scene ``seed`` (the renderer's `scene` field)."""
    rng = np.random.default_rng([RENDER_VERSION, seed])

    def pick(name):
        return int(rng.choice(_PALETTE[name]))

    az, el = np.radians(rng.uniform(-70, 70)), np.radians(rng.uniform(30, 65))
    key_pos = (4.5 * np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)]))
    wall = pick("wall")
    return {
        "background": wall,
        "wall": wall,
        "wallZ": -4.0,
        "floor": pick("floor"),
        "hemisphere": [0xfffaf0, 0x6b5a48, float(rng.uniform(0.8, 1.6))],
        "key": {"color": 0xffffff, "intensity": float(rng.uniform(1.4, 2.8)),
                "position": np.round(key_pos, 3).tolist()},
        "fill": {"color": 0xdfe8ff, "intensity": float(rng.uniform(0.2, 0.8)),
                 "position": [float(-np.sign(key_pos[0]) * 2.5), 1.5, 2.0]},
        "colors": {name: pick(name) for name in ("shirt", "trousers", "skin", "hair", "shoes")},
    }


def camera_path(camera: Camera, hips: np.ndarray):
    """(T, 3) hips -> per frame (position (3,), target (3,)) and the view rotation (T, 3, 3)
    taking model-frame (world) directions to the camera's axes (x right, y up, z towards
    the camera: the model frame's axes as a subject facing this camera sees them)."""
    k = 15
    pad = np.pad(hips, ((k, k), (0, 0)), mode="edge")
    follow = np.stack([np.convolve(pad[:, i], np.ones(2 * k + 1) / (2 * k + 1), "valid")
                       for i in range(3)], axis=1)
    target = follow + [0.0, camera.target_height - STANDING_HIPS, 0.0]
    az, el = np.radians(camera.azimuth_deg), np.radians(camera.elevation_deg)
    back = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    position = target + camera.distance * back
    right = np.cross([0.0, 1.0, 0.0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    view = np.broadcast_to(np.stack([right, up, back]), (len(hips), 3, 3)).copy()
    return position, target, view


# --------------------------------------------------------------------------- ground truth
@dataclass
class Truth:
    """A take's ground truth. local: (T, J, 3, 3) local rotations in the world (model)
    frame, row 0 the Hips' world rotation; beta (K,); hips (T, 3) world metres;
    view (T, 3, 3) world -> camera axes."""

    local: np.ndarray
    beta: np.ndarray
    hips: np.ndarray
    view: np.ndarray

    def camera_local(self) -> np.ndarray:
        """(T, J, 3, 3) with the root as the camera sees it: what the lifter should return."""
        local = self.local.copy()
        local[:, 0] = self.view @ local[:, 0]
        return local

    def world_landmarks(self) -> np.ndarray:
        """(T, 75, 3) landmarks in the world frame (model axes, floor at y = 0)."""
        positions, glob = kinematics.forward_kinematics(self.local, self._betas(), self.hips)
        return kinematics.landmarks_from_pose(positions, glob, self._betas())

    def camera_landmarks(self) -> np.ndarray:
        """(T, 75, 3) landmarks in the camera's axes, centred on the landmark hip midpoint
        (as MediaPipe's world landmarks, but in the model frame's axis convention)."""
        positions, glob = kinematics.forward_kinematics(self.camera_local(), self._betas())
        return hip_centred(kinematics.landmarks_from_pose(positions, glob, self._betas()))

    def _betas(self):
        return np.broadcast_to(self.beta, (len(self.local), len(self.beta)))


def hip_centred(points: np.ndarray) -> np.ndarray:
    """(..., P >= 25, 3) -> the same with the midpoint of landmarks 23/24 at the origin."""
    return points - 0.5 * (points[..., 23:24, :] + points[..., 24:25, :])


def tracked_points(tracked: dict):
    """``track``'s output as the lifter's inputs for every frame, batched: (points (T, 75, 3)
    model frame, hip-centred, missing hands on their wrist as lifter.prepare_input puts
    them, zeros where no pose; hand_present (T, 2) bool)."""
    from blazepose_holistic.lifter import substitute_missing_hands

    world = np.concatenate([tracked["pose_world"][..., :3],
                            tracked["hands_world"].reshape(-1, 42, 3)], axis=1)
    points = hip_centred(mediapipe_to_model(np.nan_to_num(world)))
    present = tracked["hand_present"]
    return substitute_missing_hands(points, present).astype(np.float64), present


def truth_of(take: Take, body: dict | None = None) -> Truth:
    """``body``: the take's ``staging.body_model_data(take.beta)``, if already made."""
    body = body or staging.body_model_data(take.beta)
    local, hips = staging.place_clip(take.clip, body, FPS, take.beta)
    end = take.start + take.frames
    if take.start < 0 or end > len(local):
        raise ValueError(f"{take.describe()}: clip {take.clip} has {len(local)} frames at {FPS} fps")
    local, hips = local[take.start:end], hips[take.start:end]
    _, _, view = camera_path(take.camera, hips)
    return Truth(local, np.asarray(take.beta, dtype=np.float64), hips, view)


def take_dir(take: Take) -> Path:
    return cache_root() / "lifter-renders" / take.key()


def render(takes, log=sys.stderr) -> None:
    """Render every take whose frames are not cached yet."""
    todo = [t for t in takes if not (take_dir(t) / "truth.npz").is_file()]
    jobs = []
    for take in todo:
        body = staging.body_model_data(take.beta)
        truth = truth_of(take, body)
        position, target, _ = camera_path(take.camera, truth.hips)
        motion = {
            "rotations": np.round(rotations.quaternion_from_matrix(truth.local), 6).tolist(),
            "hips": np.round(truth.hips, 5).tolist(),
            "camera": {"position": position[0].tolist(), "target": target[0].tolist(),
                       "fov": take.camera.fov},
            "cameraPath": [[p.tolist(), t.tolist()] for p, t in zip(position, target)],
            "scene": scene_for(take.scene),
        }
        tmp = take_dir(take).with_name(take.key() + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        jobs.append((take, truth, body, motion, tmp))
    if not jobs:
        return
    print(f"renders: rendering {len(jobs)} take(s), {sum(t.frames for t in todo)} frames",
          file=log)

    def progress(n, i, count):
        if i == 0:
            print(f"  {jobs[n][0].describe()}: {count} frames", file=log)

    staging.render_takes([(b, m, tmp / "frames") for _, _, b, m, tmp in jobs], SIZE, "jpeg",
                         progress)
    for take, truth, _, _, tmp in jobs:
        np.savez_compressed(tmp / "truth.npz", local=truth.local.astype(np.float32),
                            beta=truth.beta, hips=truth.hips, view=truth.view)
        (tmp / "take.json").write_text(json.dumps(asdict(take), indent=1) + "\n")
        final = take_dir(take)
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)


def load_truth(take: Take) -> Truth:
    with np.load(take_dir(take) / "truth.npz") as z:
        return Truth(z["local"].astype(np.float64), z["beta"], z["hips"], z["view"])


def load_frames(take: Take):
    from PIL import Image

    for path in sorted((take_dir(take) / "frames").glob("*.jpg")):
        with Image.open(path) as im:
            yield np.asarray(im.convert("RGB"))


# --------------------------------------------------------------------------- tracking
def pipeline_key(model: str) -> str:
    """Hashes what the tracked landmarks depend on: the models and the package, but the
    lifter and the body model (tracking runs without them, so retraining or recalibrating
    the lifter re-uses every track)."""
    manifest = json.loads((MODELS / "manifest.json").read_text())
    manifest["models"].pop("lifter", None)
    h = hashlib.sha256(model.encode())
    h.update(json.dumps(manifest, sort_keys=True).encode())
    package = ROOT / "py_src" / "blazepose_holistic"
    for path in sorted(package.rglob("*.py")):
        if path.name == "lifter.py" or path.parent.name == "body_model":
            continue
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def track(take: Take, model: str = "full", log=sys.stderr) -> dict:
    """The pipeline (HolisticTracker, video mode, default options but the body model, which
    callers run themselves: eval_rendered.lift) on the take's frames; cached. Returns arrays
    with NaN where nothing was found: pose_world (T, 33, 5) MediaPipe world frame;
    hands_world (T, 2, 21, 3) attached at the pose wrists; hand_present (T, 2) bool;
    pose_found (T,) bool."""
    path = cache_root() / "lifter-tracks" / f"{take.key()}-{pipeline_key(model)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return dict(z)
    from blazepose_holistic.contract import COMPLEXITIES
    from blazepose_holistic.tracker import HolisticTracker

    print(f"renders: tracking {take.describe()} ({model})", file=log)
    t = take.frames
    out = {
        "pose_world": np.full((t, 33, 5), np.nan), "hands_world": np.full((t, 2, 21, 3), np.nan),
        "hand_present": np.zeros((t, 2), bool), "pose_found": np.zeros(t, bool),
    }
    with HolisticTracker(model_complexity=COMPLEXITIES.index(model),
                         enable_body_model=False) as tracker:
        for i, frame in enumerate(load_frames(take)):
            r = tracker.process(frame, timestamp=i / FPS)
            if r.pose_world_landmarks is None:
                continue
            out["pose_found"][i] = True
            out["pose_world"][i] = r.pose_world_landmarks
            for side, hand in enumerate((r.left_hand_world_landmarks, r.right_hand_world_landmarks)):
                if hand is not None:
                    out["hands_world"][i, side] = hand
                    out["hand_present"][i, side] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **out)
    tmp.rename(path)
    return out
