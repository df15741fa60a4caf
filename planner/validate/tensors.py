"""Per-tensor checks: types TFLM can size and plan, quantization shape rules, element counts
and constant data long enough for the shape.

What TFLM does (``micro_allocator.cc``, ``memory_helpers.cc``): every tensor of every
subgraph goes through ``BytesRequiredForTensor``/``TfLiteTypeSizeOf``, which fail for a type
outside :data:`TFLM_SIZED_TYPES`; the element count is an ``int`` product of the dimensions
(it wraps past 2^31 - 1); quantization parameters are copied as they are, so a scale list that
does not match the quantized dimension is read out of bounds by the kernels. Only a
quantization with both scales and zero points is copied; any other is none to TFLM.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from planner.model.graph import Subgraph, Tensor
from planner.runtimes.tflm.structs.c_layout import INT_MAX
from planner.validate.refusal import where

#: Types ``TfLiteTypeSizeOf`` (micro/memory_helpers.cc) knows; any other fails AllocateTensors.
TFLM_SIZED_TYPES = frozenset(
    {
        "FLOAT16",
        "BFLOAT16",
        "FLOAT32",
        "FLOAT64",
        "INT16",
        "INT32",
        "UINT32",
        "UINT8",
        "UINT16",
        "INT8",
        "INT64",
        "UINT64",
        "BOOL",
        "RESOURCE",
        "COMPLEX64",
        "COMPLEX128",
        "INT4",
    }
)
#: No TFLM kernel writes these; an activation of such a type is refused by its producer.
UNPLANNABLE_ACTIVATION_TYPES = frozenset({"COMPLEX128"})
#: Operators that may write a RESOURCE handle (the variable ops and control flow passing one on).
RESOURCE_WRITERS = frozenset({"VAR_HANDLE", "IF", "WHILE", "CALL_ONCE"})
#: Scale vectors at least this long are checked in C (:func:`_finite_and_positive`) before
#: value by value.
VECTORISE_FROM = 16
#: Types whose constant tensors' scales no kernel reads (biases: int32 or int64, their scale
#: implied by the input's and the filter's); their lengths are still checked.
UNREAD_SCALE_TYPES = frozenset({"INT32", "INT64"})


def describe(t: Tensor, sg_index: int) -> str:
    return f"tensor {t.index} '{t.name}'{where(sg_index)}"


def type_problem(t: Tensor) -> str | None:
    if t.dtype in TFLM_SIZED_TYPES:
        return None
    if t.dtype.startswith("TYPE_"):
        return f"has an unknown type {t.dtype[5:]}, which TFLM cannot size"
    return f"has type {t.dtype}, which TFLM cannot size (TfLiteTypeSizeOf)"


def _finite_and_positive(scales: Sequence[float]) -> bool:
    """True when every scale is finite and above zero, checked in C (a MobileNetV2 has 8,000
    per-channel scales): with numpy on the loader's view, else the smallest value must be
    above zero and the exact sum finite (a NaN or an infinity makes it NaN or infinite; a
    NaN that ``min`` steps over is caught by the sum; float32 scales cannot overflow it).
    False sends the caller to the value by value check, which names the bad value."""
    array = getattr(scales, "array", None)  # a numpy view from the loader
    if array is not None:
        return bool((array > 0).all()) and bool((array < math.inf).all())
    try:
        return min(scales) > 0 and math.isfinite(math.fsum(scales))
    except (OverflowError, ValueError):
        return False


def _scale_problem(t: Tensor, scales: Sequence[float]) -> str | None:
    if t.is_constant and t.dtype in UNREAD_SCALE_TYPES:
        return None  # a bias: kernels derive its scale from the input's and the filter's
    if len(scales) >= VECTORISE_FROM and _finite_and_positive(scales):
        return None
    for s in scales:  # the first bad value, for the message
        if not math.isfinite(s) or s <= 0:
            return f"has a quantization scale of {s!r}; scales must be finite and positive"
    return None


def quantization_problem(t: Tensor) -> str | None:
    """Scales and zero points that the kernels would read out of bounds or divide by. A
    tensor without both scales and zero points has none to TFLM (it copies neither), so its
    kernels judge it as unquantized (:mod:`.quantization`) and nothing is read here."""
    q = t.quantization
    if q is None or not q.affine:
        return None
    scales, zps = q.scales, q.zero_points
    if len(zps) not in (1, len(scales)):
        return f"has {len(zps)} zero points for {len(scales)} scales"
    if q.axis < 0:
        return f"has a negative quantized axis {q.axis}"
    if len(scales) > 1:
        rank = len(t.shape)
        if q.axis >= rank:
            if rank == 1 and t.shape[0] == len(scales):
                # a bias vector: kernels never read its axis
                return _scale_problem(t, scales)
            return (
                f"is quantized along axis {q.axis}, but its shape {list(t.shape)} has rank {rank}"
            )
        if t.shape[q.axis] != len(scales):
            return (
                f"has {len(scales)} scales for {t.shape[q.axis]} channels along quantized "
                f"axis {q.axis} (shape {list(t.shape)})"
            )
    return _scale_problem(t, scales)


def data_problem(t: Tensor) -> str | None:
    """Constant data shorter than the shape needs (INT4 packed two to a byte)."""
    if t.data_bytes <= 0 or t.external_data:
        return None
    if t.data_bytes < t.nbytes:
        return (
            f"has {t.data_bytes} bytes of data, but its shape {list(t.shape)} of {t.dtype} "
            f"needs {t.nbytes} bytes"
        )
    return None


def activation_problem(t: Tensor, writers: dict[int, str]) -> str | None:
    """Problems of a tensor TFLM plans in the arena (no data in the flatbuffer)."""
    if t.dtype in UNPLANNABLE_ACTIVATION_TYPES:
        return f"is an activation of type {t.dtype}, which no TFLM kernel produces"
    writer = writers.get(t.index)
    if t.dtype == "RESOURCE" and writer is not None and writer not in RESOURCE_WRITERS:
        return f"is a RESOURCE handle written by {writer}, which does not produce one"
    if t.dtype == "INT4" and t.elements % 2:
        return f"is an INT4 activation of odd length {t.elements}; TFLM packs INT4 in pairs"
    return None


def read_by_kernels(sg: Subgraph) -> set[int]:
    """Tensors TFLM builds a full ``TfLiteTensor`` for, reading their quantization: those an
    operator reads, writes or keeps as an intermediate (``GetTensor`` in ``Prepare``), and
    the subgraph's inputs and outputs (the interpreter's ``input()``/``output()``). Any other
    tensor is only sized (``TfLiteEvalTensor`` has no quantization)."""
    used = {*sg.inputs, *sg.outputs}
    for op in sg.operators:
        used.update(op.inputs, op.outputs, op.intermediates)
    return used


def tensor_problems(sg: Subgraph, writers: dict[int, str]) -> Iterable[str]:
    """Every problem of the subgraph's tensors, as "tensor N 'name' ...", first ones first.
    Quantization is checked where TFLM reads it (:func:`read_by_kernels`), so the scales of
    tensors nothing uses are never read from the file."""
    read = read_by_kernels(sg)
    for t in sg.tensors:
        problem = (
            type_problem(t)
            or (quantization_problem(t) if t.index in read else None)
            or data_problem(t)
        )
        if problem is None and t.elements > INT_MAX:
            problem = (
                f"has {t.elements:,} elements (shape {list(t.shape)}); TFLM counts elements in "
                "an int32, which overflows"
            )
        if problem is None and (t.data_bytes == 0 or t.external_data) and not t.is_variable:
            problem = activation_problem(t, writers)
        if problem is not None:
            yield f"{describe(t, sg.index)} {problem}"


__all__ = [
    "TFLM_SIZED_TYPES",
    "activation_problem",
    "data_problem",
    "describe",
    "quantization_problem",
    "read_by_kernels",
    "tensor_problems",
    "type_problem",
]
