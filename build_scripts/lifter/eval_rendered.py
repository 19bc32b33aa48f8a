"""The lifter judged as a user would: our mannequin, in several shapes, clothes, scenes and
camera angles, performing held-out CMU clips, tracked by the real pipeline.

    ./run py -m build_scripts.lifter.eval_rendered [--lifter models/lifter.onnx] \
        [--json models/lifter.onnx.rendered.json]

Renders what the cache lacks (build_scripts.lifter.renders), tracks every take with
HolisticTracker (full model, video mode, default options) and scores, side by side:

- ``body_model``: the lifter's body model as the tracker returns it (rotations smoothed as in
  the pipeline), posed by forward kinematics: what an avatar shows;
- ``landmarks``: the pipeline's raw world landmarks (no rotations);
- ``analytic``: a Kalidokit-style solver on the same 75 points (build_scripts.lifter.baseline:
  swing-only bone rotations, torso and hand frames), posed with the mean shape.

Measures (pooled over all frames with a pose, and per take):

- limb direction error (deg): the angle between each of 10 limbs (upper arms, forearms,
  thighs, shanks, feet: heel -> foot index) and the truth, after removing the frame's
  global rotation (each method's torso, shoulders and hips, rotated onto the true torso by
  a least-squares fit);
- joint rotation error (deg): geodesic angle of each body joint's local rotation (spine,
  arms, legs) and of the root (as the camera sees it) against the truth;
- jitter (m/s^2): mean magnitude of the 33 pose points' acceleration, hip-centred, over
  runs of three consecutive tracked frames; the truth's own is reported beside it;
- foot skating (m/s): while a true foot is planted (heel and foot index both within 6 cm of
  the floor and moving under 0.25 m/s), the mean speed difference between the method's foot
  and the true foot, both relative to the hips: how fast the foot would slide on an avatar
  that follows the true hips.

Never train on these clips: they are the lifter's held-out clips (data.HELD_OUT_CLIPS).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from blazepose_holistic.body_model.rotations import (
    axis_angle_from_matrix,
    geodesic_angle,
    matrix_from_quaternion,
)
from blazepose_holistic.body_model.skeleton import JOINT_GROUPS, JOINT_NAMES
from build_scripts.common.paths import MODELS, sha256_file
from build_scripts.lifter import renders
from build_scripts.lifter.data import HELD_OUT_CLIPS
from build_scripts.lifter.evaluate import run_baseline
from build_scripts.lifter.renders import SHAPES, Camera, Take

EVAL_TAKES = (
    Take("02_07", 60, 150, SHAPES["mean"], Camera(0, 8), scene=1),
    Take("02_07", 300, 150, SHAPES["tall"], Camera(45, 20, 3.2), scene=2),
    Take("02_07", 420, 140, SHAPES["short"], Camera(-60, 10), scene=8),
    Take("01_09", 100, 150, SHAPES["short"], Camera(-35, 5), scene=3),
    Take("01_09", 600, 150, SHAPES["mean"], Camera(70, 12, 3.4), scene=4),
    Take("01_09", 850, 150, SHAPES["tall"], Camera(20, 30, 3.3), scene=7),
    Take("02_03", 0, 43, SHAPES["tall"], Camera(-20, 15, 3.4), scene=5),
    Take("02_03", 0, 43, SHAPES["short"], Camera(30, 0), scene=6),
)
assert all(t.clip in HELD_OUT_CLIPS for t in EVAL_TAKES)

# Pose landmark pairs (MediaPipe topology) whose directions are scored.
LIMBS = {
    "left_upper_arm": (11, 13), "right_upper_arm": (12, 14),
    "left_forearm": (13, 15), "right_forearm": (14, 16),
    "left_thigh": (23, 25), "right_thigh": (24, 26),
    "left_shank": (25, 27), "right_shank": (26, 28),
    "left_foot": (29, 31), "right_foot": (30, 32),
}
TORSO = [11, 12, 23, 24]
# Torso and head points: where the raw landmarks' global rotation is read.
TORSO_HEAD = [0, 7, 8, 11, 12, 23, 24]
FEET = {"left": (29, 31), "right": (30, 32)}
PLANTED_HEIGHT = 0.06  # m above the floor (the landmarks mark the skin, ~1 cm above the sole)
PLANTED_SPEED = 0.25  # m/s
BODY_JOINTS = np.concatenate([JOINT_GROUPS[g] for g in ("spine", "arms", "legs")])
METHODS = ("body_model", "landmarks", "analytic")


def _summary(values) -> dict | None:
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return {"median": round(float(np.median(values)), 2),
            "p90": round(float(np.percentile(values, 90)), 2),
            "mean": round(float(np.mean(values)), 2), "n": int(values.size)}


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def torso_alignment(pred: np.ndarray, true: np.ndarray, rows=TORSO) -> np.ndarray:
    """(T, P, 3) x2 hip-centred points -> (T, 3, 3) rotations R minimising
    sum |R pred[rows] - true[rows]|^2 (Kabsch, no reflection)."""
    a, b = pred[:, rows], true[:, rows]
    h = np.swapaxes(a, 1, 2) @ b
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.swapaxes(vt, 1, 2) @ np.swapaxes(u, 1, 2)))
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = d
    return np.swapaxes(vt, 1, 2) @ fix @ np.swapaxes(u, 1, 2)


def limb_errors(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """(T, >=33, 3) x2 -> (T, 10) angle (deg) per limb after the torso alignment."""
    rot = torso_alignment(pred, true)
    pairs = np.array(list(LIMBS.values()))
    dp = _unit(pred[:, pairs[:, 1]] - pred[:, pairs[:, 0]]) @ np.swapaxes(rot, 1, 2)
    dt = _unit(true[:, pairs[:, 1]] - true[:, pairs[:, 0]])
    return np.degrees(np.arccos(np.clip((dp * dt).sum(-1), -1.0, 1.0)))


def jitter(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(T, P, 3), (T,) bool -> (M,) mean acceleration magnitude (m/s^2) per usable frame."""
    ok = valid[:-2] & valid[1:-1] & valid[2:]
    acc = (points[2:] - 2.0 * points[1:-1] + points[:-2]) * renders.FPS ** 2
    return np.linalg.norm(acc, axis=-1).mean(axis=-1)[ok]


