"""Our own ONNX models (the lifter) as TFLite networks, so that the browser's litert backend
runs every model on LiteRT.js and loads no onnxruntime-web at all: its start-up (0.45-0.6 s
of the worker's one thread, docs/benchmark.md) and its ~11 MB download go.

The graph is small and of a few operator types (an MLP-Mixer: MatMul, Gemm, LayerNorm,
GELU written out with Erf, transposes, reshapes, and a little shape arithmetic on the
hand mask), so it is interpreted node by node with TensorFlow ops at batch 1 and converted
with TFLite's own converter (which folds the shape arithmetic and fuses the GELUs). Each
network is verified against onnxruntime on random inputs and cached by content hash like
the MediaPipe networks (litert.network_cached). Needs tensorflow: the build environment.
"""
from __future__ import annotations

import sys

import numpy as np

TOLERANCE = 1e-4  # max |TFLite - onnxruntime| on outputs of order 1
CHECK_INPUTS = 16


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _gelus(graph) -> tuple:
    """torch's exact GELU as exported, x * (erf(x / sqrt 2) + 1) * 0.5 (Div, Erf, Add, Mul,
    Mul): {last node's output: x} and the names of the five nodes. TFLite has no ERF
    builtin; written as tf.nn.gelu it becomes one GELU operator."""
    by_output = {o: n for n in graph.node for o in n.output}
    users: dict = {}
    for n in graph.node:
        for i in n.input:
            users.setdefault(i, []).append(n)
    gelus, covered = {}, set()
    for erf in (n for n in graph.node if n.op_type == "Erf"):
        div = by_output.get(erf.input[0])
        chain = [div, erf]
        for op in ("Add", "Mul", "Mul"):
            nxt = users.get(chain[-1].output[0], [])
            if len(nxt) != 1 or nxt[0].op_type != op:
                break
            chain.append(nxt[0])
        if len(chain) == 5 and div is not None and div.op_type == "Div" and div.input[0] in chain[3].input:
            gelus[chain[-1].output[0]] = div.input[0]
            covered.update(n.name for n in chain)
    return gelus, covered


