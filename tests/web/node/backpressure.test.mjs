// One frame in flight, one pending, the newest pending frame wins.
import assert from "node:assert/strict";
import { test } from "node:test";

import { flush, frame, ImageData, makeTracker, state } from "./fakes.mjs";

test("a frame sent while one is in flight waits, and a newer one replaces it", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 10);
  await flush();
  const b = tracker.send(frame(), 20);
  const c = tracker.send(frame(), 30);
  await flush();
  assert.deepEqual(
    worker.frames().map((m) => m.timestampMs),
    [10],
    "only the first frame reaches the worker while it is busy",
  );

  const dropped = await state(b);
  assert.equal(dropped.value.dropped, true);
  assert.equal(dropped.value.timestampMs, 20);
  assert.equal(await state(a), "pending");
  assert.equal(await state(c), "pending");

  worker.result(worker.frames()[0], { poseLandmarks: "A" });
  assert.deepEqual(await a, { poseLandmarks: "A" });
  await flush();
  const [first, second] = worker.frames();
  assert.equal(second.timestampMs, 30, "the pending frame goes out once the first is done");
  assert.ok(second.id > first.id);

  worker.result(second, { poseLandmarks: "C" });
  assert.deepEqual(await c, { poseLandmarks: "C" });
  assert.deepEqual(
    worker.messages().map((m) => m.type),
    ["frame", "frame"],
  );
});

test("the pending frame is sent even when the in-flight one fails in the worker", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.send(frame(), 1);
  await flush();
  const b = tracker.send(frame(), 2);
  await flush();
  worker.error(worker.frames()[0], { name: "PipelineError", message: "bad" });
  await assert.rejects(a, { name: "PipelineError" });
  await flush();
  worker.result(worker.frames()[1]);
  assert.deepEqual(await b, { timestampMs: 2 });
});

test("an idle tracker sends at once, one frame after another", async () => {
  const { tracker, worker } = makeTracker();
  for (const ts of [1, 2, 3]) {
    const p = tracker.send(frame(), ts);
    await flush();
    worker.result(worker.frames().at(-1));
    assert.deepEqual(await p, { timestampMs: ts });
  }
  assert.deepEqual(
    worker.frames().map((m) => m.timestampMs),
    [1, 2, 3],
  );
});

test("ImageData pixels are copied and transferred; the caller's frame is untouched", async () => {
  const { tracker, worker } = makeTracker();
  const img = new ImageData(2, 1, new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]));
  const p = tracker.send({ image: img }, 5); // MediaPipe's {image} form
  await flush();
  const [{ msg, transfer }] = worker.posted;
  assert.equal(msg.frame.width, 2);
  assert.equal(msg.frame.height, 1);
  assert.equal(msg.frame.kind, "rgba");
  assert.deepEqual([...new Uint8Array(msg.frame.buffer)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.notEqual(msg.frame.buffer, img.data.buffer);
  assert.deepEqual(transfer, [msg.frame.buffer]);
  assert.equal(msg.reset, false);
  worker.result(msg);
  await p;
  assert.deepEqual([...img.data], [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("no timestamp means performance.now()", async () => {
  const { tracker, worker } = makeTracker();
  const before = performance.now();
  const p = tracker.send(frame());
  await flush();
  const ts = worker.frames()[0].timestampMs;
  assert.ok(ts >= before && ts <= performance.now(), `${ts}`);
  worker.result(worker.frames()[0]);
  await p;
});

test("onResults sees every processed frame, not the dropped ones", async (t) => {
  const { tracker, worker } = makeTracker();
  const seen = [];
  assert.equal(
    tracker.onResults((r) => seen.push(r.timestampMs)),
    tracker,
  );
  const a = tracker.send(frame(), 1);
  await flush();
  const b = tracker.send(frame(), 2);
  const c = tracker.send(frame(), 3);
  worker.result(worker.frames()[0]);
  await flush();
  worker.result(worker.frames()[1]);
  await Promise.all([a, b, c]);
  assert.deepEqual(seen, [1, 3]);

  // A throwing callback is reported, and the send still resolves.
  const logged = t.mock.method(console, "error", () => {});
  tracker.onResults(() => {
    throw new Error("user bug");
  });
  const d = tracker.send(frame(), 4);
  await flush();
  worker.result(worker.frames()[2]);
  assert.deepEqual(await d, { timestampMs: 4 });
  assert.equal(logged.mock.callCount(), 1);

  tracker.onResults(null);
  assert.throws(() => tracker.onResults("nope"), TypeError);
});
