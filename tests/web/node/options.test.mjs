// The page API's options come from the generated contract (Python's contract.py): same
// names, defaults and limits on both sides, checked before a worker is started.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pipelineOptions } from "../../../web/src/api.js";
import { modelsFor, OPTIONS } from "../../../web/src/generated/contract.js";

test("no options give Python's defaults, in Python's names", () => {
  const { py, opts } = pipelineOptions({});
  assert.deepEqual(py, Object.fromEntries(OPTIONS.map((o) => [o.name, o.default])));
  assert.equal(py.model_complexity, 1);
  assert.equal(opts.backend, "litert");
  assert.equal(pipelineOptions({ backend: "wasm" }).opts.backend, "wasm");
  assert.throws(() => pipelineOptions({ backend: "cpu" }), { name: "RangeError", message: /backend must be "litert", "wasm" or "webgpu"/ });
  assert.deepEqual(modelsFor(py), ["pose_detector", "pose_landmark_full", "hand_recrop", "hand_landmark_full", "lifter"]);
});

test("camelCase options map to the pipeline's and choose the models", () => {
  const { py } = pipelineOptions({ modelComplexity: 2, enableSegmentation: true, enableHands: false, enableBodyModel: false });
  assert.equal(py.enable_hands, false);
  assert.deepEqual(modelsFor(py), ["pose_detector", "pose_landmark_heavy_seg"]);
});

test("bad values are named by the option, unknown names listed", () => {
  assert.throws(() => pipelineOptions({ modelComplexity: 3 }), { name: "RangeError", message: /modelComplexity must be 0, 1, 2/ });
  assert.throws(() => pipelineOptions({ minTrackingConfidence: 1.5 }), { name: "RangeError", message: /minTrackingConfidence must be a number in \[0, 1\]/ });
  assert.throws(() => pipelineOptions({ minDetectionConfidence: NaN }), RangeError);
  assert.throws(() => pipelineOptions({ enableHands: 1 }), { name: "TypeError", message: /enableHands must be true or false/ });
  assert.throws(() => pipelineOptions({ enableHand: true }), { name: "TypeError", message: /unknown option\(s\) enableHand/ });
  assert.throws(() => pipelineOptions({ numThreads: -1 }), RangeError);
  assert.throws(() => pipelineOptions({ parallelHands: "yes" }), { name: "RangeError", message: /parallelHands must be true, false or "auto", not "yes"/ });
  assert.equal(pipelineOptions({}).opts.parallelHands, "auto");
  assert.equal(pipelineOptions({ parallelHands: false }).opts.parallelHands, false);
});
