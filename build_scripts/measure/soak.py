"""Soak test: thousands of video-mode frames through the web bundle, memory and latency sampled.

    ./run py -m build_scripts.measure.soak [--frames 10000] [--present 60] [--absent 30]
        [--sample-every 500] [--model-complexity 1] [--hands on|off] [--json out/soak/soak.json]

Issue #9, "Long runs"; method, bounds and the measured long run: docs/soak.md.

- Person present: the 5 PoseTrack frames of ../shared/data/eval/posetrack18/videos/
  000001_mpiinew_test at 640x360, played ping-pong (0 1 2 3 4 3 2 1 ...). Person absent:
  frames with nobody in them, one kind per absent block in turn: an empty patch of the same
  pitch, the clip frame blurred until no body shape is left, uniform noise. Blocks of
  --present and --absent frames alternate, starting with a person; timestamps are 30 fps.
- The frames are decoded once here, served as raw RGBA and turned into ImageData once in
  the page (script-tag build). The page awaits every send (so back-pressure never drops a
  frame) and runs them in chunks, so that Python can sample memory in between.
- Memory, every --sample-every frames and at warm-up and end, each after a forced garbage
  collection in the page and the worker: the tracker's stats() (WebAssembly memories,
  Pyodide's heap, live Python objects, live proxies) and the page's and the worker's JS
  heaps (DevTools protocol Runtime.getHeapUsage: a worker has no performance.memory).
- Latency: the worker's results.timings.total and the page's wall clock per send,
  summarised per window; drift = last window's median / the first post-warm-up window's.
  Reported, never checked (a shared machine).
- Checks (exit status 1 if one fails): every frame answered, no error, no drop; every
  present block after an absent block finds the pose again; no pose on an absent frame; no
  live proxy at the end; growth from the warm-up sample to the last within BOUNDS.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from build_scripts.common import serve
from build_scripts.common.chromium import CHROMIUM
from build_scripts.common.chromium import FLAGS as CHROMIUM_FLAGS
from build_scripts.common.paths import ROOT
from build_scripts.measure.common import CLIP, FPS, PAGES, MeasureError, report_header, to_rgba, write_report
from build_scripts.measure.memory_probe import instrument_worker

SIZE = (640, 360)
N_CLIP = 5  # the PoseTrack frames; images 0..4 of the page, the absent kinds after them
PING_PONG = (0, 1, 2, 3, 4, 3, 2, 1)
ABSENT_KINDS = ("pitch", "blurred", "noise")
CHUNK = 250  # frames per page.evaluate: a few tens of seconds, then Python may sample
WORKER_SCRIPT = "blazepose-holistic.worker.js"
# The names the API and parallelHands give their workers (api.js, worker/helper.js).
TRACKER_WORKER = "blazepose-holistic"
HELPER_WORKER = "blazepose-holistic-helper"
MIB = 2**20
# What the page reports per frame (soak.run), in order.
ROW_FIELDS = ("pose", "hands", "detected", "worker_ms", "wall_ms", "dropped", "error")

# Growth allowed from the warm-up sample to the last one. Each is far above what a healthy
# run shows (docs/soak.md) and far below what a per-frame leak would add over 10 000 frames.
BOUNDS = {
    # WebAssembly memories never shrink, so this is the high-water mark of Pyodide's and
    # onnxruntime's heaps: a leak of 3.4 KB a frame (one small array) exceeds it.
    "wasm_memory_bytes": 32 * MIB,
    # gc.collect()ed Python objects: the same bound as the 300-frame memory test; one
    # object kept per 100 frames exceeds it over the long run.
    "python_objects": 100,
    # JS heaps after a forced GC: one result object (~10 KB with hands) kept per frame
    # exceeds it within 2 000 frames.
    "worker_js_heap_bytes": 16 * MIB,
    # parallelHands' second worker (0 without one): it holds a frame's pixels at a time.
    "helper_js_heap_bytes": 16 * MIB,
    "page_js_heap_bytes": 16 * MIB,
}


class SoakError(MeasureError):
    pass


def log(msg: str) -> None:
    print(f"[soak] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ inputs
def clip_frames() -> list[np.ndarray]:
    from PIL import Image

    paths = sorted(CLIP.glob("*.jpg"))
    if len(paths) != N_CLIP:
        raise SoakError(f"expected the {N_CLIP} PoseTrack frames in {CLIP}, found {len(paths)}")
    frames = []
    for path in paths:
        with Image.open(path) as im:
            frames.append(np.asarray(im.convert("RGB").resize(SIZE, Image.BILINEAR)))
    return frames


def absent_frames(first: np.ndarray) -> dict[str, np.ndarray]:
    """Frames with nobody in them, derived from the clip (same colours, same camera) or not."""
    from PIL import Image, ImageFilter

    im = Image.fromarray(first)
    # The bottom-left corner of the pitch (grass and a touchline, no player), 16:9, enlarged.
    pitch = im.crop((0, 255, 176, 354)).resize(SIZE, Image.BILINEAR)
    # Blurred so far that the players are colour blobs (radius ~ a player's width).
    blurred = im.filter(ImageFilter.GaussianBlur(24))
    noise = np.random.default_rng(0).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    return {"pitch": np.asarray(pitch), "blurred": np.asarray(blurred), "noise": noise}


def write_inputs(directory: Path, url_prefix: str) -> dict:
    """Writes the page and the frames (raw RGBA) into ``directory``, served at ``url_prefix``;
    returns {"page": url, "frames": [{url, width, height}], "absent_kinds": [names]}: frames
    0-4 are the clip, then one per absent kind."""
    directory.mkdir(parents=True, exist_ok=True)
    for page in ("soak.html", "soak.js"):
        shutil.copyfile(PAGES / page, directory / page)
    present = clip_frames()
    absent = absent_frames(present[0])
    records = []
    for name, rgb in [(f"clip{i}", f) for i, f in enumerate(present)] + list(absent.items()):
        (directory / f"{name}.rgba").write_bytes(to_rgba(rgb).tobytes())
        records.append({"url": f"{url_prefix}{name}.rgba", "width": SIZE[0], "height": SIZE[1]})
    return {"page": url_prefix + "soak.html", "frames": records, "absent_kinds": list(absent)}


def schedule(frames: int, present: int, absent: int) -> tuple[list, list]:
    """(image index per frame, blocks [{start, end, present, kind}]): present and absent
    blocks alternate, starting with a person; the clip plays ping-pong across present blocks
    and each absent block shows the next absent kind."""
    images, blocks = [], []
    shown = absent_blocks = 0
    while len(images) < frames:
        start = len(images)
        n = min(present, frames - start)
        for _ in range(n):
            images.append(PING_PONG[shown % len(PING_PONG)])
            shown += 1
        blocks.append({"start": start, "end": start + n, "present": True, "kind": "clip"})
        start = len(images)
        n = min(absent, frames - start)
        if n == 0:
            break
        kind = absent_blocks % len(ABSENT_KINDS)
        images.extend([N_CLIP + kind] * n)
        blocks.append({"start": start, "end": start + n, "present": False, "kind": ABSENT_KINDS[kind]})
        absent_blocks += 1
    return images, blocks


# ------------------------------------------------------------------------------ memory
class WorkerDevTools:
    """A DevTools session on the tracker's worker, through the browser's session (Playwright
    attaches to pages, not to dedicated workers). Replies arrive as events, which Playwright
    delivers only while it waits on something: hence page.wait_for_timeout in call()."""

    def __init__(self, browser, page, name: str = TRACKER_WORKER):
        self.page = page
        self.cdp = browser.new_browser_cdp_session()
        self.replies: dict = {}
        self.next_id = 0
        target = self._find_worker(page, name)
        self.session_id = self.cdp.send("Target.attachToTarget",
                                        {"targetId": target, "flatten": False})["sessionId"]
        self.cdp.on("Target.receivedMessageFromTarget", self._on_message)

    @staticmethod
    def exists(browser, page, name: str) -> bool:
        cdp = browser.new_browser_cdp_session()
        try:
            return any(t["type"] == "worker" and t["title"] == name
                       for t in cdp.send("Target.getTargets")["targetInfos"])
        finally:
            cdp.detach()

    def _find_worker(self, page, name: str) -> str:
        own = page.context.new_cdp_session(page)
        try:
            context_id = own.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
        finally:
            own.detach()
        workers = [t for t in self.cdp.send("Target.getTargets")["targetInfos"]
                   if t["type"] == "worker" and t.get("browserContextId") == context_id
                   and t["url"].split("?")[0].endswith(WORKER_SCRIPT) and t["title"] == name]
        if len(workers) != 1:
            raise SoakError(f"expected one {name!r} worker in the soak page, found {len(workers)}")
        return workers[0]["targetId"]

    def _on_message(self, event: dict) -> None:
        if event.get("sessionId") == self.session_id:
            msg = json.loads(event["message"])
            if "id" in msg:
                self.replies[msg["id"]] = msg

    def call(self, method: str, params: dict | None = None, timeout_s: float = 60.0) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        self.cdp.send("Target.sendMessageToTarget", {
            "sessionId": self.session_id,
            "message": json.dumps({"id": msg_id, "method": method, "params": params or {}})})
        deadline = time.monotonic() + timeout_s
        while msg_id not in self.replies:
            if time.monotonic() > deadline:
                raise SoakError(f"the worker did not answer {method} within {timeout_s:.0f} s")
            self.page.wait_for_timeout(20)
        reply = self.replies.pop(msg_id)
        if "error" in reply:
            raise SoakError(f"worker {method}: {reply['error']}")
        return reply["result"]

    def close(self) -> None:
        self.cdp.send("Target.detachFromTarget", {"sessionId": self.session_id})
        self.cdp.detach()


def sample_memory(page, page_cdp, worker: WorkerDevTools, helper: WorkerDevTools | None,
                  frame: int, t0: float) -> dict:
    """One memory sample; the JS heaps right after a full garbage collection, so samples
    compare live data, not when the collector last ran."""
    page_cdp.send("HeapProfiler.collectGarbage")
    worker.call("HeapProfiler.collectGarbage")
    if helper:
        helper.call("HeapProfiler.collectGarbage")
    stats = page.evaluate("soak.tracker.stats()")  # its Python count follows a gc.collect()
    return {
        "frame": frame,
        "elapsed_s": round(time.monotonic() - t0, 1),
        "tracker_frames": stats["frames"],
        "wasm_memory_bytes": stats["wasmMemoryBytes"],
        "pyodide_heap_bytes": stats["pyodideHeapBytes"],
        "python_objects": stats["pythonObjects"],
        "live_proxies": stats["liveProxies"],
        "worker_js_heap_bytes": worker.call("Runtime.getHeapUsage")["usedSize"],
        "helper_js_heap_bytes": helper.call("Runtime.getHeapUsage")["usedSize"] if helper else 0,
        "page_js_heap_bytes": page_cdp.send("Runtime.getHeapUsage")["usedSize"],
    }


def memory_growth(samples: list, warmup: int) -> dict:
    """Last sample minus the first one taken at or after the warm-up frame."""
    base = next((s for s in samples if s["frame"] >= warmup), None)
    if base is None:  # the run stopped before the warm-up ended
        return {}
    last = samples[-1]
    return {"from_frame": base["frame"], "to_frame": last["frame"],
            **{key: last[key] - base[key] for key in BOUNDS}}


# ------------------------------------------------------------------------------ analysis
def _stats(values) -> dict:
    v = np.asarray([x for x in values if x is not None], np.float64)
    if v.size == 0:
        return {"n": 0}
    return {"n": int(v.size), "mean": round(float(v.mean()), 1),
            "median": round(float(np.median(v)), 1), "p95": round(float(np.percentile(v, 95)), 1)}


def _median(values) -> float | None:
    return _stats(values).get("median")


def latency_windows(per_frame: list, present: list, window: int) -> list:
    """Worker-side and wall-clock ms per window of ``window`` frames; the medians of the
    person-present and -absent frames apart too (different work: tracking + hands vs the
    detector alone), since a window's mix of the two varies."""
    out = []
    for start in range(0, len(per_frame), window):
        rows = per_frame[start:start + window]
        flags = present[start:start + window]
        out.append({
            "start": start, "end": start + len(rows),
            "worker_ms": _stats(r["worker_ms"] for r in rows),
            "wall_ms": _stats(r["wall_ms"] for r in rows),
            "present_worker_median": _median(r["worker_ms"] for r, p in zip(rows, flags) if p),
            "absent_worker_median": _median(r["worker_ms"] for r, p in zip(rows, flags) if not p),
        })
    return out


