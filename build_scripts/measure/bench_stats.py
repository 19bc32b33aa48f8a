"""Statistics for build_scripts/measure/bench.py: latency summaries, per-stage breakdowns, landmark
agreement between two systems, the printed table and the per-frame latency plot.

Everything works on the plain per-frame records the bench collects (dicts with ``ms``,
``pose``, ``left``, ``right``: flat [x0, y0, x1, y1, ...] normalised image coordinates or
None, and for ours ``stages``).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

# MediaPipe pose topology: shoulders 11/12, hips 23/24.
_SHOULDERS = (11, 12)
_HIPS = (23, 24)


def latency_summary(ms: list, warmup: int) -> dict:
    """median / p90 / max / mean (ms) and FPS over the frames after ``warmup``."""
    timed = np.asarray(ms[warmup:], np.float64)
    if timed.size == 0:
        return {"frames": 0}
    mean = float(timed.mean())
    return {
        "frames": int(timed.size),
        "warmup_frames": int(min(warmup, len(ms))),
        "median_ms": round(float(np.median(timed)), 2),
        "p90_ms": round(float(np.percentile(timed, 90)), 2),
        "max_ms": round(float(timed.max()), 2),
        "mean_ms": round(mean, 2),
        "fps": round(1000.0 / mean, 2) if mean > 0 else None,
    }


def cpu_summary(cpu_ms: list, wall_ms: list) -> dict:
    """CPU time per frame (all browser processes, or the native process): unlike latency
    it hardly moves when other jobs take the machine's cores, so A/B comparisons on a
    shared machine rest on it. ``cpu_over_wall`` > 1 means more than one core worked."""
    cpu = np.asarray(cpu_ms, np.float64)
    wall = float(np.sum(wall_ms))
    return {
        "median_ms": round(float(np.median(cpu)), 2),
        "mean_ms": round(float(cpu.mean()), 2),
        "cpu_over_wall": round(float(cpu.sum()) / wall, 3) if wall > 0 else None,
        "about": "CPU time of all browser processes (10 ms ticks, so per-frame values are "
                 "coarse; their mean is unbiased) / of the native process, per timed frame",
    }


def stage_summary(records: list, warmup: int) -> dict:
    """Per-stage medians of ours' ``timings`` (worker side) after warm-up, plus the
    main-thread <-> worker share: send-to-result latency minus the worker's total.

    A stage that does not run every frame (the detector, only when tracking is lost) is
    summarised over the frames where it ran, with its count.
    """
    rows = [r for r in records[warmup:] if r.get("stages")]
    if not rows:
        return {}
    keys = []
    for r in rows:
        for k in r["stages"]:
            if k not in keys:
                keys.append(k)
    out = {}
    for k in keys:
        vals = np.asarray([r["stages"][k] for r in rows if k in r["stages"]], np.float64)
        out[k] = {"median_ms": round(float(np.median(vals)), 3),
                  "mean_ms": round(float(vals.mean()), 3), "frames": int(vals.size)}
    # (Only ours' worker reports "inference"; native has no messaging.)
    msg = np.asarray([r["ms"] - r["stages"]["total"] for r in rows
                      if "total" in r["stages"] and "inference" in r["stages"]])
    if msg.size:
        out["worker_messaging"] = {
            "median_ms": round(float(np.median(msg)), 3), "mean_ms": round(float(msg.mean()), 3),
            "frames": int(msg.size),
            "about": "send() -> result on the page minus the worker's own total: frame capture "
                     "+ postMessage both ways + structured clone of the result",
        }
    return out


def _xy(flat, size) -> np.ndarray | None:
    if flat is None:
        return None
    a = np.asarray(flat, np.float64).reshape(-1, 2)
    return a * np.asarray(size, np.float64)


def torso_px(pose_xy: np.ndarray) -> float:
    """Torso size in pixels: mid-shoulder to mid-hip distance."""
    shoulders = pose_xy[list(_SHOULDERS)].mean(axis=0)
    hips = pose_xy[list(_HIPS)].mean(axis=0)
    return float(np.linalg.norm(shoulders - hips))


def _dist_summary(values: list) -> dict:
    if not values:
        return {"points": 0}
    v = np.concatenate(values)
    return {
        "median": round(float(np.median(v)), 5),
        "p90": round(float(np.percentile(v, 90)), 5),
        "max": round(float(v.max()), 5),
        "points": int(v.size),
    }


def agreement(reference: list, other: list, sizes: list, keep: list | None = None) -> dict:
    """Landmark distance of ``other`` from ``reference``, in pixels divided by the torso size
    (mid-shoulder to mid-hip) of the reference pose on that frame; body (33 points) and
    hands (21 points, per side where both found the hand), over the frames ``keep`` marks
    (default all).

    Also counts the frames where only one of the two found a pose / a hand.
    """
    body, hands = [], []
    counts = {"frames": 0, "both_pose": 0, "reference_only_pose": 0, "other_only_pose": 0,
              "both_hands": 0, "reference_only_hand": 0, "other_only_hand": 0}
    keep = keep if keep is not None else [True] * len(sizes)
    for ref, oth, size, use in zip(reference, other, sizes, keep):
        if not use:
            continue
        counts["frames"] += 1
        rp, op = _xy(ref.get("pose"), size), _xy(oth.get("pose"), size)
        if rp is None or op is None:
            if rp is not None:
                counts["reference_only_pose"] += 1
            elif op is not None:
                counts["other_only_pose"] += 1
            continue
        counts["both_pose"] += 1
        torso = torso_px(rp)
        if not torso > 1.0:
            continue
        n = min(len(rp), len(op))
        body.append(np.linalg.norm(rp[:n] - op[:n], axis=1) / torso)
        for side in ("left", "right"):
            rh, oh = _xy(ref.get(side), size), _xy(oth.get(side), size)
            if rh is not None and oh is not None:
                counts["both_hands"] += 1
                hands.append(np.linalg.norm(rh - oh, axis=1) / torso)
            elif rh is not None:
                counts["reference_only_hand"] += 1
            elif oh is not None:
                counts["other_only_hand"] += 1
    return {"unit": "fraction of torso size (mid-shoulder to mid-hip, reference pose)",
            "body": _dist_summary(body), "hands": _dist_summary(hands), "counts": counts}


def paired_ratio(a: list, b: list, warmup: int) -> float | None:
    """Median of per-frame ratios a[i] / b[i] (frames run back to back, so slow phases of a
    shared machine hit both)."""
    pairs = [(x, y) for x, y in list(zip(a, b))[warmup:] if x and y]
    if not pairs:
        return None
    return round(float(np.median([x / y for x, y in pairs])), 4)


# --------------------------------------------------------------------------- the table
def _fmt(v, digits=1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


_ROW_TITLES = {"holistic": "holistic (pose + hands)", "pose_only": "pose only"}


def _row_systems(report: dict) -> list:
    """(row title, [system names]) in the report's row order; reports from before the rows
    existed have one untitled row."""
    rows = report.get("rows")
    if not rows:
        return [(None, list(report["systems"]))]
    return [(_ROW_TITLES.get(r, r), names) for r, names in rows.items() if names]


def table(report: dict) -> str:
    lines = []
    head = (f"{'system':<16} {'mode':<6} {'median ms':>10} {'p90 ms':>9} {'max ms':>9} "
            f"{'fps':>7} {'cpu ms':>8} {'cold s':>7} {'warm s':>7}")
    for title, names in _row_systems(report):
        if title:
            lines.append(f"== {title}")
        lines.append(head)
        lines.append("-" * len(head))
        for name in names:
            sysrep = report["systems"].get(name) or {}
            if "skipped" in sysrep:
                lines.append(f"{name:<16} skipped: {sysrep['skipped']}")
                continue
            cold = (sysrep.get("cold_start") or {}).get("cold_start_ms")
            warm = (sysrep.get("warm_start") or {}).get("cold_start_ms")
            for mode in ("video", "image"):
                run = sysrep.get(mode)
                if not run:
                    continue
                if "skipped" in run:
                    lines.append(f"{name:<16} {mode:<6} skipped: {run['skipped']}")
                    continue
                lat = run["latency"]
                cpu = (run.get("cpu") or {}).get("mean_ms")
                lines.append(
                    f"{name:<16} {mode:<6} {_fmt(lat.get('median_ms')):>10} "
                    f"{_fmt(lat.get('p90_ms')):>9} {_fmt(lat.get('max_ms')):>9} "
                    f"{_fmt(lat.get('fps'), 2):>7} {_fmt(cpu):>8} "
                    f"{_fmt(cold / 1e3 if cold else None, 2):>7} "
                    f"{_fmt(warm / 1e3 if warm else None, 2):>7}")
                cold = warm = None  # once per system
        lines.append("")
    head_ratio = report.get("ratio_ours_over_tasks_cpu") or {}
    lines.append("ratio_ours_over_tasks_cpu (median per-frame latency, video mode): holistic "
                 f"{_fmt(head_ratio.get('holistic'), 4)}, pose only "
                 f"{_fmt(head_ratio.get('pose_only'), 4)} (CPU time: "
                 f"{_fmt(head_ratio.get('holistic_cpu_time'), 4)}, "
                 f"{_fmt(head_ratio.get('pose_only_cpu_time'), 4)})")
    legacy = report.get("legacy_ratios") or {}
    lines.append("legacy @mediapipe/holistic: ours / its CPU path "
                 f"{_fmt(legacy.get('ours_over_mediapipe_cpu'), 4)}, ours / its WebGL path "
                 f"(SwiftShader here) {_fmt(legacy.get('ours_over_mediapipe_webgl'), 4)}")
    for mode, r in report.get("ratios", {}).items():
        parts = [f"{k} {_fmt(v, 4)}" for k, v in r.items()]
        lines.append(f"  {mode}: " + ", ".join(parts))
    for mode, pairs in report.get("agreement", {}).items():
        for pair, a in pairs.items():
            b, h = a["body"], a["hands"]
            c = a["counts"]
            lines.append(
                f"agreement {mode} {pair}: body median {_fmt(b.get('median'), 4)} p90 "
                f"{_fmt(b.get('p90'), 4)}; hands median {_fmt(h.get('median'), 4)} p90 "
                f"{_fmt(h.get('p90'), 4)} (torso units; pose in both {c['both_pose']}/"
                f"{c['frames']} frames, hands in both {c['both_hands']})"
            )
    for name in ("ours", "ours_pose", "baseline"):
        stages = (report["systems"].get(name) or {}).get("video", {}).get("stages")
        if not stages:
            continue
        lines.append(f"{name}, video mode, per-stage medians (ms): " + ", ".join(
            f"{k} {v['median_ms']:.1f}" + (f" ({v['frames']} fr)" if k == "detector" else "")
            for k, v in stages.items()))
    external = report.get("external_requests") or []
    by_system: dict = {}
    for e in external:
        by_system[e["system"]] = by_system.get(e["system"], 0) + 1
    lines.append(f"requests to other origins: {len(external)} "
                 f"({', '.join(f'{k} {v}' for k, v in sorted(by_system.items())) or 'none'}), "
                 f"answered: {len(report.get('external_requests_answered') or [])}")
    for note in report.get("notes", []):
        lines.append("note: " + note)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the plot
_COLOURS = {"ours": (31, 119, 180), "ours_pose": (23, 190, 207), "baseline": (127, 127, 127),
            "tasks_holistic": (255, 127, 14), "tasks_pose": (188, 189, 34),
            "mediapipe_cpu": (148, 103, 189), "mediapipe_webgl": (214, 39, 40),
            "mediapipe": (214, 39, 40), "native": (44, 160, 44), "native_pose": (140, 86, 75)}


def plot_png(report: dict, path: Path) -> None:
    """Per-frame latency (log scale), one line per system and mode, with PIL only."""
    from PIL import Image, ImageDraw

    series = []
    for name, sysrep in report["systems"].items():
        for mode in ("video", "image"):
            run = sysrep.get(mode) or {}
            if run.get("per_frame_ms"):
                series.append((f"{name} {mode}", _COLOURS.get(name, (0, 0, 0)), mode,
                               run["per_frame_ms"]))
    if not series:
        return
    w, h, left, right, top, bottom = 960, 540, 70, 20, 30, 50
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    allv = [v for _, _, _, s in series for v in s if v and v > 0]
    lo = 10 ** math.floor(math.log10(min(allv)))
    hi = 10 ** math.ceil(math.log10(max(allv)))
    n = max(len(s) for _, _, _, s in series)

    def xy(i, v):
        x = left + (w - left - right) * (i / max(1, n - 1))
        y = top + (h - top - bottom) * (1 - (math.log10(max(v, lo)) - math.log10(lo))
                                          / (math.log10(hi) - math.log10(lo)))
        return x, y

    decade = lo
    while decade <= hi:
        for m in (1, 2, 5):
            v = decade * m
            if lo <= v <= hi:
                _, y = xy(0, v)
                d.line([(left, y), (w - right, y)], fill=(225, 225, 225))
                d.text((5, y - 6), f"{v:g} ms", fill="black")
        decade *= 10
    d.rectangle([left, top, w - right, h - bottom], outline="black")
    d.text((left, h - bottom + 8), "frame", fill="black")
    d.text((w - right - 40, h - bottom + 8), str(n - 1), fill="black")
    d.text((left, 8), "per-frame latency (log scale); solid: video mode, thin: image mode",
           fill="black")
    for k, (label, colour, mode, values) in enumerate(series):
        pts = [xy(i, v) for i, v in enumerate(values) if v and v > 0]
        if len(pts) > 1:
            d.line(pts, fill=colour, width=2 if mode == "video" else 1)
        d.text((w - right - 200, top + 8 + 14 * k), label, fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


# --------------------------------------------------------------------------- markdown
_NAMES = {"ours": "ours (browser)", "baseline": "ours, baseline build",
          "ours_pose": "ours (browser), pose only",
          "tasks_holistic": "MediaPipe Tasks HolisticLandmarker, CPU",
          "tasks_pose": "MediaPipe Tasks PoseLandmarker, CPU",
          "mediapipe_cpu": "legacy MediaPipe Holistic, CPU (useCpuInference)",
          "mediapipe_webgl": "legacy MediaPipe Holistic, WebGL on SwiftShader (variant)",
          "mediapipe": "MediaPipe Holistic (web)", "native": "native onnxruntime",
          "native_pose": "native onnxruntime, pose only"}


def _pct(fraction) -> str:
    if fraction is None:
        return "-"
    return "<0.01%" if fraction < 1e-4 else f"{100 * fraction:.2f}%"


def _markdown_rows(row: str, name: str, sysrep: dict) -> list:
    label = _NAMES.get(name, name)
    if "skipped" in sysrep:
        return [f"| {row} | {label} | – | skipped: {sysrep['skipped']} | | | | | | |"]
    out = []
    for mode in ("video", "image"):
        run = sysrep.get(mode)
        if not run:
            continue
        if "skipped" in run:
            out.append(f"| {row} | {label} | {mode} | not run (see below) | | | | | | |")
            continue
        lat, cpu = run["latency"], (run.get("cpu") or {})
        cold = (sysrep.get("cold_start") or {}).get("cold_start_ms") if mode == "video" else None
        warm = (sysrep.get("warm_start") or {}).get("cold_start_ms") if mode == "video" else None
        out.append(
            f"| {row} | {label} | {mode} | {lat['median_ms']:.0f} | "
            f"{lat['p90_ms']:.0f} | {lat['max_ms']:.0f} | {lat['fps']:.2f} | "
            f"{_fmt(cpu.get('mean_ms'), 0)} | {_fmt(cold / 1e3 if cold else None, 1)} | "
            f"{_fmt(warm / 1e3 if warm else None, 1)} |")
    return out


def markdown(report: dict) -> str:
    """The report as the markdown tables of docs/benchmark.md."""
    out = ["| row | system | mode | median ms | p90 ms | max ms | FPS | CPU ms/frame "
           "| first result s (cold) | warm s |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for title, names in _row_systems(report):
        for name in names:
            out.extend(_markdown_rows(title or "", name, report["systems"].get(name) or {}))
    out.append("")
    head = report.get("ratio_ours_over_tasks_cpu") or {}
    if head:
        out.append(f"- **ours / MediaPipe Tasks CPU** (median latency, video): holistic "
                   f"{_fmt(head.get('holistic'), 3)}, pose only {_fmt(head.get('pose_only'), 3)}"
                   f" (CPU time: {_fmt(head.get('holistic_cpu_time'), 3)}, "
                   f"{_fmt(head.get('pose_only_cpu_time'), 3)})")
    legacy = report.get("legacy_ratios") or {}
    if legacy:
        out.append(f"- legacy @mediapipe/holistic: ours / CPU path "
                   f"{_fmt(legacy.get('ours_over_mediapipe_cpu'), 3)}, ours / WebGL path "
                   f"(SwiftShader) {_fmt(legacy.get('ours_over_mediapipe_webgl'), 3)}")
    for mode, r in report.get("ratios", {}).items():
        if r:
            out.append(f"- ratios, {mode} mode: " + ", ".join(
                f"`{k}` {v:.3f}" for k, v in r.items() if v is not None))
    for mode, pairs in report.get("agreement", {}).items():
        for pair, a in pairs.items():
            b, h, c = a["body"], a["hands"], a["counts"]
            if not b.get("points"):
                continue
            out.append(
                f"- agreement, {mode} mode, {pair}: body median {_pct(b['median'])} / p90 "
                f"{_pct(b['p90'])} of the torso; hands median "
                f"{_pct(h.get('median'))} / p90 {_pct(h.get('p90'))} (pose in both "
                f"{c['both_pose']}/{c['frames']} frames, {c['both_hands']} hands in both)")
    for name in ("ours", "ours_pose", "baseline", "native", "native_pose"):
        stages = (report["systems"].get(name) or {}).get("video", {}).get("stages")
        if stages:
            out.append(f"- {name}, video mode, per-stage medians (ms): " + ", ".join(
                f"{k} {v['median_ms']:.1f}" for k, v in stages.items()))
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys

    for arg in sys.argv[1:]:
        print(markdown(json.loads(Path(arg).read_text())))
        print()
