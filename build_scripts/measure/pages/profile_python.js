// bench_profile.py `python`: the Python pipeline in Pyodide replaying a recorded trace (every
// model's outputs, /work/trace.json + trace.bin) through blazepose_holistic.bridge, with the
// worker's own JS<->Python path, so that the time per frame leaves inference out.
let py, trace, blob;
window.boot = async (wheel) => {
  py = await pyodideWithWheel("/python/" + wheel);
  trace = await (await fetch("/work/trace.json")).json();
  blob = await (await fetch("/work/trace.bin")).arrayBuffer();
};
function callPy(fn, ...args) {  // as web/src/worker/pybridge.js does
  const out = fn(...args);
  if (out && typeof out === "object" && py.isPyProxy(out)) {
    try { return out.toJs(); } finally { out.destroy(); }
  }
  return out;
}
window.replay = (reps) => {
  const mod = py.runPython("import blazepose_holistic.bridge as _b\n_b");
  const bridge = mod.Bridge(JSON.stringify(trace.options), JSON.stringify(trace.models));
  mod.destroy();
  const start = bridge.start, send = bridge.send;
  const per = [];
  for (let r = 0; r < reps; r++) {
    bridge.reset();
    for (const f of trace.frames) {
      const t0 = performance.now();
      let step = callPy(start, f.w, f.h, f.ts);
      let k = 0;
      while (step[0] === "run") {
        const req = f.requests[k++];
        if (!req || req.model !== step[1]) throw new Error("trace mismatch at " + step[1]);
        const meta = [], buffers = [];
        for (const [name, dtype, shape, off, len] of req.outputs) {
          meta.push([name, dtype, shape]);
          buffers.push(new Float32Array(blob.slice(off, off + len)));
        }
        step = callPy(send, JSON.stringify(meta), buffers);
      }
      per.push(performance.now() - t0);
    }
  }
  start.destroy(); send.destroy(); bridge.destroy();
  return per;
};
window.cprofile = (reps, top) => {
  py.globals.set("REPS", reps); py.globals.set("TOP", top);
  py.globals.set("TRACE", JSON.stringify(trace)); py.globals.set("BLOB", blob);
  return py.runPython(`
import cProfile, io, json, pstats
import numpy as np
from blazepose_holistic.bridge import Bridge
t = json.loads(TRACE); raw = bytes(BLOB.to_py())
b = Bridge(json.dumps(t["options"]), json.dumps(t["models"]))
def run():
    for _ in range(REPS):
        b.reset()
        for f in t["frames"]:
            step = b.start(f["w"], f["h"], f["ts"]); k = 0
            while step[0] == "run":
                outs = f["requests"][k]["outputs"]; k += 1
                step = b.send(json.dumps([[n, d, s] for n, d, s, o, l in outs]),
                              [np.frombuffer(raw, np.float32, l // 4, o) for n, d, s, o, l in outs])
pr = cProfile.Profile(); pr.enable(); run(); pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(TOP)
s.getvalue()
`);
};
