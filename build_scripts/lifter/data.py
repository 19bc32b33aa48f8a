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
from blazepose_holistic.lifter import HISTORY, substitute_missing_hands
from build_scripts.lifter.prior import pose_to_sample, sample_poses, sample_windows
from build_scripts.lifter.retarget import load_cmu_clip

HELD_OUT_CLIPS = ("01_09", "02_03", "02_07")
"""Whole clips never used in training (climbing, running, a long mixed clip; ~10 % of
the frames). Chosen before any training run."""
FRAME_STEP = 4
"""CMU is 120 fps; every 4th frame (30 fps) keeps the variety and drops near-duplicates."""


def clip_ids(mocap_dir: Path):
    return sorted(p.stem for p in Path(mocap_dir).glob("*/*.amc"))


def load_clip_list(mocap_dir: Path, ids) -> list:
    """[(T_i, J, 3, 3)] retargeted local rotations of each clip, every FRAME_STEP frame."""
    clips = []
    for clip in ids:
        subject = clip.split("_")[0]
        base = Path(mocap_dir) / subject
        clips.append(load_cmu_clip(base / (subject + ".asf"), base / (clip + ".amc"))[::FRAME_STEP])
    return clips


def load_clips(mocap_dir: Path, ids) -> np.ndarray:
    """(M, J, 3, 3) retargeted local rotations of the given clips, every FRAME_STEP frame."""
    clips = load_clip_list(mocap_dir, ids)
    return np.concatenate(clips) if clips else np.zeros((0, 52, 3, 3))


def _corrupt(rng, clean, noise_max, hand_noise_max, shared=None):
    """Gaussian noise with a per-sample sd uniform in [0, noise_max] (pose points) and
    [0, hand_noise_max] (hand points), re-centred on the hips as MediaPipe centres its own.
    clean (n, ..., 75, 3); ``shared`` (n,) in [0, 1): the share of each sample's noise that
    is the same in all its frames (BlazePose's errors persist over frames)."""
    n = clean.shape[0]
    extra = (1,) * (clean.ndim - 3)
    sigma = np.concatenate([
        np.repeat(rng.uniform(0.0, noise_max, (n,) + extra + (1, 1)), 33, axis=-2),
        np.repeat(rng.uniform(0.0, hand_noise_max, (n,) + extra + (1, 1)), 42, axis=-2)], axis=-2)
    noise = rng.normal(size=clean.shape)
    if shared is not None:
        a = shared.reshape((n,) + extra + (1, 1))
        noise = a * rng.normal(size=(n, 1) + clean.shape[2:]) + np.sqrt(1.0 - a ** 2) * noise
    noisy = clean + sigma * noise
    return noisy - 0.5 * (noisy[..., 23, :] + noisy[..., 24, :])[..., None, :]


def no_past(n: int) -> dict:
    """The lifter's time inputs for samples without a past (image mode, a track's start)."""
    return {"past": np.zeros((n, HISTORY, 33, 3), np.float32),
            "past_present": np.zeros((n, HISTORY), np.float32)}


def make_batch(rng, n: int, mocap: np.ndarray, noise_max: float = 0.015,
               hand_dropout: float = 0.2, mocap_fraction: float = 0.6,
               hand_noise_max: float = 0.005):
    """Returns a dict of numpy arrays:
    points (n, 75, 3) float32 network input (model frame), hand_present (n, 2) float32,
    clean (n, 75, 3) noise-free hip-centred landmarks, local and global (n, J, 3, 3) joint
    rotations, beta (n, K), translation (n, 3)."""
    local, beta = sample_poses(rng, n, mocap, mocap_fraction=mocap_fraction)
    clean, translation = pose_to_sample(local, beta)
    noisy = _corrupt(rng, clean, noise_max, hand_noise_max)
    present = rng.random((n, 2)) >= hand_dropout
    return {
        "points": substitute_missing_hands(noisy, present),
        "hand_present": present.astype(np.float32),
        "clean": clean,
        "local": local,
        "global": forward_kinematics(local, beta)[1],
        "beta": beta,
        "translation": translation,
        **no_past(n),
    }


def make_window_batch(rng, n: int, clips, noise_max: float = 0.015, hand_dropout: float = 0.2,
                      hand_noise_max: float = 0.005, no_past_fraction: float = 0.2,
                      cut_fraction: float = 0.2):
    """Like make_batch, from mocap windows (prior.sample_windows): the sample is a window's
    last frame and its past the HISTORY frames before it, corrupted alike (with part of the
    noise shared by the window's frames). A ``no_past_fraction`` of samples has no past
    (image mode), a ``cut_fraction`` a past cut short (a track that just started)."""
    local, beta, exists = sample_windows(rng, n, clips, HISTORY + 1)
    frames = local.reshape((-1,) + local.shape[2:])
    clean, translation = pose_to_sample(frames, np.repeat(beta, HISTORY + 1, axis=0))
    clean = clean.reshape(local.shape[:2] + clean.shape[1:])
    noisy = _corrupt(rng, clean, noise_max, hand_noise_max, shared=rng.uniform(0.0, 0.8, n))
    present = rng.random((n, 2)) >= hand_dropout
    seen = exists[:, :-1].copy()
    seen[rng.random(n) < no_past_fraction] = False
    cut = rng.random(n) < cut_fraction
    seen[cut] &= np.arange(HISTORY) >= rng.integers(1, HISTORY + 1, cut.sum())[:, None]
    last = local[:, -1]
    return {
        "points": substitute_missing_hands(noisy[:, -1], present),
        "hand_present": present.astype(np.float32),
        "clean": clean[:, -1],
        "local": last,
        "global": forward_kinematics(last, beta)[1],
        "beta": beta,
        "translation": translation.reshape(local.shape[:2] + (3,))[:, -1],
        "past": (noisy[:, :-1, :33] * seen[..., None, None]).astype(np.float32),
        "past_present": seen.astype(np.float32),
    }
