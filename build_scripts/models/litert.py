"""The browser's fast path: MediaPipe's own TFLite networks for LiteRT.js.

onnxruntime-web's WASM build runs depthwise convolutions through im2col and a one-row GEMM
per channel (docs/benchmark.md, "Where the time goes"), 7-15x slower than native; LiteRT.js
runs TFLite models on XNNPACK's WebAssembly kernels, as MediaPipe does. The browser's
``litert`` backend runs each model as its two halves: the crop (the worker's crop.js, the
crop graph's arithmetic, tested against crop_graph.reference_crop) and the network, the
source ``.tflite`` from @mediapipe/holistic with the outputs the contract drops pruned away
(the pose models' segmentation head costs half their time), run by LiteRT.js one crop at a
time (the files have a fixed batch of 1).

Each pruned network is verified against its source in the TFLite interpreter (kept outputs
bit-identical). Needs tensorflow (the build environment); results are cached by content
hash like the ONNX models.
"""
from __future__ import annotations

import numpy as np

from build_scripts.models.build import max_rel_diff, model_inputs, real_images


def prune_outputs(tflite: bytes, keep: list) -> bytes:
    """The model with only subgraph 0's outputs at indices ``keep`` (in that order) and the
    operators they need; tensors and weights are left in place."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite, 0))
    graph = model.subgraphs[0]
    outputs = [int(graph.outputs[i]) for i in keep]
    producer = {int(t): k for k, op in enumerate(graph.operators) for t in op.outputs}
    needed, stack = set(), list(outputs)
    while stack:
        k = producer.get(stack.pop())
        if k is not None and k not in needed:
            needed.add(k)
            stack.extend(int(t) for t in graph.operators[k].inputs if t >= 0)
    graph.operators = [op for k, op in enumerate(graph.operators) if k in needed]
    graph.outputs = np.array(outputs, np.int32)
    for sig in model.signatureDefs or []:
        sig.outputs = [o for o in sig.outputs if o.tensorIndex in outputs]
    builder = flatbuffers.Builder(len(tflite) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def output_names(tflite: bytes) -> list:
    """Subgraph 0's output tensor names, in order (LiteRT.js names its outputs by them)."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_content=tflite)
    return [d["name"] for d in interp.get_output_details()]


def build_network(source: str, spec: dict, tflite: bytes) -> tuple:
    """(network bytes, manifest fields) for a fused model's network half: the source
    pruned to the contract's outputs, verified bit-identical on those outputs."""
    from build_scripts.models.build import tflite_run

    keep = [k for k, o in enumerate(spec["outputs"]) if o not in spec.get("drop", [])]
    net = prune_outputs(tflite, keep) if len(keep) < len(spec["outputs"]) else tflite
    size, value_range, _ = spec["crop"]
    for x in model_inputs(size, value_range, real_images()[:2], seed=len(source)):
        ref, got = tflite_run(tflite, x), tflite_run(net, x)
        for k, g in zip(keep, got):
            if max_rel_diff(ref[k], g) != 0.0:
                raise RuntimeError(f"{source}: pruned output {spec['outputs'][k]} differs")
    names = output_names(net)
    return net, {"outputs": dict(zip([spec["outputs"][k] for k in keep], names)),
                 "input_shape": [1, size, size, 3]}


def network_cached(name: str, spec: dict, tflite: bytes) -> tuple:
    """build_network through the conversion cache: keyed by the source bytes, this file,
    the spec and the pinned build tools, so a warm build never imports tensorflow."""
    import json
    from pathlib import Path

    from build_scripts.common import paths

    recipe = Path(__file__).read_bytes() + (paths.ROOT / "requirements" / "build.txt").read_bytes()
    return cached("litert", tflite + recipe + json.dumps(spec, sort_keys=True).encode(),
                  lambda: build_network(spec["source"], spec, tflite))


def cached(prefix: str, key: bytes, build) -> tuple:
    """(network bytes, manifest fields) from the conversion cache entry of ``key``'s hash,
    else ``build()``'s, stored there (written aside, then renamed: never half an entry)."""
    import json
    import shutil

    from build_scripts.common import paths

    cached = paths.cache_root() / "convert" / f"{prefix}-{paths.sha256_bytes(key)[:24]}"
    if cached.is_dir():
        return (cached / "network.tflite").read_bytes(), json.loads((cached / "fields.json").read_text())
    net, fields = build()
    tmp = cached.with_name(cached.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "network.tflite").write_bytes(net)
    (tmp / "fields.json").write_text(json.dumps(fields))
    tmp.rename(cached)
    return net, fields
