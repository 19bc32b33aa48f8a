// Every file the worker runs is checked against the bundle's assets.json (sha256), not only
// the models and our wheel: Pyodide's and onnxruntime-web's own files too. A stale or
// damaged deploy then fails at start-up with a LoadError naming the file, instead of as an
// obscure error deep inside a loader (or not at all).
//
// Three ways files arrive, three checks:
//  - scripts run by importScripts / import() (the loaders): fetched and checked here first
//    (verifyScripts); the loaders' own request then hits the HTTP cache;
//  - files the loaders fetch (.wasm, packages.json): the body streams on to the loader
//    unchanged while it is hashed; a mismatch errors the stream at its end, so the loader
//    fails before it can use the bytes;
//  - files Pyodide's packages load by XMLHttpRequest (.data): checked before the loader's
//    onload runs; a mismatch calls its onerror instead.
// Files assets.json does not list (another Pyodide given by indexURL) are not checked.
import { namedError } from "../errors.js";
import { sha256Hex } from "./sha256.js";

export class Integrity {
  /** expectedSha256(url) -> hex digest, or undefined for files the bundle does not list. */
  constructor(expectedSha256) {
    this.expected = expectedSha256;
    this.failures = [];
    this.restore = null;
    // Rejects at the first mismatch. Loaders do not always fail on a bad file: Pyodide 0.17
    // waits forever for a package whose .data load failed, and Emscripten retries a .wasm
    // whose stream failed; init races its loading against this.
    this.failed = new Promise((_, reject) => (this._reject = reject));
    this.failed.catch(() => {});
  }

  /** The first checksum failure seen, or null: init reports it rather than the loader's
   * own, vaguer error. */
  failure() {
    return this.failures.length ? this.failures[0] : null;
  }

  _mismatch(url, got, want) {
    const error = namedError("LoadError", `${url} failed its checksum: sha256 ${got.slice(0, 12)}..., assets.json expects ${want.slice(0, 12)}... (a stale or damaged deploy)`);
    this.failures.push(error);
    this._reject(error);
    return error;
  }

  async _check(url, bytes) {
    const want = this.expected(url);
    if (!want) return null;
    const got = await sha256Hex(bytes);
    return got === want ? null : this._mismatch(url, got, want);
  }

  /** Fetches and checks scripts before they run. */
  async verifyScripts(urls, fetchImpl = self.fetch.bind(self)) {
    await Promise.all(urls.map(async (url) => {
      if (!this.expected(url)) return;
      let response;
      try {
        response = await fetchImpl(url);
      } catch (e) {
        throw namedError("LoadError", `could not fetch ${url}: ${e.message}`);
      }
      if (!response.ok) throw namedError("LoadError", `could not fetch ${url}: HTTP ${response.status}`);
      const error = await this._check(url, new Uint8Array(await response.arrayBuffer()));
      if (error) throw error;
    }));
  }

  install() {
    const integrity = this;
    const origFetch = self.fetch;
    self.fetch = async function (input, init) {
      const response = await origFetch.call(self, input, init);
      const url = typeof input === "string" || input instanceof URL
        ? new URL(String(input), self.location.href).href
        : input.url;
      if (!integrity.expected(url) || !response.ok || !response.body) return response;
      const chunks = [];
      const hashing = new TransformStream({
        transform(chunk, controller) {
          chunks.push(chunk);
          controller.enqueue(chunk);
        },
        async flush(controller) {
          const error = await integrity._check(url, concat(chunks));
          if (error) controller.error(error);
        },
      });
      return new Response(response.body.pipeThrough(hashing), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    const proto = self.XMLHttpRequest && self.XMLHttpRequest.prototype;
    const origOpen = proto && proto.open;
    const origSend = proto && proto.send;
    if (proto) {
      proto.open = function (method, url, ...rest) {
        this.__bphCheckUrl = new URL(String(url), self.location.href).href;
        return origOpen.call(this, method, url, ...rest);
      };
      proto.send = function (...args) {
        const xhr = this;
        const url = xhr.__bphCheckUrl;
        const onload = xhr.onload;
        if (url && onload && integrity.expected(url)) {
          xhr.onload = function (event) {
            const body = xhr.response instanceof ArrayBuffer ? new Uint8Array(xhr.response) : new TextEncoder().encode(String(xhr.response));
            integrity._check(url, body).then((error) => {
              if (!error) onload.call(xhr, event);
              else if (xhr.onerror) xhr.onerror(event);
            });
          };
        }
        return origSend.apply(xhr, args);
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

function concat(chunks) {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
