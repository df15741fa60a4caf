"""The tensor types TFLM's kernels accept: what their ``Prepare`` checks of types, as tables.

A model whose types a kernel refuses never allocates: ``AllocateTensors`` fails in that
kernel's ``Prepare`` at every arena size. Three kinds of check, each read from the kernel's
source (tflite-micro's ``tensorflow/lite/micro/kernels``) and each tried, wrong and right, on
the runtime the project pins (``tests/test_type_refusals.py``):

- :class:`Same`: tensors that must share one type (``TF_LITE_ENSURE_TYPES_EQ``), e.g. the
  input and output of CONV_2D (``conv_common.cc``), RESHAPE (``reshape_common.cc``) or PAD
  (``pad_common.cc``), every input of CONCATENATION (``concatenation.cc``);
- :class:`OneOf`: a tensor of one of a few types, e.g. DEQUANTIZE reading int8, int16 or
  uint8 into float32 (``dequantize_common.cc``), GATHER's int32 positions (``gather.cc``),
  the reductions' int32 axis (``reduce_common.cc``), IF's bool condition (``if.cc``);
- :class:`Pairs`: the pairs of types two tensors may have, e.g. a convolution's input and
  filter (TFLM has no hybrid kernels: a float input with int8 weights is refused), SOFTMAX's
  input and output (``softmax_common.cc``).

Only checks made in ``Prepare`` (or ``Init``) are modelled: a type only ``Eval`` rejects
still allocates, so the arena figure stands. ADD, SUB, MUL and the other broadcasting
binary operators are checked by :mod:`.kernel_io` (``_binary_problem``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from planner.model.graph import Operator, Subgraph, Tensor
from planner.validate.tensors import TFLM_SIZED_TYPES

#: Every input of the operator (CONCATENATION, ADD_N): :attr:`At.position` for "each of them".
EVERY = -1


class At(NamedTuple):
    """One tensor of an operator: input or output ``position`` (:data:`EVERY` input), and
    what the kernel calls it."""

    output: bool
    position: int
    role: str


def _in(index: int, role: str = "input") -> At:
    return At(False, index, role)


INPUT, OUTPUT = _in(0), At(True, 0, "output")


class Same(NamedTuple):
    """``first`` and ``other`` must have one type."""

    first: At
    other: At
    source: str


class OneOf(NamedTuple):
    """The tensor ``at`` must have one of ``types``."""

    at: At
    types: tuple[str, ...]
    source: str


class Pairs(NamedTuple):
    """``second``'s type must be one ``allowed`` lists for ``first``'s; ``same``: equal
    types always pass; ``open``: a ``first`` type the table does not list passes too."""

    first: At
    second: At
    allowed: Mapping[str, tuple[str, ...]]
    source: str
    same: bool = False
    open: bool = False
    why: str = ""


Rule = Same | OneOf | Pairs

F32, I8, I16, I32, I64 = "FLOAT32", "INT8", "INT16", "INT32", "INT64"
U8, I4, BOOL = "UINT8", "INT4", "BOOL"
HYBRID = "TFLM has no hybrid kernels"
#: Roles said without an article.
PLURAL = frozenset({"positions", "indices", "start indices", "feature weights", "time weights"})


def _same_io(source: str) -> tuple[Rule, ...]:
    return (Same(INPUT, OUTPUT, source),)


def _float_only(source: str) -> tuple[Rule, ...]:
    return (OneOf(INPUT, (F32,), source), Same(INPUT, OUTPUT, source))


#: The type checks of each builtin operator's Prepare, in the order the kernel makes them.
RULES: Mapping[str, tuple[Rule, ...]] = {
    # conv_common.cc: input and output alike, then the (input, filter) pairs with a kernel.
    "CONV_2D": (
        Same(INPUT, OUTPUT, "conv_common.cc"),
        Pairs(
            INPUT,
            _in(1, "filter"),
            {F32: (F32,), I16: (I8,), I8: (I8, I4)},
            "conv_common.cc",
            why=HYBRID,
        ),
    ),
    # depthwise_conv_common.cc: input and filter alike, or int8/int4 or int16/int8 filters.
    "DEPTHWISE_CONV_2D": (
        Pairs(
            INPUT,
            _in(1, "filter"),
            {I8: (I8, I4), I16: (I8,)},
            "depthwise_conv_common.cc",
            same=True,
            why=HYBRID,
        ),
    ),
    # transpose_conv.cc: input (its third tensor) and filter alike, or int16 with int8.
    "TRANSPOSE_CONV": (
        Pairs(_in(2), _in(1, "filter"), {I16: (I8,)}, "transpose_conv.cc", same=True, why=HYBRID),
    ),
    # fully_connected.cc: input and output alike; float, int8 and int16 inputs each take
    # their own filter types (other inputs are left to Eval).
    "FULLY_CONNECTED": (
        Same(INPUT, OUTPUT, "fully_connected.cc"),
        Pairs(
            INPUT,
            _in(1, "filter"),
            {F32: (F32,), I8: (I8, I4), I16: (I8,)},
            "fully_connected.cc",
            open=True,
            why=HYBRID,
        ),
    ),
    "DEQUANTIZE": (
        OneOf(INPUT, (I8, I16, U8), "dequantize_common.cc"),
        OneOf(OUTPUT, (F32,), "dequantize_common.cc"),
    ),
    "QUANTIZE": (
        OneOf(INPUT, (F32, I32, I16, I8, U8), "quantize_common.cc"),
        OneOf(OUTPUT, (I8, I16, I32, U8), "quantize_common.cc"),
    ),
    "RESHAPE": _same_io("reshape_common.cc"),
    # pad_common.cc: PAD and PADV2 share Prepare; a third input is the padding value.
    "PAD": (
        Same(INPUT, OUTPUT, "pad_common.cc"),
        Same(INPUT, _in(2, "pad value"), "pad_common.cc"),
    ),
    "PADV2": (
        Same(INPUT, OUTPUT, "pad_common.cc"),
        Same(INPUT, _in(2, "pad value"), "pad_common.cc"),
    ),
    "TRANSPOSE": _same_io("transpose_common.cc"),
    "CONCATENATION": (
        OneOf(INPUT, (F32, I8, I16, I32, I64, BOOL), "concatenation.cc"),
        Same(INPUT, OUTPUT, "concatenation.cc"),
        Same(INPUT, _in(EVERY), "concatenation.cc"),
    ),
    # softmax_common.cc: float, int8 and int16 to themselves, and int8 to int16.
    "SOFTMAX": (
        Pairs(INPUT, OUTPUT, {F32: (F32,), I8: (I8, I16), I16: (I16,)}, "softmax_common.cc"),
    ),
    # pooling_common.cc: PoolingPrepare has float, int8 and int16 paths only.
    "AVERAGE_POOL_2D": (OneOf(INPUT, (F32, I8, I16), "pooling_common.cc"),),
    "MAX_POOL_2D": (OneOf(INPUT, (F32, I8, I16), "pooling_common.cc"),),
    "L2_POOL_2D": _float_only("l2_pool_2d.cc"),
    "GATHER": (
        OneOf(_in(1, "positions"), (I32,), "gather.cc"),
        OneOf(INPUT, (F32, I8), "gather.cc"),
    ),
    "GATHER_ND": (
        OneOf(INPUT, (F32, I8), "gather_nd.cc"),
        OneOf(_in(1, "indices"), (I32,), "gather_nd.cc"),
    ),
    "LEAKY_RELU": _same_io("leaky_relu_common.cc"),
    "LOGISTIC": _same_io("logistic_common.cc"),
    "TANH": _same_io("tanh.cc"),
    "ELU": _same_io("elu.cc"),
    "LOG_SOFTMAX": _same_io("log_softmax.cc"),
    "L2_NORMALIZATION": (
        OneOf(OUTPUT, (F32, I8), "l2norm.cc"),
        Same(INPUT, OUTPUT, "l2norm.cc"),
    ),
    "DEPTH_TO_SPACE": (
        OneOf(OUTPUT, (F32, I8), "depth_to_space.cc"),
        Same(INPUT, OUTPUT, "depth_to_space.cc"),
    ),
    "SPACE_TO_DEPTH": (
        OneOf(OUTPUT, (F32, I8), "space_to_depth.cc"),
        Same(INPUT, OUTPUT, "space_to_depth.cc"),
    ),
    "BATCH_TO_SPACE_ND": _same_io("batch_to_space_nd.cc"),
    "SPACE_TO_BATCH_ND": _same_io("space_to_batch_nd.cc"),
    # reduce_common.cc: PrepareSimple, which every reduction's Prepare calls.
    "MEAN": (OneOf(_in(1, "axis"), (I32,), "reduce_common.cc"),),
    "SUM": (OneOf(_in(1, "axis"), (I32,), "reduce_common.cc"),),
    "REDUCE_MAX": (OneOf(_in(1, "axis"), (I32,), "reduce_common.cc"),),
    "REDUCE_MIN": (OneOf(_in(1, "axis"), (I32,), "reduce_common.cc"),),
    "IF": (OneOf(_in(0, "condition"), (BOOL,), "if.cc"),),
    # elementwise.cc: input and output alike. Its lists of types (float32 for SIN, COS, LOG,
    # SQRT and SQUARE, bool for LOGICAL_NOT, their own for ABS and RSQRT) never refuse: the
    # Prepare templates leave their predicate parameter unnamed and "call" its function
    # pointer type instead, a cast of the tensor type to a pointer that is never null; the
    # runtime allocates an int8 SIN or an int32 ABS.
    "SIN": _same_io("elementwise.cc"),
    "COS": _same_io("elementwise.cc"),
    "LOG": _same_io("elementwise.cc"),
    "SQRT": _same_io("elementwise.cc"),
    "SQUARE": _same_io("elementwise.cc"),
    "LOGICAL_NOT": _same_io("elementwise.cc"),
    "ABS": _same_io("elementwise.cc"),
    "RSQRT": _same_io("elementwise.cc"),
    "EXP": _float_only("exp.cc"),
    "CEIL": _float_only("ceil.cc"),
    "ROUND": _float_only("round.cc"),
    "FLOOR_DIV": (
        Same(INPUT, _in(1), "floor_div.cc"),
        Same(INPUT, OUTPUT, "floor_div.cc"),
    ),
    "FLOOR_MOD": (
        Same(INPUT, _in(1), "floor_mod.cc"),
        Same(INPUT, OUTPUT, "floor_mod.cc"),
    ),
    "SELECT_V2": (
        OneOf(_in(0, "condition"), (BOOL,), "select.cc"),
        Same(_in(1), _in(2), "select.cc"),
    ),
    "CUMSUM": (
        OneOf(INPUT, (F32, I8), "cumsum.cc"),
        OneOf(_in(1, "axis"), (I32,), "cumsum.cc"),
        Same(INPUT, OUTPUT, "cumsum.cc"),
    ),
    "EMBEDDING_LOOKUP": (
        OneOf(_in(0, "lookup"), (I32,), "embedding_lookup.cc"),
        OneOf(_in(1, "value"), (F32, I8), "embedding_lookup.cc"),
        Pairs(_in(1, "value"), OUTPUT, {F32: (F32,), I8: (F32, I8)}, "embedding_lookup.cc"),
    ),
    "RESIZE_BILINEAR": (OneOf(_in(1, "size"), (I32,), "resize_bilinear.cc"),),
    "RESIZE_NEAREST_NEIGHBOR": (OneOf(_in(1, "size"), (I32,), "resize_nearest_neighbor.cc"),),
    "BROADCAST_TO": (
        OneOf(_in(1, "shape"), (I32, I64), "broadcast_to.cc"),
        Same(INPUT, OUTPUT, "broadcast_to.cc"),
    ),
    "FILL": (Same(_in(1, "value"), OUTPUT, "fill.cc"),),
    "ADD_N": (Same(INPUT, OUTPUT, "add_n.cc"), Same(INPUT, _in(EVERY), "add_n.cc")),
    # svdf_common.cc: float32 or int8 input; the int8 path takes int8 feature weights, int16
    # or int8 time weights and state, an int32 bias and writes int8; the float one all float.
    "SVDF": (
        OneOf(INPUT, (F32, I8), "svdf_common.cc"),
        Pairs(INPUT, _in(1, "feature weights"), {I8: (I8,), F32: (F32,)}, "svdf_common.cc"),
        Pairs(INPUT, _in(2, "time weights"), {I8: (I16, I8), F32: (F32,)}, "svdf_common.cc"),
        Pairs(INPUT, _in(3, "bias"), {I8: (I32,), F32: (F32,)}, "svdf_common.cc"),
        Pairs(INPUT, _in(4, "state"), {I8: (I16, I8), F32: (F32,)}, "svdf_common.cc"),
        Pairs(INPUT, OUTPUT, {I8: (I8,), F32: (F32,)}, "svdf_common.cc"),
    ),
    # prelu_common.cc: an int16 output needs int8 alpha.
    "PRELU": (Pairs(OUTPUT, _in(1, "alpha"), {I16: (I8,)}, "prelu_common.cc", open=True),),
    "DYNAMIC_UPDATE_SLICE": (
        Same(INPUT, _in(1, "update"), "dynamic_update_slice.cc"),
        OneOf(_in(2, "start indices"), (I32, I64), "dynamic_update_slice.cc"),
    ),
    "REVERSE_V2": (
        OneOf(INPUT, (I32, F32, U8, I8, I16, I64, BOOL), "reverse.cc"),
        OneOf(_in(1, "axis"), (I32,), "reverse.cc"),
        Same(INPUT, OUTPUT, "reverse.cc"),
    ),
    "BATCH_MATMUL": (
        OneOf(INPUT, (F32, I8, I16), "batch_matmul.cc"),
        OneOf(_in(1), (F32, I8, I16), "batch_matmul.cc"),
        Same(INPUT, _in(1), "batch_matmul.cc"),
        Same(INPUT, OUTPUT, "batch_matmul.cc"),
    ),
}


def _a(dtype: str, role: str = "") -> str:
    """``dtype`` (and ``role``) with an article: "an INT8 axis", "a FLOAT32", but "INT8
    indices"."""
    said = f"{dtype} {role}".rstrip()
    return said if role in PLURAL else f"{'an' if dtype[:1] in 'AEIO' else 'a'} {said}"


