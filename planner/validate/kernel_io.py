"""Per-operator checks of the tensors a kernel reads and writes: what TFLM's kernels' Prepare
refuses or aborts on, and what they assume of them without checking, so that a model
breaking it allocates and then writes out of bounds, aborts or computes garbage when it runs.

- ranks: kernels describe tensors with ``RuntimeShape``, whose dimensions live in a fixed
  array of ``kMaxSmallSize`` = 6 (``runtime_shape.h``); a larger rank overruns it;
- quantized math: the int8/int16 paths of these kernels read each activation's scale and
  zero point (``CalculateActivationRangeQuantized``, ``QuantizeMultiplier``); an int8
  activation without quantization scales is refused (:mod:`.quantization`);
- binary elementwise operators: inputs of one type, broadcastable, and an output of the
  broadcast shape (``reference_ops::BroadcastAdd`` and friends write that many elements);
- convolutions and fully-connected layers: an output of the shape the kernel computes
  (``ComputePaddingHeightWidth``; batches x units);
- kernels that set their output's shape in Prepare (GATHER, GATHER_ND, EMBEDDING_LOOKUP,
  DEPTH_TO_SPACE, SPACE_TO_DEPTH): a declared shape equal to the computed one, which TFLM
  plans;
- quantization Prepare requires (:mod:`.quantization`, reading a tensor with scales but no
  zero points as unquantized, as TFLM does): fixed SOFTMAX/LOGISTIC/LOG_SOFTMAX/TANH output
  quantization, symmetric int16, rescaling multipliers within their range, pooling and
  CONCATENATION inputs quantized as the output, convolution filters quantized with one
  scale or one per output channel, FULLY_CONNECTED and SVDF bias scales, QUANTIZE's
  per-tensor output, fused activations a quantized output can represent;
- tensor types (:mod:`.types`): the types each kernel's Prepare accepts, which tensors must
  share one (a convolution's input and output), and which pairs it has a kernel for (input
  and filter: TFLM has no hybrid kernels);
- options and shapes Prepare rejects: STRIDED_SLICE's ellipsis and new-axis masks, TRANSPOSE
  past rank 5, SQUEEZE of a dimension that is not 1 or into another shape, an SVDF state that
  is not a variable tensor;
- operands Prepare requires constant (SPLIT/SPLIT_V axis, TRANSPOSE permutation, RESIZE
  size, FILL dims, BROADCAST_TO shape) and option and operand values it rejects (GATHER
  axis and batch_dims, TRANSPOSE permutation, SVDF rank and shapes, a scalar SOFTMAX):
  :mod:`.operands`;
- output shapes kernels compute from constant operands (:mod:`.shapes`): PAD/PADV2 and
  MIRROR_PAD (paddings), EXPAND_DIMS (axis), STRIDED_SLICE (begin, end, strides) and SLICE
  (begin, size), whether Prepare refuses a different declared shape or the kernel would write
  a shape other than the declared one; unary elementwise kernels (RELU, TANH, QUANTIZE...)
  writing their input's element count into an output of another count;
- UNIDIRECTIONAL_SEQUENCE_LSTM (:mod:`.lstm`): the tensors its Prepare requires (variable
  states, no peephole/projection/layer norm) and the shapes it checks (weights n_cell x
  n_input and n_cell x n_cell, biases, states, output).
"""

from __future__ import annotations

from collections.abc import Callable

from planner.analysis.shape_rules import Shape, ShapeError, broadcast, opt_int, spatial_out
from planner.model.graph import Operator, Subgraph, Tensor
from planner.validate.lstm import lstm_problem
from planner.validate.operands import operand_problem
from planner.validate.quantization import (
    QUANTIZED_MATH,
    quantization_rule_problem,
    unquantized_problem,
)
from planner.validate.shapes import constant_shape_problem
from planner.validate.types import type_problem

#: ``RuntimeShape::kMaxSmallSize``: the most dimensions a kernel can describe.
MAX_SMALL_RANK = 6
#: Operators that move bytes without describing their tensors with RuntimeShape.
SHAPE_FREE = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "IF", "WHILE", "CALL_ONCE"})
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


#: ``int``'s largest value: TFLM computes a dilated filter's extent in int.
INT_MAX = 2**31 - 1


def _dilation_problem(op: Operator, sg: Subgraph) -> str | None:
    """A dilated filter extent, (k - 1) x dilation + 1, past int: TFLM's padding arithmetic
    (``ComputePaddingHeightWidth``) overflows and computes an output of no meaning."""
    if len(op.inputs) < 2 or op.inputs[1] < 0 or len(sg.tensors[op.inputs[1]].shape) != 4:
        return None
    w = sg.tensors[op.inputs[1]].shape
    for axis, size in (("h", w[1]), ("w", w[2])):
        factor = opt_int(op, f"dilation_{axis}_factor", 1)
        if (size - 1) * factor + 1 > INT_MAX:
            return (
                f"has dilation_{axis}_factor = {factor:,}: a {size}-tap filter then spans "
                f"{(size - 1) * factor + 1:,} pixels, past TFLM's int arithmetic (2^31 - 1)"
            )
    return None


def _output_shape_problem(op: Operator, sg: Subgraph) -> str | None:
    expected: tuple[int, ...] | None = None
    y: Tensor | None = None
    if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        dilation = _dilation_problem(op, sg)
        if dilation is not None:
            return dilation
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


def _gather(x: Shape, i: Shape, op: Operator) -> Shape | None:
    axis, batch = opt_int(op, "axis", 0), opt_int(op, "batch_dims", 0)
    axis += len(x) if axis < 0 else 0
    batch += len(i) if batch < 0 else 0
    if not (0 <= batch <= axis < len(x) and batch <= len(i)):
        return None  # Prepare's own checks fail (TF_LITE_ENSURE)
    return (*x[:axis], *i[batch:], *x[axis + 1 :])


