"""MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL (REDUCE_PROD's shape): TFLM's reference kernels.

Source: tensorflow/lite/micro/kernels/reduce_common.cc (``PrepareMeanOrSumHelper``,
``PrepareMinMaxHelper``, ``PrepareAllHelper``, ``PrepareSimple``).
"""

from __future__ import annotations

from planner.analysis.shape_rules import reduce_rule
from planner.runtimes.tflm.kernels.descriptor import Kernel, OpView, Slot, fixed
from planner.runtimes.tflm.structs.builtin_data import REDUCER_PARAMS
from planner.runtimes.tflm.structs.op_data import OP_DATA_REDUCE
from planner.targets.target import Target

_SOURCE = "tensorflow/lite/micro/kernels/reduce_common.cc"


def _axis_buffers(view: OpView) -> tuple[int, int]:
    """Input rank x 4 and axis elements x 4 (the resolved axes and temp index)."""
    return (len(view.need(0).shape) * 4, view.need(1).elements * 4)


def mean_sum_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    """int8/int16 -> output elements x 4 first (the int32 accumulator)."""
    if view.need(0).dtype in ("INT8", "INT16"):
        return (view.need(0, outputs=True).elements * 4, *_axis_buffers(view))
    return _axis_buffers(view)


def _simple(view: OpView) -> tuple[Slot, ...]:
    """PrepareSimple: input, axis and, for an int8 INPUT (whatever the output's type), the
    output."""
    int8_input = view.need(0).dtype == "INT8"
    return (("i", 0), ("i", 1)) + ((("o", 0),) if int8_input else ())


def mean_sum_temps(view: OpView) -> tuple[Slot, ...]:
    return (("i", 0), ("o", 0), ("i", 1), *_simple(view))


def min_max_temps(view: OpView) -> tuple[Slot, ...]:
    return (*_simple(view), ("i", 0), ("o", 0), ("i", 1))


def _reducer(opcode: str, covered: bool) -> Kernel:
    mean_or_sum = opcode in ("MEAN", "SUM")
    return Kernel(
        opcode,
        source=_SOURCE,
        tail_known=covered,
        parse=fixed(REDUCER_PARAMS) if covered else None,
        init=fixed(OP_DATA_REDUCE) if covered else None,
        scratch_known=True,
        scratch=mean_sum_scratch if mean_or_sum else (lambda v, _t: _axis_buffers(v)),
        temps=mean_sum_temps if mean_or_sum else min_max_temps,
        shape=reduce_rule if opcode != "REDUCE_ALL" else None,
        latency="pooling" if opcode != "REDUCE_ALL" else "elementwise",
    )


KERNELS = (
    *(_reducer(op, True) for op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN")),
    _reducer("REDUCE_ALL", False),
    Kernel("REDUCE_PROD", shape=reduce_rule, latency="pooling"),
)
