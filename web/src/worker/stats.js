// The worker's counters (tracker.stats()): what a page or a test watches for leaks.
//
// wasmMemoryBytes is the WebAssembly memory the worker can measure, which is Pyodide's
// heap. The inference runtimes (LiteRT.js, onnxruntime-web) keep their own memory (the
// models' weights and activations, the larger part) private: they offer no handle to it
// short of patching WebAssembly, which the shipped worker does not do. The browser tests and the soak tool
// load a probe that does (build_scripts/measure/pages/wasm_memory_probe.js) and replaces
// this count with the sum of every WebAssembly memory in the worker.

function pyodideHeapBytes(py) {
  const heap = py._module && py._module.HEAP8;
  return heap ? heap.buffer.byteLength : 0;
}

export function stats(t) {
  const heap = t ? pyodideHeapBytes(t.py) : 0;
  return {
    frames: t ? t.frames : 0,
    wasmMemoryBytes: heap,
    pyodideHeapBytes: heap,
    pythonObjects: t ? t.bridge.liveObjects() : 0,
    liveProxies: t ? t.bridge.liveProxies : 0,
    // parallelHands' second worker: "off", "starting", "ready" or "failed" (then why).
    helper: t && t.helper ? t.helper.state : "off",
    helperFailure: t && t.helper ? t.helper.failure : null,
    helperRuns: t && t.helper ? t.helper.runs : 0,
  };
}
