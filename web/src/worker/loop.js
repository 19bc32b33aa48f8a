// One frame through the pipeline: the JS twin of blazepose_holistic/tracker.py. The
// Python generator (through bridge.Bridge) asks for a model run, this file runs it with the
// model's engine (sessions.js, litert.js) on the frame plus the requested tensors and sends
// the outputs back; the last answer is the finished frame.
import { namedError } from "../errors.js";
import { buildResult } from "./results.js";

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// onnxruntime-web's WASM run and the Python steps are synchronous: a frame's awaits only
// drain microtasks, so a ping posted mid-frame would wait for the whole frame. One task turn
// after each model run lets it through. A MessageChannel rather than setTimeout(0), which
// browsers clamp to 4 ms once calls nest.
const turn = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    turn.port1.onmessage = () => resolve();
    turn.port2.postMessage(null);
  });
}

async function runModel(t, step, image, timings) {
  const [, model, stage, names, shapes, arrays] = step;
  const engine = t.engines[model];
  if (!engine) throw namedError("PipelineError", `the pipeline asked for model '${model}', which is not loaded`);
  const t1 = performance.now();
  let out;
  try {
    out = await engine.run(image, names, shapes, arrays);
  } catch (e) {
    throw e && e.name === "PipelineError" ? e : namedError("InferenceError", `running '${model}' failed: ${e.message || e}`);
  }
  const ms = performance.now() - t1;
  const key = camel(stage);
  timings[key] = (timings[key] || 0) + ms;
  const next = t.bridge.send(JSON.stringify(out.meta), out.buffers);
  out.dispose();
  return { next, ms };
}

/**
 * t: the worker's tracker state (init.js); msg: a "frame" request. Resolves with
 * {result, transfer}: the public result object and what to transfer with it.
 */
export async function processFrame(t, msg) {
  const t0 = performance.now();
  const { pixels, width, height } = t.frameReader.read(msg.frame);
  // The frame as every engine takes it (sessions.js wraps it for onnxruntime-web).
  const image = { data: pixels, dims: [height, width, 4] };
  const tFrame = performance.now() - t0;
  const timings = { frame: tFrame };
  let inference = 0;
  let step = t.bridge.start(width, height, msg.timestampMs / 1000);
  try {
    while (step[0] === "run") {
      const { next, ms } = await runModel(t, step, image, timings);
      step = next;
      inference += ms;
      await nextTask();
    }
  } catch (e) {
    t.bridge.abort(); // close the Python generator; tracking state is kept
    throw e;
  }
  const result = buildResult(step[1], { width, height, timestampMs: msg.timestampMs, jointNames: t.jointNames });
  const transfer = [];
  if (result.segmentationMaskData) {
    result.segmentationMask = t.masks.toImageBitmap(result.segmentationMaskData, width, height);
    transfer.push(result.segmentationMask);
  }
  const total = performance.now() - t0;
  timings.inference = inference;
  timings.python = total - inference - tFrame;
  timings.total = total;
  result.timings = timings;
  t.frames++;
  return { result, transfer };
}
