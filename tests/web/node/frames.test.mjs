// What send() accepts: timestamps, frame types, sizes; and frames whose capture is slow.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fakeCloseTimer, flush, frame, ImageData, makeTracker } from "./fakes.mjs";

test("a timestamp that is not a finite number is a TypeError", async () => {
  const { tracker, worker } = makeTracker();
  for (const ts of [NaN, Infinity, -Infinity, "5", {}, true, 5n]) {
    await assert.rejects(tracker.send(frame(), ts), { name: "TypeError", message: /finite number/ }, String(ts));
  }
  assert.equal(worker.posted.length, 0);
});

test("send() rejects rather than throws, even for a Symbol timestamp", async () => {
  const { tracker } = makeTracker();
  let p;
  assert.doesNotThrow(() => (p = tracker.send(frame(), Symbol("t"))));
  await assert.rejects(p, TypeError);
});

test("what is not a frame is a TypeError", async () => {
  const { tracker, worker } = makeTracker();
  for (const f of [undefined, null, {}, [], "frame", 42, { image: 42 }, { width: 4, height: 2, data: [] }]) {
    await assert.rejects(tracker.send(f, 1), TypeError, JSON.stringify(f));
  }
  assert.equal(worker.posted.length, 0);
});

test("an empty or oversized ImageData is a FrameError, before any pixel is copied", async () => {
  const { tracker, worker } = makeTracker();
  const tiny = new Uint8ClampedArray(4);
  for (const [w, h] of [
    [0, 4],
    [16385, 1],
    [8001, 5000],
  ]) {
    await assert.rejects(tracker.send(new ImageData(w, h, tiny), 1), { name: "FrameError" }, `${w}x${h}`);
  }
  assert.equal(worker.posted.length, 0);
  // The tracker is unharmed.
  const p = tracker.send(frame(), 2);
  await flush();
  worker.result(worker.frames()[0]);
  await p;
});

// Canvas-like frames go through createImageBitmap (async, and it can be slow): doubles
// of both let a test finish their capture after a newer frame's.
class OffscreenCanvas {
  constructor(width, height) {
    this.width = width;
    this.height = height;
  }
}
globalThis.OffscreenCanvas = OffscreenCanvas;
const bitmaps = [];
globalThis.createImageBitmap = (source) =>
  new Promise((resolve, reject) => {
    const bitmap = { source, closed: false, close: () => (bitmap.closed = true) };
    bitmaps.push({ bitmap, resolve: () => resolve(bitmap), reject });
  });

test("a frame whose capture finishes after a newer frame's is dropped and its bitmap closed", async () => {
  const { tracker, worker } = makeTracker();
  bitmaps.length = 0;
  const slow = tracker.send(new OffscreenCanvas(4, 2), 1);
  const fast = tracker.send(frame(), 2);
  await flush();
  assert.deepEqual(
    worker.frames().map((m) => m.timestampMs),
    [2],
  );
  bitmaps[0].resolve();
  const r = await slow;
  assert.equal(r.dropped, true);
  assert.equal(r.timestampMs, 1);
  assert.equal(bitmaps[0].bitmap.closed, true, "a dropped bitmap is released");
  worker.result(worker.frames()[0]);
  await fast;
  assert.equal(worker.frames().length, 1);
});

test("a canvas frame is sent as a transferred bitmap; a capture failure is a FrameError", async () => {
  const { tracker, worker } = makeTracker();
  bitmaps.length = 0;
  const ok = tracker.send(new OffscreenCanvas(4, 2), 1);
  await flush();
  bitmaps[0].resolve();
  await flush();
  const [{ msg, transfer }] = worker.posted;
  assert.equal(msg.frame.kind, "bitmap");
  assert.equal(msg.frame.bitmap, bitmaps[0].bitmap);
  assert.deepEqual(transfer, [bitmaps[0].bitmap]);
  worker.result(msg);
  await ok;

  const bad = tracker.send(new OffscreenCanvas(4, 2), 2);
  await flush();
  bitmaps[1].reject(new Error("tainted"));
  await assert.rejects(bad, { name: "FrameError", message: /tainted/ });
  await assert.rejects(tracker.send(new OffscreenCanvas(0, 2), 3), { name: "FrameError" });
});

test("close() and a dead worker release the bitmap of the pending frame", async (t) => {
  fakeCloseTimer(t);
  for (const end of [(tr) => tr.close(), (tr) => tr._fail(new Error("dead"))]) {
    const { tracker, worker } = makeTracker();
    bitmaps.length = 0;
    const a = tracker.send(frame(), 1);
    const b = tracker.send(new OffscreenCanvas(4, 2), 2);
    await flush();
    bitmaps[0].resolve();
    await flush();
    end(tracker);
    await assert.rejects(b);
    assert.equal(bitmaps[0].bitmap.closed, true);
    worker.result(worker.frames()[0]);
    await a.catch(() => {});
    if (worker.messages("close").length) worker.done(worker.messages("close")[0]);
  }
});
