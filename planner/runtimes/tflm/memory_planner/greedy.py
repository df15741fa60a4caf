"""TFLM's ``GreedyMemoryPlanner``, reproduced offset for offset.

Source: tensorflow/tflite-micro, tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc
(``CalculateOffsetsIfNeeded``, ``NextSimultaneouslyActiveBuffer``, ``GetMaximumMemorySize``).

Order
    Offline-planned buffers come first, in the order they were added, at their fixed
    offsets. The online buffers are written into the sort array from its end backwards (so
    in reverse order of addition) and then bubble-sorted by size, largest first, swapping
    only strictly smaller neighbours (``ReverseSortInPlace``). That sort is stable, so equal
    sizes keep the reversed order: among equal sizes, the buffer added last is placed first.

Placement
    The first buffer of that order goes at offset 0 (or its offline offset). Each later
    online buffer walks the placed buffers in offset order, looking only at those whose
    lifetime overlaps its own (inclusive: ``[first, last]`` ranges that share a step); the
    candidate offset is the highest end of the overlapping buffers seen so far, and the buffer
    goes into the first gap before the next overlapping buffer that is at least its size, else
    after the last one. A new entry is linked in after every placed entry with an offset not
    above its own.

High-water mark
    ``GetMaximumMemorySize``: the largest ``offset + size`` over all placed buffers.

Speed
    TFLM's own loop (:func:`plan_greedy_reference`, kept as written for the tests) walks every
    placed buffer for every buffer, O(n^2) even when each buffer overlaps only a handful of
    others in time, as in any deep model. :func:`plan_greedy` gives the same offsets by
    looking only at the buffers that do overlap: it keeps the placed buffers by execution
    step (those live at each step, and those starting at each step), collects the ones whose
    lifetime meets the new buffer's, sorts them in the linked list's order (offset, then
    placement order) and scans them exactly as TFLM does. The cost is the number of
    overlapping pairs plus the summed lifetime lengths, close to linear for real models.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from planner._gc import gc_paused
from planner.runtimes.tflm.allocation_info import Buffer

PLANNER_NAME = "tflm"


@dataclass(frozen=True)
class Plan:
    """Where a memory planner puts each buffer, and the head size that results."""

    #: Arena offset of each buffer, parallel to the buffers planned.
    offsets: tuple[int, ...]
    #: High-water mark: the largest offset + size, i.e. the arena head in bytes.
    head_bytes: int
    planner: str


def greedy_order(buffers: Sequence[Buffer]) -> list[int]:
    """Indices of ``buffers`` in the order TFLM's greedy planner places them."""
    offline = [i for i, b in enumerate(buffers) if b.offline_offset is not None]
    online = [i for i, b in enumerate(buffers) if b.offline_offset is None]
    online.reverse()
    online.sort(key=lambda i: -buffers[i].size_bytes)  # stable, like ReverseSortInPlace
    return offline + online


@gc_paused
def plan_greedy(buffers: Sequence[Buffer]) -> Plan:
    """Place ``buffers`` exactly as TFLM's GreedyMemoryPlanner does (same offsets and head as
    :func:`plan_greedy_reference`, without its quadratic walk)."""
    n = len(buffers)
    if n == 0:
        return Plan(offsets=(), head_bytes=0, planner=PLANNER_NAME)
    sizes = [b.size_bytes for b in buffers]
    firsts = [b.first_step for b in buffers]
    lasts = [b.last_step for b in buffers]
    if any(f > last for f, last in zip(firsts, lasts, strict=True)):
        return plan_greedy_reference(buffers)  # not a lifetime TFLM makes: walk them all
    # Steps renumbered 0..k-1 (only their order matters), so the tables below stay small.
    steps = sorted({*firsts, *lasts})
    rank = {step: i for i, step in enumerate(steps)}
    # Placed buffers as (offset, placement index, end): live at each step, starting at each.
    live_at: list[list[tuple[int, int, int]]] = [[] for _ in steps]
    starts_at: list[list[tuple[int, int, int]]] = [[] for _ in steps]
    offsets = [-1] * n
    for placed_index, buffer_id in enumerate(greedy_order(buffers)):
        first, last = rank[firsts[buffer_id]], rank[lasts[buffer_id]]
        size = sizes[buffer_id]
        fixed = buffers[buffer_id].offline_offset
        if fixed is not None:
            candidate = fixed
        else:
            # Placed buffers whose lifetime meets [first, last]: those live at `first`, and
            # those starting after it, up to `last`. In TFLM's list order: by offset, then by
            # placement (a buffer goes after those already placed at the same offset).
            overlapping = live_at[first][:]
            for step in range(first + 1, last + 1):
                overlapping += starts_at[step]
            overlapping.sort()
            candidate = 0
            for offset, _, end in overlapping:
                if offset - candidate >= size:
                    break  # the gap before this buffer is big enough
                if end > candidate:
                    candidate = end
        offsets[buffer_id] = candidate
        entry = (candidate, placed_index, candidate + size)
        starts_at[first].append(entry)
        for step in range(first, last + 1):
            live_at[step].append(entry)
    head = max(offsets[i] + sizes[i] for i in range(n))
    return Plan(offsets=tuple(offsets), head_bytes=head, planner=PLANNER_NAME)


def plan_greedy_reference(buffers: Sequence[Buffer]) -> Plan:
    """TFLM's GreedyMemoryPlanner loop as TFLM writes it, O(n^2): the reference the fast
    :func:`plan_greedy` is tested against."""
    n = len(buffers)
    if n == 0:
        return Plan(offsets=(), head_bytes=0, planner=PLANNER_NAME)
    sizes = [b.size_bytes for b in buffers]
    firsts = [b.first_step for b in buffers]
    lasts = [b.last_step for b in buffers]
    offsets = [-1] * n

    # The placed buffers, kept in TFLM's linked-list order (by offset; later insertions
    # after earlier ones with the same offset).
    placed: list[int] = []
    placed_offsets: list[int] = []

    for buffer_id in greedy_order(buffers):
        fixed = buffers[buffer_id].offline_offset
        if fixed is not None:
            candidate = fixed
        elif not placed:
            candidate = 0
        else:
            size, first, last = sizes[buffer_id], firsts[buffer_id], lasts[buffer_id]
            candidate = 0
            for entry in placed:
                if firsts[entry] > last or first > lasts[entry]:
                    continue  # not live at the same time
                if offsets[entry] - candidate >= size:
                    break  # the gap before this buffer is big enough
                candidate = max(candidate, offsets[entry] + sizes[entry])
        offsets[buffer_id] = candidate
        position = bisect_right(placed_offsets, candidate)
        placed.insert(position, buffer_id)
        placed_offsets.insert(position, candidate)

    head = max(offsets[i] + sizes[i] for i in range(n))
    return Plan(offsets=tuple(offsets), head_bytes=head, planner=PLANNER_NAME)


__all__ = ["PLANNER_NAME", "Plan", "greedy_order", "plan_greedy", "plan_greedy_reference"]