def latency_drift(windows: list, warmup: int) -> dict:
    """Last window's medians over those of the first window that starts after the warm-up."""
    after = [w for w in windows if w["start"] >= warmup]
    if len(after) < 2:
        return {}
    first, last = after[0], after[-1]

    def ratio(a, b):
        return round(b / a, 3) if a and b else None

    return {"first_window": [first["start"], first["end"]], "last_window": [last["start"], last["end"]],
            "worker_median": ratio(first["worker_ms"].get("median"), last["worker_ms"].get("median")),
            "present_worker_median": ratio(first["present_worker_median"], last["present_worker_median"]),
            "wall_median": ratio(first["wall_ms"].get("median"), last["wall_ms"].get("median"))}


def recoveries(blocks: list, per_frame: list) -> list:
    """For each present block that follows an absent one: frames until the first pose
    (0 = found on the block's first frame), or None when the block never found it."""
    out = []
    for prev, block in zip(blocks, blocks[1:]):
        if block["present"] and not prev["present"] and block["end"] <= len(per_frame):
            hits = [i for i in range(block["start"], block["end"]) if per_frame[i]["pose"]]
            out.append(hits[0] - block["start"] if hits else None)
    return out


def detection_counts(blocks: list, per_frame: list) -> dict:
    """Absent frames with a pose (false positives, per absent kind), present frames without
    one, and how often the detector ran on present frames: once per block when tracking
    holds, more when the track is lost and found again."""
    false_pos = {kind: 0 for kind in ABSENT_KINDS}
    absent = misses = present = hands = detector = 0
    for block in blocks:
        for i in range(block["start"], min(block["end"], len(per_frame))):
            row = per_frame[i]
            if block["present"]:
                present += 1
                misses += not row["pose"]
                hands += row["hands"] > 0
                detector += row["detected"]
            else:
                absent += 1
                false_pos[block["kind"]] += bool(row["pose"])
    return {"present_frames": present, "present_without_pose": misses,
            "present_with_a_hand": hands, "present_detector_runs": detector,
            "present_blocks": sum(b["present"] for b in blocks), "absent_frames": absent,
            "absent_with_pose": sum(false_pos.values()), "absent_with_pose_by_kind": false_pos}


