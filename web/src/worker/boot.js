// Python in the worker: Pyodide, numpy, and our wheel (fetched, checked against
// assets.json, unpacked by install_wheel.py). Ends with the blazepose_holistic.bridge
// module, the only Python the rest of the worker talks to.
import { namedError } from "../errors.js";
import { fetchBytes } from "./download.js";
import { sha256Hex } from "./sha256.js";
import INSTALL_WHEEL from "./install_wheel.py";

export function checkEval() {
  // Pyodide 0.17's glue code compiles JavaScript at run time; under a Content-Security-
  // Policy without 'unsafe-eval' it would fail later with an obscure conversion error.
  try {
    new Function("return 0")();
  } catch (e) {
    throw namedError("LoadError", "the Content-Security-Policy forbids eval, which Pyodide 0.17 needs in the worker: allow script-src 'unsafe-eval' (see docs/web.md)");
  }
}

// The directory of a Pyodide distribution, from msg.indexURL (its directory or its
// pyodide.js) or the bundle's own copy.
export function pyodideIndex(indexURL, base) {
  let index = indexURL ? new URL(indexURL, base).href : new URL("pyodide/", base).href;
  if (index.endsWith(".js")) index = index.slice(0, index.lastIndexOf("/") + 1);
  if (!index.endsWith("/")) index += "/";
  return index;
}

// Synchronous and small (the loader only): run before anything awaits, as ORT's bundle.
export function importPyodide(index) {
  try {
    self.importScripts(index + "pyodide.js");
  } catch (e) {
    throw namedError("LoadError", `could not load Pyodide from ${index}pyodide.js: ${e.message}`);
  }
}

/**
 * Resolves with {py, bridgeModule}: the Pyodide instance and blazepose_holistic.bridge.
 * numpy waits for `beforePackages` (LiteRT.js's loader, which shares the global `Module`
 * with Pyodide's package loaders: litert.js); mark(name) records each step's end.
 */
export async function bootPython(index, wheelUrl, progress, beforePackages, mark) {
  progress.stage("pyodide");
  // loadPyodide's own fetches (asm.wasm, asm.data, packages.json) are counted by the
  // fetch / XHR wrappers in progress.js.
  const py = await self.loadPyodide({ indexURL: index });
  mark("pyodideReadyMs");
  await beforePackages;
  progress.stage("numpy");
  const errors = [];
  await py.loadPackage(["numpy"], () => {}, (err) => errors.push(String(err)));
  mark("numpyLoadedMs");
  try {
    py.runPython("import numpy");
  } catch (e) {
    throw namedError("LoadError", `Pyodide could not load numpy from ${index}: ${errors.join("; ") || e.message}`);
  }
  mark("numpyReadyMs");
  progress.stage("package");
  const wheel = await fetchBytes(wheelUrl, "the blazepose_holistic wheel");
  const expected = progress.expectedSha256(wheelUrl);
  if (expected) {
    const got = await sha256Hex(wheel);
    if (got !== expected) {
      throw namedError("LoadError", `the Python wheel ${wheelUrl} does not match assets.json (sha256 ${got.slice(0, 12)}..., expected ${expected.slice(0, 12)}...)`);
    }
  }
  mark("wheelFetchedMs");
  py.runPython(INSTALL_WHEEL);
  const install = py.globals.get("install_wheel");
  try {
    return { py, bridgeModule: install(wheel, wheelUrl) };
  } finally {
    install.destroy();
  }
}
