"""Image preprocessing as ONNX graphs: rotated-ROI crop, resize and value normalisation.

MediaPipe's ImageToTensorCalculator samples a rotated sub-rectangle of the frame with
bilinear interpolation and maps [0, 255] to a float range. We express that once, as an ONNX
graph fused in front of each model, so the CPython driver and the browser compute the same
tensors and no per-pixel work happens in Python or JS.

Graph inputs:
  image  uint8 (H, W, C), C = 3 (RGB) or 4 (RGBA; alpha ignored)
  matrix float32 (B, 2, 3): for the output pixel centred at (u, v) (pixel units, centres at
         j + 0.5), the input position sampled is matrix @ [u, v, 1] (input pixel units,
         pixel k covering [k, k + 1)); see blazepose_holistic.roi.crop_matrix.
Graph output:
  float32 (B, S, S, 3) NHWC, values in [range_min, range_max].

Bilinear taps are gathered from the uint8 image directly, so the cost scales with the output
size, not with the frame: a 4K frame costs the same as a VGA one.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _const(name: str, value) -> onnx.NodeProto:
    return helper.make_node(
        "Constant", [], [name], value=numpy_helper.from_array(np.asarray(value), name)
    )


def _pixel_centres(size: int) -> np.ndarray:
    """(S*S, 3) rows [u, v, 1] in row-major output order."""
    c = np.arange(size, dtype=np.float32) + 0.5
    v, u = np.meshgrid(c, c, indexing="ij")
    return np.stack([u.ravel(), v.ravel(), np.ones(size * size, np.float32)], axis=1)


def build_crop_graph(
    size: int, value_range: tuple[float, float], border: str, output_name: str = "crop"
) -> onnx.ModelProto:
    """A standalone crop model. ``border`` is "zero" or "replicate" (MediaPipe's BorderMode)."""
    if border not in ("zero", "replicate"):
        raise ValueError(f"border must be 'zero' or 'replicate', not {border!r}")
    lo, hi = value_range
    n = []
    n += [
        _const("grid", _pixel_centres(size)),
        _const("half", np.float32(0.5)),
        _const("one_f", np.float32(1.0)),
        _const("zero_f", np.float32(0.0)),
        _const("i0", np.array([0], np.int64)),
        _const("i1", np.array([1], np.int64)),
        _const("i2", np.array([2], np.int64)),
        _const("i3", np.array([3], np.int64)),
        _const("minus1", np.array([-1], np.int64)),
        _const("scale", np.float32((hi - lo) / 255.0)),
        _const("offset", np.float32(lo)),
        _const("out_shape_tail", np.array([size, size, 3], np.int64)),
    ]
    # Image geometry: flatten to (H*W, 3) so that one Gather fetches a tap for every output.
    n += [
        helper.make_node("Shape", ["image"], ["img_shape"]),
        helper.make_node("Slice", ["img_shape", "i0", "i1"], ["H1"]),
        helper.make_node("Slice", ["img_shape", "i1", "i2"], ["W1"]),
        helper.make_node("Slice", ["img_shape", "i2", "i3"], ["C1"]),
        helper.make_node("Concat", ["minus1", "C1"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["image", "flat_shape"], ["flat_all"]),
        helper.make_node("Slice", ["flat_all", "i0", "i3", "i1"], ["flat"]),
        helper.make_node("Cast", ["W1"], ["Wf"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["H1"], ["Hf"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["Wf", "one_f"], ["Wmax"]),
        helper.make_node("Sub", ["Hf", "one_f"], ["Hmax"]),
    ]
    # Sample positions in "pixel index" space (pixel k's centre at k).
    n += [
        helper.make_node("Transpose", ["matrix"], ["matrix_t"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["grid", "matrix_t"], ["pts"]),  # (B, S*S, 2)
        helper.make_node("Sub", ["pts", "half"], ["p"]),
        helper.make_node("Floor", ["p"], ["p0"]),
        helper.make_node("Sub", ["p", "p0"], ["frac"]),
        helper.make_node("Split", ["p0"], ["x0", "y0"], axis=2),
        helper.make_node("Split", ["frac"], ["fx", "fy"], axis=2),
        helper.make_node("Add", ["x0", "one_f"], ["x1"]),
        helper.make_node("Add", ["y0", "one_f"], ["y1"]),
        helper.make_node("Sub", ["one_f", "fx"], ["gx"]),
        helper.make_node("Sub", ["one_f", "fy"], ["gy"]),
    ]
    for axis, names in (("x", ("x0", "x1")), ("y", ("y0", "y1"))):
        hi_name = "Wmax" if axis == "x" else "Hmax"
        for c in names:
            n.append(helper.make_node("Clip", [c, "zero_f", hi_name], [c + "c"]))
            n.append(helper.make_node("Cast", [c + "c"], [c + "i"], to=TensorProto.INT64))
            if border == "zero":
                # A tap outside the image reads 0 (black), as OpenCV's BORDER_CONSTANT does.
                n.append(helper.make_node("Equal", [c, c + "c"], [c + "in"]))
                n.append(helper.make_node("Cast", [c + "in"], [c + "v"], to=TensorProto.FLOAT))
    taps = (("x0", "y0", "gx", "gy"), ("x1", "y0", "fx", "gy"),
            ("x0", "y1", "gx", "fy"), ("x1", "y1", "fx", "fy"))
    acc = None
    for k, (xn, yn, wx, wy) in enumerate(taps):
        w = f"w{k}"
        n.append(helper.make_node("Mul", [wx, wy], [w]))
        if border == "zero":
            n.append(helper.make_node("Mul", [w, xn + "v"], [w + "a"]))
            n.append(helper.make_node("Mul", [w + "a", yn + "v"], [w + "b"]))
            w = w + "b"
        n += [
            helper.make_node("Mul", [yn + "i", "W1"], [f"row{k}"]),
            helper.make_node("Add", [f"row{k}", xn + "i"], [f"idx{k}_"]),
            helper.make_node("Squeeze", [f"idx{k}_", "minus1"], [f"idx{k}"]),  # (B, S*S)
            helper.make_node("Gather", ["flat", f"idx{k}"], [f"tap{k}_u8"], axis=0),
            helper.make_node("Cast", [f"tap{k}_u8"], [f"tap{k}"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"tap{k}", w], [f"contrib{k}"]),
        ]
        if acc is None:
            acc = f"contrib{k}"
        else:
            n.append(helper.make_node("Add", [acc, f"contrib{k}"], [f"acc{k}"]))
            acc = f"acc{k}"
    n += [
        helper.make_node("Mul", [acc, "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "offset"], ["values"]),
        helper.make_node("Shape", ["matrix"], ["m_shape"]),
        helper.make_node("Slice", ["m_shape", "i0", "i1"], ["B1"]),
        helper.make_node("Concat", ["B1", "out_shape_tail"], ["out_shape"], axis=0),
        helper.make_node("Reshape", ["values", "out_shape"], [output_name]),
    ]
    graph = helper.make_graph(
        n,
        f"crop_{size}_{border}",
        [
            helper.make_tensor_value_info("image", TensorProto.UINT8, ["height", "width", "channels"]),
            helper.make_tensor_value_info("matrix", TensorProto.FLOAT, ["batch", 2, 3]),
        ],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", size, size, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def reference_crop(
    image: np.ndarray, matrix: np.ndarray, size: int, value_range: tuple[float, float], border: str
) -> np.ndarray:
    """numpy twin of the graph, for verification: image (H, W, C) uint8, matrix (B, 2, 3)."""
    h, w = image.shape[:2]
    rgb = image[..., :3].astype(np.float64)
    pts = _pixel_centres(size).astype(np.float64) @ np.transpose(matrix, (0, 2, 1)) - 0.5
    p0 = np.floor(pts)
    f = pts - p0
    out = np.zeros(pts.shape[:2] + (3,))
    for dx in (0, 1):
        for dy in (0, 1):
            x = p0[..., 0] + dx
            y = p0[..., 1] + dy
            wgt = (f[..., 0] if dx else 1 - f[..., 0]) * (f[..., 1] if dy else 1 - f[..., 1])
            xc = np.clip(x, 0, w - 1).astype(np.int64)
            yc = np.clip(y, 0, h - 1).astype(np.int64)
            if border == "zero":
                wgt = wgt * ((x == xc) & (y == yc))
            out += wgt[..., None] * rgb[yc, xc]
    lo, hi = value_range
    return (out * (hi - lo) / 255.0 + lo).reshape(len(matrix), size, size, 3).astype(np.float32)