def failures(report: dict) -> list:
    """The checks docs/soak.md documents; an empty list means the run passed."""
    out = []
    done, wanted = report["frames_processed"], report["options"]["frames"]
    if done != wanted:
        out.append(f"only {done} of {wanted} frames answered")
    if report["errors"]:
        out.append(f"{report['error_count']} frames failed, first: {report['errors'][0]}")
    if report["dropped"]:
        out.append(f"{report['dropped']} frames dropped")
    rec = report["recovery"]
    if rec["never_recovered"]:
        out.append(f"{rec['never_recovered']} present blocks never found the pose again")
    if report["detection"]["absent_with_pose"]:
        out.append(f"{report['detection']['absent_with_pose']} absent frames reported a pose")
    if report["memory_samples"] and report["memory_samples"][-1]["live_proxies"]:
        out.append(f"{report['memory_samples'][-1]['live_proxies']} PyProxies alive at the end")
    for key, bound in BOUNDS.items():
        growth = report["memory_growth"].get(key)
        if growth is not None and growth > bound:
            out.append(f"{key} grew by {growth} after warm-up (bound {bound})")
    return out


# ------------------------------------------------------------------------------ the run
def chunk_ends(frames: int, sample_points: set) -> list:
    ends = set(range(CHUNK, frames, CHUNK)) | {p for p in sample_points if 0 < p < frames}
    return sorted(ends | {frames})