def _gather_nd(x: Shape, i: Shape, _op: Operator) -> Shape | None:
    if not i or i[-1] > len(x):
        return None
    return (*i[:-1], *x[i[-1] :])


def _embedding_lookup(lookup: Shape, value: Shape, _op: Operator) -> Shape | None:
    return (lookup[0], *value[1:]) if lookup and len(value) >= 2 else None


def _depth_to_space(x: Shape, _: Shape, op: Operator) -> Shape | None:
    b = opt_int(op, "block_size", 0)
    if len(x) != 4 or b <= 0:
        return None
    return (x[0], x[1] * b, x[2] * b, x[3] // (b * b))


def _space_to_depth(x: Shape, _: Shape, op: Operator) -> Shape | None:
    b = opt_int(op, "block_size", 0)
    if len(x) != 4 or b <= 0:
        return None
    return (x[0], x[1] // b, x[2] // b, x[3] * b * b)


#: Kernels whose Prepare writes the output's dimensions (``CreateWritableTensorDimsWithCopy``)
#: from their inputs' shapes: TFLM then plans the output with the computed shape, not the
#: declared one, so a declared shape that differs would be under- or over-planned here.
COMPUTED_OUTPUT: dict[str, Callable[[Shape, Shape, Operator], Shape | None]] = {
    "GATHER": _gather,
    "GATHER_ND": _gather_nd,
    "EMBEDDING_LOOKUP": _embedding_lookup,
    "DEPTH_TO_SPACE": _depth_to_space,
    "SPACE_TO_DEPTH": _space_to_depth,
}


def _computed_output_problem(op: Operator, sg: Subgraph) -> str | None:
    rule = COMPUTED_OUTPUT.get(op.opcode)
    if rule is None or not op.inputs or not op.outputs or op.outputs[0] < 0 or op.inputs[0] < 0:
        return None
    second = op.inputs[1] if len(op.inputs) > 1 else -1
    x = sg.tensors[op.inputs[0]].shape
    expected = rule(x, sg.tensors[second].shape if second >= 0 else (), op)
    y = sg.tensors[op.outputs[0]]
    if expected is None or expected == y.shape:
        return None
    return (
        f"sets its output to {list(expected)} in Prepare (TFLM plans that shape), but its "
        f"output tensor {y.index} is declared {list(y.shape)}"
    )


def _squeezed(x: Shape, op: Operator) -> Shape | str:
    """SQUEEZE's output shape (squeeze.cc), or why its Prepare fails."""
    listed = op.options.get("squeeze_dims") or ()
    if not isinstance(listed, tuple | list):
        return "has unreadable squeeze_dims"
    drop = set()
    for d in listed:
        axis = int(d) + (len(x) if int(d) < 0 else 0)
        if not 0 <= axis < len(x) or x[axis] != 1:
            return f"squeezes dimension {d} of {list(x)}, which is not a dimension of size 1"
        drop.add(axis)
    if not listed:
        drop = {k for k, n in enumerate(x) if n == 1}
    return tuple(n for k, n in enumerate(x) if k not in drop)


def _prepare_rule_problem(op: Operator, sg: Subgraph) -> str | None:
    """What these kernels' Prepare rejects from options and shapes (strided_slice_common.cc,
    transpose_common.cc, squeeze.cc, svdf_common.cc)."""
    first = sg.tensors[op.inputs[0]] if op.inputs and op.inputs[0] >= 0 else None
    if first is None:
        return None
    if op.opcode == "STRIDED_SLICE":
        for mask in ("ellipsis_mask", "new_axis_mask"):
            if opt_int(op, mask, 0):
                return f"sets {mask} = {opt_int(op, mask, 0)}; TFLM's kernel supports only 0"
    if op.opcode == "TRANSPOSE" and len(first.shape) > 5:
        return (
            f"transposes a rank-{len(first.shape)} tensor; TFLM's kernel supports 1 to 5 dimensions"
        )
    if op.opcode == "SQUEEZE" and op.outputs and op.outputs[0] >= 0:
        expected = _squeezed(first.shape, op)
        if isinstance(expected, str):
            return expected
        y = sg.tensors[op.outputs[0]]
        if y.shape != expected:
            return (
                f"squeezes {list(first.shape)} to {list(expected)}, but its output tensor "
                f"{y.index} is declared {list(y.shape)}"
            )
    if op.opcode == "SVDF" and len(op.inputs) > 4 and op.inputs[4] >= 0:
        state = sg.tensors[op.inputs[4]]
        if not state.is_variable:
            return (
                f"keeps its activation state in tensor {state.index}, which is not a variable "
                "tensor; its kernel requires one"
            )
    return None


def kernel_io_problem(op: Operator, sg: Subgraph) -> str | None:
    """The first assumption of the operator's kernel its tensors break, or None."""
    return (
        _rank_problem(op, sg)
        or unquantized_problem(op, sg)
        or _binary_problem(op, sg)
        or type_problem(op, sg)
        or _output_shape_problem(op, sg)
        or _computed_output_problem(op, sg)
        or _prepare_rule_problem(op, sg)
        or operand_problem(op, sg)
        or quantization_rule_problem(op, sg)
        or constant_shape_problem(op, sg)
        or lstm_problem(op, sg)
    )


__all__ = [
    "BINARY_ELEMENTWISE",
    "MAX_SMALL_RANK",
    "QUANTIZED_MATH",
    "kernel_io_problem",
]
