"""The browser's wheel: the package's runtime modules as a pure-Python wheel (PEP 427).

The worker runs only the pipeline core behind ``bridge``; the CPython driver, the command
line and media I/O never load in Pyodide, so they stay out of the wheel the page downloads.
Built by hand rather than with pip so that the bytes are reproducible: sorted entries, a
fixed timestamp, fixed permissions.
"""
from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

from build_scripts.common.paths import ROOT

PACKAGE = ROOT / "py_src" / "blazepose_holistic"
# Modules that need CPython's side of the package (onnxruntime, PyAV, Pillow, files):
# the onnxruntime driver and the API and command line built on it.
CPYTHON_ONLY = ("__main__", "batch", "cli", "drawing", "engine_ort", "frames", "media",
                "model_store", "tracker")
# The earliest timestamp a zip can store: rebuilding gives the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class WheelError(RuntimeError):
    pass


def package_version() -> str:
    text = (PACKAGE / "__init__.py").read_text()
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if not match:
        raise WheelError("no __version__ in blazepose_holistic/__init__.py")
    return match.group(1)


def browser_modules() -> list[Path]:
    """The package's files that run in the browser, sorted."""
    excluded = {PACKAGE / f"{name}.py" for name in CPYTHON_ONLY}
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path in excluded:
            continue
        if path.suffix == ".py" or path.name == "py.typed":
            files.append(path)
    return files


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_wheel(out_dir: Path) -> Path:
    """Write ``blazepose_holistic-<version>-py3-none-any.whl`` (the browser's modules,
    METADATA, WHEEL, top_level.txt, RECORD) into ``out_dir``, replacing older wheels."""
    files = [(p.relative_to(PACKAGE.parent).as_posix(), p.read_bytes()) for p in browser_modules()]
    metadata = (
        "Summary: BlazePose GHUM Holistic: the pipeline core, as the browser runs it\n"
        "Requires-Dist: numpy>=1.17\n"
    )
    return write_wheel(out_dir, files, metadata)


def write_wheel(out_dir: Path, files: list, metadata: str, dist_info: dict | None = None) -> Path:
    """A pure-Python wheel of ``files`` [(path in the wheel, bytes)] with ``metadata`` lines
    after the name and version, and ``dist_info`` {file name: bytes} (entry points,
    licences) beside METADATA; replaces older wheels in ``out_dir``."""
    version = package_version()
    info_dir = f"blazepose_holistic-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: blazepose-holistic\n"
        f"Version: {version}\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.8\n"
        + metadata
    )
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: blazepose-holistic build_scripts.bundle.wheel\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    files = files + [
        (f"{info_dir}/METADATA", metadata.encode()),
        (f"{info_dir}/WHEEL", wheel.encode()),
        (f"{info_dir}/top_level.txt", b"blazepose_holistic\n"),
    ] + [(f"{info_dir}/{name}", data) for name, data in sorted((dist_info or {}).items())]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{info_dir}/RECORD,,\n"
    files.append((f"{info_dir}/RECORD", record.encode()))
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
