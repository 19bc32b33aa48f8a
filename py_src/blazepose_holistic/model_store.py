"""Finding and verifying model files (CPython side).

A manifest names every model with its sha256; every file is checked against it before use.
Where the manifest and the models are, first match wins:

1. the ``manifest`` / ``model_dir`` arguments, or ``$BPH_MANIFEST`` (a development override);
2. the installed package: a wheel built by ``./run package`` carries the manifest and the
   models in ``blazepose_holistic/models/``, read through ``importlib.resources``;
3. a checkout: the committed ``models/manifest.json`` with our own small models beside it,
   and the converted MediaPipe models, build outputs, in ``$BPH_MODEL_DIR`` (default
   ``~/.cache/blazepose-holistic/models``, written by ``./run models``).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# Only in a checkout: the repository's models/ (an installed package has its own, above).
_REPO_MODELS = Path(__file__).resolve().parent.parent.parent / "models"
PACKAGED_MANIFEST = "manifest.json"


class ModelError(RuntimeError):
    """A model is missing, corrupt, or not the model the manifest names."""


def cache_root() -> Path:
    """Where built things are cached (models, environments): $BPH_CACHE, by default
    ~/.cache/blazepose-holistic."""
    return Path(os.environ.get("BPH_CACHE", Path.home() / ".cache" / "blazepose-holistic"))


def default_model_dir() -> Path:
    """The converted models: $BPH_MODEL_DIR, by default <cache>/models."""
    return Path(os.environ.get("BPH_MODEL_DIR", cache_root() / "models"))


def packaged_models():
    """The installed package's model folder (an importlib.resources Traversable; a plain
    directory for an ordinary install), or None when it carries no models (a checkout)."""
    try:
        from importlib.resources import files
    except ImportError:  # Python 3.8 has no files(): wheels install unzipped, read the folder
        folder = Path(__file__).resolve().parent / "models"
    else:
        folder = files(__package__) / "models"
    return folder if (folder / PACKAGED_MANIFEST).is_file() else None


def default_manifest_path():
    """$BPH_MANIFEST, else the installed package's manifest, else the checkout's."""
    if "BPH_MANIFEST" in os.environ:
        return Path(os.environ["BPH_MANIFEST"])
    packaged = packaged_models()
    return _REPO_MODELS / "manifest.json" if packaged is None else packaged / PACKAGED_MANIFEST


class ModelStore:
    def __init__(self, manifest_path=None, model_dir: Path | None = None):
        manifest = manifest_path or default_manifest_path()
        # A Path, or a Traversable of a zipped install (which has .parent, is_file, read_*).
        self.manifest_path = Path(manifest) if isinstance(manifest, (str, os.PathLike)) else manifest
        if not self.manifest_path.is_file():
            raise ModelError(
                f"model manifest not found at {self.manifest_path}; run `./run models` first"
            )
        try:
            self.manifest = json.loads(self.manifest_path.read_text())
        except ValueError as e:
            raise ModelError(f"model manifest {self.manifest_path} is not valid JSON: {e}") from e
        self.folders = [self.manifest_path.parent]
        # An installed package uses its own models only, unless told otherwise; a checkout
        # finds the converted ones in the build cache.
        installed = manifest_path is None and "BPH_MANIFEST" not in os.environ \
            and packaged_models() is not None
        if model_dir is not None or "BPH_MODEL_DIR" in os.environ or not installed:
            self.folders.append(Path(model_dir or default_model_dir()))
        self.models = self.manifest.get("models", {})

    def __contains__(self, name: str) -> bool:
        return name in self.models

    def path(self, name: str):
        """Where the model's file is (a Path, or a Traversable inside a zipped install)."""
        if name not in self.models:
            raise ModelError(f"model {name!r} is not in {self.manifest_path}")
        return self.find_file(name, self.models[name]["file"])

    def find_file(self, label: str, file: str):
        """A file the manifest lists, in the first of the store's folders that has it."""
        for folder in self.folders:
            if (folder / file).is_file():
                return folder / file
        raise ModelError(
            f"model file {file} for {label!r} not found in "
            f"{' or '.join(str(f) for f in self.folders)}; run `./run models` to build it"
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
                f"expects {entry['sha256'][:12]}...; {hint}. Rebuild with `./run models` "
                f"(an installed package: reinstall it)."
            )
        return data
