// parallelHands (web/src/worker/helper.js) with a fake second worker: the batch is split in
// crop order, and a helper that dies, errs or goes silent costs the frame nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Helper, splitEngine } from "../../../web/src/worker/helper.js";

// One output with 2 values per crop: crop b of matrices gives [m[6b], tag], so the
// concatenation order and who ran which crop are both visible.
function fakeEngine(tag) {
  const engine = {
    inputNames: ["image", "matrix"],
    outputNames: ["out"],
    calls: [],
    async run(image, names, shapes, arrays) {
      const m = arrays[names.indexOf("matrix")];
      const batch = shapes[names.indexOf("matrix")][0];
      engine.calls.push(batch);
      const out = new Float32Array(batch * 2);
      for (let b = 0; b < batch; b++) out.set([m[b * 6], tag], b * 2);
      return { meta: [["out", "float32", [batch, 2]]], buffers: [out], dispose() {} };
    },
    release() {},
  };
  return engine;
}

// Plays the helper worker: answers init, runs crops with its own fake engine (tag 2).
class FakeHelperWorker {
  constructor() {
    FakeHelperWorker.last = this;
    this.engine = fakeEngine(2);
    this.mode = "answer"; // "answer" | "error" | "silent"
    this.frames = 0;
    this.terminated = false;
  }

  postMessage(msg) {
    if (msg.frame) this.frames++;
    setImmediate(async () => {
      if (this.terminated || this.mode === "silent") return;
      if (this.mode === "error") {
        return this.onmessage({ data: { type: "error", id: msg.id, error: { name: "InferenceError", message: "boom" } } });
      }
      if (msg.type === "helper-init") return this.onmessage({ data: { type: "ready", id: msg.id } });
      const out = await this.engine.run(null, ["matrix"], [[msg.batch, 2, 3]], [msg.matrices]);
      this.onmessage({ data: { type: "result", id: msg.id, meta: out.meta, buffers: out.buffers } });
    });
  }

  terminate() {
    this.terminated = true;
  }
}
globalThis.Worker = FakeHelperWorker;

const image = { dims: [2, 2, 4], data: new Uint8Array(16) };
const matrices = (batch) => {
  const m = new Float32Array(batch * 6);
  for (let b = 0; b < batch; b++) m[b * 6] = 10 + b;
  return m;
};
const run = (engine, batch, img = image) => engine.run(img, ["matrix"], [[batch, 2, 3]], [matrices(batch)]);

async function readyHelper() {
  const helper = new Helper("worker.js", {});
  await helper.ready;
  assert.equal(helper.state, "ready");
  return helper;
}

test("two crops: the first here, the second in the helper, in crop order", async () => {
  const helper = await readyHelper();
  const local = fakeEngine(1);
  const out = await run(splitEngine("hand", local, helper), 2);
  assert.deepEqual(out.meta, [["out", "float32", [2, 2]]]);
  assert.deepEqual([...out.buffers[0]], [10, 1, 11, 2]);
  assert.deepEqual(local.calls, [1]);
  assert.equal(helper.runs, 1);
  // Three crops: two here, one there; one crop: all here.
  assert.deepEqual([...(await run(splitEngine("hand", local, helper), 3)).buffers[0]], [10, 1, 11, 1, 12, 2]);
  assert.deepEqual([...(await run(splitEngine("hand", local, helper), 1)).buffers[0]], [10, 1]);
  assert.equal(helper.runs, 2);
});

test("the frame's pixels go to the helper once per frame", async () => {
  const helper = await readyHelper();
  const engine = splitEngine("hand", fakeEngine(1), helper);
  await run(engine, 2);
  await run(engine, 2); // the same frame (re-crop, then landmarks)
  await run(engine, 2, { dims: [2, 2, 4], data: new Uint8Array(16) });
  assert.equal(FakeHelperWorker.last.frames, 2);
});

test("before the helper is ready, everything runs here", async () => {
  const helper = new Helper("worker.js", {});
  const local = fakeEngine(1);
  const out = await run(splitEngine("hand", local, helper), 2);
  assert.deepEqual([...out.buffers[0]], [10, 1, 11, 1]);
  assert.equal(helper.state, "starting");
});

test("a helper that errs: its half is run here, and it stays in use", async () => {
  const helper = await readyHelper();
  FakeHelperWorker.last.mode = "error";
  const local = fakeEngine(1);
  const out = await run(splitEngine("hand", local, helper), 2);
  assert.deepEqual([...out.buffers[0]], [10, 1, 11, 1]);
  assert.deepEqual(local.calls, [1, 1]);
  assert.equal(helper.state, "ready");
});

test("a helper that dies: the frame is finished here, and later frames run here", async () => {
  const helper = await readyHelper();
  const worker = FakeHelperWorker.last;
  worker.mode = "silent";
  const local = fakeEngine(1);
  const engine = splitEngine("hand", local, helper);
  const pending = run(engine, 2);
  await new Promise((r) => setImmediate(r));
  worker.onerror({ message: "out of memory", preventDefault() {} });
  assert.deepEqual([...(await pending).buffers[0]], [10, 1, 11, 1]);
  assert.equal(helper.state, "failed");
  assert.match(helper.failure, /out of memory/);
  assert.equal(worker.terminated, true);
  await run(engine, 2);
  assert.deepEqual(local.calls, [1, 1, 2]);
});

test("a helper that cannot start leaves the hands here, with the reason", async () => {
  const saved = globalThis.Worker;
  globalThis.Worker = class {
    constructor() {
      throw new Error("blocked by worker-src");
    }
  };
  try {
    const helper = new Helper("worker.js", {});
    assert.equal(helper.state, "failed");
    assert.match(helper.failure, /blocked by worker-src/);
    const out = await run(splitEngine("hand", fakeEngine(1), helper), 2);
    assert.deepEqual([...out.buffers[0]], [10, 1, 11, 1]);
  } finally {
    globalThis.Worker = saved;
  }
});

test("a helper that answers init with an error is failed, not waited for", async () => {
  const helper = new Helper("worker.js", {});
  FakeHelperWorker.last.mode = "error";
  await helper.ready;
  assert.equal(helper.state, "failed");
  assert.match(helper.failure, /did not start: boom/);
});
