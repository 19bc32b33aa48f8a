"""Frames per second of ``track`` over a batch of clips with 1 and with N worker processes.

    python -m build_scripts.measure.batch_workers [--clips 4 --frames 40] [--workers 1 2]
        [--json out/batch/workers.json]

The batch: ``--clips`` clips of ``--frames`` real frames each, written here from the
PoseTrack fixture frames played forwards and backwards (each clip starts at another frame,
so no two are alike). Each worker count runs the real command line (a fresh process, as a
user runs it) ``--repeats`` times in turn; a run's fps is frames / wall-clock seconds of
the whole command (start-up, model loading and writing the JSON included), and
``track_fps`` the report's own time (tracking only). The load average before and after
each run is recorded: the machine may be shared. A report, not a test: nothing asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build_scripts.common.paths import ROOT
from build_scripts.measure.common import CLIP, report_header, write_report


def write_clips(folder: Path, clips: int, frames: int) -> list:
    import av
    import numpy as np
    from PIL import Image

    stills = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(CLIP.glob("*.jpg"))]
    cycle = stills + stills[-2:0:-1]  # forwards then backwards: smooth motion, no jump
    paths = []
    for c in range(clips):
        path = folder / f"clip{c}.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("mpeg4", rate=30)
            stream.height, stream.width = stills[0].shape[:2]
            stream.pix_fmt = "yuv420p"
            for i in range(frames):
                rgb = cycle[(c + i) % len(cycle)]
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        paths.append(path)
    return paths


def run_once(clips: list, workers: int, out: Path) -> dict:
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "blazepose_holistic", "track", *map(str, clips), "--json", str(out),
         "--workers", str(workers), "--no-progress"],
        capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"batch_workers: track failed:\n{proc.stderr}")
    report = json.loads(out.read_text())
    frames = len(report["frames"])
    return {"workers": workers, "frames": frames, "wall_s": round(wall, 2),
            "fps": round(frames / wall, 2), "track_s": report["seconds"],
            "track_fps": round(frames / report["seconds"], 2),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--frames", type=int, default=40, help="frames per clip")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=2, help="runs per worker count, interleaved")
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "batch" / "workers.json")
    args = ap.parse_args(argv)
    header = report_header("build_scripts.measure.batch_workers", argv)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = write_clips(Path(tmp), args.clips, args.frames)
        for r in range(args.repeats):
            for workers in args.workers:
                run = run_once(clips, workers, Path(tmp) / f"w{workers}-{r}.json")
                print(json.dumps(run), file=sys.stderr)
                runs.append(run)
    import statistics

    fps = {w: [r["fps"] for r in runs if r["workers"] == w] for w in args.workers}
    best = {w: max(v) for w, v in fps.items()}
    median = {w: statistics.median(v) for w, v in fps.items()}
    report = {
        **header,
        "batch": {"clips": args.clips, "frames_per_clip": args.frames, "source": str(CLIP)},
        "options": "defaults: full model, hands, body model, 1 onnxruntime thread per worker",
        "runs": runs,
        # On a shared machine both matter: the best run is the least disturbed, the median
        # the typical one.
        "best_fps": best,
        "median_fps": median,
        "speedup_best": {w: round(best[w] / best[args.workers[0]], 2) for w in args.workers},
        "speedup_median": {w: round(median[w] / median[args.workers[0]], 2) for w in args.workers},
    }
    write_report(args.json, report)
    print(f"wrote {args.json}: fps best {best} median {median}; speed-up best "
          f"{report['speedup_best']} median {report['speedup_median']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
