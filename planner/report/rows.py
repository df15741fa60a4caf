"""The cells every format's tables share, formatted once: the per-layer table and the model
totals (text and Markdown lay them out; the figures come from the check)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from planner.analysis.layers import human_bytes

if TYPE_CHECKING:
    from planner.check import FitCheck, LayerCheck

#: Columns of LAYER_HEADER that hold text (left-aligned); the others are numbers.
LAYER_TEXT_COLUMNS = frozenset({"op", "input shape", "output shape"})


def b(n: int) -> str:
    """Exact bytes with thousands separators and a human unit: '311,040 B (303.8 KiB)'."""
    if abs(n) < 1024:
        return f"{n:,} B"
    sign = "-" if n < 0 else ""
    return f"{n:,} B ({sign}{human_bytes(abs(n))})"


#: The three verdicts, in the words every format uses.
VERDICT_WORDS = {"fits": "fits", "does not fit": "does not fit", "unknown": "cannot tell"}


def verdict_words(verdict: str, sram_short: bool, flash_short: bool) -> str:
    """'fits', 'cannot tell', or 'does not fit (SRAM and flash)'."""
    if verdict != "does not fit":
        return VERDICT_WORDS[verdict]
    parts = [p for p, short in (("SRAM", sram_short), ("flash", flash_short)) if short]
    return "does not fit" + (f" ({' and '.join(parts)})" if parts else "")


def check_verdict_words(check: FitCheck) -> str:
    """:func:`verdict_words` of a check."""
    return verdict_words(check.verdict, check.sram_headroom_bytes < 0, not check.fits_flash)


def csv_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV text, header row first, ``\\n`` line ends, as every CSV here is written: booleans
    ``true``/``false`` (pandas reads them as bool), None an empty cell."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [("true" if v else "false") if isinstance(v, bool) else v for v in row] for row in rows
    )
    return buf.getvalue()


def layer_label(subgraph: int, index: int) -> str:
    """'12' for subgraph 0, '1:3' for an operator of another subgraph (as the tables write it)."""
    return f"{index}" if subgraph == 0 else f"{subgraph}:{index}"


def shapes_text(shapes: Iterable[Sequence[int]]) -> str:
    """'1x96x96x3, 1x8' ('scalar' for a rank-0 shape, '-' for none)."""
    return ", ".join("x".join(str(d) for d in s) if s else "scalar" for s in shapes) or "-"


def overflow_cells(lc: LayerCheck, name: str, tail: str) -> tuple[str, ...]:
    """An overflowing layer as the text and Markdown tables show it: label, op, output
    ``name``, output shape, in+out, live and step bytes, and why (``tail``: how the table calls
    the persistent tail)."""
    layer = lc.layer
    why = [
        w
        for w, on in (
            ("input+output > budget", lc.io_overflows),
            (f"live tensors + scratch + {tail} > budget", lc.live_overflows),
        )
        if on
    ]
    return (
        layer_label(layer.subgraph, layer.index),
        layer.op,
        name,
        shapes_text(layer.output_shapes),
        f"{layer.io_bytes:,}",
        f"{layer.live_bytes:,}",
        f"{lc.step_sram_bytes:,}",
        ", ".join(why),
    )


#: A cell of the per-layer table from the layer's check, the whole check and its position.
LayerCell = Callable[["LayerCheck", "FitCheck", int], str]


def _layer_figure(name: str) -> LayerCell:
    """The layer's figure ``name`` with thousands separators."""
    return lambda lc, _check, _i: f"{getattr(lc.layer, name):,}"


def _out_offsets(lc: LayerCheck, check: FitCheck, _i: int) -> str:
    offsets = check.arena.tensor_offsets
    off = [offsets.get((lc.layer.subgraph, t)) for t in lc.layer.output_tensors]
    return ", ".join("-" if o is None else f"{o:,}" for o in off) or "-"


def _scratch(lc: LayerCheck, check: FitCheck, _i: int) -> str:
    return f"{check.arena.scratch_bytes.get((lc.layer.subgraph, lc.layer.index), 0):,}"


def _latency_us(_lc: LayerCheck, check: FitCheck, position: int) -> str:
    us = check.layer_latency_us(position)
    return "-" if us is None else f"{us:,.1f}"


