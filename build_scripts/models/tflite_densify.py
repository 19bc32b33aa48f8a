"""Replace a TFLite model's sparse weights by dense constants.

pose_detection.tflite stores some convolution weights sparsely, expanded at run time by
DENSIFY ops that no ONNX converter supports. The TFLite interpreter itself knows how to
densify, so we let it: run the model once with all intermediate tensors preserved, read each
DENSIFY output, store it as a constant buffer, and drop the DENSIFY op. The rest of the graph
(including the float16 -> float32 DEQUANTIZE that follows) is untouched, so the model's
outputs are unchanged bit for bit; ``densify`` checks that before returning.

Runs in the build-only environment (tensorflow).
"""
from __future__ import annotations

import numpy as np


def _interpreter(model: bytes, preserve: bool = False):
    import tensorflow as tf

    # Without the default XNNPACK delegate both models run on the same builtin kernels: the
    # original (whose DENSIFY ops XNNPACK cannot take) and the dense copy must agree exactly.
    interp = tf.lite.Interpreter(
        model_content=model,
        experimental_preserve_all_tensors=preserve,
        num_threads=1,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interp.allocate_tensors()
    return interp


def _run(interp, inputs: list[np.ndarray]) -> list[np.ndarray]:
    for detail, value in zip(interp.get_input_details(), inputs):
        interp.set_tensor(detail["index"], value)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]


def densify(model: bytes, rng_seed: int = 0) -> tuple[bytes, int]:
    """Returns (dense model bytes, number of DENSIFY ops removed)."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    densify_codes = {
        i
        for i, code in enumerate(m.operatorCodes)
        if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.DENSIFY
    }
    if not densify_codes:
        return model, 0
    if len(m.subgraphs) != 1:
        raise ValueError("densify expects a single-subgraph model")
    graph = m.subgraphs[0]
    densify_ops = [op for op in graph.operators if op.opcodeIndex in densify_codes]

    interp = _interpreter(model, preserve=True)
    rng = np.random.default_rng(rng_seed)
    inputs = [
        rng.uniform(-1, 1, d["shape"]).astype(d["dtype"]) for d in interp.get_input_details()
    ]
    reference = _run(interp, inputs)

    for op in densify_ops:
        out_index = int(op.outputs[0])
        dense = interp.get_tensor(out_index)
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        m.buffers.append(buffer)
        graph.tensors[out_index].buffer = len(m.buffers) - 1
        # The sparse source tensor is now unused. Converters walk every tensor, and none can
        # read the sparse format, so it becomes an alias of the dense constant and its sparse
        # bytes are dropped.
        sparse = graph.tensors[int(op.inputs[0])]
        m.buffers[sparse.buffer].data = None
        sparse.sparsity = None
        sparse.shape = graph.tensors[out_index].shape
        sparse.type = graph.tensors[out_index].type
        sparse.buffer = len(m.buffers) - 1
    graph.operators = [op for op in graph.operators if op.opcodeIndex not in densify_codes]

    builder = flatbuffers.Builder(len(model) * 2)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    dense_model = bytes(builder.Output())

    check = _run(_interpreter(dense_model), inputs)
    for a, b in zip(reference, check):
        if not np.array_equal(a, b):
            raise RuntimeError(
                "densified model does not reproduce the original outputs "
                f"(max abs diff {float(np.abs(a - b).max())})"
            )
    return dense_model, len(densify_ops)
