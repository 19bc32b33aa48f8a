"""Build web/dist: the browser bundle, everything it loads, and a size report.

    python -m build_scripts.bundle.web [--out web/dist]      (``./run web`` runs this)

Inputs: web/src (our JavaScript), web/node_modules (npm ci of web/package-lock.json:
esbuild, @pyodide/pyodide 0.17.1, onnxruntime-web 1.30), py_src (our Python package),
models/manifest.json ($BPH_MANIFEST or --manifest overrides it) + the converted models
(``./run models``). No network.

Output layout (all paths relative to the bundle, which resolves them from its own URL):

    blazepose-holistic.js         script-tag build, one global ``BlazePoseHolistic``
    blazepose-holistic.mjs        ES module build (same API, named exports)
    blazepose-holistic.d.ts       TypeScript declarations for both
    blazepose-holistic.worker.js  the classic Web Worker (Pyodide + onnxruntime-web)
    assets.json                   bytes + sha256 of every file (progress totals, wheel check)
    pyodide/                      the 7 Pyodide 0.17.1 files the worker needs
    ort/                          onnxruntime-web: lean WASM bundle (+ WebGPU bundle, opt-in)
    python/<wheel>                the package's browser modules as a wheel (bundle/wheel.py)
    models/manifest.json + *.onnx the models the options can request, as in the manifest
    examples/                     script-tag.html, esm.html
    size-report.json              raw + gzip sizes of what a page downloads

Reproducible: esbuild output is deterministic, the wheel's zip entries are sorted with a
fixed timestamp, copies are byte-identical; rebuilding from the same inputs gives the same
bytes (``assets.json`` lists their sha256).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from blazepose_holistic import contract
from blazepose_holistic.model_store import ModelError, ModelStore
from build_scripts.bundle import contract_js
from build_scripts.bundle.wheel import build_wheel
from build_scripts.common.paths import ROOT

WEB = ROOT / "web"
SRC = WEB / "src"
NODE_MODULES = WEB / "node_modules"
PYODIDE_DIST = NODE_MODULES / "@pyodide" / "pyodide" / "dist"
ORT_DIST = NODE_MODULES / "onnxruntime-web" / "dist"
LITERT_WASM = NODE_MODULES / "@litertjs" / "core" / "wasm"

PYODIDE_FILES = (
    "pyodide.js", "pyodide.asm.js", "pyodide.asm.data", "pyodide.asm.wasm",
    "packages.json", "numpy.js", "numpy.data",
)
# The lean WASM-only bundle (default) and what it loads; the WebGPU bundle is opt-in
# (backend: "webgpu") and is only downloaded by pages that select it.
ORT_WASM_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
ORT_WEBGPU_FILES = (
    "ort.webgpu.min.js", "ort-wasm-simd-threaded.asyncify.mjs",
    "ort-wasm-simd-threaded.asyncify.wasm",
)
# LiteRT.js (backend "litert", the default): a page loads one loader + wasm pair, the one its
# browser runs (relaxed SIMD, + threads when cross-origin isolated, else the compat build).
LITERT_FILES = tuple(f"litert_wasm_{v}internal.{ext}" for v in ("", "threaded_", "compat_")
                     for ext in ("js", "wasm"))
# What any combination of options can request, and what the default options request.
WEB_MODELS = tuple(contract.possible_models())
DEFAULT_MODELS = tuple(contract.Options().models())


class BuildError(RuntimeError):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise BuildError(f"missing build input {src}")
    copy_bytes(src.read_bytes(), dst)


def copy_bytes(data: bytes, dst: Path) -> None:
    """Write only when the bytes differ, so an unchanged bundle keeps its timestamps."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data:
        return
    dst.write_bytes(data)


# --------------------------------------------------------------------------- JavaScript
def esbuild(out: Path) -> None:
    exe = NODE_MODULES / ".bin" / "esbuild"
    if not exe.exists():
        raise BuildError(f"{exe} not found: install the npm packages (`./run web` does)")
    common = ["--bundle", "--target=es2020", "--charset=utf8", "--legal-comments=inline",
              "--log-level=warning"]
    jobs = [
        # The script-tag build: an IIFE assigning the module namespace to one global.
        [str(SRC / "entry-script.js"), "--format=iife", "--global-name=BlazePoseHolistic",
         f"--outfile={out / 'blazepose-holistic.js'}"],
        [str(SRC / "entry-esm.js"), "--format=esm", f"--outfile={out / 'blazepose-holistic.mjs'}"],
        # The worker is a classic script: it importScripts() Pyodide and onnxruntime-web.
        # Its Python start-up code is a .py file, inlined as a string.
        [str(SRC / "worker" / "worker.js"), "--format=iife", "--loader:.py=text",
         f"--outfile={out / 'blazepose-holistic.worker.js'}"],
    ]
    for job in jobs:
        proc = subprocess.run([str(exe), *common, *job], capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"esbuild failed for {job[0]}:\n{proc.stderr}")
        if proc.stderr.strip():
            print(proc.stderr, file=sys.stderr)
    copy(SRC / "blazepose-holistic.d.ts", out / "blazepose-holistic.d.ts")


