// The BlazePose Holistic worker: the Python pipeline in Pyodide, inference in
// onnxruntime-web. A classic worker (importScripts), built to
// dist/blazepose-holistic.worker.js and started by the public API (api.js).
//
// Protocol (main -> worker), handled strictly in order:
//   {type: "init", id, options, baseUrl}           -> {type: "ready", id, info}
//   {type: "frame", id, frame, timestampMs, reset}  -> {type: "result", id, result}
//     (reset: forget tracking and smoothing before this frame)
//   {type: "stats", id}                             -> {type: "stats", id, stats}
//   {type: "close", id}                             -> {type: "done", id}
//   {type: "ping"}                                  -> {type: "pong"}, answered at once
// Any failure answers {type: "error", id, error: {name, message, detail}}; the worker keeps
// serving (a bad frame does not end it). Load progress: {type: "progress", event}.
//
// The per-frame driver is the JS twin of blazepose_holistic/tracker.py: the Python
// generator (through blazepose_holistic.bridge.Bridge) asks for a model run, this file
// runs it with onnxruntime-web on the frame plus the requested tensors, and sends the
// outputs back; the last answer is the finished frame.

import { sha256Hex } from "./sha256.js";
import { ProgressTracker } from "./progress.js";
import { buildResult } from "./results.js";
import { checkFrameSize } from "./limits.js";
import { namedError } from "./errors.js";

const PY_BOOT = `
import json, os, sys, zipfile, io, sysconfig

def _bph_install(data, name):
    # A pure-Python wheel is a zip whose top level belongs in site-packages.
    target = sysconfig.get_paths()["purelib"]
    os.makedirs(target, exist_ok=True)
    if hasattr(data, "to_bytes"):  # newer Pyodides
        data = data.to_bytes()
    elif hasattr(data, "to_py"):  # Pyodide 0.17: a memoryview
        data = bytes(data.to_py())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        bad = [n for n in zf.namelist() if n.startswith("/") or ".." in n.split("/")]
        if bad:
            raise ValueError("unsafe path in wheel %s: %s" % (name, bad[0]))
        zf.extractall(target)
    if target not in sys.path:
        sys.path.append(target)
    import importlib
    importlib.invalidate_caches()
    import blazepose_holistic.bridge
    return blazepose_holistic.__version__

def _bph_make_bridge(options_json, models_json):
    from blazepose_holistic.bridge import Bridge
    return Bridge(options_json, models_json)

def _bph_live_objects():
    import gc
    gc.collect()
    return len(gc.get_objects())
`;

let state = null; // set by init
let queue = Promise.resolve();

// Every WebAssembly.Memory this worker creates or instantiates (Pyodide's heap,
// onnxruntime's heap): summed by the "stats" request, which the memory test reads.
const memories = new Set();
(function trackWasmMemory() {
  const W = self.WebAssembly;
  const remember = (result) => {
    const instance = result && (result.instance || result);
    const exp = instance && instance.exports;
    if (exp) for (const v of Object.values(exp)) if (v instanceof W.Memory) memories.add(v);
    return result;
  };
  const OrigMemory = W.Memory;
  W.Memory = function Memory(desc) {
    const m = new OrigMemory(desc);
    memories.add(m);
    return m;
  };
  W.Memory.prototype = OrigMemory.prototype;
  const inst = W.instantiate.bind(W);
  W.instantiate = (...a) => inst(...a).then(remember);
  if (W.instantiateStreaming) {
    const stream = W.instantiateStreaming.bind(W);
    W.instantiateStreaming = (...a) => stream(...a).then(remember);
  }
})();

function wasmMemoryBytes() {
  let total = 0;
  for (const m of memories) total += m.buffer.byteLength;
  return total;
}

