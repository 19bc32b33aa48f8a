"""Command line: ``blazepose-holistic track INPUT [INPUT...] --json OUT.json`` (the
installed console script; ``python -m blazepose_holistic`` is the same).

INPUT is an image, a directory of frames (tracked as one sequence, in file-name order) or a
video file (tracked). A lone image is processed in image mode; ``--static`` forces image mode
everywhere (every frame detected afresh, no smoothing).

Inputs are tracked by ``--workers`` processes (default: one per core; ``batch.py``), or as
Ray tasks with ``--ray``; the JSON is the same either way. An input that cannot be read is
reported (``error:`` on stderr, ``errors`` in the JSON) and the others go on. Exit status:
0 all tracked, 1 some inputs failed (the JSON has the rest), 2 nothing tracked or bad
arguments.
"""
from __future__ import annotations

import argparse
import json
import os
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
    t.add_argument("--threads", type=int, default=1, help="onnxruntime threads per worker")
    t.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes, one input at a time each (default: the number of cores)")
    t.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="run the inputs as Ray tasks: on the cluster at ADDRESS ('auto', "
                        "'ray://head:10001'), or a local Ray instance without ADDRESS")
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


def _classify_all(paths: list) -> tuple:
    """(inputs that can be read, {input index: error}) : one bad input never stops the rest."""
    from . import media

    good, errors = {}, {}
    for i, path in enumerate(paths):
        try:
            good[i] = media.classify(path)
        except media.MediaError as e:
            errors[i] = str(e)
    return good, errors


def track(args) -> int:
    import tempfile

    from . import batch

    good, errors = _classify_all(args.inputs)
    taken = _check_outputs(args, list(good.values()))
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
    Options.from_mapping(options)  # a bad value fails here, not once per worker
    if args.workers < 1:
        raise CliError(f"--workers must be at least 1, not {args.workers}")
    progress = None
    if not args.no_progress and any(i.kind != "image" for i in good.values()):
        from tqdm import tqdm

        total = sum(i.frame_count for i in good.values())
        progress = tqdm(total=total or None, unit="frame", file=sys.stderr)
    stage = None
    if args.annotate is not None:
        args.annotate.mkdir(parents=True, exist_ok=True)
        stage = tempfile.mkdtemp(prefix=".blazepose-holistic-", dir=args.annotate)
    config = batch.TrackConfig(tuple(options.items()), args.static, args.fps, args.threads, stage)
    order = sorted(good)
    paths = [str(good[i].path) for i in order]
    on_frames = progress.update if progress is not None else (lambda n: None)
    t0 = time.perf_counter()
    try:
        if args.ray is not None:
            results = batch.run_ray(paths, config, args.ray or None, on_frames)
        else:
            results = batch.run_local(paths, config, args.workers, on_frames)
        if progress is not None:
            progress.close()
        records = []
        for i, result in zip(order, results):
            if result.error is not None:
                errors[i] = result.error
                continue
            _place_annotations(result, args.annotate, taken)
            records.extend(result.records)
    finally:
        if stage is not None:
            for leftover in Path(stage).iterdir():
                leftover.unlink()
            os.rmdir(stage)
    for i in sorted(errors):
        print(f"error: {errors[i]}", file=sys.stderr)
    if not records:
        return 2
    report = {
        "version": __version__,
        "options": {**options, "static_image_mode": args.static},
        "seconds": round(time.perf_counter() - t0, 3),
        "frames": records,
    }
    if errors:
        report["errors"] = [{"input": str(args.inputs[i]), "error": errors[i]} for i in sorted(errors)]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.json.with_name(args.json.name + ".tmp")
    tmp.write_text(json.dumps(report))
    tmp.replace(args.json)
    found = sum(r["pose_landmarks"] is not None for r in records)
    failed = f"; {len(errors)} input(s) failed" if errors else ""
    print(f"{len(records)} frames, pose found in {found}{failed}; wrote {args.json}", file=sys.stderr)
    return 1 if errors else 0


def _place_annotations(result, annotate_dir: Path | None, taken: set) -> None:
    """Give a finished input's staged annotations their final names, in input order, so the
    names never depend on which worker finished first."""
    for n, image, mask in result.staged:
        record = result.records[n]
        image_path, mask_path = _annotation_paths(record["source"], annotate_dir.resolve(), taken)
        os.replace(image, image_path)
        if mask is not None:
            os.replace(mask, mask_path)
            record["segmentation_mask_file"] = mask_path.name


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
