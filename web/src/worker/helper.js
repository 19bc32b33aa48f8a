// parallelHands: a second worker that runs half of each batched model run (the second hand's
// re-crop and landmarks) while this worker runs the first half. LiteRT.js's own threads did
// not pay on two cores (docs/benchmark.md); a whole hand per core does. Both halves of the
// protocol live here: the tracker's worker (Helper, splitEngine) and the helper worker,
// which is this same script started with a "helper-init" message (serveHelper).
//
//   tracker -> helper: {type: "helper-init", id, litert, threads, hashes, modelsBase, entries}
//                          -> {type: "ready", id}
//                      {type: "helper-run", id, model, frame?, matrices, batch}
//                          -> {type: "result", id, meta, buffers}
//   any failure -> {type: "error", id, error} (worker.js's reply)
//
// The helper is an optimisation, never a dependency: until it is ready, and for good once
// it has failed (start-up, a crash, no answer within HELPER_TIMEOUT_MS), every crop runs in
// the tracker's worker, with the same numbers (the same LiteRT.js build on the same crops).
import { namedError } from "../errors.js";
import { Integrity } from "./integrity.js";
import { fetchNetwork, litertEngine, startLiteRt } from "./litert.js";

// A hand takes 30-60 ms here; a helper silent this long is gone (or starved), and its half
// is run locally instead.
const HELPER_TIMEOUT_MS = 10000;

export class Helper {
  /**
   * scriptUrl: this worker's script; init: the helper-init message's fields (see above).
   * Never throws: a helper that cannot start leaves `failure` set and runs nothing.
   */
  constructor(scriptUrl, init) {
    this.state = "starting"; // -> "ready" | "failed"
    this.failure = null;
    this.runs = 0; // model runs it answered
    this.pending = new Map();
    this.nextId = 1;
    this.sentImage = null;
    try {
      this.worker = new Worker(scriptUrl, { name: "blazepose-holistic-helper" });
    } catch (e) {
      this._fail(`could not start the helper worker: ${e.message || e}`);
      return;
    }
    this.worker.onmessage = (e) => this._onMessage(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this._fail(`the helper worker failed: ${e.message || "script error"}`);
    };
    this.ready = this._call({ type: "helper-init", ...init }).then(
      () => {
        if (this.state === "starting") this.state = "ready";
      },
      (e) => this._fail(`the helper worker did not start: ${e.message || e}`),
    );
  }

  usable() {
    return this.state === "ready";
  }

  /** Runs `model` on `batch` crops of `image` in the helper: {meta, buffers}. */
  run(model, image, matrices, batch) {
    const msg = { type: "helper-run", model, matrices, batch };
    const transfer = [matrices.buffer];
    if (image !== this.sentImage) {
      const [height, width] = image.dims;
      msg.frame = { pixels: image.data.slice(), width, height };
      transfer.push(msg.frame.pixels.buffer);
      this.sentImage = image;
    }
    return this._call(msg, transfer, HELPER_TIMEOUT_MS);
  }

  close() {
    if (this.worker) this.worker.terminate();
    this._fail("the tracker was closed");
  }

  _call(msg, transfer = [], timeoutMs = 0) {
    if (this.state === "failed") return Promise.reject(namedError("HelperError", this.failure));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = timeoutMs ? setTimeout(() => this._fail(`the helper worker gave no answer in ${timeoutMs} ms`), timeoutMs) : null;
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  _onMessage(msg) {
    const req = this.pending.get(msg.id);
    if (!req) return;
    this.pending.delete(msg.id);
    clearTimeout(req.timer);
    if (msg.type === "error") req.reject(namedError(msg.error.name || "Error", msg.error.message));
    else {
      if (msg.type === "result") this.runs++;
      req.resolve(msg);
    }
  }

  _fail(why) {
    if (this.state === "failed") return;
    this.state = "failed";
    this.failure = why;
    if (this.worker) this.worker.terminate();
    for (const req of this.pending.values()) {
      clearTimeout(req.timer);
      req.reject(namedError("HelperError", why));
    }
    this.pending.clear();
  }
}

/**
 * The engine loop.js sees for a batched model: its first ceil(B/2) crops here, the rest in
 * the helper at the same time, the outputs concatenated in crop order. A batch of one, or
 * a helper not (or no longer) usable, runs all here. A helper's error is never the frame's:
 * its half is run here again, and fails here if it must.
 */
export function splitEngine(model, local, helper) {
  return {
    inputNames: local.inputNames,
    outputNames: local.outputNames,
    async run(image, names, shapes, arrays) {
      const matrices = arrays[names.indexOf("matrix")];
      const batch = shapes[names.indexOf("matrix")][0];
      if (batch < 2 || !helper.usable()) return local.run(image, names, shapes, arrays);
      const k = Math.ceil(batch / 2);
      const remote = helper.run(model, image, matrices.slice(k * 6, batch * 6), batch - k);
      remote.catch(() => {}); // awaited below, after the local half
      const mine = await local.run(image, ["matrix"], [[k, 2, 3]], [matrices.subarray(0, k * 6)]);
      let theirs;
      try {
        theirs = await remote;
      } catch (e) {
        // Whatever went wrong there, this worker's answer is the one that counts.
        theirs = await local.run(image, ["matrix"], [[batch - k, 2, 3]], [matrices.slice(k * 6, batch * 6)]);
      }
      const meta = mine.meta.map(([name, type, dims]) => [name, type, [batch, ...dims.slice(1)]]);
      const buffers = mine.buffers.map((a, i) => join(a, theirs.buffers[i]));
      mine.dispose();
      if (theirs.dispose) theirs.dispose();
      return { meta, buffers, dispose() {} };
    },
    release: () => local.release(),
  };
}

function join(a, b) {
  const out = new a.constructor(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

// The helper worker's side.
let engines = null;
let frame = null;

/** Handles a "helper-*" message in the helper worker; resolves when it has replied. */
export async function serveHelper(msg) {
  if (msg.type === "helper-init") {
    if (engines) throw namedError("Error", "the helper is already initialised");
    const integrity = new Integrity((url) => msg.hashes[url]);
    try {
      await integrity.verifyScripts([msg.litert]);
      integrity.install();
      await Promise.race([startLiteRt(msg.litert, msg.threads), integrity.failed]);
    } catch (e) {
      throw integrity.failure() || e;
    } finally {
      integrity.uninstall();
    }
    const loaded = {};
    for (const [name, entry] of Object.entries(msg.entries)) {
      const bytes = await fetchNetwork(name, entry, msg.modelsBase);
      loaded[name] = await litertEngine(name, entry, bytes, msg.threads);
    }
    engines = loaded;
    self.postMessage({ type: "ready", id: msg.id });
    return;
  }
  if (!engines) throw namedError("Error", "the helper is not initialised");
  const engine = engines[msg.model];
  if (!engine) throw namedError("PipelineError", `the helper has no model '${msg.model}'`);
  if (msg.frame) frame = { dims: [msg.frame.height, msg.frame.width, 4], data: msg.frame.pixels };
  const out = await engine.run(frame, ["matrix"], [[msg.batch, 2, 3]], [msg.matrices]);
  self.postMessage({ type: "result", id: msg.id, meta: out.meta, buffers: out.buffers }, out.buffers.map((b) => b.buffer));
}