// ------------------------------------------------------------------------------ errors
function serializeError(e) {
  if (!e) return { name: "Error", message: "unknown error" };
  let name = e.name || "Error";
  let message = String(e.message || e);
  let detail;
  if (e.constructor && e.constructor.name === "PythonError" || name === "PythonError") {
    // "Traceback ...\n  ...\nblazepose_holistic.pipeline.PipelineError: the message"
    detail = message;
    const lines = message.trim().split("\n");
    const last = lines[lines.length - 1];
    const m = /^([\w.]+?)(?::\s*(.*))?$/.exec(last);
    if (m) {
      name = m[1].split(".").pop();
      message = m[2] || m[1];
    }
  }
  return { name, message, detail };
}

// ------------------------------------------------------------------------------ fetching
async function fetchBytes(url, what, progress) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw namedError("LoadError", `could not fetch ${what} from ${url}: ${e.message}`);
  }
  if (!response.ok) {
    throw namedError("LoadError", `could not fetch ${what} from ${url}: HTTP ${response.status}`);
  }
  // Progress is counted by the fetch wrapper (progress.js) as the body streams in.
  const buffer = await response.arrayBuffer();
  return new Uint8Array(buffer);
}

async function fetchJson(url, what) {
  const bytes = await fetchBytes(url, what);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw namedError("LoadError", `${what} at ${url} is not valid JSON: ${e.message}`);
  }
}

// ------------------------------------------------------------------------------ init
function modelsFor(o) {
  // pipeline.Options.models(), checked against Python's own answer once it has loaded.
  const complexity = ["lite", "full", "heavy"][o.model_complexity];
  const names = ["pose_detector", `pose_landmark_${complexity}${o.enable_segmentation ? "_seg" : ""}`];
  if (o.enable_hands) names.push("hand_recrop", "hand_landmark_full");
  if (o.enable_body_model) names.push("lifter");
  return names;
}

async function chooseBackend(requested, notes) {
  if (requested === "webgpu") {
    let adapter = null;
    try {
      adapter = self.navigator.gpu ? await self.navigator.gpu.requestAdapter() : null;
    } catch (e) {
      adapter = null;
    }
    if (adapter) return "webgpu";
    notes.push("WebGPU was requested but no WebGPU adapter is available here; using the WASM backend");
    return "wasm";
  }
  return "wasm";
}

async function bootPython(pyodideIndex, wheelUrl, progress) {
  progress.stage("pyodide");
  // loadPyodide's own fetches (asm.wasm, asm.data, packages.json) are counted by the
  // fetch / XHR wrappers in progress.js.
  const py = await self.loadPyodide({ indexURL: pyodideIndex });
  progress.stage("numpy");
  const errors = [];
  await py.loadPackage(["numpy"], () => {}, (err) => errors.push(String(err)));
  try {
    py.runPython("import numpy");
  } catch (e) {
    throw namedError("LoadError", `Pyodide could not load numpy from ${pyodideIndex}: ${errors.join("; ") || e.message}`);
  }
  progress.stage("package");
  const wheel = await fetchBytes(wheelUrl, "the blazepose_holistic wheel");
  const expected = progress.expectedSha256(wheelUrl);
  if (expected) {
    const got = await sha256Hex(wheel);
    if (got !== expected) {
      throw namedError("LoadError", `the Python wheel ${wheelUrl} does not match assets.json (sha256 ${got.slice(0, 12)}..., expected ${expected.slice(0, 12)}...)`);
    }
  }
  py.runPython(PY_BOOT);
  const install = py.globals.get("_bph_install");
  let version;
  try {
    version = install(wheel, wheelUrl);
  } finally {
    install.destroy();
  }
  return { py, version };
}

