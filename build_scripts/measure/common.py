"""What the measurement tools (bench, bench_profile, soak) and their tests share: the
frames they feed, the PoseTrack clip, where their browser pages live, and the header that
says which code on which machine wrote a report.
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from build_scripts.common.paths import ROOT, SHARED_DATA

# The .html/.js the tools serve to Chromium (kept as files so that editors and linters see
# JavaScript, not a Python string).
PAGES = Path(__file__).resolve().parent / "pages"
# Five frames of three footballers: the benchmark's main run, the soak, the browser tests.
CLIP = SHARED_DATA / "eval" / "posetrack18" / "videos" / "000001_mpiinew_test"
# Every tool gives its trackers 30 fps timestamps, so that smoothing sees the same clock.
FPS = 30.0


class MeasureError(RuntimeError):
    """A run that cannot start or go on; the tools print it in one line, no traceback."""


def to_rgba(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W, 4) uint8, opaque: the layout ImageData takes."""
    alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=2))


def load_frames(inputs: list, count: int, repeat: int = 1) -> tuple:
    """(unique RGBA frames, sequence of indices into them, their sources). ``repeat`` holds
    every frame for that many consecutive frames (a still, as from a paused camera);
    ``count`` > 0 cycles (or truncates) the sequence to that many."""
    from blazepose_holistic import media

    unique, sources = [], []
    for item in [media.classify(Path(p)) for p in inputs]:
        for frame in media.frames([item], fps=FPS):
            unique.append(to_rgba(frame.rgb))
            sources.append(frame.source)
            if count and len(unique) >= count:
                break
        if count and len(unique) >= count:
            break
    if not unique:
        raise MeasureError("the inputs hold no frames")
    held = [k for k in range(len(unique)) for _ in range(max(1, repeat))]
    n = count or len(held)
    sequence = [held[i % len(held)] for i in range(n)]
    return unique, sequence, sources


def machine_info() -> dict:
    info = {"platform": platform.platform(), "cpus": os.cpu_count(),
            "python": platform.python_version()}
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        import onnxruntime

        info["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    return info


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def report_header(module: str, argv: list | None = None) -> dict:
    """The first keys of every report: how to run it again, when, which code, which machine.
    ``argv``: the tool's arguments when called as a function, else the command line's."""
    args = sys.argv[1:] if argv is None else argv
    return {
        "command": f"python -m {module} " + " ".join(args),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine_info(),
    }


def write_report(path: Path, report) -> None:
    """A tool's JSON report, its folder made if needed (reports go to out/runs/...)."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
