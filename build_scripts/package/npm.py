"""The npm package: web/dist as a publishable tarball.

    python -m build_scripts.package.npm [--out dist]      (``./run package`` runs it)

Inputs: web/dist (``./run web``: the bundles, the worker, Pyodide, onnxruntime-web, the
wheel, the models and assets.json with every file's sha256), web/npm (the package's README
and its ``blazepose-holistic-assets`` command), LICENSE. Output:
``blazepose-holistic-<version>.tgz``, files under ``package/`` as ``npm pack`` lays them out,
written here rather than by npm so that the bytes are reproducible (sorted entries, fixed
times and owners, gzip without a timestamp).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

from build_scripts.bundle.wheel import package_version
from build_scripts.common.paths import ROOT
from build_scripts.package.notice import models_notice

DIST = ROOT / "web" / "dist"
NPM = ROOT / "web" / "npm"
NAME = "blazepose-holistic"
# npm pack's own fixed date, so that our tarball looks like one npm wrote.
MTIME = 499162500  # 1985-10-26T08:15:00Z
BIN = "copy-assets.mjs"

ORT_LICENSE = """MIT License

Copyright (c) Microsoft Corporation.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

THIRD_PARTY = """
# Other software inside this package

- `pyodide/`: Pyodide 0.17.1 (Mozilla Public License 2.0; https://github.com/pyodide/pyodide),
  from the npm package @pyodide/pyodide 0.17.1 (MIT, licenses/pyodide-npm.LICENSE). It
  contains CPython 3.8 (Python Software Foundation License) and numpy 1.17 (BSD-3-Clause).
- `ort/`: onnxruntime-web 1.30.0, Copyright (c) Microsoft Corporation, MIT License
  (licenses/onnxruntime-web.LICENSE).
- `litert/` and the LiteRT.js code inside `blazepose-holistic.worker.js`: LiteRT.js
  (@litertjs/core 2.5.3, @litertjs/wasm-utils), Copyright Google LLC, Apache License 2.0
  (the text is this package's LICENSE). It contains XNNPACK (BSD-3-Clause).
"""


class NpmError(RuntimeError):
    pass


def package_json(version: str) -> dict:
    dts = "./blazepose-holistic.d.ts"
    return {
        "name": NAME,
        "version": version,
        "description": "BlazePose GHUM Holistic in the browser, offline: body and hand landmarks "
                       "and body-model joint rotations (Pyodide + onnxruntime-web in a worker)",
        "license": "Apache-2.0",
        "type": "module",
        "main": "./blazepose-holistic.mjs",
        "module": "./blazepose-holistic.mjs",
        "types": dts,
        # CDNs (unpkg, jsDelivr) serve the script-tag build for a bare package URL.
        "unpkg": "./blazepose-holistic.js",
        "jsdelivr": "./blazepose-holistic.js",
        "exports": {
            ".": {"types": dts, "import": "./blazepose-holistic.mjs",
                  "default": "./blazepose-holistic.mjs"},
            "./script": {"types": dts, "default": "./blazepose-holistic.js"},
            "./types": dts,
            "./assets.json": "./assets.json",
            "./package.json": "./package.json",
        },
        "bin": {"blazepose-holistic-assets": f"./{BIN}"},
        "keywords": ["pose", "holistic", "mediapipe", "blazepose", "hands", "landmarks",
                     "body model", "onnxruntime-web", "pyodide"],
    }


def package_files() -> list:
    """[(path in the package, bytes, mode)], sorted: web/dist's files as assets.json lists
    them (each checked against its sha256), the bundles' entry points, and the package's
    own files."""
    assets_path = DIST / "assets.json"
    if not assets_path.is_file():
        raise NpmError(f"{DIST} is not built: run ./run web first")
    assets = json.loads(assets_path.read_text())["files"]
    files = []
    for rel, entry in sorted(assets.items()):
        data = (DIST / rel).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise NpmError(f"web/dist/{rel} does not match its assets.json entry: rebuild (./run web)")
        files.append((rel, data, 0o644))
    listed = {rel for rel, _, _ in files}
    for rel in ("blazepose-holistic.js", "blazepose-holistic.mjs", "blazepose-holistic.d.ts",
                "blazepose-holistic.worker.js"):
        if rel not in listed:
            raise NpmError(f"web/dist/assets.json does not list {rel}")
    manifest = json.loads((DIST / "models" / "manifest.json").read_text())
    notice = models_notice(manifest["models"]) + THIRD_PARTY
    version = package_version()
    files += [
        ("assets.json", assets_path.read_bytes(), 0o644),
        ("package.json", (json.dumps(package_json(version), indent=2) + "\n").encode(), 0o644),
        ("README.md", (NPM / "README.md").read_bytes(), 0o644),
        (BIN, (NPM / BIN).read_bytes(), 0o755),
        ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ("NOTICE.md", notice.encode(), 0o644),
        ("licenses/onnxruntime-web.LICENSE", ORT_LICENSE.encode(), 0o644),
        ("licenses/pyodide-npm.LICENSE",
         (ROOT / "web" / "node_modules" / "@pyodide" / "pyodide" / "LICENSE").read_bytes(), 0o644),
    ]
    return sorted(files)


def build(out: Path) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, data, mode in package_files():
            info = tarfile.TarInfo(f"package/{rel}")
            info.size, info.mode, info.mtime = len(data), mode, MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{NAME}-{package_version()}.tgz"
    with open(target, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue())
    return target


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)
    try:
        tgz = build(args.out)
    except NpmError as e:
        print(f"npm package: {e}", file=sys.stderr)
        return 1
    print(f"wrote {tgz} ({tgz.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
