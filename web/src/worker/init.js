// Start-up: the bundle's assets.json and model manifest, the options' models, the runtime's
// own files checked against assets.json (integrity.js), then two branches in parallel
// (boot.js: Pyodide, numpy, our wheel; sessions.js: model downloads,
// checks and sessions), then the Python pipeline. Resolves with the tracker state the
// other modules use and the info the page gets (tracker.info).
import { namedError } from "../errors.js";
import { bootPython, checkEval, importPyodide, pyodideIndex } from "./boot.js";
import { fetchJson } from "./download.js";
import { FrameReader } from "./frames.js";
import { Integrity } from "./integrity.js";
import { MaskRenderer } from "./mask.js";
import { ProgressTracker } from "./progress.js";
import { PyBridge } from "./pybridge.js";
import { BATCH_MODELS, modelsFor } from "../generated/contract.js";
import { Helper, splitEngine } from "./helper.js";
import { litertScript, startLiteRt } from "./litert.js";
import { chooseBackend, loadEngines, loadOrt, modelFiles, needsOrt, ortFiles, ortScripts, threadCount } from "./sessions.js";

const PYODIDE_FILES = ["pyodide.asm.js", "pyodide.asm.wasm", "pyodide.asm.data", "packages.json", "numpy.js", "numpy.data"];

export async function init(msg) {
  const guard = { integrity: null, helper: null };
  try {
    return await load(msg, guard);
  } catch (e) {
    if (guard.helper) guard.helper.close();
    // A loader fed a damaged file fails with its own, vaguer error: name the file instead.
    throw (guard.integrity && guard.integrity.failure()) || e;
  } finally {
    if (guard.integrity) guard.integrity.uninstall();
  }
}

