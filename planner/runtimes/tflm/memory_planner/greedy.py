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
    Where thousands of long-lived buffers make those lengths quadratic, TFLM's walk itself,
    vectorised with numpy (:func:`plan_greedy_walk`), is cheaper and is taken instead.
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


class _FreeSpace:
    """The free holes ``[start, end)`` of the arena at one step, sorted and disjoint; the last
    one is open-ended. Holes are only ever split, never merged, so a zero-size buffer (a point
    the scan cannot step over) splits a hole in two that touch."""

    __slots__ = ("ends", "starts")

    def __init__(self, top: int) -> None:
        self.starts = [0]
        self.ends = [top]

    def fit(self, at: int, size: int) -> int:
        """The lowest ``c >= at`` with ``[c, c + size)`` inside one hole."""
        starts, ends = self.starts, self.ends
        j = bisect_right(starts, at) - 1
        if j >= 0 and ends[j] - at >= size and at < ends[j]:
            return at
        j += 1
        while ends[j] - starts[j] < size:
            j += 1
        return starts[j]

    def take(self, offset: int, size: int) -> None:
        """Remove ``[offset, offset + size)`` (a point when ``size`` is 0) from the holes."""
        starts, ends = self.starts, self.ends
        end = offset + size
        lo = bisect_right(ends, offset)  # first hole ending after offset
        hi = lo
        while hi < len(starts) and starts[hi] < end:
            hi += 1
        if lo == hi:
            return
        new_starts, new_ends = [], []
        if starts[lo] < offset:
            new_starts.append(starts[lo])
            new_ends.append(offset)
        if ends[hi - 1] > end:
            new_starts.append(end)
            new_ends.append(ends[hi - 1])
        starts[lo:hi] = new_starts
        ends[lo:hi] = new_ends


def _columns(buffers: Sequence[Buffer]) -> tuple[list[int], list[int], list[int]]:
    """Sizes, first steps and last steps of ``buffers``."""
    return (
        [b.size_bytes for b in buffers],
        [b.first_step for b in buffers],
        [b.last_step for b in buffers],
    )


def _lowest_fit(free: list[_FreeSpace], first: int, last: int, size: int) -> int:
    """The lowest offset free for ``size`` bytes at every step from ``first`` to ``last``."""
    candidate, agreed, step, span = 0, 0, first, last - first + 1
    while agreed < span:
        found = free[step].fit(candidate, size)
        if found == candidate:
            agreed += 1
        else:
            candidate, agreed = found, 1
        step = first if step == last else step + 1
    return candidate


#: Rough costs (seconds) that choose between the two exact placements of :func:`plan_greedy`:
#: a step of a buffer's lifetime in the per-step holes, and a placed buffer compared (in
#: numpy) or a buffer placed by the walk over all of them.
_STEP_COST, _PAIR_COST, _WALK_COST = 1.5e-6, 5e-9, 3e-5


def walk_is_cheaper(n: int, lifetime_steps: int) -> bool:
    """Whether TFLM's own walk, vectorised, costs less than the per-step holes: when many
    long-lived buffers are alive together (thousands of model outputs), the summed lifetime
    lengths grow with the square of the buffer count, the walk's cost with n^2 in numpy."""
    return n * (n * _PAIR_COST / 2 + _WALK_COST) < lifetime_steps * _STEP_COST


def plan_greedy_walk(buffers: Sequence[Buffer]) -> Plan:
    """TFLM's loop (:func:`plan_greedy_reference`) with the scan over the placed buffers done
    by numpy: the buffers live at the same time as the new one, in the linked list's order;
    the candidate before each is the highest end seen so far, and the first with a gap of at
    least ``size`` below it stops the scan."""
    import numpy as np

    n = len(buffers)
    sizes, firsts, lasts = _columns(buffers)
    offsets = [-1] * n
    p_off = np.empty(0, dtype=np.int64)
    p_end, p_first, p_last = p_off.copy(), p_off.copy(), p_off.copy()
    for buffer_id in greedy_order(buffers):
        size, first, last = sizes[buffer_id], firsts[buffer_id], lasts[buffer_id]
        fixed = buffers[buffer_id].offline_offset
        if fixed is not None:
            candidate = fixed
        elif len(p_off) == 0:
            candidate = 0
        else:
            live = (p_first <= last) & (p_last >= first)
            starts, ends = p_off[live], p_end[live]
            if len(starts) == 0:
                candidate = 0
            else:
                before = np.maximum.accumulate(np.concatenate(([0], ends)))
                gaps = np.flatnonzero(starts - before[:-1] >= size)
                candidate = int(before[gaps[0]] if len(gaps) else before[-1])
        offsets[buffer_id] = candidate
        at = int(np.searchsorted(p_off, candidate, side="right"))
        p_off = np.insert(p_off, at, candidate)
        p_end = np.insert(p_end, at, candidate + size)
        p_first = np.insert(p_first, at, first)
        p_last = np.insert(p_last, at, last)
    head = max((offsets[i] + sizes[i] for i in range(n)), default=0)
    return Plan(offsets=tuple(offsets), head_bytes=head, planner=PLANNER_NAME)


