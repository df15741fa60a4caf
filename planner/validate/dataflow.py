"""Per-graph checks: operators in an order that can run, one writer per tensor, outputs
written, subgraph calls that terminate and reach every subgraph, and an offline plan whose
offsets are non-negative and never overlap while two buffers are live.

TFLM runs operators in the order the file lists them and trusts that order: it does not
check it, so a cycle, an operator reading a tensor before its producer runs, two writers of
one tensor or an operator writing into a constant (read-only flash) all allocate and then
compute garbage or crash. They are refused here because the graph is broken, not because
``AllocateTensors`` fails.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Sequence

from planner.model.graph import Graph, Subgraph
from planner.runtimes.tflm.allocation_info import Buffer, tflm_buffers
from planner.validate.refusal import where


def _name(sg: Subgraph, t: int) -> str:
    return f"tensor {t} '{sg.tensors[t].name}'"


def writer_problems(sg: Subgraph) -> Iterable[str]:
    """Two operators writing one tensor, or an operator writing a constant."""
    writer: dict[int, int] = {}
    for op in sg.operators:
        for t in op.outputs:
            if t < 0:
                continue
            if t in writer:
                yield (
                    f"{_name(sg, t)}{where(sg.index)} is written by operators {writer[t]} "
                    f"and {op.index}"
                )
            tensor = sg.tensors[t]
            if tensor.data_bytes > 0 and not tensor.external_data:
                yield (
                    f"operator {op.index} ({op.opcode}){where(sg.index)} writes "
                    f"{_name(sg, t)}, which holds constant data (buffer {tensor.buffer}) "
                    "that TFLM keeps read-only in the model"
                )
            writer[t] = op.index


def order_problems(sg: Subgraph, graph: Graph) -> Iterable[str]:
    """Tensors read before they are written (cycles, operators out of order) or never."""
    misplaced = {b: (offset, size) for b, offset, size in graph.misplaced_buffers}
    writer = {t: op.index for op in sg.operators for t in op.outputs if t >= 0}
    ready = set(sg.inputs)

    def available(t: int) -> bool:
        tensor = sg.tensors[t]
        return t in ready or tensor.is_constant or tensor.is_variable

    for op in sg.operators:
        for t in op.inputs:
            if t < 0 or available(t):
                continue
            w = writer.get(t)
            if w is None and sg.tensors[t].buffer in misplaced:
                offset, size = misplaced[sg.tensors[t].buffer]
                yield (
                    f"operator {op.index} ({op.opcode}){where(sg.index)} reads {_name(sg, t)}, "
                    f"whose buffer {sg.tensors[t].buffer} gives {size:,} bytes at offset "
                    f"{offset} (offsets count only above 1) and holds no data: TFLM finds "
                    "none and would read uninitialised arena memory"
                )
            elif w is None:
                yield (
                    f"operator {op.index} ({op.opcode}){where(sg.index)} reads {_name(sg, t)}, "
                    "which is never written (no input, constant or operator output)"
                )
            else:
                yield (
                    f"operator {op.index} ({op.opcode}){where(sg.index)} reads {_name(sg, t)} "
                    f"before it is written by operator {w} (operators out of order, or a cycle)"
                )
        ready.update(t for t in op.outputs if t >= 0)
    for t in sg.outputs:
        if not available(t):
            yield f"output {_name(sg, t)}{where(sg.index)} is never written"


def call_graph_problems(graph: Graph, calls: Sequence[Sequence[int]]) -> Iterable[str]:
    """Subgraphs that call themselves (directly or not), and subgraphs never called.

    ``calls[k]`` lists the subgraphs subgraph k's operators call (all in range, none 0).
    Iterative depth-first search: linear in subgraphs and calls.
    """
    state = [0] * len(graph.subgraphs)  # 0 unseen, 1 on the stack, 2 done
    stack: list[tuple[int, int]] = [(0, 0)]
    state[0] = 1
    while stack:
        sg, i = stack[-1]
        if i == len(calls[sg]):
            state[sg] = 2
            stack.pop()
            continue
        stack[-1] = (sg, i + 1)
        callee = calls[sg][i]
        if state[callee] == 1:
            yield (
                f"subgraph {callee} calls itself (through subgraph {sg}); TFLM recurses without end"
            )
            return
        if state[callee] == 0:
            state[callee] = 1
            stack.append((callee, 0))
    for k, seen in enumerate(state):
        sub = graph.subgraphs[k]
        if not seen and (sub.operators or sub.tensors):
            yield (
                f"subgraph {k} is never called from subgraph 0; TFLM still prepares it and "
                "plans its tensors with no lifetime (the runtime crashes on such models)"
            )
            return


def offline_problems(graph: Graph) -> Iterable[str]:
    """Offsets of the OfflineMemoryAllocation metadata: none negative (but -1, "plan it
    online"), and no two buffers overlapping in the arena while both are live."""
    offsets = graph.offline_offsets
    if offsets is None:
        return
    names = [(sg.index, t) for sg in graph.subgraphs for t in sg.tensors]
    if len(offsets) != len(names):
        yield (
            f"the OfflineMemoryAllocation metadata has {len(offsets)} offsets but the model "
            f"has {len(names)} tensors"
        )
        return
    for (sg_index, t), offset in zip(names, offsets, strict=True):
        if offset < -1:
            yield (
                f"the OfflineMemoryAllocation metadata gives tensor {t.index} '{t.name}'"
                f"{where(sg_index)} the negative offset {offset}"
            )
            return
    placed = [b for b in tflm_buffers(graph) if b.offline_offset is not None and b.first_step >= 0]
    yield from _overlaps(placed)


def _overlaps(buffers: Sequence[Buffer]) -> Iterable[str]:
    """The first pair of buffers live at once whose offline byte ranges overlap.

    Sweep in time order keeping the live buffers sorted by offset; they never overlap (the
    sweep stops at the first overlap), so a new buffer need only be compared with its two
    neighbours.
    """
    order = sorted(range(len(buffers)), key=lambda i: buffers[i].first_step)
    live: list[tuple[int, int]] = []  # (offset, buffer index), sorted
    expiry: list[tuple[int, int]] = []  # (last step, buffer index)
    for i in order:
        b = buffers[i]
        while expiry and expiry[0][0] < b.first_step:
            _, j = heapq.heappop(expiry)
            del live[bisect.bisect_left(live, (buffers[j].offline_offset or 0, j))]
        start = b.offline_offset or 0
        pos = bisect.bisect_left(live, (start, i))
        for k in (pos - 1, pos):
            if 0 <= k < len(live):
                other = buffers[live[k][1]]
                o_start = other.offline_offset or 0
                if start < o_start + other.size_bytes and o_start < start + b.size_bytes:
                    yield (
                        f"the OfflineMemoryAllocation metadata makes '{b.name}' "
                        f"(bytes {start}..{start + b.size_bytes}) overlap '{other.name}' "
                        f"(bytes {o_start}..{o_start + other.size_bytes}) while both are live"
                    )
                    return
        live.insert(pos, (start, i))
        heapq.heappush(expiry, (b.last_step, i))


__all__ = ["call_graph_problems", "offline_problems", "order_problems", "writer_problems"]
