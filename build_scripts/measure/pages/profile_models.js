// bench_profile.py `models` and op_profile.py: onnxruntime-web sessions timed run by run.
// The frame's size and the thread count come in the query (?w=&h=&threads=), so that the
// Python side alone defines them; the frame and the crop matrix are the same as the native
// runs' there.
const query = new URLSearchParams(location.search);
const W = Number(query.get("w"));
const H = Number(query.get("h"));
const THREADS = Number(query.get("threads") || 1);
const sessions = {};
const img = new Uint8Array(W * H * 4);
for (let i = 0; i < img.length; i++) img[i] = (i * 7) & 255;
window.create = async (key, url, opts) => {
  ort.env.wasm.wasmPaths = new URL("/ort/", location.href).href;
  ort.env.wasm.numThreads = THREADS;
  sessions[key] = await ort.InferenceSession.create(url, {executionProviders: ["wasm"],
    graphOptimizationLevel: opts.level || "all", enableProfiling: !!opts.profile,
    ...(opts.session || {})});
};
// onnxruntime-web prints a profiled session's events to the console (a JSON array, one
// event a line) when profiling ends; the caller collects them there.
window.endProfiling = (key) => sessions[key].endProfiling();
window.run = async (key, batch, n) => {
  const s = sessions[key];
  const m = new Float32Array(batch * 6);
  for (let b = 0; b < batch; b++) m.set([1.2, 0.1, 400, -0.1, 1.2, 100], b * 6);
  const ms = [];
  for (let i = 0; i < n; i++) {
    const feeds = {matrix: new ort.Tensor("float32", m, [batch, 2, 3])};
    if (s.inputNames.includes("image")) feeds.image = new ort.Tensor("uint8", img, [H, W, 4]);
    const t = performance.now();
    const out = await s.run(feeds);
    ms.push(performance.now() - t);
    for (const k in out) out[k].dispose();
  }
  return ms;
};
