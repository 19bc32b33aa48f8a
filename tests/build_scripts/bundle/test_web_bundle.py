"""The web build is reproducible, its worker ships without test hooks, and its wheel is a
valid, installable pure-Python wheel. No browser."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile

from build_scripts.bundle import web as build_web
from build_scripts.bundle.wheel import CPYTHON_ONLY, build_wheel
from build_scripts.common.paths import ROOT

DIST = ROOT / "web" / "dist"


def test_bundles_and_wheel_are_byte_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        out.mkdir()
        build_web.esbuild(out)
        build_wheel(out / "python")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 5
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    # ... and equal to what web/dist holds (./run test builds it just before).
    for rel in files:
        assert (a / rel).read_bytes() == (DIST / rel).read_bytes(), f"web/dist/{rel} is stale"


def test_worker_ships_without_test_hooks_and_python_lives_in_py_files():
    worker = (DIST / "blazepose-holistic.worker.js").read_text()
    # The memory probe patches WebAssembly; the shipped worker must not (the tests load
    # build_scripts/measure/pages/wasm_memory_probe.js in front of it instead).
    assert not re.search(r"WebAssembly\.\w+\s*=[^=]|\bW\.(Memory|instantiate\w*)\s*=[^=]", worker)
    assert "wasm_memory_probe" not in worker
    # Python is written in .py files: the wheel installer is inlined from one...
    assert "def install_wheel(data, name):" in worker
    # ... and no JavaScript source holds Python in a template string.
    for path in sorted((ROOT / "web" / "src").rglob("*.js")):
        for literal in re.findall(r"`[^`]*`", path.read_text()):
            assert not re.search(r"^\s*def \w+\(", literal, re.M), (path, literal[:80])


def test_wheel_is_valid_and_installs(tmp_path):
    wheel = build_wheel(tmp_path / "w")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(zf.read(record).decode())))
        assert {r[0] for r in rows} == set(names)
        for name, digest, size in rows:
            if name == record:
                continue
            data = zf.read(name)
            want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, int(size)) == (want, len(data)), name
    assert "blazepose_holistic/bridge.py" in names and "blazepose_holistic/pipeline.py" in names
    # The browser never runs the CPython driver, the command line or the workshop's code.
    shipped = [n for n in names if n.startswith("blazepose_holistic/")]
    for module in CPYTHON_ONLY:
        assert f"blazepose_holistic/{module}.py" not in shipped, module
    assert not [n for n in shipped if "evaluation" in n or "retarget" in n or "prior" in n]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(wheel)], check=True)
    code = ("import blazepose_holistic.bridge as b, json; "
            "print(json.dumps([b.__file__, b.Bridge.joint_names_json()]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target)}, cwd=tmp_path).stdout
    path, names_json = json.loads(out)
    assert path.startswith(str(target)) and "Hips" in json.loads(names_json)


def test_dist_layout_and_size_report():
    report = json.loads((DIST / "size-report.json").read_text())
    page = report["default_page"]
    files = {f["file"] for f in page["files"]}
    for f in ("blazepose-holistic.js", "blazepose-holistic.worker.js", "pyodide/pyodide.asm.wasm",
              "pyodide/numpy.data", "litert/litert_wasm_internal.wasm", "models/pose_detector.tflite",
              "models/pose_landmark_full.tflite", "models/lifter.tflite"):
        assert f in files, f
    assert "models/pose_landmark_full.onnx" not in files  # the wasm backend's, not the default
    # LiteRT.js runs every model by default (the lifter too): no onnxruntime-web at all.
    assert not [f for f in files if f.startswith("ort/")]
    assert "ort/ort-wasm-simd-threaded.wasm" in {f["file"] for f in report["wasm_backend_extra"]["files"]}
    assert page["bytes"] == sum((DIST / f).stat().st_size for f in files)
    assert 0 < page["gzip_bytes"] < page["bytes"]
    # Only the 7 Pyodide files the worker needs.
    assert sorted(p.name for p in (DIST / "pyodide").iterdir()) == sorted(build_web.PYODIDE_FILES)
    manifest = json.loads((DIST / "models" / "manifest.json").read_text())
    for name, entry in manifest["models"].items():
        assert (DIST / "models" / entry["file"]).stat().st_size == entry["bytes"], name
        if "litert" in entry:
            net = entry["litert"]
            assert (DIST / "models" / net["file"]).stat().st_size == net["bytes"], name
    assert (ROOT / "web" / "examples" / "script-tag.html").read_bytes() == \
        (DIST / "examples" / "script-tag.html").read_bytes()
