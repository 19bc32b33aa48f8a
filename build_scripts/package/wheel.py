"""The pip wheel: the whole package (CPython driver, command line) with the models inside.

    python -m build_scripts.package.wheel [--out dist]     (``./run package`` runs it)

Unlike the browser's wheel (bundle/wheel.py, the pipeline core only), this one carries every
module, the manifest and every model an option can request in ``blazepose_holistic/models/``
(found there through importlib.resources by model_store), a licence notice with the models'
sha256, and the ``blazepose-holistic`` console script. Same reproducible zip writer: the
same inputs give the same bytes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blazepose_holistic import contract
from blazepose_holistic.model_store import ModelStore
from build_scripts.bundle.wheel import PACKAGE, write_wheel
from build_scripts.common.paths import ROOT
from build_scripts.package.notice import models_notice

# What the CPython driver and the command line import (requirements/runtime.txt pins the
# versions the tests install; a library states names, not pins).
REQUIRES = ("numpy>=1.17", "onnxruntime", "pillow", "av", "tqdm")
ENTRY_POINTS = "[console_scripts]\nblazepose-holistic = blazepose_holistic.cli:main\n"
SUMMARY = ("BlazePose GHUM Holistic on CPython: 33 body + 2x21 hand landmarks and body-model "
           "joint rotations from images and videos, models included")


def package_modules() -> list:
    """[(path in the wheel, bytes)] for every module of the package, sorted."""
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts \
                and (path.suffix == ".py" or path.name == "py.typed"):
            files.append((path.relative_to(PACKAGE.parent).as_posix(), path.read_bytes()))
    return files


def packaged_models() -> tuple:
    """([(path in the wheel, bytes)], the manifest's entries): every model some options
    request, each read through the model store (so checked against its sha256)."""
    store = ModelStore()
    names = contract.possible_models()
    # The browser's LiteRT networks are not in the wheel: CPython runs the fused ONNX models.
    entries = {name: {k: v for k, v in store.models[name].items() if k != "litert"}
               for name in names}
    manifest = {k: v for k, v in store.manifest.items() if k != "models"}
    manifest["models"] = entries
    files = [(f"blazepose_holistic/models/{entries[n]['file']}", store.read(n)) for n in names]
    files.append(("blazepose_holistic/models/manifest.json",
                  (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()))
    return files, entries


def build(out: Path) -> Path:
    models, entries = packaged_models()
    notice = models_notice(entries).encode()
    files = package_modules() + models + [("blazepose_holistic/models/NOTICE.md", notice)]
    metadata = (f"Summary: {SUMMARY}\n" + "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
                + "Provides-Extra: ray\nRequires-Dist: ray; extra == \"ray\"\n")
    dist_info = {
        "entry_points.txt": ENTRY_POINTS.encode(),
        "LICENSE": (ROOT / "LICENSE").read_bytes(),
        "NOTICE.md": notice,
    }
    return write_wheel(out, files, metadata, dist_info)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)
    wheel = build(args.out)
    print(f"wrote {wheel} ({wheel.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
