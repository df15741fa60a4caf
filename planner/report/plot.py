"""Charts of a :class:`~planner.check.FitCheck`: memory over the execution steps, and per layer.

Three charts, all drawn from the check's own figures (nothing is recomputed or rounded before
it is drawn):

``memory``
    One stacked bar per operator, in execution order, adding up to the check's
    :attr:`~planner.check.LayerCheck.step_sram_bytes` (what must be resident while the operator
    runs): the persistent tail TFLM keeps for the whole run (variable tensors included), the
    operator's inputs, its outputs, the other activations still alive at that step (residual
    branches), and its kernel scratch buffers, tensors rounded to 16 bytes as TFLM plans them.
    The SRAM budget and the arena TFLM needs are horizontal lines; steps that overflow
    (:attr:`~planner.check.LayerCheck.overflows`) are shaded and outlined. No memory plan can
    need less than the tallest bar; the gap up to the arena line is the plan's fragmentation.
``layers``
    Per-layer input and output activation bytes (SRAM) above, weight bytes (flash) below, in
    the spirit of MCUNetV2's per-block memory figure.
``arena``
    The arena map over time (:mod:`planner.report.arena_map`): one bar per planned buffer at
    its offset, from its first to its last operator step, as TFLM's ``PrintMemoryPlan`` draws.

matplotlib is optional (the ``plot`` extra) and imported only inside the functions that draw
with it, so importing this module stays cheap. Without matplotlib, :func:`chart_svg` falls back
to a plain SVG built here from the same figures; :func:`save_chart` (``planner plot``) needs
matplotlib and says so in one line.
"""

from __future__ import annotations

import importlib.util
import io
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from planner.analysis.layers import human_bytes
from planner.errors import PlannerError
from planner.report.escape import html_text as escape
from planner.report.rows import check_verdict_words, layer_label
from planner.runtimes.tflm.allocation_info import planned_tensor_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from planner.check import FitCheck

CHARTS = ("memory", "layers", "arena")
T = TypeVar("T")
#: File types ``planner plot`` writes, by suffix.
PLOT_SUFFIXES = (".png", ".svg", ".pdf")

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = {
    "tail": "#999999",
    "input": "#0072B2",
    "output": "#E69F00",
    "held": "#009E73",
    "scratch": "#CC79A7",
    "weights": "#56B4E9",
    "budget": "#D55E00",
    "arena": "#000000",
    "overflow": "#D55E00",
    "above": "#A50F15",
}
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("tail", "persistent tail (whole run)"),
    ("input", "inputs of the layer"),
    ("output", "outputs of the layer"),
    ("held", "other live activations"),
    ("scratch", "kernel scratch"),
)


class MatplotlibMissing(PlannerError):
    """``planner plot`` was asked for a chart but matplotlib is not installed."""


@dataclass(frozen=True)
class StepMemory:
    """What the arena holds while one operator runs."""

    label: str
    op: str
    tail: int
    input: int
    output: int
    held: int
    scratch: int
    overflows: bool

    @property
    def total(self) -> int:
        return self.tail + self.input + self.output + self.held + self.scratch


@dataclass(frozen=True)
class LayerBytes:
    label: str
    op: str
    input: int
    output: int
    weights: int
    overflows: bool


def memory_steps(check: FitCheck) -> tuple[StepMemory, ...]:
    """Per operator, the check's ``step_sram_bytes`` split by kind (see the module docstring).

    Each bar adds up to :attr:`~planner.check.LayerCheck.step_sram_bytes` exactly: the tail
    and the scratch are the check's; the operator's inputs and outputs are its tensors rounded
    to 16 bytes as TFLM plans them (variable tensors sit in the tail); "other live" is the rest.
    """
    steps = []
    tail = check.arena.tail_bytes
    scratch = check.arena.scratch_bytes
    for lc in check.layers:
        layer = lc.layer
        tensors = check.graph.subgraphs[layer.subgraph].tensors
        live = {t for t in layer.live_tensors if not tensors[t].is_variable}
        ins = {t for t in layer.input_tensors if t in live}
        outs = {t for t in layer.output_tensors if t in live} - ins
        step_scratch = scratch.get((layer.subgraph, layer.index), 0)
        input_bytes = sum(planned_tensor_bytes(tensors[t]) for t in ins)
        output_bytes = sum(planned_tensor_bytes(tensors[t]) for t in outs)
        held = lc.step_sram_bytes - tail - step_scratch - input_bytes - output_bytes
        steps.append(
            StepMemory(
                label=layer_label(layer.subgraph, layer.index),
                op=layer.op,
                tail=tail,
                input=input_bytes,
                output=output_bytes,
                held=max(held, 0),
                scratch=step_scratch,
                overflows=lc.overflows,
            )
        )
    return tuple(steps)