def run_soak(browser, base_url: str, inputs: dict, *, frames: int = 10000, present: int = 60,
             absent: int = 30, sample_every: int = 500, warmup: int = 500, window: int = 1000,
             model_complexity: int = 1, hands: bool = True, timeout_s: float = 3 * 3600) -> dict:
    """Runs the soak in a new context of ``browser`` against the bundle served at
    ``base_url``; ``inputs`` is what write_inputs() returned (served by the same server).
    Returns the report (see main); per-frame rows are under "per_frame"."""
    t0 = time.monotonic()
    deadline = t0 + timeout_s
    images, blocks = schedule(frames, present, absent)
    presence = [i < N_CLIP for i in images]
    sample_points = {0, warmup, frames} | set(range(0, frames, sample_every))
    options = {"modelComplexity": model_complexity, "enableHands": hands}
    context = browser.new_context()
    page_errors: list = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto(base_url.rstrip("/") + inputs["page"])
        info = page.evaluate("([frames, options, fps]) => soak.load(frames, options, fps)",
                             [inputs["frames"], options, FPS])
        log(f"tracker ready in {info['loadMs'] / 1000:.1f} s ({info['backend']}); {frames} frames")
        page_cdp = context.new_cdp_session(page)
        worker = WorkerDevTools(browser, page)
        helper = (WorkerDevTools(browser, page, HELPER_WORKER)
                  if WorkerDevTools.exists(browser, page, HELPER_WORKER) else None)
        per_frame: list = []
        samples = [sample_memory(page, page_cdp, worker, helper, 0, t0)]
        timed_out = False
        for end in chunk_ends(frames, sample_points):
            start = len(per_frame)
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                timed_out = True
                break
            page.evaluate("items => soak.start(items)", [[i, images[i]] for i in range(start, end)])
            try:
                page.wait_for_function("soak.done !== null", timeout=remaining_ms, polling=200)
            except Exception as e:  # playwright's TimeoutError
                timed_out = True
                log(f"timed out after {len(per_frame)} frames: {e}")
                break
            for row in page.evaluate("soak.done"):
                per_frame.append(dict(zip(ROW_FIELDS, row)))
            if end in sample_points:
                samples.append(sample_memory(page, page_cdp, worker, helper, end, t0))
                s = samples[-1]
                log(f"frame {end}: wasm {s['wasm_memory_bytes'] / MIB:.1f} MiB, worker JS "
                    f"{s['worker_js_heap_bytes'] / MIB:.1f} MiB, page JS "
                    f"{s['page_js_heap_bytes'] / MIB:.1f} MiB, Python objects {s['python_objects']}, "
                    f"{s['elapsed_s']:.0f} s")
        worker.close()
        if helper:
            helper.close()
        page_cdp.detach()
    finally:
        context.close()

    errors = [{"frame": i, "error": r["error"]} for i, r in enumerate(per_frame) if r["error"]]
    windows = latency_windows(per_frame, presence, window)
    rec = recoveries(blocks, per_frame)
    return {
        "options": {"frames": frames, "present": present, "absent": absent,
                    "sample_every": sample_every, "warmup": warmup, "window": window,
                    "model_complexity": model_complexity, "hands": hands, "fps": FPS,
                    "frame_size": list(SIZE), "absent_kinds": list(ABSENT_KINDS)},
        "browser": {"chromium": browser.version, **info},
        "bounds": BOUNDS,
        "elapsed_s": round(time.monotonic() - t0, 1),
        "timed_out": timed_out,
        "frames_processed": len(per_frame),
        "dropped": sum(r["dropped"] for r in per_frame),
        "error_count": len(errors),
        "errors": errors[:20],
        "page_errors": page_errors,
        "memory_samples": samples,
        "memory_growth": memory_growth(samples, warmup),
        "latency_windows": windows,
        "latency_drift": latency_drift(windows, warmup),
        "recovery": {"blocks": len(rec), "frames_to_pose": rec,
                     "max": max((r for r in rec if r is not None), default=None),
                     "never_recovered": sum(r is None for r in rec)},
        "detection": detection_counts(blocks, per_frame),
        "per_frame": per_frame,
    }


