"""IF, WHILE, CALL_ONCE: TFLM's control-flow kernels (kernels/if.cc, while.cc, call_once.cc).

The subgraphs they call are walked by the lifetime marking
(:mod:`planner.runtimes.tflm.allocation_info`); here is what the kernels themselves allocate.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel, Slot, fixed, temps_fn
from planner.runtimes.tflm.structs.builtin_data import CALL_ONCE_PARAMS, IF_PARAMS, WHILE_PARAMS
from planner.runtimes.tflm.structs.c_layout import CStruct
from planner.runtimes.tflm.structs.op_data import OP_DATA_CALL_ONCE, OP_DATA_IF, OP_DATA_WHILE


def _control(opcode: str, builtin: CStruct, op_data: CStruct, temps: tuple[Slot, ...]) -> Kernel:
    """``temps``: the temporary tensors Prepare takes: IF's condition; none for the others."""
    return Kernel(
        opcode,
        source=f"tensorflow/lite/micro/kernels/{opcode.lower()}.cc",
        tail_known=True,
        parse=None if builtin is None else fixed(builtin),
        init=fixed(op_data),
        scratch_known=True,
        temps=temps_fn(temps),
    )


KERNELS = (
    _control("IF", IF_PARAMS, OP_DATA_IF, (("i", 0),)),
    _control("WHILE", WHILE_PARAMS, OP_DATA_WHILE, ()),
    _control("CALL_ONCE", CALL_ONCE_PARAMS, OP_DATA_CALL_ONCE, ()),
)