def _interpret(graph, inputs: dict) -> dict:
    """ONNX graph -> {output name: tf tensor}, for the operators our models use."""
    import tensorflow as tf
    from onnx import numpy_helper

    values = {t.name: tf.constant(numpy_helper.to_array(t)) for t in graph.initializer}
    values.update(inputs)
    gelus, covered = _gelus(graph)

    def const(name) -> np.ndarray:
        return tf.get_static_value(values[name])

    for node in graph.node:
        if node.name in covered:
            if node.output[0] in gelus:
                values[node.output[0]] = tf.nn.gelu(values[gelus[node.output[0]]], approximate=False)
            continue
        a = _attrs(node)
        x = [values[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            y = tf.constant(numpy_helper.to_array(a["value"]))
        elif op in ("Add", "Sub", "Mul", "Div"):
            y = {"Add": tf.add, "Sub": tf.subtract, "Mul": tf.multiply, "Div": tf.divide}[op](
                x[0], tf.cast(x[1], x[0].dtype))
        elif op == "MatMul":
            w = x[1]
            lead = tf.shape(x[0])[:-1]
            flat = tf.reshape(x[0], [-1, x[0].shape[-1]])
            y = tf.reshape(tf.matmul(flat, w), tf.concat([lead, tf.shape(w)[-1:]], 0))
        elif op == "Gemm":
            y = a.get("alpha", 1.0) * tf.matmul(x[0], x[1], transpose_a=bool(a.get("transA", 0)),
                                                transpose_b=bool(a.get("transB", 0)))
            if len(x) > 2:
                y = y + a.get("beta", 1.0) * x[2]
        elif op == "LayerNormalization":
            axis = a.get("axis", -1)
            mean, var = tf.nn.moments(x[0], axes=[axis], keepdims=True)
            y = (x[0] - mean) * tf.math.rsqrt(var + a.get("epsilon", 1e-5)) * x[1] + x[2]
        elif op == "Erf":
            y = tf.math.erf(x[0])
        elif op == "Transpose":
            y = tf.transpose(x[0], a["perm"])
        elif op == "Reshape":
            shape = [int(d) for d in const(node.input[1])]
            shape = [x[0].shape[k] if d == 0 else d for k, d in enumerate(shape)]
            y = tf.reshape(x[0], shape)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = tf.reshape(x[0], [int(np.prod(x[0].shape[:axis])), -1])
        elif op == "Concat":
            y = tf.concat([tf.cast(v, x[0].dtype) for v in x], a["axis"])
        elif op == "Slice":
            starts, ends = const(node.input[1]), const(node.input[2])
            axes = const(node.input[3]) if len(x) > 3 else range(len(starts))
            steps = const(node.input[4]) if len(x) > 4 else [1] * len(starts)
            index = [slice(None)] * len(x[0].shape)
            for ax, s, e, st in zip(axes, starts, ends, steps):
                index[int(ax)] = slice(int(s), int(min(e, 2**31 - 1)), int(st))
            y = x[0][tuple(index)]
        elif op == "Shape":
            y = tf.constant(np.array(x[0].shape, np.int64))
        elif op == "ConstantOfShape":
            fill = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            y = tf.fill(tf.cast(x[0], tf.int32), tf.constant(fill.reshape(()), fill.dtype))
        elif op == "Gather":
            y = tf.gather(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            y = x[0]
            for ax in sorted(int(v) for v in const(node.input[1])):
                y = tf.expand_dims(y, ax)
        else:
            raise ValueError(f"own_litert: ONNX operator {op} ({node.name}) has no TensorFlow "
                             "translation here; add one beside the others, then rebuild")
        values[node.output[0]] = y
    return {o.name: values[o.name] for o in graph.output}


def build_network(onnx_bytes: bytes) -> tuple:
    """(TFLite bytes, the manifest's "litert" fields) for one of our ONNX models, batch 1."""
    import onnx
    import onnxruntime as ort
    import tensorflow as tf

    model = onnx.load_from_string(onnx_bytes)
    specs = []
    for i in model.graph.input:
        dims = [d.dim_value if d.dim_value else 1 for d in i.type.tensor_type.shape.dim]
        specs.append((i.name, dims))

    @tf.function(input_signature=[tf.TensorSpec(d, tf.float32, name=n) for n, d in specs])
    def network(*args):
        return _interpret(model.graph, dict(zip([n for n, _ in specs], args)))

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [network.get_concrete_function()], network)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    tflite = converter.convert()

    interp = tf.lite.Interpreter(model_content=tflite, num_threads=1)
    interp.allocate_tensors()
    ins, outs = interp.get_input_details(), interp.get_output_details()
    order = [next(n for n, d in specs if list(i["shape"]) == d and n in i["name"]) for i in ins]
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    rng = np.random.default_rng(0)
    mapping, worst = None, 0.0
    for _ in range(CHECK_INPUTS):
        feed = {n: (rng.normal(0, 0.3, d) if n != "hand_present" else rng.integers(0, 2, d))
                .astype(np.float32) for n, d in specs}
        ref = dict(zip(names, session.run(None, feed)))
        for i, n in zip(ins, order):
            interp.set_tensor(i["index"], feed[n])
        interp.invoke()
        got = {o["name"]: interp.get_tensor(o["index"]) for o in outs}
        if mapping is None:  # each ONNX output is the TFLite output closest to it
            mapping = {n: min((g for g in got if got[g].shape == ref[n].shape),
                              key=lambda g: float(np.abs(got[g] - ref[n]).max())) for n in names}
            if len(set(mapping.values())) != len(names):
                raise RuntimeError(f"own_litert: outputs {mapping} are not one-to-one")
        worst = max(worst, max(float(np.abs(got[mapping[n]] - ref[n]).max()) for n in names))
    if worst > TOLERANCE:
        raise RuntimeError(f"own_litert: TFLite differs from onnxruntime by {worst:.2e} > {TOLERANCE}")
    # The difference moves with the CPU's float kernels: logged, not in the (committed) manifest.
    print(f"[models] own_litert: TFLite vs onnxruntime max |d| {worst:.1e}, operators "
          f"{sorted({d['op_name'] for d in interp._get_ops_details()})}", file=sys.stderr)
    shapes = dict(specs)
    return tflite, {"inputs": order, "input_shapes": [shapes[n] for n in order], "outputs": mapping}


def network_cached(onnx_bytes: bytes) -> tuple:
    """build_network through the conversion cache (keyed by the model, this file and the
    pinned build tools), so that a warm build never imports tensorflow."""
    from pathlib import Path

    from build_scripts.common import paths
    from build_scripts.models.litert import cached

    recipe = Path(__file__).read_bytes() + (paths.ROOT / "requirements" / "build.txt").read_bytes()
    return cached("own-litert", onnx_bytes + recipe, lambda: build_network(onnx_bytes))
