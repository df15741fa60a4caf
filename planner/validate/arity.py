"""How many inputs and outputs each TFLM kernel takes: :func:`arity_problem`.

The table is read from TFLM's kernels (``tensorflow/lite/micro/kernels``, the version
``tflite-micro`` is pinned to). Most kernels check the counts in ``Prepare``
(``TF_LITE_ENSURE_EQ(context, NumInputs(node), 2)``, ``NumOutputs(node) == 1``, 2 or 3 for
an optional bias), so TFLM refuses a model breaking them when it allocates. Others check
nothing: they ignore inputs and outputs past the ones they use (an ADD with 3 inputs
allocates and runs), so only too few is a problem. Too few is refused in ``Prepare`` when
it asks for the tensor (``AllocateTempInputTensor`` gives null past the node's list, and
the kernel ensures it is not null); where only ``Eval`` reads it (``GetEvalInput`` then
dereferences the null it gets; ``GetEvalOutput`` reads past the node's output list
unchecked) TFLM allocates a model that is broken when it runs, and it is refused as such.

Validation does not know the target, so where a kernel library's own kernel checks less
than the reference one (CMSIS-NN's CONV_2D and BATCH_MATMUL check no count), the table
holds the looser counts: TFLM built with that library accepts them.

An optional input given as -1 counts: NumInputs is the length of the operator's list.
Variadic operators: CONCATENATION and ADD_N read every input (a -1 among them fails
``Prepare``), SPLIT and SPLIT_V write every output; PACK reads ``values_count`` inputs and
UNPACK writes ``num`` outputs in ``Eval`` whatever the operator's lists hold. IF, WHILE and
CALL_ONCE are matched with the subgraphs they call elsewhere (:mod:`.operators`); custom
operators are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from planner.model.graph import Operator, Subgraph


class Count(NamedTuple):
    """The counts a kernel accepts: ``least`` to ``most`` (None: any number; the kernel
    ignores the rest). ``checked``: ``Prepare`` refuses fewer than ``least`` (else the
    kernel reads or writes the missing one unchecked when it runs)."""

    least: int
    most: int | None
    checked: bool = True


class Arity(NamedTuple):
    inputs: Count
    outputs: Count
    source: str
    note: str = ""


ANY = Count(0, None)
#: ``kMaxInputNum`` of concatenation.cc.
CONCATENATION_MAX_INPUTS = 10


def _exact(n: int) -> Count:
    return Count(n, n)


def _at_least(n: int, checked: bool = True) -> Count:
    return Count(n, None, checked)


def _fixed(n_in: int, n_out: int, source: str) -> Arity:
    return Arity(_exact(n_in), _exact(n_out), source)


def _reads(n_in: int, source: str, checked: bool = True) -> Arity:
    """A kernel that checks no count: it needs its first ``n_in`` inputs and output 0."""
    return Arity(_at_least(n_in, checked), _at_least(1, checked), source)


_UNARY = {
    op: _fixed(1, 1, "elementwise.cc")
    for op in ("ABS", "COS", "LOG", "LOGICAL_NOT", "RSQRT", "SIN", "SQRT", "SQUARE")
}
_COMPARISONS = {
    op: Arity(_at_least(2), _at_least(1, checked=False), "comparisons.cc")
    for op in ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")
}
_REDUCE = {
    op: _fixed(2, 1, "reduce_common.cc")
    for op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL")
}

#: Builtin operator -> the counts TFLM's kernel accepts, and the file saying so.
ARITY: Mapping[str, Arity] = {
    **_UNARY,
    **_COMPARISONS,
    **_REDUCE,
    "ADD": _reads(2, "add_common.cc"),
    "ADD_N": Arity(_at_least(2), _exact(1), "add_n.cc"),
    "ARG_MAX": _reads(2, "arg_min_max.cc", checked=False),
    "ARG_MIN": _reads(2, "arg_min_max.cc", checked=False),
    "ASSIGN_VARIABLE": _fixed(2, 0, "assign_variable.cc"),
    "AVERAGE_POOL_2D": _reads(1, "pooling_common.cc"),
    # batch_matmul.cc checks 2 inputs and 1 output; cmsis_nn/batch_matmul.cc checks neither.
    "BATCH_MATMUL": _reads(2, "batch_matmul.cc"),
    "BATCH_TO_SPACE_ND": _fixed(3, 1, "batch_to_space_nd.cc"),
    "BROADCAST_ARGS": _fixed(2, 1, "broadcast_args.cc"),
    "BROADCAST_TO": _fixed(2, 1, "broadcast_to.cc"),
    "CALL_ONCE": _fixed(0, 0, "call_once.cc"),
    "CAST": _fixed(1, 1, "cast.cc"),
    "CEIL": _fixed(1, 1, "ceil.cc"),
    "CONCATENATION": Arity(
        Count(1, CONCATENATION_MAX_INPUTS), _at_least(1), "concatenation.cc", "kMaxInputNum"
    ),
    # conv_common.cc takes 2 or 3 inputs and 1 output; cmsis_nn/conv.cc checks no count.
    "CONV_2D": _reads(2, "conv_common.cc"),
    "CUMSUM": _fixed(2, 1, "cumsum.cc"),
    "DEPTH_TO_SPACE": _fixed(1, 1, "depth_to_space.cc"),
    "DEPTHWISE_CONV_2D": Arity(Count(2, 3), _exact(1), "depthwise_conv_common.cc"),
    "DEQUANTIZE": _fixed(1, 1, "dequantize_common.cc"),
    "DIV": _reads(2, "div.cc"),
    "DYNAMIC_UPDATE_SLICE": _fixed(3, 1, "dynamic_update_slice.cc"),
    "ELU": _fixed(1, 1, "elu.cc"),
    "EMBEDDING_LOOKUP": _fixed(2, 1, "embedding_lookup.cc"),
    "EXP": _fixed(1, 1, "exp.cc"),
    "EXPAND_DIMS": _fixed(2, 1, "expand_dims.cc"),
    "FILL": _reads(2, "fill.cc"),
    "FLOOR": _reads(1, "floor.cc", checked=False),
    "FLOOR_DIV": _fixed(2, 1, "floor_div.cc"),
    "FLOOR_MOD": _fixed(2, 1, "floor_mod.cc"),
    "FULLY_CONNECTED": _reads(2, "fully_connected.cc"),
    "GATHER": _fixed(2, 1, "gather.cc"),
    "GATHER_ND": _fixed(2, 1, "gather_nd.cc"),
    "HARD_SWISH": _fixed(1, 1, "hard_swish_common.cc"),
    "IF": Arity(_at_least(1), ANY, "if.cc"),
    "L2_NORMALIZATION": _fixed(1, 1, "l2norm.cc"),
    "L2_POOL_2D": _fixed(1, 1, "l2_pool_2d.cc"),
    "LEAKY_RELU": _fixed(1, 1, "leaky_relu_common.cc"),
    "LOGICAL_AND": _reads(2, "logical_common.cc", checked=False),
    "LOGICAL_OR": _reads(2, "logical_common.cc", checked=False),
    "LOGISTIC": _reads(1, "logistic_common.cc"),
    "LOG_SOFTMAX": _fixed(1, 1, "log_softmax.cc"),
    "MAXIMUM": _reads(2, "maximum_minimum.cc", checked=False),
    "MAX_POOL_2D": _reads(1, "pooling_common.cc"),
    "MINIMUM": _reads(2, "maximum_minimum.cc", checked=False),
    "MIRROR_PAD": _reads(2, "mirror_pad.cc", checked=False),
    "MUL": _fixed(2, 1, "mul_common.cc"),
    "NEG": _reads(1, "neg.cc", checked=False),
    "PACK": _reads(1, "pack.cc", checked=False),
    "PAD": Arity(Count(2, 3), _exact(1), "pad_common.cc"),
    "PADV2": Arity(Count(2, 3), _exact(1), "pad_common.cc"),
    "PRELU": _reads(2, "prelu_common.cc"),
    "QUANTIZE": _fixed(1, 1, "quantize_common.cc"),
    "READ_VARIABLE": _reads(1, "read_variable.cc", checked=False),
    "RELU": _reads(1, "activations_common.cc"),
    "RELU6": Arity(_at_least(1), _at_least(1, checked=False), "activations_common.cc"),
    "RESHAPE": Arity(Count(1, 2), _exact(1), "reshape_common.cc"),
    "RESIZE_BILINEAR": _fixed(2, 1, "resize_bilinear.cc"),
    "RESIZE_NEAREST_NEIGHBOR": _fixed(2, 1, "resize_nearest_neighbor.cc"),
    "REVERSE_V2": _fixed(2, 1, "reverse.cc"),
    "ROUND": _fixed(1, 1, "round.cc"),
    "SELECT_V2": _fixed(3, 1, "select.cc"),
    "SHAPE": _fixed(1, 1, "shape.cc"),
    "SLICE": _fixed(3, 1, "slice.cc"),
    "SOFTMAX": _fixed(1, 1, "softmax_common.cc"),
    "SPACE_TO_BATCH_ND": _fixed(3, 1, "space_to_batch_nd.cc"),
    "SPACE_TO_DEPTH": _fixed(1, 1, "space_to_depth.cc"),
    "SPLIT": _reads(2, "split.cc", checked=False),
    "SPLIT_V": Arity(_exact(3), _at_least(1, checked=False), "split_v.cc"),
    "SQUARED_DIFFERENCE": _fixed(2, 1, "squared_difference.cc"),
    "SQUEEZE": _fixed(1, 1, "squeeze.cc"),
    "STRIDED_SLICE": _fixed(4, 1, "strided_slice_common.cc"),
    "SUB": _reads(2, "sub_common.cc"),
    "SVDF": _fixed(5, 1, "svdf_common.cc"),
    "TANH": _fixed(1, 1, "tanh.cc"),
    "TRANSPOSE": _fixed(2, 1, "transpose_common.cc"),
    "TRANSPOSE_CONV": Arity(Count(3, 4), _exact(1), "transpose_conv.cc"),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _fixed(24, 1, "unidirectional_sequence_lstm.cc"),
    "UNPACK": _reads(1, "unpack.cc", checked=False),
    "VAR_HANDLE": Arity(ANY, _at_least(1, checked=False), "var_handle.cc"),
    "WHILE": Arity(ANY, ANY, "while.cc"),
    "ZEROS_LIKE": _fixed(1, 1, "zeros_like.cc"),
}
#: Kernels that read every input: a -1 among them fails Prepare (or is read in Eval).
EVERY_INPUT = frozenset({"CONCATENATION", "ADD_N"})


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _takes(c: Count) -> str:
    if c.most is None:
        return f"at least {c.least}"
    if c.most == c.least:
        return str(c.least)
    if c.most == c.least + 1:
        return f"{c.least} or {c.most}"
    return f"{c.least} to {c.most}"


def _unchecked(noun: str, k: int) -> str:
    """What a kernel does with its missing input or output ``k``."""
    if noun == "input":
        return (
            f"reads input {k} without checking that it exists: it dereferences the null "
            "pointer TFLM gives for it"
        )
    return f"writes output {k} without checking that it exists: past the end of the node's list"


def _count_problem(op: Operator, a: Arity, noun: str, n: int, c: Count) -> str | None:
    where = f"{a.note}, {a.source}" if a.note else a.source
    has = f"has {_plural(n, noun)}"
    if n < c.least and not c.checked:
        return f"{has}; TFLM's {op.opcode} kernel {_unchecked(noun, n)} ({where})"
    if n < c.least or (c.most is not None and n > c.most):
        return f"{has}; TFLM's {op.opcode} kernel takes {_takes(c)} ({where})"
    return None


def _option_count(op: Operator, a: Arity) -> str | None:
    """PACK reads ``values_count`` inputs and UNPACK writes ``num`` outputs, unchecked."""
    key, noun, n = (
        ("values_count", "input", len(op.inputs))
        if op.opcode == "PACK"
        else ("num", "output", len(op.outputs))
    )
    want = op.options.get(key)
    if isinstance(want, int) and want > n:
        return (
            f"has {_plural(n, noun)} but {key} = {want:,}; TFLM's {op.opcode} kernel "
            f"{_unchecked(noun, n)} ({a.source})"
        )
    return None


def arity_problem(op: Operator, sg: Subgraph) -> str | None:
    """Why TFLM refuses ``op``'s number of inputs or outputs (or would read past them), or
    None; a builtin operator TFLM has no kernel for, or a custom one, has none."""
    a = ARITY.get(op.opcode)
    if a is None or op.is_custom:
        return None
    problem = _count_problem(op, a, "input", len(op.inputs), a.inputs) or _count_problem(
        op, a, "output", len(op.outputs), a.outputs
    )
    if problem is None and op.opcode in ("PACK", "UNPACK"):
        problem = _option_count(op, a)
    if problem is None and op.opcode in EVERY_INPUT:
        for i, t in enumerate(op.inputs):
            if t < 0:
                return (
                    f"has no tensor (-1) for input {i}; TFLM's {op.opcode} kernel reads every "
                    f"input ({a.source})"
                )
    return problem


__all__ = ["ARITY", "CONCATENATION_MAX_INPUTS", "Arity", "Count", "arity_problem"]
