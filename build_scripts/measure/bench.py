"""Headless browser benchmark: ours against MediaPipe Tasks (the strongest peer, on the CPU),
the legacy MediaPipe Holistic web solution and native onnxruntime, on the same frames.

    python -m build_scripts.measure.bench --frames DIR_OR_VIDEO [...] --model full --json out.json

(run it with the test environment: ``./run py -m build_scripts.measure.bench ...``; see
docs/benchmark.md.)

- Systems, in two rows of comparable work (``SYSTEMS``):
  holistic: ours (pose + hands + body-model lifter), MediaPipe Tasks HolisticLandmarker
  (delegate CPU; pose + hands + a face mesh it cannot turn off), the legacy
  @mediapipe/holistic with ``useCpuInference`` (CPU; also a face mesh), the same legacy
  solution on its default WebGL path (a variant: without a GPU that is SwiftShader), and
  native onnxruntime (ours in CPython); pose only: ours with hands and body model off,
  MediaPipe Tasks PoseLandmarker (CPU), native onnxruntime pose only.
- Frames are decoded once, here (PIL / PyAV, as the CLI does), turned into RGBA and written
  as raw files the pages fetch: every browser system gets byte-identical pixels; the native
  runs get the same arrays. ``--count N`` cycles the inputs to N frames.
- One server on 127.0.0.1 serves: /ours/ (our web build, built into the work directory by
  build_scripts/bundle/web.py), /mediapipe/ (the pinned @mediapipe/holistic files, loaded
  through ``locateFile``), /tasks-vision/ (the pinned @mediapipe/tasks-vision bundle and its
  wasm folder), /tasks-models/ (.task bundles made from the legacy package's models by
  tasks_bundles.py) and /bench/ (the page, build_scripts/measure/pages/bench.html and
  bench_page.js, and the frames).
- Nothing leaves the machine: Chromium resolves no host name (``--host-resolver-rules``), so a
  request to another origin (MediaPipe Tasks posts telemetry to a Google endpoint) fails
  before any connection; every such request is recorded in the JSON with the system that
  made it. (Playwright's route() would also block them, but routing turns off the HTTP
  cache, which the warm-start numbers rely on.)
- Headless Chromium (Debian's /usr/bin/chromium through Playwright, fresh profile). Per
  mode, each browser system runs in its own page; frame i goes through every system in
  turn, the order flipping every frame, so load from other jobs on the machine hits all of
  them. Latency is send() -> result on the page's main thread.
- Video mode: tracking, smoothing, 30 fps timestamps given to every system. Image mode:
  ours with staticImageMode, MediaPipe Tasks with runningMode IMAGE (detector every frame);
  the legacy solution has no static image mode, and its reset() restarts the whole graph
  (tens of seconds here), so it is not run in image mode.
- Cold start: a fresh browser context (empty HTTP cache), page load to first result. Warm
  start: a new page in the same context (HTTP cache and compiled-code caches warm).

Writes JSON (``--json``), prints a table, optionally plots per-frame latency (``--plot
x.png``, PIL). The headline is ours / MediaPipe Tasks CPU, holistic and pose only.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common import serve
from build_scripts.common.chromium import CHROMIUM
from build_scripts.common.chromium import FLAGS as CHROMIUM_FLAGS
from build_scripts.common.paths import MEDIAPIPE_PACKAGE, ROOT, WEB, sha256_file
from build_scripts.measure import bench_stats, tasks_bundles
from build_scripts.measure.common import FPS, PAGES, MeasureError, load_frames, report_header, write_report

MEDIAPIPE_FILES = (
    "holistic.js", "holistic.binarypb", "holistic_solution_packed_assets_loader.js",
    "holistic_solution_packed_assets.data", "holistic_solution_simd_wasm_bin.js",
    "holistic_solution_simd_wasm_bin.wasm", "holistic_solution_wasm_bin.js",
    "holistic_solution_wasm_bin.wasm", "holistic_solution_simd_wasm_bin.data",
    "pose_landmark_lite.tflite", "pose_landmark_full.tflite", "pose_landmark_heavy.tflite",
)
TASKS_PACKAGE = WEB / "node_modules" / "@mediapipe" / "tasks-vision"
# forVisionTasks() picks the SIMD or the no-SIMD build by feature detection.
TASKS_FILES = ("package.json", "vision_bundle.mjs", "wasm/vision_wasm_internal.js",
               "wasm/vision_wasm_internal.wasm", "wasm/vision_wasm_nosimd_internal.js",
               "wasm/vision_wasm_nosimd_internal.wasm")

# Every system the bench knows. row: the systems compared with each other do comparable work
# (holistic: pose + both hands; pose_only: the body alone); driver: which part of
# bench_page.js runs it ("native": this process). Labels say what each one runs.
SYSTEMS = {
    "ours": {"row": "holistic", "driver": "ours",
             "label": "ours, browser (Pyodide worker; --backend, default litert: MediaPipe's "
                      "networks on LiteRT.js XNNPACK wasm, crops and lifter on onnxruntime-web)"},
    "ours_ort": {"row": "holistic", "driver": "ours", "backend": "wasm",
                 "label": "variant: ours, browser, every model on onnxruntime-web WASM "
                          "(backend wasm, the default before LiteRT.js)"},
    "ours_one_worker": {"row": "holistic", "driver": "ours", "parallel_hands": False,
                        "label": "variant: ours, browser, both hands in the tracker's worker "
                                 "(parallelHands false, the default before the second worker)"},
    "tasks_holistic": {"row": "holistic", "driver": "tasks", "task": "holistic_landmarker",
                       "label": "MediaPipe Tasks HolisticLandmarker, delegate CPU (XNNPACK "
                                "wasm), main thread; includes its face mesh"},
    "mediapipe_cpu": {"row": "holistic", "driver": "mediapipe", "useCpuInference": True,
                      "label": "legacy @mediapipe/holistic, useCpuInference: true (models on "
                               "the CPU in its wasm); includes its face mesh"},
    "mediapipe_webgl": {"row": "holistic", "driver": "mediapipe", "useCpuInference": False,
                        "label": "variant: legacy @mediapipe/holistic, default WebGL inference "
                                 "(SwiftShader, a CPU emulation, on a machine without a GPU); "
                                 "includes its face mesh"},
    "native": {"row": "holistic", "driver": "native",
               "label": "ours, native onnxruntime (CPython), the floor"},
    "baseline": {"row": "holistic", "driver": "ours",
                 "label": "another build of ours (--baseline), same options as ours"},
    "ours_recovery": {"row": "holistic", "driver": "ours", "hand_recovery": True,
                      "label": "variant: ours, browser, with enableHandRecovery (issue #17)"},
    "native_recovery": {"row": "holistic", "driver": "native", "hand_recovery": True,
                        "label": "variant: ours, native onnxruntime, with enable_hand_recovery"},
    "ours_pose": {"row": "pose_only", "driver": "ours",
                  "label": "ours, browser, hands and body model off"},
    "tasks_pose": {"row": "pose_only", "driver": "tasks", "task": "pose_landmarker",
                   "label": "MediaPipe Tasks PoseLandmarker, delegate CPU (XNNPACK wasm), "
                            "main thread"},
    "native_pose": {"row": "pose_only", "driver": "native",
                    "label": "ours, native onnxruntime, hands and body model off"},
}
DEFAULT_SYSTEMS = ("ours", "tasks_holistic", "mediapipe_cpu", "mediapipe_webgl", "native",
                   "ours_pose", "tasks_pose", "native_pose")
# The legacy solution has no static image mode (see the module docstring).
NO_IMAGE_MODE = {"mediapipe_cpu", "mediapipe_webgl"}
# (numerator, denominator) of the latency and CPU-time ratios, per mode.
RATIO_PAIRS = (("ours", "tasks_holistic"), ("ours_pose", "tasks_pose"),
               ("ours", "mediapipe_cpu"), ("ours", "mediapipe_webgl"),
               ("tasks_holistic", "mediapipe_cpu"), ("ours", "native"),
               ("ours_pose", "native_pose"), ("tasks_pose", "native_pose"),
               ("ours", "baseline"), ("ours", "ours_ort"), ("ours_ort", "tasks_holistic"),
               ("ours", "ours_one_worker"), ("ours_one_worker", "tasks_holistic"),
               ("ours_recovery", "ours"), ("native_recovery", "native"))
# (system, reference) for landmark agreement; the reference's torso is the unit.
AGREEMENT_PAIRS = (("ours", "tasks_holistic"), ("ours_pose", "tasks_pose"),
                   ("ours", "mediapipe_cpu"), ("ours", "mediapipe_webgl"),
                   ("tasks_holistic", "mediapipe_cpu"), ("mediapipe_webgl", "mediapipe_cpu"),
                   ("ours", "native"), ("ours_pose", "native_pose"), ("ours", "baseline"),
                   ("ours_ort", "native"), ("ours_recovery", "native_recovery"),
                   ("ours_one_worker", "native"))
# Chromium resolves no host name, so a request to another origin fails before it leaves
# the machine (IP literals are not used by any system here).
BLOCK_OTHER_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


class BenchError(MeasureError):
    pass


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- frames
def write_frames(bench_dir: Path, unique: list, sequence: list, sources: list) -> list:
    frames_dir = bench_dir / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    for old in frames_dir.glob("*.rgba"):
        old.unlink()
    for k, rgba in enumerate(unique):
        (frames_dir / f"{k:05d}.rgba").write_bytes(rgba.tobytes())
    index = [
        {"file": f"{k:05d}.rgba", "width": int(unique[k].shape[1]),
         "height": int(unique[k].shape[0]), "timestamp": i / FPS, "source": sources[k]}
        for i, k in enumerate(sequence)
    ]
    (frames_dir / "index.json").write_text(json.dumps({"frames": index}))
    return index


# --------------------------------------------------------------------------- assets
def copy_if_changed(src: Path, dst: Path) -> None:
    if dst.is_file() and dst.stat().st_size == src.stat().st_size \
            and dst.stat().st_mtime >= src.stat().st_mtime:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def copy_package_files(package: Path, names, out: Path) -> Path:
    """The named files of an installed npm package, copied into ``out`` (served from there)."""
    for name in names:
        src = package / name
        if not src.is_file():
            raise BenchError(f"{src} is missing: install the npm packages (./run web)")
        copy_if_changed(src, out / name)
    return out


def prepare_mediapipe(workdir: Path) -> Path:
    return copy_package_files(MEDIAPIPE_PACKAGE, MEDIAPIPE_FILES, workdir / "mediapipe")


def prepare_tasks(workdir: Path, model: str) -> tuple:
    """(/tasks-vision/ root, /tasks-models/ root, info): the pinned package's files and the
    .task bundles (built once per content hash, tasks_bundles.py)."""
    vision = copy_package_files(TASKS_PACKAGE, TASKS_FILES, workdir / "tasks-vision")
    try:
        bundles = tasks_bundles.build(model)
    except (tasks_bundles.BundleError, RuntimeError) as e:
        raise BenchError(f"MediaPipe Tasks bundles: {e}") from e
    models = workdir / "tasks-models"
    for path in bundles.values():
        copy_if_changed(path, models / path.name)
    version = json.loads((TASKS_PACKAGE / "package.json").read_text())["version"]
    info = {"package": f"@mediapipe/tasks-vision@{version}",
            "bundles": {k: {"file": p.name, "bytes": p.stat().st_size,
                            "sha256": sha256_file(p)} for k, p in bundles.items()},
            "bundle_recipe": "build_scripts/measure/tasks_bundles.py: the models of "
                             "@mediapipe/holistic with TFLite input-normalisation metadata"}
    return vision, models, info


def prepare_ours(workdir: Path, dist: Path | None) -> Path:
    if dist is not None:
        if not (dist / "blazepose-holistic.js").is_file():
            raise BenchError(f"{dist} holds no web build (blazepose-holistic.js)")
        return dist
    from build_scripts.bundle import web as build_web

    out = workdir / "ours"
    log(f"building our web bundle into {out}")
    try:
        build_web.build(out)
    except build_web.BuildError as e:
        raise BenchError(f"web build failed: {e}") from e
    return out


def prepare_page(workdir: Path) -> Path:
    bench_dir = workdir / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGES / "bench.html", bench_dir / "index.html")
    shutil.copyfile(PAGES / "bench_page.js", bench_dir / "bench_page.js")
    return bench_dir


# --------------------------------------------------------------------------- browser
class BrowserRun:
    """One Chromium; pages per system and mode; alternating frame loop."""

    def __init__(self, base: str, args, flags: list):
        from playwright.sync_api import sync_playwright

        self.base = base
        self.args = args
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=args.chromium, headless=True, args=flags)
        self.version = self.browser.version
        # CPU time of every browser process (renderers with their workers, the GPU process
        # where SwiftShader runs MediaPipe's WebGL): a load-robust cost next to latency.
        self._cdp = self.browser.new_browser_cdp_session()
        # Requests to other origins: what each system tried, and how it ended (never
        # answered: see BLOCK_OTHER_HOSTS).
        self.external: list = []
        self._external_by_request: dict = {}
        self._page_tags: dict = {}
        self.console: list = []
        self.context = None

    def new_context(self):
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context()
        self.context.set_default_timeout(self.args.timeout * 1000)
        self.context.on("request", self._on_request)
        self.context.on("requestfailed", lambda r: self._outcome(r, "failed"))
        self.context.on("response", lambda r: self._outcome(r.request, "answered",
                                                            status=r.status))
        return self.context

    @staticmethod
    def is_local(url: str) -> bool:
        return url.startswith(("http://127.0.0.1:", "data:", "blob:"))

    def _on_request(self, request) -> None:
        if self.is_local(request.url):
            return
        try:  # a worker's or a service worker's request may have no frame
            tag = self._page_tags.get(request.frame.page, "?")
        except Exception:  # noqa: BLE001 (playwright.Error, varies by version)
            tag = "?"
        entry = {"system": tag, "url": request.url, "method": request.method,
                 "resource_type": request.resource_type, "outcome": "pending"}
        self.external.append(entry)
        self._external_by_request[request] = entry

    def _outcome(self, request, outcome: str, status: int | None = None) -> None:
        entry = self._external_by_request.get(request)
        if entry is None:
            return
        entry["outcome"] = outcome
        if status is not None:
            entry["status"] = status
        if outcome == "failed":
            entry["failure"] = request.failure

    def open(self, system: str, mode: str, cfg: dict):
        page = self.context.new_page()
        tag = f"{system}/{mode}"
        self._page_tags[page] = tag
        page.on("console", lambda m: self.console.append(f"{tag}: {m.text[:300]}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.console.append(f"{tag}: pageerror {e}"))
        config = dict(cfg, system=system, mode=mode)
        before = self.cpu_times()
        page.goto(f"{self.base}/bench/index.html#" + urllib.parse.quote(json.dumps(config)))
        try:
            start = page.evaluate("() => bench.start")
        except Exception as e:  # playwright.Error: the page's exception text
            raise BenchError(f"{tag} failed to start: {e}\n" + "\n".join(self.console[-10:])) \
                from e
        start["cold"]["cpu_ms"] = round(self.cpu_ms(before, self.cpu_times()), 1)
        return page, start

    def cpu_times(self) -> dict:
        info = self._cdp.send("SystemInfo.getProcessInfo")["processInfo"]
        return {(p["type"], p["id"]): float(p["cpuTime"]) for p in info}

    @staticmethod
    def cpu_ms(before: dict, after: dict) -> float:
        """CPU milliseconds all browser processes used between two ``cpu_times`` (a
        process that started in between counts whole; one that ended is dropped)."""
        return 1e3 * sum(t - before.get(k, 0.0) for k, t in after.items())

    def gpu_adapter(self) -> bool:
        page = self.context.new_page()
        page.goto(f"{self.base}/bench/index.html#" + urllib.parse.quote(json.dumps(
            {"system": "none"})))
        ok = page.evaluate(
            "async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())")
        page.close()
        return ok

    def close(self) -> None:
        try:
            if self.context is not None:
                self.context.close()
            self.browser.close()
        finally:
            self._pw.stop()


def frame_loop(runners: dict, n: int, first: dict, progress: str) -> dict:
    """Frames 1..n-1 through every system (``runners``: name -> frame(i) -> record),
    alternating which goes first, so a busy phase of the shared machine hits all."""
    records = {name: [first[name]] for name in runners}
    names = list(runners)
    t0 = time.time()
    for i in range(1, n):
        order = names if i % 2 else names[::-1]
        for name in order:
            records[name].append(runners[name](i))
        if i % 10 == 0 or i == n - 1:
            per = ", ".join(f"{k} {records[k][-1]['ms']:.0f} ms" for k in names)
            log(f"{progress}: frame {i + 1}/{n} ({per}; {time.time() - t0:.0f} s)")
    return records


def system_config(name: str, args, tasks_models: dict | None = None) -> dict:
    """What the page (or the native tracker) of ``name`` runs with: the shared options plus
    the system's own (ours_pose: hands and body model off; the legacy solution: CPU or
    WebGL inference; MediaPipe Tasks: which .task bundle)."""
    spec = SYSTEMS[name]
    hands = args.hands == "on"
    body = {"on": True, "off": False, "auto": None}[args.body_model]
    if spec["row"] == "pose_only":
        hands, body = False, False
    cfg = {"driver": spec["driver"], "modelComplexity": COMPLEXITIES.index(args.model)}
    if spec["driver"] in ("ours", "native"):
        cfg.update(hands=hands, bodyModel=body, threads=args.threads,
                   handRecovery=spec.get("hand_recovery", False))
    if spec["driver"] == "ours":
        cfg["backend"] = spec.get("backend", args.backend)
        cfg["parallelHands"] = spec.get("parallel_hands", "auto")
    if "useCpuInference" in spec:
        cfg["useCpuInference"] = spec["useCpuInference"]
    if "task" in spec:  # the bundle carries the pose model of --model
        cfg["task"] = spec["task"].split("_")[0]
        cfg["taskUrl"] = "../tasks-models/" + (tasks_models or {})[spec["task"]]["file"]
    return cfg


def summarise_run(records: list, warmup: int, with_stages: bool) -> dict:
    ms = [r["ms"] for r in records]
    run = {"latency": bench_stats.latency_summary(ms, warmup),
           "per_frame_ms": [round(v, 2) for v in ms]}
    cpu = [r["cpu_ms"] for r in records[warmup:] if r.get("cpu_ms") is not None]
    if cpu:
        run["cpu"] = bench_stats.cpu_summary(cpu, ms[warmup:])
    if with_stages:
        run["stages"] = bench_stats.stage_summary(records, warmup)
    detector = sum(1 for r in records if r.get("stages") and "detector" in r["stages"])
    if with_stages:
        run["detector_frames"] = detector
    run["pose_found_frames"] = sum(1 for r in records if r.get("pose"))
    run["hands_found"] = sum(bool(r.get("left")) + bool(r.get("right")) for r in records)
    return run


def browser_frame(run: BrowserRun, page):
    """frame(i) for a page; ``cpu_ms``: CPU time of all browser processes meanwhile."""
    def frame(i: int) -> dict:
        before = run.cpu_times()
        rec = page.evaluate("(i) => bench.frame(i)", i)
        rec["cpu_ms"] = run.cpu_ms(before, run.cpu_times())
        return rec
    return frame


class NativeSystem:
    """``HolisticTracker`` (CPython + onnxruntime, the same ONNX models and options) on the
    same RGBA arrays, in this process; ``cpu_ms`` is this process's CPU time."""

    def __init__(self, args, cfg: dict, unique: list, sequence: list):
        from blazepose_holistic.model_store import ModelStore

        self.args, self.unique, self.sequence = args, unique, sequence
        self.hands, self.recovery = cfg["hands"], cfg["handRecovery"]
        body = cfg["bodyModel"]
        self.body = ("lifter" in ModelStore().models) if body is None else body
        self.tracker = None

    def start(self, mode: str) -> tuple:
        from blazepose_holistic.tracker import HolisticTracker

        if self.tracker is not None:
            self.tracker.close()
        t0 = time.perf_counter()
        self.tracker = HolisticTracker(
            model_complexity=COMPLEXITIES.index(self.args.model), static_image_mode=(mode == "image"),
            enable_hands=self.hands, enable_body_model=self.body,
            enable_hand_recovery=self.recovery, threads=self.args.threads)
        init_ms = (time.perf_counter() - t0) * 1e3
        first = self.frame(0)
        cold = {"cold_start_ms": round((time.perf_counter() - t0) * 1e3, 1),
                "init_ms": round(init_ms, 1), "first_frame_ms": round(first["ms"], 1),
                "about": "onnxruntime sessions created + first frame", "options_mode": mode}
        return first, cold

    def frame(self, i: int) -> dict:
        t1, c1 = time.perf_counter(), time.process_time()
        r = self.tracker.process(self.unique[self.sequence[i]], timestamp=i / FPS)
        ms = (time.perf_counter() - t1) * 1e3

        def xy(a):
            return None if a is None else np.asarray(a)[:, :2].ravel().tolist()

        return {"ms": ms, "cpu_ms": (time.process_time() - c1) * 1e3,
                "pose": xy(r.pose_landmarks), "left": xy(r.left_hand_landmarks),
                "right": xy(r.right_hand_landmarks), "stages": dict(r.timings_ms)}

    def close(self) -> None:
        if self.tracker is not None:
            self.tracker.close()


