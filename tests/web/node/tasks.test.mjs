// MediaPipe Tasks names: option aliases (resolved from the generated contract, the same
// cases as Python's test_contract.py) and detectForVideo(frame, timestampMs).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { pipelineOptions } from "../../../web/src/api.js";
import { OPTIONS } from "../../../web/src/generated/contract.js";
import { flush, frame, makeTracker } from "./fakes.mjs";

const { cases } = JSON.parse(readFileSync(new URL("../../fixtures/option_aliases.json", import.meta.url)));
const defaults = Object.fromEntries(OPTIONS.map((o) => [o.name, o.default]));
// Python's names in error messages become the JS ones here.
const jsName = (name) => OPTIONS.find((o) => o.name === name)?.jsName ?? name;

for (const { given, expect, error } of cases) {
  test(`aliases: ${JSON.stringify(given)}`, () => {
    if (error) {
      assert.throws(
        () => pipelineOptions(given),
        (e) => (e instanceof TypeError || e instanceof RangeError) && error.every((part) => e.message.includes(jsName(part))),
      );
    } else {
      assert.deepEqual(pipelineOptions(given).py, { ...defaults, ...expect });
    }
  });
}

test("the aliases are listed among the known options when a name is wrong", () => {
  assert.throws(() => pipelineOptions({ runingMode: "IMAGE" }), { name: "TypeError", message: /unknown option\(s\) runingMode; known: .*runningMode/ });
});

test("detectForVideo(frame, ts) is send(frame, ts): same frame message, resolves with the result", async () => {
  const { tracker, worker } = makeTracker();
  const r = tracker.detectForVideo(frame(), 1234);
  assert.ok(r instanceof Promise);
  await flush();
  const [msg] = worker.frames();
  assert.equal(msg.timestampMs, 1234);
  worker.result(msg, { poseLandmarks: "A", timestampMs: 1234 });
  assert.deepEqual(await r, { poseLandmarks: "A", timestampMs: 1234 });
});

test("detectForVideo needs the timestamp (MediaPipe Tasks requires it; send() defaults it)", async () => {
  const { tracker, worker } = makeTracker();
  for (const bad of [undefined, "12", NaN, Infinity]) {
    await assert.rejects(tracker.detectForVideo(frame(), bad), { name: "TypeError", message: /detectForVideo\(frame, timestampMs\) needs/ });
  }
  await flush();
  assert.equal(worker.frames().length, 0, "nothing reached the worker");
});

test("detectForVideo follows send()'s back-pressure: a replaced frame resolves as dropped", async () => {
  const { tracker, worker } = makeTracker();
  const a = tracker.detectForVideo(frame(), 10);
  await flush();
  const b = tracker.detectForVideo(frame(), 20);
  const c = tracker.detectForVideo(frame(), 30);
  await flush();
  assert.deepEqual(await b, { dropped: true, timestampMs: 20, reason: "a newer frame replaced this one before it was processed" });
  await worker.finishFrames();
  assert.deepEqual((await a).timestampMs, 10);
  assert.deepEqual((await c).timestampMs, 30);
});
