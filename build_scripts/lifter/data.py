"""Training and evaluation data for the lifter: CMU clips split by clip, synthetic batches.

A batch is drawn from build_scripts.lifter.prior, posed, hip-centred like MediaPipe's world
landmarks, then corrupted the way real inputs are: isotropic Gaussian noise with a
per-sample standard deviation uniform in [0, noise_max] metres on the 33 pose points and in
[0, hand_noise_max] on the 42 hand points (the hand model's world landmarks are a smooth,
self-consistent hand shape; 15 mm on 2 cm phalanges would make finger directions
meaningless), re-centred afterwards since MediaPipe centres its own noisy hips; each hand
is dropped with probability hand_dropout (its points replaced exactly as
lifter.prepare_input does).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.kinematics import forward_kinematics
from blazepose_holistic.lifter import substitute_missing_hands
from build_scripts.lifter.prior import pose_to_sample, sample_poses
from build_scripts.lifter.retarget import load_cmu_clip

HELD_OUT_CLIPS = ("01_09", "02_03", "02_07")
"""Whole clips never used in training (climbing, running, a long mixed clip; ~10 % of
the frames). Chosen before any training run."""
FRAME_STEP = 4
"""CMU is 120 fps; every 4th frame (30 fps) keeps the variety and drops near-duplicates."""


def clip_ids(mocap_dir: Path):
    return sorted(p.stem for p in Path(mocap_dir).glob("*/*.amc"))


def load_clips(mocap_dir: Path, ids) -> np.ndarray:
    """(M, J, 3, 3) retargeted local rotations of the given clips, every FRAME_STEP frame."""
    frames = []
    for clip in ids:
        subject = clip.split("_")[0]
        base = Path(mocap_dir) / subject
        rot = load_cmu_clip(base / (subject + ".asf"), base / (clip + ".amc"))
        frames.append(rot[::FRAME_STEP])
    return np.concatenate(frames) if frames else np.zeros((0, 52, 3, 3))


def make_batch(rng, n: int, mocap: np.ndarray, noise_max: float = 0.015,
               hand_dropout: float = 0.2, mocap_fraction: float = 0.6,
               hand_noise_max: float = 0.005):
    """Returns a dict of numpy arrays:
    points (n, 75, 3) float32 network input (model frame), hand_present (n, 2) float32,
    clean (n, 75, 3) noise-free hip-centred landmarks, local and global (n, J, 3, 3) joint
    rotations, beta (n, K), translation (n, 3)."""
    local, beta = sample_poses(rng, n, mocap, mocap_fraction=mocap_fraction)
    clean, translation = pose_to_sample(local, beta)
    sigma = np.concatenate([
        np.repeat(rng.uniform(0.0, noise_max, (n, 1, 1)), 33, axis=1),
        np.repeat(rng.uniform(0.0, hand_noise_max, (n, 1, 1)), 42, axis=1)], axis=1)
    noisy = clean + sigma * rng.normal(size=clean.shape)
    noisy = noisy - 0.5 * (noisy[:, 23] + noisy[:, 24])[:, None]
    present = rng.random((n, 2)) >= hand_dropout
    return {
        "points": substitute_missing_hands(noisy, present),
        "hand_present": present.astype(np.float32),
        "clean": clean,
        "local": local,
        "global": forward_kinematics(local, beta)[1],
        "beta": beta,
        "translation": translation,
    }
