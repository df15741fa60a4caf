"""One-operator models for what TFLM's kernel ``Prepare`` requires of constant operands,
option values and quantization (red team 4, findings 2, 4-6): each refused case and, in
:data:`BUILT_RIGHT`, the same operator built as TFLM accepts it.

A tensor is described by :func:`t` (an activation: a model input unless it is constant or a
variable) or :func:`c` (constant data); :func:`model` builds one operator on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .builder import Model, Sub

Spec = dict[str, Any]
Edit = Callable[[Sub, list[int], list[int]], None]

#: Quantization of an int16 TANH/LOGISTIC output and an int16 SOFTMAX output: 2^-15.
Q15 = (1 / 32768, 0)


def t(
    shape: list[int], dtype: str = "INT8", q: tuple[float, int] | None = (0.1, 0), **kw: Any
) -> Spec:
    """An activation of ``shape``, quantized (scale, zero point) unless ``q`` is None."""
    spec: Spec = {"shape": shape, "dtype": dtype, **kw}
    if q is not None:
        spec["scale"], spec["zero_point"] = q
    return spec


def c(values: Any, dtype: str = "INT32", **kw: Any) -> Spec:
    """A constant tensor of ``values`` (shaped as they are) stored as ``dtype``."""
    arr = np.asarray(values)
    return {"shape": list(arr.shape), "dtype": dtype, "data": arr, **kw}


def model(
    name: str,
    opcode: str,
    ins: Sequence[Spec | None],
    outs: Sequence[Spec],
    options: str = "",
    edit: Edit | None = None,
    **kw: Any,
) -> Callable[[Path], Path]:
    """A builder of one ``opcode`` on ``ins`` (None: a missing optional input) -> ``outs``."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        xs = [g.tensor(**spec) if spec is not None else -1 for spec in ins]
        ys = [g.tensor(**spec) for spec in outs]
        g.op(opcode, xs, ys, options, **kw)
        free = [x for x, s in zip(xs, ins, strict=True) if s and "data" not in s]
        g.io([x for x in free if not g.t.tensors[x].isVariable], ys)
        if edit is not None:
            edit(g, xs, ys)
        return m.write(d / f"{name}.tflite")

    return build


def no_zero_points(*which: tuple[str, int]) -> Edit:
    """Drops the zero points (keeping the scales) of ("in"|"out", index) tensors."""

    def edit(g: Sub, xs: list[int], ys: list[int]) -> None:
        for side, k in which:
            g.t.tensors[(xs if side == "in" else ys)[k]].quantization.zeroPoint = []

    return edit


def _bias_scales_without_zero_points(n: int) -> Edit:
    def edit(g: Sub, xs: list[int], ys: list[int]) -> None:
        q = g.t.tensors[xs[2]].quantization
        q.scale, q.zeroPoint = [0.002] * n, []

    return edit


def conv(
    name: str,
    filter_scales: list[float] | None = None,
    axis: int = 0,
    edit: Edit | None = None,
    activation: int = 0,
) -> Callable[[Path], Path]:
    """An int8 3x3 CONV_2D [1, 8, 8, 2] -> [1, 8, 8, 4], per-channel filter along ``axis``,
    with fused ``activation`` (3: RELU6)."""
    scales = filter_scales if filter_scales is not None else [0.02] * 4
    w = c(np.ones((4, 3, 3, 2)), "INT8", scale=scales, axis=axis)
    b = c(np.zeros(4), "INT32", scale=[0.002] * 4)
    return model(
        name, "CONV_2D", [t([1, 8, 8, 2]), w, b], [t([1, 8, 8, 4])], "Conv2DOptions", edit,
        padding=0, strideW=1, strideH=1, dilationWFactor=1, dilationHFactor=1,
        fusedActivationFunction=activation,
    )  # fmt: skip


def depthwise(name: str, scales: int, axis: int) -> Callable[[Path], Path]:
    """An int8 3x3 DEPTHWISE_CONV_2D on 4 channels, ``scales`` filter scales along ``axis``."""
    w = c(np.ones((1, 3, 3, 4)), "INT8", scale=[0.02] * scales, axis=axis)
    b = c(np.zeros(4), "INT32", scale=[0.002] * 4)
    return model(
        name, "DEPTHWISE_CONV_2D", [t([1, 8, 8, 4]), w, b], [t([1, 8, 8, 4])],
        "DepthwiseConv2DOptions", padding=0, strideW=1, strideH=1, depthMultiplier=1,
        dilationWFactor=1, dilationHFactor=1,
    )  # fmt: skip