async function load(msg, guard) {
  const t0 = performance.now();
  if (!msg.indexURL) checkEval();
  const o = msg.options;
  const base = msg.baseUrl;
  const notes = [];
  const progress = new ProgressTracker((event) => self.postMessage({ type: "progress", event }));
  progress.install();
  progress.stage("start");

  const assets = await fetchJson(new URL("assets.json", base).href, "the bundle's assets.json");
  progress.setAssets(assets, base);
  const modelsBase = new URL("models/", base).href;
  const manifest = await fetchJson(new URL("manifest.json", modelsBase).href, "the model manifest");
  // Python's answer, tabulated at build time (contract.model_choices), so that downloads
  // start before Python has booted; the bridge checks it against the pipeline's own.
  const models = modelsFor(o);

  const backend = await chooseBackend(msg.backend, notes);
  const useOrt = needsOrt(backend, models, manifest);
  const threadsWanted = self.crossOriginIsolated ? msg.numThreads : 1;
  const litert = backend === "litert" ? await litertScript(threadsWanted === 1 ? 1 : 2) : null;
  const index = pyodideIndex(msg.indexURL, base);
  const wheelFile = Object.keys(assets.files).find((f) => /^python\/.*\.whl$/.test(f));
  if (!wheelFile) throw namedError("LoadError", "assets.json lists no Python wheel");
  // The bytes this configuration downloads (progress totals).
  progress.expect([
    ...(msg.indexURL ? [] : PYODIDE_FILES.map((f) => "pyodide/" + f)),
    ...(useOrt ? ortFiles(backend) : []),
    ...(litert ? [litert, litert.replace(/\.js$/, ".wasm")] : []),
    wheelFile,
    ...modelFiles(backend, models, manifest),
  ]);

  // Pyodide's and onnxruntime-web's files (ours, models and wheel, are checked where they
  // are loaded); scripts before they run, the rest as the loaders fetch them.
  const runtimeDirs = ["pyodide/", "ort/", "litert/"].map((d) => new URL(d, base).href);
  const integrity = (guard.integrity = new Integrity((url) =>
    runtimeDirs.some((dir) => url.startsWith(dir)) ? progress.expectedSha256(url) : undefined));
  await integrity.verifyScripts([
    index + "pyodide.js", index + "pyodide.asm.js", index + "numpy.js",
    ...(useOrt ? ortScripts(backend).map((f) => new URL(f, base).href) : []),
    ...(litert ? [new URL(litert, base).href] : []),
  ]);
  integrity.install();
  importPyodide(index);
  const numThreads = threadCount(msg.numThreads, notes);
  const { ort, sessionOptions } = useOrt ? loadOrt(new URL("ort/", base).href, backend, numThreads) : { ort: null, sessionOptions: null };

  const loadTimings = { sessionsMs: {} };
  const since = () => Math.round(performance.now() - t0);
  const litertLoaded = litert
    ? startLiteRt(new URL(litert, base).href, numThreads).then(() => (loadTimings.litertReadyMs = since()))
    : Promise.resolve();
  litertLoaded.catch(() => {}); // awaited by the engines' branch, which reports it
  const python = bootPython(index, new URL(wheelFile, base).href, progress, litertLoaded.catch(() => {}),
    (name) => (loadTimings[name] = since())).then((r) => {
    loadTimings.pythonReadyMs = since();
    return r;
  });
  const enginesP = litertLoaded
    .then(() => loadEngines(backend, models, manifest, modelsBase, ort, sessionOptions, numThreads, progress, loadTimings.sessionsMs))
    .then((r) => {
      loadTimings.modelsReadyMs = since();
      // Started once the models are in the HTTP cache; not awaited: until it is ready the
      // hands run here (helper.js).
      const split = parallelModels(msg.parallelHands, backend, models, notes);
      if (split.length) {
        const script = new URL(litert, base).href;
        const wasm = script.replace(/\.js$/, ".wasm");
        guard.helper = new Helper(self.location.href, {
          litert: script,
          threads: numThreads,
          hashes: { [script]: progress.expectedSha256(script), [wasm]: progress.expectedSha256(wasm) },
          modelsBase,
          entries: Object.fromEntries(split.map((m) => [m, manifest.models[m]])),
        });
        for (const m of split) r[m] = splitEngine(m, r[m], guard.helper);
      }
      return r;
    });
  // Do not leave one branch's rejection unobserved while awaiting the other.
  const [{ py, bridgeModule }, engines] = await Promise.race([
    Promise.all([python, enginesP]),
    integrity.failed,
  ]);

  progress.stage("pipeline");
  let bridge;
  try {
    const entries = Object.fromEntries(Object.keys(engines).map((m) => [m, manifest.models[m]]));
    bridge = new PyBridge(py, bridgeModule, o, entries);
  } finally {
    bridgeModule.destroy();
  }
  const pyModels = bridge.models();
  if (String(pyModels) !== String(models)) {
    throw namedError("PipelineError", `the worker loaded [${models}] but the Python pipeline requests [${pyModels}]`);
  }
  const state = {
    py,
    ort,
    engines,
    helper: guard.helper,
    bridge,
    jointNames: bridge.jointNames(),
    frameReader: new FrameReader(),
    masks: new MaskRenderer(),
    frames: 0,
  };
  const info = {
    backend,
    numThreads,
    parallelHands: !!guard.helper,
    crossOriginIsolated: !!self.crossOriginIsolated,
    models,
    options: o,
    notes,
    versions: { python: bridge.version, pyodide: py.version, ...(ort && ort.env.versions ? { onnxruntime: ort.env.versions.web } : {}) },
    loadMs: performance.now() - t0,
    loadTimings,
  };
  progress.stage("ready");
  integrity.uninstall(); // before progress: it wraps progress's wrappers
  progress.uninstall();
  return { state, info };
}

/** The batched models a second worker shares (helper.js), by the parallelHands option:
 * "auto" uses one when there are two cores or more and, where the browser says
 * (navigator.deviceMemory, in GB), 4 GB of memory or more: the helper costs about 100 MiB
 * (docs/benchmark.md). */
function parallelModels(wanted, backend, models, notes) {
  const batched = models.filter((m) => BATCH_MODELS.includes(m));
  if (wanted === false || !batched.length) return [];
  if (backend !== "litert") {
    if (wanted === true) notes.push(`parallelHands needs backend "litert"; the hands run in one worker`);
    return [];
  }
  const nav = self.navigator;
  if (wanted === "auto" && ((nav.hardwareConcurrency || 1) < 2 || (nav.deviceMemory !== undefined && nav.deviceMemory < 4))) return [];
  return batched;
}