async function loadModel(name, entry, modelsBase, ort, sessionOptions, progress, timings) {
  if (!entry) {
    throw namedError("ModelError", `model '${name}' is not listed in the model manifest (${modelsBase}manifest.json)`);
  }
  const url = new URL(entry.file, modelsBase).href;
  let bytes;
  try {
    bytes = await fetchBytes(url, `model '${name}'`);
  } catch (e) {
    throw namedError("ModelError", `model '${name}': ${e.message}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== entry.sha256) {
    const why = bytes.length < entry.bytes ? "the file is truncated" : "the file differs from the one the manifest names";
    throw namedError("ModelError", `model '${name}' (${url}) failed its checksum: sha256 ${digest.slice(0, 12)}..., manifest ${entry.sha256.slice(0, 12)}...; ${why}`);
  }
  progress.stage("sessions", name);
  let session;
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
    timings[name] = Math.round(performance.now() - t0);
  } catch (e) {
    throw namedError("ModelError", `model '${name}' could not be loaded by onnxruntime-web (corrupt, or not an ONNX model): ${e.message || e}`);
  }
  const wantIn = entry.inputs.map((i) => i.name);
  const wantOut = entry.outputs.map((o) => o.name);
  if (String(session.inputNames) !== String(wantIn) || String(session.outputNames) !== String(wantOut)) {
    throw namedError("ModelError", `model '${name}' has inputs [${session.inputNames}] and outputs [${session.outputNames}]; the manifest expects [${wantIn}] and [${wantOut}]`);
  }
  return session;
}

function checkEval() {
  // Pyodide 0.17's glue code compiles JavaScript at run time; under a Content-Security-
  // Policy without 'unsafe-eval' it would fail later with an obscure conversion error.
  try {
    new Function("return 0")();
  } catch (e) {
    throw namedError("LoadError", "the Content-Security-Policy forbids eval, which Pyodide 0.17 needs in the worker: allow script-src 'unsafe-eval' (see docs/web.md)");
  }
}

async function init(msg) {
  const t0 = performance.now();
  if (!msg.indexURL) checkEval();
  const o = msg.options;
  const base = msg.baseUrl;
  const notes = [];
  const progress = new ProgressTracker((event) => self.postMessage({ type: "progress", event }));
  progress.install();
  progress.stage("start");

  const assets = await fetchJson(new URL("assets.json", base).href, "the bundle's assets.json");
  progress.setAssets(assets, base);
  const modelsBase = new URL("models/", base).href;
  const manifest = await fetchJson(new URL("manifest.json", modelsBase).href, "the model manifest");
  const available = Object.keys(manifest.models || {});
  if (o.enable_body_model === null || o.enable_body_model === undefined) {
    o.enable_body_model = available.includes("lifter");
    if (!o.enable_body_model) notes.push("the body model is off: this build has no 'lifter' model");
  } else if (o.enable_body_model && !available.includes("lifter")) {
    throw namedError("ModelError", "enableBodyModel needs the 'lifter' model, which this build's manifest does not list");
  }
  const models = modelsFor(o);

  const backend = await chooseBackend(msg.backend, notes);
  let pyodideIndex = msg.indexURL ? new URL(msg.indexURL, base).href : new URL("pyodide/", base).href;
  if (pyodideIndex.endsWith(".js")) pyodideIndex = pyodideIndex.slice(0, pyodideIndex.lastIndexOf("/") + 1);
  if (!pyodideIndex.endsWith("/")) pyodideIndex += "/";
  const ortBase = new URL("ort/", base).href;
  const wheelFile = Object.keys(assets.files).find((f) => /^python\/.*\.whl$/.test(f));
  if (!wheelFile) throw namedError("LoadError", "assets.json lists no Python wheel");

  // The bytes this configuration downloads (progress totals).
  progress.expect([
    ...(msg.indexURL ? [] : ["pyodide.asm.js", "pyodide.asm.wasm", "pyodide.asm.data", "packages.json", "numpy.js", "numpy.data"].map((f) => "pyodide/" + f)),
    ...(backend === "webgpu"
      ? ["ort/ort-wasm-simd-threaded.asyncify.mjs", "ort/ort-wasm-simd-threaded.asyncify.wasm"]
      : ["ort/ort-wasm-simd-threaded.mjs", "ort/ort-wasm-simd-threaded.wasm"]),
    wheelFile,
    ...models.map((m) => manifest.models[m] && "models/" + manifest.models[m].file).filter(Boolean),
  ]);

  // Classic scripts, synchronous and small: Pyodide's loader and the ORT bundle.
  try {
    self.importScripts(pyodideIndex + "pyodide.js");
  } catch (e) {
    throw namedError("LoadError", `could not load Pyodide from ${pyodideIndex}pyodide.js: ${e.message}`);
  }
  const ortScript = ortBase + (backend === "webgpu" ? "ort.webgpu.min.js" : "ort.wasm.min.js");
  try {
    self.importScripts(ortScript);
  } catch (e) {
    throw namedError("LoadError", `could not load onnxruntime-web from ${ortScript}: ${e.message}`);
  }
  const ort = self.ort;
  ort.env.wasm.wasmPaths = ortBase;
  ort.env.wasm.proxy = false;
  const isolated = !!self.crossOriginIsolated;
  let numThreads = 1;
  if (isolated) {
    numThreads = msg.numThreads > 0 ? msg.numThreads : Math.min(4, Math.max(1, Math.ceil((self.navigator.hardwareConcurrency || 1) / 2)));
  } else if (msg.numThreads > 1) {
    notes.push("numThreads > 1 needs a cross-origin isolated page (COOP/COEP headers); using 1 thread");
  }
  ort.env.wasm.numThreads = numThreads;
  const sessionOptions = {
    executionProviders: backend === "webgpu" ? ["webgpu", "wasm"] : ["wasm"],
    graphOptimizationLevel: "all",
  };

  // In parallel: Python (Pyodide, numpy, our wheel) and the models (fetch, verify, session).
  const wheelUrl = new URL(wheelFile, base).href;
  const loadTimings = { sessionsMs: {} };
  const python = bootPython(pyodideIndex, wheelUrl, progress).then((r) => {
    loadTimings.pythonReadyMs = Math.round(performance.now() - t0);
    return r;
  });
  const sessionsP = Promise.all(
    models.map((m) => loadModel(m, manifest.models[m], modelsBase, ort, sessionOptions, progress, loadTimings.sessionsMs)),
  ).then((r) => {
    loadTimings.modelsReadyMs = Math.round(performance.now() - t0);
    return r;
  });
  // Do not leave one branch's rejection unobserved while awaiting the other.
  const [pyBoot, sessionList] = await Promise.all([python, sessionsP]);
  const { py } = pyBoot;
  const sessions = {};
  models.forEach((m, i) => (sessions[m] = sessionList[i]));

  progress.stage("pipeline");
  const makeBridge = py.globals.get("_bph_make_bridge");
  let bridge;
  try {
    bridge = makeBridge(JSON.stringify(o), JSON.stringify(Object.keys(sessions)));
  } finally {
    makeBridge.destroy();
  }
  // Each attribute read of a PyProxy returns a new proxy (a bound method): destroy it.
  const callOnce = (name) => {
    const method = bridge[name];
    try {
      return method();
    } finally {
      method.destroy();
    }
  };
  const pyModels = JSON.parse(callOnce("models_json"));
  if (String(pyModels) !== String(models)) {
    throw namedError("PipelineError", `the worker loaded [${models}] but the Python pipeline requests [${pyModels}]`);
  }
  const jointNames = JSON.parse(callOnce("joint_names_json"));
  const liveObjects = py.globals.get("_bph_live_objects");
  state = {
    py,
    ort,
    sessions,
    bridge,
    // Stored handles: one PyProxy each, called every frame, destroyed at close.
    start: bridge.start,
    send: bridge.send,
    reset: bridge.reset,
    abort: bridge.abort,
    liveObjects,
    jointNames,
    canvas: null,
    ctx: null,
    maskCanvas: null,
    liveProxies: 0,
    frames: 0,
  };
  const info = {
    backend,
    numThreads,
    crossOriginIsolated: isolated,
    models,
    options: o,
    notes,
    versions: { python: pyBoot.version, pyodide: py.version, onnxruntime: ort.env.versions ? ort.env.versions.web : undefined },
    loadMs: performance.now() - t0,
    loadTimings,
  };
  progress.stage("ready");
  progress.uninstall();
  return info;
}

// ------------------------------------------------------------------------------ frames
function frameToRGBA(frame) {
  if (frame.kind === "rgba") {
    const { width, height } = frame;
    checkFrameSize(width, height);
    const pixels = new Uint8Array(frame.buffer);
    if (pixels.length !== width * height * 4) {
      throw namedError("FrameError", `ImageData of ${width}x${height} must hold ${width * height * 4} bytes, not ${pixels.length}`);
    }
    return { pixels, width, height };
  }
  const source = frame.bitmap; // ImageBitmap or VideoFrame (transferred, ours to close)
  try {
    const width = source.displayWidth || source.width;
    const height = source.displayHeight || source.height;
    checkFrameSize(width, height);
    if (!state.canvas) {
      state.canvas = new OffscreenCanvas(width, height);
      state.ctx = state.canvas.getContext("2d", { willReadFrequently: true, alpha: true });
    }
    const canvas = state.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = state.ctx;
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(source, 0, 0, width, height);
    let data;
    try {
      data = ctx.getImageData(0, 0, width, height);
    } catch (e) {
      throw namedError("FrameError", `the frame's pixels cannot be read (${e.name}: a cross-origin image must be served with CORS)`);
    }
    return { pixels: new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength), width, height };
  } finally {
    if (source && source.close) source.close();
  }
}

