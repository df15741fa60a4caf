"""TFLM's memory planners behind one interface, like TFLM's ``MicroMemoryPlanner``
(tensorflow/lite/micro/memory_planner/micro_memory_planner.h).

A planner places the head's buffers (:meth:`MemoryPlanner.plan`: offsets and the high-water
mark), is itself an object in the arena's tail (:attr:`MemoryPlanner.struct`), needs a
workspace in the head while it plans (:meth:`MemoryPlanner.workspace_bytes`, what
``MicroAllocator`` reserves from ``GetMaxBuffers() x per_buffer_size()``) and may or may not
honour offline offsets (``OfflineMemoryAllocation`` metadata). The target names its planner
(:attr:`~planner.targets.target.Target.memory_planner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from planner.runtimes.tflm.allocation_info import Buffer
from planner.runtimes.tflm.memory_planner.greedy import Plan, plan_greedy
from planner.runtimes.tflm.structs.c_layout import CStruct
from planner.runtimes.tflm.structs.runtime import GREEDY_MEMORY_PLANNER
from planner.targets.target import Target


class MemoryPlanner(NamedTuple):
    """One of TFLM's memory planners, as far as the arena is concerned."""

    name: str
    #: The planner object's own struct (allocated in the tail by MicroAllocator::Create).
    struct: CStruct
    #: Workspace bytes per buffer while planning (``per_buffer_size()``).
    bytes_per_buffer: int
    #: Whether offline offsets from the model are honoured.
    offline_plans: bool

    def plan(self, buffers: Sequence[Buffer]) -> Plan:
        return plan_greedy(buffers)

    def workspace_bytes(self, buffer_count: int) -> int:
        return self.bytes_per_buffer * buffer_count


#: ``GreedyMemoryPlanner`` (greedy_memory_planner.h): ``per_buffer_size()`` adds up its
#: per-buffer records (requirements, sorted sizes and ids, list entry, offset), all made of
#: ints: 40 bytes on every ABI (checked against the pip runtime's smallest arena).
GREEDY = MemoryPlanner("greedy", GREEDY_MEMORY_PLANNER, 40, offline_plans=True)

_PLANNERS = {"greedy": GREEDY}


def planner_for(target: Target) -> MemoryPlanner:
    """The memory planner the target's interpreter uses."""
    return _PLANNERS[target.memory_planner]


__all__ = ["GREEDY", "MemoryPlanner", "Plan", "planner_for"]
