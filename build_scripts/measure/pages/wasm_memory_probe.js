// Measurement-only: counts every WebAssembly memory in the tracker's worker, for the memory
// tests and the soak tool. Never shipped: their server loads it in front of the real worker
// (build_scripts/measure/memory_probe.py).
//
// The shipped worker's stats() can only measure Pyodide's heap: onnxruntime-web keeps its
// Emscripten module, hence its memory (the models' weights), in a closure with no public
// handle. So this probe, run before anything loads, records each WebAssembly.Memory as it
// is created or exported by an instantiated module (Pyodide's heap, onnxruntime's heap),
// and rewrites the worker's "stats" answers: wasmMemoryBytes becomes their sum.
(function () {
  const W = self.WebAssembly;
  const memories = new Set();
  const remember = (result) => {
    const instance = result && (result.instance || result);
    const exp = instance && instance.exports;
    if (exp) for (const v of Object.values(exp)) if (v instanceof W.Memory) memories.add(v);
    return result;
  };
  const OrigMemory = W.Memory;
  W.Memory = function Memory(desc) {
    const m = new OrigMemory(desc);
    memories.add(m);
    return m;
  };
  W.Memory.prototype = OrigMemory.prototype;
  const instantiate = W.instantiate.bind(W);
  W.instantiate = (...a) => instantiate(...a).then(remember);
  if (W.instantiateStreaming) {
    const stream = W.instantiateStreaming.bind(W);
    W.instantiateStreaming = (...a) => stream(...a).then(remember);
  }

  const post = self.postMessage.bind(self);
  self.postMessage = function (message, transfer) {
    if (message && message.type === "stats" && message.stats) {
      let total = 0;
      for (const m of memories) total += m.buffer.byteLength;
      message.stats.wasmMemoryBytes = total;
    }
    return transfer === undefined ? post(message) : post(message, transfer);
  };
})();
