"""Evaluate models/lifter.onnx against the analytic baseline; write JSON.

    python -m build_scripts.lifter.evaluate [--out models/lifter.onnx.eval.json]
        [--world-landmarks track.json ...]

Needs numpy + onnxruntime only (the test/dev environment), not torch.

Synthetic held-out sets (never trained on: the HELD_OUT_CLIPS mocap clips, and random
limit-uniform bodies drawn with a seed the training never uses), each in two conditions:
"clean" (exact landmarks, both hands) and "noisy" (the training corruption: Gaussian noise
with sd uniform in [0, 15] mm on pose points and [0, 5] mm on hand points, each hand
missing with probability 0.2). Reported: MPJPE of
the reconstructed 75 points (mm) and geodesic error of the local joint rotations (degrees,
median / p90 / mean) per joint group, for the lifter and for the baseline.

Real photos: ``--world-landmarks`` takes JSON written by ``python -m blazepose_holistic
track ... --json`` (a record, a list of records, or {"frames": [...]}, each with
pose_world_landmarks and optional left/right_hand_world_landmarks). There is no ground truth
there, so the figure is consistency: MPJPE between the model's reconstruction and the
pipeline's own world landmarks.

Latency: onnxruntime on this CPU with one thread, batch 1, plus prepare_input and
decode_output in CPython (median of repeated runs).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.frames import mediapipe_to_model, model_to_mediapipe
from blazepose_holistic.body_model.shape import NUM_SHAPE
from blazepose_holistic.lifter import (
    INPUT_HAND_PRESENT,
    INPUT_POINTS,
    OUTPUT_NAMES,
    decode_output,
    local_rotations_from_outputs,
    prepare_input,
    reconstruct,
)
from build_scripts.common.paths import MODELS, SHARED_DATA, sha256_file
from build_scripts.lifter.baseline import solve
from build_scripts.lifter.data import HELD_OUT_CLIPS, load_clips, make_batch
from build_scripts.lifter.metrics import score
from build_scripts.lifter.prior import pose_to_sample

CONDITIONS = {"clean": (0.0, 0.0, 0.0), "noisy": (0.015, 0.005, 0.2)}
SOURCES = {"heldout_mocap": 1.0, "random": 0.0}


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_lifter(sess, points, hand_present, chunk: int = 512):
    """Batched inference -> (local (N, J, 3, 3), reconstructed points (N, 75, 3))."""
    outs = {name: [] for name in OUTPUT_NAMES}
    for i in range(0, len(points), chunk):
        feed = {INPUT_POINTS: points[i:i + chunk].astype(np.float32),
                INPUT_HAND_PRESENT: hand_present[i:i + chunk].astype(np.float32)}
        for name, value in zip(OUTPUT_NAMES, sess.run(list(OUTPUT_NAMES), feed)):
            outs[name].append(value)
    outputs = {k: np.concatenate(v) for k, v in outs.items()}
    local = local_rotations_from_outputs(outputs)
    return local, reconstruct(local, outputs["beta"], outputs["translation"])


def run_baseline(points, hand_present):
    local = solve(points.astype(np.float64), hand_present)
    recon, _ = pose_to_sample(local, np.zeros((len(points), NUM_SHAPE)))
    return local, recon


def synthetic(sess, n: int, seed: int, mocap_dir: Path):
    mocap = load_clips(mocap_dir, HELD_OUT_CLIPS)
    report = {}
    for s, (source, fraction) in enumerate(SOURCES.items()):
        for c, (condition, (noise, hand_noise, dropout)) in enumerate(CONDITIONS.items()):
            rng = np.random.default_rng([seed, s, c])
            batch = make_batch(rng, n, mocap, noise, dropout, mocap_fraction=fraction,
                               hand_noise_max=hand_noise)
            present = batch["hand_present"] > 0.5
            entry = {"samples": n}
            for name, fn in (("lifter", lambda p, h: run_lifter(sess, p, h)),
                             ("baseline", run_baseline)):
                local, recon = fn(batch["points"], present)
                entry[name] = score(local, recon, batch["local"], batch["clean"], present)
            report[f"{source}/{condition}"] = entry
    return report


def _records(data):
    if isinstance(data, dict) and "frames" in data:
        return data["frames"]
    return data if isinstance(data, list) else [data]


def real_consistency(sess, files):
    """MPJPE (mm) between reconstruction and the pipeline's world landmarks, per frame."""
    frames = []
    for path in files:
        for i, rec in enumerate(_records(json.loads(Path(path).read_text()))):
            if rec.get("pose_world_landmarks") is None:
                continue
            points = np.full((75, 3), np.nan)
            points[:33] = np.asarray(rec["pose_world_landmarks"])[:, :3]
            for rows, key in ((slice(33, 54), "left_hand_world_landmarks"),
                              (slice(54, 75), "right_hand_world_landmarks")):
                if rec.get(key) is not None:
                    points[rows] = rec[key]
            feed = prepare_input(points)
            present = feed[INPUT_HAND_PRESENT] > 0.5
            target = mediapipe_to_model(points - 0.5 * (points[23] + points[24]))
            mask = np.concatenate([np.ones(33, dtype=bool), np.repeat(present[0], 21)])
            row = {"source": str(rec.get("source", f"{path}#{i}")),
                   "hands": present[0].tolist()}
            for name, fn in (("lifter", lambda p, h: run_lifter(sess, p, h)),
                             ("baseline", run_baseline)):
                _, recon = fn(feed[INPUT_POINTS], present)
                err = np.linalg.norm(recon[0] - target, axis=-1)[mask] * 1000.0
                row[name + "_mpjpe_mm"] = float(err.mean())
                row[name + "_mpjpe_pose33_mm"] = float(err[:33].mean())
            frames.append(row)
    summary = {}
    for name in ("lifter", "baseline"):
        values = [f[name + "_mpjpe_mm"] for f in frames]
        summary[name + "_mpjpe_mm_mean"] = float(np.mean(values)) if values else None
        summary[name + "_mpjpe_mm_median"] = float(np.median(values)) if values else None
    return {"frames": len(frames), **summary, "per_frame": frames}


