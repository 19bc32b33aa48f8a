// Load progress for the worker: bytes of every file it downloads, and the start-up stage.
//
// Pyodide and onnxruntime-web fetch their own files (fetch for .wasm, XMLHttpRequest for
// Emscripten's .data packages), so while loading, the worker's fetch and XMLHttpRequest
// are wrapped to count bytes as they stream in; totals come from the build's assets.json
// (exact sizes), or Content-Length for files it does not list (another Pyodide).
// Events: {stage, detail, loaded, total, file} with loaded/total in bytes over everything
// this configuration downloads.

const STAGES_DONE = {
  // Files fetched by importScripts / import() cannot be observed; they count as loaded
  // once the stage that needs them is over.
  numpy: ["pyodide/pyodide.asm.js"],
  package: ["pyodide/numpy.js"],
};

export class ProgressTracker {
  constructor(emit) {
    this.emit = emit;
    this.assets = new Map(); // absolute URL -> {bytes, sha256}
    this.base = "";
    this.expected = new Map(); // absolute URL -> expected bytes
    this.loaded = new Map(); // absolute URL -> bytes so far
    this.current = "start";
    this.detail = undefined;
    this.lastEmit = 0;
    this.restore = null;
  }

  setAssets(assets, base) {
    this.base = base;
    for (const [rel, info] of Object.entries((assets && assets.files) || {})) {
      this.assets.set(new URL(rel, base).href, info);
    }
  }

  expectedSha256(url) {
    const info = this.assets.get(url);
    return info ? info.sha256 : undefined;
  }

  expect(relFiles) {
    for (const rel of relFiles) {
      const url = new URL(rel, this.base).href;
      const info = this.assets.get(url);
      if (info) this.expected.set(url, info.bytes);
    }
    this._emit(true);
  }

  stage(name, detail) {
    for (const rel of STAGES_DONE[name] || []) this._complete(new URL(rel, this.base).href);
    if (name === "ready") for (const url of this.expected.keys()) this._complete(url);
    this.current = name;
    this.detail = detail;
    this._emit(true);
  }

  _complete(url) {
    if (this.expected.has(url)) this.loaded.set(url, this.expected.get(url));
  }

  _bytes(url, loaded, total, done) {
    if (!this.expected.has(url)) {
      if (!total) return; // unknown size: nothing sensible to add to the bar
      this.expected.set(url, total);
    }
    this.loaded.set(url, Math.min(loaded, this.expected.get(url)));
    this._emit(done, url);
  }

  _emit(force, url) {
    const now = performance.now();
    if (!force && now - this.lastEmit < 100) return;
    this.lastEmit = now;
    let loaded = 0;
    let total = 0;
    for (const [u, bytes] of this.expected) {
      total += bytes;
      loaded += this.loaded.get(u) || 0;
    }
    const event = { stage: this.current, loaded, total };
    if (this.detail !== undefined) event.detail = this.detail;
    if (url) event.file = url.startsWith(this.base) ? url.slice(this.base.length) : url;
    this.emit(event);
  }

  install() {
    const tracker = this;
    const origFetch = self.fetch;
    self.fetch = async function (input, init) {
      const response = await origFetch.call(self, input, init);
      const url = typeof input === "string" || input instanceof URL
        ? new URL(String(input), self.location.href).href
        : input.url;
      if (!response.ok || !response.body || typeof TransformStream === "undefined") return response;
      const total = Number(response.headers.get("content-length")) || 0;
      let loaded = 0;
      const counter = new TransformStream({
        transform(chunk, controller) {
          loaded += chunk.byteLength;
          tracker._bytes(url, loaded, total, false);
          controller.enqueue(chunk);
        },
        flush() {
          tracker._bytes(url, loaded, total || loaded, true);
        },
      });
      return new Response(response.body.pipeThrough(counter), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    const XHR = self.XMLHttpRequest;
    const proto = XHR && XHR.prototype;
    const origOpen = proto && proto.open;
    const origSend = proto && proto.send;
    if (proto) {
      proto.open = function (method, url, ...rest) {
        this.__bphUrl = new URL(String(url), self.location.href).href;
        return origOpen.call(this, method, url, ...rest);
      };
      proto.send = function (...args) {
        const url = this.__bphUrl;
        if (url) {
          this.addEventListener("progress", (e) => tracker._bytes(url, e.loaded, e.lengthComputable ? e.total : 0, false));
          this.addEventListener("load", (e) => tracker._bytes(url, e.loaded, e.loaded, true));
        }
        return origSend.apply(this, args);
      };
    }
    this.restore = () => {
      self.fetch = origFetch;
      if (proto) {
        proto.open = origOpen;
        proto.send = origSend;
      }
    };
  }

  uninstall() {
    if (this.restore) this.restore();
    this.restore = null;
  }
}
