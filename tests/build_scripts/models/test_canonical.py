"""Reproducible model bytes: onnx_edits.canonicalise on small graphs, and the canonical
fields of the models the build produced (one opset per domain, our producer, no paths)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from build_scripts.common import paths
from build_scripts.models import build as build_models
from build_scripts.models import crop_graph, onnx_edits

CANONICAL_NODE = re.compile(r"(crop/)?[A-Za-z]+_\d+")


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


def test_canonical_bytes_do_not_depend_on_names_or_order():
    a, b = _fused(0), _fused(1)
    assert a.SerializeToString() != b.SerializeToString()  # the test has something to undo
    for m in (a, b):
        onnx_edits.canonicalise(m, "tiny", doc="doc")
    assert a.SerializeToString() == b.SerializeToString()


def test_canonical_model_computes_the_same():
    fused = _fused(0)
    canon = onnx.ModelProto.FromString(fused.SerializeToString())
    onnx_edits.canonicalise(canon, "tiny")
    rng = np.random.default_rng(0)
    feeds = {"image": rng.integers(0, 256, (20, 30, 4), dtype=np.uint8),
             "matrix": np.array([[[1.2, 0.3, 2.0], [-0.3, 1.1, 1.0]]], np.float32)}
    run = [ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
           .run(None, feeds)[0] for m in (fused, canon)]
    np.testing.assert_array_equal(run[0], run[1])


def test_canonical_fields():
    m = onnx_edits.canonicalise(_fused(1), "tiny", doc="what it is")
    _assert_canonical(m, "tiny")
    assert m.doc_string == "what it is"
    assert any(n.name.startswith("crop/") for n in m.graph.node)  # the crop stays visible
    assert b"/tmp" not in m.SerializeToString()


def test_canonicalise_is_idempotent():
    m = onnx_edits.canonicalise(_fused(0), "tiny")
    once = m.SerializeToString()
    assert onnx_edits.canonicalise(m, "tiny").SerializeToString() == once


def _assert_canonical(m: onnx.ModelProto, name: str) -> None:
    assert len(_domains(m)) == len(set(_domains(m))), [(o.domain, o.version) for o in m.opset_import]
    assert (m.producer_name, m.producer_version) == (onnx_edits.PRODUCER_NAME,
                                                      onnx_edits.PRODUCER_VERSION)
    assert m.graph.name == name and not m.graph.doc_string
    assert not m.metadata_props and not m.graph.value_info
    assert all(CANONICAL_NODE.fullmatch(n.name) and not n.doc_string for n in m.graph.node)


# ---------------------------------------------------------------------------------------------
# the build's outputs

# Directories of the machine that built a model must not end up in its bytes.
_LOCAL_PATHS = [b"/tmp/", str(paths.ROOT).encode(), str(paths.cache_root()).encode(),
                str(Path.home()).encode()]


@pytest.mark.parametrize("name", sorted(build_models.SPECS))
def test_built_model_is_canonical(manifest, model_dir, name):
    data = (model_dir / manifest["models"][name]["file"]).read_bytes()
    m = onnx.ModelProto.FromString(data)
    _assert_canonical(m, name)
    assert [(o.domain, o.version) for o in m.opset_import] == [("", 17), ("ai.onnx.ml", 2)]
    assert not [p for p in _LOCAL_PATHS if p in data]
    # The file is a fixed point: canonicalising it again changes no byte.
    assert onnx_edits.canonicalise(m, name, doc=m.doc_string).SerializeToString() == data


def test_committed_models_import_each_domain_once(manifest):
    for entry in manifest["models"].values():
        if entry.get("committed"):
            m = onnx.load(str(paths.MODELS / entry["file"]), load_external_data=False)
            assert len(_domains(m)) == len(set(_domains(m))), entry["file"]
