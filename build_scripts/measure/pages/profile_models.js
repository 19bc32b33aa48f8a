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
// The "litert" engine as the worker runs it (web/src/worker/litert.js): crop.js, then the
// network once per crop.
window.createLiteRt = async (key, netUrl, shape, crop) => {
  if (!window.litertLoaded) {
    window.litertLoaded = litert.loadLiteRt("/litert-npm/core/wasm/", { threads: THREADS > 1 });
  }
  await window.litertLoaded;
  const net = await litert.loadAndCompile(netUrl, {accelerator: "wasm", cpuOptions: {numThreads: THREADS}});
  const per = shape.reduce((a, b) => a * b, 1);
  sessions[key] = {
    inputNames: ["image", "matrix"],
    async run(feeds) {
      const m = feeds.matrix;
      const c = cropFrame(feeds.image.data, W, H, m.data, m.dims[0], crop.size, crop.value_range[0],
        crop.value_range[1], crop.border === "zero");
      for (let b = 0; b < m.dims[0]; b++) {
        const input = new litert.Tensor(c.subarray(b * per, (b + 1) * per), shape);
        const outs = await net.run([input]);
        input.delete();
        for (const o of outs) { o.toTypedArray(); o.delete(); }
      }
      return {};
    },
  };
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