#: The budget line is drawn only when it is at most this many times the tallest figure; a
#: far larger budget would flatten the bars, so the chart says in words where it is instead.
BUDGET_VIEW_FACTOR = 2.5


def budget_in_view(budget: int, peak: int) -> bool:
    return budget <= BUDGET_VIEW_FACTOR * max(peak, 1)


def budget_note(budget: int, peak: int) -> str:
    return f"SRAM budget {budget:,} B: {budget / max(peak, 1):.0f}x this, above the chart"


def layer_bytes(check: FitCheck) -> tuple[LayerBytes, ...]:
    return tuple(
        LayerBytes(
            label=layer_label(lc.layer.subgraph, lc.layer.index),
            op=lc.layer.op,
            input=lc.layer.input_bytes,
            output=lc.layer.output_bytes,
            weights=lc.layer.weight_bytes,
            overflows=lc.overflows,
        )
        for lc in check.layers
    )


def have_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _title(check: FitCheck) -> str:
    return f"{Path(check.model_path).name} on {check.board.name}"


def _verdict(check: FitCheck) -> str:
    return check_verdict_words(check)


def _tick_step(n: int, room: int) -> int:
    """Label every k-th bar so that at most ``room`` labels show."""
    return max(1, -(-n // max(room, 1)))


_KIB = 1024
_MIB = 1024 * 1024
#: Tick steps: decimal for small byte counts, then powers of two of KiB and MiB.
_TICK_STEPS = (
    *(1, 2, 5, 10, 20, 50, 100, 200, 500),
    *(_KIB * k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)),
    *(_MIB * k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)),
)


