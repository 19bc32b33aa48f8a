// Inference in the worker: onnxruntime-web's backend and thread count, and one session per
// model, each fetched, checked against the manifest's sha256 and its input/output names.
import { namedError } from "../errors.js";
import { fetchChecked } from "./download.js";
import { fetchNetwork, litertEngine } from "./litert.js";

export async function chooseBackend(requested, notes) {
  if (requested === "litert") return "litert";
  if (requested === "webgpu") {
    let adapter = null;
    try {
      adapter = self.navigator.gpu ? await self.navigator.gpu.requestAdapter() : null;
    } catch (e) {
      adapter = null;
    }
    if (adapter) return "webgpu";
    notes.push("WebGPU was requested but no WebGPU adapter is available here; using the LiteRT backend");
    return "litert";
  }
  return "wasm";
}

/** The files onnxruntime-web downloads with this backend (progress totals). */
export function ortFiles(backend) {
  return backend === "webgpu"
    ? ["ort/ort-wasm-simd-threaded.asyncify.mjs", "ort/ort-wasm-simd-threaded.asyncify.wasm"]
    : ["ort/ort-wasm-simd-threaded.mjs", "ort/ort-wasm-simd-threaded.wasm"];
}

/** The scripts this backend runs: the classic bundle and the module it imports. */
export function ortScripts(backend) {
  return [`ort/${ortBundle(backend)}`, ...ortFiles(backend).filter((f) => f.endsWith(".mjs"))];
}

function ortBundle(backend) {
  return backend === "webgpu" ? "ort.webgpu.min.js" : "ort.wasm.min.js";
}

/** WASM threads for every engine: threads need a cross-origin isolated page. */
export function threadCount(requestedThreads, notes) {
  if (self.crossOriginIsolated) {
    return requestedThreads > 0 ? requestedThreads : Math.min(4, Math.max(1, Math.ceil((self.navigator.hardwareConcurrency || 1) / 2)));
  }
  if (requestedThreads > 1) notes.push("numThreads > 1 needs a cross-origin isolated page (COOP/COEP headers); using 1 thread");
  return 1;
}

/** Whether any of these models runs on onnxruntime-web: with backend "litert" every model
 * that has a LiteRT network (all of ours, the lifter too) runs on LiteRT.js instead. */
export function needsOrt(backend, models, manifest) {
  return models.some((m) => !(backend === "litert" && manifest.models[m] && manifest.models[m].litert));
}

/**
 * Loads the backend's onnxruntime-web bundle (a classic script) and configures it; returns
 * {ort, sessionOptions}.
 */
export function loadOrt(ortBase, backend, numThreads) {
  const script = ortBase + ortBundle(backend);
  try {
    self.importScripts(script);
  } catch (e) {
    throw namedError("LoadError", `could not load onnxruntime-web from ${script}: ${e.message}`);
  }
  const ort = self.ort;
  ort.env.wasm.wasmPaths = ortBase;
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = numThreads;
  const sessionOptions = {
    executionProviders: backend === "webgpu" ? ["webgpu", "wasm"] : ["wasm"],
    graphOptimizationLevel: "all",
  };
  return { ort, sessionOptions };
}

/** The model's bytes, checked against the manifest's sha256. */
function fetchModel(name, entry, modelsBase) {
  if (!entry) {
    return Promise.reject(namedError("ModelError", `model '${name}' is not listed in the model manifest (${modelsBase}manifest.json)`));
  }
  return fetchChecked(new URL(entry.file, modelsBase).href, entry, `model '${name}'`);
}

async function createSession(name, entry, bytes, ort, sessionOptions, progress, timings) {
  progress.stage("sessions", name);
  let session;
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
    timings[name] = Math.round(performance.now() - t0);
  } catch (e) {
    throw namedError("ModelError", `model '${name}' could not be loaded by onnxruntime-web (corrupt, or not an ONNX model): ${e.message || e}`);
  }
  const wantIn = entry.inputs.map((i) => i.name);
  const wantOut = entry.outputs.map((o) => o.name);
  if (String(session.inputNames) !== String(wantIn) || String(session.outputNames) !== String(wantOut)) {
    throw namedError("ModelError", `model '${name}' has inputs [${session.inputNames}] and outputs [${session.outputNames}]; the manifest expects [${wantIn}] and [${wantOut}]`);
  }
  return session;
}

/** An onnxruntime-web session as loop.js runs it (the engine interface in litert.js). */
function ortEngine(session, ort) {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(image, names, shapes, arrays) {
      const feeds = {};
      if (session.inputNames.includes("image")) feeds.image = new ort.Tensor("uint8", image.data, image.dims);
      for (let i = 0; i < names.length; i++) feeds[names[i]] = new ort.Tensor("float32", arrays[i], shapes[i]);
      const outputs = await session.run(feeds);
      const meta = session.outputNames.map((n) => [n, outputs[n].type, outputs[n].dims]);
      const buffers = session.outputNames.map((n) => outputs[n].data);
      return { meta, buffers, dispose: () => session.outputNames.forEach((n) => outputs[n].dispose()) };
    },
    release: () => session.release().catch(() => {}),
  };
}

/**
 * Every model's engine; resolves with {name: engine}. timings receives each engine's
 * creation time in ms. Downloads and checksums overlap; sessions are created one at a
 * time, which onnxruntime-web's WebGPU provider requires ("another WebGPU EP inference
 * session is being created"); the WASM set-up runs on the worker's one thread either way.
 * With the "litert" backend every model runs on LiteRT.js: MediaPipe's behind our crop
 * (litert.js, crop.js), our lifter on its converted network; onnxruntime-web is not loaded.
 */
export async function loadEngines(backend, models, manifest, modelsBase, ort, sessionOptions, threads, progress, timings) {
  const litert = (m) => backend === "litert" && manifest.models[m] && manifest.models[m].litert;
  const downloads = models.map((m) => (litert(m) ? fetchNetwork(m, manifest.models[m], modelsBase) : fetchModel(m, manifest.models[m], modelsBase)));
  downloads.forEach((d) => d.catch(() => {})); // each is awaited below, in order
  const engines = {};
  for (let i = 0; i < models.length; i++) {
    const name = models[i];
    const entry = manifest.models[name];
    const bytes = await downloads[i];
    if (litert(name)) {
      progress.stage("sessions", name);
      const t0 = performance.now();
      engines[name] = await litertEngine(name, entry, bytes, threads);
      timings[name] = Math.round(performance.now() - t0);
    } else {
      engines[name] = ortEngine(await createSession(name, entry, bytes, ort, sessionOptions, progress, timings), ort);
    }
  }
  return engines;
}

export function releaseEngines(engines) {
  for (const e of Object.values(engines)) e.release();
}

/** The model files this backend downloads for these models (progress totals). */
export function modelFiles(backend, models, manifest) {
  return models.filter((m) => manifest.models[m]).map((m) => {
    const entry = manifest.models[m];
    return "models/" + (backend === "litert" && entry.litert ? entry.litert.file : entry.file);
  });
}
