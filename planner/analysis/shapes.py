"""Re-derive every tensor shape of a graph for a new input shape or a new width multiplier.

:func:`with_resolution` / :func:`with_input_shape` answer "what would this model look like at
another input size?", and :func:`with_width` "what if every conv layer had fewer channels?",
without TensorFlow: each operator's output shape is recomputed from its (new) input shapes and
its options, in the order TFLM runs the operators. Constant operands whose *values* the planner
does not keep (PAD paddings, MEAN axes, RESHAPE target shapes, STRIDED_SLICE bounds,
RESIZE sizes, TRANSPOSE permutations) are recovered from the old shapes: the relation between
an operator's old input and old output is re-applied to the new input. Where that relation is
ambiguous, or an operator's weights fix the size (a FULLY_CONNECTED layer fed by a flatten),
:class:`ShapeError` names the operator and says why.

Width scaling also rewrites the weight and bias tensors of every conv, depthwise and
fully-connected layer (shape, constant bytes, per-channel quantization), so weight bytes,
flash and MACs follow. Channel counts are rounded like Keras' ``_make_divisible``.

Pure functions over the frozen :class:`~planner.model.graph.Graph`; nothing here does I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import cast

from planner.errors import PlannerError
from planner.model.graph import Graph, Operator, Quantization, Subgraph, Tensor, tensor_bytes

__all__ = [
    "ShapeError",
    "WidthInfo",
    "conv_output_size",
    "input_resolution",
    "make_divisible",
    "mobilenet_like",
    "with_input_shape",
    "with_resolution",
    "with_width",
]

Shape = tuple[int, ...]

#: TFLite ``Padding`` enum values as the loader keeps them.
PADDING_SAME, PADDING_VALID = 0, 1


class ShapeError(PlannerError):
    """A graph's shapes cannot be re-derived for the requested change."""