def fully_connected(
    name: str, bias_scale: float | None = 0.002, edit: Edit | None = None
) -> Callable[[Path], Path]:
    """An int8 FULLY_CONNECTED [1, 16] -> [1, 4]: input 0.1 x filter 0.02 = 0.002."""
    w = c(np.ones((4, 16)), "INT8", scale=0.02)
    b = c(np.zeros(4), "INT32", scale=bias_scale) if bias_scale is not None else None
    return model(
        name, "FULLY_CONNECTED", [t([1, 16]), w, b], [t([1, 4])], "FullyConnectedOptions", edit
    )


def pool(
    name: str, opcode: str, dtype: str, q_in: tuple[float, int], q_out: tuple[float, int] | None
) -> Callable[[Path], Path]:
    """A 2x2 stride-2 pool [1, 4, 4, 2] -> [1, 2, 2, 2]; a float output when ``q_out`` is
    None."""
    out = t([1, 2, 2, 2], dtype, q_out) if q_out is not None else t([1, 2, 2, 2], "FLOAT32", None)
    return model(
        name, opcode, [t([1, 4, 4, 2], dtype, q_in)], [out], "Pool2DOptions",
        padding=1, strideW=2, strideH=2, filterWidth=2, filterHeight=2,
    )  # fmt: skip


def unary(
    name: str,
    opcode: str,
    dtypes: tuple[str, str],
    q_in: tuple[float, int],
    q_out: tuple[float, int],
    shape: list[int] | None = None,
    options: str = "",
    **kw: Any,
) -> Callable[[Path], Path]:
    """One-input ``opcode`` on ``shape`` ([1, 16]) tensors of the two types."""
    s = [1, 16] if shape is None else shape
    return model(name, opcode, [t(s, dtypes[0], q_in)], [t(s, dtypes[1], q_out)], options, **kw)


def softmax(
    name: str,
    dtypes: tuple[str, str],
    q_out: tuple[float, int],
    shape: list[int] | None = None,
    beta: float = 1.0,
    edit: Edit | None = None,
) -> Callable[[Path], Path]:
    s = [1, 16] if shape is None else shape
    return model(
        name, "SOFTMAX", [t(s, dtypes[0])], [t(s, dtypes[1], q_out)], "SoftmaxOptions", edit,
        beta=beta,
    )  # fmt: skip


def split(name: str, axis_const: bool, opcode: str = "SPLIT") -> Callable[[Path], Path]:
    """SPLIT (axis, input) or SPLIT_V (input, sizes, axis) of [4, 8] into two [2, 8]."""
    axis = c([0]) if axis_const else t([1], "INT32", None)
    outs = [t([2, 8]), t([2, 8])]
    if opcode == "SPLIT":
        return model(name, "SPLIT", [axis, t([4, 8])], outs, "SplitOptions", numSplits=2)
    return model(name, "SPLIT_V", [t([4, 8]), c([2, 2]), axis], outs, "SplitVOptions", numSplits=2)


def transpose(name: str, perm: Spec, out: list[int] | None = None) -> Callable[[Path], Path]:
    """TRANSPOSE of a [2, 3] input by ``perm``."""
    return model(name, "TRANSPOSE", [t([2, 3]), perm], [t(out or [3, 2])])


def resize(name: str, size: Spec) -> Callable[[Path], Path]:
    """RESIZE_NEAREST_NEIGHBOR of [1, 4, 4, 2] to [1, 8, 8, 2]."""
    return model(
        name, "RESIZE_NEAREST_NEIGHBOR", [t([1, 4, 4, 2]), size], [t([1, 8, 8, 2])],
        "ResizeNearestNeighborOptions",
    )  # fmt: skip


def gather(
    name: str, x: list[int], positions: list[int], out: list[int], axis: int, batch_dims: int
) -> Callable[[Path], Path]:
    idx = c(np.zeros(positions, dtype=np.int32))
    return model(
        name, "GATHER", [t(x), idx], [t(out)], "GatherOptions", axis=axis, batchDims=batch_dims
    )


