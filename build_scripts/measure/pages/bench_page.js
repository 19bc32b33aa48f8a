// The benchmark page's driver: build_scripts/measure/bench.py serves it under /bench/ with
// bench.html (as index.html), which loads it, and drives it through Playwright. One page runs one
// system, with the driver and options bench.py puts in the URL:
//
//   /bench/index.html#{"system": "ours_pose", "driver": "ours"|"mediapipe"|"tasks", "modelComplexity": 1, ...}
//
// On load it fetches the first frame's pixels, then loads the system's script, creates the
// tracker and processes that frame: `bench.start` resolves with the cold-start timeline
// (page load to first result). After that bench.py calls `bench.frame(i)` once per frame;
// each call prepares the frame outside the timed region and times only
// send -> result, on this (the main) thread, with performance.now().
//
// Frames are decoded once, in Python, and served as raw RGBA (frames/NNNN.rgba + index.json):
// every system sees byte-identical pixels. The legacy MediaPipe solution gets them on a canvas
// (a documented input type of its API); ours and MediaPipe Tasks get an ImageData (one of
// theirs).

const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1) || "{}"));
const bench = { cfg, notes: [], cold: null, info: null };
window.bench = bench;

// ------------------------------------------------------------------------- frames
let index = null;
const cache = new Map(); // unique frame -> Uint8ClampedArray (bounded)
const CACHE_FRAMES = 48;

