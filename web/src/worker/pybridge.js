// The Python pipeline as the worker holds it: one blazepose_holistic.bridge.Bridge and
// stored handles to its methods. Pyodide 0.17 costs ~2 µs a call through a stored handle
// and ~0.15 ms through runPython, and every Python object handed to JavaScript stays alive
// until its PyProxy is destroyed: so the handles are read once, each returned proxy is
// converted with toJs() and destroyed at once, and liveProxies counts the ones in between
// (stats(): the memory tests expect 0).

export class PyBridge {
  /** bridgeModule: blazepose_holistic.bridge (a PyProxy, borrowed); options: the
   * pipeline options (snake_case); models: the loaded sessions' manifest entries by name,
   * which Python checks against its contract (crop size, value range, outputs). */
  constructor(py, bridgeModule, options, models) {
    this.py = py;
    this.liveProxies = 0;
    this.version = bridgeModule.VERSION;
    const Bridge = bridgeModule.Bridge;
    try {
      this.bridge = Bridge(JSON.stringify(options), JSON.stringify(models));
    } finally {
      Bridge.destroy();
    }
    // Each attribute read of a PyProxy returns a new proxy (a bound method): read once.
    this._start = this.bridge.start;
    this._send = this.bridge.send;
    this._reset = this.bridge.reset;
    this._abort = this.bridge.abort;
    this._liveObjects = bridgeModule.live_objects;
  }

  /** The models the Python options request, in request order. */
  models() {
    return JSON.parse(this._callOnce("models_json"));
  }

  jointNames() {
    return JSON.parse(this._callOnce("joint_names_json"));
  }

  /** Begins a frame: ["run", model, stage, names, shapes, arrays] or ["done", fields]. */
  start(width, height, timestampSeconds) {
    return this._call(this._start, width, height, timestampSeconds);
  }

  /** Answers the pending "run" request; returns the next step, as start(). */
  send(metaJson, buffers) {
    return this._call(this._send, metaJson, buffers);
  }

  /** Forgets tracking and smoothing. */
  reset() {
    this._reset();
  }

  /** Closes the frame in progress (after a failure); tracking state is kept. */
  abort() {
    this._abort();
  }

  /** Python's object count after gc.collect(). */
  liveObjects() {
    return this._liveObjects();
  }

  destroy() {
    for (const proxy of [this._start, this._send, this._reset, this._abort, this._liveObjects, this.bridge]) {
      try {
        proxy.destroy();
      } catch (e) {
        /* already gone */
      }
    }
  }

  _callOnce(name) {
    const method = this.bridge[name];
    try {
      return method();
    } finally {
      method.destroy();
    }
  }

  _call(fn, ...args) {
    const out = fn(...args);
    if (out && typeof out === "object" && this.py.isPyProxy(out)) {
      this.liveProxies++;
      try {
        return out.toJs();
      } finally {
        out.destroy();
        this.liveProxies--;
      }
    }
    return out;
  }
}
