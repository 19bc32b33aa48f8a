"""Profiling helpers behind docs/benchmark.md ("Where ours spends a frame").

    # onnxruntime-web (headless Chromium) vs native onnxruntime, one model at a time
    # (--litert: also as the litert backend runs it, crop.js + LiteRT.js network):
    python -m build_scripts.measure.bench_profile models pose_landmark_full hand_landmark_full:2 \\
        --crop 256:replicate --level all --level basic --litert

    # the Python pipeline alone, in Pyodide 0.17 (as the worker runs it) and in CPython:
    python -m build_scripts.measure.bench_profile python --frames DIR_OR_VIDEO [--cprofile 30]

``models``: every variant (model[:batch], --crop SIZE:BORDER[:BATCH] builds a standalone
crop graph from build_scripts/models/crop_graph.py, --onnx FILE[:batch]) runs in blocks of
--runs, the blocks interleaved over --blocks rounds; the figure is the browser's CPU time
per run (all browser processes, Chrome DevTools SystemInfo.getProcessInfo), which unlike
wall time hardly moves when other jobs share the machine; the native figure is process
CPU time with one intra-op thread. Inputs: a 1280x720 RGBA frame and a fixed crop matrix.

``python``: records what the pipeline asks and gets (every model's outputs) with the
CPython tracker on the frames, then replays the same requests through
``blazepose_holistic.bridge.Bridge`` in Pyodide with the worker's own JS<->Python path
(stored function handles, ``toJs``, output buffers as Float32Arrays): the time per frame is
the Python pipeline plus the crossings, without inference. Needs a web build (``--dist``,
default out/bench/ours as bench.py builds it, else web/dist).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common import serve
from build_scripts.common.chromium import CHROMIUM
from build_scripts.common.chromium import FLAGS as CHROMIUM_FLAGS
from build_scripts.common.paths import ROOT
from build_scripts.measure.common import FPS, PAGES, load_frames, write_report

ORT_DIST = ROOT / "web" / "node_modules" / "onnxruntime-web" / "dist"
W, H = 1280, 720


@contextlib.contextmanager
def profile_page(root: Path, mounts: dict, page_path: str, isolate: bool = False):
    """pages/``page_path`` in a fresh headless Chromium, ``root`` and ``mounts`` served
    beside it (cross-origin isolated if ``isolate``: WASM threads, 5 us timers); yields
    (page, cpu), cpu() being the CPU seconds all browser processes have used so far
    (Chrome DevTools SystemInfo.getProcessInfo)."""
    from playwright.sync_api import sync_playwright

    with serve.serving(root, isolate=isolate, mounts={**mounts, "/pages/": PAGES}) as base, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        cdp = browser.new_browser_cdp_session()

        def cpu() -> float:
            return sum(float(x["cpuTime"])
                       for x in cdp.send("SystemInfo.getProcessInfo")["processInfo"])

        try:
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(base + "pages/" + page_path)
            yield page, cpu
        finally:
            browser.close()


# --------------------------------------------------------------------------- models
def cmd_models(args) -> int:
    import onnxruntime as ort

    from blazepose_holistic.model_store import ModelStore
    from build_scripts.models import crop_graph

    work = Path(tempfile.mkdtemp(prefix="bph-profile-"))
    variants = []  # (label, file, batch)
    store = ModelStore()
    litert = {}  # label -> (network file, input shape, crop): the "litert" engine
    for spec in args.model:
        name, _, batch = spec.partition(":")
        variants.append((spec, store.path(name), int(batch or 1)))
        entry = store.models[name].get("litert")
        if args.litert and entry:
            litert[spec] = (store.find_file(name, entry["file"]), entry["input_shape"],
                            store.models[name]["crop"])
    candidates = {}  # --tflite: model spec -> [other networks for it, run as its litert engine]
    for arg in args.tflite or []:
        path, _, spec = arg.rpartition("=")
        if spec not in litert:
            raise SystemExit(f"--tflite {arg}: {spec!r} is not one of the --model specs (with --litert)")
        candidates.setdefault(spec, []).append(Path(path))
    for spec in args.onnx or []:
        path, _, batch = spec.partition(":")
        variants.append((Path(path).name + (":" + batch if batch else ""), Path(path),
                         int(batch or 1)))
    for spec in args.crop or []:
        size, border, *batch = spec.split(":")
        path = work / f"crop_{size}_{border}.onnx"
        path.write_bytes(crop_graph.build_crop_graph(int(size), (0.0, 1.0), border)
                         .SerializeToString())
        variants.append((f"crop {spec}", path, int(batch[0]) if batch else 1))
    levels = args.level or ["all"]
    (work / "models").mkdir()
    for k, (label, path, batch) in enumerate(variants):
        link = work / "models" / f"{k}.onnx"
        link.symlink_to(path.resolve())
        variants[k] = (label, link, batch)
        if label in litert:
            (work / "models" / f"{k}.net.tflite").symlink_to(litert[label][0].resolve())
            for c, alt_file in enumerate(candidates.get(label, [])):
                (work / "models" / f"{k}.alt{c}.tflite").symlink_to(alt_file.resolve())
    frame = (np.arange(W * H * 4) * 7 % 256).astype(np.uint8).reshape(H, W, 4)
    rows = []
    page_path = f"profile_models.html?w={W}&h={H}"  # the page's frame: the same as ``frame``
    mounts = {"/ort/": ORT_DIST, "/litert-npm/": ROOT / "web" / "node_modules" / "@litertjs",
              "/worker-src/": ROOT / "web" / "src" / "worker"}
    with profile_page(work, mounts, page_path) as (page, cpu):
        jobs = []
        for k, (label, path, batch) in enumerate(variants):
            if label in litert:
                key = f"{label} [litert]"
                page.evaluate("([k, n, s, c]) => createLiteRt(k, n, s, c)",
                              [key, f"/models/{k}.net.tflite", *litert[label][1:]])
                page.evaluate("([k, b]) => run(k, b, 1)", [key, batch])  # warm-up
                jobs.append({"key": key, "batch": batch, "sess": None, "native_of": label,
                             "web": [], "wall": [], "native": []})
                for c, alt_file in enumerate(candidates.get(label, [])):
                    alt = f"{label} [litert {alt_file.name}]"
                    page.evaluate("([k, n, s, c]) => createLiteRt(k, n, s, c)",
                                  [alt, f"/models/{k}.alt{c}.tflite", *litert[label][1:]])
                    page.evaluate("([k, b]) => run(k, b, 1)", [alt, batch])
                    jobs.append({"key": alt, "batch": batch, "sess": None, "native_of": label,
                                 "web": [], "wall": [], "native": []})
            for level in levels:
                key = f"{label} [{level}]"
                page.evaluate("([k, u, o]) => create(k, u, o)",
                              [key, "/models/" + path.name, {"level": level}])
                page.evaluate("([k, b]) => run(k, b, 1)", [key, batch])  # warm-up
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.graph_optimization_level = {
                    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
                    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                    "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL}[level]
                sess = ort.InferenceSession(str(path), opts,
                                            providers=["CPUExecutionProvider"])
                jobs.append({"key": key, "batch": batch, "sess": sess, "web": [], "wall": [],
                             "native": []})
        # The CPU a block costs besides its runs (DevTools calls, evaluate): measured with
        # empty blocks and subtracted.
        empty = []
        for _ in range(8):
            c0 = cpu()
            page.evaluate("([k, b, n]) => run(k, b, n)", [jobs[0]["key"], 1, 0])
            empty.append((cpu() - c0) * 1e3)
        overhead = statistics.median(empty)
        for _ in range(args.blocks):
            for job in jobs:
                c0 = cpu()
                ms = page.evaluate("([k, b, n]) => run(k, b, n)",
                                   [job["key"], job["batch"], args.runs])
                job["web"].append(((cpu() - c0) * 1e3 - overhead) / args.runs)
                job["wall"] += ms
                if job["sess"] is None:  # a LiteRT job: compared with its model's native run
                    continue
                feeds = {"matrix": np.tile(np.array([[1.2, 0.1, 400], [-0.1, 1.2, 100]],
                                                    np.float32), (job["batch"], 1, 1))}
                if any(i.name == "image" for i in job["sess"].get_inputs()):
                    feeds["image"] = frame
                c0 = time.process_time()
                for _ in range(args.runs):
                    job["sess"].run(None, feeds)
                job["native"].append((time.process_time() - c0) * 1e3 / args.runs)
    print(f"browser CPU per block besides the runs: {overhead:.1f} ms (subtracted)")
    print(f"{'variant':44s} {'web CPU ms/run':>15} {'web wall min':>13} {'native CPU ms':>14} "
          f"{'web/native':>10}")
    by_key = {j["key"]: j for j in jobs}
    for job in jobs:
        if job["sess"] is None:
            job["native"] = by_key[f"{job['native_of']} [{levels[0]}]"]["native"]
    for job in jobs:
        web, nat = statistics.median(job["web"]), statistics.median(job["native"])
        rows.append({"variant": job["key"], "web_cpu_ms": round(web, 2),
                     "web_wall_min_ms": round(min(job["wall"]), 2), "native_cpu_ms": round(nat, 2),
                     "web_blocks": [round(x, 1) for x in job["web"]]})
        print(f"{job['key']:44s} {web:15.1f} {min(job['wall']):13.1f} {nat:14.1f} "
              f"{web / nat if nat else float('nan'):10.2f}")
    if args.json:
        write_report(args.json, rows)
    return 0


# --------------------------------------------------------------------------- python
def record_trace(args, work: Path) -> dict:
    """Run the CPython tracker on the frames, storing every request's model and outputs."""
    from blazepose_holistic.model_store import ModelStore
    from blazepose_holistic.pipeline import Options
    from blazepose_holistic.tracker import HolisticTracker

    unique, sequence, _ = load_frames(args.frames, args.count)
    body = {"on": True, "off": False}.get(args.body_model)
    if body is None:
        body = "lifter" in ModelStore().models
    options = dict(model_complexity=COMPLEXITIES.index(args.model),
                   static_image_mode=args.mode == "image", enable_hands=args.hands == "on",
                   enable_body_model=body)
    tracker = HolisticTracker(**options)
    run, log = tracker.engine.run, []

    def recording(request, frame):
        out = run(request, frame)
        log.append((request.model, out))
        return out

    tracker.engine.run = recording
    blob, frames, native_ms = bytearray(), [], []
    for i, k in enumerate(sequence):
        log.clear()
        result = tracker.process(unique[k], timestamp=i / FPS)
        native_ms.append(result.timings_ms["python"])
        requests = []
        for model, outputs in log:
            outs = []
            for name, value in outputs.items():
                value = np.ascontiguousarray(value, np.float32)
                outs.append([name, "float32", list(value.shape), len(blob), value.nbytes])
                blob.extend(value.tobytes())
            requests.append({"model": model, "outputs": outs})
        frames.append({"w": int(unique[k].shape[1]), "h": int(unique[k].shape[0]),
                       "ts": i / FPS, "requests": requests})
    trace = {"options": options, "models": Options(**options).models(), "frames": frames}
    (work / "trace.json").write_text(json.dumps(trace))
    (work / "trace.bin").write_bytes(bytes(blob))
    return {"frames": len(frames), "cpython_python_ms_median": round(float(np.median(native_ms)), 3)}


