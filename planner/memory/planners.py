"""Memory planners: functions that place the head's buffers and report the head size.

Each planner takes the buffers of :func:`planner.runtimes.tflm.allocation_info.tflm_buffers` and
returns a
:class:`Plan`. ``"tflm"`` is TFLM's own ``GreedyMemoryPlanner`` (:mod:`.greedy`), the one the
runtime uses unless the application supplies another. ``"optimized"`` (:mod:`.optimal`) is a
better plan for the same buffers in the same order, as TFLM realises it when the model carries
it as ``OfflineMemoryAllocation`` metadata (scratch buffers still placed by TFLM); never larger
than ``"tflm"``. Reordering and buffer sharing on top of it:
:func:`planner.offline_plan.optimize.optimize`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from planner.memory.placement import plan_optimal
from planner.runtimes.tflm.allocation_info import Buffer
from planner.runtimes.tflm.memory_planner.greedy import Plan, plan_greedy

PlannerFn = Callable[[Sequence[Buffer]], Plan]

#: Planner name -> function.
PLANNERS: Mapping[str, PlannerFn] = MappingProxyType(
    {"tflm": plan_greedy, "optimized": plan_optimal}
)

__all__ = ["PLANNERS", "Plan", "PlannerFn", "plan_greedy", "plan_optimal"]
