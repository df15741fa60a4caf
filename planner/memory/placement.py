"""Optimal placement: offsets for the buffers of a fixed order that beat TFLM's greedy ones.

The home of placement algorithms that are not a runtime's own (TFLM's greedy planner, the
one the runtime runs, is :mod:`planner.runtimes.tflm.memory_planner.greedy`).

The problem
    Each buffer has a size (16-rounded) and an inclusive lifetime ``[first, last]``; buffers
    whose lifetimes share a step must not share bytes. Minimise the high-water mark
    ``max(offset + size)``. This is *dynamic storage allocation*, NP-hard in general. Its
    lower bound (:func:`interval_lower_bound`) is the largest sum of sizes alive at one step:
    no placement can go below it, and a placement that reaches it is optimal.

What :func:`place` does (a portfolio; the best realised result wins)
    1. Greedy placement in several orders (largest first, longest-lived first, largest
       area first, most contended first, start time) with first-fit and best-fit gap choice.
    2. A time sweep with a target height (the lower bound, then the best head found less 16):
       each buffer goes to a gap end that touches the arena's edges or buffers that outlive
       it, so long-lived buffers stay at the edges and short-lived ones meet in the middle.
       On a chain (every buffer alive for two consecutive steps) this is ping-pong
       placement and reaches the lower bound.
    3. A deterministic local search over the two best greedy orders: move a buffer to an
       earlier turn (half the time one of those ending at the current head), re-place the
       rest, keep the move if the head does not grow; bounded by a move and a work budget.
    4. When the best head is still above the lower bound and at most ``EXACT_MAX_ITEMS``
       buffers are free: an exact branch-and-bound over bottom-left normal placements
       (every buffer at 0 or on top of a buffer alive with it, in offset order), with a
       node budget. When it finishes without finding a lower head, the head found is
       proven optimal for this order.

    It stops as soon as a candidate reaches the lower bound. When more than
    ``MAX_OVERLAPPING_PAIRS`` pairs of buffers are alive together (thousands at once), steps
    1-4 would cost too much: the result is then the better of the given candidates and TFLM's
    greedy rule, which the linear planner runs.

Online buffers and the runtime
    TFLM cannot be given offsets for kernel scratch buffers (``RequestScratchBufferInArena``):
    it plans them itself, with its greedy rule, around the offline-planned tensors. So every
    candidate is scored by an ``evaluate`` function that returns the head TFLM will really
    reach: :func:`realized_evaluator` replays TFLM's greedy rule for the scratch buffers with
    the tensors fixed (a fast copy of :func:`realize`, which runs TFLM's own greedy planner,
    :mod:`.greedy`, exact, on the buffers with offline offsets; the two agree, tested).
    Candidates are tried both with the scratch buffers reserved by the heuristic and with
    them left entirely to TFLM.

:func:`plan_optimal` places TFLM's buffers (a peer of the greedy planner's ``plan_greedy``,
same arguments, same :class:`Plan`). It keeps offsets the model already fixes
(``OfflineMemoryAllocation``), and returns TFLM's own plan (planner ``"tflm"``) whenever
nothing better is found, so it never reports a larger head than TFLM's. The *optimized* plan
(``planner optimize``, ``fit(..., planner="optimized")``) is
:func:`planner.offline_plan.optimize.optimize`: operator reordering and buffer sharing, with
offsets from :func:`place`, written into the model.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from planner.runtimes.tflm.allocation_info import Buffer
from planner.runtimes.tflm.allocations import ARENA_ALIGNMENT
from planner.runtimes.tflm.memory_planner.greedy import Plan, greedy_order, plan_greedy

PLANNER_NAME = "optimal placement"

#: Largest number of free buffers the exact search is tried on.
EXACT_MAX_ITEMS = 14
#: Nodes the exact search may visit per call.
EXACT_NODE_BUDGET = 40_000
#: Moves the local search tries (deterministic: a fixed seed).
LOCAL_SEARCH_MOVES = 1_500
#: Buffer placements the local search may make in all (each move re-places a suffix).
LOCAL_SEARCH_WORK = 50_000
#: Most pairs of items alive at the same time that the search takes on. Each greedy pass
#: walks every item's neighbours, so its cost grows with the pairs (thousands of tensors
#: alive at once make billions); past this the placement is TFLM's own greedy rule, largest
#: first, and the candidates given (TFLM's plan): linear, and never worse than TFLM.
MAX_OVERLAPPING_PAIRS = 1_000_000
#: Wall-clock cap on the whole search, seconds: a safety net only (the move and work budgets
#: end the search first, so results do not depend on the machine's speed).
TIME_CAP_SECONDS = 1.0

Evaluate = Callable[[Sequence[int]], int]


@dataclass(frozen=True)
class Placement:
    """Offsets for every item and the head they give.

    ``head_bytes`` is the realised head (``evaluate`` of the offsets); ``lower_bound`` the
    largest sum of sizes alive at one step (no placement goes below it); ``method`` the
    heuristic that produced the offsets; ``proven_optimal`` is True when the head is proven
    the least possible for these lifetimes: it equals the lower bound, or the exact search
    covered every placement.
    """

    offsets: tuple[int, ...]
    head_bytes: int
    lower_bound: int
    method: str
    proven_optimal: bool


def interval_lower_bound(sizes: Sequence[int], firsts: Sequence[int], lasts: Sequence[int]) -> int:
    """The largest sum of sizes of buffers alive at the same step (inclusive lifetimes)."""
    events: list[tuple[int, int, int]] = []
    for size, first, last in zip(sizes, firsts, lasts, strict=True):
        events.append((first, 0, size))  # starts sort before ends at the same step
        events.append((last, 1, size))
    events.sort()
    live = best = 0
    for _, kind, size in events:
        if kind == 0:
            live += size
            best = max(best, live)
        else:
            live -= size
    return best


def lower_bound(buffers: Sequence[Buffer]) -> int:
    """The in-order lower bound of a buffer set: its largest live sum at one step."""
    return interval_lower_bound(
        [b.size_bytes for b in buffers],
        [b.first_step for b in buffers],
        [b.last_step for b in buffers],
    )


def overlapping_pairs(firsts: Sequence[int], lasts: Sequence[int]) -> int:
    """How many pairs of items share a step (inclusive lifetimes), in n log n."""
    order = sorted(range(len(firsts)), key=firsts.__getitem__)
    starts = [firsts[i] for i in order]
    return sum(bisect_right(starts, lasts[i]) - position - 1 for position, i in enumerate(order))


def _greedy_rule(
    sizes: Sequence[int], firsts: Sequence[int], lasts: Sequence[int], fixed: Sequence[int | None]
) -> list[int]:
    """Offsets by TFLM's greedy rule (largest first, lowest gap; ``fixed`` kept), run by the
    linear planner of :mod:`.greedy`: the placement when the search would cost too much."""
    buffers = [
        Buffer(("tensor", 0, i), size, first, last, offset, 0, i, None, "", size)
        for i, (size, first, last, offset) in enumerate(
            zip(sizes, firsts, lasts, fixed, strict=True)
        )
    ]
    return list(plan_greedy(buffers).offsets)


def _top(offsets: Sequence[int], sizes: Sequence[int]) -> int:
    return max((o + s for o, s in zip(offsets, sizes, strict=True) if o >= 0), default=0)


class _Instance:
    """Arrays and the conflict graph of one placement problem (mutable only inside)."""

    def __init__(
        self,
        sizes: Sequence[int],
        firsts: Sequence[int],
        lasts: Sequence[int],
        fixed: Sequence[int | None],
        online: Sequence[bool],
        evaluate: Evaluate,
    ) -> None:
        self.n = len(sizes)
        self.sizes = list(sizes)
        self.firsts = list(firsts)
        self.lasts = list(lasts)
        self.fixed = list(fixed)
        self.online = list(online)
        self.evaluate = evaluate
        order = sorted(range(self.n), key=lambda i: (self.firsts[i], self.lasts[i]))
        nbrs: list[list[int]] = [[] for _ in range(self.n)]
        for a, i in enumerate(order):
            for j in order[a + 1 :]:
                if self.firsts[j] > self.lasts[i]:
                    break
                if self.lasts[j] >= self.firsts[i]:
                    nbrs[i].append(j)
                    nbrs[j].append(i)
        self.nbrs = nbrs
        self.free = [i for i in range(self.n) if self.fixed[i] is None]
        self.base = [-1 if f is None else f for f in self.fixed]

    # -- primitives --------------------------------------------------------------------------

    def occupied(self, i: int, offsets: Sequence[int]) -> list[tuple[int, int, int]]:
        """Placed neighbours of ``i`` as (start, end, item), by start."""
        out = [(offsets[j], offsets[j] + self.sizes[j], j) for j in self.nbrs[i] if offsets[j] >= 0]
        out.sort()
        return out

    def gap_place(self, i: int, offsets: Sequence[int], best_fit: bool) -> int:
        size = self.sizes[i]
        pos = 0
        chosen = -1
        chosen_gap = -1
        for start, end, _ in self.occupied(i, offsets):
            gap = start - pos
            if gap >= size:
                if not best_fit:
                    return pos
                if chosen < 0 or gap < chosen_gap:
                    chosen, chosen_gap = pos, gap
            pos = max(pos, end)
        return chosen if chosen >= 0 else pos

    def place_in_order(
        self, order: Sequence[int], best_fit: bool, start: list[int] | None = None, skip: int = 0
    ) -> list[int]:
        """Place ``order[skip:]`` greedily onto ``start`` (default: only fixed items placed)."""
        offsets = list(self.base) if start is None else start
        for i in order[skip:]:
            offsets[i] = self.gap_place(i, offsets, best_fit)
        return offsets

    def sweep(self, target: int, items: Sequence[int]) -> list[int]:
        """Time-ordered placement at gap ends next to long-lived neighbours, aiming at
        ``target``; items that cannot fit below it go to the lowest gap that holds them."""
        offsets = list(self.base)
        order = sorted(items, key=lambda i: (self.firsts[i], -self.lasts[i], -self.sizes[i]))
        forever = 1 << 62
        for i in order:
            size, last = self.sizes[i], self.lasts[i]
            occ = self.occupied(i, offsets)
            # Free gaps (lo, hi, death_below, death_above); the last one is open above.
            gaps: list[tuple[int, int, int, int]] = []
            pos, below = 0, forever
            for start, end, j in occ:
                if start > pos:
                    gaps.append((pos, start, below, self.lasts[j]))
                if end >= pos:
                    pos, below = end, self.lasts[j]
            gaps.append((pos, max(pos, target), below, forever))
            best: tuple[tuple[int, int, int, int], int] | None = None
            for lo, hi, d_lo, d_hi in gaps:
                if hi - lo >= size:
                    for p, touch in ((lo, d_lo), (hi - size, d_hi)):
                        tight = (hi - lo) - size
                        # Prefer neighbours that outlive this buffer, then a tight gap, then low.
                        key = (0, -min(touch, last + 1), tight, p)
                        if best is None or key < best[0]:
                            best = (key, p)
            offsets[i] = self.gap_place(i, offsets, best_fit=False) if best is None else best[1]
        return offsets


def _orders(inst: _Instance, items: Sequence[int]) -> list[tuple[str, list[int]]]:
    s, f, la = inst.sizes, inst.firsts, inst.lasts
    length = [la[i] - f[i] + 1 for i in range(inst.n)]
    pressure = [s[i] + sum(s[j] for j in inst.nbrs[i]) for i in range(inst.n)]
    keys: list[tuple[str, Callable[[int], tuple[int, ...]]]] = [
        ("size", lambda i: (-s[i], f[i], i)),
        ("size-long", lambda i: (-s[i], -length[i], f[i])),
        ("area", lambda i: (-s[i] * length[i], -s[i], f[i])),
        ("long", lambda i: (-length[i], -s[i], f[i])),
        ("pressure", lambda i: (-pressure[i], -s[i], f[i])),
        ("start", lambda i: (f[i], -la[i], -s[i])),
    ]
    return [(name, sorted(items, key=key)) for name, key in keys]


class SearchBudgetError(Exception):
    """The exact search ran out of nodes before it could answer."""


def _exact(inst: _Instance, items: Sequence[int], target: int, budget: int) -> list[int] | None:
    """A placement of ``items`` (on top of the fixed ones) with every end <= target, or None.

    Searches bottom-left normal placements in increasing offset order: each next buffer sits
    at 0 or on the end of a placed buffer alive with it, at or above the previous offset.
    Raises :class:`SearchBudgetError` when the node budget runs out.
    """
    sizes, nbrs = inst.sizes, inst.nbrs
    offsets = list(inst.base)
    remaining = set(items)
    nodes = 0

    def feasible(i: int, p: int) -> bool:
        end = p + sizes[i]
        if end > target:
            return False
        for j in nbrs[i]:
            o = offsets[j]
            if o >= 0 and o < end and p < o + sizes[j]:
                return False
        return True

    def lowest_fit(i: int, floor: int) -> int:
        """Lowest position >= floor where ``i`` clears its placed neighbours."""
        p = floor
        for o, end in sorted(
            (offsets[j], offsets[j] + sizes[j]) for j in nbrs[i] if offsets[j] >= 0
        ):
            if o - p >= sizes[i]:
                break
            p = max(p, end)
        return p

    def dfs(floor: int, last_at_floor: int) -> bool:
        nonlocal nodes
        if not remaining:
            return True
        nodes += 1
        if nodes > budget:
            raise SearchBudgetError
        options: list[tuple[int, int, list[int]]] = []
        for i in remaining:
            if lowest_fit(i, floor) + sizes[i] > target:
                return False  # every buffer left goes at or above the floor: no room
            cands = {0} | {offsets[j] + sizes[j] for j in nbrs[i] if offsets[j] >= 0}
            ps = sorted(
                p
                for p in cands
                if p >= floor and (p > floor or i > last_at_floor) and feasible(i, p)
            )
            if ps:
                options.append((len(ps), i, ps))
        # A normal placement, listed by offset (ties by index), places each buffer at 0 or
        # on a buffer listed before it: branching on every (buffer, position) covers it.
        options.sort()
        for _, i, ps in options:
            for p in ps:
                offsets[i] = p
                remaining.discard(i)
                if dfs(p, i):
                    return True
                remaining.add(i)
                offsets[i] = -1
        return False

    return offsets if dfs(0, -1) else None


class _Best:
    """The best candidate so far, scored by ``evaluate``; says when the bound is reached."""

    def __init__(self, evaluate: Evaluate, bound: int) -> None:
        self.evaluate = evaluate
        self.bound = bound
        self.placement: Placement | None = None

    @property
    def head(self) -> int:
        return self.placement.head_bytes if self.placement is not None else 1 << 62

    def consider(self, offsets: Sequence[int], method: str) -> bool:
        """Score a candidate; True when the lower bound is reached (stop searching)."""
        head = self.evaluate(offsets)
        if head < self.head:
            self.placement = Placement(tuple(offsets), head, self.bound, method, head <= self.bound)
        return self.head <= self.bound


#: A greedy run: (realised head, method, order, best fit).
_Run = tuple[int, str, list[int], bool]


def _greedy_and_sweep(
    inst: _Instance, best: _Best, item_sets: Sequence[tuple[str, list[int]]]
) -> list[_Run] | None:
    """Steps 1-2: every greedy order, first- and best-fit, then the sweep. Returns the greedy
    runs, or None when a candidate reached the lower bound."""
    runs: list[_Run] = []
    for prefix, items in item_sets:
        for name, order in _orders(inst, items):
            for best_fit in (False, True):
                offsets = inst.place_in_order(order, best_fit)
                method = f"{prefix}{name} {'best' if best_fit else 'first'}-fit"
                if best.consider(offsets, method):
                    return None
                runs.append((inst.evaluate(offsets), method, order, best_fit))
        for target in (best.bound, best.head - ARENA_ALIGNMENT):
            if best.consider(inst.sweep(target, items), f"{prefix}sweep to {target}"):
                return None
    return runs


def _local_search(
    inst: _Instance, best: _Best, runs: list[_Run], seed: int, deadline: float
) -> bool:
    """Step 3: move buffers to earlier turns in the two best greedy orders, keeping moves that
    do not raise the head. True when a candidate reached the lower bound."""
    rng = random.Random(seed)
    work = LOCAL_SEARCH_WORK
    for head, method, order, best_fit in sorted(runs, key=lambda r: r[0])[:2]:
        current = list(order)
        offsets = inst.place_in_order(current, best_fit)
        current_head = head
        m = len(current)
        if m < 2:
            continue
        position = {item: k for k, item in enumerate(current)}
        for _ in range(LOCAL_SEARCH_MOVES // 2):
            if time.perf_counter() > deadline or work <= 0:
                break
            # Half the moves take a buffer that ends at the current head (one of those that
            # set it) and give it an earlier turn; the others move any buffer.
            top = [position[i] for i in current if offsets[i] + inst.sizes[i] >= current_head]
            a = rng.choice(top) if top and rng.random() < 0.5 else rng.randrange(1, m)
            if a == 0:
                continue
            b = rng.randrange(0, a)
            work -= m - b
            moved = [*current[:b], current[a], *current[b:a], *current[a + 1 :]]
            trial = list(offsets)
            for i in moved[b:]:
                trial[i] = -1
            trial = inst.place_in_order(moved, best_fit, start=trial, skip=b)
            trial_head = inst.evaluate(trial)
            if trial_head <= current_head:
                current, offsets, current_head = moved, trial, trial_head
                position = {item: k for k, item in enumerate(current)}
                if best.consider(offsets, f"{method} + local search"):
                    return True
    return False


def _exact_phase(inst: _Instance, best: _Best) -> None:
    """Step 4: the exact search below the best head, down to the lower bound."""
    target = best.head - ARENA_ALIGNMENT
    try:
        while target >= best.bound:
            found = _exact(inst, inst.free, target, EXACT_NODE_BUDGET)
            if found is None:
                # No placement of the reserved buffers ends at or below target. With no
                # online buffers that proves the best head optimal.
                if not any(inst.online) and best.placement is not None:
                    best.placement = replace(best.placement, proven_optimal=True)
                return
            if best.consider(found, "exact search"):
                return
            target = min(target, best.head) - ARENA_ALIGNMENT
    except SearchBudgetError:
        pass


def place(
    sizes: Sequence[int],
    firsts: Sequence[int],
    lasts: Sequence[int],
    fixed: Sequence[int | None] | None = None,
    *,
    online: Sequence[bool] | None = None,
    evaluate: Evaluate | None = None,
    seed: int = 0,
    extra: Sequence[Sequence[int]] = (),
) -> Placement:
    """Offsets for items of the given sizes and inclusive lifetimes (``fixed``: preset offsets).

    ``online`` marks items the runtime re-places itself (``evaluate`` must then place them);
    ``evaluate`` maps offsets (-1 for online items left unplaced) to the realised head, by
    default ``max(offset + size)``. ``extra`` are further candidate offset vectors (e.g.
    TFLM's own plan) scored the same way. Deterministic for a given ``seed``.
    """
    n = len(sizes)
    if n == 0:
        return Placement((), 0, 0, "empty", True)
    fixed = [None] * n if fixed is None else fixed
    evaluate = evaluate or _top_evaluator(sizes)
    best = _Best(evaluate, interval_lower_bound(sizes, firsts, lasts))

    def result() -> Placement:
        assert best.placement is not None
        return best.placement

    if any(best.consider(vector, "given") for vector in extra):
        return result()
    if overlapping_pairs(firsts, lasts) > MAX_OVERLAPPING_PAIRS:
        best.consider(
            _greedy_rule(sizes, firsts, lasts, fixed),
            "largest first (too many buffers alive at once to search)",
        )
        return result()
    inst = _Instance(
        sizes, firsts, lasts, fixed, [False] * n if online is None else online, evaluate
    )
    deadline = time.perf_counter() + TIME_CAP_SECONDS
    tensors_only = [i for i in inst.free if not inst.online[i]]
    item_sets = [("", list(inst.free))]
    if len(tensors_only) != len(inst.free):
        item_sets.append(("tensors-only ", tensors_only))
    runs = _greedy_and_sweep(inst, best, item_sets)
    if runs is None or _local_search(inst, best, runs, seed, deadline):
        return result()
    if len(inst.free) <= EXACT_MAX_ITEMS and time.perf_counter() < deadline:
        _exact_phase(inst, best)
    return result()


def _top_evaluator(sizes: Sequence[int]) -> Evaluate:
    """The default score: the highest ``offset + size`` of the placed items."""
    size_list = list(sizes)
    return lambda offsets: _top(offsets, size_list)


def exact_placement(
    sizes: Sequence[int],
    firsts: Sequence[int],
    lasts: Sequence[int],
    height: int,
    *,
    fixed: Sequence[int | None] | None = None,
    node_budget: int = EXACT_NODE_BUDGET,
) -> tuple[int, ...] | None:
    """Offsets with every ``offset + size <= height``, by the exact branch-and-bound of
    :func:`place` (step 4), or None when the search proves there are none.

    Raises :class:`SearchBudgetError` when ``node_budget`` nodes do not settle it.
    """
    n = len(sizes)
    free: list[int | None] = [None] * n
    inst = _Instance(sizes, firsts, lasts, fixed or free, [False] * n, _top_evaluator(sizes))
    found = _exact(inst, inst.free, height, node_budget)
    return None if found is None else tuple(found)


def realize(buffers: Sequence[Buffer], offsets: Sequence[int]) -> Plan:
    """The plan TFLM makes when every tensor buffer is fixed at ``offsets`` (offline plan)
    and every scratch buffer is left to its greedy planner (offsets of those are ignored)."""
    fixed = [
        b if b.is_scratch or b.offline_offset is not None else replace(b, offline_offset=o)
        for b, o in zip(buffers, offsets, strict=True)
    ]
    return plan_greedy(fixed)


def realized_evaluator(
    sizes: Sequence[int],
    firsts: Sequence[int],
    lasts: Sequence[int],
    online_order: Sequence[int],
) -> Evaluate:
    """An ``evaluate`` for :func:`place`: the head when every item not in ``online_order`` is
    fixed at its offset and the items of ``online_order`` are then placed, in that order, by
    TFLM's greedy rule (:mod:`.greedy`: lowest gap among the placed buffers alive at the same
    time, else above the highest of them). ``online_order`` must be TFLM's order for them
    (:func:`~planner.runtimes.tflm.memory_planner.greedy.greedy_order`)."""
    online = set(online_order)
    size_list = list(sizes)
    if not online:
        return _top_evaluator(sizes)
    fixed = [i for i in range(len(sizes)) if i not in online]

    def evaluate(offsets: Sequence[int]) -> int:
        # Entries with equal offsets can be walked in any order: the gap test reads only the
        # offset, and the candidate only grows. So a list sorted by offset is TFLM's list.
        placed = sorted((offsets[i], i) for i in fixed)
        starts = [o for o, _ in placed]
        top = max((o + size_list[i] for o, i in placed), default=0)
        for b in online_order:
            size, first, last = size_list[b], firsts[b], lasts[b]
            candidate = 0
            for o, j in placed:
                if firsts[j] > last or first > lasts[j]:
                    continue
                if o - candidate >= size:
                    break
                candidate = max(candidate, o + size_list[j])
            k = bisect_right(starts, candidate)
            starts.insert(k, candidate)
            placed.insert(k, (candidate, b))
            top = max(top, candidate + size)
        return top

    return evaluate


def _realized_head(buffers: Sequence[Buffer]) -> Evaluate:
    online = [i for i in greedy_order(buffers) if buffers[i].is_scratch]
    return realized_evaluator(
        [b.size_bytes for b in buffers],
        [b.first_step for b in buffers],
        [b.last_step for b in buffers],
        online,
    )


def place_buffers(
    buffers: Sequence[Buffer],
    *,
    seed: int = 0,
    extra: Sequence[Sequence[int]] | None = None,
) -> Placement:
    """:func:`place` for TFLM's buffers: tensors get offsets, scratch buffers stay online and
    are placed by TFLM's greedy rule in every candidate's score. ``extra``: further candidate
    offset vectors, by default TFLM's own greedy plan of ``buffers``."""
    if extra is None:
        extra = (plan_greedy(buffers).offsets,)
    return place(
        [b.size_bytes for b in buffers],
        [b.first_step for b in buffers],
        [b.last_step for b in buffers],
        [b.offline_offset for b in buffers],
        online=[b.is_scratch for b in buffers],
        evaluate=_realized_head(buffers),
        seed=seed,
        extra=extra,
    )


def plan_optimal(buffers: Sequence[Buffer]) -> Plan:
    """The best plan found for ``buffers`` in their order, as TFLM would realise it from an
    offline plan; TFLM's own greedy plan (planner ``"tflm"``) when that is not larger."""
    tflm = plan_greedy(buffers)
    if not buffers:
        return tflm
    placement = place_buffers(buffers)
    realized = realize(buffers, placement.offsets)
    if realized.head_bytes >= tflm.head_bytes:
        return tflm
    return Plan(offsets=realized.offsets, head_bytes=realized.head_bytes, planner=PLANNER_NAME)


__all__ = [
    "EXACT_MAX_ITEMS",
    "PLANNER_NAME",
    "Placement",
    "SearchBudgetError",
    "exact_placement",
    "interval_lower_bound",
    "lower_bound",
    "overlapping_pairs",
    "place",
    "place_buffers",
    "plan_optimal",
    "realize",
    "realized_evaluator",
]
