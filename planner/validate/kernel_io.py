"""Per-operator checks of the tensors a kernel reads and writes: what TFLM's kernels assume
of them without checking, so that a model breaking it allocates and then writes out of
bounds, aborts or computes garbage when it runs.

- ranks: kernels describe tensors with ``RuntimeShape``, whose dimensions live in a fixed
  array of ``kMaxSmallSize`` = 6 (``runtime_shape.h``); a larger rank overruns it;
- quantized math: the int8/int16 paths of these kernels read each activation's scale and
  zero point (``CalculateActivationRangeQuantized``, ``QuantizeMultiplier``); an int8
  activation without quantization parameters fails ``Prepare``;
- binary elementwise operators: inputs of one type, broadcastable, and an output of the
  broadcast shape (``reference_ops::BroadcastAdd`` and friends write that many elements);
- convolutions and fully-connected layers: an output of the shape the kernel computes
  (``ComputePaddingHeightWidth``; batches x units).
"""

from __future__ import annotations

from planner.analysis.shape_rules import ShapeError, broadcast, spatial_out
from planner.model.graph import Operator, Subgraph, Tensor

#: ``RuntimeShape::kMaxSmallSize``: the most dimensions a kernel can describe.
MAX_SMALL_RANK = 6
#: Operators that move bytes without describing their tensors with RuntimeShape.
SHAPE_FREE = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "IF", "WHILE", "CALL_ONCE"})
#: Kernels whose int8/int16 path reads every activation's scale and zero point.
QUANTIZED_MATH = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "ADD",
        "SUB",
        "MUL",
        "SOFTMAX",
        "LOGISTIC",
        "TANH",
        "MEAN",
        "DEQUANTIZE",
        "SVDF",
    }
)
#: Elementwise operators of two inputs with broadcasting, writing the inputs' type.
BINARY_ELEMENTWISE = frozenset(
    {"ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"}
)


#: Types the arithmetic kernels have a path for (``add.cc``, ``sub.cc``, ``mul.cc``: float32,
#: int8, int16, int32; int64 let through); anything else fails their ``Eval`` or ``Prepare``.
ARITHMETIC_TYPES = frozenset({"FLOAT32", "INT8", "INT16", "INT32", "INT64"})
ARITHMETIC = frozenset({"ADD", "SUB", "MUL"})


def _tensors(op: Operator, sg: Subgraph) -> list[Tensor]:
    return [sg.tensors[t] for t in (*op.inputs, *op.outputs) if t >= 0]


def _rank_problem(op: Operator, sg: Subgraph) -> str | None:
    if op.opcode in SHAPE_FREE:
        return None
    for t in _tensors(op, sg):
        if len(t.shape) > MAX_SMALL_RANK:
            return (
                f"has tensor {t.index} of rank {len(t.shape)}; TFLM's kernels describe at "
                f"most {MAX_SMALL_RANK} dimensions (RuntimeShape::kMaxSmallSize)"
            )
    return None


def _quantization_problem(op: Operator, sg: Subgraph) -> str | None:
    if op.opcode not in QUANTIZED_MATH:
        return None
    for t in _tensors(op, sg):
        if t.dtype in ("INT8", "INT16") and not t.is_constant:
            q = t.quantization
            if q is None or len(q.scales) == 0:
                return (
                    f"reads or writes {t.dtype} tensor {t.index} without quantization "
                    "parameters; its quantized kernel needs a scale and zero point"
                )
    return None


def _binary_problem(op: Operator, sg: Subgraph) -> str | None:
    if op.opcode not in BINARY_ELEMENTWISE or len(op.inputs) < 2 or not op.outputs:
        return None
    if min(op.inputs[0], op.inputs[1], op.outputs[0]) < 0:
        return None  # a missing required tensor is reported by the input/output check
    a, b = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]]
    out = sg.tensors[op.outputs[0]]
    if len({a.dtype, b.dtype, out.dtype}) != 1:
        return f"mixes types {a.dtype}, {b.dtype} -> {out.dtype}; its kernel takes one type"
    if op.opcode in ARITHMETIC and a.dtype not in ARITHMETIC_TYPES:
        return f"has {a.dtype} operands; TFLM's kernel has no {a.dtype} path"
    try:
        shape = broadcast(a.shape, b.shape, op)
    except ShapeError:
        return f"cannot broadcast shapes {list(a.shape)} and {list(b.shape)}"
    if shape != out.shape:
        return (
            f"writes {list(shape)} from {list(a.shape)} and {list(b.shape)}, but its output "
            f"tensor {out.index} is {list(out.shape)}"
        )
    return None


def _conv_shape(op: Operator, sg: Subgraph) -> tuple[tuple[int, ...], Tensor] | None:
    """(the output shape the convolution computes, the declared output), when checkable."""
    if len(op.inputs) < 2 or not op.outputs or min(op.inputs[0], op.inputs[1], op.outputs[0]) < 0:
        return None
    x, w, y = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if len(x.shape) != 4 or len(w.shape) != 4:
        return None
    try:
        height, width = spatial_out(op, x.shape, w.shape[1], w.shape[2])
    except ShapeError:  # a window larger than a VALID input: nothing to compute
        height = width = 0
    channels = w.shape[0] if op.opcode == "CONV_2D" else w.shape[3]
    return (x.shape[0], height, width, channels), y


def _output_shape_problem(op: Operator, sg: Subgraph) -> str | None:
    expected: tuple[int, ...] | None = None
    y: Tensor | None = None
    if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        found = _conv_shape(op, sg)
        if found is not None:
            expected, y = found
    elif (
        op.opcode == "FULLY_CONNECTED"
        and len(op.inputs) >= 2
        and op.outputs
        and min(op.inputs[0], op.inputs[1], op.outputs[0]) >= 0
    ):
        x, w, y = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
        if len(w.shape) == 2 and w.shape[1] > 0 and x.elements % w.shape[1] == 0:
            expected = (x.elements // w.shape[1], w.shape[0])
            if y.elements == expected[0] * expected[1]:
                return None  # keep_num_dims keeps the input's leading dimensions
    if expected is None or y is None or y.shape == expected:
        return None
    return (
        f"computes an output of {list(expected)}, but its output tensor {y.index} is "
        f"{list(y.shape)}"
    )


def kernel_io_problem(op: Operator, sg: Subgraph) -> str | None:
    """The first assumption of the operator's kernel its tensors break, or None."""
    return (
        _rank_problem(op, sg)
        or _quantization_problem(op, sg)
        or _binary_problem(op, sg)
        or _output_shape_problem(op, sg)
    )


__all__ = [
    "BINARY_ELEMENTWISE",
    "MAX_SMALL_RANK",
    "QUANTIZED_MATH",
    "kernel_io_problem",
]
