"""The arena map: where TFLM puts each planned buffer, and when it is alive.

One entry per buffer TFLM's memory planner places in the arena head (activation tensors and
kernel scratch buffers): its name, planned size (16-byte rounded), first and last operator that
need it and its offset, all from the arena prediction
(:class:`~planner.runtimes.tflm.arena.ArenaPrediction`: ``buffers`` and ``plan.offsets``).
The largest ``offset + size`` is the head.

The chart is what TFLM's ``PrintMemoryPlan`` draws in ASCII: x is the operator step, y the
arena offset, one bar per buffer from its first to its last step.

Steps are TFLM's allocation steps: step 0 is before the first operator (the subgraph's
inputs are created there), step k is the k-th operator run; an operator that calls subgraphs
(IF, WHILE, CALL_ONCE) owns the steps of the operators it calls.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any, NamedTuple

from planner.model.graph import Graph
from planner.report.rows import csv_table, layer_label
from planner.runtimes.tflm.allocation_info import called_subgraphs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from planner.check import FitCheck

#: What the text and Markdown tables show.
MAP_HEADER = ("offset", "size B", "end", "first op", "last op", "buffer")

TENSOR_COLOUR, SCRATCH_COLOUR = "#0072B2", "#CC79A7"


class MapEntry(NamedTuple):
    """One planned buffer: what it is, its size, when it lives and where it sits."""

    name: str
    #: "tensor" or "scratch".
    kind: str
    subgraph: int
    #: Tensor index in its subgraph (tensors), else None.
    tensor: int | None
    #: The operator that asked for it (scratch buffers), else None.
    op: int | None
    size_bytes: int
    first_step: int
    last_step: int
    #: The operators at first_step and last_step ('input' for step 0), e.g. '3 CONV_2D'.
    first_op: str
    last_op: str
    offset: int

    @property
    def end(self) -> int:
        return self.offset + self.size_bytes


#: Columns of the map, as the CSV and JSON name them: the fields of an entry.
MAP_COLUMNS = MapEntry._fields


class StepLabels:
    """The operator at each allocation step, as TFLM's AllocationInfoBuilder numbers them:
    step 0 is the inputs; each operator takes a step, and each subgraph it calls one more step
    plus the called subgraph's own steps. A subgraph called from several places is counted at
    every call, so the number of steps can grow exponentially (CALL_ONCE diamonds); a label is
    found by descending through memoised subgraph lengths, never by listing the steps."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.starts: dict[int, list[int]] = {}
        self.lengths: dict[int, int] = {}

    def _walk(self, sg_index: int) -> list[int]:
        """The step (counted from the subgraph's first) at which each of its operators runs;
        sets the subgraph's length."""
        found = self.starts.get(sg_index)
        if found is None:
            found, position = [], 0
            for op in self.graph.subgraphs[sg_index].operators:
                found.append(position)
                position += 1 + sum(1 + self.length(c) for c in called_subgraphs(op))
            self.starts[sg_index], self.lengths[sg_index] = found, position
        return found

    def length(self, sg_index: int) -> int:
        """Steps one walk of the subgraph takes."""
        if sg_index not in self.lengths:
            self._walk(sg_index)
        return self.lengths[sg_index]

    def count(self) -> int:
        """Steps in all: the inputs' step and one walk of subgraph 0."""
        return 1 + self.length(0)

    def at(self, step: int) -> str:
        if step == 0:
            return "input"
        sg_index, rest = 0, step - 1
        if not 0 <= rest < self.length(0):
            return str(step)
        while True:
            starts = self._walk(sg_index)
            position = bisect_right(starts, rest) - 1
            op = self.graph.subgraphs[sg_index].operators[position]
            label = f"{layer_label(sg_index, op.index)} {op.opcode}"
            rest -= starts[position]
            if rest == 0:
                return label
            rest -= 1
            for called in called_subgraphs(op):
                if rest == 0:
                    return label
                rest -= 1
                if rest < self.length(called):
                    sg_index = called
                    break
                rest -= self.length(called)
            else:
                return label  # not reached: the op's span holds every step below the next


def _entries(check: FitCheck) -> list[dict[str, Any]]:
    """Every planned buffer of the check's arena as :class:`MapEntry` fields, by offset
    (then first step, then name)."""
    arena = check.arena
    at = StepLabels(check.graph).at
    entries = [
        {
            "name": b.name,
            "kind": "scratch" if b.is_scratch else "tensor",
            "subgraph": b.subgraph,
            "tensor": b.tensor_index,
            "op": b.op_index,
            "size_bytes": b.size_bytes,
            "first_step": b.first_step,
            "last_step": b.last_step,
            "first_op": at(b.first_step),
            "last_op": at(b.last_step),
            "offset": offset,
        }
        for b, offset in zip(arena.buffers, arena.plan.offsets, strict=True)
    ]
    entries.sort(key=lambda e: (e["offset"], e["first_step"], e["name"]))
    return entries


def arena_map(check: FitCheck) -> tuple[MapEntry, ...]:
    """Every planned buffer of the check's arena, by offset (then first step)."""
    return tuple(MapEntry(**e) for e in _entries(check))


def map_to_dicts(check: FitCheck) -> list[dict[str, Any]]:
    """The map as JSON-ready dicts (the document's ``arena_map``), in :class:`MapEntry`'s
    field order."""
    return _entries(check)


def map_rows(check: FitCheck) -> list[tuple[str, ...]]:
    """Cells of :data:`MAP_HEADER` per buffer, figures with thousands separators; a converted
    name that joins several TF names with ';' shows the first (the JSON has them all)."""
    return [
        (
            f"{e.offset:,}",
            f"{e.size_bytes:,}",
            f"{e.end:,}",
            e.first_op,
            e.last_op,
            short_name(e.name),
        )
        for e in arena_map(check)
    ]