# --------------------------------------------------------------------------- models
def copy_models(out: Path) -> dict:
    """Copy every model some options can request, each checked against its sha256, with
    its LiteRT network (backend "litert")."""
    try:
        store = ModelStore()
        subset = {}
        for name in WEB_MODELS:
            entry = store.models[name]
            copy_bytes(store.read(name), out / "models" / entry["file"])
            subset[name] = entry
            if "litert" in entry:
                copy_bytes(store.read_entry(name, entry["litert"]), out / "models" / entry["litert"]["file"])
    except ModelError as e:
        raise BuildError(str(e)) from e
    manifest = store.manifest
    out_manifest = {k: v for k, v in manifest.items() if k != "models"}
    out_manifest["models"] = subset
    (out / "models" / "manifest.json").write_text(json.dumps(out_manifest, indent=1) + "\n")
    shipped = {e["file"] for e in subset.values()} \
        | {e["litert"]["file"] for e in subset.values() if "litert" in e}
    for stale in (out / "models").glob("*"):
        if stale.suffix in (".onnx", ".tflite") and stale.name not in shipped:
            stale.unlink()
    return subset


# --------------------------------------------------------------------------- sizes
def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def size_report(out: Path, wheel: Path, models: dict) -> dict:
    def entry(rel: str) -> dict:
        data = (out / rel).read_bytes()
        return {"file": rel, "bytes": len(data), "gzip_bytes": gzip_size(data)}

    def group(files: list[str]) -> dict:
        rows = [entry(f) for f in files]
        return {"files": rows, "bytes": sum(r["bytes"] for r in rows),
                "gzip_bytes": sum(r["gzip_bytes"] for r in rows)}

    runtime = (
        ["blazepose-holistic.js", "blazepose-holistic.worker.js", "assets.json"]
        + [f"pyodide/{f}" for f in PYODIDE_FILES]
        # The default backend's LiteRT.js build (a browser with relaxed SIMD, one thread);
        # it runs every model, so onnxruntime-web is not loaded (wasm_backend_extra).
        + ["litert/litert_wasm_internal.js", "litert/litert_wasm_internal.wasm"]
        + [f"python/{wheel.name}", "models/manifest.json"]
    )
    # Backend "litert" downloads a model's network, or (our own models) its ONNX model.
    default_models = [f"models/{models[m].get('litert', models[m])['file']}"
                      for m in DEFAULT_MODELS if m in models]
    report = {
        "about": "Bytes a page downloads with the default options (script-tag build, backend "
                 "litert, modelComplexity 1, hands on, body model on when the lifter is "
                 "present). gzip_bytes: gzip level 6, what a compressing server sends.",
        "default_page": group(runtime + default_models),
        "runtime": group(runtime),
        "default_models": group(default_models),
        "models": group([f"models/{e['file']}" for e in models.values()]),
        "litert_networks": group([f"models/{e['litert']['file']}"
                                  for e in models.values() if "litert" in e]),
        "wasm_backend_extra": group([f"ort/{f}" for f in ORT_WASM_FILES]),
        "webgpu_extra": group([f"ort/{f}" for f in ORT_WEBGPU_FILES]),
        "esm_build": entry("blazepose-holistic.mjs"),
    }
    return report


def write_assets(out: Path) -> None:
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        # demo/ is another build's output (build_demo.py), not part of the bundle.
        if path.is_file() and rel not in ("assets.json", "size-report.json") \
                and not rel.startswith("demo/"):
            data = path.read_bytes()
            files[rel] = {"bytes": len(data), "sha256": sha256(data)}
    (out / "assets.json").write_text(json.dumps({"files": files}, indent=1, sort_keys=True) + "\n")


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    contract_js.write()  # the JS view of the Python contract, which the bundles import
    esbuild(out)
    for name in PYODIDE_FILES:
        copy(PYODIDE_DIST / name, out / "pyodide" / name)
    for name in ORT_WASM_FILES + ORT_WEBGPU_FILES:
        copy(ORT_DIST / name, out / "ort" / name)
    for name in LITERT_FILES:
        copy(LITERT_WASM / name, out / "litert" / name)
    wheel = build_wheel(out / "python")
    models = copy_models(out)
    for path in sorted((WEB / "examples").glob("*")):
        if path.is_file():
            copy(path, out / "examples" / path.name)
    write_assets(out)
    report = size_report(out, wheel, models)
    (out / "size-report.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Build web/dist (see module docstring).")
    ap.add_argument("--out", type=Path, default=WEB / "dist")
    ap.add_argument("--manifest", type=Path, help="model manifest (default: $BPH_MANIFEST or "
                    "models/manifest.json)")
    args = ap.parse_args(argv)
    if args.manifest:
        os.environ["BPH_MANIFEST"] = str(args.manifest.resolve())
    try:
        report = build(args.out)
    except BuildError as e:
        print(f"build_web: {e}", file=sys.stderr)
        return 1
    page = report["default_page"]
    print(f"built {args.out}: a page downloads {_mb(page['bytes'])} "
          f"({_mb(page['gzip_bytes'])} gzipped); see size-report.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
