"""Output shapes that kernels compute from their operands' values, and unary elementwise
outputs: per-operator checks of :mod:`.kernel_io` that read constant data.

TFLM never resizes a tensor: it plans and writes the shape the file declares. Where a kernel
computes its output's shape from constant operands (``Tensor.int_values``), the declared
shape is checked against what the kernel computes, as TFLM's sources do it:

- PAD/PADV2 (``pad_common.cc`` ``PadPrepare``): input rank at most 5, two paddings per output
  dimension, constant paddings, each output dimension input + before + after. Prepare refuses
  a model breaking any of these. The paddings are read as int32 words (``GetTensorData
  <int32_t>``), INT64 ones too;
- MIRROR_PAD (``mirror_pad.cc`` ``MirrorPadPrepare``): a [rank, 2] paddings matrix (refused in
  Prepare otherwise); the output shape is not checked there: Eval fills the declared shape
  with values that are not the padded input, so a shape other than the computed one is
  refused as broken;
- EXPAND_DIMS (``expand_dims.cc`` ``VerifyTensorDim``): a constant one-element INT32 axis
  within [-rank - 1, rank] and the input's shape with a 1 inserted there; Prepare refuses
  anything else;
- STRIDED_SLICE (``strided_slice_common.cc`` ``CheckOutputSize``): input rank at most 4,
  constant begin/end/strides with a value per input dimension, no zero stride, each kept
  dimension ``ceil((end - begin) / stride)`` with TFLite's clamping and masks
  (``strided_slice_logic.h``); Prepare refuses a different output;
- SLICE (``slice.cc``): Prepare checks nothing (``TFLITE_DCHECK`` only) and Eval writes the
  computed slice element by element; a begin/size outside the input, or a declared output
  of another shape (fewer elements: a write past its end) is refused as broken;
- unary elementwise kernels write as many elements as their input has (``ElementCount``,
  ``MatchingFlatSize`` take the input's): an output of fewer elements is written past its
  end, one of more is left partly unwritten; both are refused. EXP, CEIL and ROUND also
  check in Prepare that the output has the input's shape (so another shape of as many
  elements is refused for them); the others work on the flat buffer, which is a reshape.
"""

from __future__ import annotations

import math
import struct

from planner.analysis.shape_rules import Shape, opt_int
from planner.model.graph import Operator, Subgraph, Tensor, tensor_bytes

#: ``PadKernelMaxDimensionCount`` (reference/pad.h) and STRIDED_SLICE's ``kMaxDim``
#: (strided_slice_common.cc), SLICE's ``kMaxDim`` (slice.cc).
PAD_MAX_RANK = 5
STRIDED_SLICE_MAX_RANK = 4
SLICE_MAX_RANK = 5
#: TFLM's unary elementwise kernels: each writes as many elements as its input has.
UNARY_ELEMENTWISE = frozenset(
    {
        "ABS",
        "SIN",
        "COS",
        "LOG",
        "SQRT",
        "RSQRT",
        "SQUARE",
        "LOGICAL_NOT",
        "RELU",
        "RELU6",
        "LOGISTIC",
        "TANH",
        "HARD_SWISH",
        "NEG",
        "QUANTIZE",
        "DEQUANTIZE",
        "LEAKY_RELU",
        "ELU",
        "EXP",
        "CAST",
        "FLOOR",
        "CEIL",
        "ROUND",
        "ZEROS_LIKE",
    }
)
#: Unary kernels whose Prepare requires the output to have the input's shape (exp.cc,
#: ceil.cc, round.cc: ``output->dims->data[i] == input->dims->data[i]``).
SAME_SHAPE_PREPARE = frozenset({"EXP", "CEIL", "ROUND"})
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def tensor_at(sg: Subgraph, ids: tuple[int, ...] | list[int], k: int) -> Tensor | None:
    """The tensor at position ``k`` of an operator's inputs or outputs (``ids``); None when
    the list is shorter or the position names no tensor (-1)."""
    return sg.tensors[ids[k]] if len(ids) > k and ids[k] >= 0 else None


def constant(t: Tensor) -> bool:
    """What TFLM's ``IsConstantTensor`` says: data in the flatbuffer (read-only, not planned)."""
    return t.is_constant and not t.external_data


def int32_words(t: Tensor) -> tuple[int, ...] | None:
    """The int32 values a kernel reading ``GetTensorData<int32_t>`` sees: an INT64 tensor's
    values as their little-endian low and high words."""
    values = t.int_values
    if values is None or t.dtype == "INT32":
        return values
    return struct.unpack(f"<{2 * len(values)}i", struct.pack(f"<{len(values)}q", *values))


def _io(op: Operator, sg: Subgraph, n_inputs: int) -> tuple[list[Tensor], Tensor] | None:
    """The first ``n_inputs`` inputs and the output, when all are present."""
    if len(op.inputs) < n_inputs or not op.outputs:
        return None
    ids = (*op.inputs[:n_inputs], op.outputs[0])
    if min(ids) < 0:
        return None  # a missing required tensor is reported by the input/output check
    return [sg.tensors[t] for t in op.inputs[:n_inputs]], sg.tensors[op.outputs[0]]