def run_systems(args, base, systems: list, natives: dict, configs: dict, modes: list,
                n: int, report: dict) -> dict:
    """Every mode: start each system (cold, then warm for later modes), then the frames
    through all of them, interleaved. Returns {mode: {system: [records]}}."""
    records: dict = {}
    run = None
    browser_systems = [s for s in systems if s not in natives]
    if browser_systems:
        flags = CHROMIUM_FLAGS[:] if not args.browser_gpu else \
            [f for f in CHROMIUM_FLAGS if f != "--disable-gpu"]
        flags += [BLOCK_OTHER_HOSTS] + (args.chromium_flag or [])
        run = BrowserRun(base, args, flags)
        report["machine"]["chromium"] = run.version
        report["config"]["chromium_flags"] = flags
    try:
        if run is not None:
            run.new_context()
            ours_like = [s for s in browser_systems if SYSTEMS[s]["driver"] == "ours"]
            if args.backend == "webgpu" and ours_like and not run.gpu_adapter():
                report["notes"].append(
                    "backend webgpu: this browser has no WebGPU adapter (no GPU, or WebGPU "
                    "off in headless Chromium); ours was not run")
                for s in ours_like:
                    report["systems"][s]["skipped"] = "no WebGPU adapter"
                browser_systems = [s for s in browser_systems if s not in ours_like]
        cold_done = set()
        for m, mode in enumerate(modes):
            if mode == "image":
                for s in browser_systems:
                    if s in NO_IMAGE_MODE:
                        report["systems"][s]["image"] = {
                            "skipped": "the legacy MediaPipe solution has no static image "
                                       "mode; reset() restarts its whole graph (20-35 s a "
                                       "frame here)"}
            mode_systems = [s for s in browser_systems
                            if not (mode == "image" and s in NO_IMAGE_MODE)]
            runners, first, pages = {}, {}, []
            for s, native in natives.items():
                first[s], cold = native.start(mode)
                entry = report["systems"][s]
                entry.setdefault("cold_start", cold)
                entry.setdefault("info", {"threads": args.threads, "hands": native.hands,
                                          "body_model": native.body})
                runners[s] = native.frame
            for s in mode_systems:
                log(f"{s}, {mode} mode: loading ({'warm' if s in cold_done else 'cold'} cache)")
                page, start = run.open(s, mode, configs[s])
                pages.append(page)
                runners[s], first[s] = browser_frame(run, page), start["first"]
                entry = report["systems"][s]
                key = "warm_start" if s in cold_done else "cold_start"
                entry[key] = dict(start["cold"], options_mode=mode)
                if start.get("info") is not None:
                    entry.setdefault("info", start["info"])
                if start.get("notes"):
                    report["notes"].extend(f"{s}: {x}" for x in start["notes"])
                cold_done.add(s)
                log(f"{s}: first result {start['cold']['cold_start_ms'] / 1e3:.1f} s after "
                    f"loading began (first frame {start['first']['ms']:.0f} ms)")
            if not runners:
                continue
            records[mode] = frame_loop(runners, n, first, f"{mode} mode")
            for page in pages:
                page.close()
            if m == len(modes) - 1 and not args.no_warm:
                # Warm start for browser systems that had no second page load yet.
                for s in browser_systems:
                    if "warm_start" in report["systems"][s]:
                        continue
                    log(f"{s}: warm start ({modes[0]} mode options)")
                    page, start = run.open(s, modes[0], configs[s])
                    report["systems"][s]["warm_start"] = dict(start["cold"],
                                                              options_mode=modes[0])
                    page.close()
    finally:
        for native in natives.values():
            native.close()
        if run is not None:
            # Let a request that was just sent report how it ended before the summary.
            time.sleep(0.5)
            report["external_requests"] = run.external
            report["external_requests_answered"] = [
                e for e in run.external if e["outcome"] == "answered"]
            report["browser_console"] = run.console[-50:]
            run.close()
    return records


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", nargs="+", required=True,
                    help="frame directories, videos or images (their frames in order)")
    ap.add_argument("--count", type=int, default=0,
                    help="cycle/truncate the frames to this many (default: all, once)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="hold every input frame for this many frames (stills: both "
                         "trackers settle on each photo; agreement then skips the first "
                         "frame of each still, where tracking from the previous one differs)")
    ap.add_argument("--warmup", type=int, default=5,
                    help="frames left out of the latency statistics (default 5)")
    ap.add_argument("--model", choices=COMPLEXITIES, default="full",
                    help="pose landmark model of every system (MediaPipe Tasks: the bundle "
                         "is built with that model)")
    ap.add_argument("--hands", choices=("on", "off"), default="on",
                    help="ours and native in the holistic row (the MediaPipe peers always "
                         "run their hands)")
    ap.add_argument("--body-model", choices=("auto", "on", "off"), default="auto",
                    help="our lifter in the holistic row (MediaPipe has none); auto: on when "
                         "the build has it")
    ap.add_argument("--threads", type=int, choices=(1, 2), default=1,
                    help="onnxruntime threads (2 serves the pages cross-origin isolated)")
    ap.add_argument("--backend", choices=("litert", "wasm", "webgpu"), default="litert",
                    help="ours' backend (ours_ort always runs wasm)")
    ap.add_argument("--modes", default="video,image",
                    help="comma list of video (tracking) and image (detect every frame)")
    ap.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                    help="comma list of " + ", ".join(s for s in SYSTEMS if s != "baseline")
                         + " ('mediapipe' means mediapipe_webgl, as before)")
    ap.add_argument("--json", type=Path, help="write the report here")
    ap.add_argument("--plot", type=Path, help="per-frame latency plot (PNG)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "out" / "bench",
                    help="bench files: our build, MediaPipe's files, frames (not committed)")
    ap.add_argument("--ours-dist", type=Path,
                    help="use this existing web build instead of building one")
    ap.add_argument("--baseline", type=Path,
                    help="another web build of ours (e.g. before a change), run as system "
                         "'baseline' beside the others, frames interleaved: before/after "
                         "numbers under the same conditions")
    ap.add_argument("--chromium", default=CHROMIUM)
    ap.add_argument("--chromium-flag", action="append",
                    help="extra Chromium flag (repeatable)")
    ap.add_argument("--browser-gpu", action="store_true",
                    help="let Chromium use a GPU (drops --disable-gpu); for machines with one")
    ap.add_argument("--no-warm", action="store_true", help="skip the warm-start page load")
    ap.add_argument("--landmarks", action="store_true",
                    help="also store every frame's landmarks of every system in the JSON")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds for any one page step (default 900)")
    args = ap.parse_args(argv)
    args.modes = [m for m in args.modes.split(",") if m]
    args.systems = [{"mediapipe": "mediapipe_webgl"}.get(s, s)
                    for s in args.systems.split(",") if s]
    for m in args.modes:
        if m not in ("video", "image"):
            ap.error(f"unknown mode {m!r}")
    for s in args.systems:
        if s not in SYSTEMS or s == "baseline":
            ap.error(f"unknown system {s!r}")
    if args.baseline:
        args.systems.append("baseline")
    return args


