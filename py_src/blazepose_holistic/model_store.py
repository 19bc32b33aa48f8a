"""Finding and verifying model files (CPython side).

``models/manifest.json`` names every model with its sha256. Converted MediaPipe models are
build outputs in the model directory (``$BPH_MODEL_DIR``, default
``~/.cache/blazepose-holistic/models``, written by ``./run models``); our own small models are
committed next to the manifest. Every file is checked against its sha256 before use.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_REPO_MODELS = Path(__file__).resolve().parent.parent.parent / "models"


class ModelError(RuntimeError):
    """A model is missing, corrupt, or not the model the manifest names."""


def cache_root() -> Path:
    """Where built things are cached (models, environments): $BPH_CACHE, by default
    ~/.cache/blazepose-holistic."""
    return Path(os.environ.get("BPH_CACHE", Path.home() / ".cache" / "blazepose-holistic"))


def default_model_dir() -> Path:
    """The converted models: $BPH_MODEL_DIR, by default <cache>/models."""
    return Path(os.environ.get("BPH_MODEL_DIR", cache_root() / "models"))


def default_manifest_path() -> Path:
    return Path(os.environ.get("BPH_MANIFEST", _REPO_MODELS / "manifest.json"))


class ModelStore:
    def __init__(self, manifest_path: Path | None = None, model_dir: Path | None = None):
        self.manifest_path = Path(manifest_path or default_manifest_path())
        if not self.manifest_path.is_file():
            raise ModelError(
                f"model manifest not found at {self.manifest_path}; run `./run models` first"
            )
        try:
            self.manifest = json.loads(self.manifest_path.read_text())
        except ValueError as e:
            raise ModelError(f"model manifest {self.manifest_path} is not valid JSON: {e}") from e
        self.model_dir = Path(model_dir or default_model_dir())
        self.models = self.manifest.get("models", {})

    def __contains__(self, name: str) -> bool:
        return name in self.models

    def path(self, name: str) -> Path:
        if name not in self.models:
            raise ModelError(f"model {name!r} is not in {self.manifest_path}")
        return self.find_file(name, self.models[name]["file"])

    def find_file(self, label: str, file: str) -> Path:
        """A file the manifest lists, in the manifest's folder or the model directory."""
        for folder in (self.manifest_path.parent, self.model_dir):
            if (folder / file).is_file():
                return folder / file
        raise ModelError(
            f"model file {file} for {label!r} not found in {self.manifest_path.parent} or "
            f"{self.model_dir}; run `./run models` to build it"
        )

    def read(self, name: str) -> bytes:
        """The model's bytes, after checking size and sha256 against the manifest."""
        self.path(name)  # names a model missing from the manifest
        return self.read_entry(name, self.models[name])

    def read_entry(self, label: str, entry: dict) -> bytes:
        """The bytes of any manifest file entry ({file, sha256, bytes}: a model, its LiteRT
        network, a crop model), checked like a model's."""
        path = self.find_file(label, entry["file"])
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            hint = (
                "the file is truncated"
                if len(data) < entry.get("bytes", 0)
                else "the file was modified or belongs to another build"
            )
            raise ModelError(
                f"checksum mismatch for {label!r} ({path}): sha256 {digest[:12]}..., manifest "
                f"expects {entry['sha256'][:12]}...; {hint}. Rebuild with `./run models`."
            )
        return data
