"""TFLM's tensor arena for one model on one target: head, tail, total and smallest size.

Puts the runtime model together: the buffers TFLM plans and their lifetimes
(:mod:`.allocation_info`, with the kernels' scratch requests from :mod:`.kernels`), the
target's memory planner (:mod:`.memory_planner`), the persistent tail (:mod:`.micro_allocator`)
and the peaks on the way (:mod:`.smallest_arena`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from planner._gc import gc_paused
from planner.errors import PlannerError
from planner.model.graph import Graph
from planner.runtimes.tflm.allocation_info import Buffer, tflm_buffers, unknown_scratch_ops
from planner.runtimes.tflm.allocations import TailPrediction
from planner.runtimes.tflm.memory_planner import Plan, planner_for
from planner.runtimes.tflm.micro_allocator import persistent_tail
from planner.runtimes.tflm.smallest_arena import smallest_arena_bytes
from planner.runtimes.tflm.structs.c_layout import INT_MAX
from planner.targets.target import HOST, Target


@dataclass(frozen=True)
class ArenaPrediction:
    """TFLM's arena for one model, predicted without running it."""

    target: Target
    buffers: tuple[Buffer, ...]
    plan: Plan
    tail: TailPrediction
    #: Smallest ``kTensorArenaSize`` with which TFLM's allocation succeeds.
    min_arena_bytes: int
    #: Operators whose kernel scratch needs are unknown (no buffer was planned for them).
    unknown_scratch: tuple[str, ...] = ()

    @property
    def head_bytes(self) -> int:
        return self.plan.head_bytes

    @property
    def tail_bytes(self) -> int:
        return self.tail.total_bytes

    @property
    def total_bytes(self) -> int:
        """What TFLM reports after allocation (``arena_used_bytes()``): head + tail."""
        return self.head_bytes + self.tail_bytes

    @property
    def exact(self) -> bool:
        """False when some operator's memory needs are unknown to the planner."""
        return self.tail.exact and not self.unknown

    @property
    def unknown(self) -> tuple[str, ...]:
        tail = self.tail.unknown
        scratch = (
            n
            for n in self.unknown_scratch
            if not any(u == n or u.startswith(n + " ") or u == f"custom op {n}" for u in tail)
        )
        return tuple(dict.fromkeys((*tail, *scratch)))

    @cached_property
    def scratch_bytes(self) -> Mapping[tuple[int, int], int]:
        """Scratch bytes (16-byte rounded) each operator requests, by (subgraph, op index)."""
        out: dict[tuple[int, int], int] = {}
        for b in self.buffers:
            if b.is_scratch and b.op_index is not None:
                key = (b.subgraph, b.op_index)
                out[key] = out.get(key, 0) + b.size_bytes
        return MappingProxyType(out)

    @cached_property
    def tensor_offsets(self) -> Mapping[tuple[int, int], int]:
        """Arena offset of each planned tensor, by (subgraph, tensor index)."""
        return MappingProxyType(
            {
                (b.subgraph, b.tensor_index): off
                for b, off in zip(self.buffers, self.plan.offsets, strict=True)
                if b.tensor_index is not None
            }
        )


def _refuse_int_overflow(graph: Graph, buffers: tuple[Buffer, ...], plan: Plan) -> None:
    """A plan whose end passes ``INT_MAX`` is one TFLM miscomputes: its memory planners hold
    buffer sizes and offsets in ``int`` (``GreedyMemoryPlanner::AddBuffer(int size, ...)``,
    ``ListEntry::offset``) and add them in ``int`` (``GetMaximumMemorySize``), so the plan
    wraps and allocation fails or writes out of bounds on every target, 32- or 64-bit.
    Refuse it rather than size it."""
    for b, offset in zip(buffers, plan.offsets, strict=True):
        if offset + b.size_bytes > INT_MAX:
            from planner.validate.refusal import ModelRefused

            raise ModelRefused(
                graph.path,
                f"{b.name} would end at arena byte {offset + b.size_bytes:,}; TFLM's memory "
                f"planner holds offsets and sizes in an int, which overflows past {INT_MAX:,}",
            )


@gc_paused
def predict_arena(
    graph: Graph,
    target: Target = HOST,
    planner: str = "tflm",
) -> ArenaPrediction:
    """Predict TFLM's arena for ``graph`` on ``target``.

    ``planner`` "tflm" (the only one) places the head with the target's own memory planner.
    The optimized plan (operators reordered, offsets given to TFLM as an offline plan) is
    :func:`planner.offline_plan.optimize.optimize`'s, checked by
    ``planner.api.fit(..., planner="optimized")``.
    """
    if planner != "tflm":
        raise PlannerError(
            f"predict_arena plans with TFLM's own planner, not {planner!r}; the optimized "
            "plan is planner.offline_plan.optimize's (fit(..., planner='optimized'))"
        )
    # Once per graph and target: a fit walks the host-to-board steps, and several boards
    # share a target.
    return graph.memo(("arena", target), lambda: _predict(graph, target))


def _predict(graph: Graph, target: Target) -> ArenaPrediction:
    buffers = tflm_buffers(graph, target)
    plan = planner_for(target).plan(buffers)
    _refuse_int_overflow(graph, buffers, plan)
    tail = persistent_tail(graph, target, sum(1 for b in buffers if b.is_scratch))
    return ArenaPrediction(
        target=target,
        buffers=buffers,
        plan=plan,
        tail=tail,
        min_arena_bytes=smallest_arena_bytes(
            graph, buffers, plan, tail.total_bytes, target, tail.allocations
        ),
        unknown_scratch=unknown_scratch_ops(graph, target),
    )
