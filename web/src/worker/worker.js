// The BlazePose Holistic worker: the Python pipeline in Pyodide, inference in
// onnxruntime-web. A classic worker (importScripts), bundled by esbuild from this
// directory to dist/blazepose-holistic.worker.js and started by the public API (api.js).
//
// Protocol (main -> worker), handled strictly in order:
//   {type: "init", id, options, baseUrl}           -> {type: "ready", id, info}
//   {type: "frame", id, frame, timestampMs, reset}  -> {type: "result", id, result}
//     (reset: forget tracking and smoothing before this frame)
//   {type: "stats", id}                             -> {type: "stats", id, stats}
//   {type: "close", id}                             -> {type: "done", id}
//   {type: "ping"}                                  -> {type: "pong"}, answered at once
//   {type: "helper-init" | "helper-run", ...}      the same script as parallelHands' second
//                                                   worker, started by this one (helper.js)
// Any failure answers {type: "error", id, error: {name, message, detail}}; the worker keeps
// serving (a bad frame does not end it). Load progress: {type: "progress", event}.
//
// This file only dispatches; one module per job:
//   init.js      start-up: assets.json, the manifest, the options' models, then boot.js and
//                sessions.js in parallel, then the pipeline; returns the tracker state
//   ../generated/contract.js  which models the options need (from Python's contract.py)
//   boot.js      Pyodide, numpy, our wheel (sha256-checked, unpacked by install_wheel.py)
//   sessions.js  onnxruntime-web: backend, threads, one checked session per model
//   pybridge.js  the Python Bridge behind stored handles; every returned proxy destroyed
//   frames.js    frame intake: ImageData / ImageBitmap / VideoFrame -> RGBA pixels
//   helper.js    parallelHands: the second worker that runs the other hand, both sides
//   loop.js      one frame: the Python generator's model runs, a task turn after each
//   results.js   Python's flat result fields -> the public result object
//   mask.js      the segmentation mask -> a frame-sized ImageBitmap
//   stats.js     the counters of tracker.stats()
//   errors.js    errors as plain objects, Python tracebacks parsed into name + message
//   progress.js, download.js, sha256.js: load progress, fetching, checksums
// The shipped worker holds no test instrumentation: the memory tests load theirs
// (build_scripts/measure/pages/wasm_memory_probe.js) in front of it.

import { namedError } from "../errors.js";
import { serializeError } from "./errors.js";
import { serveHelper } from "./helper.js";
import { init } from "./init.js";
import { processFrame } from "./loop.js";
import { releaseEngines } from "./sessions.js";
import { stats } from "./stats.js";

let tracker = null; // the state init.js returns; null before init and after close
let queue = Promise.resolve();

function close() {
  if (!tracker) return;
  tracker.bridge.destroy();
  releaseEngines(tracker.engines);
  if (tracker.helper) tracker.helper.close();
  tracker = null;
}

async function handle(msg) {
  switch (msg.type) {
    case "init": {
      if (tracker) throw namedError("Error", "already initialised");
      const { state, info } = await init(msg);
      tracker = state;
      self.postMessage({ type: "ready", id: msg.id, info });
      return;
    }
    case "frame": {
      if (!tracker) {
        if (msg.frame.bitmap && msg.frame.bitmap.close) msg.frame.bitmap.close();
        throw namedError("Error", "the tracker is not initialised or was closed");
      }
      if (msg.reset) tracker.bridge.reset();
      const { result, transfer } = await processFrame(tracker, msg);
      self.postMessage({ type: "result", id: msg.id, result }, transfer);
      return;
    }
    case "stats":
      self.postMessage({ type: "stats", id: msg.id, stats: stats(tracker) });
      return;
    case "helper-init":
    case "helper-run":
      return serveHelper(msg);
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
    // a task turn after each model run (loop.js) so this handler gets its turn.
    self.postMessage({ type: "pong" });
    return;
  }
  queue = queue.then(() => handle(msg)).catch((e) => {
    self.postMessage({ type: "error", id: msg.id, error: serializeError(e) });
  });
};