async function pixels(i) {
  const entry = index.frames[i];
  let data = cache.get(entry.file);
  if (!data) {
    const response = await fetch("frames/" + entry.file);
    if (!response.ok) throw new Error(`frame ${entry.file}: HTTP ${response.status}`);
    data = new Uint8ClampedArray(await response.arrayBuffer());
    if (data.length !== entry.width * entry.height * 4) throw new Error(`frame ${entry.file} has ${data.length} bytes`);
    if (cache.size >= CACHE_FRAMES) cache.delete(cache.keys().next().value);
    cache.set(entry.file, data);
  }
  return { data, width: entry.width, height: entry.height, timestampMs: entry.timestamp * 1000 };
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

// Landmarks -> flat [x0, y0, x1, y1, ...] (normalised image coordinates) or null.
function flatXY(list) {
  if (!list || !list.length) return null;
  const out = new Array(list.length * 2);
  for (let i = 0; i < list.length; i++) {
    out[2 * i] = list[i].x;
    out[2 * i + 1] = list[i].y;
  }
  return out;
}

function visibility(list) {
  if (!list || !list.length || list[0].visibility === undefined) return null;
  return list.map((p) => p.visibility);
}

// What bench.py compares, from any system's results (ours names its fields as MediaPipe
// does); `stages`: ours' per-stage timings (MediaPipe reports none).
function landmarks(r, stages) {
  return {
    pose: r && flatXY(r.poseLandmarks),
    poseVisibility: r && visibility(r.poseLandmarks),
    left: r && flatXY(r.leftHandLandmarks),
    right: r && flatXY(r.rightHandLandmarks),
    stages,
  };
}

// ------------------------------------------------------------------------- MediaPipe (legacy)
// @mediapipe/holistic 0.5.1675471629, loaded from our own server (locateFile). Its graph
// always runs the face mesh too (no option turns it off). Inference runs on WebGL by default
// (SwiftShader on a machine without a GPU); cfg.useCpuInference sets its undocumented
// `useCpuInference` option (a graph option of its InferenceCalculator, default true only on
// iOS), which runs the models on the CPU in its wasm. Frames still enter through WebGL.
const mediapipe = {
  async load() {
    await loadScript("../mediapipe/holistic.js");
  },
  async init() {
    const requested = [];
    const h = new window.Holistic({
      locateFile: (file) => {
        requested.push(file);
        return "../mediapipe/" + file;
      },
    });
    h.setOptions({
      modelComplexity: cfg.modelComplexity,
      smoothLandmarks: true,
      enableSegmentation: false,
      smoothSegmentation: false,
      refineFaceLandmarks: false,
      minDetectionConfidence: 0.5,
      minTrackingConfidence: 0.5,
      selfieMode: false,
      useCpuInference: !!cfg.useCpuInference,
    });
    this.last = null;
    h.onResults((r) => (this.last = r));
    await h.initialize();
    this.h = h;
    this.canvas = document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d");
    // The public send(inputs) of this version drops the timestamp its inner solution
    // accepts (send(inputs, timestampMs)); pass it through so both trackers smooth with
    // the same 30 fps clock instead of wall time.
    this.inner = h.h && typeof h.h.send === "function" && h.h.send.length >= 2 ? h.h : null;
    if (!this.inner) bench.notes.push("MediaPipe: no timestamped send(); its smoothing used wall-clock time");
    bench.info = { requested, cameraTimestamps: !!this.inner, useCpuInference: !!cfg.useCpuInference };
  },
  prepare(px) {
    const c = this.canvas;
    if (c.width !== px.width || c.height !== px.height) {
      c.width = px.width;
      c.height = px.height;
    }
    this.ctx.putImageData(new ImageData(px.data, px.width, px.height), 0, 0);
    return c;
  },
  async process(canvas, timestampMs) {
    // Image mode: MediaPipe's JS solution has no static_image_mode; reset() makes the graph
    // restart, i.e. forget the tracked ROI and filters, before the next frame.
    if (cfg.mode === "image") this.h.reset();
    this.last = null;
    if (this.inner) await this.inner.send({ image: canvas }, timestampMs);
    else await this.h.send({ image: canvas });
    return this.last;
  },
  extract(r) {
    return landmarks(r, null);
  },
};

// ------------------------------------------------------------------------- MediaPipe Tasks
// @mediapipe/tasks-vision (pinned in web/package.json), loaded from our own server: its ESM
// bundle, its wasm through FilesetResolver.forVisionTasks(local folder), and a .task bundle
// that bench.py builds from the legacy package's models (tasks_bundles.py). delegate "CPU":
// XNNPACK in its wasm. Its web runner always uploads the frame as a WebGL texture (SwiftShader
// here), whatever the delegate. HolisticLandmarker always runs its face mesh too.
const tasks = {
  async load() {
    this.vision = await import("../tasks-vision/vision_bundle.mjs");
  },
  async init() {
    const { FilesetResolver, HolisticLandmarker, PoseLandmarker } = this.vision;
    const fileset = await FilesetResolver.forVisionTasks(new URL("../tasks-vision/wasm", location.href).href);
    const options = {
      baseOptions: { modelAssetPath: cfg.taskUrl, delegate: "CPU" },
      runningMode: cfg.mode === "image" ? "IMAGE" : "VIDEO",
      minPoseDetectionConfidence: 0.5,
      minPosePresenceConfidence: 0.5,
    };
    if (cfg.task === "holistic") {
      Object.assign(options, { outputFaceBlendshapes: false, outputPoseSegmentationMasks: false });
      this.landmarker = await HolisticLandmarker.createFromOptions(fileset, options);
    } else {
      Object.assign(options, { numPoses: 1, minTrackingConfidence: 0.5, outputSegmentationMasks: false });
      this.landmarker = await PoseLandmarker.createFromOptions(fileset, options);
    }
    bench.info = { task: cfg.task, taskUrl: cfg.taskUrl, delegate: "CPU", runningMode: options.runningMode };
  },
  prepare(px) {
    return new ImageData(px.data, px.width, px.height);
  },
  async process(image, timestampMs) {
    if (cfg.mode === "image") return this.landmarker.detect(image);
    return this.landmarker.detectForVideo(image, timestampMs);
  },
  extract(r) {
    const first = (lists) => (lists && lists.length ? lists[0] : null);
    if (!r) return landmarks(null, null);
    if (cfg.task === "holistic") {
      return landmarks({
        poseLandmarks: first(r.poseLandmarks),
        leftHandLandmarks: first(r.leftHandLandmarks),
        rightHandLandmarks: first(r.rightHandLandmarks),
      }, null);
    }
    return landmarks({ poseLandmarks: first(r.landmarks) }, null);
  },
};

// ------------------------------------------------------------------------- ours
// "baseline" is another build of ours (bench.py --baseline DIR), e.g. before a change.
const oursRoot = cfg.system === "baseline" ? "../baseline/" : "../ours/";

const ours = {
  async load() {
    await loadScript(oursRoot + "blazepose-holistic.js");
  },
  async init() {
    const options = {
      modelComplexity: cfg.modelComplexity,
      staticImageMode: cfg.mode === "image",
      enableHands: cfg.hands,
      backend: cfg.backend,
      numThreads: cfg.threads,
      parallelHands: cfg.parallelHands,
      baseUrl: oursRoot,
      // Start-up timeline: when each load stage (and each model's session) began.
      onProgress: (e) => {
        const key = e.detail ? `${e.stage}:${e.detail}` : e.stage;
        if (!(key in startup)) startup[key] = Math.round(performance.now() - this.t0);
      },
    };
    const startup = {};
    this.t0 = performance.now();
    if (cfg.bodyModel !== null && cfg.bodyModel !== undefined) options.enableBodyModel = cfg.bodyModel;
    if (cfg.handRecovery) options.enableHandRecovery = true;
    this.tracker = await window.BlazePoseHolistic.create(options);
    bench.info = { ...this.tracker.info, startupMs: startup };
  },
  prepare(px) {
    // send() copies an ImageData's pixels for the worker (the caller keeps its own).
    return new ImageData(px.data, px.width, px.height);
  },
  async process(image, timestampMs) {
    const r = await this.tracker.send(image, timestampMs);
    if (r && r.dropped) throw new Error("a frame was dropped: the bench sends one frame at a time");
    return r;
  },
  extract(r) {
    return landmarks(r, r && r.timings ? r.timings : null);
  },
};

const system = { mediapipe, ours, tasks }[cfg.driver];

// ------------------------------------------------------------------------- the runs
async function frame(i) {
  const px = await pixels(i);
  const input = system.prepare(px);
  const t0 = performance.now();
  const result = await system.process(input, px.timestampMs);
  const ms = performance.now() - t0;
  return { index: i, ms, ...system.extract(result) };
}

bench.frame = frame;

bench.start = cfg.system === "none" ? Promise.resolve(null) : (async () => {
  if (!system) throw new Error(`unknown driver ${cfg.driver} for system ${cfg.system}`);
  index = await (await fetch("frames/index.json")).json();
  await pixels(0);
  const t0 = performance.now();
  await system.load();
  const tScript = performance.now();
  await system.init();
  const tInit = performance.now();
  const first = await frame(0);
  const tFirst = performance.now();
  bench.cold = {
    // Page load -> first result, minus fetching the bench's own first frame.
    cold_start_ms: tFirst - t0,
    script_ms: tScript - t0,
    init_ms: tInit - tScript,
    first_frame_ms: first.ms,
    since_navigation_ms: tFirst,
    bench_setup_ms: t0, // page load + fetching the bench's first frame
  };
  return { cold: bench.cold, first, info: bench.info, notes: bench.notes };
})();

// Resource timings (bytes over the wire vs. from cache) for the warm-start report.
bench.resources = () =>
  performance.getEntriesByType("resource").map((e) => ({
    name: e.name,
    transferSize: e.transferSize,
    encodedBodySize: e.encodedBodySize,
    duration: e.duration,
  }));
