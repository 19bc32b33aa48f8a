"""Tracking many inputs: one input (image, directory of frames, video) is one task.

``track_input`` tracks one input from a fresh state with the calling process's trackers
(one onnxruntime session set per process, created on its first task), so running the tasks
in one process, in N worker processes (``run_local``) or as Ray tasks (``run_ray``) gives
the same records. A bad input is a result with an ``error``, never an exception that stops
the others; a broken model or option is raised, since every task would fail alike.

Annotated images are written under a staging name by the task and renamed by the caller
in input order (``cli``), so their names do not depend on which task finished first.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class TrackConfig:
    options: tuple  # (name, value) pairs of contract.Options, static_image_mode excluded
    static: bool  # --static: image mode for every input
    fps: float  # frame rate of image directories
    threads: int  # onnxruntime intra-op threads per session
    stage_dir: str | None = None  # where tasks write annotations (None: no annotations)


@dataclass
class InputResult:
    index: int
    records: list  # one dict per frame, as the JSON holds them
    staged: list  # [(record index, staged image path, staged mask path or None)]
    error: str | None = None


_trackers: dict = {}  # (config, static) -> HolisticTracker, for this process's lifetime


def _tracker(config: TrackConfig, static: bool):
    key = (config, static)
    if key not in _trackers:
        from .tracker import HolisticTracker

        _trackers[key] = HolisticTracker(static_image_mode=static, threads=config.threads,
                                         **dict(config.options))
    return _trackers[key]


def track_input(index: int, path: str, config: TrackConfig,
                on_frame: Callable[[], None] | None = None) -> InputResult:
    """Every frame of input ``index`` (at ``path``), tracked from a fresh state."""
    from .frames import FrameError
    from .media import MediaError, classify, frames

    result = InputResult(index, [], [])
    try:
        item = classify(Path(path))
        for n, frame in enumerate(frames([item], fps=config.fps)):
            tracker = _tracker(config, config.static or frame.static)
            if n == 0:
                tracker.reset()
            tracked = tracker.process(frame.rgb, timestamp=frame.timestamp)
            record = {"source": frame.source, "timestamp": frame.timestamp}
            record.update(tracked.to_json())
            if config.stage_dir is not None:
                result.staged.append(_stage(config.stage_dir, index, n, frame.rgb, tracked))
            result.records.append(record)
            if on_frame is not None:
                on_frame()
    except (MediaError, FrameError) as e:
        for _, image, mask in result.staged:
            for p in (image, mask):
                if p is not None:
                    Path(p).unlink(missing_ok=True)
        return InputResult(index, [], [], error=str(e))
    return result


def _stage(stage_dir: str, index: int, n: int, rgb, tracked) -> tuple:
    from .drawing import annotate

    image = os.path.join(stage_dir, f"{index}-{n}.png")
    annotate(rgb, tracked).save(image)
    mask = None
    if tracked.segmentation_mask is not None:
        from PIL import Image

        mask = os.path.join(stage_dir, f"{index}-{n}_mask.png")
        Image.fromarray((tracked.segmentation_mask * 255).round().astype("uint8")).save(mask)
    return n, image, mask


# ------------------------------------------------------------------ worker processes
_worker_config: TrackConfig | None = None
_worker_queue = None


def _init_worker(config: TrackConfig, queue) -> None:
    global _worker_config, _worker_queue
    _worker_config, _worker_queue = config, queue


def _worker_task(index: int, path: str) -> InputResult:
    return track_input(index, path, _worker_config, on_frame=lambda: _worker_queue.put(1))


def run_local(paths: list, config: TrackConfig, workers: int,
              on_frames: Callable[[int], None]) -> list:
    """InputResults for ``paths`` in input order, over ``workers`` processes (in this one
    when 1). ``on_frames(n)``: n more frames were tracked (the progress bar)."""
    if workers <= 1 or len(paths) <= 1:
        return [track_input(i, p, config, on_frame=lambda: on_frames(1))
                for i, p in enumerate(paths)]
    import concurrent.futures as cf
    import multiprocessing
    import queue as queue_module
    from concurrent.futures.process import BrokenProcessPool

    # spawn: a fresh interpreter per worker, nothing inherited from this one's threads
    # (the progress bar's monitor) or onnxruntime state.
    ctx = multiprocessing.get_context("spawn")
    frames_done = ctx.Queue()
    results = {}
    with cf.ProcessPoolExecutor(min(workers, len(paths)), mp_context=ctx,
                                initializer=_init_worker,
                                initargs=(config, frames_done)) as pool:
        futures = {pool.submit(_worker_task, i, p): i for i, p in enumerate(paths)}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2)
            for future in done:
                try:
                    results[futures[future]] = future.result()
                except BrokenProcessPool as e:  # a worker died (killed, crashed)
                    i = futures[future]
                    results[i] = InputResult(i, [], [], error=f"{paths[i]}: worker process died ({e})")
            _drain(frames_done, on_frames, queue_module)
        _drain(frames_done, on_frames, queue_module)
    return [results[i] for i in range(len(paths))]


def _drain(frames_done, on_frames, queue_module) -> None:
    n = 0
    while True:
        try:
            n += frames_done.get_nowait()
        except queue_module.Empty:
            break
    if n:
        on_frames(n)


# ------------------------------------------------------------------ Ray
def run_ray(paths: list, config: TrackConfig, address: str | None,
            on_frames: Callable[[int], None]) -> list:
    """The same tasks on a Ray cluster (``address``: "auto", "ray://head:10001", or None
    for a Ray instance started here). Every node needs the package installed (with its
    models) and the inputs at the same paths. Progress advances per finished input."""
    try:
        import ray
    except ImportError as e:
        raise RuntimeError("--ray needs Ray: pip install -r requirements/ray.txt") from e
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    try:
        task = ray.remote(num_cpus=1)(track_input)
        refs = {task.remote(i, p, config): i for i, p in enumerate(paths)}
        results = {}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            result = ray.get(done[0])
            results[result.index] = result
            on_frames(len(result.records))
        return [results[i] for i in range(len(paths))]
    finally:
        if started:
            ray.shutdown()
