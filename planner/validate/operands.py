"""Operands TFLM's kernels require to be constant, and option and operand values their
``Prepare`` rejects: per-operator checks of :mod:`.kernel_io`.

TFLM never resizes a tensor, so a kernel whose output shape would depend on an operand's
value takes that operand only from the flatbuffer (``IsConstantTensor``: data in the model,
not planned in the arena). Besides PAD's paddings, STRIDED_SLICE's bounds and EXPAND_DIMS's
axis (:mod:`.shapes`), these are refused when they are not constant:

- SPLIT's axis (input 0) and SPLIT_V's axis (input 2) (``split.cc``, ``split_v.cc``);
- TRANSPOSE's permutation (``transpose_common.cc``), which must also be a vector of one
  in-range entry per input dimension (read as int32 words, as the kernel does);
- RESIZE_BILINEAR's and RESIZE_NEAREST_NEIGHBOR's size, a vector of two values, on a rank-4
  input (``resize_bilinear.cc``, ``resize_nearest_neighbor.cc``);
- FILL's dims (``fill.cc``) and BROADCAST_TO's shape (``broadcast_to.cc``).

Option and operand values Prepare refuses:

- GATHER (``gather.cc``): an axis within the input's rank, ``batch_dims`` (negative counts
  from the positions' rank) at most the axis and the positions' rank, within the input's
  rank, and the leading ``batch_dims`` dimensions of input and positions equal;
- SVDF (``svdf_common.cc``): a positive rank dividing the filter count (it divides by it),
  rank-2 input, weights, state and output, weights of [filters, input size] and [filters,
  memory], a bias of one value per unit, a [batch, memory x filters] state and a [batch,
  units] output, five inputs;
- SOFTMAX (``softmax_common.cc``): an input of rank 1 or more;
- L2_NORMALIZATION (``l2norm.cc``): an input of rank 4 or less and no fused activation.
"""

from __future__ import annotations

from planner.analysis.shape_rules import opt_int
from planner.model.graph import Operator, Subgraph, Tensor
from planner.validate.shapes import constant, int32_words, tensor_at

#: The operands each kernel requires to be constant: (input index, what it is).
CONSTANT_OPERANDS: dict[str, tuple[int, str]] = {
    "SPLIT": (0, "axis"),
    "SPLIT_V": (2, "axis"),
    "TRANSPOSE": (1, "permutation"),
    "RESIZE_BILINEAR": (1, "size"),
    "RESIZE_NEAREST_NEIGHBOR": (1, "size"),
    "FILL": (0, "dims"),
    "BROADCAST_TO": (1, "shape"),
}
#: The largest input rank L2_NORMALIZATION takes (l2norm.cc).
L2_NORM_MAX_RANK = 4
#: SVDF's inputs: input, feature weights, time weights, bias (optional), activation state.
SVDF_INPUTS = 5


def _constant_problem(op: Operator, sg: Subgraph) -> str | None:
    found = CONSTANT_OPERANDS.get(op.opcode)
    operand = tensor_at(sg, op.inputs, found[0]) if found is not None else None
    if found is None or operand is None or constant(operand):
        return None
    return (
        f"reads its {found[1]} from tensor {operand.index}, which is not constant; TFLM's "
        f"kernel supports only a constant {found[1]}"
    )


def _transpose_problem(op: Operator, sg: Subgraph) -> str | None:
    x, perm = tensor_at(sg, op.inputs, 0), tensor_at(sg, op.inputs, 1)
    if x is None or perm is None:
        return None
    rank = len(x.shape)
    if len(perm.shape) != 1 or perm.shape[0] != rank:
        return (
            f"has a permutation of shape {list(perm.shape)} for a rank-{rank} input; its "
            f"kernel requires [{rank}]"
        )
    words = int32_words(perm)
    bad = [v for v in words[:rank] if not 0 <= v < rank] if words is not None else []
    if bad:
        return (
            f"has permutation entry {bad[0]} for a rank-{rank} input; its kernel requires "
            f"entries in [0, {rank})"
        )
    return None


def _resize_problem(op: Operator, sg: Subgraph) -> str | None:
    x, size = tensor_at(sg, op.inputs, 0), tensor_at(sg, op.inputs, 1)
    if x is None or size is None:
        return None
    if len(x.shape) != 4:
        return f"resizes a rank-{len(x.shape)} input; its kernel requires rank 4"
    if size.shape != (2,):
        return f"has a size of shape {list(size.shape)}; its kernel requires two values ([2])"
    return None