def _either(types: tuple[str, ...]) -> str:
    return types[0] if len(types) == 1 else f"{', '.join(types[:-1])} or {types[-1]}"


def _tensors(op: Operator, sg: Subgraph, at: At) -> Iterator[tuple[int, Tensor]]:
    """(position, tensor) for each present tensor ``at`` names (none when it is absent). A
    tensor of a type TFLM cannot size is left to the per-tensor check (:mod:`.tensors`),
    which names it."""
    listed = op.outputs if at.output else op.inputs
    positions = range(len(listed)) if at.position == EVERY else (at.position,)
    for k in positions:
        if k < len(listed) and 0 <= listed[k] < len(sg.tensors):
            tensor = sg.tensors[listed[k]]
            if tensor.dtype in TFLM_SIZED_TYPES:
                yield k, tensor


def _name(at: At, k: int) -> str:
    return f"{at.role} {k}" if at.position == EVERY else at.role


def _same_problem(op: Operator, sg: Subgraph, rule: Same) -> str | None:
    for _, a in _tensors(op, sg, rule.first):
        for k, b in _tensors(op, sg, rule.other):
            if a.dtype == b.dtype:
                continue
            first = f"{rule.first.role} 0" if rule.other.position == EVERY else rule.first.role
            other = _name(rule.other, k)
            if not rule.first.output and rule.other.output:
                said = f"writes {_a(b.dtype, other)} from {_a(a.dtype, first)}"
            else:
                said = f"has {_a(a.dtype, first)} and {_a(b.dtype, other)}"
            return f"{said}; its kernel requires them equal ({rule.source})"
    return None