// Call a stored Python handle; returns plain JS (the returned PyProxy converted by toJs
// and destroyed at once).
function callPy(fn, ...args) {
  const out = fn(...args);
  if (out && typeof out === "object" && state.py.isPyProxy(out)) {
    state.liveProxies++;
    try {
      return out.toJs();
    } finally {
      out.destroy();
      state.liveProxies--;
    }
  }
  return out;
}

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// onnxruntime-web's WASM run and the Python steps are synchronous: a frame's awaits only
// drain microtasks, so a ping posted mid-frame would wait for the whole frame. One task turn
// after each model run lets it through. A MessageChannel rather than setTimeout(0), which
// browsers clamp to 4 ms once calls nest.
const turn = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    turn.port1.onmessage = () => resolve();
    turn.port2.postMessage(null);
  });
}

async function processFrame(msg) {
  const t0 = performance.now();
  const { pixels, width, height } = frameToRGBA(msg.frame);
  const image = new state.ort.Tensor("uint8", pixels, [height, width, 4]);
  const tFrame = performance.now() - t0;
  const timings = { frame: tFrame };
  let inference = 0;
  let step = callPy(state.start, width, height, msg.timestampMs / 1000);
  try {
    while (step[0] === "run") {
      const [, model, stage, names, shapes, arrays] = step;
      const session = state.sessions[model];
      if (!session) throw namedError("PipelineError", `the pipeline asked for model '${model}', which is not loaded`);
      const feeds = {};
      if (session.inputNames.includes("image")) feeds.image = image;
      for (let i = 0; i < names.length; i++) {
        feeds[names[i]] = new state.ort.Tensor("float32", arrays[i], shapes[i]);
      }
      const t1 = performance.now();
      let outputs;
      try {
        outputs = await session.run(feeds);
      } catch (e) {
        throw namedError("InferenceError", `onnxruntime-web failed running '${model}': ${e.message || e}`);
      }
      const ms = performance.now() - t1;
      inference += ms;
      const key = camel(stage);
      timings[key] = (timings[key] || 0) + ms;
      const meta = [];
      const buffers = [];
      for (const name of session.outputNames) {
        const t = outputs[name];
        meta.push([name, t.type, t.dims]);
        buffers.push(t.data);
      }
      step = callPy(state.send, JSON.stringify(meta), buffers);
      for (const name of session.outputNames) outputs[name].dispose();
      await nextTask();
    }
  } catch (e) {
    state.abort(); // close the Python generator; tracking state is kept
    throw e;
  }
  const fields = step[1];
  const result = buildResult(fields, {
    width,
    height,
    timestampMs: msg.timestampMs,
    jointNames: state.jointNames,
  });
  const transfer = [];
  if (result.segmentationMaskData) {
    result.segmentationMask = maskToImage(result.segmentationMaskData, width, height);
    transfer.push(result.segmentationMask);
  }
  const total = performance.now() - t0;
  timings.inference = inference;
  timings.python = total - inference - tFrame;
  timings.total = total;
  result.timings = timings;
  state.frames++;
  return { result, transfer };
}

