"""Training pairs that carry BlazePose's real errors: rendered takes of the *training* clips
tracked by the pipeline, each tracked frame paired with its exact ground truth.

    ./run py -m build_scripts.lifter.tracked_data [--per-clip 4] [--frames 60]

renders and tracks what the cache lacks (build_scripts.lifter.renders) and writes
``$BPH_CACHE/lifter-pairs/<key>.npz`` (the key hashes every take's key and the pipeline),
printing its path; ``build_scripts.lifter.train --tracked PATH`` mixes these pairs into every
batch. The takes are drawn from a fixed seed: random segments of every clip that is not held
out, a body shape from the shape prior, a camera anywhere in front of the subject and a
random scene. The synthetic samples teach the whole pose space; these teach what BlazePose's
world landmarks look like for a known body (its depth errors, its proportions, its
smoothing), which Gaussian noise does not.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.kinematics import forward_kinematics
from blazepose_holistic.body_model.shape import SHAPE_PRIOR_STD
from build_scripts.common import staging
from build_scripts.common.paths import SHARED_DATA, cache_root
from build_scripts.lifter import renders
from build_scripts.lifter.data import HELD_OUT_CLIPS, clip_ids
from build_scripts.lifter.eval_rendered import torso_alignment
from build_scripts.lifter.prior import pose_to_sample
from build_scripts.lifter.renders import Camera, Take

SEED = 20261207
# Bumped when the pairs' layout changes (the key hashes the takes and the pipeline only).
PAIRS_VERSION = 4
MOCAP_DIR = SHARED_DATA / "mocap" / "cmu"


def _clip_length(clip: str) -> int:
    _, amc = staging.clip_files(clip)
    frames = sum(1 for line in amc.read_text().splitlines() if line.strip().isdigit())
    return frames // (120 // renders.FPS)


def train_takes(per_clip: int = 4, frames: int = 60, seed: int = SEED) -> list:
    """``per_clip`` takes of up to ``frames`` frames from every training clip."""
    rng = np.random.default_rng(seed)
    takes = []
    for clip in clip_ids(MOCAP_DIR):
        if clip in HELD_OUT_CLIPS:
            continue
        length = _clip_length(clip)
        for _ in range(per_clip):
            n = min(frames, length)
            start = int(rng.integers(0, length - n + 1))
            beta = tuple(float(b) for b in np.round(rng.normal(size=len(SHAPE_PRIOR_STD))
                                                    * SHAPE_PRIOR_STD * 0.7, 4))
            camera = Camera(round(float(rng.uniform(-75, 75)), 1),
                            round(float(rng.uniform(-5, 30)), 1),
                            round(float(rng.uniform(2.6, 3.8)), 2),
                            round(float(rng.uniform(0.7, 0.9)), 2))
            takes.append(Take(clip, start, n, beta, camera, scene=int(rng.integers(1 << 30))))
    return takes


def take_pairs(take: Take, model: str = "full") -> dict:
    """The tracked frames of one take as training samples (make_batch's keys)."""
    truth = renders.load_truth(take)
    tracked = renders.track(take, model)
    found = tracked["pose_found"]
    if not found.any():
        return {}
    points, present = (a[found] for a in renders.tracked_points(tracked))
    local = truth.camera_local()[found]
    beta = np.broadcast_to(truth.beta, (len(local), len(truth.beta))).copy()
    clean, _ = pose_to_sample(local, beta)
    # The target's global orientation is the one BlazePose reports (the true torso turned
    # onto its torso): its tilt error grows with the camera's elevation (up to 15 deg at 30,
    # measured on the evaluation takes) and cannot be told from world landmarks alone, so a
    # target with the true tilt would teach the network noise instead of limb corrections.
    turn = torso_alignment(clean, points)
    local[:, 0] = turn @ local[:, 0]
    clean, translation = pose_to_sample(local, beta)
    return {
        "points": points,
        "hand_present": present.astype(np.float32),
        "clean": clean, "local": local, "global": forward_kinematics(local, beta)[1],
        "beta": beta, "translation": translation,
    }


def build(takes, model: str = "full", log=sys.stderr) -> Path:
    """Render, track and pair every take; returns the cached .npz of all pairs."""
    h = hashlib.sha256(f"{PAIRS_VERSION} {model}".encode())
    for take in takes:
        h.update(take.key().encode())
    h.update(renders.pipeline_key(model).encode())
    path = cache_root() / "lifter-pairs" / f"{h.hexdigest()[:16]}.npz"
    if path.is_file():
        return path
    renders.render(takes, log=log)
    parts = [p for p in (take_pairs(t, model) for t in takes) if p]
    pairs = {k: np.concatenate([p[k] for p in parts]).astype(np.float32) for k in parts[0]}
    pairs["take"] = np.concatenate([np.full(len(p["points"]), i) for i, p in enumerate(parts)])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **pairs)
    tmp.rename(path)
    print(f"tracked_data: {len(pairs['points'])} pairs from {len(parts)} takes", file=log)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-clip", type=int, default=4)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    args = ap.parse_args(argv)
    print(build(train_takes(args.per_clip, args.frames), args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