def nice_byte_ticks(top: float, most: int = 7) -> list[int]:
    """Ticks from 0 past ``top`` at a round byte step (64 KiB, 128 KiB, ...), at most ``most``."""
    top = max(top, 1)
    step = next((t for t in _TICK_STEPS if top / t <= most - 1), _TICK_STEPS[-1])
    count = -(-int(top) // step)
    if count * step < top * 1.03:  # keep a little room above the tallest bar or line
        count += 1
    return [i * step for i in range(count + 1)]


def tick_label(n: int) -> str:
    """'64 KiB', '1.5 MiB', '500 B': short labels for round tick values."""
    if n >= _MIB and n % (_MIB // 4) == 0:
        return f"{n / _MIB:g} MiB"
    if n >= _KIB and n % (_KIB // 2) == 0:
        return f"{n / _KIB:g} KiB"
    return human_bytes(n)


# ---------------------------------------------------------------------------------------------
# matplotlib


def _require_matplotlib() -> None:
    if not have_matplotlib():
        raise MatplotlibMissing(
            "plotting needs matplotlib, which is not installed: "
            "pip install 'tflm-planner[plot]' (or pip install matplotlib)"
        )


def _bytes_axis(ax: Any, top: float) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ticks = nice_byte_ticks(top)
    ax.set_ylim(0, ticks[-1])
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_label(int(v))))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _x_labels(ax: Any, labels: Sequence[str], ops: Sequence[str]) -> None:
    n = len(labels)
    if n <= 40:
        ax.set_xticks(range(n))
        ax.set_xticklabels(
            [f"{lab} {op}" for lab, op in zip(labels, ops, strict=True)],
            rotation=90,
            fontsize=7,
        )
    else:
        k = _tick_step(n, 40)
        ax.set_xticks(range(0, n, k))
        ax.set_xticklabels(list(labels[::k]), fontsize=7)
    ax.set_xlim(-0.6, n - 0.4)


def ensure_can_plot(path: Path) -> None:
    """Fail early, in one line, on an image type we cannot write or a missing matplotlib."""
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise PlannerError(
            f"{path}: cannot tell the image type from '{path.suffix or path.name}' "
            f"(use one of {', '.join(PLOT_SUFFIXES)})"
        )
    _require_matplotlib()


def _note_budget(ax: Any, text: str) -> None:
    ax.text(
        0.99,
        0.98,
        "\u2191 " + text,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        color=COLOURS["budget"],
    )


def _budget_line(ax: Any, budget: int, peak: int) -> Any:
    """The SRAM budget as a dashed line when it is in view (returned), else a note (None)."""
    if not budget_in_view(budget, peak):
        _note_budget(ax, budget_note(budget, peak))
        return None
    return ax.axhline(
        budget,
        color=COLOURS["budget"],
        linestyle="--",
        linewidth=1.6,
        label=f"SRAM budget {budget:,} B",
    )


#: Above this many operators a chart draws each series as one stepped outline (one artist)
#: instead of a bar per operator: thousands of bars take matplotlib minutes and read no better.
MANY_BARS = 400


def _bars(ax: Any, x: Sequence[float], values: Sequence[int], width: float, **kw: Any) -> Any:
    """``ax.bar``, or for more than :data:`MANY_BARS` bars one filled step outline over the
    same heights (``bottom`` as its baseline)."""
    if len(x) <= MANY_BARS:
        return ax.bar(x, values, width, **kw)
    bottom = kw.pop("bottom", None) or [0] * len(values)
    fill = kw.pop("fill", True)
    edges = [x[0] - 0.5, *(v + 0.5 for v in x)]
    tops = [b + v for b, v in zip(bottom, values, strict=True)]
    colour = kw.pop("color", None) or kw.pop("edgecolor", None)
    kw.pop("linewidth", None)
    return ax.stairs(tops, edges, baseline=bottom, fill=fill, color=colour, **kw)


def _overflow_spans(ax: Any, overflows: Sequence[bool]) -> None:
    """Shade the steps that overflow (one span each, or one artist for many steps)."""
    over = [i for i, o in enumerate(overflows) if o]
    if len(overflows) <= MANY_BARS:
        for i in over:
            ax.axvspan(i - 0.5, i + 0.5, color=COLOURS["overflow"], alpha=0.13, linewidth=0)
    elif over:
        edges = [-0.5, *(i + 0.5 for i in range(len(overflows)))]
        ax.stairs(
            [1 if o else 0 for o in overflows], edges, baseline=0, fill=True,
            color=COLOURS["overflow"], alpha=0.13, transform=ax.get_xaxis_transform(),
        )  # fmt: skip


def memory_figure(check: FitCheck) -> Figure:
    """The memory-over-steps chart as a matplotlib Figure (no pyplot, no GUI backend)."""
    _require_matplotlib()
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    steps = memory_steps(check)
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax = fig.add_subplot()
    x = list(range(len(steps)))
    handles: list[Any] = []
    over = [i for i, s in enumerate(steps) if s.overflows]
    _overflow_spans(ax, [s.overflows for s in steps])
    bottom = [0] * len(steps)
    for key, label in SEGMENTS:
        values = [getattr(s, key) for s in steps]
        if not any(values):
            continue
        bars = _bars(ax, x, values, 0.8, bottom=bottom, color=COLOURS[key], label=label)
        handles.append(bars)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    peak = max([*bottom, check.sram_required_bytes])
    budget_line = _budget_line(ax, check.sram_budget_bytes, peak)
    shown = budget_line is not None
    if budget_line is not None:
        handles.append(budget_line)
    arena = ax.axhline(
        check.sram_required_bytes,
        color=COLOURS["arena"],
        linestyle=":",
        linewidth=1.4,
        label=f"arena TFLM needs {check.sram_required_bytes:,} B",
    )
    handles.append(arena)
    if over and len(steps) <= MANY_BARS:
        ax.bar(
            over,
            [steps[i].total for i in over],
            width=0.8,
            fill=False,
            edgecolor=COLOURS["above"],
            linewidth=2.0,
        )
        handles.append(
            Patch(
                facecolor=(*to_rgb(COLOURS["overflow"]), 0.13),
                edgecolor=COLOURS["above"],
                linewidth=2.0,
                label=f"step overflows the budget ({len(over)})",
            )
        )
    _bytes_axis(ax, max(peak, check.sram_budget_bytes if shown else 0))
    _x_labels(ax, [s.label for s in steps], [s.op for s in steps])
    ax.set_xlabel("operator, in execution order")
    ax.set_ylabel("arena bytes")
    ax.set_title(
        f"{_title(check)}: {_verdict(check)}\n"
        f"arena needed {check.sram_required_bytes:,} B, budget {check.sram_budget_bytes:,} B",
        fontsize=11,
    )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return fig


def layers_figure(check: FitCheck) -> Figure:
    """Per-layer activations (SRAM) and weights (flash) as a matplotlib Figure."""
    _require_matplotlib()
    from matplotlib.figure import Figure

    rows = layer_bytes(check)
    fig = Figure(figsize=(12, 5.5), layout="constrained")
    top, low = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = list(range(len(rows)))
    w = 0.4
    _overflow_spans(top, [r.overflows for r in rows])
    inputs = [r.input for r in rows]
    outputs = [r.output for r in rows]
    many = len(rows) > MANY_BARS  # one outline each, the outputs unfilled over the inputs
    _bars(top, [i - (0 if many else w / 2) for i in x], inputs, w, color=COLOURS["input"],
          label="input bytes")  # fmt: skip
    _bars(top, [i + (0 if many else w / 2) for i in x], outputs, w, color=COLOURS["output"],
          label="output bytes", fill=not many)  # fmt: skip
    act_peak = max(inputs + outputs + [1])
    act_shown = _budget_line(top, check.sram_budget_bytes, act_peak) is not None
    top.set_ylabel("activations (SRAM)")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    _bytes_axis(top, max(act_peak, check.sram_budget_bytes if act_shown else 0))
    _bars(low, x, [r.weights for r in rows], 0.8, color=COLOURS["weights"], label="weight bytes")
    low.set_ylabel("weights (flash)")
    low.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    _bytes_axis(low, max([r.weights for r in rows] + [1]))
    _x_labels(low, [r.label for r in rows], [r.op for r in rows])
    low.set_xlabel("operator, in execution order")
    top.set_title(
        f"{_title(check)}: per-layer activations and weights\n"
        f"peak input+output {check.stats.peak_io_bytes:,} B, "
        f"weights {check.stats.weight_bytes:,} B",
        fontsize=11,
    )
    return fig


def _drawn(check: FitCheck, chart: str, makers: dict[str, Callable[[FitCheck], T]]) -> T:
    """``chart`` (one of :data:`CHARTS`) drawn by its maker."""
    if chart not in makers:
        raise PlannerError(f"unknown chart '{chart}' (one of {', '.join(CHARTS)})")
    return makers[chart](check)


def _arena_figure(check: FitCheck) -> Figure:
    from planner.report.arena_map import arena_figure

    return arena_figure(check)


def _arena_svg(check: FitCheck) -> str:
    from planner.report.arena_map import basic_arena_svg

    return basic_arena_svg(check)


def figure(check: FitCheck, chart: str) -> Figure:
    return _drawn(
        check, chart, {"memory": memory_figure, "layers": layers_figure, "arena": _arena_figure}
    )


def _rc() -> AbstractContextManager[Any]:
    """SVG text kept as text (small, searchable) and stable ids from run to run."""
    import matplotlib

    return matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tflm-planner"})


def save_chart(check: FitCheck, path: Path, chart: str = "memory", dpi: int = 150) -> None:
    """Write one chart to ``path``; its suffix (.png, .svg, .pdf) picks the file type."""
    ensure_can_plot(path)
    suffix = path.suffix.lower()

    fig = figure(check, chart)
    metadata: dict[str, Any] = {"svg": {"Date": None}, "png": {"Software": None}, "pdf": {}}[
        suffix[1:]
    ]
    try:
        with _rc():
            fig.savefig(path, dpi=dpi, metadata=metadata)
    except OSError as exc:
        raise PlannerError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _inline_svg(svg: str, prefix: str, label: str = "") -> str:
    """matplotlib's SVG document made fit to sit inside HTML: no prolog, unique ids, a label."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        pattern = re.compile(r'(\bid="|#)(' + "|".join(re.escape(i) for i in ids) + r')(?=["\)])')
        svg = pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    # Let the page size the chart: keep the viewBox, drop the fixed point size.
    svg = re.sub(r'(<svg\b[^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r"\1", svg, count=1)
    if label:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return svg.strip()


def matplotlib_svg(check: FitCheck, chart: str) -> str:
    """One chart as an inline ``<svg>`` element drawn by matplotlib."""

    fig = figure(check, chart)
    buf = io.StringIO()
    with _rc():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    what = {
        "memory": "arena bytes per execution step",
        "layers": "per-layer bytes",
        "arena": "arena offset of each buffer over the steps",
    }[chart]
    return _inline_svg(buf.getvalue(), chart, f"{_title(check)}: {what}")


def chart_svg(check: FitCheck, chart: str, use_matplotlib: bool | None = None) -> str:
    """One chart as an inline ``<svg>``: matplotlib's when it is installed, else a plain one."""
    if use_matplotlib is None:
        use_matplotlib = have_matplotlib()
    if use_matplotlib:
        return matplotlib_svg(check, chart)
    return _drawn(
        check, chart, {"memory": basic_memory_svg, "layers": basic_layers_svg, "arena": _arena_svg}
    )


# ---------------------------------------------------------------------------------------------
# The plain SVG used when matplotlib is not installed


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    width: float
    height: float
    ymax: float
    n: int

    def x(self, i: float) -> float:
        return self.left + (i + 0.5) * self.width / max(self.n, 1)

    def y(self, v: float) -> float:
        return self.top + self.height - v / self.ymax * self.height

    @property
    def slot(self) -> float:
        return self.width / max(self.n, 1)


def _axis(frame: _Frame, ticks: list[int], labels: Sequence[str], ylabel: str) -> list[str]:
    out = []
    f = frame
    for t in ticks:
        y = f.y(t)
        out.append(
            f'<line x1="{f.left:.1f}" x2="{f.left + f.width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#dddddd" stroke-width="0.6"/>'
            f'<text x="{f.left - 6:.1f}" y="{y + 3:.1f}" text-anchor="end" font-size="10">'
            f"{escape(tick_label(t))}</text>"
        )
    out.append(
        f'<line x1="{f.left:.1f}" x2="{f.left:.1f}" y1="{f.top:.1f}" '
        f'y2="{f.top + f.height:.1f}" stroke="#333"/>'
        f'<line x1="{f.left:.1f}" x2="{f.left + f.width:.1f}" y1="{f.top + f.height:.1f}" '
        f'y2="{f.top + f.height:.1f}" stroke="#333"/>'
        f'<text transform="translate({f.left - 62:.1f},{f.top + f.height / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="11">{escape(ylabel)}</text>'
    )
    k = _tick_step(len(labels), int(f.width // 14))
    for i in range(0, len(labels), k):
        x = f.x(i)
        y = f.top + f.height + 4
        out.append(
            f'<text transform="translate({x + 3:.1f},{y:.1f}) rotate(90)" font-size="9">'
            f"{escape(labels[i])}</text>"
        )
    return out


def _hline(frame: _Frame, value: int, colour: str, dash: str, label: str) -> str:
    y = frame.y(value)
    return (
        f'<line class="limit" x1="{frame.left:.1f}" x2="{frame.left + frame.width:.1f}" '
        f'y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1.6" '
        f'stroke-dasharray="{dash}"><title>{escape(label)}</title></line>'
    )


def _svg_note(frame: _Frame, text: str) -> str:
    return (
        f'<text class="limit" x="{frame.left + frame.width - 4:.1f}" y="{frame.top + 12:.1f}" '
        f'text-anchor="end" font-size="11" fill="{COLOURS["budget"]}">'
        f"\u2191 {escape(text)}</text>"
    )


def _legend(x: float, y: float, items: Sequence[tuple[str, str, str]]) -> list[str]:
    """Legend entries: (colour, label, kind) with kind 'box', 'outline', 'dash' or 'dot'."""
    out = []
    for i, (colour, label, kind) in enumerate(items):
        yy = y + i * 16
        if kind == "outline":
            out.append(
                f'<rect x="{x:.1f}" y="{yy - 9:.1f}" width="12" height="10" '
                f'fill="{COLOURS["overflow"]}" fill-opacity="0.13" '
                f'stroke="{colour}" stroke-width="1.4"/>'
            )
        elif kind == "box":
            out.append(
                f'<rect x="{x:.1f}" y="{yy - 9:.1f}" width="12" height="10" fill="{colour}"/>'
            )
        else:
            dash = "5,3" if kind == "dash" else "1.5,2"
            out.append(
                f'<line x1="{x:.1f}" x2="{x + 12:.1f}" y1="{yy - 4:.1f}" y2="{yy - 4:.1f}" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
            )
        out.append(f'<text x="{x + 17:.1f}" y="{yy:.1f}" font-size="10">{escape(label)}</text>')
    return out


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _overflow_bands(f: _Frame, overflows: Sequence[bool]) -> list[str]:
    """A shaded band over each slot of ``f`` that overflows the budget."""
    return [
        f'<rect class="overflow" x="{f.x(i) - f.slot / 2:.1f}" y="{f.top:.1f}" '
        f'width="{f.slot:.1f}" height="{f.height:.1f}" fill="{COLOURS["overflow"]}" '
        'fill-opacity="0.13"/>'
        for i, over in enumerate(overflows)
        if over
    ]


def basic_memory_svg(check: FitCheck) -> str:
    """The memory chart as plain SVG (no matplotlib): stacked bars, budget line, overflows."""
    steps = memory_steps(check)
    width, height = 1100, 460
    peak = max([s.total for s in steps] + [check.sram_required_bytes])
    shown = budget_in_view(check.sram_budget_bytes, peak)
    ticks = nice_byte_ticks(max(peak, check.sram_budget_bytes if shown else 0))
    f = _Frame(left=80, top=50, width=760, height=300, ymax=ticks[-1] or 1, n=len(steps))
    title = f"{_title(check)}: {_verdict(check)}"
    body = [
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="13">'
        f"{escape(title)}</text>"
        f'<text x="{width / 2:.0f}" y="37" text-anchor="middle" font-size="11">arena needed '
        f"{check.sram_required_bytes:,} B, budget {check.sram_budget_bytes:,} B</text>"
    ]
    body += _overflow_bands(f, [s.overflows for s in steps])
    body += _axis(f, ticks, [s.label for s in steps], "arena bytes")
    bar_w = f.slot * 0.8
    for i, s in enumerate(steps):
        base = 0
        tip = (
            f"{s.label} {s.op}: "
            + ", ".join(f"{key} {getattr(s, key):,} B" for key, _ in SEGMENTS)
            + f"; total {s.total:,} B"
            + (" - overflows the budget" if s.overflows else "")
        )
        parts = [f'<g class="bar"><title>{escape(tip)}</title>']
        for key, _ in SEGMENTS:
            v = getattr(s, key)
            if v <= 0:
                continue
            y1, y0 = f.y(base + v), f.y(base)
            parts.append(
                f'<rect x="{f.x(i) - bar_w / 2:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" '
                f'height="{max(y0 - y1, 0):.1f}" fill="{COLOURS[key]}"/>'
            )
            base += v
        if s.overflows:
            parts.append(
                f'<rect class="overflow-bar" x="{f.x(i) - bar_w / 2:.1f}" y="{f.y(s.total):.1f}" '
                f'width="{bar_w:.1f}" height="{f.y(0) - f.y(s.total):.1f}" fill="none" '
                f'stroke="{COLOURS["above"]}" stroke-width="2"/>'
            )
        parts.append("</g>")
        body.append("".join(parts))
    budget_label = f"SRAM budget {check.sram_budget_bytes:,} B"
    arena_label = f"arena TFLM needs {check.sram_required_bytes:,} B"
    if shown:
        body.append(_hline(f, check.sram_budget_bytes, COLOURS["budget"], "6,3", budget_label))
    else:
        body.append(_svg_note(f, budget_note(check.sram_budget_bytes, peak)))
    body.append(_hline(f, check.sram_required_bytes, COLOURS["arena"], "1.5,2", arena_label))
    items = [
        (COLOURS[k], label, "box") for k, label in SEGMENTS if any(getattr(s, k) for s in steps)
    ]
    if shown:
        items.append((COLOURS["budget"], budget_label, "dash"))
    items.append((COLOURS["arena"], arena_label, "dot"))
    over = sum(1 for s in steps if s.overflows)
    if over:
        items.append((COLOURS["above"], f"step overflows the budget ({over})", "outline"))
    body += _legend(f.left + f.width + 20, f.top + 10, items)
    return _svg(width, height, title, body)


def basic_layers_svg(check: FitCheck) -> str:
    """The per-layer chart as plain SVG: input/output bytes above, weight bytes below."""
    rows = layer_bytes(check)
    width, height = 1100, 560
    title = f"{_title(check)}: per-layer activations and weights"
    body = [
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="13">'
        f"{escape(title)}</text>"
    ]
    act_peak = max([max(r.input, r.output) for r in rows] + [1])
    act_shown = budget_in_view(check.sram_budget_bytes, act_peak)
    act_ticks = nice_byte_ticks(max(act_peak, check.sram_budget_bytes if act_shown else 0))
    fa = _Frame(left=80, top=40, width=760, height=230, ymax=act_ticks[-1] or 1, n=len(rows))
    w_ticks = nice_byte_ticks(max([r.weights for r in rows] + [1]))
    fw = _Frame(left=80, top=300, width=760, height=150, ymax=w_ticks[-1] or 1, n=len(rows))
    body += _overflow_bands(fa, [r.overflows for r in rows])
    body += _axis(fa, act_ticks, ["" for _ in rows], "activations (SRAM)")
    body += _axis(fw, w_ticks, [r.label for r in rows], "weights (flash)")
    bw = fa.slot * 0.4
    for i, r in enumerate(rows):
        tip = (
            f"{r.label} {r.op}: input {r.input:,} B, output {r.output:,} B, weights {r.weights:,} B"
        )
        body.append(
            f'<g class="bar"><title>{escape(tip)}</title>'
            f'<rect x="{fa.x(i) - bw:.1f}" y="{fa.y(r.input):.1f}" width="{bw:.1f}" '
            f'height="{fa.y(0) - fa.y(r.input):.1f}" fill="{COLOURS["input"]}"/>'
            f'<rect x="{fa.x(i):.1f}" y="{fa.y(r.output):.1f}" width="{bw:.1f}" '
            f'height="{fa.y(0) - fa.y(r.output):.1f}" fill="{COLOURS["output"]}"/>'
            f'<rect x="{fw.x(i) - fw.slot * 0.4:.1f}" y="{fw.y(r.weights):.1f}" '
            f'width="{fw.slot * 0.8:.1f}" height="{fw.y(0) - fw.y(r.weights):.1f}" '
            f'fill="{COLOURS["weights"]}"/></g>'
        )
    budget_label = f"SRAM budget {check.sram_budget_bytes:,} B"
    if act_shown:
        body.append(_hline(fa, check.sram_budget_bytes, COLOURS["budget"], "6,3", budget_label))
    else:
        body.append(_svg_note(fa, budget_note(check.sram_budget_bytes, act_peak)))
    body += _legend(
        fa.left + fa.width + 20,
        fa.top + 10,
        [
            (COLOURS["input"], "input bytes", "box"),
            (COLOURS["output"], "output bytes", "box"),
            *([(COLOURS["budget"], budget_label, "dash")] if act_shown else []),
            (COLOURS["weights"], "weight bytes (flash)", "box"),
        ],
    )
    return _svg(width, height, title, body)
