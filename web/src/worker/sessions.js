// Inference in the worker: onnxruntime-web's backend and thread count, and one session per
// model, each fetched, checked against the manifest's sha256 and its input/output names.
import { namedError } from "../errors.js";
import { fetchBytes } from "./download.js";
import { sha256Hex } from "./sha256.js";

export async function chooseBackend(requested, notes) {
  if (requested === "webgpu") {
    let adapter = null;
    try {
      adapter = self.navigator.gpu ? await self.navigator.gpu.requestAdapter() : null;
    } catch (e) {
      adapter = null;
    }
    if (adapter) return "webgpu";
    notes.push("WebGPU was requested but no WebGPU adapter is available here; using the WASM backend");
    return "wasm";
  }
  return "wasm";
}

/** The files this backend makes onnxruntime-web download (progress totals). */
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
async function fetchModel(name, entry, modelsBase) {
  if (!entry) {
    throw namedError("ModelError", `model '${name}' is not listed in the model manifest (${modelsBase}manifest.json)`);
  }
  const url = new URL(entry.file, modelsBase).href;
  let bytes;
  try {
    bytes = await fetchBytes(url, `model '${name}'`);
  } catch (e) {
    throw namedError("ModelError", `model '${name}': ${e.message}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== entry.sha256) {
    const why = bytes.length < entry.bytes ? "the file is truncated" : "the file differs from the one the manifest names";
    throw namedError("ModelError", `model '${name}' (${url}) failed its checksum: sha256 ${digest.slice(0, 12)}..., manifest ${entry.sha256.slice(0, 12)}...; ${why}`);
  }
  return bytes;
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

/**
 * Every model's session; resolves with {name: InferenceSession}. timings receives each
 * session's creation time in ms. Downloads and checksums overlap; sessions are created one
 * at a time, which onnxruntime-web's WebGPU provider requires ("another WebGPU EP
 * inference session is being created"); the WASM provider's set-up runs on the worker's
 * one thread either way.
 */
export async function loadSessions(models, manifest, modelsBase, ort, sessionOptions, progress, timings) {
  const downloads = models.map((m) => fetchModel(m, manifest.models[m], modelsBase));
  downloads.forEach((d) => d.catch(() => {})); // each is awaited below, in order
  const sessions = {};
  for (let i = 0; i < models.length; i++) {
    const name = models[i];
    sessions[name] = await createSession(name, manifest.models[name], await downloads[i], ort, sessionOptions, progress, timings);
  }
  return sessions;
}

export function releaseSessions(sessions) {
  for (const s of Object.values(sessions)) s.release().catch(() => {});
}
