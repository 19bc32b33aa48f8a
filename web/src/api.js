// The public JavaScript API (main thread). It owns one worker per tracker, turns frames
// into transferable pixels, and keeps at most one frame in flight plus one pending.
//
//   const tracker = await BlazePoseHolistic.create({ modelComplexity: 1 });
//   const results = await tracker.send(videoElement);
//   if (!results.dropped) draw(results.poseLandmarks);

import { namedError } from "./errors.js";
import { checkFrameSize } from "./limits.js";
import { OPTION_ALIASES, OPTIONS } from "./generated/contract.js";

const WORKER_FILE = "blazepose-holistic.worker.js";

let scriptUrl = typeof self !== "undefined" && self.location ? self.location.href : "";

/** Set by the entry points: the URL of the bundle itself (assets resolve from it). */
export function setScriptUrl(url) {
  if (url) scriptUrl = url;
}

// The tracker's own options; the pipeline's come from the Python contract (OPTIONS).
const RUNTIME_DEFAULTS = {
  baseUrl: undefined,
  indexURL: undefined,
  backend: "litert",
  numThreads: 0,
  parallelHands: "auto",
  workerTimeoutMs: 30000,
  onProgress: undefined,
};

function checkPipelineOption(spec, value) {
  const bad = (what) => new RangeError(`${spec.jsName} must be ${what}, not ${JSON.stringify(value)}`);
  if (spec.kind === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`${spec.jsName} must be true or false, not ${JSON.stringify(value)}`);
  } else if (spec.choices) {
    if (!spec.choices.includes(value)) throw bad(spec.choices.join(", "));
  } else if (spec.range) {
    const [lo, hi] = spec.range;
    if (typeof value !== "number" || !(value >= lo && value <= hi)) throw bad(`a number in [${lo}, ${hi}]`);
  }
}

const show = (v) => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** MediaPipe Tasks' names (runningMode, ...) -> ours, as Python's contract.resolve_aliases
 * does: an alias and its option given different values is an error, not a guess. */
function resolveAliases(o) {
  const resolved = { ...o };
  const givenBy = {};
  for (const spec of OPTIONS) if (o[spec.jsName] !== undefined) givenBy[spec.name] = spec.jsName;
  for (const alias of OPTION_ALIASES) {
    delete resolved[alias.jsName];
    const raw = o[alias.jsName];
    if (raw === undefined) continue;
    let value = raw;
    if (alias.values) {
      const pair = alias.values.find(([from]) => from === raw);
      if (!pair) throw new RangeError(`${alias.jsName} must be ${alias.values.map(([v]) => show(v)).join(" or ")}, not ${show(raw)}`);
      value = pair[1];
    }
    const target = OPTIONS.find((s) => s.name === alias.option);
    const other = givenBy[alias.option];
    if (other !== undefined && resolved[target.jsName] !== value) {
      throw new TypeError(
        `${alias.jsName}=${show(raw)} and ${other}=${show(o[other])} both set ${target.jsName} and disagree; give one of them`,
      );
    }
    resolved[target.jsName] = value;
    if (other === undefined) givenBy[alias.option] = alias.jsName;
  }
  return resolved;
}

/** Options as given -> {opts: the tracker's own, py: the pipeline's in Python's names}. */
export function pipelineOptions(given) {
  const known = [...OPTIONS.map((s) => s.jsName), ...OPTION_ALIASES.map((a) => a.jsName), ...Object.keys(RUNTIME_DEFAULTS)];
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new TypeError(`unknown option(s) ${unknown.join(", ")}; known: ${known.join(", ")}`);
  }
  const o = resolveAliases(given);
  const opts = { ...RUNTIME_DEFAULTS, ...o };
  const py = {};
  for (const spec of OPTIONS) {
    const value = o[spec.jsName] === undefined ? spec.default : o[spec.jsName];
    checkPipelineOption(spec, value);
    py[spec.name] = value;
  }
  if (!["litert", "wasm", "webgpu"].includes(opts.backend)) {
    throw new RangeError(`backend must be "litert", "wasm" or "webgpu", not ${JSON.stringify(opts.backend)}`);
  }
  if (!Number.isInteger(opts.numThreads) || opts.numThreads < 0) {
    throw new RangeError(`numThreads must be a non-negative integer (0 = automatic), not ${opts.numThreads}`);
  }
  if (![true, false, "auto"].includes(opts.parallelHands)) {
    throw new RangeError(`parallelHands must be true, false or "auto", not ${show(opts.parallelHands)}`);
  }
  const wt = opts.workerTimeoutMs;
  if (typeof wt !== "number" || !(wt >= 0) || !Number.isFinite(wt)) {
    throw new RangeError(`workerTimeoutMs must be a non-negative number of milliseconds (0 = never), not ${wt}`);
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") {
    throw new TypeError("onProgress must be a function");
  }
  return { opts, py };
}

