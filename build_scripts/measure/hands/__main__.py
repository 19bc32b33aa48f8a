"""Hands found, correct, false and swapped, ours (hand recovery off / on) beside MediaPipe.

    ./run py -m build_scripts.measure.hands --model full [--peers tasks_holistic] \\
        [--rendered-frames 150] [--json out/hands_full.json]

Sets and scoring: ``sets`` and ``scoring``. Ours runs in CPython (1 onnxruntime thread, lifter
off); the peers (``--peers``, default MediaPipe Tasks' HolisticLandmarker on the CPU; ``none``
to skip) run in headless Chromium through the benchmark's pages on the same pixels (image
sets with runningMode IMAGE, clips with VIDEO). The added cost of recovery is reported two
ways: the inference it adds (its stages' mean ms per frame) and the difference of mean
per-frame totals, each relative to the mean frame without it; timings are informational
(2 shared cores).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common.paths import ROOT, SHARED_DATA
from build_scripts.measure.common import report_header

from . import run, scoring, sets

COUNTED = ("found", "correct", "swapped", "other_person", "false", "unverifiable")


def _summary(tallied: dict) -> dict:
    return {k: tallied[k] for k in ("frames", "annotated_sides") + COUNTED}


def _cost(off: dict, on: dict) -> dict:
    mean_off, mean_on = float(np.mean(off["frame_ms"])), float(np.mean(on["frame_ms"]))
    # The runs are minutes apart on a shared machine: the faster mean is the frame the
    # fraction is of, so that load on the other run cannot shrink it.
    base = min(mean_off, mean_on)
    added = float(np.mean(on["recovery_inference_ms"]))
    return {"frame_ms_off": round(mean_off, 2), "frame_ms_on": round(mean_on, 2),
            "recovery_inference_ms_per_frame": round(added, 2),
            "recovery_inference_fraction": round(added / base, 4),
            "total_difference_fraction": round((mean_on - mean_off) / base, 4)}


def measure(model: str, peers: list, rendered_frames: int, workdir: Path,
            set_names=None) -> dict:
    frame_sets = sets.photo_sets(SHARED_DATA / "eval") + [sets.rendered_set(rendered_frames)]
    if set_names:
        frame_sets = [s for s in frame_sets if s.name in set_names]
    report = {"model": model, "sets": {}, "totals": {}}
    for fs in frame_sets:
        print(f"[hands] {fs.name}: {len(fs.frames)} frames, {fs.mode} mode", flush=True)
        systems = {"ours": run.run_ours(fs, model, recovery=False),
                   "ours_recovery": run.run_ours(fs, model, recovery=True)}
        if peers:
            systems.update(run.run_peers(fs, model, peers, workdir))
        entry = {"mode": fs.mode, "about": fs.about, "systems": {}}
        for name, got in systems.items():
            tallied = scoring.tally(fs.frames, fs.skeleton, got["outputs"])
            entry["systems"][name] = {**_summary(tallied), "per_frame": tallied["per_frame"]}
        entry["cost"] = _cost(systems["ours"], systems["ours_recovery"])
        report["sets"][fs.name] = entry
    for name in next(iter(report["sets"].values()))["systems"]:
        report["totals"][name] = {k: sum(e["systems"][name][k] for e in report["sets"].values())
                                  for k in COUNTED}
    return report


def summary_lines(report: dict) -> list:
    lines = ["set         system          found correct swapped other false unverif"]
    for set_name, entry in report["sets"].items():
        for name, s in entry["systems"].items():
            lines.append(f"{set_name:11s} {name:15s} {s['found']:5d} {s['correct']:7d} "
                         f"{s['swapped']:7d} {s['other_person']:5d} {s['false']:5d} "
                         f"{s['unverifiable']:7d}")
        c = entry["cost"]
        lines.append(f"{'':11s} recovery cost: inference {c['recovery_inference_fraction']:.1%}"
                     f", total {c['total_difference_fraction']:+.1%} of "
                     f"{c['frame_ms_off']:.0f} ms")
    for name, t in report["totals"].items():
        lines.append(f"{'total':11s} {name:15s} {t['found']:5d} {t['correct']:7d} "
                     f"{t['swapped']:7d} {t['other_person']:5d} {t['false']:5d} "
                     f"{t['unverifiable']:7d}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m build_scripts.measure.hands",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=COMPLEXITIES, default="full")
    ap.add_argument("--peers", default="tasks_holistic",
                    help="comma list of the benchmark's MediaPipe systems, or 'none'")
    ap.add_argument("--rendered-frames", type=int, default=150,
                    help="frames of the rendered demo clip (default 150 = 5 s)")
    ap.add_argument("--sets", help="comma list of set names (default: all)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--workdir", type=Path, default=ROOT / "out" / "bench")
    args = ap.parse_args(argv)
    peers = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    report = {**report_header("build_scripts.measure.hands", argv),
              **measure(args.model, peers, args.rendered_frames, args.workdir,
                        args.sets.split(",") if args.sets else None)}
    path = args.json or ROOT / "out" / f"hands_{args.model}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print("\n".join(summary_lines(report)))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