def cmd_python(args) -> int:
    dist = args.dist or next((d for d in (ROOT / "out" / "bench" / "ours", ROOT / "web" / "dist")
                              if (d / "pyodide" / "pyodide.js").is_file()), None)
    if dist is None:
        print("no web build with pyodide/: run ./run web (or bench.py once)", file=sys.stderr)
        return 1
    wheel = next((dist / "python").glob("*.whl")).name
    work = Path(tempfile.mkdtemp(prefix="bph-profile-"))
    rec = record_trace(args, work)
    mounts = {"/pyodide/": dist / "pyodide", "/python/": dist / "python", "/work/": work}
    with profile_page(work, mounts, "profile_python.html") as (page, cpu):
        page.evaluate("(w) => boot(w)", wheel)
        page.evaluate("() => replay(1)")  # warm-up
        c0 = cpu()
        per = page.evaluate("(r) => replay(r)", args.reps)
        cpu_ms = (cpu() - c0) * 1e3 / len(per)
        profile = page.evaluate("([r, t]) => cprofile(r, t)", [args.reps, args.cprofile]) \
            if args.cprofile else None
    report = {**rec, "mode": args.mode, "pyodide_frames": len(per),
              "pyodide_ms_median": round(statistics.median(per), 3),
              "pyodide_ms_mean": round(statistics.fmean(per), 3),
              "pyodide_cpu_ms_per_frame": round(cpu_ms, 2)}
    print(json.dumps(report, indent=1))
    if profile:
        print(profile)
    if args.json:
        write_report(args.json, report)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("models", help="onnxruntime-web vs native, per model")
    m.add_argument("model", nargs="*", default=[], help="manifest model name[:batch]")
    m.add_argument("--onnx", action="append", help="an ONNX file[:batch] (inputs image, matrix)")
    m.add_argument("--crop", action="append", help="SIZE:BORDER[:BATCH], e.g. 256:replicate")
    m.add_argument("--level", action="append",
                   choices=("all", "extended", "basic", "disabled"),
                   help="graph optimisation level(s) to compare (default all)")
    m.add_argument("--tflite", action="append", metavar="FILE=MODEL",
                   help="with --litert: also run another TFLite network for that --model spec "
                        "(e.g. a quantized one) as its litert engine, same crop; repeatable")
    m.add_argument("--litert", action="store_true",
                   help="also each manifest model as the worker's litert backend runs it "
                        "(crop.js, network on LiteRT.js)")
    m.add_argument("--blocks", type=int, default=6)
    m.add_argument("--runs", type=int, default=8, help="runs per block")
    m.add_argument("--json", type=Path)
    py = sub.add_parser("python", help="the Python pipeline in Pyodide vs CPython")
    py.add_argument("--frames", nargs="+", required=True)
    py.add_argument("--count", type=int, default=30)
    py.add_argument("--mode", choices=("video", "image"), default="video")
    py.add_argument("--model", choices=COMPLEXITIES, default="full")
    py.add_argument("--hands", choices=("on", "off"), default="on")
    py.add_argument("--body-model", choices=("auto", "on", "off"), default="auto")
    py.add_argument("--reps", type=int, default=5, help="replays of the recorded frames")
    py.add_argument("--cprofile", type=int, default=0,
                    help="also print the top N functions by own time under cProfile")
    py.add_argument("--dist", type=Path, help="a web build (pyodide/ and python/*.whl)")
    py.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    return cmd_models(args) if args.cmd == "models" else cmd_python(args)


if __name__ == "__main__":
    sys.exit(main())