def _differs(computed: Shape, y: Tensor) -> str:
    """Where the declared output first differs from the computed shape."""
    if len(computed) != len(y.shape):
        return f"rank {len(y.shape)}, not {len(computed)}"
    k = next(k for k, (a, b) in enumerate(zip(computed, y.shape, strict=True)) if a != b)
    return f"dimension {k} is {y.shape[k]}, not {computed[k]}"


def _declared(computed: Shape, y: Tensor) -> str:
    return (
        f"computes an output of {list(computed)}, but its output tensor {y.index} is declared "
        f"{list(y.shape)} ({_differs(computed, y)})"
    )


def _pad_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 2)
    if found is None:
        return None
    (x, paddings), y = found
    if len(x.shape) > PAD_MAX_RANK:
        return f"pads a rank-{len(x.shape)} input; TFLM's kernel handles at most {PAD_MAX_RANK}"
    if paddings.elements != 2 * len(y.shape):
        return (
            f"has {paddings.elements} paddings (tensor {paddings.index}) for a rank-"
            f"{len(y.shape)} output; its kernel needs two per output dimension"
        )
    if not constant(paddings):
        return (
            f"reads its paddings from tensor {paddings.index}, which is not constant; TFLM's "
            "kernel supports only constant paddings"
        )
    words = int32_words(paddings)
    if words is None:
        return None
    if len(x.shape) != len(y.shape):
        return (
            f"pads a rank-{len(x.shape)} input into a rank-{len(y.shape)} output; its kernel "
            "reads one pair of paddings per input dimension"
        )
    computed = tuple(n + words[2 * k] + words[2 * k + 1] for k, n in enumerate(x.shape))
    if computed == y.shape:
        return None
    read = " (TFLM reads the INT64 paddings as int32 words)" if paddings.dtype == "INT64" else ""
    return _declared(computed, y) + read


def _mirror_pad_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 2)
    if found is None:
        return None
    (x, paddings), y = found
    if len(paddings.shape) != 2 or paddings.shape[0] != len(x.shape):
        return (
            f"has paddings of shape {list(paddings.shape)} for a rank-{len(x.shape)} input; "
            f"its kernel requires [{len(x.shape)}, 2]"
        )
    values = paddings.int_values if constant(paddings) else None
    if values is None or len(values) < 2 * len(x.shape):
        return None  # read in Eval: not checkable from the file
    computed = tuple(n + values[2 * k] + values[2 * k + 1] for k, n in enumerate(x.shape))
    if computed == y.shape:
        return None
    return (
        _declared(computed, y) + "; TFLM's kernel does not check it and fills the declared "
        "shape with values that are not the padded input"
    )


def _expand_dims_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 2)
    if found is None:
        return None
    (x, axis_tensor), y = found
    if not constant(axis_tensor):
        return (
            f"reads its axis from tensor {axis_tensor.index}, which is not constant; TFLM's "
            "kernel supports only a constant axis"
        )
    if len(axis_tensor.shape) > 1 or axis_tensor.dtype != "INT32":
        return (
            f"has a {axis_tensor.dtype} axis of shape {list(axis_tensor.shape)}; its kernel "
            "takes one INT32 value"
        )
    values = axis_tensor.int_values
    if not values:
        return None
    rank = len(x.shape)
    axis = values[0] + (rank + 1 if values[0] < 0 else 0)
    if not 0 <= axis <= rank:
        return f"inserts a dimension at axis {values[0]}, outside [{-rank - 1}, {rank}]"
    computed = (*x.shape[:axis], 1, *x.shape[axis:])
    return None if computed == y.shape else _declared(computed, y)


def _clamp(v: int, low: int, high: int) -> int:
    return high if v > high else low if v < low else v


def _start(begin: int, stride: int, size: int, masked: bool) -> int:
    """``strided_slice::StartForAxis``."""
    if size == 0:
        return 0
    if masked:
        begin = INT32_MIN if stride > 0 else INT32_MAX
    if begin < 0:
        begin += size
    return _clamp(begin, 0, size) if stride > 0 else _clamp(begin, -1, size - 1)


def _stop(end: int, stride: int, size: int, masked: bool) -> int:
    """``strided_slice::StopForAxis`` (an axis not shrunk)."""
    if size == 0:
        return 0
    if masked:
        end = INT32_MAX if stride > 0 else INT32_MIN
    if end < 0:
        end += size
    return _clamp(end, 0, size) if stride > 0 else _clamp(end, -1, size - 1)


