"""The fused models import each opset domain once (onnxruntime's tools require it)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from build_scripts import crop_graph, onnx_edits


def _net(variant: int) -> onnx.ModelProto:
    """The same two-branch graph as a converter might write it in two runs: internal names
    from a counter, branches and initializers stored in a different order."""
    c = 100 * variant
    w = numpy_helper.from_array(np.full((1, 1, 1, 3), 0.5, np.float32), f"const_fold_opt__{c + 1}")
    b = numpy_helper.from_array(np.arange(3, dtype=np.float32), f"pad_const__{c + 2}")
    mul = helper.make_node("Mul", ["input_1", w.name], [f"mul__{c + 3}:0"], name=f"mul__{c + 3}")
    add = helper.make_node("Add", ["input_1", b.name], [f"add__{c + 4}:0"], name=f"add__{c + 4}")
    out = helper.make_node("Sub", [mul.output[0], add.output[0]], ["Identity"], name="Identity")
    nodes, inits = ([mul, add, out], [w, b]) if variant == 0 else ([add, mul, out], [b, w])
    graph = helper.make_graph(
        nodes, "tf2onnx",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, [1, 16, 16, 3])],
        [helper.make_tensor_value_info("Identity", TensorProto.FLOAT, [1, 16, 16, 3])],
        inits, doc_string=f"converted from /tmp/tmp{variant}abc/model.tflite",
    )
    model = helper.make_model(graph, producer_name="tf2onnx", producer_version=f"1.17.0 {variant}",
                              opset_imports=[helper.make_opsetid("", crop_graph.OPSET),
                                             helper.make_opsetid("ai.onnx.ml", 2)])
    model.ir_version = 8
    helper.set_model_props(model, {"run": str(variant)})
    return model


def _fused(variant: int) -> onnx.ModelProto:
    return onnx_edits.fuse_crop(crop_graph.build_crop_graph(16, (0.0, 1.0), "zero"), _net(variant))


def _domains(model: onnx.ModelProto) -> list[str]:
    return [o.domain for o in model.opset_import]


def test_fused_model_imports_each_domain_once():
    domains = _domains(_fused(0))
    assert sorted(domains) == sorted(set(domains)) == ["", "ai.onnx.ml"]


def test_fusing_refuses_two_versions_of_one_domain():
    net = _net(0)
    net.opset_import[0].version = crop_graph.OPSET - 1
    with pytest.raises(ValueError, match="opset|operator set"):
        onnx_edits.fuse_crop(crop_graph.build_crop_graph(16, (0.0, 1.0), "zero"), net)
