"""Operators that move or copy data: reshapes, transposes, padding, slicing, concatenation,
packing, splitting, gathering, resizing. TFLM's reference kernels.

Sources (tensorflow/lite/micro/kernels/): reshape.cc / reshape_common.cc, squeeze.cc,
expand_dims.cc, shape.cc, transpose.cc, pad.cc, mirror_pad.cc, strided_slice.cc, slice.cc,
concatenation.cc, pack.cc, unpack.cc, split.cc, split_v.cc, gather.cc, resize_*.cc,
space_to_depth.cc, depth_to_space.cc; kernel_util.cc (CreateWritableTensorDimsWithCopy).
"""

from __future__ import annotations

from typing import Any

from planner.analysis.shape_rules import (
    Rule,
    concat_rule,
    expand_dims_rule,
    pad_rule,
    reshape_rule,
    resize_rule,
    space_depth_rule,
    squeeze_rule,
    strided_slice_rule,
    transpose_rule,
)
from planner.runtimes.tflm.kernels.descriptor import (
    InitFn,
    Kernel,
    OpView,
    PersistentBuffer,
    Slot,
    TempsFn,
    fixed,
    modelled,
    temps_fn,
    with_compression,
)
from planner.runtimes.tflm.kernels.reference.pooling import IN0_OUT0
from planner.runtimes.tflm.structs.builtin_data import (
    CONCATENATION_PARAMS_BUILTIN,
    GATHER_PARAMS,
    PACK_PARAMS,
    RESHAPE_PARAMS,
    SHAPE_PARAMS,
    SPLIT_PARAMS,
    SQUEEZE_PARAMS,
    STRIDED_SLICE_PARAMS_BUILTIN,
    UNPACK_PARAMS,
)
from planner.runtimes.tflm.structs.c_layout import CStruct
from planner.runtimes.tflm.structs.op_data import (
    OP_DATA_PAD,
    OP_DATA_STRIDED_SLICE,
    op_data_concatenation,
)
from planner.runtimes.tflm.structs.runtime import int_array_bytes
from planner.targets.target import Target


def writable_dims(view: OpView, _target: Target) -> tuple[PersistentBuffer, ...]:
    """The output's dims copied to the arena (CreateWritableTensorDimsWithCopy)."""
    out = view.output(0)
    return (
        PersistentBuffer("writable output dims", int_array_bytes(len(out.shape) if out else 0)),
    )


def reshape_prepare(view: OpView, target: Target) -> tuple[PersistentBuffer, ...]:
    """ReshapeOutput: only an output declared with a -1 gets its dims copied. A scalar output
    does not (checked against the runtime), unlike forks that also copy empty shapes."""
    out = view.output(0)
    stretched = out is not None and -1 in (out.declared_shape or out.shape)
    return writable_dims(view, target) if stretched else ()


def concatenation_temps(view: OpView) -> tuple[Slot, ...]:
    """ConcatenationPrepare: input 0, output, then every input."""
    return (("i", 0), ("o", 0), *(("i", n) for n in range(len(view.op.inputs))))


def _copy(
    opcode: str,
    builtin: CStruct | None,
    op_data: CStruct | InitFn | None,
    temps: tuple[Slot, ...] | TempsFn | None,
    shape: Rule | None,
    **more: Any,
) -> Kernel:
    return modelled(opcode, builtin, op_data, temps, shape, "copy", **more)


#: Input 0, input 1 (indices, axis or permutation), output: what GATHER, EXPAND_DIMS and
#: TRANSPOSE's Prepare take (gather.cc, expand_dims.cc, transpose.h).
_IN01_OUT0: tuple[Slot, ...] = (("i", 0), ("i", 1), ("o", 0))
_PAD_TEMPS: tuple[Slot, ...] = (("i", 0), ("i", 1), ("i", 2), ("o", 0))
_SLICE_TEMPS: tuple[Slot, ...] = (("i", 0), ("i", 1), ("i", 2), ("i", 3), ("o", 0))
_IN012_OUT0: tuple[Slot, ...] = (("i", 0), ("i", 1), ("i", 2), ("o", 0))
_NONE = temps_fn(())

KERNELS = (
    _copy("RESHAPE", RESHAPE_PARAMS, None, IN0_OUT0, reshape_rule, prepare=reshape_prepare),
    # gather.cc Prepare always relocates the output dims.
    _copy("GATHER", GATHER_PARAMS, None, _IN01_OUT0, None, prepare=writable_dims),
    _copy(
        "CONCATENATION",
        CONCATENATION_PARAMS_BUILTIN,
        with_compression(op_data_concatenation),
        concatenation_temps,
        concat_rule,
    ),
    _copy("SQUEEZE", SQUEEZE_PARAMS, None, IN0_OUT0, squeeze_rule),
    _copy("EXPAND_DIMS", None, None, _IN01_OUT0, expand_dims_rule),
    _copy("TRANSPOSE", None, None, _IN01_OUT0, transpose_rule),  # transpose.h's context
    _copy("PAD", None, OP_DATA_PAD, _PAD_TEMPS, pad_rule),
    _copy("PADV2", None, OP_DATA_PAD, _PAD_TEMPS, pad_rule),
    _copy(
        "STRIDED_SLICE",
        STRIDED_SLICE_PARAMS_BUILTIN,
        OP_DATA_STRIDED_SLICE,
        _SLICE_TEMPS,
        strided_slice_rule,
    ),
    # pack.cc and unpack.cc have no Prepare; split.cc's takes the axis (input 0) only.
    _copy("PACK", PACK_PARAMS, None, (), None),
    _copy("UNPACK", UNPACK_PARAMS, None, (), None),
    _copy("SPLIT", SPLIT_PARAMS, None, (("i", 0),), None),
    # shape.cc's Prepare only checks the counts of inputs and outputs.
    Kernel("SHAPE", tail_known=True, parse=fixed(SHAPE_PARAMS), scratch_known=True, temps=_NONE),
    Kernel(
        "MIRROR_PAD",
        source="tensorflow/lite/micro/kernels/mirror_pad.cc",
        scratch_known=True,
        scratch=lambda v, _t: (len(v.need(0).shape) * 4,) * 2,  # input rank x 4, twice
        temps=lambda _v: (("i", 0), ("i", 1), ("o", 0)),
        shape=pad_rule,
        latency="copy",
    ),
    Kernel(
        "SLICE",
        scratch_known=True,
        no_kernel_buffers=True,
        temps=temps_fn(_IN012_OUT0),  # slice.cc: input, begin, size, output
        shape=strided_slice_rule,
        latency="copy",
    ),
    # split_v.cc's Prepare takes the axis (input 2) only.
    Kernel("SPLIT_V", scratch_known=True, temps=temps_fn((("i", 2),)), latency="copy"),
    # resize_bilinear.cc, resize_nearest_neighbor.cc: input, size, output; no Init.
    *(
        Kernel(
            op,
            scratch_known=True,
            temps=temps_fn(_IN01_OUT0),
            no_kernel_buffers=True,
            shape=resize_rule,
        )
        for op in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR")
    ),
    # space_to_depth.cc, depth_to_space.cc (CalculateOpData): input, output.
    *(
        Kernel(
            op,
            scratch_known=True,
            temps=temps_fn(IN0_OUT0),
            shape=space_depth_rule,
            latency="copy",
        )
        for op in ("SPACE_TO_DEPTH", "DEPTH_TO_SPACE")
    ),
)
