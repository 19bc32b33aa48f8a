// The "litert" backend: MediaPipe's networks on LiteRT.js (XNNPACK's WebAssembly kernels,
// as MediaPipe itself runs them), our crop (crop.js) in front of each.
// onnxruntime-web's WASM build has no depthwise-convolution kernel (docs/benchmark.md,
// "Where the time goes"); these networks are mostly depthwise convolutions.
//
// An engine (this file's and sessions.js's) is what loop.js runs a model with:
//   {inputNames, outputNames, run(image, names, shapes, arrays) -> {meta, buffers, dispose}, release()}
// meta: [[name, type, dims]] in the manifest's output order; buffers: their typed arrays.
import { Tensor, loadAndCompile, loadLiteRt, supportsFeature } from "@litertjs/core";
import { namedError } from "../errors.js";
import { cropFrame } from "./crop.js";
import { fetchChecked } from "./download.js";

/** The LiteRT.js loader script this browser runs: relaxed SIMD (+ threads), else compat. */
export async function litertScript(threads) {
  if (!(await supportsFeature("relaxedSimd"))) return "litert/litert_wasm_compat_internal.js";
  return threads > 1 ? "litert/litert_wasm_threaded_internal.js" : "litert/litert_wasm_internal.js";
}

/**
 * Loads LiteRT.js's Emscripten module. Its loader passes the global `Module` to the module
 * factory and clears it when done; the global is how its .wasm (and, threaded, its workers'
 * script) are found next to its loader rather than next to this worker. Pyodide's package
 * loaders (numpy.js) define that same global, so boot.js loads numpy only after this.
 */
export async function startLiteRt(scriptUrl, threads) {
  self.Module = { locateFile: (path) => new URL(path, scriptUrl).href, mainScriptUrlOrBlob: scriptUrl };
  try {
    await loadLiteRt(scriptUrl, { threads: threads > 1 });
  } catch (e) {
    throw namedError("LoadError", `could not load LiteRT.js from ${scriptUrl}: ${e.message || e}`);
  }
}

async function compile(name, bytes, threads) {
  try {
    return await loadAndCompile(bytes, { accelerator: "wasm", cpuOptions: { numThreads: threads } });
  } catch (e) {
    throw namedError("ModelError", `model '${name}' could not be loaded by LiteRT.js (corrupt, or not a TFLite model): ${e.message || e}`);
  }
}

/**
 * The engine of one model: for MediaPipe's, our crop (crop.js) then the network, once per
 * crop (the TFLite files have batch 1); for our own (the lifter, no crop), the network on
 * the pipeline's tensors (build_scripts/models/own_litert.py).
 */
export async function litertEngine(name, entry, bytes, threads) {
  const net = await compile(name, bytes, threads);
  return entry.crop ? cropEngine(name, entry, net) : tensorEngine(name, entry, net);
}

function outputIndex(name, entry, net) {
  const detail = net.getOutputDetails().map((d) => d.name);
  const wanted = entry.outputs.map((o) => o.name);
  const index = wanted.map((o) => detail.indexOf(entry.litert.outputs[o]));
  if (index.some((i) => i < 0)) {
    throw namedError("ModelError", `model '${name}': LiteRT.js outputs [${detail}] lack the manifest's [${wanted.map((o) => entry.litert.outputs[o])}]`);
  }
  return { wanted, index };
}

function readOutputs(outs, wanted, index, batch) {
  const buffers = index.map((i) => outs[i].toTypedArray().slice());
  const meta = wanted.map((o, k) => [o, "float32", [batch, ...outs[index[k]].type.layout.dimensions.slice(1)]]);
  for (const o of outs) o.delete();
  return { meta, buffers, dispose() {} };
}

function tensorEngine(name, entry, net) {
  const { wanted, index } = outputIndex(name, entry, net);
  const { inputs, input_shapes: shapesWanted } = entry.litert;
  return {
    inputNames: entry.inputs.map((i) => i.name),
    outputNames: wanted,
    async run(image, names, shapes, arrays) {
      const tensors = inputs.map((n, k) => {
        const at = names.indexOf(n);
        if (at < 0 || String(shapes[at]) !== String(shapesWanted[k])) {
          throw namedError("PipelineError", `model '${name}': input ${n} must have shape [${shapesWanted[k]}], got [${at < 0 ? "none" : shapes[at]}]`);
        }
        return new Tensor(arrays[at], shapesWanted[k]);
      });
      let outs;
      try {
        outs = await net.run(tensors);
      } finally {
        for (const t of tensors) t.delete();
      }
      return readOutputs(outs, wanted, index, shapesWanted[0][0]);
    },
    release() {
      net.delete();
    },
  };
}

function cropEngine(name, entry, net) {
  const { wanted, index } = outputIndex(name, entry, net);
  const shape = entry.litert.input_shape;
  const per = shape.reduce((a, b) => a * b, 1);
  const { size, value_range: [lo, hi], border } = entry.crop;
  return {
    inputNames: ["image", "matrix"],
    outputNames: wanted,
    async run(image, names, shapes, arrays) {
      const [height, width] = image.dims;
      const matrices = arrays[names.indexOf("matrix")];
      const batch = shapes[names.indexOf("matrix")][0];
      const crops = cropFrame(image.data, width, height, matrices, batch, size, lo, hi, border === "zero");
      const parts = wanted.map(() => []);
      let dims = null;
      for (let b = 0; b < batch; b++) {
        const input = new Tensor(crops.subarray(b * per, (b + 1) * per), shape);
        let outs;
        try {
          outs = await net.run([input]);
        } finally {
          input.delete();
        }
        dims = index.map((i) => outs[i].type.layout.dimensions.slice(1));
        index.forEach((i, k) => parts[k].push(outs[i].toTypedArray().slice()));
        for (const o of outs) o.delete();
      }
      const buffers = parts.map((p) => concat(p));
      const meta = wanted.map((o, k) => [o, "float32", [batch, ...(dims ? dims[k] : [])]]);
      return { meta, buffers, dispose() {} };
    },
    release() {
      net.delete();
    },
  };
}

function concat(arrays) {
  if (arrays.length === 1) return arrays[0];
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The network's bytes, checked against the manifest's sha256 (as sessions.js does models). */
export function fetchNetwork(name, entry, modelsBase) {
  return fetchChecked(new URL(entry.litert.file, modelsBase).href, entry.litert, `model '${name}' (LiteRT network)`);
}
