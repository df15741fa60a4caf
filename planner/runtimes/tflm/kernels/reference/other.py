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

#: The temporary tensors their Prepare takes, where read from the source (reverse.cc).
_TEMPS: dict[str, tuple[Slot, ...]] = {"REVERSE_V2": (("i", 0), ("i", 1), ("o", 0))}


KERNELS = tuple(
    Kernel(op, scratch_known=True, temps=temps_fn(_TEMPS.get(op)))
    for op in _REGISTERED_WITHOUT_SCRATCH
)