def _one_of_problem(op: Operator, sg: Subgraph, rule: OneOf) -> str | None:
    for k, t in _tensors(op, sg, rule.at):
        if t.dtype not in rule.types:
            verb, takes = ("writes", "writes") if rule.at.output else ("has", "takes")
            return (
                f"{verb} {_a(t.dtype, _name(rule.at, k))}; its kernel {takes} only "
                f"{_either(rule.types)} ({rule.source})"
            )
    return None


def _pairs_problem(op: Operator, sg: Subgraph, rule: Pairs) -> str | None:
    for _, a in _tensors(op, sg, rule.first):
        for _, b in _tensors(op, sg, rule.second):
            if rule.same and a.dtype == b.dtype:
                continue
            if a.dtype not in rule.allowed:
                if rule.open:
                    continue
            elif b.dtype in rule.allowed[a.dtype]:
                continue
            pairs = [f"{x}/{y}" for x, ys in rule.allowed.items() for y in ys]
            if rule.same:
                pairs.insert(0, "equal types")
            why = f"{rule.why}: " if rule.why else ""
            return (
                f"has {_a(a.dtype, rule.first.role)} and {_a(b.dtype, rule.second.role)}; "
                f"{why}its kernel takes {rule.first.role}/{rule.second.role} "
                f"{_either(tuple(pairs))} ({rule.source})"
            )
    return None


def type_problem(op: Operator, sg: Subgraph) -> str | None:
    """The first type check of the operator's Prepare its tensors fail, or None."""
    for rule in RULES.get(op.opcode, ()):
        if isinstance(rule, Same):
            problem = _same_problem(op, sg, rule)
        elif isinstance(rule, OneOf):
            problem = _one_of_problem(op, sg, rule)
        else:
            problem = _pairs_problem(op, sg, rule)
        if problem is not None:
            return problem
    return None


__all__ = ["EVERY", "RULES", "At", "OneOf", "Pairs", "Rule", "Same", "type_problem"]
