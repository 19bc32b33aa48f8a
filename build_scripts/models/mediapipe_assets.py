"""Extract the TFLite models from the pinned ``@mediapipe/holistic`` npm package.

Most models are not plain files in the package: they are concatenated into
``holistic_solution_packed_assets.data`` and located by an Emscripten file-packager loader
(``holistic_solution_packed_assets_loader.js``) that lists each file's byte range. We parse
that listing rather than hard-coding offsets, so a package bump fails loudly instead of
silently cutting the wrong bytes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE_NAME = "@mediapipe/holistic"
PACKAGE_VERSION = "0.5.1675471629"
PACKED_DATA = "holistic_solution_packed_assets.data"
PACKED_LOADER = "holistic_solution_packed_assets_loader.js"

# model name -> where it lives: a plain file in the package, or a path inside the packed data.
MODEL_SOURCES = {
    "pose_detection": "/third_party/mediapipe/modules/pose_detection/pose_detection.tflite",
    "pose_landmark_lite": "pose_landmark_lite.tflite",
    "pose_landmark_full": "pose_landmark_full.tflite",
    "pose_landmark_heavy": "pose_landmark_heavy.tflite",
    "hand_recrop": "/third_party/mediapipe/modules/holistic_landmark/hand_recrop.tflite",
    "hand_landmark_full": "/third_party/mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
    "palm_detection_full": "/third_party/mediapipe/modules/palm_detection/palm_detection_full.tflite",
    # Not converted: only the benchmark's MediaPipe Tasks peer uses them (its
    # HolisticLandmarker always runs a face mesh; build_scripts/measure/tasks_bundles.py).
    "face_detection_short_range":
        "/third_party/mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "face_landmark": "/third_party/mediapipe/modules/face_landmark/face_landmark.tflite",
}

# The file packager writes a `loadPackage({"files": [{"filename": ..., "start": ..., "end": ...
# }, ...], "remote_package_size": N})` call; one entry per packed file.
_ENTRY = re.compile(
    r'\{\s*"filename"\s*:\s*"(?P<name>[^"]+)"\s*,\s*"start"\s*:\s*(?P<start>\d+)\s*,'
    r'\s*"end"\s*:\s*(?P<end>\d+)'
)
_PACKAGE_SIZE = re.compile(r'"remote_package_size"\s*:\s*(\d+)')


class AssetError(RuntimeError):
    """The npm package is missing, of the wrong version, or its packed data is inconsistent."""


@dataclass(frozen=True)
class PackedEntry:
    filename: str
    start: int
    end: int


def parse_loader(loader_js: str) -> dict[str, PackedEntry]:
    """Byte ranges of the packed files, keyed by their virtual path."""
    entries = {
        m["name"]: PackedEntry(m["name"], int(m["start"]), int(m["end"]))
        for m in _ENTRY.finditer(loader_js)
    }
    if not entries:
        raise AssetError(f"no packed file entries found in {PACKED_LOADER}")
    for e in entries.values():
        if e.end < e.start:
            raise AssetError(f"packed entry {e.filename} has end < start")
    return entries


def check_package(package_dir: Path) -> None:
    meta_file = package_dir / "package.json"
    if not meta_file.is_file():
        raise AssetError(
            f"{package_dir} is not an npm package; run `npm ci` in web/ first"
        )
    meta = json.loads(meta_file.read_text())
    if meta.get("version") != PACKAGE_VERSION:
        raise AssetError(
            f"{PACKAGE_NAME} is version {meta.get('version')}, expected {PACKAGE_VERSION}"
        )


def read_model(package_dir: Path, name: str) -> bytes:
    """The TFLite bytes of one model from the package (plain file or packed range)."""
    source = MODEL_SOURCES[name]
    if not source.startswith("/"):
        return (package_dir / source).read_bytes()
    entries = parse_loader((package_dir / PACKED_LOADER).read_text())
    if source not in entries:
        raise AssetError(f"{source} is not listed in {PACKED_LOADER}")
    entry = entries[source]
    data_path = package_dir / PACKED_DATA
    loader = (package_dir / PACKED_LOADER).read_text()
    declared = _PACKAGE_SIZE.search(loader)
    actual = data_path.stat().st_size
    if declared and int(declared.group(1)) != actual:
        raise AssetError(
            f"{PACKED_DATA} is {actual} bytes but the loader declares {declared.group(1)}"
        )
    with open(data_path, "rb") as f:
        f.seek(entry.start)
        blob = f.read(entry.end - entry.start)
    if len(blob) != entry.end - entry.start:
        raise AssetError(f"{PACKED_DATA} is truncated: {source} runs past its end")
    # Every TFLite flatbuffer carries the file identifier "TFL3" at byte 4.
    if blob[4:8] != b"TFL3":
        raise AssetError(f"{source} is not a TFLite model (no TFL3 identifier)")
    return blob


def source_info(name: str) -> dict:
    return {"npm_package": PACKAGE_NAME, "version": PACKAGE_VERSION, "file": MODEL_SOURCES[name]}