// The mask (float, frame-aligned, reduced resolution) as a frame-sized ImageBitmap: white
// with alpha = person probability, like MediaPipe's segmentationMask used with
// globalCompositeOperation "source-in".
function maskToImage(maskData, width, height) {
  const { width: mw, height: mh, data } = maskData;
  if (!state.maskCanvas) state.maskCanvas = new OffscreenCanvas(mw, mh);
  const mc = state.maskCanvas;
  if (mc.width !== mw || mc.height !== mh) {
    mc.width = mw;
    mc.height = mh;
  }
  const rgba = new ImageData(mw, mh);
  const px = new Uint32Array(rgba.data.buffer);
  for (let i = 0; i < data.length; i++) {
    const a = Math.max(0, Math.min(255, Math.round(data[i] * 255)));
    px[i] = (a << 24) | 0xffffff; // little-endian RGBA: R=G=B=255, A=a
  }
  mc.getContext("2d").putImageData(rgba, 0, 0);
  const out = new OffscreenCanvas(width, height);
  out.getContext("2d").drawImage(mc, 0, 0, width, height);
  return out.transferToImageBitmap();
}

function stats() {
  return {
    frames: state ? state.frames : 0,
    wasmMemoryBytes: wasmMemoryBytes(),
    pyodideHeapBytes: state && state.py._module && state.py._module.HEAP8 ? state.py._module.HEAP8.length : 0,
    pythonObjects: state ? state.liveObjects() : 0,
    liveProxies: state ? state.liveProxies : 0,
  };
}

