"""Operator reordering: the run order of subgraph 0 that needs the least arena.

TFLM runs a subgraph's operators in the order the flatbuffer lists them, and a tensor's
buffer lives from its producer's step to its last consumer's step
(:mod:`planner.runtimes.tflm.allocation_info`). Any other topological order computes the same
outputs, but keeps
different tensors alive together; the arena can never be smaller than the largest sum of
buffers alive at one step (the *in-order lower bound*), so that is what the search minimises.

Which orders are allowed
    An operator runs after the producers of all its inputs. Operators with side effects keep
    their relative order: those reading or writing variable or resource tensors (LSTM/SVDF
    state, ``READ_VARIABLE``/``ASSIGN_VARIABLE``/``VAR_HANDLE``), control flow
    (``IF``/``WHILE``/``CALL_ONCE``, whose subgraphs may touch shared state) and custom
    operators. Only subgraph 0 is reordered (the other subgraphs, run by control-flow
    operators, keep their order); tensor indices, inputs, outputs and every other subgraph
    are untouched, so the model computes exactly the same values.

The cost of an order
    The live bytes at each operator's step under TFLM's lifetime rules: tensors produced and
    still to be read (or subgraph outputs, alive to the end), the operator's own outputs, its
    kernel scratch buffers, and for a control-flow operator every buffer of the subgraphs it
    calls (an over-estimate). Tensors listed in ``aliases`` share one buffer (see
    :mod:`planner.offline_plan.optimize`) and count once while any of them is alive.

The search (:func:`best_schedule`) and what it guarantees
    * A **proven floor** first: no order needs less than the largest (inputs + outputs +
      scratch) of a single operator. If the original order already peaks there it is kept,
      with no search (most chain-like networks end here).
    * The graph is cut into **sections** at the operators every allowed order runs at the
      same position (all earlier operators are their ancestors, all later ones their
      descendants: the joins between residual or Inception blocks). Sections are independent,
      and one whose original order stays under the best peak found elsewhere is kept as is.
    * Each remaining section gets an **exact** search: a bottleneck (minimax) Dijkstra over
      the *downsets* of its operators (the sets already run), keeping only states below the
      section's original peak, then a depth-first pass that picks, among the orders within
      the best peak, the one closest to the original (lexicographically by original
      position). When every search completes within ``state_limit`` states (default 10,000
      per section) the order is **optimal over every allowed order** (:attr:`Schedule.exact`).
      That always holds for a chain, and for a section of parallel branches when the product
      of (branch length + 1) over the branches is at most 10,000: e.g. residual or Inception
      blocks of up to 3 branches of 20 operators, 4 branches of 9, or 6 branches of 3, any
      number of them in series.
    * A section too large for that gets a **beam search** (up to ``beam_width`` partial orders
      per step, fewer on long sections), ranked by peak so far, then live bytes, then
      closeness to the original order; :attr:`Schedule.exact` is then False.
    * Either way the result is **never worse than the original order**: its peak is
      compared with the original order's and the original is returned unless strictly
      beaten. On graphs of hundreds of operators the whole search stays under a second.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from planner.errors import ModelError
from planner.model.graph import Graph, Operator, Subgraph
from planner.runtimes.tflm.allocation_info import called_subgraphs, planned_tensor_bytes

#: States the exact search may visit before it gives up for the beam search.
STATE_LIMIT = 10_000
#: Partial orders the beam search keeps per step (at most; fewer on long sections so that a
#: section's beam search expands about ``BEAM_STATES`` states).
BEAM_WIDTH = 64
BEAM_STATES = 10_000

#: Operators that must keep their relative order (side effects or hidden state).
STATEFUL_OPS = frozenset(
    {
        "IF",
        "WHILE",
        "CALL_ONCE",
        "VAR_HANDLE",
        "READ_VARIABLE",
        "ASSIGN_VARIABLE",
        "CALL",
    }
)


@dataclass(frozen=True)
class Schedule:
    """A run order for subgraph 0 and its peak live bytes.

    ``order`` lists the original operator indices in the order they are to run;
    ``peak_bytes`` is the largest live bytes at one operator step in that order (the cost
    model above), ``original_peak_bytes`` the same for the original order; ``exact`` is True
    when ``peak_bytes`` is proven the least over every allowed order; ``states`` counts the
    search states visited and ``method`` names the search.
    """

    order: tuple[int, ...]
    peak_bytes: int
    original_peak_bytes: int
    exact: bool
    states: int
    method: str

    @property
    def changed(self) -> bool:
        return self.order != tuple(range(len(self.order)))


def _planned_bytes(graph: Graph, sg: Subgraph, t_index: int) -> int:
    """Bytes TFLM plans for a tensor of subgraph ``sg`` (0 when it is not planned)."""
    t = sg.tensors[t_index]
    if t.is_constant or t.is_variable:
        return 0
    return planned_tensor_bytes(t)


def _is_stateful(graph: Graph, op: Operator) -> bool:
    if op.opcode in STATEFUL_OPS or op.is_custom or op.opcode.startswith("BUILTIN_"):
        return True
    sg = graph.main
    for t in (*op.inputs, *op.outputs):
        if t >= 0 and (sg.tensors[t].is_variable or sg.tensors[t].dtype == "RESOURCE"):
            return True
    return False


def dependencies(graph: Graph) -> tuple[frozenset[int], ...]:
    """For each operator of subgraph 0, the operators that must run before it."""
    sg = graph.main
    producer: dict[int, int] = {}
    for op in sg.operators:
        for t in op.outputs:
            if t >= 0:
                producer.setdefault(t, op.index)
    preds: list[set[int]] = [set() for _ in sg.operators]
    last_stateful = -1
    for op in sg.operators:
        for t in op.inputs:
            p = producer.get(t, -1) if t >= 0 else -1
            if p >= 0 and p != op.index:
                preds[op.index].add(p)
        if _is_stateful(graph, op):
            if last_stateful >= 0:
                preds[op.index].add(last_stateful)
            last_stateful = op.index
    # An operator that writes a tensor an earlier operator reads or writes (a tensor produced
    # twice, or read before it is written) keeps that order too.
    touched_by: dict[int, list[int]] = {}
    for op in sg.operators:
        for t in op.outputs:
            if t >= 0:
                preds[op.index].update(p for p in touched_by.get(t, ()) if p != op.index)
        for t in (*op.inputs, *op.outputs):
            if t >= 0:
                touched_by.setdefault(t, []).append(op.index)
    return tuple(frozenset(p) for p in preds)


def is_valid_order(graph: Graph, order: Sequence[int]) -> bool:
    """True when ``order`` is a permutation of subgraph 0's operators that the dependencies
    (:func:`dependencies`) allow."""
    n = len(graph.main.operators)
    if sorted(order) != list(range(n)):
        return False
    position = {op: k for k, op in enumerate(order)}
    deps = dependencies(graph)
    return all(position[p] < position[v] for v in range(n) for p in deps[v])


def reorder_graph(graph: Graph, order: Sequence[int]) -> Graph:
    """``graph`` with subgraph 0's operators run in ``order`` (original indices).

    The operators are renumbered to their new positions; tensors and every other subgraph are
    unchanged. Raises :class:`ModelError` if the order breaks a dependency.
    """
    if not is_valid_order(graph, order):
        raise ModelError(f"{graph.path}: {list(order)} is not a valid order for subgraph 0")
    main = graph.main
    ops = tuple(replace(main.operators[i], index=k) for k, i in enumerate(order))
    return replace(graph, subgraphs=(replace(main, operators=ops), *graph.subgraphs[1:]))


def alias_root(aliases: Mapping[int, int], t: int) -> int:
    """The tensor whose buffer ``t`` shares, following ``aliases`` (tensor -> tensor) to its
    end; ``t`` itself when it shares none."""
    for _ in range(len(aliases) + 1):
        if t not in aliases:
            return t
        t = aliases[t]
    return t  # pragma: no cover - aliases point from outputs to earlier inputs: no cycles


def _buffer_groups(graph: Graph, aliases: Mapping[int, int]) -> tuple[dict[int, int], list[int]]:
    """Planned tensors of subgraph 0 grouped by shared buffer: (tensor -> group, group sizes)."""
    sg = graph.main
    group_of: dict[int, int] = {}
    sizes: list[int] = []
    for t in range(len(sg.tensors)):
        size = _planned_bytes(graph, sg, t)
        if size == 0:
            continue
        r = alias_root(aliases, t)
        if r not in group_of:
            group_of[r] = len(sizes)
            sizes.append(0)
        g = group_of[r]
        group_of[t] = g
        sizes[g] = max(sizes[g], size)
    return group_of, sizes


def _called_bytes(graph: Graph, op: Operator) -> int:
    """Every planned byte of the subgraphs a control-flow operator calls (an over-estimate)."""
    total = 0
    for called in called_subgraphs(op):
        if 0 < called < len(graph.subgraphs):
            inner = graph.subgraphs[called]
            total += sum(_planned_bytes(graph, inner, t) for t in range(len(inner.tensors)))
    return total


class _CostModel:
    """Groups of tensors that share a buffer, as bitmasks over the operators."""

    def __init__(
        self,
        graph: Graph,
        scratch: Mapping[int, int],
        aliases: Mapping[int, int],
    ) -> None:
        sg = graph.main
        n = len(sg.operators)
        self.n = n
        deps = dependencies(graph)
        self.pred_mask = [sum(1 << p for p in deps[v]) for v in range(n)]
        self.preds = [sorted(deps[v]) for v in range(n)]
        self.succs: list[list[int]] = [[] for _ in range(n)]
        for v in range(n):
            for p in deps[v]:
                self.succs[p].append(v)
        group_of, self.size = _buffer_groups(graph, aliases)
        self._mark_uses(graph, group_of)
        self.extra = [scratch.get(op.index, 0) + _called_bytes(graph, op) for op in sg.operators]
        #: Bytes operator v needs at its step in any order: its inputs, outputs and scratch.
        self.op_min = [self.extra[v] + sum(self.size[g] for g in self.touches[v]) for v in range(n)]
        self.full = (1 << n) - 1
        self.start_mem = sum(self.size[g] for g in range(len(self.size)) if self.live(g, 0))

    def _mark_uses(self, graph: Graph, group_of: Mapping[int, int]) -> None:
        """Which operators produce, read and touch each group; which groups are subgraph
        outputs, and which are alive before any operator runs."""
        sg = graph.main
        m = len(self.size)
        self.prod = [0] * m
        self.cons = [0] * m
        has_producer = [False] * len(sg.tensors)
        consumed = [False] * len(sg.tensors)
        self.produces: list[list[int]] = [[] for _ in sg.operators]
        self.touches: list[list[int]] = [[] for _ in sg.operators]
        for op in sg.operators:
            for t in op.outputs:
                if t >= 0:
                    has_producer[t] = True
                    if t in group_of:
                        g = group_of[t]
                        self.prod[g] |= 1 << op.index
                        if g not in self.produces[op.index]:
                            self.produces[op.index].append(g)
            for t in op.inputs:
                if t >= 0:
                    consumed[t] = True
                    if t in group_of:
                        self.cons[group_of[t]] |= 1 << op.index
            touched = {group_of[t] for t in (*op.inputs, *op.outputs) if t in group_of}
            self.touches[op.index] = sorted(touched)
        self.is_out = [False] * m
        self.free_start = [False] * m
        inputs, outputs = set(sg.inputs), set(sg.outputs)
        for t, g in group_of.items():
            if t in outputs:
                self.is_out[g] = True
            if not has_producer[t] and (t in inputs or t in outputs or consumed[t]):
                self.free_start[g] = True

    def live(self, g: int, done: int) -> bool:
        """Is group ``g`` alive between steps once the operators in ``done`` have run?"""
        started = self.free_start[g] or (self.prod[g] & done) != 0
        return started and (self.is_out[g] or (self.cons[g] & ~done) != 0)

    def step(self, done: int, mem: int, v: int) -> tuple[int, int]:
        """(live bytes while ``v`` runs, live bytes after it) from state ``done``."""
        peak = mem + self.extra[v]
        for g in self.produces[v]:
            if not self.live(g, done):
                peak += self.size[g]
        after = done | (1 << v)
        for g in self.touches[v]:
            delta = int(self.live(g, after)) - int(self.live(g, done))
            mem += delta * self.size[g]
        return peak, mem

    def peak_of(self, order: Sequence[int]) -> int:
        done, mem, peak = 0, self.start_mem, 0
        for v in order:
            p, mem = self.step(done, mem, v)
            peak = max(peak, p)
            done |= 1 << v
        return peak

    def ready(self, done: int) -> list[int]:
        return [
            v for v in range(self.n) if not (done >> v) & 1 and (self.pred_mask[v] & ~done) == 0
        ]

    def next_ready(self, ready: tuple[int, ...], done: int, v: int) -> tuple[int, ...]:
        after = done | (1 << v)
        out = [w for w in ready if w != v]
        for w in self.succs[v]:
            if (self.pred_mask[w] & ~after) == 0 and not (after >> w) & 1:
                out.append(w)
        return tuple(sorted(set(out)))


class _LimitError(Exception):
    pass


def _ready_in(model: _CostModel, done: int, goal: int) -> tuple[int, ...]:
    return tuple(v for v in model.ready(done) if (goal >> v) & 1)


def _exact(
    model: _CostModel, start: int, start_mem: int, goal: int, floor: int, ceiling: int, limit: int
) -> tuple[int, int, list[int] | None]:
    """Least peak for running the operators of ``goal & ~start`` from state ``start``.

    A bottleneck Dijkstra over the downsets between the two states, keyed by
    ``max(peak so far, floor)`` (``floor`` is a known lower bound of the answer, so states under
    it are equally good; ties go deeper first). Only states under ``ceiling`` are kept: when
    none reaches ``goal`` the answer is ``ceiling`` (the original order's peak) and the order
    is None. Returns (max(peak, floor), states visited, order).
    """
    best: dict[int, int] = {start: 0}
    info: dict[int, tuple[int, tuple[int, ...]]] = {
        start: (start_mem, _ready_in(model, start, goal))
    }
    parent: dict[int, tuple[int, int]] = {}
    heap: list[tuple[int, int, int]] = [(floor, 0, start)]
    while heap:
        key, neg_depth, done = heapq.heappop(heap)
        if key > max(best[done], floor):
            continue
        if done == goal:
            order: list[int] = []
            state = done
            while state != start:
                state, v = parent[state]
                order.append(v)
            return key, len(best), order[::-1]
        mem, ready = info[done]
        for v in ready:
            p, after_mem = model.step(done, mem, v)
            cost = max(best[done], p)
            if cost >= ceiling:
                continue
            after = done | (1 << v)
            if cost < best.get(after, 1 << 62):
                best[after] = cost
                nxt = tuple(w for w in model.next_ready(ready, done, v) if (goal >> w) & 1)
                info[after] = (after_mem, nxt)
                parent[after] = (done, v)
                heapq.heappush(heap, (max(cost, floor), neg_depth - 1, after))
                if len(best) > limit:
                    raise _LimitError
    return max(ceiling, floor), len(best), None


def _closest_order(
    model: _CostModel, start: int, start_mem: int, goal: int, threshold: int, limit: int
) -> list[int] | None:
    """The lexicographically first order (by original index) of the operators between
    ``start`` and ``goal`` whose peak is <= threshold."""
    dead: set[int] = set()
    order: list[int] = []
    visits = 0

    def dfs(done: int, mem: int, ready: tuple[int, ...]) -> bool:
        nonlocal visits
        if done == goal:
            return True
        visits += 1
        if visits > limit:
            raise _LimitError
        for v in ready:
            after = done | (1 << v)
            if after in dead:
                continue
            p, after_mem = model.step(done, mem, v)
            if p > threshold:
                continue
            order.append(v)
            nxt = tuple(w for w in model.next_ready(ready, done, v) if (goal >> w) & 1)
            if dfs(after, after_mem, nxt):
                return True
            order.pop()
            dead.add(after)
        return False

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * model.n + 100))
    try:
        return order if dfs(start, start_mem, _ready_in(model, start, goal)) else None
    finally:
        sys.setrecursionlimit(old)


def _beam(
    model: _CostModel, start: int, start_mem: int, goal: int, first: int, width: int
) -> tuple[list[int], int]:
    """A good order of the operators between ``start`` and ``goal`` by beam search:
    (order, its peak). ``first`` is the original position of the first of them."""
    # Each entry: (peak, mem, distance from the original order, done, ready, order)
    beam: list[tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]] = [
        (0, start_mem, 0, start, _ready_in(model, start, goal), ())
    ]
    steps = bin(goal & ~start).count("1")
    for depth in range(steps):
        seen: dict[int, tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]] = {}
        for peak, mem, distance, done, ready, order in beam:
            for v in ready:
                p, after_mem = model.step(done, mem, v)
                after = done | (1 << v)
                nxt = tuple(w for w in model.next_ready(ready, done, v) if (goal >> w) & 1)
                entry = (
                    max(peak, p),
                    after_mem,
                    distance + abs(v - first - depth),
                    after,
                    nxt,
                    (*order, v),
                )
                if after not in seen or entry[:3] < seen[after][:3]:
                    seen[after] = entry
        beam = sorted(seen.values(), key=lambda e: e[:3])[:width]
    peak, _, _, _, _, order = beam[0]
    return list(order), peak


#: A section is searched only while its operators times the operators ready at its start stay
#: under this: 3,000 branches ready at once over 6,000 operators made the beam search run for
#: hours; such a section keeps its original order.
SEARCH_WORK = 200_000


def _segments(model: _CostModel) -> list[tuple[int, int]]:
    """Ranges [a, b] of original positions between operators that every allowed order runs
    at the same position (all earlier operators are its ancestors, all later ones its
    descendants); the ranges are independent sub-problems."""
    n = model.n
    anc = [0] * n
    for v in range(n):  # the original order is topological: predecessors come first
        for p in model.preds[v]:
            anc[v] |= anc[p] | (1 << p)
    desc = [0] * n
    for v in range(n - 1, -1, -1):
        for w in model.succs[v]:
            desc[v] |= desc[w] | (1 << w)
    full = model.full
    out: list[tuple[int, int]] = []
    a = 0
    for v in range(n):
        if anc[v] == (1 << v) - 1 and desc[v] == full & ~((1 << (v + 1)) - 1):
            out.append((a, v))
            a = v + 1
    if a < n:
        out.append((a, n - 1))
    return out


def best_schedule(
    graph: Graph,
    *,
    scratch: Mapping[int, int] | None = None,
    aliases: Mapping[int, int] | None = None,
    state_limit: int = STATE_LIMIT,
    beam_width: int = BEAM_WIDTH,
) -> Schedule:
    """The order of subgraph 0's operators with the least peak live bytes (see the module
    docstring for what is guaranteed).

    ``scratch``: kernel scratch bytes (16-rounded, summed) per operator index.
    ``aliases``: tensor index -> tensor index whose buffer it shares (subgraph 0).
    """
    model = _CostModel(graph, scratch or {}, aliases or {})
    n = model.n
    original = list(range(n))
    # Peak at each step and live bytes before each step, in the original order.
    step_peaks: list[int] = []
    mems = [model.start_mem]
    done = 0
    for v in original:
        p, mem = model.step(done, mems[-1], v)
        step_peaks.append(p)
        mems.append(mem)
        done |= 1 << v
    original_peak = max(step_peaks, default=0)

    def keep(method: str, exact: bool, states: int) -> Schedule:
        return Schedule(tuple(original), original_peak, original_peak, exact, states, method)

    # No order can go below what one operator needs: its inputs, outputs and scratch.
    floor = max(model.op_min, default=0)
    if original_peak <= floor:
        return keep("original order reaches the per-operator bound", True, 0)
    segments = _segments(model)
    orders = {seg: original[seg[0] : seg[1] + 1] for seg in segments}
    exact, states, too_wide = True, 0, 0
    for a, b in sorted(segments, key=lambda seg: -max(step_peaks[seg[0] : seg[1] + 1])):
        seg_peak = max(step_peaks[a : b + 1])
        if seg_peak <= floor:
            continue  # the original order of this section is already good enough
        start, goal = (1 << a) - 1, (1 << (b + 1)) - 1
        if (b - a + 1) * len(_ready_in(model, start, goal)) > SEARCH_WORK:
            exact, too_wide = False, too_wide + 1  # every step would weigh thousands of choices
            continue
        try:
            best, visited, path = _exact(model, start, mems[a], goal, floor, seg_peak, state_limit)
            states += visited
            if path is None:
                floor = max(floor, seg_peak)  # the original order is optimal for this section
                continue
            floor = max(floor, best)
            try:
                closest = _closest_order(model, start, mems[a], goal, floor, state_limit)
            except _LimitError:
                closest = None
            orders[(a, b)] = closest if closest is not None else path
        except _LimitError:
            exact = False
            width = max(4, min(beam_width, BEAM_STATES // (b - a + 1)))
            path, peak = _beam(model, start, mems[a], goal, a, width)
            states += state_limit
            if peak < seg_peak:
                orders[(a, b)] = path
            floor = max(floor, min(peak, seg_peak))
    order = [v for seg in segments for v in orders[seg]]
    peak = model.peak_of(order)
    method = (
        "exact (bottleneck search over downsets)" if exact else f"beam search (width {beam_width})"
    )
    if too_wide:
        method += f"; {too_wide} section(s) too wide to search kept in the original order"
    if peak >= original_peak:
        return keep(method + "; original order kept", exact, states)
    return Schedule(tuple(order), peak, original_peak, exact, states, method)


def schedule_peak(
    graph: Graph,
    order: Sequence[int],
    *,
    scratch: Mapping[int, int] | None = None,
    aliases: Mapping[int, int] | None = None,
) -> int:
    """The peak live bytes at an operator step when subgraph 0 runs in ``order``."""
    return _CostModel(graph, scratch or {}, aliases or {}).peak_of(order)


__all__ = [
    "BEAM_WIDTH",
    "STATEFUL_OPS",
    "STATE_LIMIT",
    "Schedule",
    "alias_root",
    "best_schedule",
    "dependencies",
    "is_valid_order",
    "reorder_graph",
    "schedule_peak",
]
