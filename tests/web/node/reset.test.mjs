// reset() applies to the first frame *sent* after it, whatever happens to the frames around it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { flush, frame, makeTracker } from "./fakes.mjs";

const resets = (worker) => worker.frames().map((m) => [m.timestampMs, m.reset]);

test("only the first frame sent after reset() is marked", async () => {
  const { tracker, worker } = makeTracker();
  const sends = [tracker.send(frame(), 1)];
  await worker.finishFrames();
  await tracker.reset();
  sends.push(tracker.send(frame(), 2));
  await worker.finishFrames();
  sends.push(tracker.send(frame(), 3));
  await worker.finishFrames();
  await Promise.all(sends);
  assert.deepEqual(resets(worker), [
    [1, false],
    [2, true],
    [3, false],
  ]);
});

test("a frame sent before reset() and still waiting is not marked", async () => {
  const { tracker, worker } = makeTracker();
  const sends = [tracker.send(frame(), 1), tracker.send(frame(), 2)]; // 2 waits behind 1
  await flush();
  tracker.reset();
  await worker.finishFrames();
  sends.push(tracker.send(frame(), 3));
  await worker.finishFrames();
  await Promise.all(sends);
  assert.deepEqual(resets(worker), [
    [1, false],
    [2, false],
    [3, true],
  ]);
});

test("the reset survives when the frame sent after it is dropped from pending", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  tracker.reset();
  const b = tracker.send(frame(), 2); // marked, but replaced before it is sent
  const c = tracker.send(frame(), 3);
  assert.equal((await b).dropped, true);
  await worker.finishFrames();
  const d = tracker.send(frame(), 4);
  await worker.finishFrames();
  await Promise.all([a, c, d]);
  assert.deepEqual(resets(worker), [
    [1, false],
    [3, true],
    [4, false],
  ]);
});

test("two resets in a row mark one frame; reset, frame, reset, frame marks both", async () => {
  const { tracker, worker } = makeTracker();
  tracker.reset();
  tracker.reset();
  const sends = [tracker.send(frame(), 1)];
  await worker.finishFrames();
  sends.push(tracker.send(frame(), 2));
  await worker.finishFrames();
  tracker.reset();
  sends.push(tracker.send(frame(), 3));
  tracker.reset();
  sends.push(tracker.send(frame(), 4)); // waits behind 3
  await worker.finishFrames();
  await Promise.all(sends);
  assert.deepEqual(resets(worker), [
    [1, true],
    [2, false],
    [3, true],
    [4, true],
  ]);
});

test("a frame rejected before it reaches the worker does not use up the reset", async () => {
  const { tracker, worker } = makeTracker();
  tracker.reset();
  await assert.rejects(tracker.send(frame(0, 0), 1), { name: "FrameError" });
  // Never reached the worker (a cross-origin canvas): the next frame carries the reset.
  worker.throwOnFrame = Object.assign(new Error("could not be cloned"), { name: "DataCloneError" });
  await assert.rejects(tracker.send(frame(), 2), { name: "FrameError", message: /CORS/ });
  const ok = tracker.send(frame(), 3);
  await worker.finishFrames();
  await ok;
  assert.deepEqual(resets(worker), [[3, true]]);
});
