"""Profiling helpers behind docs/benchmark.md ("Where ours spends a frame").

    # onnxruntime-web (headless Chromium) vs native onnxruntime, one model at a time:
    python -m build_scripts.measure.bench_profile models pose_landmark_full hand_landmark_full:2 \\
        --crop 256:replicate --level all --level basic

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
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common import serve  # noqa: E402
from build_scripts.common.chromium import CHROMIUM  # noqa: E402
from build_scripts.common.chromium import FLAGS as CHROMIUM_FLAGS
from build_scripts.common.paths import ROOT
from build_scripts.measure.bench import FPS, load_frames  # noqa: E402

ORT_DIST = ROOT / "web" / "node_modules" / "onnxruntime-web" / "dist"
W, H = 1280, 720

MODELS_PAGE = """<!doctype html><html><body><script src="/ort/ort.wasm.min.js"></script>
<script>
const sessions = {};
const img = new Uint8Array(W * H * 4);
for (let i = 0; i < img.length; i++) img[i] = (i * 7) & 255;
window.create = async (key, url, opts) => {
  ort.env.wasm.wasmPaths = new URL("/ort/", location.href).href;
  ort.env.wasm.numThreads = 1;
  sessions[key] = await ort.InferenceSession.create(url, {executionProviders: ["wasm"],
    graphOptimizationLevel: opts.level || "all"});
};
window.run = async (key, batch, n) => {
  const s = sessions[key];
  const m = new Float32Array(batch * 6);
  for (let b = 0; b < batch; b++) m.set([1.2, 0.1, 400, -0.1, 1.2, 100], b * 6);
  const ms = [];
  for (let i = 0; i < n; i++) {
    const feeds = {matrix: new ort.Tensor("float32", m, [batch, 2, 3])};
    if (s.inputNames.includes("image")) feeds.image = new ort.Tensor("uint8", img, [H, W, 4]);
    const t = performance.now();
    const out = await s.run(feeds);
    ms.push(performance.now() - t);
    for (const k in out) out[k].dispose();
  }
  return ms;
};
</script></body></html>
""".replace("W * H", f"{W} * {H}").replace("[H, W, 4]", f"[{H}, {W}, 4]")


def _browser(p):
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    cdp = browser.new_browser_cdp_session()

    def cpu() -> float:
        return sum(float(x["cpuTime"]) for x in cdp.send("SystemInfo.getProcessInfo")["processInfo"])

    return browser, cpu


# --------------------------------------------------------------------------- models
def cmd_models(args) -> int:
    import onnxruntime as ort
    from playwright.sync_api import sync_playwright

    from blazepose_holistic.model_store import ModelStore
    from build_scripts.models import crop_graph

    work = Path(tempfile.mkdtemp(prefix="bph-profile-"))
    (work / "index.html").write_text(MODELS_PAGE)
    variants = []  # (label, file, batch)
    store = ModelStore()
    for spec in args.model:
        name, _, batch = spec.partition(":")
        variants.append((spec, store.path(name), int(batch or 1)))
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
    server, base = serve.start(work, mounts={"/ort/": ORT_DIST})
    frame = (np.arange(W * H * 4) * 7 % 256).astype(np.uint8).reshape(H, W, 4)
    rows = []
    try:
        with sync_playwright() as p:
            browser, cpu = _browser(p)
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(base + "index.html")
            jobs = []
            for label, path, batch in variants:
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
                    feeds = {"matrix": np.tile(np.array([[1.2, 0.1, 400], [-0.1, 1.2, 100]],
                                                        np.float32), (job["batch"], 1, 1))}
                    if any(i.name == "image" for i in job["sess"].get_inputs()):
                        feeds["image"] = frame
                    c0 = time.process_time()
                    for _ in range(args.runs):
                        job["sess"].run(None, feeds)
                    job["native"].append((time.process_time() - c0) * 1e3 / args.runs)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"browser CPU per block besides the runs: {overhead:.1f} ms (subtracted)")
    print(f"{'variant':44s} {'web CPU ms/run':>15} {'web wall min':>13} {'native CPU ms':>14} "
          f"{'web/native':>10}")
    for job in jobs:
        web, nat = statistics.median(job["web"]), statistics.median(job["native"])
        rows.append({"variant": job["key"], "web_cpu_ms": round(web, 2),
                     "web_wall_min_ms": round(min(job["wall"]), 2), "native_cpu_ms": round(nat, 2),
                     "web_blocks": [round(x, 1) for x in job["web"]]})
        print(f"{job['key']:44s} {web:15.1f} {min(job['wall']):13.1f} {nat:14.1f} "
              f"{web / nat if nat else float('nan'):10.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


# --------------------------------------------------------------------------- python
PY_PAGE = """<!doctype html><html><body><script src="/pyodide/pyodide.js"></script>
<script>
let py, trace, blob;
window.boot = async (wheel) => {
  py = await loadPyodide({indexURL: new URL("/pyodide/", location.href).href});
  await py.loadPackage(["numpy"]);
  const w = new Uint8Array(await (await fetch("/python/" + wheel)).arrayBuffer());
  py.runPython(`
import io, os, sys, sysconfig, zipfile
def _install(data):
    target = sysconfig.get_paths()["purelib"]
    os.makedirs(target, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(bytes(data.to_py()))) as zf:
        zf.extractall(target)
    if target not in sys.path:
        sys.path.append(target)
    import importlib
    importlib.invalidate_caches()
`);
  py.globals.get("_install")(w);
  trace = await (await fetch("/work/trace.json")).json();
  blob = await (await fetch("/work/trace.bin")).arrayBuffer();
};
function callPy(fn, ...args) {  // as web/src/worker.js does
  const out = fn(...args);
  if (out && typeof out === "object" && py.isPyProxy(out)) {
    try { return out.toJs(); } finally { out.destroy(); }
  }
  return out;
}
window.replay = (reps) => {
  const mod = py.runPython("import blazepose_holistic.bridge as _b\\n_b");
  const bridge = mod.Bridge(JSON.stringify(trace.options), JSON.stringify(trace.models));
  mod.destroy();
  const start = bridge.start, send = bridge.send;
  const per = [];
  for (let r = 0; r < reps; r++) {
    bridge.reset();
    for (const f of trace.frames) {
      const t0 = performance.now();
      let step = callPy(start, f.w, f.h, f.ts);
      let k = 0;
      while (step[0] === "run") {
        const req = f.requests[k++];
        if (!req || req.model !== step[1]) throw new Error("trace mismatch at " + step[1]);
        const meta = [], buffers = [];
        for (const [name, dtype, shape, off, len] of req.outputs) {
          meta.push([name, dtype, shape]);
          buffers.push(new Float32Array(blob.slice(off, off + len)));
        }
        step = callPy(send, JSON.stringify(meta), buffers);
      }
      per.push(performance.now() - t0);
    }
  }
  start.destroy(); send.destroy(); bridge.destroy();
  return per;
};
window.cprofile = (reps, top) => {
  py.globals.set("REPS", reps); py.globals.set("TOP", top);
  py.globals.set("TRACE", JSON.stringify(trace)); py.globals.set("BLOB", blob);
  return py.runPython(`
import cProfile, io, json, pstats
import numpy as np
from blazepose_holistic.bridge import Bridge
t = json.loads(TRACE); raw = bytes(BLOB.to_py())
b = Bridge(json.dumps(t["options"]), json.dumps(t["models"]))
def run():
    for _ in range(REPS):
        b.reset()
        for f in t["frames"]:
            step = b.start(f["w"], f["h"], f["ts"]); k = 0
            while step[0] == "run":
                outs = f["requests"][k]["outputs"]; k += 1
                step = b.send(json.dumps([[n, d, s] for n, d, s, o, l in outs]),
                              [np.frombuffer(raw, np.float32, l // 4, o) for n, d, s, o, l in outs])
pr = cProfile.Profile(); pr.enable(); run(); pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(TOP)
s.getvalue()
`);
};
</script></body></html>
"""


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
    from playwright.sync_api import sync_playwright

    dist = args.dist or next((d for d in (ROOT / "out" / "bench" / "ours", ROOT / "web" / "dist")
                              if (d / "pyodide" / "pyodide.js").is_file()), None)
    if dist is None:
        print("no web build with pyodide/: run ./run web (or bench.py once)", file=sys.stderr)
        return 1
    wheel = next((dist / "python").glob("*.whl")).name
    work = Path(tempfile.mkdtemp(prefix="bph-profile-"))
    (work / "index.html").write_text(PY_PAGE)
    rec = record_trace(args, work)
    mounts = {"/pyodide/": dist / "pyodide", "/python/": dist / "python", "/work/": work}
    server, base = serve.start(work, mounts=mounts)
    try:
        with sync_playwright() as p:
            browser, cpu = _browser(p)
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(base + "index.html")
            page.evaluate("(w) => boot(w)", wheel)
            page.evaluate("() => replay(1)")  # warm-up
            c0 = cpu()
            per = page.evaluate("(r) => replay(r)", args.reps)
            cpu_ms = (cpu() - c0) * 1e3 / len(per)
            profile = page.evaluate("([r, t]) => cprofile(r, t)", [args.reps, args.cprofile]) \
                if args.cprofile else None
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    report = {**rec, "mode": args.mode, "pyodide_frames": len(per),
              "pyodide_ms_median": round(statistics.median(per), 3),
              "pyodide_ms_mean": round(statistics.fmean(per), 3),
              "pyodide_cpu_ms_per_frame": round(cpu_ms, 2)}
    print(json.dumps(report, indent=1))
    if profile:
        print(profile)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
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