#: Longest tensor name a table shows (the JSON and CSV keep the whole name).
MAX_NAME_CHARS = 80


def short_name(name: str, limit: int = MAX_NAME_CHARS) -> str:
    """A converted name's first TF name (they join several with ';'), cut to ``limit``
    characters for a table cell."""
    first = name.split(";")[0]
    return first if len(first) <= limit else first[: limit - 3] + "..."


def map_csv(check: FitCheck) -> str:
    """`planner report -f csv --arena-map`: one row per planned buffer."""
    return csv_table(MAP_COLUMNS, ([e[c] for c in MAP_COLUMNS] for e in map_to_dicts(check)))


def map_html(doc: dict[str, Any]) -> str:
    """The document's arena map as an HTML table (sortable like the layer table)."""
    # here: the JSON and text reports never need it
    from planner.report.escape import html_text as escape

    head = "".join(
        f'<th scope="col"{" class=num" if num else ""}>{escape(t)}</th>'
        for t, num in zip(MAP_HEADER, (1, 1, 1, 0, 0, 0), strict=True)
    )
    rows = []
    for e in doc["arena_map"]:
        end = e["offset"] + e["size_bytes"]
        nums = "".join(
            f'<td class="num" data-v="{v}">{v:,}</td>' for v in (e["offset"], e["size_bytes"], end)
        )
        text = "".join(f"<td>{escape(v)}</td>" for v in (e["first_op"], e["last_op"], e["name"]))
        rows.append(f'<tr class="{e["kind"]}">{nums}{text}</tr>')
    return (
        f'<div class="scroll"><table id="arena-map"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _title(check: FitCheck) -> str:
    from pathlib import Path

    return (
        f"{Path(check.model_path).name} on {check.board.name}: arena head "
        f"{check.arena.head_bytes:,} B, {len(check.arena.buffers)} buffers"
    )


def arena_figure(check: FitCheck) -> Figure:
    """The offset-over-time chart as a matplotlib Figure."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from planner.report.plot import nice_byte_ticks, tick_label

    entries = arena_map(check)
    steps = StepLabels(check.graph).count()
    fig = Figure(figsize=(12, 5.5), layout="constrained")
    ax = fig.add_subplot()
    # One collection of rectangles, not a patch each: thousands of buffers draw in a blink.
    boxes = []
    for e in entries:
        x0, x1 = e.first_step - 0.45, e.last_step + 0.45
        y0, y1 = e.offset, e.offset + e.size_bytes
        boxes.append(((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
    colours = [SCRATCH_COLOUR if e.kind == "scratch" else TENSOR_COLOUR for e in entries]
    ax.add_collection(
        PolyCollection(boxes, facecolors=colours, edgecolors="white", linewidths=0.5),
        autolim=False,
    )
    head = check.arena.head_bytes
    ax.axhline(head, color="black", linestyle=":", linewidth=1.2)
    ticks = nice_byte_ticks(max(head, 1))
    ax.set_yticks(ticks, [tick_label(t) for t in ticks])
    ax.set_ylim(0, ticks[-1])
    ax.set_xlim(-0.6, steps - 0.4)
    ax.set_xlabel("operator step (0 = inputs)")
    ax.set_ylabel("arena offset")
    ax.set_title(_title(check), fontsize=11)
    ax.legend(
        handles=[
            Patch(color=TENSOR_COLOUR, label="tensor"),
            Patch(color=SCRATCH_COLOUR, label="kernel scratch"),
            ax.lines[0],
        ],
        labels=["tensor", "kernel scratch", f"head {head:,} B"],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    return fig


def basic_arena_svg(check: FitCheck) -> str:
    """The offset-over-time chart as plain SVG (no matplotlib), one titled rect per buffer."""
    from planner.report.escape import html_text as escape

    entries = arena_map(check)
    steps = max(StepLabels(check.graph).count(), 1)
    head = max(check.arena.head_bytes, 1)
    left, top, width, height = 80.0, 40.0, 900.0, 360.0

    def x(step: float) -> float:
        return left + width * (step + 0.5) / steps

    def y(offset: float) -> float:
        return top + height * (1 - offset / head)

    body = [
        f'<text x="{left + width / 2:.0f}" y="20" text-anchor="middle" font-size="13">'
        f"{escape(_title(check))}</text>",
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + height}" stroke="#000"/>',
        f'<line x1="{left}" x2="{left + width}" y1="{top + height}" y2="{top + height}" '
        'stroke="#000"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="10">{head:,}</text>',
        f'<text x="{left - 6}" y="{top + height}" text-anchor="end" font-size="10">0</text>',
    ]
    for e in entries:
        colour = SCRATCH_COLOUR if e.kind == "scratch" else TENSOR_COLOUR
        x0, x1 = x(e.first_step - 0.45), x(e.last_step + 0.45)
        y0, y1 = y(e.end), y(e.offset)
        tip = f"{e.name}: {e.size_bytes:,} B at {e.offset:,}, {e.first_op} .. {e.last_op}"
        body.append(
            f'<rect class="buffer" x="{x0:.1f}" y="{y0:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}" fill="{colour}" stroke="#fff" stroke-width="0.5">'
            f"<title>{escape(tip)}</title></rect>"
        )
    body.append(
        f'<text x="{left + width / 2:.0f}" y="{top + height + 30}" text-anchor="middle" '
        'font-size="11">operator step (0 = inputs); y: arena offset</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 440" role="img" '
        f'aria-label="{escape(_title(check))}" font-family="sans-serif">'
        '<rect width="1000" height="440" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )
