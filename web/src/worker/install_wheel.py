"""Installs the blazepose_holistic wheel into the worker's Pyodide.

The worker's boot.js runs this file once (esbuild inlines it as text) and calls
``install_wheel`` with the wheel's bytes, already checked against assets.json. Pyodide
0.17 cannot install a wheel offline by itself (micropip wants PyPI), and a pure-Python
wheel is only a zip whose top level belongs in site-packages, so unpacking it is enough.

Python 3.8 (Pyodide 0.17) and newer Pyodides alike.
"""
from __future__ import annotations

import importlib
import io
import os
import sys
import sysconfig
import zipfile


def install_wheel(data, name):
    """Unpack the wheel ``data`` (named ``name`` in errors) into site-packages and return
    the imported ``blazepose_holistic.bridge`` module, the worker's entry point."""
    target = sysconfig.get_paths()["purelib"]
    os.makedirs(target, exist_ok=True)
    if hasattr(data, "to_bytes"):  # newer Pyodides
        data = data.to_bytes()
    elif hasattr(data, "to_py"):  # Pyodide 0.17: a memoryview
        data = bytes(data.to_py())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        bad = [n for n in zf.namelist() if n.startswith("/") or ".." in n.split("/")]
        if bad:
            raise ValueError(f"unsafe path in wheel {name}: {bad[0]}")
        zf.extractall(target)
    if target not in sys.path:
        sys.path.append(target)
    # The directory may have been listed (and cached as empty) before the unpacking.
    importlib.invalidate_caches()
    return importlib.import_module("blazepose_holistic.bridge")
