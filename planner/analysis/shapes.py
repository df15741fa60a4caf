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

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from planner.analysis.shape_rules import (
    Shape,
    ShapeContext,
    ShapeError,
    consumers,
    conv_output_size,
    dims4,
    is_global_pool,
    make_divisible,
    same_as_first_rule,
)
from planner.model.graph import Graph, Operator, Quantization, Subgraph, Tensor, tensor_bytes
from planner.runtimes.tflm.kernels import shape_rule

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
            w = dims4(graph.main.tensors[op.inputs[1]].shape)
            if w[1] == 1 and w[2] == 1:
                pw += 1
    if dw >= 2 and pw >= 2:
        return True, f"{dw} depthwise and {pw} pointwise (1x1) convolutions"
    return False, (
        f"{dw} depthwise and {pw} pointwise convolutions: not a MobileNet-style "
        "depthwise-separable network, so no width multiplier is implied"
    )


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
    ctx = ShapeContext(sg=sg, old=old, new=dict(old), adapt_weights=channel_rule is not None)
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
        rule = shape_rule(op.opcode)
        if rule is None:
            raise ShapeError(
                f"operator {op.index} ({op.opcode}): the planner cannot re-derive its output "
                "shape at another input size"
            )
        if channel_rule is not None:
            _adapt_weights(ctx, op, channel_rule)
        if pool_notes is not None and is_global_pool(sg, op):
            x_old = dims4(old[op.inputs[0]])
            x_new = dims4(ctx.new[op.inputs[0]])
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


def _new_options(ctx: ShapeContext, op: Operator) -> Mapping[str, object] | None:
    """Options that must change with the shapes: a global pool's window."""
    if not is_global_pool(ctx.sg, op):
        return None
    x = dims4(ctx.new[op.inputs[0]])
    opts = dict(op.options)
    opts.update(filter_height=x[1], filter_width=x[2], stride_h=x[1], stride_w=x[2])
    return MappingProxyType(opts)


def _adapt_weights(ctx: ShapeContext, op: Operator, rule: ChannelRule) -> None:
    """Width scaling: give conv/depthwise weights and biases the channels the rule picks."""
    if op.opcode == "CONV_2D":
        x = dims4(ctx.new[op.inputs[0]])
        co, kh, kw, ci = dims4(ctx.old[op.inputs[1]])
        old_in = dims4(ctx.old[op.inputs[0]])[3]
        groups = max(old_in // ci, 1)
        new_co = rule(op, co, old_in, x[3])
        ctx.new[op.inputs[1]] = (new_co, kh, kw, x[3] // groups)
        _set_bias(ctx, op, 2, new_co)
    elif op.opcode == "DEPTHWISE_CONV_2D":
        x = dims4(ctx.new[op.inputs[0]])
        _, kh, kw, co = dims4(ctx.old[op.inputs[1]])
        old_in = dims4(ctx.old[op.inputs[0]])[3]
        mult = max(co // max(old_in, 1), 1)
        ctx.new[op.inputs[1]] = (1, kh, kw, x[3] * mult)
        _set_bias(ctx, op, 2, x[3] * mult)


def _set_bias(ctx: ShapeContext, op: Operator, slot: int, channels: int) -> None:
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
    readers = consumers(sg)
    kept: dict[int, str] = {}
    expansions: dict[int, int] = {}
    pooled = False
    last_conv_before_pool: Operator | None = None
    for op in sg.operators:
        if is_global_pool(sg, op) or _is_spatial_reduce(sg, op):
            pooled = True
            continue
        if op.opcode != "CONV_2D":
            continue
        if pooled:
            kept[op.index] = "acts on globally pooled features (a classifier): keeps its outputs"
            continue
        last_conv_before_pool = op
        co, kh, kw, ci = dims4(sg.tensors[op.inputs[1]].shape)
        ratio = co // ci if ci and co % ci == 0 else 0
        nxt = _next_compute(sg, readers, op.outputs[0])
        if kh == kw == 1 and ratio >= 2 and nxt is not None and nxt.opcode == "DEPTHWISE_CONV_2D":
            expansions[op.index] = ratio
    if pooled and last_conv_before_pool is not None:
        co, kh, kw, ci = dims4(sg.tensors[last_conv_before_pool.inputs[1]].shape)
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
        if shape_rule(op.opcode) is same_as_first_rule and op.opcode != "SOFTMAX":
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
