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

/** The files this backend makes onnxruntime-web download (progress totals). */
export function ortFiles(backend) {
  // "litert" runs the crops and the lifter on onnxruntime-web's WASM build.
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

/**
 * Loads the backend's onnxruntime-web bundle (a classic script) and configures it; returns
 * {ort, numThreads, sessionOptions}. Threads need a cross-origin isolated page.
 */
export function loadOrt(ortBase, backend, requestedThreads, notes) {
  const script = ortBase + ortBundle(backend);
  try {
    self.importScripts(script);
  } catch (e) {
    throw namedError("LoadError", `could not load onnxruntime-web from ${script}: ${e.message}`);
  }
  const ort = self.ort;
  ort.env.wasm.wasmPaths = ortBase;
  ort.env.wasm.proxy = false;
  let numThreads = 1;
  if (self.crossOriginIsolated) {
    numThreads = requestedThreads > 0 ? requestedThreads : Math.min(4, Math.max(1, Math.ceil((self.navigator.hardwareConcurrency || 1) / 2)));
  } else if (requestedThreads > 1) {
    notes.push("numThreads > 1 needs a cross-origin isolated page (COOP/COEP headers); using 1 thread");
  }
  ort.env.wasm.numThreads = numThreads;
  const sessionOptions = {
    executionProviders: backend === "webgpu" ? ["webgpu", "wasm"] : ["wasm"],
    graphOptimizationLevel: "all",
  };
  return { ort, numThreads, sessionOptions };
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
  // A crop model has no entry of its own: image and matrix in, the crops out.
  const wantIn = entry ? entry.inputs.map((i) => i.name) : ["image", "matrix"];
  const wantOut = entry ? entry.outputs.map((o) => o.name) : ["crop"];
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
      if (session.inputNames.includes("image")) feeds.image = image;
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
 * With the "litert" backend, the MediaPipe models run on LiteRT.js (litert.js) behind a
 * crop session per crop kind; our own models (the lifter) stay on onnxruntime-web.
 */
export async function loadEngines(backend, models, manifest, modelsBase, ort, sessionOptions, threads, progress, timings) {
  const litert = (m) => backend === "litert" && manifest.models[m] && manifest.models[m].litert;
  const cropNames = [...new Set(models.filter(litert).map((m) => manifest.models[m].litert.crop_model))];
  const crops = cropNames.map((c) => fetchModel(c, manifest.crops && manifest.crops[c], modelsBase));
  const downloads = models.map((m) => (litert(m) ? fetchNetwork(m, manifest.models[m], modelsBase) : fetchModel(m, manifest.models[m], modelsBase)));
  [...crops, ...downloads].forEach((d) => d.catch(() => {})); // each is awaited below, in order
  const cropSessions = {};
  for (let i = 0; i < cropNames.length; i++) {
    cropSessions[cropNames[i]] = await createSession(cropNames[i], null, await crops[i], ort, sessionOptions, progress, timings);
  }
  const engines = {};
  for (let i = 0; i < models.length; i++) {
    const name = models[i];
    const entry = manifest.models[name];
    const bytes = await downloads[i];
    if (litert(name)) {
      progress.stage("sessions", name);
      const t0 = performance.now();
      engines[name] = await litertEngine(name, entry, bytes, cropSessions[entry.litert.crop_model], ort, threads);
      timings[name] = Math.round(performance.now() - t0);
    } else {
      engines[name] = ortEngine(await createSession(name, entry, bytes, ort, sessionOptions, progress, timings), ort);
    }
  }
  // The crop sessions live as long as the engines that use them.
  engines[CROPS] = { release: () => Object.values(cropSessions).forEach((s) => s.release().catch(() => {})) };
  return engines;
}

const CROPS = Symbol("crop sessions");

/** The model files this backend downloads for these models (progress totals). */
export function modelFiles(backend, models, manifest) {
  const files = new Set();
  for (const m of models) {
    const entry = manifest.models[m];
    if (!entry) continue;
    if (backend === "litert" && entry.litert) {
      files.add("models/" + entry.litert.file);
      const crop = manifest.crops && manifest.crops[entry.litert.crop_model];
      if (crop) files.add("models/" + crop.file);
    } else {
      files.add("models/" + entry.file);
    }
  }
  return [...files];
}

export function releaseEngines(engines) {
  for (const e of [...Object.values(engines), engines[CROPS]]) if (e) e.release();
}