def svdf(
    name: str,
    rank: int = 2,
    state: list[int] | None = None,
    bias_scale: float | None = 0.0002,
    state_dtype: str = "INT16",
) -> Callable[[Path], Path]:
    """An int8 SVDF: 16 inputs, 8 filters, memory 10, rank 2 (4 units), batch 1. Its bias
    scale must be state scale 0.01 x time-weights scale 0.02 = 0.0002 (None: no bias)."""
    bias = c(np.zeros(4), "INT32", scale=bias_scale) if bias_scale is not None else None
    ins = [
        t([1, 16]),
        c(np.ones((8, 16)), "INT8", scale=0.02),
        c(np.ones((8, 10)), "INT16", scale=0.02),
        bias,
        t(state or [1, 80], state_dtype, (0.01, 0), variable=True),
    ]
    return model(name, "SVDF", ins, [t([1, 4])], "SVDFOptions", rank=rank)


def binary(
    name: str,
    opcode: str,
    dtype: str,
    qs: tuple[tuple[float, int] | None, ...],
    options: str,
    edit: Edit | None = None,
) -> Callable[[Path], Path]:
    """``opcode`` on two [1, 16] ``dtype`` inputs quantized as ``qs[:2]`` into ``qs[2]``."""
    ins, out = [t([1, 16], dtype, q) for q in qs[:2]], t([1, 16], dtype, qs[2])
    return model(name, opcode, ins, [out], options, edit)


def concat16(name: str, zero_point: int) -> Callable[[Path], Path]:
    ins = [t([1, 8], "INT16", (0.1, zero_point)), t([1, 8], "INT16", (0.1, 0))]
    out = t([1, 16], "INT16", (0.1, 0))
    return model(name, "CONCATENATION", ins, [out], "ConcatenationOptions", axis=1)


def padv2(name: str, value_q: tuple[float, int]) -> Callable[[Path], Path]:
    """An int8 PADV2 of [1, 4, 4, 2] by one pixel, its constant value quantized as given."""
    pads = c([[0, 0], [1, 1], [1, 1], [0, 0]])
    value = c(np.zeros(()), "INT8", scale=value_q[0], zero_point=value_q[1])
    return model(name, "PADV2", [t([1, 4, 4, 2]), pads, value], [t([1, 6, 6, 2])])


def floats(shape: list[int]) -> Spec:
    return t(shape, "FLOAT32", None)


def l2_norm(name: str, shape: list[int], activation: int = 0) -> Callable[[Path], Path]:
    return model(
        name, "L2_NORMALIZATION", [floats(shape)], [floats(shape)], "L2NormOptions",
        fusedActivationFunction=activation,
    )  # fmt: skip


def embedding_lookup(name: str, zero_point: int) -> Callable[[Path], Path]:
    """Rows 1 and 2 of an int8 [4, 8] table (scale 0.1) into a float output."""
    table = c(np.ones((4, 8)), "INT8", scale=0.1, zero_point=zero_point)
    return model(name, "EMBEDDING_LOOKUP", [c([1, 2]), table], [floats([2, 8])])


def fill(name: str, dims: Spec) -> Callable[[Path], Path]:
    return model(name, "FILL", [dims, c(np.zeros(()), "FLOAT32")], [floats([2, 3])])


def broadcast_to(name: str, shape: Spec) -> Callable[[Path], Path]:
    return model(name, "BROADCAST_TO", [floats([1, 3]), shape], [floats([2, 3])])


def resize_bilinear(name: str, size: Spec) -> Callable[[Path], Path]:
    return model(
        name, "RESIZE_BILINEAR", [t([1, 4, 4, 2]), size], [t([1, 8, 8, 2])],
        "ResizeBilinearOptions",
    )  # fmt: skip


