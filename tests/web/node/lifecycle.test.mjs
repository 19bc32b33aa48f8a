// close(), errors the worker reports, a worker that dies (_fail) or hangs (the watchdog).
import assert from "node:assert/strict";
import { test } from "node:test";

import { namedError } from "../../../web/src/errors.js";
import { fakeCloseTimer, flush, frame, makeTracker, state } from "./fakes.mjs";

const CLOSED = { name: "Error", message: "the tracker is closed" };

test("close() rejects the pending frame, asks the worker to close, then terminates it", async (t) => {
  fakeCloseTimer(t);
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  const b = tracker.send(frame(), 2);
  await flush();
  const closing = tracker.close();
  assert.equal(tracker.closed, true);
  await assert.rejects(b, CLOSED);
  assert.deepEqual(
    worker.messages().map((m) => m.type),
    ["frame", "close"],
  );
  assert.equal(worker.terminated, 0, "the worker gets to release its models first");

  worker.done(worker.messages("close")[0]);
  await closing;
  assert.equal(worker.terminated, 1);
  // The worker never answered frame 1: it ends with the tracker.
  await assert.rejects(a, CLOSED);
  assert.equal(worker.frames().length, 1, "the pending frame was never sent");
  await tracker.close(); // idempotent
  assert.equal(worker.terminated, 1);
});

test("close() terminates a worker that does not answer within 2 s", async (t) => {
  fakeCloseTimer(t);
  const { tracker, worker } = makeTracker();
  const closing = tracker.close();
  await flush();
  t.mock.timers.tick(1999);
  await flush();
  assert.equal(worker.terminated, 0);
  t.mock.timers.tick(1);
  await closing;
  assert.equal(worker.terminated, 1);
});

test("after close() every call rejects", async (t) => {
  fakeCloseTimer(t);
  const { tracker, worker } = makeTracker();
  const closing = tracker.close();
  worker.done(worker.messages("close")[0]);
  await closing;
  await assert.rejects(tracker.send(frame(), 1), CLOSED);
  await assert.rejects(tracker.reset(), CLOSED);
  await assert.rejects(tracker.stats(), CLOSED);
  assert.equal(worker.frames().length, 0);
});

test("an error reply rejects that send with the remote error; the next frame works", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  worker.error(worker.frames()[0], { name: "PipelineError", message: "no pose", detail: "Traceback ..." });
  const err = await a.catch((e) => e);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "PipelineError");
  assert.equal(err.message, "no pose");
  assert.equal(err.detail, "Traceback ...");
  assert.equal(tracker.error, null, "one bad frame does not end the tracker");

  const b = tracker.send(frame(), 2);
  await flush();
  worker.result(worker.frames()[1]);
  assert.deepEqual(await b, { timestampMs: 2 });
});

test("an error reply without a name becomes a plain Error", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  worker.error(worker.frames()[0], { message: "?" });
  const err = await a.catch((e) => e);
  assert.equal(err.name, "Error");
  assert.equal("detail" in err, false);
});

test("_fail rejects the frame in flight, the pending one and other requests, and all later calls", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  const b = tracker.send(frame(), 2);
  const stats = tracker.stats();
  await flush();
  const dead = namedError("WorkerError", "the worker failed");
  tracker._fail(dead); // what worker.onerror does
  for (const p of [a, b, stats]) assert.equal((await state(p)).error, dead);
  assert.equal(tracker.error, dead);
  assert.equal(worker.terminated, 1);
  assert.equal(worker.frames().length, 1, "the pending frame was never sent");

  tracker._fail(namedError("WorkerError", "again")); // a second error event changes nothing
  assert.equal(tracker.error, dead);
  assert.equal(worker.terminated, 1);
  for (const p of [tracker.send(frame(), 3), tracker.reset(), tracker.stats()]) {
    assert.equal((await state(p)).error, dead);
  }
  assert.equal(worker.frames().length, 1);

  // close() after a failure does not wait for the dead worker.
  await tracker.close();
  assert.equal(worker.messages("close").length, 0);
});

// A broken watchdog must fail these tests, not hang the run: its interval would keep Node alive.
const WATCHED = { timeout: 5000 };

test("the watchdog turns a worker that never answers into a WorkerError", WATCHED, async (t) => {
  const { tracker, worker } = makeTracker({ workerTimeoutMs: 40 });
  t.after(() => tracker._unwatch());
  const a = tracker.send(frame(), 1);
  await assert.rejects(a, { name: "WorkerError", message: /40 ms/ });
  assert.ok(worker.messages("ping").length >= 1, "it asked before giving up");
  assert.equal(worker.terminated, 1);
  assert.equal(tracker.error.name, "WorkerError");
  await assert.rejects(tracker.send(frame(), 2), { name: "WorkerError" });
});

test("a slow frame is not a hang while the worker answers pings", WATCHED, async (t) => {
  // Generous: a busy test machine can stall this process for a good fraction of the timeout.
  const { tracker, worker } = makeTracker({ workerTimeoutMs: 250 });
  t.after(() => tracker._unwatch());
  worker.answerPings = true;
  const a = tracker.send(frame(), 1);
  await new Promise((r) => setTimeout(r, 750)); // three timeouts' worth of work
  assert.ok(worker.messages("ping").length >= 3);
  worker.result(worker.frames()[0]);
  assert.deepEqual(await a, { timestampMs: 1 });
  assert.equal(tracker.error, null);
  fakeCloseTimer(t);
  const closing = tracker.close();
  worker.done(worker.messages("close")[0]);
  await closing;
});

test("loading is not watched: no ping before the worker is ready", WATCHED, async (t) => {
  const { tracker, worker } = makeTracker({ workerTimeoutMs: 20, ready: false });
  t.after(() => tracker._unwatch());
  const stats = tracker.stats();
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(await state(stats), "pending");
  assert.equal(worker.messages("ping").length, 0);
  assert.equal(tracker.error, null);
  tracker._fail(namedError("WorkerError", "test over"));
  await assert.rejects(stats, { name: "WorkerError" });
});

test("progress events go to onProgress, and a throwing callback is only logged", async (t) => {
  const events = [];
  const { tracker } = makeTracker({ onProgress: (e) => events.push(e) });
  tracker._onMessage({ type: "progress", event: { stage: "models", loaded: 1 } });
  assert.deepEqual(events, [{ stage: "models", loaded: 1 }]);

  const logged = t.mock.method(console, "error", () => {});
  tracker._onProgress = () => {
    throw new Error("user bug");
  };
  tracker._onMessage({ type: "progress", event: {} });
  assert.equal(logged.mock.callCount(), 1);
});
