"""Serve a web build whose worker also counts onnxruntime-web's WebAssembly memory.

The shipped worker's stats() can only see Pyodide's heap: onnxruntime-web keeps its module
(and the models' weights) in a closure with no public handle. The memory tests and the soak
tool want both, which only patching WebAssembly before anything loads can see; that patch
(pages/wasm_memory_probe.js) must never ship, so it is put in front of the real worker
here, at serving time, for measurements only.
"""
from __future__ import annotations

import json
from pathlib import Path

from build_scripts.measure.common import PAGES

WORKER = "blazepose-holistic.worker.js"
PROBE = PAGES / "wasm_memory_probe.js"


def instrument_worker(dist: Path, root: Path, base_url: str) -> None:
    """Makes ``root`` (served at ``base_url``) the bundle of ``dist`` with a measuring worker.

    Every entry of ``dist`` is linked into ``root`` except the worker file, which becomes a
    stub that importScripts() the probe, then the shipped worker, unchanged, from
    ``probe/``. Pages and the API see the same URLs as with ``dist`` itself. URLs in the
    stub are absolute: a worker bootstrapped from a blob: URL (a cross-origin bundle) has
    no base URL to resolve relative ones against.
    """
    for entry in dist.iterdir():
        if entry.name != WORKER:
            (root / entry.name).symlink_to(entry)
    probe_dir = root / "probe"
    probe_dir.mkdir()
    (probe_dir / PROBE.name).symlink_to(PROBE)
    (probe_dir / WORKER).symlink_to(dist / WORKER)
    urls = [f"{base_url}probe/{PROBE.name}", f"{base_url}probe/{WORKER}"]
    (root / WORKER).write_text(
        "// Measurement-only stub (build_scripts/measure/memory_probe.py).\n"
        f"importScripts({', '.join(json.dumps(u) for u in urls)});\n")