def summary(report: dict) -> str:
    first, last = report["memory_samples"][0], report["memory_samples"][-1]
    growth, det, rec = report["memory_growth"], report["detection"], report["recovery"]

    def mib(key):
        after = f" (after warm-up {growth[key] / MIB:+.1f})" if key in growth else ""
        return f"{first[key] / MIB:.1f} -> {last[key] / MIB:.1f} MiB{after}"

    drift = report["latency_drift"]
    windows = [w for w in report["latency_windows"] if w["start"] >= report["options"]["warmup"]]
    lines = [
        f"frames: {report['frames_processed']} of {report['options']['frames']} in "
        f"{report['elapsed_s']:.0f} s, errors {report['error_count']}, dropped {report['dropped']}",
        f"wasm memory: {mib('wasm_memory_bytes')}",
        f"worker JS heap: {mib('worker_js_heap_bytes')}",
        f"page JS heap: {mib('page_js_heap_bytes')}",
        f"Python objects: {first['python_objects']} -> {last['python_objects']} "
        f"(after warm-up {growth.get('python_objects')}), live proxies {last['live_proxies']}",
        f"recoveries: {rec['blocks']} present blocks after an absent one, frames to pose: max "
        f"{rec['max']}, never recovered {rec['never_recovered']}",
        f"absent frames with a pose: {det['absent_with_pose']} of {det['absent_frames']} "
        f"{det['absent_with_pose_by_kind']}; present frames without: {det['present_without_pose']} "
        f"of {det['present_frames']}; detector runs on present frames: "
        f"{det['present_detector_runs']} in {det['present_blocks']} blocks",
    ]
    if windows:
        lines.append(f"worker ms median: first window {windows[0]['worker_ms'].get('median')}, "
                     f"last {windows[-1]['worker_ms'].get('median')}, drift "
                     f"{drift.get('worker_median')} (present frames "
                     f"{drift.get('present_worker_median')}, wall {drift.get('wall_median')})")
    return "\n".join(lines)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--present", type=int, default=60, help="frames per person-present block")
    ap.add_argument("--absent", type=int, default=30, help="frames per person-absent block")
    ap.add_argument("--sample-every", type=int, default=500, help="memory sample period (frames)")
    ap.add_argument("--warmup", type=int, default=500,
                    help="frames before the memory baseline and the first latency window counted")
    ap.add_argument("--window", type=int, default=1000, help="latency window (frames)")
    ap.add_argument("--model-complexity", type=int, choices=(0, 1, 2), default=1)
    ap.add_argument("--hands", choices=("on", "off"), default="on")
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "soak" / "soak.json")
    ap.add_argument("--timeout", type=float, default=3 * 3600,
                    help="seconds the whole run may take; frames not sent by then count as missing")
    args = ap.parse_args(argv)
    if min(args.frames, args.present, args.sample_every, args.window) < 1 or args.absent < 0:
        ap.error("--frames, --present, --sample-every and --window must be positive, --absent >= 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from playwright.sync_api import sync_playwright

    dist = ROOT / "web" / "dist"
    if not (dist / "blazepose-holistic.js").is_file():
        print(f"soak: {dist} is not built: run `./run web`", file=sys.stderr)
        return 1
    report: dict = report_header("build_scripts.measure.soak", argv)
    with tempfile.TemporaryDirectory(prefix="bph-soak-") as tmp:
        try:
            inputs = write_inputs(Path(tmp), "/soak/")
        except SoakError as e:
            print(f"soak: {e}", file=sys.stderr)
            return 1
        served = Path(tmp) / "served"
        served.mkdir()
        # The worker behind the memory probe: wasm memory counts onnxruntime-web's heap too.
        with serve.serving(served, mounts={"/soak/": Path(tmp)}) as url, sync_playwright() as p:
            instrument_worker(dist, served, url)
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                        headless=True)
            try:
                report.update(run_soak(
                    browser, url, inputs, frames=args.frames, present=args.present,
                    absent=args.absent, sample_every=args.sample_every, warmup=args.warmup,
                    window=args.window, model_complexity=args.model_complexity,
                    hands=args.hands == "on", timeout_s=args.timeout))
            finally:
                browser.close()
    report["failures"] = failures(report)
    report.pop("per_frame")  # 10 000 rows: the windows, samples and counts summarise them
    write_report(args.json, report)
    log(f"wrote {args.json}")
    print(summary(report))
    for failure in report["failures"]:
        print(f"FAILED: {failure}")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
