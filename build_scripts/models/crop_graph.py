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
    # Layout: every per-sample quantity is a flat vector over the B*S*S outputs, and the 4
    # bilinear taps are stacked on a leading axis, so elementwise ops never broadcast over
    # a trailing axis of 1 (onnxruntime's slow path) and one Gather fetches all taps.
    n = [
        _const("grid", _pixel_centres(size)),
        _const("half", np.float32(0.5)),
        _const("one_f", np.float32(1.0)),
        _const("zero_f", np.float32(0.0)),
        _const("i0", np.array([0], np.int64)),
        _const("i1", np.array([1], np.int64)),
        _const("i2", np.array([2], np.int64)),
        _const("i3", np.array([3], np.int64)),
        _const("minus1", np.array([-1], np.int64)),
        _const("flat2", np.array([2, -1], np.int64)),
        _const("scale", np.float32((hi - lo) / 255.0)),
        _const("offset", np.float32(lo)),
        _const("tail", np.array([size, size], np.int64)),
        # tap k reads (x0 + dx_k, y0 + dy_k): taps (0,0), (1,0), (0,1), (1,1)
        _const("tap_dx", np.array([[0.0], [1.0], [0.0], [1.0]], np.float32)),
        _const("tap_dy", np.array([[0.0], [0.0], [1.0], [1.0]], np.float32)),
    ]
    n += [
        helper.make_node("Shape", ["image"], ["img_shape"]),
        helper.make_node("Slice", ["img_shape", "i1", "i2"], ["W1_64"]),
        helper.make_node("Cast", ["W1_64"], ["W1"], to=TensorProto.INT32),
        helper.make_node("Slice", ["img_shape", "i2", "i3"], ["C1"]),
        helper.make_node("Concat", ["minus1", "C1"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["image", "flat_shape"], ["flat"]),  # (H*W, C), no copy
        helper.make_node("Slice", ["img_shape", "i0", "i2"], ["HW"]),
        helper.make_node("Cast", ["HW"], ["HWf"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["HWf", "one_f"], ["HWmax"]),
        helper.make_node("Split", ["HWmax"], ["Hmax", "Wmax"], axis=0),
    ]
    # Sample positions in "pixel index" space (pixel k's centre at k), as (2, B*S*S).
    n += [
        helper.make_node("Transpose", ["matrix"], ["matrix_t"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["grid", "matrix_t"], ["pts"]),  # (B, S*S, 2)
        helper.make_node("Transpose", ["pts"], ["pts_t"], perm=[2, 0, 1]),
        helper.make_node("Reshape", ["pts_t", "flat2"], ["pts_f"]),
        helper.make_node("Sub", ["pts_f", "half"], ["p"]),
        helper.make_node("Floor", ["p"], ["p0"]),
        helper.make_node("Sub", ["p", "p0"], ["frac"]),
        helper.make_node("Split", ["p0"], ["x0", "y0"], axis=0),  # (1, N) each
        helper.make_node("Split", ["frac"], ["fx", "fy"], axis=0),
        helper.make_node("Add", ["x0", "tap_dx"], ["xs"]),  # (4, N)
        helper.make_node("Add", ["y0", "tap_dy"], ["ys"]),
        # weight of tap k: (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy)
        helper.make_node("Sub", ["one_f", "tap_dx"], ["ndx"]),
        helper.make_node("Sub", ["one_f", "tap_dy"], ["ndy"]),
        helper.make_node("Sub", ["one_f", "fx"], ["gx"]),
        helper.make_node("Sub", ["one_f", "fy"], ["gy"]),
        helper.make_node("Mul", ["tap_dx", "fx"], ["wx_a"]),
        helper.make_node("Mul", ["ndx", "gx"], ["wx_b"]),
        helper.make_node("Add", ["wx_a", "wx_b"], ["wx"]),
        helper.make_node("Mul", ["tap_dy", "fy"], ["wy_a"]),
        helper.make_node("Mul", ["ndy", "gy"], ["wy_b"]),
        helper.make_node("Add", ["wy_a", "wy_b"], ["wy"]),
        helper.make_node("Mul", ["wx", "wy"], ["w_raw"]),
        helper.make_node("Clip", ["xs", "zero_f", "Wmax"], ["xc"]),
        helper.make_node("Clip", ["ys", "zero_f", "Hmax"], ["yc"]),
    ]
    if border == "zero":
        # A tap outside the image reads 0 (black), as OpenCV's BORDER_CONSTANT does.
        n += [
            helper.make_node("Equal", ["xs", "xc"], ["x_in"]),
            helper.make_node("Equal", ["ys", "yc"], ["y_in"]),
            helper.make_node("And", ["x_in", "y_in"], ["inside"]),
            helper.make_node("Cast", ["inside"], ["inside_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["w_raw", "inside_f"], ["w"]),
        ]
    else:
        n.append(helper.make_node("Identity", ["w_raw"], ["w"]))
    n += [
        # Integer indices: float32 would lose pixels beyond 2**24 (a 4096x4096 frame).
        # int32 is enough (frames.MAX_PIXELS is 40 M) and is native in WASM, where int64
        # arithmetic is emulated: measurably faster in onnxruntime-web.
        helper.make_node("Cast", ["xc"], ["xi"], to=TensorProto.INT32),
        helper.make_node("Cast", ["yc"], ["yi"], to=TensorProto.INT32),
        helper.make_node("Mul", ["yi", "W1"], ["row"]),
        helper.make_node("Add", ["row", "xi"], ["idx"]),  # (4, N)
        helper.make_node("Gather", ["flat", "idx"], ["taps_u8"], axis=0),  # (4, N, C)
        # All C channels are weighted and summed, and RGB is sliced off the (C, N) sums:
        # slicing the last axis of the (4, N, C) taps instead is a slow strided copy (a
        # third of the crop's time in onnxruntime-web; build_scripts/measure/bench.py).
        helper.make_node("Cast", ["taps_u8"], ["taps"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["taps"], ["taps_c"], perm=[2, 0, 1]),  # (C, 4, N)
        helper.make_node("Mul", ["taps_c", "w"], ["weighted"]),
        helper.make_node("ReduceSum", ["weighted", "i1"], ["summed_c"], keepdims=0),  # (C, N)
        helper.make_node("Slice", ["summed_c", "i0", "i3", "i0"], ["summed"]),  # (3, N)
        helper.make_node("Mul", ["summed", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "offset"], ["values"]),
        helper.make_node("Shape", ["matrix"], ["m_shape"]),
        helper.make_node("Slice", ["m_shape", "i0", "i1"], ["B1"]),
        helper.make_node("Concat", ["C3", "B1", "tail"], ["chw_shape"], axis=0),
        helper.make_node("Reshape", ["values", "chw_shape"], ["chw"]),  # (3, B, S, S)
        helper.make_node("Transpose", ["chw"], [output_name], perm=[1, 2, 3, 0]),
    ]
    n.insert(0, _const("C3", np.array([3], np.int64)))
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