def latency(sess, repeats: int = 500):
    rng = np.random.default_rng(0)
    batch = make_batch(rng, 1, np.zeros((0, 52, 3, 3)))
    points = model_to_mediapipe(batch["clean"][0])
    feed = prepare_input(points)

    def median_ms(fn):
        for _ in range(20):
            fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return float(np.median(times) * 1000.0)

    outputs = dict(zip(OUTPUT_NAMES, sess.run(list(OUTPUT_NAMES), feed)))
    return {
        "onnxruntime_1thread_batch1_ms": median_ms(lambda: sess.run(list(OUTPUT_NAMES), feed)),
        "prepare_input_ms": median_ms(lambda: prepare_input(points)),
        "decode_output_ms": median_ms(lambda: decode_output(outputs)),
        "repeats": repeats,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=MODELS / "lifter.onnx")
    p.add_argument("--out", type=Path, default=MODELS / "lifter.onnx.eval.json")
    p.add_argument("--samples", type=int, default=2000, help="per source and condition")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--mocap-dir", type=Path, default=SHARED_DATA / "mocap" / "cmu")
    p.add_argument("--world-landmarks", type=Path, nargs="*", default=[])
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)

    sess = session(args.model, args.threads)
    report = {
        "model": args.model.name,
        "sha256": sha256_file(args.model),
        "command": "python -m build_scripts.lifter.evaluate " + " ".join(
            str(a) for a in (argv if argv is not None else sys.argv[1:])),
        "seed": args.seed,
        "held_out_clips": list(HELD_OUT_CLIPS),
        "synthetic": synthetic(sess, args.samples, args.seed, args.mocap_dir),
        "latency": latency(sess),
    }
    if args.world_landmarks:
        report["real_consistency"] = real_consistency(sess, args.world_landmarks)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    for key, entry in report["synthetic"].items():
        for name in ("lifter", "baseline"):
            rot = entry[name]["rotation_error_deg"]
            print(f"{key:28s} {name:8s} MPJPE {entry[name]['mpjpe_mm']:6.1f} mm  "
                  f"body median {rot['body']['median']:5.1f} deg  "
                  f"root {rot['root']['median']:5.1f}  fingers "
                  f"{rot['fingers']['median'] if rot['fingers'] else float('nan'):5.1f}")
    print(json.dumps(report["latency"]))
    if "real_consistency" in report:
        rc = report["real_consistency"]
        print(f"real photos: {rc['frames']} frames, lifter MPJPE {rc['lifter_mpjpe_mm_mean']} mm,"
              f" baseline {rc['baseline_mpjpe_mm_mean']} mm")


if __name__ == "__main__":
    main()
