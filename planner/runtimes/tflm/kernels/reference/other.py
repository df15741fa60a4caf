"""Operators the pip runtime registers whose Prepare requests no scratch buffer, and whose
persistent data is not modelled (their tail share is reported as unknown).

Which kernels request scratch was established from the pip package's ``_runtime.so`` (its
symbols are not stripped): every call site of ``MicroContextRequestScratchBufferInArena``
lies in a Prepare function of a kernel described in a module of this package.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel, Slot, temps_fn

_REGISTERED_WITHOUT_SCRATCH = (
    "ARG_MAX", "ARG_MIN", "ASSIGN_VARIABLE", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS",
    "BROADCAST_TO", "CUMSUM", "DYNAMIC_UPDATE_SLICE", "EMBEDDING_LOOKUP", "FILL", "GATHER_ND",
    "READ_VARIABLE", "REVERSE_V2", "SELECT_V2", "SPACE_TO_BATCH_ND", "VAR_HANDLE",
    # A custom operator registered by name; its Prepare requests nothing.
    "CIRCULAR_BUFFER",
)  # fmt: skip

_IN0_OUT0: tuple[Slot, ...] = (("i", 0), ("o", 0))
_IN01_OUT0: tuple[Slot, ...] = (("i", 0), ("i", 1), ("o", 0))
_IN012_OUT0: tuple[Slot, ...] = (("i", 0), ("i", 1), ("i", 2), ("o", 0))

#: The temporary tensors each Prepare takes, in order (tensorflow/lite/micro/kernels/<op>.cc).
_TEMPS: dict[str, tuple[Slot, ...]] = {
    "ARG_MAX": (),  # arg_min_max.cc: no Prepare
    "ARG_MIN": (),
    # assign_variable.cc reads the resource id as an eval tensor, takes the value (input 1).
    "ASSIGN_VARIABLE": (("i", 1),),
    # batch_to_space_nd.cc, space_to_batch_nd.cc: input and output, not the block shape or
    # the crops / paddings.
    "BATCH_TO_SPACE_ND": _IN0_OUT0,
    "BROADCAST_ARGS": _IN01_OUT0,
    "BROADCAST_TO": _IN01_OUT0,
    "CUMSUM": _IN01_OUT0,  # CalculateOpData: input, axis, output
    "DYNAMIC_UPDATE_SLICE": _IN012_OUT0,
    "EMBEDDING_LOOKUP": _IN01_OUT0,
    "FILL": _IN01_OUT0,  # dims, value, output
    "GATHER_ND": _IN01_OUT0,
    "READ_VARIABLE": (("i", 0),),  # the resource id only
    "REVERSE_V2": _IN01_OUT0,  # reverse.cc
    "SELECT_V2": _IN012_OUT0,  # select.cc: condition, x, y, output
    "SPACE_TO_BATCH_ND": _IN0_OUT0,
    "VAR_HANDLE": (),  # var_handle.cc writes the output's eval tensor only
    "CIRCULAR_BUFFER": _IN0_OUT0,  # circular_buffer_common.cc
}


#: Those whose Init and Prepare allocate no persistent buffer.
_NO_KERNEL_BUFFERS = frozenset(
    {
        "ARG_MAX", "ARG_MIN", "READ_VARIABLE", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS",
        "BROADCAST_TO", "DYNAMIC_UPDATE_SLICE", "FILL",
    }
)  # fmt: skip

KERNELS = tuple(
    Kernel(
        op,
        scratch_known=True,
        temps=temps_fn(_TEMPS[op]),
        no_kernel_buffers=op in _NO_KERNEL_BUFFERS,
    )
    for op in _REGISTERED_WITHOUT_SCRATCH
)