def _ratios(report: dict, recs: dict, mode: str, warmup: int) -> dict:
    med = {s: report["systems"][s][mode]["latency"].get("median_ms") for s in recs}
    cpu = {s: (report["systems"][s][mode].get("cpu") or {}).get("mean_ms") for s in recs}
    ratios = {}
    for a, b in RATIO_PAIRS:
        if med.get(a) and med.get(b):
            ratios[f"{a}_over_{b}"] = round(med[a] / med[b], 4)
            ratios[f"{a}_over_{b}_paired"] = bench_stats.paired_ratio(
                [r["ms"] for r in recs[a]], [r["ms"] for r in recs[b]], warmup)
        if cpu.get(a) and cpu.get(b):
            ratios[f"cpu_{a}_over_{b}"] = round(cpu[a] / cpu[b], 4)
    return ratios


def bench(args) -> dict:
    t_start = time.time()
    report: dict = {
        **report_header("build_scripts.measure.bench"),
        "config": {"model": args.model, "hands": args.hands, "body_model": args.body_model,
                   "repeat": args.repeat, "systems": args.systems,
                   "threads": args.threads, "backend": args.backend, "modes": args.modes,
                   "warmup": args.warmup},
        "notes": [],
        "rows": {row: [s for s in args.systems if SYSTEMS[s]["row"] == row]
                 for row in ("holistic", "pose_only")},
        "systems": {},
    }
    unique, sequence, sources = load_frames(args.frames, args.count, args.repeat)
    n = len(sequence)
    if n <= args.warmup:
        raise BenchError(f"{n} frames but --warmup {args.warmup}: nothing left to time")
    report["frames"] = {"inputs": [str(p) for p in args.frames], "count": n,
                        "unique": len(unique),
                        "sizes": sorted({f"{u.shape[1]}x{u.shape[0]}" for u in unique}),
                        "fps_timestamps": FPS}
    sizes = [(unique[k].shape[1], unique[k].shape[0]) for k in sequence]
    log(f"{n} frames ({len(unique)} unique, {', '.join(report['frames']['sizes'])})")

    # Browser systems first, as before: the order only decides who goes first on frame 1.
    systems = sorted(args.systems, key=lambda s: SYSTEMS[s]["driver"] == "native")
    browser = [s for s in systems if SYSTEMS[s]["driver"] != "native"]
    server = base = None
    tasks_info = None
    workdir = args.workdir.resolve()
    if any(SYSTEMS[s]["driver"] == "tasks" for s in systems):
        tasks_vision, tasks_models, tasks_info = prepare_tasks(workdir, args.model)
    configs = {s: system_config(s, args, (tasks_info or {}).get("bundles")) for s in systems}
    for s in systems:
        report["systems"][s] = {"label": SYSTEMS[s]["label"], "row": SYSTEMS[s]["row"],
                                "options": {k: v for k, v in configs[s].items()
                                            if k not in ("driver", "taskUrl")}}
        if SYSTEMS[s]["driver"] == "tasks":
            report["systems"][s]["tasks"] = {
                "package": tasks_info["package"],
                "bundle": tasks_info["bundles"][SYSTEMS[s]["task"]],
                "bundle_recipe": tasks_info["bundle_recipe"]}
    natives = {s: NativeSystem(args, configs[s], unique, sequence)
               for s in systems if SYSTEMS[s]["driver"] == "native"}
    if browser:
        roots = {"/bench/": prepare_page(workdir)}
        write_frames(roots["/bench/"], unique, sequence, sources)
        if any(SYSTEMS[s]["driver"] == "mediapipe" for s in browser):
            roots["/mediapipe/"] = prepare_mediapipe(workdir)
        if tasks_info is not None:
            roots["/tasks-vision/"], roots["/tasks-models/"] = tasks_vision, tasks_models
        if any(SYSTEMS[s]["driver"] == "ours" for s in browser):
            roots["/ours/"] = prepare_ours(workdir, args.ours_dist)
        if args.baseline:
            roots["/baseline/"] = prepare_ours(workdir, args.baseline.resolve())
        server, base = serve.start(roots["/bench/"], isolate=args.threads > 1, mounts=roots)
        base = base.rstrip("/")
        report["config"]["cross_origin_isolated"] = args.threads > 1
    try:
        records = run_systems(args, base, systems, natives, configs, args.modes, n, report)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    for mode, recs in records.items():
        for s, r in recs.items():
            report["systems"][s][mode] = summarise_run(r, args.warmup,
                                                       SYSTEMS[s]["driver"] in ("ours", "native"))
    if args.landmarks:
        report["landmarks"] = {
            mode: {s: [{k: r.get(k) for k in ("pose", "left", "right")} for r in recs[s]]
                   for s in recs}
            for mode, recs in records.items()}

    # Agreement: with --repeat, leave out the first frame of each still (it is tracked from
    # the previous photo's ROI, which both systems then drop in their own way).
    keep = [args.repeat <= 1 or i == 0 or sequence[i] == sequence[i - 1]
            for i in range(len(sequence))]
    report["ratios"], report["agreement"] = {}, {}
    for mode, recs in records.items():
        report["ratios"][mode] = _ratios(report, recs, mode, args.warmup)
        report["agreement"][mode] = {
            f"{a}_vs_{b}": bench_stats.agreement(recs[b], recs[a], sizes, keep)
            for a, b in AGREEMENT_PAIRS if a in recs and b in recs}
    video = report["ratios"].get("video", {})
    report["ratio_ours_over_tasks_cpu"] = {
        "about": "the headline: ours / MediaPipe Tasks with delegate CPU, median per-frame "
                 "latency, video mode, same frames in one run (holistic: HolisticLandmarker, "
                 "which also runs a face mesh; pose_only: PoseLandmarker against ours with "
                 "hands and body model off)",
        "holistic": video.get("ours_over_tasks_holistic"),
        "pose_only": video.get("ours_pose_over_tasks_pose"),
        "holistic_cpu_time": video.get("cpu_ours_over_tasks_holistic"),
        "pose_only_cpu_time": video.get("cpu_ours_pose_over_tasks_pose"),
    }
    report["legacy_ratios"] = {
        "about": "against the legacy @mediapipe/holistic web solution: the earlier headline "
                 "was ours / its default WebGL path, which without a GPU runs on SwiftShader",
        "ours_over_mediapipe_webgl": video.get("ours_over_mediapipe_webgl"),
        "ours_over_mediapipe_cpu": video.get("ours_over_mediapipe_cpu"),
    }
    report["wall_seconds"] = round(time.time() - t_start, 1)
    return report


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        report = bench(args)
    except MeasureError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    if args.json:
        write_report(args.json, report)
        log(f"wrote {args.json}")
    if args.plot:
        bench_stats.plot_png(report, args.plot)
        log(f"wrote {args.plot}")
    print(bench_stats.table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
