"""Command line: ``blazepose-holistic track INPUT [INPUT...] --json OUT.json`` (the
installed console script; ``python -m blazepose_holistic`` is the same).

INPUT is an image, a directory of frames (tracked as one sequence, in file-name order) or a
video file (tracked). A lone image is processed in image mode; ``--static`` forces image mode
everywhere (every frame detected afresh, no smoothing).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from . import __version__
from .contract import COMPLEXITIES, Options, PipelineError

_DEFAULTS = Options()


class CliError(RuntimeError):
    pass


def _parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    ap.add_argument("--version", action="version", version=__version__)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("track", help="track body, hands and body model in images and videos")
    t.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    t.add_argument("--json", type=Path, required=True, metavar="OUT.json", help="where to write the results")
    t.add_argument("--annotate", type=Path, metavar="OUT_DIR", help="write annotated images here")
    t.add_argument("--model", choices=COMPLEXITIES, default=COMPLEXITIES[_DEFAULTS.model_complexity],
                   help="pose landmark model")
    t.add_argument("--static", action="store_true", help="image mode: detect on every frame, no smoothing")
    t.add_argument("--segmentation", action="store_true",
                   help="also compute the person mask (saved as *_mask.png with --annotate)")
    t.add_argument("--no-hands", action="store_true", help="body only (faster)")
    t.add_argument("--no-body-model", action="store_true", help="skip the lifter")
    t.add_argument("--no-smoothing", action="store_true", help="disable landmark smoothing")
    t.add_argument("--mirrored", action="store_true", help="inputs are mirrored (selfie view)")
    t.add_argument("--min-detection-confidence", type=float, default=_DEFAULTS.min_detection_confidence)
    t.add_argument("--min-tracking-confidence", type=float, default=_DEFAULTS.min_tracking_confidence)
    t.add_argument("--fps", type=float, default=30.0, help="frame rate of image directories")
    t.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    t.add_argument("--no-progress", action="store_true")
    return ap


def _safe_stem(source: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", Path(source.split("#")[0]).stem, flags=re.UNICODE) or "frame"
    if "#" in source:
        stem += f"_{int(source.rsplit('#', 1)[1]):06d}"
    return stem


def _annotation_paths(source: str, directory: Path, taken: set) -> tuple:
    """(image, mask) paths in `directory` for a frame: a sanitised name (so it cannot leave
    the directory) that collides with no input and nothing written before; marks them taken."""
    base = _safe_stem(source)
    stem, n = base, 0
    while True:
        pair = (directory / f"{stem}.png", directory / f"{stem}_mask.png")
        if not any(_is_taken(p, taken) for p in pair):
            taken.update(pair)
            return pair
        n += 1
        stem = f"{base}_{n}"


def _file_id(path: Path) -> tuple:
    st = path.stat()
    return (st.st_dev, st.st_ino)


def _is_taken(path: Path, taken: set) -> bool:
    """A symlink is never written through (it may lead out of the directory, or to an
    input); an existing file is matched by identity, which also sees through hard links
    and case-insensitive file systems."""
    if path in taken or path.is_symlink():
        return True
    return path.exists() and _file_id(path) in taken


def _check_outputs(args, inputs) -> set:
    """Never overwrite an input, never write anywhere but the paths the user gave.

    Returns what annotations must avoid: the resolved path and the file identity of every
    input file and of the JSON output."""
    input_files = set()
    for item in inputs:
        if item.path.is_dir():
            input_files.update(p.resolve() for p in item.path.iterdir())
        else:
            input_files.add(item.path.resolve())
    ids = {_file_id(p) for p in input_files if p.is_file()}  # not broken links, not dirs
    out = args.json.resolve()
    if out in input_files or (out.is_file() and _file_id(out) in ids):
        raise CliError(f"--json {args.json} is one of the inputs; refusing to overwrite it")
    if out.exists() and out.is_dir():
        raise CliError(f"--json {args.json} is a directory")
    if args.annotate is not None:
        ann = args.annotate.resolve()
        if ann.exists() and not ann.is_dir():
            raise CliError(f"--annotate {args.annotate} exists and is not a directory")
        for item in inputs:
            if item.path.resolve() == ann:
                raise CliError(f"--annotate {args.annotate} is an input directory; choose another")
    return input_files | ids | {out}


def track(args) -> int:
    from . import media
    from .tracker import HolisticTracker

    inputs = [media.classify(p) for p in args.inputs]
    taken = _check_outputs(args, inputs)
    options = dict(
        model_complexity=COMPLEXITIES.index(args.model),
        smooth_landmarks=not args.no_smoothing,
        enable_segmentation=args.segmentation,
        min_detection_confidence=args.min_detection_confidence,
        min_tracking_confidence=args.min_tracking_confidence,
        enable_hands=not args.no_hands,
        enable_body_model=not args.no_body_model,
        mirrored=args.mirrored,
    )
    total = sum(i.frame_count for i in inputs)
    progress = None
    if not args.no_progress and any(i.kind != "image" for i in inputs):
        from tqdm import tqdm

        progress = tqdm(total=total or None, unit="frame", file=sys.stderr)
    if args.annotate is not None:
        args.annotate.mkdir(parents=True, exist_ok=True)
        annotate_dir = args.annotate.resolve()
    records = []
    # One tracker per mode the inputs actually need: each loads every model.
    modes = {True} if args.static else {item.kind == "image" for item in inputs}
    trackers = {
        static: HolisticTracker(static_image_mode=static, threads=args.threads, **options)
        for static in modes
    }
    sequence = None
    t0 = time.perf_counter()
    for frame in media.frames(inputs, fps=args.fps):
        static = args.static or frame.static
        tracker = trackers[static]
        if frame.sequence != sequence:
            tracker.reset()
            sequence = frame.sequence
        result = tracker.process(frame.rgb, timestamp=frame.timestamp)
        record = {"source": frame.source, "timestamp": frame.timestamp}
        record.update(result.to_json())
        records.append(record)
        if args.annotate is not None:
            from .drawing import annotate

            image_path, mask_path = _annotation_paths(frame.source, annotate_dir, taken)
            annotate(frame.rgb, result).save(image_path)
            if result.segmentation_mask is not None:
                from PIL import Image

                mask = (result.segmentation_mask * 255).round().astype("uint8")
                Image.fromarray(mask).save(mask_path)
                record["segmentation_mask_file"] = mask_path.name
        if progress is not None:
            progress.update(1)
    if progress is not None:
        progress.close()
    for tracker in trackers.values():
        tracker.close()
    report = {
        "version": __version__,
        "options": {**options, "static_image_mode": args.static},
        "seconds": round(time.perf_counter() - t0, 3),
        "frames": records,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.json.with_name(args.json.name + ".tmp")
    tmp.write_text(json.dumps(report))
    tmp.replace(args.json)
    found = sum(r["pose_landmarks"] is not None for r in records)
    print(f"{len(records)} frames, pose found in {found}; wrote {args.json}", file=sys.stderr)
    return 0


def main(argv=None, prog: str = "blazepose-holistic") -> int:
    from .frames import FrameError
    from .media import MediaError
    from .model_store import ModelError

    args = _parser(prog).parse_args(argv)
    try:
        return track(args)
    except (CliError, MediaError, ModelError, FrameError, PipelineError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
