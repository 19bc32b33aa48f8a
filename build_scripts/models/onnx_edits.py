"""Small, verified edits to converted ONNX graphs (fp16 storage, output pruning, batching,
renaming, fusing the crop graph in front, canonical form for reproducible bytes)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Written into every model we build instead of the converters' own producer strings, which
# name tools rather than this recipe (the recipe and tool pins are what fix the bytes).
PRODUCER_NAME = "blazepose-holistic build_models"
PRODUCER_VERSION = "1"


def _producers(graph: onnx.GraphProto) -> dict[str, onnx.NodeProto]:
    return {out: node for node in graph.node for out in node.output}


def store_weights_fp16(model: onnx.ModelProto, min_size: int = 16) -> int:
    """Store float32 initializers that round-trip exactly through float16 as float16 + Cast.

    MediaPipe ships most weights as float16 already; the converter folds its DEQUANTIZE ops
    and writes them back as float32. Restoring float16 storage halves the download and is
    lossless by construction (only exactly representable tensors are touched). Returns the
    number of tensors converted.
    """
    graph = model.graph
    casts, converted = [], 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        value = numpy_helper.to_array(init)
        if value.size < min_size:
            continue
        half = value.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), value):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, name + "__fp16"))
        casts.append(helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT))
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return converted


def rename_outputs(model: onnx.ModelProto, names: list[str]) -> None:
    """Give the graph outputs meaningful names (the converter calls them Identity, ...)."""
    graph = model.graph
    if len(names) != len(graph.output):
        raise ValueError(f"{len(graph.output)} outputs, {len(names)} names")
    mapping = {o.name: n for o, n in zip(graph.output, names)}
    for node in graph.node:
        for i, name in enumerate(node.output):
            node.output[i] = mapping.get(name, name)
        for i, name in enumerate(node.input):
            node.input[i] = mapping.get(name, name)
    for o in graph.output:
        o.name = mapping[o.name]


def drop_outputs(model: onnx.ModelProto, drop: list[str]) -> onnx.ModelProto:
    """Remove outputs and every node that only fed them (e.g. the segmentation head)."""
    graph = model.graph
    keep = [o for o in graph.output if o.name not in drop]
    del graph.output[:]
    graph.output.extend(keep)
    producers = _producers(graph)
    needed, stack = set(), [o.name for o in keep]
    while stack:
        name = stack.pop()
        node = producers.get(name)
        if node is None or id(node) in needed:
            continue
        needed.add(id(node))
        stack.extend(i for i in node.input if i)
    nodes = [n for n in graph.node if id(n) in needed]
    used = {i for n in nodes for i in n.input}
    inits = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    del graph.value_info[:]
    return model


def make_batch_dynamic(model: onnx.ModelProto) -> None:
    """Let a batch-1 model take any batch size (both hands in one run).

    The converter bakes the batch of 1 into Reshape targets; a leading 1 becomes 0, which
    ONNX Reshape reads as "keep the input's first dimension" — the batch, in these
    convolutional graphs. The caller must verify batch-N against N batch-1 runs.
    """
    graph = model.graph
    for vi in list(graph.input) + list(graph.output):
        vi.type.tensor_type.shape.dim[0].dim_param = "batch"
    consts = {i.name: i for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = node.attribute[0].t
    for node in graph.node:
        if node.op_type == "Slice" and len(node.input) >= 4:
            _unslice_batch(graph, consts, node)
        if node.op_type != "Reshape":
            continue
        target = consts.get(node.input[1])
        if target is None:
            continue
        shape = numpy_helper.to_array(target).copy()
        if shape.size and shape[0] == 1:
            shape[0] = 0
            target.CopyFrom(numpy_helper.from_array(shape, target.name))
    del graph.value_info[:]
    # Slices now read their own copies of the ends constants; drop the orphaned originals.
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def fuse_crop(crop: onnx.ModelProto, net: onnx.ModelProto) -> onnx.ModelProto:
    """crop(image, matrix) -> net: one model taking the frame and the crop matrix."""
    net_input = net.graph.input[0].name
    crop_out = crop.graph.output[0].name
    fused = onnx.compose.merge_models(
        crop, net, io_map=[(crop_out, net_input)], prefix1="crop/", prefix2=""
    )
    # merge_models checks that the two opset lists agree but then writes their concatenation,
    # so the default domain appears twice; onnxruntime's quantisation tools refuse such a
    # model ("Failed to find proper ai.onnx domain").
    set_opsets(fused, merged_opsets(crop, net))
    # merge_models prefixes the crop's graph inputs too; give them back their public names.
    for vi in fused.graph.input:
        if vi.name.startswith("crop/"):
            old, new = vi.name, vi.name[len("crop/"):]
            vi.name = new
            for node in fused.graph.node:
                for i, name in enumerate(node.input):
                    if name == old:
                        node.input[i] = new
    onnx.checker.check_model(fused)
    return fused


def _unslice_batch(graph: onnx.GraphProto, consts: dict, node: onnx.NodeProto) -> None:
    """A Slice that keeps [0:1] of axis 0 would cut the batch back to one: keep it whole."""
    starts, ends, axes = (consts.get(node.input[i]) for i in (1, 2, 3))
    if starts is None or ends is None or axes is None:
        return
    s, e, a = (numpy_helper.to_array(t).copy() for t in (starts, ends, axes))
    hit = (a == 0) & (s == 0) & (e == 1)
    if hit.any():
        e[hit] = np.iinfo(np.int64).max
        # The ends constant may be shared with other Slices that do not touch the batch.
        new_name = node.input[2] + "__batch"
        graph.initializer.append(numpy_helper.from_array(e.astype(np.int64), new_name))
        node.input[2] = new_name


def merged_opsets(*models: onnx.ModelProto) -> dict[str, int]:
    """domain -> version over all models; a domain imported at two versions cannot merge."""
    versions: dict[str, int] = {}
    for model in models:
        for entry in model.opset_import:
            if versions.setdefault(entry.domain, entry.version) != entry.version:
                raise ValueError(f"opset of domain {entry.domain!r}: {versions[entry.domain]} "
                                 f"and {entry.version}")
    return versions


def set_opsets(model: onnx.ModelProto, versions: dict[str, int]) -> None:
    del model.opset_import[:]
    model.opset_import.extend(helper.make_opsetid(d, v) for d, v in sorted(versions.items()))


def canonicalise(model: onnx.ModelProto, name: str, doc: str = "") -> onnx.ModelProto:
    """Rewrite in place everything that varies between conversions of the same inputs.

    tf2onnx names the tensors it creates from a process-wide counter (``const_fold_opt__391``),
    so names depend on which models were converted earlier in the same process, and its
    optimisers visit nodes in an order that changes from run to run (even with a fixed
    PYTHONHASHSEED), so the numbers, the node order and the initializer order differ between
    two conversions of the same file; onnx.compose writes its own producer and a graph name
    and doc string built from both graphs. None of that is semantic. Here the nodes are ordered by a
    depth-first walk from the graph outputs (inputs in order), which depends on the graph's
    structure alone, and every node and internal tensor is named after its place in that
    order, so equal graphs serialise to equal bytes. Graph inputs and outputs keep their
    names; nodes of the fused crop graph keep its ``crop/`` scope (it shows in profiles).
    """
    graph = model.graph
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
           for node in graph.node for a in node.attribute):
        raise ValueError("canonicalise does not rename inside subgraphs")
    order = _structural_order(graph)
    public = {vi.name for vi in graph.input} | {vi.name for vi in graph.output}
    inits = {init.name: init for init in graph.initializer}
    rename: dict[str, str] = {}
    init_order: list[onnx.TensorProto] = []
    for k, node in enumerate(order):
        scope = "crop/" if any(o.startswith("crop/") for o in node.output) else ""
        node.name = f"{scope}{node.op_type}_{k}"
        node.doc_string = ""
        attrs = sorted(node.attribute, key=lambda a: a.name)
        del node.attribute[:]
        node.attribute.extend(attrs)
        for i, inp in enumerate(node.input):
            init = inits.pop(inp, None)
            if init is not None:
                init_order.append(init)
                if inp not in public:
                    rename[inp] = f"{node.name}/in{i}"
        for j, out in enumerate(node.output):
            if out and out not in public:
                rename[out] = node.name if len(node.output) == 1 else f"{node.name}:{j}"
    new_names = list(rename.values())
    if len(set(new_names)) != len(new_names) or public & set(new_names):
        raise ValueError("canonical names collide")
    for node in order:
        node.input[:] = [rename.get(i, i) for i in node.input]
        node.output[:] = [rename.get(o, o) for o in node.output]
    for init in init_order:
        init.name = rename.get(init.name, init.name)
        init.doc_string = ""
    kept_inits = [onnx.TensorProto.FromString(i.SerializeToString()) for i in init_order]
    kept_nodes = [onnx.NodeProto.FromString(n.SerializeToString()) for n in order]
    del graph.node[:]
    graph.node.extend(kept_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    # Shapes of intermediate tensors are optional and onnxruntime infers them again.
    del graph.value_info[:]
    for vi in list(graph.input) + list(graph.output):
        vi.doc_string = ""
    graph.name = name
    graph.doc_string = ""
    model.producer_name = PRODUCER_NAME
    model.producer_version = PRODUCER_VERSION
    model.domain = ""
    model.model_version = 0
    model.doc_string = doc
    del model.metadata_props[:]
    set_opsets(model, merged_opsets(model))
    onnx.checker.check_model(model)
    return model


def _structural_order(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """Post-order depth-first walk from the outputs: a topological order that does not
    depend on the stored node order or names. Nodes no output depends on are left out."""
    producers = _producers(graph)
    order: list[onnx.NodeProto] = []
    visited: set[int] = set()
    for out in graph.output:
        root = producers.get(out.name)
        if root is None or id(root) in visited:
            continue
        visited.add(id(root))
        stack = [(root, 0)]
        while stack:
            node, i = stack[-1]
            if i < len(node.input):
                stack[-1] = (node, i + 1)
                dep = producers.get(node.input[i])
                if dep is not None and id(dep) not in visited:
                    visited.add(id(dep))
                    stack.append((dep, 0))
            else:
                stack.pop()
                order.append(node)
    return order