def skating(pred: np.ndarray, true_cam: np.ndarray, true_world: np.ndarray,
            valid: np.ndarray) -> np.ndarray:
    """Per planted foot-frame, |v_pred - v_true| (m/s) of the foot relative to the hips."""
    out = []
    for heel, toe in FEET.values():
        height = true_world[:, [heel, toe], 1]
        speed = np.linalg.norm(np.diff(true_world[:, [heel, toe]], axis=0), axis=-1) * renders.FPS
        planted = (height[1:] < PLANTED_HEIGHT).all(-1) & (speed < PLANTED_SPEED).all(-1)
        ok = planted & valid[1:] & valid[:-1]
        foot_p = 0.5 * (pred[:, heel] + pred[:, toe])
        foot_t = 0.5 * (true_cam[:, heel] + true_cam[:, toe])
        dv = (np.diff(foot_p, axis=0) - np.diff(foot_t, axis=0)) * renders.FPS
        out.append(np.linalg.norm(dv, axis=-1)[ok])
    return np.concatenate(out)


def lift(session, tracked: dict):
    """Run a lifter ONNX session on the tracked 75 points as the pipeline does (prepare,
    decode, One Euro on the rotations, reset on a lost frame). Returns local rotations
    (T, J, 3, 3) and model-frame landmarks (T, 75, 3), NaN where no pose."""
    from blazepose_holistic import lifter
    from blazepose_holistic.filters import QuaternionOneEuroFilter
    from blazepose_holistic.pipeline import ROTATION_FILTER

    t = len(tracked["pose_found"])
    local = np.full((t, len(JOINT_NAMES), 3, 3), np.nan)
    points = np.full((t, 75, 3), np.nan)
    smoother = QuaternionOneEuroFilter(**ROTATION_FILTER)
    for i in range(t):
        if not tracked["pose_found"][i]:
            smoother.reset()
            continue
        p75 = np.concatenate([tracked["pose_world"][i, :, :3],
                              tracked["hands_world"][i].reshape(42, 3)])
        feed = lifter.prepare_input(p75, tracked["hand_present"][i])
        out = dict(zip(lifter.OUTPUT_NAMES, session.run(list(lifter.OUTPUT_NAMES), feed)))
        body = lifter.decode_output(out)
        quats = smoother.apply(body.joint_rotations, i / renders.FPS)
        local[i] = matrix_from_quaternion(quats)
        points[i] = lifter.reconstruct(local[i][None], out["beta"], out["translation"])[0]
    return local, renders.hip_centred(points)


def methods_of(tracked: dict, session):
    """{method: (model-frame points (T, 75 or 33, 3) hip-centred, local rotations or None)}."""
    found = tracked["pose_found"]
    points, present = renders.tracked_points(tracked)
    body_local, body_points = lift(session, tracked)
    analytic_local = np.full_like(body_local, np.nan)
    analytic_points = np.full_like(body_points, np.nan)
    if found.any():
        analytic_local[found], analytic_points[found] = run_baseline(points[found], present[found])
    return {"body_model": (body_points, body_local), "landmarks": (points[:, :33], None),
            "analytic": (analytic_points, analytic_local)}