@gc_paused
def plan_greedy(buffers: Sequence[Buffer]) -> Plan:
    """Place ``buffers`` exactly as TFLM's GreedyMemoryPlanner does (same offsets and head as
    :func:`plan_greedy_reference`, without its quadratic walk).

    TFLM's scan over the placed buffers that share a step with the new one, in offset order,
    stops at the first gap of at least ``size`` bytes: that is the lowest offset where
    ``size`` bytes overlap none of them (every offset below it is inside a placed buffer or
    in a gap too small; a zero-size placed buffer is a point the scan does not step over).
    So the planner keeps, for each step, the arena's free holes, and puts each buffer at the
    lowest offset free at every step of its lifetime: the cost is the summed lifetime lengths
    times the holes looked at, not the number of buffers alive at once (a model with 100,000
    tensors no operator reaches keeps them all alive at one step)."""
    n = len(buffers)
    if n == 0:
        return Plan(offsets=(), head_bytes=0, planner=PLANNER_NAME)
    sizes, firsts, lasts = _columns(buffers)
    if any(f > last for f, last in zip(firsts, lasts, strict=True)) or any(
        b.offline_offset is not None and b.offline_offset < 0 for b in buffers
    ):
        return plan_greedy_reference(buffers)  # not what TFLM makes: walk them all
    if walk_is_cheaper(n, sum(last - f + 1 for f, last in zip(firsts, lasts, strict=True))):
        return plan_greedy_walk(buffers)
    # Steps renumbered 0..k-1 (only their order matters), so the tables below stay small.
    steps = sorted({*firsts, *lasts})
    rank = {step: i for i, step in enumerate(steps)}
    # The last hole ends beyond anything the buffers can reach, so it always fits.
    top = 1 + sum(sizes) + max((b.offline_offset or 0) + b.size_bytes for b in buffers)
    free = [_FreeSpace(top) for _ in steps]
    offsets = [-1] * n
    for buffer_id in greedy_order(buffers):
        first, last = rank[firsts[buffer_id]], rank[lasts[buffer_id]]
        size = sizes[buffer_id]
        fixed = buffers[buffer_id].offline_offset
        if fixed is not None:
            offset = fixed
        elif size == 0:
            offset = 0  # the scan stops at once: the first gap is never negative
        elif first == last:  # one step (most buffers): its lowest hole that fits
            offset = free[first].fit(0, size)
        else:
            offset = _lowest_fit(free, first, last, size)
        offsets[buffer_id] = offset
        for step in range(first, last + 1):
            free[step].take(offset, size)
    head = max(offsets[i] + sizes[i] for i in range(n))
    return Plan(offsets=tuple(offsets), head_bytes=head, planner=PLANNER_NAME)


def plan_greedy_reference(buffers: Sequence[Buffer]) -> Plan:
    """TFLM's GreedyMemoryPlanner loop as TFLM writes it, O(n^2): the reference the fast
    :func:`plan_greedy` is tested against."""
    n = len(buffers)
    if n == 0:
        return Plan(offsets=(), head_bytes=0, planner=PLANNER_NAME)
    sizes, firsts, lasts = _columns(buffers)
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


__all__ = [
    "PLANNER_NAME",
    "Plan",
    "greedy_order",
    "plan_greedy",
    "plan_greedy_reference",
    "plan_greedy_walk",
    "walk_is_cheaper",
]
