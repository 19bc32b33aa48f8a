"""Train the body-model lifter (MLP-Mixer) on synthetic samples and export models/lifter.onnx.

Run from the repository root in the training venv (see requirements/train.txt):

    ~/.cache/bph/venv-train/bin/python -m build_scripts.lifter.train            # full run
    ~/.cache/bph/venv-train/bin/python -m build_scripts.lifter.train --smoke --out /tmp/l.onnx

Writes the ONNX file and, next to it, <file>.onnx.json (read by build_models.py to add the
model to models/manifest.json) with its sha256, the exact command, seed,
configuration, training curve and final held-out metrics.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from blazepose_holistic.body_model.shape import SHAPE_PRIOR_STD
from blazepose_holistic.body_model.skeleton import LEFT_HAND_JOINTS, NUM_JOINTS, RIGHT_HAND_JOINTS
from blazepose_holistic.lifter import (
    INPUT_HAND_PRESENT,
    INPUT_POINTS,
    OUTPUT_NAMES,
    local_rotations_from_outputs,
    reconstruct,
)
from build_scripts.common.paths import MODELS, SHARED_DATA, sha256_file
from build_scripts.lifter.data import HELD_OUT_CLIPS, clip_ids, load_clips, make_batch
from build_scripts.lifter.metrics import score
from build_scripts.lifter.torch_model import BodyModel, Lifter, assemble_global, local_from_global

MOCAP_DIR = SHARED_DATA / "mocap" / "cmu"
LOSS_WEIGHTS = {"rotation": 2.0, "points": 10.0, "beta": 0.05, "translation": 10.0}
MISSING_HAND_ROTATION_WEIGHT = 0.1
# The files that determine the trained model (recorded as clean or not in the report).
_SOURCES = (
    "py_src/blazepose_holistic/body_model", "py_src/blazepose_holistic/lifter.py",
    "build_scripts/lifter",
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=MODELS / "lifter.onnx")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=8000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--token-hidden", type=int, default=64)
    p.add_argument("--channel-hidden", type=int, default=128)
    p.add_argument("--pooled", type=int, default=8)
    p.add_argument("--noise-max", type=float, default=0.015)
    p.add_argument("--hand-noise-max", type=float, default=0.005)
    p.add_argument("--hand-dropout", type=float, default=0.2)
    p.add_argument("--val-size", type=int, default=1024)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--clips", nargs="*", help="training clip ids (default: all not held out)")
    p.add_argument("--mocap-dir", type=Path, default=MOCAP_DIR)
    p.add_argument("--tracked", type=Path,
                   help="training pairs of the real pipeline on rendered takes "
                   "(build_scripts.lifter.tracked_data prints the path)")
    p.add_argument("--tracked-fraction", type=float, default=0.35,
                   help="share of each batch drawn from --tracked")
    p.add_argument("--smoke", action="store_true",
                   help="a few seconds: 30 steps, batch 32, one clip, tiny validation")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.batch, args.warmup = 30, 32, 5
        args.val_size, args.eval_every = 64, 15
        args.clips = args.clips or ["02_01"]
    return args


def to_torch(batch):
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
            for k, v in batch.items()}


def load_tracked(path: Path) -> dict:
    with np.load(path) as z:
        pairs = {k: z[k] for k in z.files if k != "take"}
    if not len(pairs.get("points", ())):
        raise SystemExit(f"{path} holds no training pairs")
    return pairs


def mixed_batch(rng, args, mocap, tracked):
    """A synthetic batch (make_batch) with a ``--tracked-fraction`` share of real pairs."""
    n_real = int(round(args.batch * args.tracked_fraction)) if tracked else 0
    synthetic = make_batch(rng, args.batch - n_real, mocap, args.noise_max, args.hand_dropout,
                           hand_noise_max=args.hand_noise_max)
    if not n_real:
        return synthetic
    pick = rng.integers(0, len(tracked["points"]), n_real)
    return {k: np.concatenate([synthetic[k], tracked[k][pick].astype(synthetic[k].dtype)])
            for k in synthetic}


def compute_loss(model, body, batch):
    root6, trans, beta, body6, left6, right6 = model(batch["points"], batch["hand_present"])
    glob = assemble_global(root6, body6, left6, right6)
    rot = (glob - batch["global"]).square().sum((-1, -2))
    weight = torch.ones(NUM_JOINTS).repeat(rot.shape[0], 1)
    for side, joints in enumerate((LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS)):
        missing = batch["hand_present"][:, side:side + 1] < 0.5
        weight[:, joints] = torch.where(missing, MISSING_HAND_ROTATION_WEIGHT, 1.0)
    points = body(local_from_global(glob), beta, trans)
    std = torch.tensor(SHAPE_PRIOR_STD, dtype=torch.float32)
    terms = {
        "rotation": (rot * weight).sum() / weight.sum(),
        "points": (points - batch["clean"]).norm(dim=-1).mean(),
        "beta": ((beta - batch["beta"]) / std).square().mean(),
        "translation": (trans - batch["translation"]).norm(dim=-1).mean(),
    }
    total = sum(LOSS_WEIGHTS[k] * v for k, v in terms.items())
    return total, {k: float(v.detach()) for k, v in terms.items()}


def evaluate(model, val):
    """Held-out metrics of the torch model on a fixed validation batch (numpy decode)."""
    with torch.no_grad():
        out = model(torch.from_numpy(val["points"]), torch.from_numpy(val["hand_present"]))
    outputs = {name: t.numpy() for name, t in zip(OUTPUT_NAMES, out)}
    local = local_rotations_from_outputs(outputs)
    points = reconstruct(local, outputs["beta"], outputs["translation"])
    return score(local, points, val["local"], val["clean"], val["hand_present"] > 0.5)


def check_body_model(body, val):
    """The torch body model must reproduce the numpy one the runtime decodes with."""
    with torch.no_grad():
        points = body(torch.from_numpy(val["local"]).float(), torch.from_numpy(val["beta"]).float(),
                      torch.from_numpy(val["translation"]).float()).numpy()
    diff = float(np.abs(points - val["clean"]).max())
    if diff > 1e-4:
        raise SystemExit(f"torch and numpy forward kinematics differ by {diff:.2e} m")
    return diff


def lr_at(step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def export_onnx(model, path: Path, val):
    """Export opset 17 with a dynamic batch axis; returns max |onnx - torch| on val."""
    import onnxruntime as ort

    model.eval()
    example = (torch.from_numpy(val["points"][:1]), torch.from_numpy(val["hand_present"][:1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, example, str(path), input_names=[INPUT_POINTS, INPUT_HAND_PRESENT],
        output_names=list(OUTPUT_NAMES), opset_version=17, dynamo=False,
        dynamic_axes={n: {0: "batch"} for n in (INPUT_POINTS, INPUT_HAND_PRESENT) + OUTPUT_NAMES})
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {INPUT_POINTS: val["points"], INPUT_HAND_PRESENT: val["hand_present"]}
    onnx_out = session.run(list(OUTPUT_NAMES), feed)
    with torch.no_grad():
        torch_out = model(torch.from_numpy(val["points"]), torch.from_numpy(val["hand_present"]))
    return max(float(np.abs(a - b.numpy()).max()) for a, b in zip(onnx_out, torch_out))


def git_revision():
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--"] + list(_SOURCES),
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    start = time.time()
    revision = git_revision()

    train_ids = args.clips if args.clips else [
        c for c in clip_ids(args.mocap_dir) if c not in HELD_OUT_CLIPS]
    if set(train_ids) & set(HELD_OUT_CLIPS):
        raise SystemExit("held-out clips must not be trained on")
    train_mocap = load_clips(args.mocap_dir, train_ids)
    val_mocap = load_clips(args.mocap_dir, HELD_OUT_CLIPS)
    val = make_batch(np.random.default_rng(args.seed + 1), args.val_size, val_mocap,
                     args.noise_max, args.hand_dropout, mocap_fraction=0.5,
                     hand_noise_max=args.hand_noise_max)
    val = {k: v.astype(np.float32) if k in ("points", "hand_present") else v
           for k, v in val.items()}
    print(f"mocap frames: train {len(train_mocap)}, held-out {len(val_mocap)} "
          f"({time.time() - start:.1f}s)", flush=True)

    tracked = load_tracked(args.tracked) if args.tracked else None
    if tracked is not None:
        print(f"tracked pairs: {len(tracked['points'])} from {args.tracked}", flush=True)

    model = Lifter(args.channels, args.layers, args.token_hidden, args.channel_hidden,
                   args.pooled)
    body = BodyModel()
    fk_diff = check_body_model(body, val)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    curve = []
    running = None
    for step in range(args.steps):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args)
        model.train()
        batch = to_torch(mixed_batch(rng, args, train_mocap, tracked))
        loss, terms = compute_loss(model, body, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = float(loss.detach())
        running = value if running is None else 0.98 * running + 0.02 * value
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            model.eval()
            metrics = evaluate(model, val)
            rot = metrics["rotation_error_deg"]
            entry = {
                "step": step + 1, "seconds": round(time.time() - start, 1),
                "train_loss": round(running, 5),
                "train_terms": {k: round(v, 5) for k, v in terms.items()},
                "val_mpjpe_mm": round(metrics["mpjpe_mm"], 2),
                "val_body_median_deg": round(rot["body"]["median"], 2),
                "val_fingers_median_deg": round(rot["fingers"]["median"], 2)
                if rot["fingers"] else None,
                "val_root_median_deg": round(rot["root"]["median"], 2),
            }
            curve.append(entry)
            print(json.dumps(entry), flush=True)

    max_diff = export_onnx(model, args.out, val)
    final = evaluate(model, val)
    report = {
        "name": args.out.stem,
        "file": args.out.name,
        "sha256": sha256_file(args.out),
        "bytes": args.out.stat().st_size,
        "command": "python -m build_scripts.lifter.train " + " ".join(
            sys.argv[1:] if argv is None else argv),
        "seed": args.seed,
        "git_revision": revision,
        "torch": torch.__version__,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                   if k not in ("out", "mocap_dir", "tracked")},
        "model": model.config,
        "loss_weights": LOSS_WEIGHTS,
        "train_clips": train_ids,
        "held_out_clips": list(HELD_OUT_CLIPS),
        "train_mocap_frames": int(len(train_mocap)),
        "tracked_pairs": None if tracked is None else {
            "file": args.tracked.name, "pairs": int(len(tracked["points"])),
            "fraction": args.tracked_fraction},
        "onnx_vs_torch_max_abs_diff": max_diff,
        "torch_vs_numpy_fk_max_abs_diff_m": fk_diff,
        "train_seconds": round(time.time() - start, 1),
        "final_validation": final,
        "curve": curve,
    }
    args.out.with_name(args.out.name + ".json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out} ({report['bytes']} bytes), onnx vs torch max diff {max_diff:.2e}",
          flush=True)


if __name__ == "__main__":
    main()
