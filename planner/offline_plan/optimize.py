"""Beat TFLM's memory plan, and hand the better plan to the real runtime.

:func:`optimize` searches, for one model and target, for

1. a run order of subgraph 0 with a lower in-order lower bound
(:mod:`planner.offline_plan.reorder`),
2. buffer sharing the runtime allows (:func:`reshape_aliases`),
3. offsets for every planned tensor (:mod:`planner.memory.placement`),

and scores every candidate by the head TFLM will *really* plan when the model carries those
offsets as ``OfflineMemoryAllocation`` metadata: the tensors sit at the given offsets and TFLM's
greedy planner places the kernel scratch buffers around them (they cannot be given offline
offsets). That simulation is :func:`planner.runtimes.tflm.arena.predict_arena` on the rewritten
graph, the
same code that predicts TFLM's arena byte for byte. The best candidate wins; ties go to the
candidate that changes the model least. When nothing beats TFLM's own plan the model is left
unchanged, so the result is never worse than TFLM's.

:func:`write_optimized` writes the result into the model's bytes
(:mod:`planner.model.tflite_writer`).

Buffer sharing: RESHAPE
    TFLM's RESHAPE kernel (``kernels/reshape.cc``, ``EvalReshapeReference``) skips its copy when
    the input and output pointers are equal ("Do nothing for in-place reshape"). Giving the
    output the input's offset makes the two one buffer, alive from the input's producer to the
    output's last reader; nothing else writes it in between. Shared when the input and output
    are both planned activations of subgraph 0 of equal byte length and the output is not a
    subgraph input. SQUEEZE is not shared (its kernel always ``memcpy``\\s, which is undefined
    for equal pointers) nor is EXPAND_DIMS (no model here proves it in the runtime).

Limits
    * Only subgraph 0 is reordered and only its RESHAPEs share buffers. The offsets cover the
      tensors of every subgraph: the metadata lists all subgraphs' tensors in a row, the way
      the pip runtime reads it (tests/test_head.py: an offset given to a tensor of subgraph 1
      lands where that reading predicts), and the lifetimes of the other subgraphs' tensors
      are the steps TFLM gives them while the control-flow operators walk them.
    * Variable tensors (LSTM/SVDF state) keep whatever the model gave them: planning one into
      the head would drop its state between invocations.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from planner.errors import PlannerError
from planner.memory.placement import lower_bound, place_buffers, realize
from planner.model.graph import Graph
from planner.offline_plan.reorder import Schedule, alias_root, best_schedule, reorder_graph
from planner.runtimes.tflm.allocation_info import (
    Buffer,
    scratch_requests,
    tensor_byte_length,
    tflm_buffers,
)
from planner.runtimes.tflm.allocations import planned_bytes
from planner.runtimes.tflm.arena import HOST, ArenaPrediction, Target, predict_arena
from planner.runtimes.tflm.memory_planner.greedy import Plan

#: Operators whose output may share the input's buffer (their kernel skips the copy).
IN_PLACE_OPS = frozenset({"RESHAPE"})


@dataclass(frozen=True)
class OptimizeResult:
    """What :func:`optimize` found for one model and target."""

    path: str
    target: Target
    #: TFLM's head and smallest arena for the model as it is.
    tflm_head_bytes: int
    tflm_min_arena_bytes: int
    #: In-order lower bound (largest live sum at one step) in the original order.
    lower_bound_original: int
    #: The same for the best order found (no sharing).
    lower_bound_reordered: int
    #: The bound the final plan is measured against: chosen order, with its buffer sharing.
    lower_bound_final: int
    #: Head and smallest arena TFLM will have with the optimized model.
    head_bytes: int
    min_arena_bytes: int
    #: Subgraph 0's operators in run order (original indices).
    order: tuple[int, ...]
    #: ``OfflineMemoryAllocation`` entries to write (one per tensor of all subgraphs, -1 =
    #: planned online); None when no plan is written.
    offline_offsets: tuple[int, ...] | None
    #: (input tensor, output tensor) of each operator whose output shares its input's buffer.
    shared: tuple[tuple[int, int], ...]
    #: Whether the reorder search proved its order optimal (see planner.offline_plan.reorder).
    reorder_exact: bool
    #: The heuristic that produced the offsets.
    placement_method: str
    seconds: float
    guarantees: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def head_saving_bytes(self) -> int:
        return self.tflm_head_bytes - self.head_bytes

    @property
    def saving_bytes(self) -> int:
        """Smallest kTensorArenaSize saved against TFLM's own plan (what `fit` reports)."""
        return self.tflm_min_arena_bytes - self.min_arena_bytes

    @property
    def saving_percent(self) -> float:
        """The saving as every command prints it: :func:`planner.check.saving_percent`."""
        from planner.check import saving_percent

        return saving_percent(self.tflm_min_arena_bytes, self.min_arena_bytes)

    @property
    def reordered(self) -> bool:
        return self.order != tuple(range(len(self.order)))

    @property
    def changed(self) -> bool:
        """True when the model must be rewritten (new order or a new offline plan)."""
        return self.reordered or self.offline_offsets is not None

    @property
    def at_lower_bound(self) -> bool:
        return self.head_bytes <= self.lower_bound_final