def _f32(v: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", v))[0])


def _strided_shape(x: Shape, bounds: list[tuple[int, ...]], op: Operator) -> Shape | str:
    """The shape ``CheckOutputSize`` computes, or why it fails."""
    begin_mask, end_mask = opt_int(op, "begin_mask", 0), opt_int(op, "end_mask", 0)
    shrink = opt_int(op, "shrink_axis_mask", 0)
    out: list[int] = []
    for k, (size, begin, end, stride) in enumerate(zip(x, *bounds, strict=False)):
        if stride == 0:
            return f"has stride 0 for dimension {k}; its kernel requires non-zero strides"
        start = _start(begin, stride, size, bool(begin_mask >> k & 1))
        if shrink >> k & 1:
            continue  # one element, dropped from the output
        stop = _stop(end, stride, size, bool(end_mask >> k & 1))
        # std::ceil((end - begin) / static_cast<float>(stride)), in float as the kernel does
        length = math.ceil(_f32(_f32(stop - start) / _f32(stride)))
        out.append(max(length, 0))
    return tuple(out)


def _strided_slice_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 4)
    if found is None:
        return None
    (x, *operands), y = found
    if len(x.shape) > STRIDED_SLICE_MAX_RANK:
        return (
            f"slices a rank-{len(x.shape)} input; TFLM's kernel handles at most "
            f"{STRIDED_SLICE_MAX_RANK}"
        )
    bounds = []
    for label, t in zip(("begin", "end", "strides"), operands, strict=True):
        if not constant(t):
            return (
                f"reads its {label} from tensor {t.index}, which is not constant; TFLM's "
                f"kernel supports only constant {label}"
            )
        words = int32_words(t)
        if words is None:
            return None
        if len(words) < len(x.shape):
            return (
                f"has {len(words)} {label} value(s) (tensor {t.index}) for a rank-"
                f"{len(x.shape)} input; its kernel reads one per input dimension"
            )
        bounds.append(words)
    computed = _strided_shape(x.shape, bounds, op)
    if isinstance(computed, str):
        return computed
    return None if computed == y.shape else _declared(computed, y)


def _slice_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 3)
    if found is None:
        return None
    (x, begin_t, size_t), y = found
    if len(x.shape) > SLICE_MAX_RANK:
        return f"slices a rank-{len(x.shape)} input; TFLM's kernel handles at most {SLICE_MAX_RANK}"
    begins = begin_t.int_values if constant(begin_t) else None
    sizes = size_t.int_values if constant(size_t) else None
    if begins is None or sizes is None:
        return None  # read in Eval: not checkable from the file
    if min(len(begins), len(sizes)) < len(x.shape):
        return (
            f"has {len(begins)} begin and {len(sizes)} size values for a rank-{len(x.shape)} "
            "input; its kernel reads one of each per input dimension"
        )
    computed: list[int] = []
    for k, (n, b, s) in enumerate(zip(x.shape, begins, sizes, strict=False)):
        length = n - b if s == -1 else s
        if b < 0 or length < 0 or b + length > n:
            return (
                f"slices [{b}, {b + length}) of dimension {k} (size {n}); its kernel reads "
                "outside the input"
            )
        computed.append(length)
    shape = tuple(computed)
    if shape == y.shape:
        return None
    if math.prod(shape) > y.elements:
        written = tensor_bytes(y.dtype, math.prod(shape))
        return (
            f"{_declared(shape, y)}; TFLM does not check it: the kernel writes {written:,} "
            f"bytes into a tensor of {y.nbytes:,}"
        )
    return _declared(shape, y)


def _unary_problem(op: Operator, sg: Subgraph) -> str | None:
    found = _io(op, sg, 1)
    if found is None:
        return None
    (x,), y = found
    if op.opcode in SAME_SHAPE_PREPARE and x.shape != y.shape:
        return (
            f"writes an output of {list(y.shape)} from an input of {list(x.shape)}; its kernel "
            "requires the input's shape"
        )
    if x.elements == y.elements:
        return None
    if x.elements > y.elements:
        return (
            f"writes {x.elements:,} elements ({tensor_bytes(y.dtype, x.elements):,} bytes) into "
            f"its output tensor {y.index} of {list(y.shape)} ({y.nbytes:,} bytes): TFLM does not "
            "check it and writes past the end"
        )
    return (
        f"writes {x.elements:,} elements into its output tensor {y.index} of {list(y.shape)} "
        f"({y.elements:,} elements): the rest is never written"
    )


def constant_shape_problem(op: Operator, sg: Subgraph) -> str | None:
    """The output-shape problem of a PAD, PADV2, MIRROR_PAD, EXPAND_DIMS, STRIDED_SLICE,
    SLICE or unary elementwise operator, or None."""
    name = op.opcode
    if name in ("PAD", "PADV2"):
        return _pad_problem(op, sg)
    if name == "MIRROR_PAD":
        return _mirror_pad_problem(op, sg)
    if name == "EXPAND_DIMS":
        return _expand_dims_problem(op, sg)
    if name == "STRIDED_SLICE":
        return _strided_slice_problem(op, sg)
    if name == "SLICE":
        return _slice_problem(op, sg)
    if name in UNARY_ELEMENTWISE:
        return _unary_problem(op, sg)
    return None


__all__ = [
    "SAME_SHAPE_PREPARE",
    "UNARY_ELEMENTWISE",
    "constant",
    "constant_shape_problem",
    "int32_words",
]
