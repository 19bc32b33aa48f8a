// bench_profile.py `models`: onnxruntime-web sessions timed run by run. The frame's size
// comes in the query (?w=&h=), so that bench_profile.py alone defines it; the frame and the
// crop matrix are the same as the native runs' there.
const query = new URLSearchParams(location.search);
const W = Number(query.get("w"));
const H = Number(query.get("h"));
const sessions = {};
const img = new Uint8Array(W * H * 4);
for (let i = 0; i < img.length; i++) img[i] = (i * 7) & 255;
window.create = async (key, url, opts) => {
  ort.env.wasm.wasmPaths = new URL("/ort/", location.href).href;
  ort.env.wasm.numThreads = 1;
  sessions[key] = await ort.InferenceSession.create(url, {executionProviders: ["wasm"],
    graphOptimizationLevel: opts.level || "all"});
};
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