function resolveBase(baseUrl) {
  const here = typeof self !== "undefined" && self.location ? self.location.href : undefined;
  const url = baseUrl ? new URL(baseUrl, here) : new URL("./", scriptUrl || here);
  let s = url.href;
  if (!s.endsWith("/")) s += "/";
  return s;
}

function makeWorker(base) {
  const url = new URL(WORKER_FILE, base);
  const sameOrigin = typeof self !== "undefined" && self.location && url.origin === self.location.origin;
  if (sameOrigin) return new Worker(url.href, { name: "blazepose-holistic" });
  // A worker script must be same-origin: bootstrap a cross-origin bundle (e.g. a CDN)
  // from a blob that imports it. Needs `worker-src blob:` under a CSP.
  const blob = new Blob([`importScripts(${JSON.stringify(url.href)});`], { type: "text/javascript" });
  return new Worker(URL.createObjectURL(blob), { name: "blazepose-holistic" });
}

function remoteError(e) {
  const err = new Error(e.message);
  err.name = e.name || "Error";
  if (e.detail) err.detail = e.detail;
  return err;
}

function has(name) {
  return typeof globalThis[name] !== "undefined";
}

/** Frame -> {payload, transfer} for the worker; never modifies or closes the caller's frame. */
async function capture(frame) {
  if (frame == null) throw new TypeError("send() needs a frame");
  // MediaPipe's solutions take {image: frame}; accept that too.
  if (frame.image !== undefined && Object.getPrototypeOf(frame) === Object.prototype) frame = frame.image;
  if (has("ImageData") && frame instanceof ImageData) {
    checkFrameSize(frame.width, frame.height);
    const copy = new Uint8Array(frame.data); // the caller keeps theirs
    return {
      payload: { kind: "rgba", width: frame.width, height: frame.height, buffer: copy.buffer },
      transfer: [copy.buffer],
    };
  }
  if (has("VideoFrame") && frame instanceof VideoFrame) {
    let clone;
    try {
      clone = frame.clone(); // shares the pixels, no copy
    } catch (e) {
      throw namedError("FrameError", `the VideoFrame cannot be read (closed?): ${e.message}`);
    }
    try {
      checkFrameSize(clone.displayWidth, clone.displayHeight);
    } catch (e) {
      clone.close();
      throw e;
    }
    return { payload: { kind: "bitmap", bitmap: clone }, transfer: [clone] };
  }
  let source = frame;
  if (has("HTMLVideoElement") && frame instanceof HTMLVideoElement) {
    if (frame.readyState < 2 || !frame.videoWidth) {
      throw namedError("FrameError", "the video has no frame to read yet (readyState < HAVE_CURRENT_DATA)");
    }
    checkFrameSize(frame.videoWidth, frame.videoHeight);
  } else if (has("HTMLImageElement") && frame instanceof HTMLImageElement) {
    if (!frame.complete || !frame.naturalWidth) {
      throw namedError("FrameError", "the image has not loaded (or failed to load)");
    }
    checkFrameSize(frame.naturalWidth, frame.naturalHeight);
  } else if (has("ImageBitmap") && frame instanceof ImageBitmap) {
    if (!frame.width) throw namedError("FrameError", "the ImageBitmap is closed (or empty)");
    checkFrameSize(frame.width, frame.height);
  } else if (
    (has("HTMLCanvasElement") && frame instanceof HTMLCanvasElement) ||
    (has("OffscreenCanvas") && frame instanceof OffscreenCanvas)
  ) {
    checkFrameSize(frame.width, frame.height);
  } else {
    throw new TypeError(
      "send() takes an HTMLVideoElement, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, VideoFrame or ImageData",
    );
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(source, { premultiplyAlpha: "none" });
  } catch (e) {
    throw namedError("FrameError", `the frame cannot be read: ${e.message}`);
  }
  return { payload: { kind: "bitmap", bitmap }, transfer: [bitmap] };
}

function release(item) {
  const b = item.payload && item.payload.bitmap;
  if (b && b.close) b.close();
}

const CLOSED = "the tracker is closed";