#: The same operators built as TFLM accepts them (each allocates, and the planner accepts it).
BUILT_RIGHT: dict[str, Callable[[Path], Path]] = {
    "conv per channel along axis 0": conv("conv_ok"),
    "conv output with scales but no zero points": conv(
        "conv_out_nozp", edit=no_zero_points(("out", 0))
    ),
    "conv bias with scales but no zero points": conv(
        "conv_bias_nozp", edit=no_zero_points(("in", 2))
    ),
    "conv with RELU6": conv("conv_relu6_ok", activation=3),
    "int8 quantize": unary("quantize_ok", "QUANTIZE", ("INT8", "INT8"), (0.1, 0), (0.2, 3)),
    "int16 quantize of a per-channel input": model(
        "quantize_pc_in_ok",
        "QUANTIZE",
        [t([1, 4], "INT16", None, scale=[0.1] * 4, zero_point=0, axis=1)],
        [t([1, 4], "INT8", (0.2, 0))],
    ),
    "conv bias with 3 scales for 4 channels and no zero points (TFLM copies none)": conv(
        "conv_bias_3_scales_nozp", edit=_bias_scales_without_zero_points(3)
    ),
    "depthwise per channel along axis 3": depthwise("dw_ok", 4, 3),
    "fully connected with its bias at input x filter scale": fully_connected("fc_ok"),
    "fully connected without a bias, filter without zero points": fully_connected(
        "fc_nobias_nozp", None, no_zero_points(("in", 1))
    ),
    "average pool quantized alike": pool(
        "avgpool_ok", "AVERAGE_POOL_2D", "INT8", (0.1, 3), (0.1, 3)
    ),
    "int16 max pool quantized alike": pool(
        "maxpool16_ok", "MAX_POOL_2D", "INT16", (0.1, 0), (0.1, 0)
    ),
    "int8 softmax": softmax("softmax_ok", ("INT8", "INT8"), (1 / 256, -128)),
    "int8 softmax of rank 1": softmax("softmax_rank1", ("INT8", "INT8"), (1 / 256, -128), [16]),
    "int16 softmax": softmax("softmax16_ok", ("INT16", "INT16"), Q15),
    "int8 -> int16 softmax": softmax("softmax8to16_ok", ("INT8", "INT16"), (1 / 65536, -32768)),
    "int16 tanh": unary("tanh16_ok", "TANH", ("INT16", "INT16"), (0.001, 0), Q15),
    "int16 logistic": unary("logistic16_ok", "LOGISTIC", ("INT16", "INT16"), (0.001, 0), Q15),
    "int8 log softmax": unary(
        "log_softmax_ok", "LOG_SOFTMAX", ("INT8", "INT8"), (0.1, 0), (16 / 256, 127)
    ),
    "int16 concatenation": concat16("concat16_ok", 0),
    "int32 add unquantized": binary("add32_ok", "ADD", "INT32", (None, None, None), "AddOptions"),
    "int8 sub": binary("sub_ok", "SUB", "INT8", ((0.1, 1), (0.2, -3), (0.3, 5)), "SubOptions"),
    "int16 add": binary("add16_ok", "ADD", "INT16", ((0.1, 0), (0.2, 0), (0.3, 0)), "AddOptions"),
    "int8 add": binary("add_ok", "ADD", "INT8", ((0.1, 1), (0.2, -3), (0.3, 5)), "AddOptions"),
    "int8 padv2 with its value quantized as the output": padv2("padv2_ok", (0.1, 0)),
    "split with a constant axis": split("split_ok", True),
    "split_v with a constant axis": split("split_v_ok", True, "SPLIT_V"),
    "transpose": transpose("transpose_ok", c([1, 0])),
    "transpose by a repeated entry": transpose("transpose_repeat", c([0, 0]), [2, 3]),
    "resize with a constant size": resize("resize_ok", c([8, 8])),
    "gather with batch_dims": gather("gather_batch_ok", [2, 5, 3], [2, 4], [2, 4, 3], 1, 1),
    "gather along a negative axis": gather("gather_neg_ok", [5, 3], [4], [5, 4], -1, 0),
    "l2 normalization": l2_norm("l2_ok", [1, 16]),
    "embedding lookup of a symmetric int8 table": embedding_lookup("embedding_ok", 0),
    "int8 hard swish": unary("hard_swish_ok", "HARD_SWISH", ("INT8", "INT8"), (0.1, 0), (0.1, 0)),
    "fill with constant dims": fill("fill_ok", c([2, 3])),
    "broadcast_to a constant shape": broadcast_to("broadcast_to_ok", c([2, 3])),
    "resize_bilinear with a constant size": resize_bilinear("resize_bilinear_ok", c([8, 8])),
    "int8 svdf": svdf("svdf_ok"),
    "int8 svdf with an int8 state": svdf("svdf_state8_ok", state_dtype="INT8"),
}

__all__ = ["BUILT_RIGHT", "Q15", "c", "model", "no_zero_points", "t"]
