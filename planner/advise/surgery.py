"""Graph surgery for patch-based inference: the rest of a network after a split."""

from __future__ import annotations

from dataclasses import replace

from planner.analysis.layers import in_order_lifetimes
from planner.errors import PlannerError
from planner.model.graph import Graph, Subgraph

__all__ = ["crossing_tensors", "truncate_after"]


def truncate_after(graph: Graph, split_op: int) -> Graph:
    """Subgraph 0 from operator ``split_op + 1`` on, fed by the split operator's output.

    Unreferenced tensors are dropped (TFLM would still plan them) and indices renumbered.
    """
    sg = graph.main
    if not 0 <= split_op < len(sg.operators) - 1:
        raise PlannerError(f"cannot split after operator {split_op}")
    ops = sg.operators[split_op + 1 :]
    crossing = crossing_tensors(sg, split_op)
    keep: dict[int, None] = dict.fromkeys(crossing)
    for op in ops:
        for t in (*op.inputs, *op.outputs, *op.intermediates):
            if t >= 0:
                keep.setdefault(t)
    for t in sg.outputs:
        keep.setdefault(t)
    order = sorted(keep)
    remap = {old: new for new, old in enumerate(order)}

    def m(ts: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(remap[t] if t >= 0 else t for t in ts)

    tensors = tuple(replace(sg.tensors[old], index=remap[old]) for old in order)
    new_ops = tuple(
        replace(
            op,
            index=i,
            inputs=m(op.inputs),
            outputs=m(op.outputs),
            intermediates=m(op.intermediates),
        )
        for i, op in enumerate(ops)
    )
    main = replace(
        sg,
        tensors=tensors,
        operators=new_ops,
        inputs=tuple(remap[t] for t in crossing),
        outputs=m(sg.outputs),
    )
    return replace(graph, subgraphs=(main,), offline_offsets=None)


def crossing_tensors(sg: Subgraph, split_op: int) -> tuple[int, ...]:
    """Activations produced at or before ``split_op`` (or model inputs) and read after it."""
    spans = in_order_lifetimes(sg)
    return tuple(
        t
        for t, (a, b) in sorted(spans.items())
        if a <= split_op < b and not sg.tensors[t].is_variable
    )
