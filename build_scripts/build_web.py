"""Build web/dist: the browser bundle, everything it loads, and a size report.

    python build_scripts/build_web.py [--out web/dist]      (``./run web`` runs this)

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
    python/<wheel>                our package as a pure-Python wheel
    models/manifest.json + *.onnx the models the options can request, as in the manifest
    examples/                     script-tag.html, esm.html
    size-report.json              raw + gzip sizes of what a page downloads

Reproducible: esbuild output is deterministic, the wheel's zip entries are sorted with a
fixed timestamp, copies are byte-identical; rebuilding from the same inputs gives the same
bytes (``assets.json`` lists their sha256).
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
SRC = WEB / "src"
NODE_MODULES = WEB / "node_modules"
PYODIDE_DIST = NODE_MODULES / "@pyodide" / "pyodide" / "dist"
ORT_DIST = NODE_MODULES / "onnxruntime-web" / "dist"
PACKAGE = ROOT / "py_src" / "blazepose_holistic"

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
# Models any combination of options can request (pipeline.Options.models()).
WEB_MODELS = (
    "pose_detector",
    "pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy",
    "pose_landmark_lite_seg", "pose_landmark_full_seg", "pose_landmark_heavy_seg",
    "hand_recrop", "hand_landmark_full", "lifter",
)
DEFAULT_MODELS = ("pose_detector", "pose_landmark_full", "hand_recrop", "hand_landmark_full",
                  "lifter")
# A fixed zip timestamp (the earliest zip can store) makes the wheel reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise BuildError(f"missing build input {src}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_file() and dst.stat().st_size == src.stat().st_size \
            and dst.read_bytes() == src.read_bytes():
        return
    shutil.copyfile(src, dst)


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


# --------------------------------------------------------------------------- the wheel
def package_version() -> str:
    text = (PACKAGE / "__init__.py").read_text()
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if not match:
        raise BuildError("no __version__ in blazepose_holistic/__init__.py")
    return match.group(1)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_wheel(out_dir: Path) -> Path:
    """A pure-Python wheel of py_src/blazepose_holistic, built by hand (PEP 427): the
    package's .py files (+ py.typed), METADATA, WHEEL, top_level.txt and RECORD."""
    version = package_version()
    dist_info = f"blazepose_holistic-{version}.dist-info"
    files: list[tuple[str, bytes]] = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and (path.suffix == ".py" or path.name == "py.typed") \
                and "__pycache__" not in path.parts:
            files.append((path.relative_to(PACKAGE.parent).as_posix(), path.read_bytes()))
    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: blazepose-holistic\n"
        f"Version: {version}\n"
        "Summary: BlazePose GHUM Holistic: body, hand and body-model tracking (pipeline core)\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.8\n"
        "Requires-Dist: numpy>=1.17\n"
    )
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: blazepose-holistic build_web.py\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    files += [
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", wheel.encode()),
        (f"{dist_info}/top_level.txt", b"blazepose_holistic\n"),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.whl"):
        old.unlink()
    target = out_dir / f"blazepose_holistic-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    return target


# --------------------------------------------------------------------------- models
def model_dir() -> Path:
    cache = Path(os.environ.get("BPH_CACHE", Path.home() / ".cache" / "blazepose-holistic"))
    return Path(os.environ.get("BPH_MODEL_DIR", cache / "models"))


def manifest_path() -> Path:
    # Like blazepose_holistic.model_store: $BPH_MANIFEST overrides models/manifest.json.
    return Path(os.environ.get("BPH_MANIFEST", ROOT / "models" / "manifest.json"))


def copy_models(out: Path) -> dict:
    mpath = manifest_path()
    manifest = json.loads(mpath.read_text())
    models = manifest.get("models", {})
    missing_required = [m for m in DEFAULT_MODELS if m not in models and m != "lifter"]
    if missing_required:
        raise BuildError(f"models/manifest.json lacks {missing_required}; run `./run models`")
    subset = {}
    for name in WEB_MODELS:
        entry = models.get(name)
        if entry is None:
            continue  # e.g. the lifter before it is trained: the bundle runs without it
        src = None
        for folder in (mpath.parent, model_dir()):
            if (folder / entry["file"]).is_file():
                src = folder / entry["file"]
                break
        if src is None:
            raise BuildError(f"model file {entry['file']} for {name!r} not found in "
                             f"{mpath.parent} or {model_dir()}; run `./run models`")
        data = src.read_bytes()
        if sha256(data) != entry["sha256"]:
            raise BuildError(f"{src} does not match its manifest sha256; run `./run models`")
        copy(src, out / "models" / entry["file"])
        subset[name] = entry
    out_manifest = {k: v for k, v in manifest.items() if k != "models"}
    out_manifest["models"] = subset
    (out / "models" / "manifest.json").write_text(json.dumps(out_manifest, indent=1) + "\n")
    for stale in (out / "models").glob("*.onnx"):
        if stale.name not in {e["file"] for e in subset.values()}:
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
        + [f"ort/{f}" for f in ORT_WASM_FILES]
        + [f"python/{wheel.name}", "models/manifest.json"]
    )
    default_models = [f"models/{models[m]['file']}" for m in DEFAULT_MODELS if m in models]
    report = {
        "about": "Bytes a page downloads with the default options (script-tag build, WASM "
                 "backend, modelComplexity 1, hands on, body model on when the lifter is "
                 "present). gzip_bytes: gzip level 6, what a compressing server sends.",
        "default_page": group(runtime + default_models),
        "runtime": group(runtime),
        "default_models": group(default_models),
        "models": group([f"models/{e['file']}" for e in models.values()]),
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
    esbuild(out)
    for name in PYODIDE_FILES:
        copy(PYODIDE_DIST / name, out / "pyodide" / name)
    for name in ORT_WASM_FILES + ORT_WEBGPU_FILES:
        copy(ORT_DIST / name, out / "ort" / name)
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
