"""MediaPipe Tasks ``.task`` bundles for the benchmark's strongest peer, made offline from the
TFLite models of the pinned ``@mediapipe/holistic`` npm package (no download).

    python -m build_scripts.measure.tasks_bundles [--model full]   # prints the bundle paths

A ``.task`` file is a zip, stored (uncompressed), of TFLite models under the names the
Tasks graphs look for (the names are compiled into tasks-vision's wasm):

- PoseLandmarker: pose_detector.tflite, pose_landmarks_detector.tflite;
- HolisticLandmarker: those two plus hand_landmarks_detector, hand_roi_refinement (the
  holistic hand re-crop model), face_detector (short range) and face_landmarks_detector.

The legacy package's models carry no TFLite metadata, and the Tasks image preprocessing
refuses a float input without NormalizationOptions ("it requires specifying
NormalizationOptions metadata"). So each model gets a minimal metadata flatbuffer (the
tflite-support schema, metadata_schema.fbs, file identifier M001): input image RGB with
mean/std that map 0..255 to the range MediaPipe's own legacy graphs feed that model
([-1, 1] for the detectors, [0, 1] for the landmark and re-crop models).

The metadata is written with the ``flatbuffers`` runtime package alone (already a runtime
dependency): tflite-support pins protobuf < 4, which conflicts with every environment
here, and re-serialising a model through TensorFlow's schema would tie the benchmark to
the build-only environment. The original model bytes stay untouched: see
``with_metadata``.

Bundles are build outputs, cached under ``<cache>/tasks-bundles/<content hash>/`` (the
hash covers the source models and this file), never committed.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import struct
import sys
import zipfile
from pathlib import Path

import flatbuffers

from blazepose_holistic.contract import COMPLEXITIES
from build_scripts.common import paths
from build_scripts.models import mediapipe_assets

# (mean, std) such that (pixel - mean) / std is the range MediaPipe's legacy graphs give the
# model (ImageToTensorCalculator output_tensor_float_range in pose_detection_cpu,
# pose_landmark_by_roi_cpu, hand_recrop_by_roi_cpu, hand_landmark_cpu,
# face_detection_short_range_cpu, face_landmark_cpu).
MINUS_ONE_TO_ONE = (127.5, 127.5)
ZERO_TO_ONE = (0.0, 255.0)

# entry name in the .task -> (source model in @mediapipe/holistic, normalisation)
POSE_ENTRIES = {
    "pose_detector.tflite": ("pose_detection", MINUS_ONE_TO_ONE),
    "pose_landmarks_detector.tflite": ("pose_landmark_{model}", ZERO_TO_ONE),
}
HOLISTIC_ENTRIES = {
    **POSE_ENTRIES,
    "hand_landmarks_detector.tflite": ("hand_landmark_full", ZERO_TO_ONE),
    "hand_roi_refinement.tflite": ("hand_recrop", ZERO_TO_ONE),
    "face_detector.tflite": ("face_detection_short_range", MINUS_ONE_TO_ONE),
    "face_landmarks_detector.tflite": ("face_landmark", ZERO_TO_ONE),
}
BUNDLES = {"pose_landmarker": POSE_ENTRIES, "holistic_landmarker": HOLISTIC_ENTRIES}

METADATA_NAME = b"TFLITE_METADATA"  # the name MediaPipe's metadata extractor looks for
_ZIP_ALIGN = 64  # model data start in the zip: keeps the flatbuffers' own alignment
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same bytes


class BundleError(RuntimeError):
    pass


# --------------------------------------------------------------------------- metadata
# Field slots of metadata_schema.fbs (tflite-support), in declaration order.
_CONTENT_PROPERTIES_IMAGE = 2  # union ContentProperties: FeatureProperties=1, ImageProperties=2
_COLOR_SPACE_RGB = 1
_PROCESS_UNIT_NORMALIZATION = 1  # union ProcessUnitOptions: NormalizationOptions=1
_MIN_PARSER_VERSION = b"1.0.0"  # nothing used here is newer than schema 1.0.0


def _floats(b: flatbuffers.Builder, values: list) -> int:
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependFloat32(float(v))
    return b.EndVector()


def _offsets(b: flatbuffers.Builder, offsets: list) -> int:
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


def _tensor_metadata(b: flatbuffers.Builder, name: str, norm: tuple | None) -> int:
    name_off = b.CreateString(name)
    content = units = None
    if norm is not None:
        mean, std = _floats(b, [norm[0]]), _floats(b, [norm[1]])
        b.StartObject(2)  # NormalizationOptions {mean, std}
        b.PrependUOffsetTRelativeSlot(0, mean, 0)
        b.PrependUOffsetTRelativeSlot(1, std, 0)
        options = b.EndObject()
        b.StartObject(2)  # ProcessUnit {options_type, options}
        b.PrependUint8Slot(0, _PROCESS_UNIT_NORMALIZATION, 0)
        b.PrependUOffsetTRelativeSlot(1, options, 0)
        units = _offsets(b, [b.EndObject()])
        b.StartObject(2)  # ImageProperties {color_space, default_size}
        b.PrependInt8Slot(0, _COLOR_SPACE_RGB, 0)
        image = b.EndObject()
        b.StartObject(3)  # Content {content_properties_type, content_properties, range}
        b.PrependUint8Slot(0, _CONTENT_PROPERTIES_IMAGE, 0)
        b.PrependUOffsetTRelativeSlot(1, image, 0)
        content = b.EndObject()
    b.StartObject(5)  # TensorMetadata {name, description, dimension_names, content, process_units}
    b.PrependUOffsetTRelativeSlot(0, name_off, 0)
    if content is not None:
        b.PrependUOffsetTRelativeSlot(3, content, 0)
        b.PrependUOffsetTRelativeSlot(4, units, 0)
    return b.EndObject()


def metadata_flatbuffer(name: str, inputs: list, outputs: list, norm: tuple) -> bytes:
    """ModelMetadata (M001) for a one-subgraph image model: every input is an RGB image
    normalised with ``norm`` = (mean, std); outputs carry their names only (the schema wants
    one TensorMetadata per tensor; the Tasks graphs read none of them)."""
    b = flatbuffers.Builder(1024)
    ins = [_tensor_metadata(b, n, norm) for n in inputs]
    outs = [_tensor_metadata(b, n, None) for n in outputs]
    ins_vec, outs_vec = _offsets(b, ins), _offsets(b, outs)
    b.StartObject(4)  # SubGraphMetadata {name, description, input_tensor_metadata, output_...}
    b.PrependUOffsetTRelativeSlot(2, ins_vec, 0)
    b.PrependUOffsetTRelativeSlot(3, outs_vec, 0)
    subgraphs = _offsets(b, [b.EndObject()])
    name_off = b.CreateString(name)
    description = b.CreateString(
        "input normalisation for MediaPipe Tasks, added by blazepose-holistic's benchmark")
    version = b.CreateString(_MIN_PARSER_VERSION)
    b.StartObject(8)  # ModelMetadata {name, description, version, subgraph_metadata, ...,
    b.PrependUOffsetTRelativeSlot(0, name_off, 0)  #   min_parser_version (slot 7)}
    b.PrependUOffsetTRelativeSlot(1, description, 0)
    b.PrependUOffsetTRelativeSlot(3, subgraphs, 0)
    b.PrependUOffsetTRelativeSlot(7, version, 0)
    b.Finish(b.EndObject(), file_identifier=b"M001")
    return bytes(b.Output())


# --------------------------------------------------------------------------- TFLite model
# Field slots of the TFLite schema's Model table (tensorflow/lite/schema/schema.fbs).
_MODEL_FIELDS = ("version", "operator_codes", "subgraphs", "description", "buffers",
                 "metadata_buffer", "metadata", "signature_defs")
_BUFFERS, _METADATA = 4, 6


def _u32(buf: bytes, pos: int) -> int:
    return struct.unpack_from("<I", buf, pos)[0]


def _deref(buf: bytes, pos: int) -> int:
    """Absolute position an offset field at ``pos`` points to."""
    return pos + _u32(buf, pos)


def _table_fields(buf: bytes, table: int) -> dict:
    """slot -> absolute position of the field's value, for the fields present."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vt_size = struct.unpack_from("<H", buf, vtable)[0]
    out = {}
    for slot in range((vt_size - 4) // 2):
        rel = struct.unpack_from("<H", buf, vtable + 4 + 2 * slot)[0]
        if rel:
            out[slot] = table + rel
    return out


def _vector(buf: bytes, pos: int) -> tuple:
    """(absolute position of element 0, length) of the vector an offset at ``pos`` names."""
    vec = _deref(buf, pos)
    return vec + 4, _u32(buf, vec)


def _string(buf: bytes, pos: int) -> bytes:
    start, n = _vector(buf, pos)
    return bytes(buf[start:start + n])


def model_summary(model: bytes) -> dict:
    """What ``with_metadata`` relies on and what the tests check: the Model table's fields
    (absolute positions of their targets), its buffers and metadata entries."""
    if model[4:8] != b"TFL3":
        raise BundleError("not a TFLite model (no TFL3 identifier)")
    root = _u32(model, 0)
    fields = _table_fields(model, root)
    unknown = [s for s in fields if s >= len(_MODEL_FIELDS)]
    if unknown:
        # A newer schema: copying only the fields we know would silently drop some.
        raise BundleError(f"Model table has fields this tool does not know: {unknown}")
    out = {"root": root, "fields": fields, "buffers": [], "metadata": {}}
    if _BUFFERS in fields:
        start, n = _vector(model, fields[_BUFFERS])
        for k in range(n):
            table = _deref(model, start + 4 * k)
            bf = _table_fields(model, table)
            # Buffers of > 2 GB models live at an absolute file offset (slots 1, 2), which
            # moving the model's bytes would break; none of MediaPipe's models use them.
            if bf.get(1) and struct.unpack_from("<Q", model, bf[1])[0] > 1:
                raise BundleError("model stores buffers by file offset; not supported")
            data = _vector(model, bf[0]) if 0 in bf else (None, 0)
            out["buffers"].append({"table": table, "data": data})
    if _METADATA in fields:
        start, n = _vector(model, fields[_METADATA])
        for k in range(n):
            table = _deref(model, start + 4 * k)
            mf = _table_fields(model, table)
            name = _string(model, mf[0]) if 0 in mf else b""
            out["metadata"][name] = {"table": table,
                                     "buffer": _u32(model, mf[1]) if 1 in mf else 0}
    return out


def with_metadata(model: bytes, metadata: bytes) -> bytes:
    """The model with ``metadata`` attached as the TFLITE_METADATA buffer, everything else
    as it was.

    FlatBuffers offsets only point forward, so a new root cannot be appended after the old
    objects; instead a prefix is written in front of the unchanged model bytes: a new root
    Model table whose fields point into the old bytes (now shifted by the prefix length),
    a buffers vector and a metadata vector that list the old entries plus one new Buffer and
    one new Metadata entry. The old root table stays in the file, unreferenced. The prefix
    length is a multiple of 16, so the old bytes keep the 16-byte alignment the schema
    asks for (``force_align: 16`` on buffer data).

    The prefix is built with flatbuffers.Builder, which builds back to front and measures
    positions from the end of its buffer; an old object at position p of the old model
    therefore sits at -p in the Builder's terms (p bytes past the prefix's end), which is
    what ``at`` hands to the Builder's offset methods.
    """
    old = model_summary(model)
    if METADATA_NAME in old["metadata"]:
        raise BundleError("the model already carries TFLite metadata")

    def at(pos: int) -> int:
        return -pos

    b = flatbuffers.Builder(len(metadata) + 1024)
    # The metadata bytes, 16-aligned (which also makes Finish pad the whole prefix to a
    # multiple of 16).
    b.Prep(16, len(metadata))
    data = b.CreateByteVector(metadata)
    b.StartObject(1)  # Buffer {data}
    b.PrependUOffsetTRelativeSlot(0, data, 0)
    new_buffer = b.EndObject()
    name = b.CreateString(METADATA_NAME)
    b.StartObject(2)  # Metadata {name, buffer}
    b.PrependUOffsetTRelativeSlot(0, name, 0)
    b.PrependUint32Slot(1, len(old["buffers"]), 0)
    new_meta = b.EndObject()
    buffers = _offsets(b, [at(x["table"]) for x in old["buffers"]] + [new_buffer])
    metas = _offsets(b, [at(x["table"]) for x in old["metadata"].values()] + [new_meta])
    fields = old["fields"]
    b.StartObject(len(_MODEL_FIELDS))
    for slot in sorted(fields):
        if slot not in (0, _BUFFERS, _METADATA):  # the other reference fields, as they were
            b.PrependUOffsetTRelativeSlot(slot, at(_deref(model, fields[slot])), 0)
    b.PrependUOffsetTRelativeSlot(_BUFFERS, buffers, 0)
    b.PrependUOffsetTRelativeSlot(_METADATA, metas, 0)
    if 0 in fields:  # version, a uint scalar; a default that never matches keeps it written
        b.PrependUint32Slot(0, _u32(model, fields[0]), 0xFFFFFFFF)
    b.Finish(b.EndObject(), file_identifier=b"TFL3")
    prefix = bytes(b.Output())
    if len(prefix) % 16:
        raise BundleError(f"prefix of {len(prefix)} bytes breaks the model's alignment")
    out = prefix + model
    _check(model, out, len(prefix), metadata)
    return out


def _check(model: bytes, out: bytes, shift: int, metadata: bytes) -> None:
    """The new file's Model points at the old objects (shifted), and the metadata reads
    back: a cheap guard against an offset error in ``with_metadata``."""
    old, new = model_summary(model), model_summary(out)
    for slot, pos in old["fields"].items():
        if slot in (0, _BUFFERS, _METADATA):
            continue
        if _deref(out, new["fields"][slot]) != _deref(model, pos) + shift:
            raise BundleError(f"Model field {_MODEL_FIELDS[slot]} moved")
    if 0 in old["fields"] and _u32(out, new["fields"][0]) != _u32(model, old["fields"][0]):
        raise BundleError("Model version changed")
    if [x["table"] + shift for x in old["buffers"]] != [x["table"] for x in new["buffers"][:-1]]:
        raise BundleError("buffers moved")
    entry = new["metadata"].get(METADATA_NAME)
    if entry is None or entry["buffer"] != len(new["buffers"]) - 1:
        raise BundleError("TFLITE_METADATA entry missing")
    start, n = new["buffers"][-1]["data"]
    if bytes(out[start:start + n]) != metadata or start % 16:
        raise BundleError("metadata buffer does not read back")


def read_normalization(model: bytes) -> list:
    """(mean, std) of each input's NormalizationOptions, read back from a model's metadata
    (for the tests; the Tasks graphs read the same fields)."""
    summary = model_summary(model)
    entry = summary["metadata"].get(METADATA_NAME)
    if entry is None:
        return []
    start, n = summary["buffers"][entry["buffer"]]["data"]
    md = bytes(model[start:start + n])
    if md[4:8] != b"M001":
        raise BundleError("metadata has no M001 identifier")
    mm = _table_fields(md, _u32(md, 0))
    sg_start, _ = _vector(md, mm[3])
    sg = _table_fields(md, _deref(md, sg_start))
    in_start, n_in = _vector(md, sg[2])
    out = []
    for k in range(n_in):
        tm = _table_fields(md, _deref(md, in_start + 4 * k))
        pu_start, _ = _vector(md, tm[4])
        pu = _table_fields(md, _deref(md, pu_start))
        if md[pu[0]] != _PROCESS_UNIT_NORMALIZATION:
            raise BundleError("first process unit is not NormalizationOptions")
        norm = _table_fields(md, _deref(md, pu[1]))
        vals = []
        for slot in (0, 1):
            s, cnt = _vector(md, norm[slot])
            vals.append(list(struct.unpack_from(f"<{cnt}f", md, s)))
        out.append(tuple(vals))
    return out


def tensor_names(model: bytes) -> tuple:
    """(input names, output names) of the model's first subgraph."""
    summary = model_summary(model)
    start, _ = _vector(model, summary["fields"][2])
    sg = _table_fields(model, _deref(model, start))
    t_start, _ = _vector(model, sg[0])  # SubGraph {tensors, inputs, outputs, operators, name}

    def names(slot):
        s, n = _vector(model, sg[slot])
        idx = struct.unpack_from(f"<{n}i", model, s)
        out = []
        for i in idx:
            tf = _table_fields(model, _deref(model, t_start + 4 * i))
            out.append(_string(model, tf[3]).decode())  # Tensor {shape, type, buffer, name}
        return out

    return names(1), names(2)


def add_normalization(model: bytes, name: str, norm: tuple) -> bytes:
    inputs, outputs = tensor_names(model)
    return with_metadata(model, metadata_flatbuffer(name, inputs, outputs, norm))


# --------------------------------------------------------------------------- bundles
def _zip_stored(entries: dict) -> bytes:
    """A stored zip, each member's data starting at a multiple of _ZIP_ALIGN (padding in the
    local header's extra field, as zipalign does), with fixed dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            header = buf.tell() + 30 + len(name.encode())
            pad = (-(header + 4)) % _ZIP_ALIGN
            # Extra field id 0xD935 is zipalign's; readers skip ids they do not know.
            info.extra = struct.pack("<HH", 0xD935, pad) + b"\0" * pad
            zf.writestr(info, entries[name])
    return buf.getvalue()


def sources(model: str) -> dict:
    """bundle name -> {entry: (source model name, normalisation)} for this complexity."""
    if model not in COMPLEXITIES:
        raise BundleError(f"unknown model {model!r}; one of {COMPLEXITIES}")
    return {bundle: {entry: (src.format(model=model), norm) for entry, (src, norm) in e.items()}
            for bundle, e in BUNDLES.items()}


def build(model: str = "full", package: Path | None = None, cache: Path | None = None) -> dict:
    """bundle name ("pose_landmarker", "holistic_landmarker") -> path of its .task file,
    built once per content hash."""
    package = package or paths.MEDIAPIPE_PACKAGE
    try:
        mediapipe_assets.check_package(package)
    except mediapipe_assets.AssetError as e:
        raise BundleError(str(e)) from e
    wanted = sources(model)
    tflite = {src: mediapipe_assets.read_model(package, src)
              for spec in wanted.values() for src, _ in spec.values()}
    h = hashlib.sha256(Path(__file__).read_bytes())
    for src in sorted(tflite):
        h.update(src.encode() + hashlib.sha256(tflite[src]).digest())
    key = h.hexdigest()[:24]
    out_dir = (cache or paths.cache_root() / "tasks-bundles") / key
    paths_out = {bundle: out_dir / f"{bundle}_{model}.task" for bundle in wanted}
    if all(p.is_file() for p in paths_out.values()):
        return paths_out
    tmp = out_dir.with_name(key + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    with_md = {}
    for bundle, spec in wanted.items():
        members = {}
        for entry, (src, norm) in spec.items():
            if (src, norm) not in with_md:
                with_md[(src, norm)] = add_normalization(tflite[src], src, norm)
            members[entry] = with_md[(src, norm)]
        (tmp / paths_out[bundle].name).write_bytes(_zip_stored(members))
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in paths_out.values():
        (tmp / p.name).replace(p)
    tmp.rmdir()
    return paths_out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=COMPLEXITIES, default="full")
    args = ap.parse_args(argv)
    try:
        built = build(args.model)
    except (BundleError, mediapipe_assets.AssetError) as e:
        print(f"tasks_bundles: {e}", file=sys.stderr)
        return 1
    for name, path in built.items():
        print(f"{name}: {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