GUARANTEES = (
    "the optimized head is TFLM's own greedy planning of the rewritten model (tensors at the "
    "offline offsets, scratch buffers placed online by TFLM), predicted by the same code that "
    "predicts TFLM's arena byte for byte",
    "never larger than TFLM's head for the original model: the model is left unchanged when "
    "nothing beats it",
    "the operators run in an order the data dependencies allow; operators with side effects "
    "(variables, control flow, custom ops) keep their relative order; outputs are unchanged",
    "the head reaches the lower bound whenever it says at_lower_bound; no plan for that order "
    "and sharing can be smaller",
)


def reshape_aliases(graph: Graph) -> dict[int, int]:
    """Output tensor -> input tensor of subgraph 0's operators that can share a buffer."""
    sg = graph.main
    inputs = set(sg.inputs)
    out: dict[int, int] = {}
    for op in sg.operators:
        if op.opcode not in IN_PLACE_OPS or not op.inputs or not op.outputs:
            continue
        x, y = op.inputs[0], op.outputs[0]
        if x < 0 or y < 0 or x == y or y in inputs:
            continue
        tx, ty = sg.tensors[x], sg.tensors[y]
        if any(t.is_constant or t.is_variable for t in (tx, ty)):
            continue
        nx = tensor_byte_length(tx.dtype, tx.shape)
        if nx == 0 or nx != tensor_byte_length(ty.dtype, ty.shape):
            continue
        out[y] = x
    return out


def _scratch_by_op(graph: Graph, target: Target) -> dict[int, int]:
    out: dict[int, int] = {}
    for sg_index, op_index, size, _ in scratch_requests(graph, target):
        if sg_index == 0:
            out[op_index] = out.get(op_index, 0) + planned_bytes(size)
    return out


def _kept_offsets(graph: Graph) -> tuple[int, ...] | None:
    """The model's offline offsets for variable tensors only (the rest is re-planned)."""
    if graph.offline_offsets is None:
        return None
    kept: list[int] = []
    k = 0
    for sg in graph.subgraphs:
        for t in sg.tensors:
            offset = graph.offline_offsets[k] if k < len(graph.offline_offsets) else -1
            kept.append(offset if t.is_variable else -1)
            k += 1
    return tuple(kept) if any(o != -1 for o in kept) else None


def _plan_order(
    baseline: OptimizeResult, graph: Graph, order: tuple[int, ...], aliases: Mapping[int, int]
) -> OptimizeResult:
    """``baseline`` changed to an offline plan for ``graph`` run in ``order`` with ``aliases``
    shared: offsets for all tensors, the head TFLM realises, the lower bound, the method."""
    g = reorder_graph(graph, order)
    buffers = tflm_buffers(g, baseline.target)
    # Items: one per group of tensor buffers sharing storage, one per scratch buffer.
    index_of = {(b.subgraph, b.tensor_index): i for i, b in enumerate(buffers) if not b.is_scratch}
    shared = tuple(
        (x, y) for y, x in sorted(aliases.items()) if (0, x) in index_of and (0, y) in index_of
    )
    live_aliases = {y: x for x, y in shared}
    group_of: dict[int, int] = {}
    items: list[list[int]] = []
    for i, b in enumerate(buffers):
        if b.is_scratch or b.offline_offset is not None:
            items.append([i])
            continue
        tensor = b.tensor_index if b.tensor_index is not None else -1
        root = alias_root(live_aliases, tensor) if b.subgraph == 0 else tensor
        key = index_of.get((b.subgraph, root), i)
        if key in group_of:
            items[group_of[key]].append(i)
        else:
            group_of[key] = len(items)
            items.append([i])
    # One buffer per group, alive while any member is, as large as the largest.
    merged = [
        replace(
            buffers[m[0]],
            size_bytes=max(buffers[i].size_bytes for i in m),
            first_step=min(buffers[i].first_step for i in m),
            last_step=max(buffers[i].last_step for i in m),
        )
        for m in items
    ]
    # With sharing TFLM's own plan of the unshared buffers is no candidate for the groups.
    placement = place_buffers(merged, extra=() if shared else None)
    expanded = [-1] * len(buffers)
    for m, o in zip(items, placement.offsets, strict=True):
        for i in m:
            expanded[i] = o
    plan = realize(buffers, expanded)
    return replace(
        baseline,
        order=order,
        offline_offsets=_offline_vector(g, buffers, plan),
        shared=shared,
        head_bytes=plan.head_bytes,
        lower_bound_final=placement.lower_bound,
        placement_method=placement.method,
    )


