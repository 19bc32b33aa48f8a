"""A tiny static file server for the web build (demo, examples, browser tests).

    python -m build_scripts.common.serve [--dir web/dist] [--port 8000] [--isolate]

- Listens on 127.0.0.1 only (never on other interfaces).
- Correct MIME types for what the bundle serves: .wasm (application/wasm, needed by
  WebAssembly.instantiateStreaming), .mjs/.js (text/javascript), .data, .whl, .onnx.
- ``Cache-Control: no-cache``: the browser may keep a copy but revalidates every request
  (Last-Modified / If-Modified-Since -> 304), so a rebuilt file is never served stale.
- ``--isolate`` adds COOP ``same-origin`` + COEP ``require-corp`` (+ CORP ``same-origin``),
  which makes the page cross-origin isolated: SharedArrayBuffer, hence onnxruntime-web's
  WASM threads.

Tests and the measurement tools run it on a free port in a background thread: ``with
serving(directory, mounts=...) as url:`` (or ``start()``, which leaves stopping to the caller).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
import threading
from pathlib import Path

from build_scripts.common.paths import ROOT

MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".data": "application/octet-stream",
    ".whl": "application/zip",
    ".onnx": "application/octet-stream",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".ts": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".map": "application/json",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}
    isolate = False
    quiet = True
    mounts: dict = {}
    headers_extra: dict = {}
    protocol_version = "HTTP/1.1"

    def translate_path(self, path: str) -> str:
        # Extra directories under URL prefixes (tests mount their fixtures this way).
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                saved = self.directory
                self.directory = str(folder)
                try:
                    return super().translate_path("/" + path[len(prefix):])
                finally:
                    self.directory = saved
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        if self.isolate:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for name, value in self.headers_extra.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if not self.quiet:
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A browser closing a keep-alive connection is not an error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(directory: Path, port: int = 0, isolate: bool = False, quiet: bool = True,
                mounts: dict | None = None, headers: dict | None = None):
    """mounts: {"/prefix/": directory} served besides ``directory``; headers: extra
    response headers (e.g. a Content-Security-Policy)."""
    attrs = {"isolate": isolate, "quiet": quiet, "mounts": dict(mounts or {}),
             "headers_extra": dict(headers or {})}
    handler = type("BoundHandler", (Handler,), attrs)
    handler = functools.partial(handler, directory=str(directory))
    return Server(("127.0.0.1", port), handler)


def start(directory: Path, port: int = 0, isolate: bool = False, mounts: dict | None = None,
          headers: dict | None = None):
    """Serve ``directory`` in a daemon thread; returns (server, base_url). Stop with
    ``server.shutdown(); server.server_close()``."""
    server = make_server(directory, port, isolate, mounts=mounts, headers=headers)
    thread = threading.Thread(target=server.serve_forever, name="bph-serve", daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@contextlib.contextmanager
def serving(directory: Path, isolate: bool = False, mounts: dict | None = None,
            headers: dict | None = None):
    """start() on a free port for the ``with`` block; yields the base URL."""
    server, url = start(directory, isolate=isolate, mounts=mounts, headers=headers)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=ROOT / "web" / "dist")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--isolate", action="store_true",
                    help="send COOP/COEP headers (cross-origin isolation, WASM threads)")
    ap.add_argument("--csp", metavar="POLICY", help="send this Content-Security-Policy header")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    args = ap.parse_args(argv)
    if not args.dir.is_dir():
        print(f"{args.dir} does not exist; build it with `./run web`", file=sys.stderr)
        return 1
    headers = {"Content-Security-Policy": args.csp} if args.csp else None
    server = make_server(args.dir, args.port, args.isolate, quiet=not args.verbose,
                         headers=headers)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"serving {args.dir} at {url} (isolation {'on' if args.isolate else 'off'}); "
          "Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
