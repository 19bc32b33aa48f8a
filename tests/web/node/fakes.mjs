// Test doubles for driving HolisticTracker in Node: no browser, no real worker. The test
// plays the worker, answering through tracker._onMessage as worker.onmessage does in create().

import { HolisticTracker } from "../../../web/src/api.js";

// capture() recognises frames with `instanceof ImageData`, a browser-only global.
export class ImageData {
  constructor(width, height, data) {
    this.width = width;
    this.height = height;
    // Oversize frames are rejected before the pixels are read, so those tests pass a tiny array.
    this.data = data || new Uint8ClampedArray(width * height * 4);
  }
}
globalThis.ImageData = ImageData;

export class FakeWorker {
  constructor() {
    this.posted = []; // [{msg, transfer}], in posting order
    this.terminated = 0;
    this.tracker = null;
    this.answerPings = false;
    this.throwOnFrame = null; // an Error postMessage throws once for the next frame
    this.answered = new Set(); // request ids
  }

  postMessage(msg, transfer) {
    if (msg.type === "frame" && this.throwOnFrame) {
      const e = this.throwOnFrame;
      this.throwOnFrame = null;
      throw e;
    }
    this.posted.push({ msg, transfer });
    if (msg.type === "ping" && this.answerPings) setImmediate(() => this.tracker._onMessage({ type: "pong" }));
  }

  terminate() {
    this.terminated++;
  }

  messages(type) {
    return this.posted.map((p) => p.msg).filter((m) => !type || m.type === type);
  }

  frames() {
    return this.messages("frame");
  }

  /** Answer the request `msg` the way the real worker does. */
  result(msg, result = { timestampMs: msg.timestampMs }) {
    this.answer({ type: "result", id: msg.id, result });
  }

  error(msg, error) {
    this.answer({ type: "error", id: msg.id, error });
  }

  done(msg) {
    this.answer({ type: "done", id: msg.id });
  }

  answer(reply) {
    this.answered.add(reply.id);
    this.tracker._onMessage(reply);
  }

  /** Answer frames until none waits, including those sent because an earlier one finished. */
  async finishFrames() {
    await flush();
    let next;
    while ((next = this.frames().find((m) => !this.answered.has(m.id)))) {
      this.result(next);
      await flush();
    }
  }
}

/** A tracker as create() leaves it; the watchdog is off unless workerTimeoutMs is given. */
export function makeTracker({ workerTimeoutMs = 0, onProgress, ready = true } = {}) {
  const worker = new FakeWorker();
  const tracker = new HolisticTracker(worker, { onProgress, workerTimeoutMs });
  worker.tracker = tracker;
  if (ready) tracker.info = { test: true }; // create() sets it from the worker's "ready"
  return { tracker, worker };
}

export const frame = (width = 4, height = 2) => new ImageData(width, height);

/**
 * close() races the worker's answer with a 2 s timer that it leaves running, which would keep
 * the test file's process alive: fake setTimeout in tests that close.
 */
export function fakeCloseTimer(t) {
  t.mock.timers.enable({ apis: ["setTimeout"] });
}

/** Let capture() (async) and promise callbacks run. */
export const flush = () => new Promise((r) => setImmediate(r));

/** "pending", or {value} / {error} once the promise has settled. */
export function state(promise) {
  const settled = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  return Promise.race([settled, flush().then(() => "pending")]);
}