def score_take(take: Take, session, model: str = "full") -> dict:
    """Per-frame arrays of every measure for one take (NaN where not tracked)."""
    truth = renders.load_truth(take)
    tracked = renders.track(take, model)
    found = tracked["pose_found"]
    true_cam = truth.camera_landmarks()
    true_world = truth.world_landmarks()
    true_local = truth.camera_local()
    out = {"frames": int(len(found)), "tracked": int(found.sum()),
           "hands_found": int(tracked["hand_present"][found].sum()),
           "truth_jitter": jitter(true_cam[:, :33], found)}
    methods = methods_of(tracked, session)
    # How the raw landmarks' body is turned against the truth (axis-angle, camera axes:
    # x is pitch): BlazePose's global error, which world landmarks cannot reveal.
    raw = methods["landmarks"][0][found]
    out["raw_rotation"] = axis_angle_from_matrix(torso_alignment(raw, true_cam[found], TORSO_HEAD))
    for name, (points, local) in methods.items():
        m = {"limb": limb_errors(points[found], true_cam[found]),
             "jitter": jitter(points[:, :33], found),
             "skating": skating(points, true_cam, true_world, found)}
        if local is not None:
            angles = np.degrees(geodesic_angle(local[found], true_local[found]))
            m["root"] = angles[:, 0]
            m["joints"] = angles[:, BODY_JOINTS]
        out[name] = m
    return out


def summarise(parts: list) -> dict:
    """Pool per-frame arrays of several takes into the report's figures."""
    res = {"frames": sum(p["frames"] for p in parts), "tracked": sum(p["tracked"] for p in parts),
           "hands_found": sum(p["hands_found"] for p in parts),
           "truth_jitter_ms2": _summary(np.concatenate([p["truth_jitter"] for p in parts])),
           "raw_landmarks_rotation_mean_deg": np.round(np.degrees(np.concatenate(
               [p["raw_rotation"] for p in parts]).mean(axis=0)), 2).tolist()}
    for name in METHODS:
        cat = {k: np.concatenate([p[name][k] for p in parts])
               for k in parts[0][name]}
        entry = {"limb_direction_deg": _summary(cat["limb"]),
                 "limb_direction_by_limb_median_deg": {
                     limb: round(float(np.median(cat["limb"][:, k])), 2)
                     for k, limb in enumerate(LIMBS)} if len(cat["limb"]) else {},
                 "jitter_ms2": _summary(cat["jitter"]), "foot_skating_ms": _summary(cat["skating"])}
        if "joints" in cat:
            entry["root_rotation_deg"] = _summary(cat["root"])
            entry["body_joint_rotation_deg"] = _summary(cat["joints"])
            entry["per_joint_median_deg"] = {
                JOINT_NAMES[j]: round(float(np.median(cat["joints"][:, k])), 2)
                for k, j in enumerate(BODY_JOINTS)} if len(cat["joints"]) else {}
        res[name] = entry
    return res


def evaluate(lifter_path: Path, takes=EVAL_TAKES, model: str = "full", log=sys.stderr) -> dict:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(lifter_path), options, providers=["CPUExecutionProvider"])
    renders.render(takes, log=log)
    parts = [score_take(t, session, model) for t in takes]
    return {
        "lifter": lifter_path.name, "sha256": sha256_file(lifter_path), "model": model,
        "takes": [{"take": t.describe(), "key": t.key(), **summarise([p])}
                  for t, p in zip(takes, parts)],
        "pooled": summarise(parts),
    }


def table(report: dict) -> str:
    """The pooled figures as a markdown table."""
    pooled = report["pooled"]
    rows = ["| | body model (lifter) | raw world landmarks | analytic solver |",
            "|---|---:|---:|---:|"]

    def cell(name, key, fmt="{median:.1f} / {p90:.1f}"):
        v = pooled[name].get(key)
        return fmt.format(**v) if v else "–"

    spread = "{median:.1f} / {p90:.1f}"
    for label, key, fmt in (
            ("limb direction, median / p90 (deg)", "limb_direction_deg", spread),
            ("body joint rotation, median / p90 (deg)", "body_joint_rotation_deg", spread),
            ("root rotation, median / p90 (deg)", "root_rotation_deg", spread),
            ("jitter, mean (m/s²)", "jitter_ms2", "{mean:.2f}"),
            ("foot skating, mean (m/s)", "foot_skating_ms", "{mean:.3f}")):
        rows.append(f"| {label} | " + " | ".join(cell(m, key, fmt) for m in METHODS) + " |")
    truth = pooled["truth_jitter_ms2"]
    rows.append(f"\n(True motion's own jitter: {truth['mean']:.2f} m/s²; {pooled['tracked']} of "
                f"{pooled['frames']} frames tracked, {pooled['hands_found']} hands.)")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lifter", type=Path, default=MODELS / "lifter.onnx")
    ap.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    ap.add_argument("--json", type=Path, default=MODELS / "lifter.onnx.rendered.json")
    args = ap.parse_args(argv)
    report = evaluate(args.lifter, model=args.model)
    report["command"] = "python -m build_scripts.lifter.eval_rendered " + " ".join(
        argv if argv is not None else sys.argv[1:])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    for t in report["takes"]:
        b, r = t["body_model"]["limb_direction_deg"], t["landmarks"]["limb_direction_deg"]
        print(f"{t['take']:40s} tracked {t['tracked']:3d}/{t['frames']:3d}  limb median "
              f"body model {b['median'] if b else float('nan'):5.1f}  "
              f"landmarks {r['median'] if r else float('nan'):5.1f}")
    print(table(report))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
