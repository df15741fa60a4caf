"""AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D: TFLM's reference kernels (kernels/pooling.cc,
pooling_common.cc)."""

from __future__ import annotations

from planner.analysis.shape_rules import pool_rule
from planner.runtimes.tflm.kernels.descriptor import Kernel, Slot, fixed
from planner.runtimes.tflm.structs.builtin_data import POOL_PARAMS
from planner.runtimes.tflm.structs.op_data import OP_DATA_POOLING

IN0_OUT0: tuple[Slot, ...] = (("i", 0), ("o", 0))


def _pool(opcode: str) -> Kernel:
    return Kernel(
        opcode,
        source="tensorflow/lite/micro/kernels/pooling.cc",
        tail_known=True,
        parse=fixed(POOL_PARAMS),
        init=fixed(OP_DATA_POOLING),
        scratch_known=True,
        temps=lambda _v: IN0_OUT0,
        shape=pool_rule,
        latency="pooling",
    )


KERNELS = (
    _pool("AVERAGE_POOL_2D"),
    _pool("MAX_POOL_2D"),
    # l2_pool_2d.cc's Prepare takes the output before the input.
    Kernel(
        "L2_POOL_2D",
        source="tensorflow/lite/micro/kernels/l2_pool_2d.cc",
        scratch_known=True,
        temps=lambda _v: (("o", 0), ("i", 0)),
        shape=pool_rule,
        latency="pooling",
    ),
)