def _offline_vector(graph: Graph, buffers: Sequence[Buffer], plan: Plan) -> tuple[int, ...]:
    kept = _kept_offsets(graph)
    vector = (
        list(kept) if kept is not None else [-1] * sum(len(sg.tensors) for sg in graph.subgraphs)
    )
    base = [0]
    for sg in graph.subgraphs:
        base.append(base[-1] + len(sg.tensors))
    for b, o in zip(buffers, plan.offsets, strict=True):
        if b.key[0] == "tensor" and b.tensor_index is not None:
            vector[base[b.subgraph] + b.tensor_index] = o
    return tuple(vector)


def optimized_graph(graph: Graph, result: OptimizeResult) -> Graph:
    """The graph the optimized model loads as: new order, new offline plan."""
    if not result.changed:
        return graph
    g = reorder_graph(graph, result.order)
    if result.offline_offsets is not None:
        g = replace(g, offline_offsets=result.offline_offsets)
    return g


def optimize(
    graph: Graph,
    target: Target = HOST,
    reorder: bool = True,
    share: bool = True,
) -> OptimizeResult:
    """Find a better memory plan for ``graph`` on ``target`` (see the module docstring)."""
    start = time.perf_counter()
    original = predict_arena(graph, target)
    n_ops = len(graph.main.operators)
    identity = tuple(range(n_ops))
    notes: list[str] = []
    if not original.exact:
        notes.append(
            "some operators' memory needs are unknown ("
            + ", ".join(original.unknown)
            + "): TFLM places their scratch buffers around the plan, the figures may be low"
        )
    base = replace(graph, offline_offsets=_kept_offsets(graph))
    aliases = reshape_aliases(graph) if share else {}
    scratch = _scratch_by_op(graph, target)

    orders: list[tuple[int, ...]] = [identity]
    schedule: Schedule | None = None
    if reorder and n_ops > 1:
        schedule = best_schedule(base, scratch=scratch)
        if schedule.changed:
            orders.append(schedule.order)
        if aliases:
            shared_schedule = best_schedule(base, scratch=scratch, aliases=aliases)
            if shared_schedule.changed and shared_schedule.order not in orders:
                orders.append(shared_schedule.order)
            if not shared_schedule.exact:
                schedule = replace(schedule, exact=False)
    lb_reordered = min(lower_bound(tflm_buffers(reorder_graph(base, o), target)) for o in orders)
    exact = schedule.exact if schedule is not None else True
    tflm = _baseline(graph, original, lb_reordered, exact, notes)
    candidates = [tflm]
    for order in orders:
        for use in ({}, aliases) if aliases else ({},):
            candidates.append(_plan_order(tflm, base, order, use))
    # The first of the least heads: ties go to the candidate that changes the model least.
    best = min(candidates, key=lambda c: c.head_bytes)
    return _finish(graph, best if best.head_bytes < tflm.head_bytes else tflm, start)


def _baseline(
    graph: Graph,
    original: ArenaPrediction,
    lb_reordered: int,
    exact: bool,
    notes: Sequence[str],
) -> OptimizeResult:
    """The result that keeps TFLM's own plan of the model as it is; every candidate is a
    change of it."""
    bound = lower_bound(original.buffers)
    return OptimizeResult(
        graph.path,
        original.target,
        tflm_head_bytes=original.head_bytes,
        tflm_min_arena_bytes=original.min_arena_bytes,
        lower_bound_original=bound,
        lower_bound_reordered=lb_reordered,
        lower_bound_final=bound,
        head_bytes=original.head_bytes,
        min_arena_bytes=original.min_arena_bytes,
        order=tuple(range(len(graph.main.operators))),
        offline_offsets=None,
        shared=(),
        reorder_exact=exact,
        placement_method="TFLM greedy",
        seconds=0.0,
        guarantees=GUARANTEES,
        notes=tuple(notes),
    )


