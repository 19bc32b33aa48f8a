"""Where build inputs and outputs live.

Converted weights are build outputs: they are cached outside the repository, under
``$BPH_CACHE`` (default ``~/.cache/blazepose-holistic``), never committed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from blazepose_holistic import model_store

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODELS = ROOT / "models"
SHARED_DATA = ROOT.parent / "shared" / "data"
MEDIAPIPE_PACKAGE = WEB / "node_modules" / "@mediapipe" / "holistic"


# The product owns where its models are found; the workshop writes them there.
cache_root = model_store.cache_root
model_dir = model_store.default_model_dir


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