def _gather_problem(op: Operator, sg: Subgraph) -> str | None:
    x, positions = tensor_at(sg, op.inputs, 0), tensor_at(sg, op.inputs, 1)
    if x is None or positions is None:
        return None
    rank, rank_p = len(x.shape), len(positions.shape)
    axis, batch = opt_int(op, "axis", 0), opt_int(op, "batch_dims", 0)
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        return (
            f"gathers along axis {axis} of a rank-{rank} input; its kernel requires an axis "
            f"in [{-rank}, {rank})"
        )
    b = batch + rank_p if batch < 0 else batch
    if not (0 <= b <= a and b < rank and b <= rank_p):
        return (
            f"has batch_dims {batch} with axis {axis}, a rank-{rank} input and rank-{rank_p} "
            "positions; its kernel requires 0 <= batch_dims <= axis and within both ranks"
        )
    for k in range(b):
        if x.shape[k] != positions.shape[k]:
            return (
                f"has batch dimension {k} of {x.shape[k]} in the input but "
                f"{positions.shape[k]} in the positions; its kernel requires them equal"
            )
    return None


def _dim(t: Tensor, k: int) -> int | None:
    return t.shape[k] if len(t.shape) > k else None


def _svdf_problem(op: Operator, sg: Subgraph) -> str | None:
    x, features, time, bias, state = (tensor_at(sg, op.inputs, k) for k in range(5))
    y = tensor_at(sg, op.outputs, 0)
    if len(op.inputs) != SVDF_INPUTS:
        return f"has {len(op.inputs)} inputs; TFLM's kernel takes {SVDF_INPUTS}"
    if x is None or features is None or time is None or state is None or y is None:
        return None
    rank, filters = opt_int(op, "rank", 0), _dim(features, 0) or 0
    if rank <= 0 or filters % rank:
        return (
            f"has rank {rank} for {filters} filters; its kernel requires a positive rank "
            "dividing the filter count"
        )
    units, memory = filters // rank, _dim(time, 1)
    batch, size = _dim(x, 0), _dim(x, 1)
    expected = (
        (x, "input", (batch, size)),
        (features, "feature weights", (filters, size)),
        (time, "time weights", (filters, memory)),
        (state, "activation state", (batch, None if memory is None else memory * filters)),
        (y, "output", (batch, units)),
    )
    for t, label, shape in expected:
        if len(t.shape) != 2 or t.shape != shape:
            return (
                f"has {label} tensor {t.index} of shape {list(t.shape)}; its kernel "
                f"requires {list(shape)} (rank {rank}, {filters} filters)"
            )
    if bias is not None and _dim(bias, 0) != units:
        return (
            f"has bias tensor {bias.index} of shape {list(bias.shape)}; its kernel requires "
            f"{units} values (one per unit)"
        )
    return None


def _l2_norm_problem(op: Operator, sg: Subgraph) -> str | None:
    x = tensor_at(sg, op.inputs, 0)
    if x is not None and len(x.shape) > L2_NORM_MAX_RANK:
        return (
            f"normalizes a rank-{len(x.shape)} input; its kernel handles at most "
            f"{L2_NORM_MAX_RANK} dimensions"
        )
    act = opt_int(op, "fused_activation_function", 0)
    return f"has fused activation {act}; its kernel supports none" if act else None


def operand_problem(op: Operator, sg: Subgraph) -> str | None:
    """The first constant operand, option or operand value the operator's Prepare refuses,
    or None."""
    problem = _constant_problem(op, sg)
    if problem is not None:
        return problem
    name = op.opcode
    if name == "TRANSPOSE":
        return _transpose_problem(op, sg)
    if name in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"):
        return _resize_problem(op, sg)
    if name == "GATHER":
        return _gather_problem(op, sg)
    if name == "SVDF":
        return _svdf_problem(op, sg)
    if name == "L2_NORMALIZATION":
        return _l2_norm_problem(op, sg)
    if name == "SOFTMAX" and op.inputs and op.inputs[0] >= 0:
        x = sg.tensors[op.inputs[0]]
        if not x.shape:
            return "has a scalar input; its kernel requires rank 1 or more"
    return None


__all__ = ["CONSTANT_OPERANDS", "operand_problem"]