# ---------------------------------------------------------------------------------------------
# Small arithmetic shared with the advisor


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Keras/TF-slim ``_make_divisible``: round to a multiple of ``divisor``, never >10% down."""
    floor = divisor if min_value is None else min_value
    new = max(floor, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def conv_output_size(size: int, kernel: int, stride: int, dilation: int, padding: int) -> int:
    """Output length of a convolution or pooling along one axis (TFLite's rule)."""
    effective = (kernel - 1) * dilation + 1
    if padding == PADDING_SAME:
        return (size + stride - 1) // stride
    return (size - effective + stride) // stride


def same_padding_before(size: int, kernel: int, stride: int, dilation: int) -> int:
    """Zero rows TFLite's SAME padding adds before the data (the smaller half)."""
    effective = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2


def _opt_int(op: Operator, key: str, default: int) -> int:
    value = op.options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value


def _dims4(shape: Shape) -> Shape:
    return (1,) * (4 - len(shape)) + shape if len(shape) < 4 else shape


# ---------------------------------------------------------------------------------------------
# Graph inspection


def input_resolution(graph: Graph) -> tuple[int, int] | None:
    """(height, width) of the model's image input (NHWC, rank 4), or None."""
    sg = graph.main
    if not sg.inputs:
        return None
    shape = sg.tensors[sg.inputs[0]].shape
    if len(shape) != 4:
        return None
    return shape[1], shape[2]


def _consumers(sg: Subgraph) -> dict[int, list[Operator]]:
    out: dict[int, list[Operator]] = {}
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0:
                out.setdefault(t, []).append(op)
    return out


def _is_global_pool(sg: Subgraph, op: Operator) -> bool:
    """A pooling operator whose window covers its whole (old) input: a global pool."""
    if op.opcode not in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return False
    x = _dims4(sg.tensors[op.inputs[0]].shape)
    y = _dims4(sg.tensors[op.outputs[0]].shape)
    return (
        y[1] == 1
        and y[2] == 1
        and _opt_int(op, "filter_height", 0) == x[1]
        and _opt_int(op, "filter_width", 0) == x[2]
    )


def _is_spatial_reduce(sg: Subgraph, op: Operator) -> bool:
    if op.opcode not in ("MEAN", "SUM", "REDUCE_MAX"):
        return False
    x = sg.tensors[op.inputs[0]].shape
    y = sg.tensors[op.outputs[0]].shape
    return len(x) == 4 and math.prod(y) == x[0] * x[3]


def mobilenet_like(graph: Graph) -> tuple[bool, str]:
    """Whether width-multiplier scaling applies: depthwise-separable blocks, and why (not)."""
    ops = graph.main.operators
    dw = sum(1 for op in ops if op.opcode == "DEPTHWISE_CONV_2D")
    pw = 0
    for op in ops:
        if op.opcode == "CONV_2D":
            w = _dims4(graph.main.tensors[op.inputs[1]].shape)
            if w[1] == 1 and w[2] == 1:
                pw += 1
    if dw >= 2 and pw >= 2:
        return True, f"{dw} depthwise and {pw} pointwise (1x1) convolutions"
    return False, (
        f"{dw} depthwise and {pw} pointwise convolutions: not a MobileNet-style "
        "depthwise-separable network, so no width multiplier is implied"
    )


# ---------------------------------------------------------------------------------------------
# Recovering constant operands from the old shapes


def _broadcast(a: Shape, b: Shape, op: Operator) -> Shape:
    rank = max(len(a), len(b))
    a2 = (1,) * (rank - len(a)) + a
    b2 = (1,) * (rank - len(b)) + b
    out = []
    for x, y in zip(a2, b2, strict=True):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ShapeError(
                f"operator {op.index} ({op.opcode}): shapes {a} and {b} do not broadcast"
            )
    return tuple(out)


def _removed_axes(old_in: Shape, old_out: Shape, count: int | None) -> tuple[int, ...] | None:
    """Axes whose removal turns ``old_in`` into ``old_out`` (preferring spatial axes)."""
    k = len(old_in) - len(old_out)
    if count is not None and count != k:
        return None
    candidates = []
    for axes in itertools.combinations(range(len(old_in)), k):
        kept = tuple(d for i, d in enumerate(old_in) if i not in axes)
        if kept == old_out:
            candidates.append(axes)
    if not candidates:
        return None
    if len(old_in) == 4 and (1, 2) in candidates:
        return (1, 2)
    return candidates[0]


def _reshape_groups(old_in: Shape, old_out: Shape) -> list[tuple[range, range]] | None:
    """Split a reshape into runs of input dims that map to runs of output dims."""
    groups: list[tuple[range, range]] = []
    i = j = 0
    while i < len(old_in) or j < len(old_out):
        i0, j0 = i, j
        pi = old_in[i] if i < len(old_in) else 1
        pj = old_out[j] if j < len(old_out) else 1
        i, j = i + 1, j + 1
        while pi != pj:
            if pi < pj:
                if i >= len(old_in):
                    return None
                pi *= old_in[i]
                i += 1
            else:
                if j >= len(old_out):
                    return None
                pj *= old_out[j]
                j += 1
        groups.append((range(i0, min(i, len(old_in))), range(j0, min(j, len(old_out)))))
    return groups


@dataclass(frozen=True)
class _Ctx:
    """What a shape rule needs besides the operator: old and new shapes."""

    sg: Subgraph
    old: Mapping[int, Shape]
    new: dict[int, Shape]
    #: True when weights adapt to their inputs (width scaling); False: weights are fixed.
    adapt_weights: bool

    def old_shape(self, t: int) -> Shape:
        return self.old[t]

    def shape(self, t: int) -> Shape:
        return self.new[t]


def _spatial_out(ctx: _Ctx, op: Operator, x: Shape, kh: int, kw: int) -> tuple[int, int]:
    sh, sw = _opt_int(op, "stride_h", 1), _opt_int(op, "stride_w", 1)
    dh, dw = _opt_int(op, "dilation_h_factor", 1), _opt_int(op, "dilation_w_factor", 1)
    pad = _opt_int(op, "padding", PADDING_SAME)
    oh = conv_output_size(x[1], kh, sh, dh, pad)
    ow = conv_output_size(x[2], kw, sw, dw, pad)
    if oh <= 0 or ow <= 0:
        raise ShapeError(
            f"operator {op.index} ({op.opcode}): a {x[1]}x{x[2]} input is smaller than its "
            f"{kh}x{kw} window (VALID padding); use a larger input"
        )
    return oh, ow


# Each rule returns the new shapes of the operator's outputs; it may also record new shapes
# for constant inputs (weights) in ctx.new when weights adapt.
Rule = Callable[[_Ctx, Operator], list[Shape]]


def _conv(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = _dims4(ctx.shape(op.inputs[0]))
    w = ctx.shape(op.inputs[1])
    co, kh, kw, ci = _dims4(w)
    if x[3] % ci != 0:
        raise ShapeError(
            f"operator {op.index} (CONV_2D): {x[3]} input channels do not match weights "
            f"with {ci} input channels per group"
        )
    oh, ow = _spatial_out(ctx, op, x, kh, kw)
    return [(x[0], oh, ow, co)]


def _depthwise(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = _dims4(ctx.shape(op.inputs[0]))
    _, kh, kw, co = _dims4(ctx.shape(op.inputs[1]))
    mult = max(_opt_int(op, "depth_multiplier", 1), 1)
    if co % x[3] != 0 and co != x[3] * mult:
        raise ShapeError(
            f"operator {op.index} (DEPTHWISE_CONV_2D): {x[3]} input channels do not match "
            f"{co} depthwise filters"
        )
    oh, ow = _spatial_out(ctx, op, x, kh, kw)
    return [(x[0], oh, ow, co)]


def _pool(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = _dims4(ctx.shape(op.inputs[0]))
    if _is_global_pool(ctx.sg, op):
        return [(x[0], 1, 1, x[3])]
    kh, kw = _opt_int(op, "filter_height", 1), _opt_int(op, "filter_width", 1)
    oh, ow = _spatial_out(ctx, op, x, kh, kw)
    return [(x[0], oh, ow, x[3])]


def _transpose_conv(ctx: _Ctx, op: Operator) -> list[Shape]:
    # inputs: output_shape (int32 [4], constant), weights [co, kh, kw, ci], input
    x = _dims4(ctx.shape(op.inputs[2]))
    co, kh, kw, _ = _dims4(ctx.shape(op.inputs[1]))
    sh, sw = _opt_int(op, "stride_h", 1), _opt_int(op, "stride_w", 1)
    pad = _opt_int(op, "padding", PADDING_SAME)

    def size(n: int, k: int, s: int) -> int:
        return n * s if pad == PADDING_SAME else (n - 1) * s + k

    old_x = _dims4(ctx.old_shape(op.inputs[2]))
    old_y = _dims4(ctx.old_shape(op.outputs[0]))
    if (size(old_x[1], kh, sh), size(old_x[2], kw, sw)) != (old_y[1], old_y[2]):
        raise ShapeError(
            f"operator {op.index} (TRANSPOSE_CONV): its output-shape tensor asks for "
            f"{old_y[1]}x{old_y[2]}, not what its strides and padding give; the planner "
            "cannot tell what it should be at another input size"
        )
    return [(x[0], size(x[1], kh, sh), size(x[2], kw, sw), co)]


def _same_as_first(ctx: _Ctx, op: Operator) -> list[Shape]:
    return [ctx.shape(op.inputs[0]) for _ in op.outputs]


def _elementwise(ctx: _Ctx, op: Operator) -> list[Shape]:
    shapes = [ctx.shape(t) for t in op.inputs if t >= 0]
    out = shapes[0]
    for s in shapes[1:]:
        out = _broadcast(out, s, op)
    return [out]


def _concat(ctx: _Ctx, op: Operator) -> list[Shape]:
    shapes = [ctx.shape(t) for t in op.inputs if t >= 0]
    rank = len(shapes[0])
    axis = _opt_int(op, "axis", 0) % rank
    for s in shapes[1:]:
        if len(s) != rank or any(s[i] != shapes[0][i] for i in range(rank) if i != axis):
            raise ShapeError(
                f"operator {op.index} (CONCATENATION): inputs {shapes} disagree outside axis {axis}"
            )
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return [tuple(out)]


def _pad(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    return [tuple(n + (b - a) for n, a, b in zip(x, old_x, old_y, strict=True))]


def _reduce(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    n_axes = math.prod(ctx.sg.tensors[op.inputs[1]].shape) if len(op.inputs) > 1 else None
    if bool(op.options.get("keep_dims", False)):
        axes = tuple(i for i, (a, b) in enumerate(zip(old_x, old_y, strict=True)) if a != b)
        if len(old_x) == 4 and old_y[1] == 1 and old_y[2] == 1:
            axes = tuple(sorted({*axes, 1, 2}))
        return [tuple(1 if i in axes else d for i, d in enumerate(x))]
    removed = _removed_axes(old_x, old_y, n_axes)
    if removed is None:
        raise ShapeError(
            f"operator {op.index} ({op.opcode}): cannot tell which axes it reduces "
            f"({old_x} -> {old_y})"
        )
    return [tuple(d for i, d in enumerate(x) if i not in removed)]


def _flatten_hint(ctx: _Ctx, op: Operator) -> str:
    return (
        f"operator {op.index} ({op.opcode}) flattens a {ctx.old_shape(op.inputs[0])} feature "
        f"map into {ctx.old_shape(op.outputs[0])}; at the new input size the map is "
        f"{ctx.shape(op.inputs[0])}, and the fully-connected weights after it fix the number "
        "of features, so the input resolution cannot change unless the network pools "
        "globally (GlobalAveragePooling / MEAN) before its classifier"
    )


def _reshape(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    if x == old_x:
        return [old_y]
    if math.prod(x) == math.prod(old_x) and len(old_x) == len(x):
        # Same element count: the old target still works (e.g. channels moved around).
        return [old_y]
    groups = _reshape_groups(old_x, old_y)
    if groups is None or len(x) != len(old_x):
        raise ShapeError(
            f"operator {op.index} ({op.opcode}): cannot re-derive {old_x} -> {old_y} for {x}"
        )
    out = list(old_y)
    for ins, outs in groups:
        changed = any(x[i] != old_x[i] for i in ins)
        if not changed:
            continue
        if len(outs) == 1:
            out[outs[0]] = math.prod(x[i] for i in ins)
            continue
        raise ShapeError(
            f"operator {op.index} ({op.opcode}): it splits dimension(s) {tuple(ins)} of "
            f"{old_x} into {old_y}; the planner cannot tell how to split {x}"
        )
    new = tuple(out)
    # A flatten of a spatial map (rank 4 -> rank 2 with the spatial dims merged) that grew:
    # an FC layer will reject it; say so here, where the cause is.
    if len(old_x) == 4 and len(old_y) == 2 and (old_x[1] * old_x[2] > 1 or x[1] * x[2] > 1):
        consumers = [
            c for c in _consumers(ctx.sg).get(op.outputs[0], []) if c.opcode == "FULLY_CONNECTED"
        ]
        if consumers and not ctx.adapt_weights:
            raise ShapeError(_flatten_hint(ctx, op))
    return [new]


def _squeeze(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = ctx.shape(op.inputs[0])
    dims = cast("tuple[int, ...]", op.options.get("squeeze_dims") or ())
    axes = {int(d) % len(x) for d in dims} if dims else {i for i, d in enumerate(x) if d == 1}
    for a in axes:
        if x[a] != 1:
            raise ShapeError(
                f"operator {op.index} (SQUEEZE): axis {a} of {x} is no longer 1 at the new size"
            )
    return [tuple(d for i, d in enumerate(x) if i not in axes)]


def _expand_dims(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    for axis in range(len(old_y)):
        if old_y[axis] == 1 and old_y[:axis] + old_y[axis + 1 :] == old_x:
            return [(*x[:axis], 1, *x[axis:])]
    raise ShapeError(f"operator {op.index} (EXPAND_DIMS): cannot tell the inserted axis")


def _fully_connected(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = ctx.shape(op.inputs[0])
    w = ctx.shape(op.inputs[1])
    units, features = w[0], w[-1]
    keep = bool(op.options.get("keep_num_dims", False))
    if ctx.adapt_weights:
        features = x[-1] if keep else math.prod(x) // _fc_rows(ctx, op)
        ctx.new[op.inputs[1]] = (units, features)
    if keep:
        if x[-1] != features:
            raise ShapeError(_fc_message(ctx, op, x[-1], features))
        return [(*x[:-1], units)]
    elements = math.prod(x)
    rows = _fc_rows(ctx, op)
    if elements != rows * features:
        raise ShapeError(_fc_message(ctx, op, elements // max(rows, 1), features))
    return [(rows, units)]


def _fc_rows(ctx: _Ctx, op: Operator) -> int:
    old_x = ctx.old_shape(op.inputs[0])
    old_w = ctx.old_shape(op.inputs[1])
    return max(math.prod(old_x) // max(old_w[-1], 1), 1)


def _fc_message(ctx: _Ctx, op: Operator, got: int, want: int) -> str:
    return (
        f"operator {op.index} (FULLY_CONNECTED) takes {want} input features but would get "
        f"{got} at the new input size: its weights fix the size of its input, so the input "
        "resolution cannot change unless the network pools globally (GlobalAveragePooling / "
        "MEAN) before its classifier"
    )


def _strided_slice(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    if bool(op.options.get("shrink_axis_mask", 0)) or bool(op.options.get("new_axis_mask", 0)):
        if x == old_x:
            return [old_y]
        raise ShapeError(
            f"operator {op.index} ({op.opcode}): slices that add or drop axes are only "
            "re-derived when their input does not change"
        )
    if len(old_x) != len(old_y):
        raise ShapeError(f"operator {op.index} ({op.opcode}): rank changes; not re-derivable")
    out = []
    for n, a, b in zip(x, old_x, old_y, strict=True):
        if a == b:
            out.append(n)  # the whole axis
        elif n == a:
            out.append(b)  # the axis did not change: same slice
        else:
            raise ShapeError(
                f"operator {op.index} ({op.opcode}) takes {b} of {a} along an axis that is "
                f"now {n}; the planner keeps no slice bounds and cannot re-derive it"
            )
    return [tuple(out)]


def _resize(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = _dims4(ctx.old_shape(op.inputs[0])), _dims4(ctx.old_shape(op.outputs[0]))
    x = _dims4(ctx.shape(op.inputs[0]))
    out = [x[0], 0, 0, x[3]]
    for axis in (1, 2):
        if x[axis] == old_x[axis]:
            out[axis] = old_y[axis]
        elif old_y[axis] % old_x[axis] == 0:
            out[axis] = x[axis] * (old_y[axis] // old_x[axis])
        else:
            raise ShapeError(
                f"operator {op.index} ({op.opcode}) resizes {old_x[axis]} to {old_y[axis]}, "
                "not an integer factor; the planner cannot tell its size at the new input"
            )
    return [tuple(out)]


def _transpose(ctx: _Ctx, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    results = {
        tuple(x[i] for i in perm)
        for perm in itertools.permutations(range(len(old_x)))
        if tuple(old_x[i] for i in perm) == old_y
    }
    if len(results) != 1:
        raise ShapeError(f"operator {op.index} (TRANSPOSE): the permutation is ambiguous")
    return [results.pop()]


def _space_depth(ctx: _Ctx, op: Operator) -> list[Shape]:
    x = _dims4(ctx.shape(op.inputs[0]))
    b = _opt_int(op, "block_size", 1)
    if op.opcode == "SPACE_TO_DEPTH":
        if x[1] % b or x[2] % b:
            raise ShapeError(f"operator {op.index} (SPACE_TO_DEPTH): {x} not divisible by {b}")
        return [(x[0], x[1] // b, x[2] // b, x[3] * b * b)]
    return [(x[0], x[1] * b, x[2] * b, x[3] // (b * b))]


_UNARY = [
    "RELU",
    "RELU6",
    "RELU_N1_TO_1",
    "RELU_0_TO_1",
    "LOGISTIC",
    "TANH",
    "HARD_SWISH",
    "LEAKY_RELU",
    "QUANTIZE",
    "DEQUANTIZE",
    "ABS",
    "NEG",
    "SQRT",
    "RSQRT",
    "EXP",
    "LOG",
    "SIN",
    "COS",
    "ELU",
    "CAST",
    "FLOOR",
    "ROUND",
    "CEIL",
    "SQUARE",
    "SOFTMAX",
    "LOG_SOFTMAX",
    "L2_NORMALIZATION",
    "LOCAL_RESPONSE_NORMALIZATION",
    "ZEROS_LIKE",
    "ONES_LIKE",
    "LOGICAL_NOT",
    "GELU",
]
_BINARY = [
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "MAXIMUM",
    "MINIMUM",
    "SQUARED_DIFFERENCE",
    "POW",
    "FLOOR_DIV",
    "FLOOR_MOD",
    "PRELU",
    "LESS",
    "LESS_EQUAL",
    "GREATER",
    "GREATER_EQUAL",
    "EQUAL",
    "NOT_EQUAL",
    "LOGICAL_AND",
    "LOGICAL_OR",
    "ADD_N",
]

RULES: dict[str, Rule] = {
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _depthwise,
    "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool,
    "L2_POOL_2D": _pool,
    "TRANSPOSE_CONV": _transpose_conv,
    "CONCATENATION": _concat,
    "PAD": _pad,
    "PADV2": _pad,
    "MIRROR_PAD": _pad,
    "MEAN": _reduce,
    "SUM": _reduce,
    "REDUCE_MAX": _reduce,
    "REDUCE_MIN": _reduce,
    "REDUCE_PROD": _reduce,
    "RESHAPE": _reshape,
    "SQUEEZE": _squeeze,
    "EXPAND_DIMS": _expand_dims,
    "FULLY_CONNECTED": _fully_connected,
    "STRIDED_SLICE": _strided_slice,
    "SLICE": _strided_slice,
    "RESIZE_BILINEAR": _resize,
    "RESIZE_NEAREST_NEIGHBOR": _resize,
    "TRANSPOSE": _transpose,
    "SPACE_TO_DEPTH": _space_depth,
    "DEPTH_TO_SPACE": _space_depth,
    **dict.fromkeys(_UNARY, _same_as_first),
    **dict.fromkeys(_BINARY, _elementwise),
}


# ---------------------------------------------------------------------------------------------
# The propagation engine

#: Chooses a conv layer's new output channels: (op, old_out, old_in, new_in) -> new_out.
ChannelRule = Callable[[Operator, int, int, int], int]


def _propagate(
    graph: Graph,
    new_inputs: Mapping[int, Shape],
    channel_rule: ChannelRule | None = None,
    pool_notes: list[str] | None = None,
) -> Graph:
    if len(graph.subgraphs) > 1:
        calls = sorted(
            {op.opcode for op in graph.main.operators if op.opcode in ("IF", "WHILE", "CALL_ONCE")}
        )
        if calls:
            raise ShapeError(
                "the model calls other subgraphs (" + ", ".join(calls) + "); shape "
                "propagation follows subgraph 0 only"
            )
    sg = graph.main
    old = {t.index: t.shape for t in sg.tensors}
    ctx = _Ctx(sg=sg, old=old, new=dict(old), adapt_weights=channel_rule is not None)
    for t, shape in new_inputs.items():
        if len(shape) != len(old[t]):
            raise ShapeError(
                f"input '{sg.tensors[t].name}' has rank {len(old[t])}, not {len(shape)}"
            )
        ctx.new[t] = tuple(shape)
    for op in sg.operators:
        if op.is_custom:
            raise ShapeError(
                f"operator {op.index} is the custom operator '{op.custom_code}': its output "
                "shape is unknown to the planner"
            )
        rule = RULES.get(op.opcode)
        if rule is None:
            raise ShapeError(
                f"operator {op.index} ({op.opcode}): the planner cannot re-derive its output "
                "shape at another input size"
            )
        if channel_rule is not None:
            _adapt_weights(ctx, op, channel_rule)
        if pool_notes is not None and _is_global_pool(sg, op):
            x_old = _dims4(old[op.inputs[0]])
            x_new = _dims4(ctx.new[op.inputs[0]])
            if x_old[1:3] != x_new[1:3]:
                pool_notes.append(
                    f"operator {op.index} ({op.opcode}) pools its whole {x_old[1]}x{x_old[2]} "
                    f"map; treated as a global pool, so re-export it with a {x_new[1]}x"
                    f"{x_new[2]} window"
                )
        outs = rule(ctx, op)
        for t, shape in zip(op.outputs, outs, strict=False):
            if t >= 0:
                if any(d <= 0 for d in shape):
                    raise ShapeError(
                        f"operator {op.index} ({op.opcode}) would produce an empty {shape}"
                    )
                ctx.new[t] = shape
    return _rebuild(graph, ctx.new, {op.index: _new_options(ctx, op) for op in sg.operators})


def _new_options(ctx: _Ctx, op: Operator) -> Mapping[str, object] | None:
    """Options that must change with the shapes: a global pool's window."""
    if not _is_global_pool(ctx.sg, op):
        return None
    x = _dims4(ctx.new[op.inputs[0]])
    opts = dict(op.options)
    opts.update(filter_height=x[1], filter_width=x[2], stride_h=x[1], stride_w=x[2])
    return MappingProxyType(opts)


def _adapt_weights(ctx: _Ctx, op: Operator, rule: ChannelRule) -> None:
    """Width scaling: give conv/depthwise weights and biases the channels the rule picks."""
    if op.opcode == "CONV_2D":
        x = _dims4(ctx.new[op.inputs[0]])
        co, kh, kw, ci = _dims4(ctx.old[op.inputs[1]])
        old_in = _dims4(ctx.old[op.inputs[0]])[3]
        groups = max(old_in // ci, 1)
        new_co = rule(op, co, old_in, x[3])
        ctx.new[op.inputs[1]] = (new_co, kh, kw, x[3] // groups)
        _set_bias(ctx, op, 2, new_co)
    elif op.opcode == "DEPTHWISE_CONV_2D":
        x = _dims4(ctx.new[op.inputs[0]])
        _, kh, kw, co = _dims4(ctx.old[op.inputs[1]])
        old_in = _dims4(ctx.old[op.inputs[0]])[3]
        mult = max(co // max(old_in, 1), 1)
        ctx.new[op.inputs[1]] = (1, kh, kw, x[3] * mult)
        _set_bias(ctx, op, 2, x[3] * mult)


def _set_bias(ctx: _Ctx, op: Operator, slot: int, channels: int) -> None:
    if len(op.inputs) > slot and op.inputs[slot] >= 0:
        ctx.new[op.inputs[slot]] = (channels,)


def _rebuild(
    graph: Graph, shapes: Mapping[int, Shape], options: Mapping[int, Mapping[str, object] | None]
) -> Graph:
    sg = graph.main
    delta = 0
    tensors = []
    for t in sg.tensors:
        shape = shapes[t.index]
        if shape == t.shape:
            tensors.append(t)
            continue
        elements = math.prod(shape)
        data = t.data_bytes
        if t.is_constant:
            data = tensor_bytes(t.dtype, elements)
            delta += data - t.data_bytes
        tensors.append(
            replace(
                t,
                shape=shape,
                data_bytes=data,
                shape_signature=None
                if t.shape_signature is None or -1 in t.shape_signature
                else shape,
                quantization=_requant(t, shape),
            )
        )
    ops = tuple(
        op if (new_options := options.get(op.index)) is None else replace(op, options=new_options)
        for op in sg.operators
    )
    main = replace(sg, tensors=tuple(tensors), operators=ops)
    return replace(
        graph,
        subgraphs=(main, *graph.subgraphs[1:]),
        file_bytes=max(graph.file_bytes + delta, 0),
        offline_offsets=None,
    )


def _requant(t: Tensor, shape: Shape) -> Quantization | None:
    q = t.quantization
    if q is None or not q.per_channel or not shape:
        return q
    axis = q.axis if q.axis < len(shape) else len(shape) - 1
    n = shape[axis]
    if n == len(q.scales):
        return q
    scales = tuple(q.scales[i % len(q.scales)] for i in range(n))
    zeros = tuple(q.zero_points[i % len(q.zero_points)] for i in range(n))
    return replace(q, scales=scales, zero_points=zeros)


# ---------------------------------------------------------------------------------------------
# Public API


def with_input_shape(graph: Graph, shape: Shape, notes: list[str] | None = None) -> Graph:
    """The graph with its (first) input given ``shape`` and every other shape re-derived."""
    sg = graph.main
    if not sg.inputs:
        raise ShapeError("the model has no input tensor")
    return _propagate(graph, {sg.inputs[0]: tuple(shape)}, pool_notes=notes)


def with_resolution(
    graph: Graph, height: int, width: int | None = None, notes: list[str] | None = None
) -> Graph:
    """The graph at input resolution ``height`` x ``width`` (NHWC image input)."""
    sg = graph.main
    shape = sg.tensors[sg.inputs[0]].shape if sg.inputs else ()
    if len(shape) != 4:
        raise ShapeError(f"the model input {shape} is not an NHWC image; no resolution to change")
    w = height if width is None else width
    if height <= 0 or w <= 0:
        raise ShapeError(f"resolution {height}x{w} is not positive")
    return with_input_shape(graph, (shape[0], height, w, shape[3]), notes)


@dataclass(frozen=True)
class WidthInfo:
    """How :func:`with_width` scaled the graph's channels."""

    factor: float
    #: Operators that kept their channel count (classifier / head), with the reason.
    kept: tuple[tuple[int, str], ...]
    #: Pointwise convs sized as expansion ratio x scaled input (MobileNetV2 inverted residual).
    expansions: tuple[int, ...]


def _width_plan(graph: Graph, keep_head: bool | None) -> tuple[dict[int, str], dict[int, int]]:
    """Which conv layers keep their channels, and which are expansions (op -> ratio)."""
    sg = graph.main
    consumers = _consumers(sg)
    kept: dict[int, str] = {}
    expansions: dict[int, int] = {}
    pooled = False
    last_conv_before_pool: Operator | None = None
    for op in sg.operators:
        if _is_global_pool(sg, op) or _is_spatial_reduce(sg, op):
            pooled = True
            continue
        if op.opcode != "CONV_2D":
            continue
        if pooled:
            kept[op.index] = "acts on globally pooled features (a classifier): keeps its outputs"
            continue
        last_conv_before_pool = op
        co, kh, kw, ci = _dims4(sg.tensors[op.inputs[1]].shape)
        ratio = co // ci if ci and co % ci == 0 else 0
        nxt = _next_compute(sg, consumers, op.outputs[0])
        if kh == kw == 1 and ratio >= 2 and nxt is not None and nxt.opcode == "DEPTHWISE_CONV_2D":
            expansions[op.index] = ratio
    if pooled and last_conv_before_pool is not None:
        co, kh, kw, ci = _dims4(sg.tensors[last_conv_before_pool.inputs[1]].shape)
        head = kh == kw == 1 and co > ci
        if keep_head if keep_head is not None else head:
            kept[last_conv_before_pool.index] = (
                "the last 1x1 conv before global pooling expands channels (MobileNetV2's "
                "1280-channel head, which Keras keeps for width multipliers below 1)"
            )
            expansions.pop(last_conv_before_pool.index, None)
    return kept, expansions


def _next_compute(
    sg: Subgraph, consumers: Mapping[int, list[Operator]], tensor: int
) -> Operator | None:
    """The first non-activation operator that reads ``tensor`` (following activations)."""
    seen = 0
    while seen < 8:
        readers = consumers.get(tensor, [])
        if len(readers) != 1:
            return readers[0] if readers else None
        op = readers[0]
        if op.opcode in _UNARY and op.opcode != "SOFTMAX":
            tensor = op.outputs[0]
            seen += 1
            continue
        return op
    return None


def with_width(
    graph: Graph,
    factor: float,
    divisor: int = 8,
    keep_head: bool | None = None,
) -> tuple[Graph, WidthInfo]:
    """The graph with every conv layer's output channels scaled by ``factor``.

    Channel counts are ``make_divisible(channels * factor, divisor)``, except: a 1x1 conv that
    expands its input by an integer ratio ahead of a depthwise conv (MobileNetV2's expansion)
    gets ratio x its new input channels; convs after global pooling (classifiers) keep their
    outputs; the last 1x1 conv before global pooling keeps its channels when it expands them
    (``keep_head=None`` decides so; True/False force it). Depthwise layers follow their input;
    fully-connected layers keep their units and take the new number of input features.
    """
    if not 0 < factor <= 4:
        raise ShapeError(f"width factor {factor} is out of range (0, 4]")
    kept, expansions = _width_plan(graph, keep_head)

    def rule(op: Operator, old_out: int, old_in: int, new_in: int) -> int:
        if op.index in kept:
            return old_out
        if op.index in expansions:
            return new_in * expansions[op.index]
        if factor == 1:
            return old_out
        return make_divisible(old_out * factor, divisor)

    sg = graph.main
    new_graph = _propagate(graph, {t: sg.tensors[t].shape for t in sg.inputs}, channel_rule=rule)
    info = WidthInfo(
        factor=factor,
        kept=tuple(sorted(kept.items())),
        expansions=tuple(sorted(expansions)),
    )
    return new_graph, info