def _finish(graph: Graph, result: OptimizeResult, start: float) -> OptimizeResult:
    """``result`` checked against a fresh prediction of the optimized model, with its
    smallest arena and the time taken."""
    final = optimized_prediction(graph, result)
    if final.head_bytes != result.head_bytes:  # pragma: no cover - one code simulates both
        raise PlannerError(
            f"{graph.path}: internal error: the optimized plan realises {final.head_bytes} B, "
            f"not the {result.head_bytes} B it was chosen for"
        )
    return replace(
        result, min_arena_bytes=final.min_arena_bytes, seconds=time.perf_counter() - start
    )


def plan_for_order(
    graph: Graph,
    order: Sequence[int] | None = None,
    *,
    share: bool = False,
    target: Target = HOST,
) -> OptimizeResult:
    """An offline plan for ``graph`` run in ``order`` (default: as it is), with every RESHAPE
    that can share its buffer sharing it when ``share`` — whether or not that beats TFLM.

    For tests and experiments (e.g. proving sharing in the runtime where it does not pay);
    :func:`optimize` is the call that never does worse than TFLM.
    """
    start = time.perf_counter()
    original = predict_arena(graph, target)
    chosen = tuple(range(len(graph.main.operators))) if order is None else tuple(order)
    base = replace(graph, offline_offsets=_kept_offsets(graph))
    aliases = reshape_aliases(graph) if share else {}
    lb = lower_bound(tflm_buffers(reorder_graph(base, chosen), target))
    baseline = _baseline(graph, original, lb, False, ())
    return _finish(graph, _plan_order(baseline, base, chosen, aliases), start)


def optimized_prediction(graph: Graph, result: OptimizeResult) -> ArenaPrediction:
    """TFLM's arena (head, tail, smallest size) for the optimized model, predicted."""
    return predict_arena(optimized_graph(graph, result), result.target)


def write_optimized(graph: Graph, data: bytes, result: OptimizeResult) -> bytes:
    """The model bytes with ``result``'s operator order and offline plan written in.

    Returns ``data`` itself when the result changes nothing. The written model is loaded back
    and its predicted head checked against ``result`` before it is returned.
    """
    from planner.model.tflite_reader import load_model_bytes
    from planner.model.tflite_writer import rewrite_model

    if not result.changed:
        return data
    out = rewrite_model(
        data,
        order=result.order if result.reordered else None,
        offline_offsets=result.offline_offsets,
        name=graph.path,
    )
    check = predict_arena(load_model_bytes(out, graph.path), result.target)
    if check.head_bytes != result.head_bytes:
        raise PlannerError(
            f"{graph.path}: internal error: the rewritten model plans {check.head_bytes} B of "
            f"head, not the optimized {result.head_bytes} B"
        )
    return out


def format_result(result: OptimizeResult) -> str:
    """A few lines for the terminal: TFLM's head against the optimized one, and the bounds."""
    name = result.path.rsplit("/", 1)[-1]
    if result.reordered:
        moved = sum(1 for k, v in enumerate(result.order) if k != v)
        how = "exact search" if result.reorder_exact else "beam search"
        order = f"{moved} of {len(result.order)} operators move ({how})"
    else:
        order = "unchanged"
    shared = ", ".join(f"tensor {x} -> {y}" for x, y in result.shared)
    shared = f"{shared} (RESHAPE in place)" if shared else "none"
    gap = result.head_bytes - result.lower_bound_final
    quality = "at the lower bound (optimal)" if gap <= 0 else f"{gap:,} B above the lower bound"
    if not result.changed:
        quality = "TFLM's plan is already the best found; the model is written unchanged"
    rows = [
        f"{name} ({result.target.label})",
        f"  TFLM head        {result.tflm_head_bytes:>12,} B   smallest arena "
        f"{result.tflm_min_arena_bytes:>12,} B",
        f"  optimized head   {result.head_bytes:>12,} B   smallest arena "
        f"{result.min_arena_bytes:>12,} B",
        f"  saving           {result.saving_bytes:>12,} B   ({result.saving_percent:.1f} % of "
        f"the smallest arena; head {result.head_saving_bytes:,} B)",
        f"  lower bound      {result.lower_bound_original:,} B in the original order, "
        f"{result.lower_bound_reordered:,} B in the best order, "
        f"{result.lower_bound_final:,} B as planned",
        f"  operator order   {order}",
        f"  shared buffers   {shared}",
        f"  plan             {quality} [{result.placement_method}]",
        f"  time             {result.seconds:.3f} s",
    ]
    rows.extend(f"  note             {n}" for n in result.notes)
    return "\n".join(rows)


__all__ = [
    "GUARANTEES",
    "IN_PLACE_OPS",
    "OptimizeResult",
    "format_result",
    "optimize",
    "optimized_graph",
    "optimized_prediction",
    "plan_for_order",
    "reshape_aliases",
    "write_optimized",
]
