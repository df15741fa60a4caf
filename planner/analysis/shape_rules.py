"""Shape rules: each operator's output shapes from its (new) input shapes and options.

A rule is a function ``(ctx, op) -> [output shapes]``; the kernel registry
(:mod:`planner.runtimes.tflm.kernels`) names the rule of every operator, and
:mod:`planner.analysis.shapes` runs them in order to re-derive a whole graph. Constant operands
whose *values* these rules do not read (PAD paddings, MEAN axes, RESHAPE targets, slice
bounds, resize sizes, permutations) are recovered from the old shapes: the relation between an
operator's old input and old output is re-applied to the new input, and :class:`ShapeError`
says where that is ambiguous.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import NamedTuple, cast

from planner.errors import PlannerError
from planner.model.graph import Operator, Subgraph

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


def opt_int(op: Operator, key: str, default: int) -> int:
    value = op.options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value


def dims4(shape: Shape) -> Shape:
    return (1,) * (4 - len(shape)) + shape if len(shape) < 4 else shape


def consumers(sg: Subgraph) -> dict[int, list[Operator]]:
    out: dict[int, list[Operator]] = {}
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0:
                out.setdefault(t, []).append(op)
    return out


def is_global_pool(sg: Subgraph, op: Operator) -> bool:
    """A pooling operator whose window covers its whole (old) input: a global pool."""
    if op.opcode not in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return False
    x = dims4(sg.tensors[op.inputs[0]].shape)
    y = dims4(sg.tensors[op.outputs[0]].shape)
    return (
        y[1] == 1
        and y[2] == 1
        and opt_int(op, "filter_height", 0) == x[1]
        and opt_int(op, "filter_width", 0) == x[2]
    )


# ---------------------------------------------------------------------------------------------
# Recovering constant operands from the old shapes


def broadcast(a: Shape, b: Shape, op: Operator) -> Shape:
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


class ShapeContext(NamedTuple):
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


def spatial_out(op: Operator, x: Shape, kh: int, kw: int) -> tuple[int, int]:
    """Output height and width of a convolution or pooling window over ``x`` (NHWC)."""
    sh, sw = opt_int(op, "stride_h", 1), opt_int(op, "stride_w", 1)
    dh, dw = opt_int(op, "dilation_h_factor", 1), opt_int(op, "dilation_w_factor", 1)
    pad = opt_int(op, "padding", PADDING_SAME)
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
Rule = Callable[[ShapeContext, Operator], list[Shape]]


def _conv_out(
    ctx: ShapeContext, op: Operator, x: Shape, kernel: tuple[int, int, int], mismatch: str | None
) -> list[Shape]:
    """A convolution's output with ``kernel`` (height, width, output channels), or the
    ShapeError ``mismatch`` says (input channels that do not match the weights)."""
    if mismatch is not None:
        raise ShapeError(f"operator {op.index} ({op.opcode}): {x[3]} input channels {mismatch}")
    kh, kw, co = kernel
    oh, ow = spatial_out(op, x, kh, kw)
    return [(x[0], oh, ow, co)]


def conv_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    x = dims4(ctx.shape(op.inputs[0]))
    co, kh, kw, ci = dims4(ctx.shape(op.inputs[1]))
    mismatch = f"do not match weights with {ci} input channels per group"
    return _conv_out(ctx, op, x, (kh, kw, co), None if x[3] % ci == 0 else mismatch)


def depthwise_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    x = dims4(ctx.shape(op.inputs[0]))
    _, kh, kw, co = dims4(ctx.shape(op.inputs[1]))
    mult = max(opt_int(op, "depth_multiplier", 1), 1)
    ok = co % x[3] == 0 or co == x[3] * mult
    mismatch = f"do not match {co} depthwise filters"
    return _conv_out(ctx, op, x, (kh, kw, co), None if ok else mismatch)


def pool_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    x = dims4(ctx.shape(op.inputs[0]))
    if is_global_pool(ctx.sg, op):
        return [(x[0], 1, 1, x[3])]
    kh, kw = opt_int(op, "filter_height", 1), opt_int(op, "filter_width", 1)
    oh, ow = spatial_out(op, x, kh, kw)
    return [(x[0], oh, ow, x[3])]


def transpose_conv_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    # inputs: output_shape (int32 [4], constant), weights [co, kh, kw, ci], input
    x = dims4(ctx.shape(op.inputs[2]))
    co, kh, kw, _ = dims4(ctx.shape(op.inputs[1]))
    sh, sw = opt_int(op, "stride_h", 1), opt_int(op, "stride_w", 1)
    pad = opt_int(op, "padding", PADDING_SAME)

    def size(n: int, k: int, s: int) -> int:
        return n * s if pad == PADDING_SAME else (n - 1) * s + k

    old_x = dims4(ctx.old_shape(op.inputs[2]))
    old_y = dims4(ctx.old_shape(op.outputs[0]))
    if (size(old_x[1], kh, sh), size(old_x[2], kw, sw)) != (old_y[1], old_y[2]):
        raise ShapeError(
            f"operator {op.index} (TRANSPOSE_CONV): its output-shape tensor asks for "
            f"{old_y[1]}x{old_y[2]}, not what its strides and padding give; the planner "
            "cannot tell what it should be at another input size"
        )
    return [(x[0], size(x[1], kh, sh), size(x[2], kw, sw), co)]


def same_as_first_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    return [ctx.shape(op.inputs[0]) for _ in op.outputs]


def elementwise_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    shapes = [ctx.shape(t) for t in op.inputs if t >= 0]
    out = shapes[0]
    for s in shapes[1:]:
        out = broadcast(out, s, op)
    return [out]


def concat_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    shapes = [ctx.shape(t) for t in op.inputs if t >= 0]
    rank = len(shapes[0])
    axis = opt_int(op, "axis", 0) % rank
    for s in shapes[1:]:
        if len(s) != rank or any(s[i] != shapes[0][i] for i in range(rank) if i != axis):
            raise ShapeError(
                f"operator {op.index} (CONCATENATION): inputs {shapes} disagree outside axis {axis}"
            )
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return [tuple(out)]


def pad_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    return [tuple(n + (b - a) for n, a, b in zip(x, old_x, old_y, strict=True))]


def reduce_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
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


#: Why a fixed number of classifier features pins the input resolution.
_FIXED_FEATURES = (
    "so the input resolution cannot change unless the network pools globally "
    "(GlobalAveragePooling / MEAN) before its classifier"
)


def _flatten_hint(ctx: ShapeContext, op: Operator) -> str:
    return (
        f"operator {op.index} ({op.opcode}) flattens a {ctx.old_shape(op.inputs[0])} feature "
        f"map into {ctx.old_shape(op.outputs[0])}; at the new input size the map is "
        f"{ctx.shape(op.inputs[0])}, and the fully-connected weights after it fix the number "
        f"of features, {_FIXED_FEATURES}"
    )


def reshape_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
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
        readers = [
            c for c in consumers(ctx.sg).get(op.outputs[0], []) if c.opcode == "FULLY_CONNECTED"
        ]
        if readers and not ctx.adapt_weights:
            raise ShapeError(_flatten_hint(ctx, op))
    return [new]


def squeeze_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    x = ctx.shape(op.inputs[0])
    dims = cast("tuple[int, ...]", op.options.get("squeeze_dims") or ())
    axes = {int(d) % len(x) for d in dims} if dims else {i for i, d in enumerate(x) if d == 1}
    for a in axes:
        if x[a] != 1:
            raise ShapeError(
                f"operator {op.index} (SQUEEZE): axis {a} of {x} is no longer 1 at the new size"
            )
    return [tuple(d for i, d in enumerate(x) if i not in axes)]


def expand_dims_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    old_x, old_y = ctx.old_shape(op.inputs[0]), ctx.old_shape(op.outputs[0])
    x = ctx.shape(op.inputs[0])
    for axis in range(len(old_y)):
        if old_y[axis] == 1 and old_y[:axis] + old_y[axis + 1 :] == old_x:
            return [(*x[:axis], 1, *x[axis:])]
    raise ShapeError(f"operator {op.index} (EXPAND_DIMS): cannot tell the inserted axis")


def fully_connected_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
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


def _fc_rows(ctx: ShapeContext, op: Operator) -> int:
    old_x = ctx.old_shape(op.inputs[0])
    old_w = ctx.old_shape(op.inputs[1])
    return max(math.prod(old_x) // max(old_w[-1], 1), 1)


def _fc_message(ctx: ShapeContext, op: Operator, got: int, want: int) -> str:
    return (
        f"operator {op.index} (FULLY_CONNECTED) takes {want} input features but would get "
        f"{got} at the new input size: its weights fix the size of its input, {_FIXED_FEATURES}"
    )


def strided_slice_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
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


def resize_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    old_x, old_y = dims4(ctx.old_shape(op.inputs[0])), dims4(ctx.old_shape(op.outputs[0]))
    x = dims4(ctx.shape(op.inputs[0]))
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


def transpose_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
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


def space_depth_rule(ctx: ShapeContext, op: Operator) -> list[Shape]:
    x = dims4(ctx.shape(op.inputs[0]))
    b = opt_int(op, "block_size", 1)
    if op.opcode == "SPACE_TO_DEPTH":
        if x[1] % b or x[2] % b:
            raise ShapeError(f"operator {op.index} (SPACE_TO_DEPTH): {x} not divisible by {b}")
        return [(x[0], x[1] // b, x[2] // b, x[3] * b * b)]
    return [(x[0], x[1] * b, x[2] * b, x[3] // (b * b))]
