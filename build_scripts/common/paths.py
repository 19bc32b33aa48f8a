"""Where build inputs and outputs live.

Converted weights are build outputs: they are cached outside the repository, under
``$BPH_CACHE`` (default ``~/.cache/blazepose-holistic``), never committed.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODELS = ROOT / "models"
SHARED_DATA = ROOT.parent / "shared" / "data"
MEDIAPIPE_PACKAGE = WEB / "node_modules" / "@mediapipe" / "holistic"


def cache_root() -> Path:
    return Path(os.environ.get("BPH_CACHE", Path.home() / ".cache" / "blazepose-holistic"))


def model_dir() -> Path:
    """The directory that holds the converted ONNX models named in models/manifest.json."""
    return Path(os.environ.get("BPH_MODEL_DIR", cache_root() / "models"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