export class HolisticTracker {
  constructor(worker, { onProgress, workerTimeoutMs }) {
    this._worker = worker;
    this.info = null; // set once the worker is ready
    this._onProgress = onProgress;
    this._timeoutMs = workerTimeoutMs;
    this._watchdog = null;
    this._lastHeard = 0;
    this._requests = new Map();
    this._nextId = 1;
    this._seq = 0;
    this._lastQueued = 0;
    this._inFlight = null;
    this._pending = null;
    this._callback = null;
    this._closed = false;
    this._failed = null;
    this._resets = []; // the send count at each reset() not yet applied to a frame
  }

  /** The error that ended the worker (crashed, terminated, hung), or null while it works. */
  get error() {
    return this._failed;
  }

  /** True after close(). */
  get closed() {
    return this._closed;
  }

  _request(message, transfer) {
    if (this._failed) return Promise.reject(this._failed);
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      try {
        this._worker.postMessage({ ...message, id }, transfer || []);
      } catch (e) {
        // e.g. a DataCloneError: nothing reached the worker, so nothing will answer.
        reject(e);
        return;
      }
      this._requests.set(id, { resolve, reject });
      if (this.info) this._watch();
    });
  }

  // A worker that was terminated or hangs sends no error event: while requests wait, ping
  // it, and give up when it has said nothing for workerTimeoutMs. Loading is not watched
  // (it can compile for long stretches on slow devices).
  _watch() {
    if (!this._timeoutMs || this._watchdog) return;
    this._lastHeard = performance.now();
    this._watchdog = setInterval(() => {
      if (!this._requests.size) {
        this._unwatch();
      } else if (performance.now() - this._lastHeard > this._timeoutMs) {
        this._fail(
          namedError("WorkerError", `the BlazePose Holistic worker has not answered for ${this._timeoutMs} ms (terminated or hung); create a new tracker`),
        );
      } else {
        this._worker.postMessage({ type: "ping" });
      }
    }, Math.min(1000, this._timeoutMs / 4));
  }

  _unwatch() {
    clearInterval(this._watchdog);
    this._watchdog = null;
  }

  _onMessage(msg) {
    this._lastHeard = performance.now();
    if (msg.type === "progress") {
      if (this._onProgress) {
        try {
          this._onProgress(msg.event);
        } catch (e) {
          console.error("onProgress callback threw", e);
        }
      }
      return;
    }
    const req = this._requests.get(msg.id);
    if (!req) return;
    this._requests.delete(msg.id);
    if (msg.type === "error") req.reject(remoteError(msg.error));
    else if (msg.type === "ready") req.resolve(msg.info);
    else if (msg.type === "result") req.resolve(msg.result);
    else if (msg.type === "stats") req.resolve(msg.stats);
    else req.resolve(undefined);
  }

  _fail(error) {
    // The worker itself died or hangs: every request fails, and so will later ones; a new
    // tracker (BlazePoseHolistic.create) starts a fresh worker.
    if (this._failed) return;
    this._failed = error;
    this._unwatch();
    this._worker.terminate();
    for (const req of this._requests.values()) req.reject(error);
    this._requests.clear();
    if (this._pending) {
      release(this._pending);
      this._pending.reject(error);
      this._pending = null;
    }
  }

  /**
   * Track one frame. Resolves with the results, or with `{dropped: true, ...}` when a newer
   * frame replaced this one while it waited (at most one frame is processed and one waits).
   */
  send(frame, timestampMs) {
    if (this._closed) return Promise.reject(new Error(CLOSED));
    if (this._failed) return Promise.reject(this._failed);
    const ts = timestampMs === undefined || timestampMs === null ? performance.now() : timestampMs;
    if (typeof ts !== "number" || !Number.isFinite(ts)) {
      // String(): a template literal throws on a Symbol, and send() must reject, not throw.
      return Promise.reject(new TypeError(`timestampMs must be a finite number, not ${String(timestampMs)}`));
    }
    const seq = ++this._seq;
    return new Promise((resolve, reject) => {
      capture(frame).then(({ payload, transfer }) => {
        const item = { seq, payload, transfer, ts, resolve, reject };
        if (this._closed || this._failed) {
          release(item);
          reject(this._failed || new Error(CLOSED));
          return;
        }
        if (seq < this._lastQueued) {
          // A later send() was captured first: this one is already stale.
          release(item);
          resolve(dropped(ts));
          return;
        }
        this._lastQueued = seq;
        if (!this._inFlight) {
          this._dispatch(item);
        } else {
          if (this._pending) {
            const old = this._pending;
            release(old);
            old.resolve(dropped(old.ts));
          }
          this._pending = item;
        }
      }, reject);
    });
  }

  /**
   * MediaPipe Tasks' name for send() in VIDEO mode: the same, except that the timestamp is
   * required and the result comes as a Promise (the work happens in a worker).
   */
  detectForVideo(frame, timestampMs) {
    if (typeof timestampMs !== "number" || !Number.isFinite(timestampMs)) {
      return Promise.reject(
        new TypeError(`detectForVideo(frame, timestampMs) needs the frame's timestamp as a finite number of ms, not ${String(timestampMs)}`),
      );
    }
    return this.send(frame, timestampMs);
  }

  _dispatch(item) {
    this._inFlight = item;
    // Frames are dispatched in send order, so a reset point behind this frame applies now.
    const reset = this._resets.some((at) => item.seq > at);
    this._resets = this._resets.filter((at) => item.seq <= at);
    const next = () => {
      this._inFlight = null;
      if (this._pending && !this._closed) {
        const p = this._pending;
        this._pending = null;
        this._dispatch(p);
      }
    };
    this._request({ type: "frame", frame: item.payload, timestampMs: item.ts, reset }, item.transfer).then(
      (result) => {
        next();
        if (this._callback) {
          try {
            this._callback(result);
          } catch (e) {
            console.error("onResults callback threw", e);
          }
        }
        item.resolve(result);
      },
      (error) => {
        if (error.name === "DataCloneError") {
          // Never reached the worker: keep its reset point for the next frame, free the bitmap.
          if (reset) this._resets.push(item.seq);
          release(item);
          error = namedError("FrameError", `the frame's pixels cannot be read (a cross-origin image must be served with CORS): ${error.message}`);
        }
        next();
        item.reject(error);
      },
    );
  }

  /** Call `callback(results)` for every processed frame (replaces an earlier callback). */
  onResults(callback) {
    if (callback !== null && typeof callback !== "function") throw new TypeError("onResults takes a function");
    this._callback = callback;
    return this;
  }

  /**
   * Forget tracking and smoothing from the next frame sent on: frames sent before this call
   * (even if still waiting) are tracked as before, the first one sent after runs the pose
   * detector on a fresh state.
   */
  reset() {
    if (this._closed) return Promise.reject(new Error(CLOSED));
    if (this._failed) return Promise.reject(this._failed);
    this._resets.push(this._seq);
    return Promise.resolve();
  }

  /** Worker-side counters: frames, wasm memory, Python objects, live PyProxies. */
  stats() {
    if (this._closed) return Promise.reject(new Error(CLOSED));
    return this._request({ type: "stats" });
  }

  /** Release the models and end the worker. Pending frames are rejected. */
  async close() {
    if (this._closed) return;
    this._closed = true;
    if (this._pending) {
      release(this._pending);
      this._pending.reject(new Error(CLOSED));
      this._pending = null;
    }
    if (!this._failed) {
      await Promise.race([
        this._request({ type: "close" }).catch(() => {}),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
    this._worker.terminate();
    this._unwatch();
    const err = new Error(CLOSED);
    for (const req of this._requests.values()) req.reject(err);
    this._requests.clear();
  }
}

function dropped(timestampMs) {
  return { dropped: true, timestampMs, reason: "a newer frame replaced this one before it was processed" };
}

/** Load everything (Pyodide, numpy, our package, models) and return a ready tracker. */
export async function create(options = {}) {
  const { opts, py } = pipelineOptions(options || {});
  const base = resolveBase(opts.baseUrl);
  const worker = makeWorker(base);
  const tracker = new HolisticTracker(worker, opts);
  worker.onmessage = (e) => tracker._onMessage(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    const why = e.message || `script error (is the worker file at ${base}${WORKER_FILE}?)`;
    tracker._fail(namedError("WorkerError", `the BlazePose Holistic worker failed: ${why}; create a new tracker`));
  };
  worker.onmessageerror = () => tracker._fail(namedError("WorkerError", "a message from the worker could not be read"));
  try {
    tracker.info = await tracker._request({
      type: "init",
      options: py,
      baseUrl: base,
      indexURL: opts.indexURL ? new URL(opts.indexURL, self.location.href).href : undefined,
      backend: opts.backend,
      numThreads: opts.numThreads,
      parallelHands: opts.parallelHands,
    });
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return tracker;
}

export const version = "0.1.0";