#: The per-layer table every format shows: column -> its cell.
LAYER_CELLS: dict[str, LayerCell] = {
    "#": lambda lc, _c, _i: layer_label(lc.layer.subgraph, lc.layer.index),
    "op": lambda lc, _c, _i: lc.layer.op,
    "input shape": lambda lc, _c, _i: shapes_text(lc.layer.input_shapes),
    "output shape": lambda lc, _c, _i: shapes_text(lc.layer.output_shapes),
    "in B": _layer_figure("input_bytes"),
    "out B": _layer_figure("output_bytes"),
    "in+out B": _layer_figure("io_bytes"),
    "live B": _layer_figure("live_bytes"),
    "step B": lambda lc, _c, _i: f"{lc.step_sram_bytes:,}",
    "scratch B": _scratch,
    "out offset": _out_offsets,
    "weights B": _layer_figure("weight_bytes"),
    "params": _layer_figure("params"),
    "MACs": _layer_figure("macs"),
    "est. µs": _latency_us,
}
LAYER_HEADER: tuple[str, ...] = tuple(LAYER_CELLS)


def layer_rows(check: FitCheck) -> list[tuple[str, ...]]:
    """One row of LAYER_HEADER cells per layer, in execution order."""
    cells = LAYER_CELLS.values()
    return [
        tuple(cell(lc, check, position) for cell in cells)
        for position, lc in enumerate(check.layers)
    ]


def totals_rows(check: FitCheck, kernels: bool = False) -> list[tuple[str, str]]:
    """(label, value) rows of the model totals; ``kernels`` names the kernel library in the
    latency row."""
    s = check.stats
    rows = [
        ("Parameters", f"{s.params:,}"),
        ("Weight bytes (flash)", b(s.weight_bytes)),
        ("Total activations", b(s.total_activation_bytes)),
        ("Peak input+output", b(s.peak_io_bytes)),
        ("Peak live activations", b(s.peak_live_bytes)),
    ]
    if s.variable_bytes:
        rows.append(("Variable (state) tensors", b(s.variable_bytes)))
    rows += [("MACs", f"{s.macs:,}"), ("FLOPs (2 x MACs)", f"{s.flops:,}")]
    if check.latency is not None:
        lat = check.latency
        where = f"{lat.milliseconds:,.1f} ms on {lat.core} @ {lat.clock_hz / 1e6:g} MHz"
        rows.append(("Latency (estimate)", where + (f" ({lat.kernels})" if kernels else "")))
    return rows


def board_option(check: FitCheck) -> str:
    """`--board NAME` for a catalog board, `--board-file PATH` for a board file of one's own."""
    from pathlib import Path

    from planner.targets.boards import default_catalog_dir

    board = check.board
    catalog = Path(board.path).parent.resolve() == default_catalog_dir().resolve()
    return f"--board {board.name}" if catalog else f"--board-file {board.path}"


def optimize_command(check: FitCheck) -> str:
    """The `planner optimize` command line for this model and board."""
    from pathlib import Path

    model = Path(check.model_path)
    return f"planner optimize {model} -o {model.stem}_optimized.tflite {board_option(check)}"


def plan_layout_words(check: FitCheck) -> str | None:
    """Why a model whose every step fits does not fit, and what `planner optimize` does about
    it, from the check's figures; None when that is not why it does not fit."""
    layout = check.plan_layout
    if layout is None:
        return None
    text = (
        f"TFLM's plan leaves {layout.gaps_bytes:,} B of gaps; the lower bound is "
        f"{layout.lower_bound_bytes:,} B (largest sum of live buffers at one step); "
        f"`{optimize_command(check)}` "
    )
    over = layout.optimized_min_arena_bytes - layout.sram_budget_bytes
    if layout.optimize_fits:
        return text + f"makes it fit (smallest arena {layout.optimized_min_arena_bytes:,} B)"
    return text + (
        f"brings the smallest arena to {layout.optimized_min_arena_bytes:,} B, "
        f"still {over:,} B over the budget"
    )


def sources_words(check: FitCheck) -> str | None:
    """One line saying the board's figures come from kernel sources, not measurements."""
    if not check.figures_from_sources:
        return None
    return (
        "the ESP-NN figures come from Espressif's esp-nn and esp-tflite-micro sources, "
        "not from measurements on a chip"
    )


def check_notes(check: FitCheck) -> tuple[str, ...]:
    """The sentences under a summary that apply: how to verify, where the figures come from."""
    return tuple(w for w in (verify_words(check), sources_words(check)) if w)


def verify_words(check: FitCheck) -> str | None:
    """How to check the board's figures against TFLM itself, when this machine can."""
    from planner.targets.target import HOST

    target = check.arena.target
    if target == HOST:
        return f"checkable with `planner verify {board_option(check)}` (tflite-micro package)"
    from planner.runtimes.tflm.verify.builds import probe_build

    if probe_build(target, check.board.core) is not None:
        return (
            f"checkable with `planner verify {board_option(check)}` (TFLM built for "
            f"{check.board.core}, run in qemu-arm)"
        )
    return None