function close() {
  if (!state) return;
  for (const name of ["start", "send", "reset", "abort", "liveObjects", "bridge"]) {
    try {
      state[name].destroy();
    } catch (e) {
      /* already gone */
    }
  }
  for (const s of Object.values(state.sessions)) s.release().catch(() => {});
  state = null;
}

async function handle(msg) {
  switch (msg.type) {
    case "init": {
      if (state) throw namedError("Error", "already initialised");
      const info = await init(msg);
      self.postMessage({ type: "ready", id: msg.id, info });
      return;
    }
    case "frame": {
      if (!state) {
        if (msg.frame.bitmap && msg.frame.bitmap.close) msg.frame.bitmap.close();
        throw namedError("Error", "the tracker is not initialised or was closed");
      }
      if (msg.reset) state.reset();
      const { result, transfer } = await processFrame(msg);
      self.postMessage({ type: "result", id: msg.id, result }, transfer);
      return;
    }
    case "stats":
      self.postMessage({ type: "stats", id: msg.id, stats: stats() });
      return;
    case "close":
      close();
      self.postMessage({ type: "done", id: msg.id });
      return;
    default:
      throw namedError("Error", `unknown message type ${msg.type}`);
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "ping") {
    // Not queued: the API's watchdog asks while a frame is in flight, and processFrame yields
    // a task turn after each model run (nextTask) so this handler gets its turn.
    self.postMessage({ type: "pong" });
    return;
  }
  queue = queue.then(() => handle(msg)).catch((e) => {
    self.postMessage({ type: "error", id: msg.id, error: serializeError(e) });
  });
};
