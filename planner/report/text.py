"""Terminal output: aligned tables with exact bytes beside human units.

Uses ``rich``: colour only when writing to a terminal, plain text when piped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.analysis.layers import human_bytes
from planner.report.arena_map import MAP_HEADER, map_rows, short_name
from planner.report.rows import (
    LAYER_HEADER,
    LAYER_TEXT_COLUMNS,
    b,
    check_notes,
    layer_rows,
    overflow_cells,
    plan_layout_words,
    totals_rows,
)
from planner.targets.boards import Board

if TYPE_CHECKING:
    from planner.check import FitCheck, LayerCheck


class _TrimmedLines:
    """A text sink that drops the spaces rich pads table cells with at the end of lines."""

    def __init__(self, target: IO[str]) -> None:
        self.target = target
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.target.write(line.rstrip(" ") + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending.strip(" "):
            self.target.write(self.pending.rstrip(" "))
            self.pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return False


def make_console(file: IO[str] | None = None, width: int | None = None) -> Console:
    """A console that colours only real terminals and never wraps tables when piped.

    Piped or written to a file, lines carry no trailing padding and no colour codes.
    """
    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(
            file=_TrimmedLines(file if file is not None else sys.stdout),  # type: ignore[arg-type]
            highlight=False,
            soft_wrap=False,
            width=width or 250,
            no_color=True,
            force_terminal=False,
        )
    return console


def _verdict(check: FitCheck) -> Text:
    if check.fits:
        return Text("FITS", style="bold green")
    if check.verdict == "unknown":
        return Text(
            "CANNOT TELL: the figure below is a floor (unknown operators); it fits only if "
            "they need less than the headroom",
            style="bold yellow",
        )
    parts = []
    if not check.fits_sram:
        parts.append("SRAM")
    if not check.fits_flash:
        parts.append("flash")
    return Text(f"DOES NOT FIT ({' and '.join(parts)})", style="bold red")


def _comparison_rows(check: FitCheck, grid: Table) -> None:
    """The rows under "SRAM needed": the saving against TFLM's plan, the host's figures and
    how they differ, how to verify, and where the figures come from."""
    arena = check.arena
    if check.tflm_arena is not None:
        t = check.tflm_arena
        grid.add_row(
            "vs TFLM's plan",
            Text(b(check.saving_bytes) + " saved", style="green" if check.saving_bytes else ""),
            f"{check.saving_percent:.1f} %: TFLM's own plan needs {t.min_arena_bytes:,} B "
            f"(head {t.head_bytes:,} B), this one {arena.min_arena_bytes:,} B "
            f"(head {arena.head_bytes:,} B); `planner optimize` writes it into the model",
        )
    if check.host_arena is not None:
        h = check.host_arena
        grid.add_row(
            "",
            "",
            f"  on host ({h.target.label}): {h.min_arena_bytes:,} B; differs by:",
        )
        for note in check.host_differences:
            grid.add_row("", "", f"    - {note}")
    for words in check_notes(check):
        grid.add_row("", "", f"  {words}")


def render_summary(check: FitCheck, console: Console) -> None:
    board = check.board
    region = board.arena_region
    arena = check.arena
    r = board.reserve
    console.print(
        Text.assemble(
            (f"{check.model_path}", "bold"),
            f" on {board.name} ({board.description}; {board.core} @ {board.clock_mhz:g} MHz)",
        )
    )
    console.print(Text.assemble("Verdict: ", _verdict(check)))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    grid.add_column()
    grid.add_row(
        "SRAM needed" if arena.exact else "SRAM needed, at least",
        b(check.sram_required_bytes),
        f"smallest kTensorArenaSize for TFLM ({arena.target.label}, "
        f"{'optimized' if check.planner == 'optimized' else 'tflm'} plan)"
        + ("" if arena.exact else " - NOT EXACT, see warnings"),
    )
    grid.add_row("", "", f"  head {arena.head_bytes:,} B (planned activations and scratch)")
    grid.add_row("", "", f"  tail {arena.tail_bytes:,} B (persistent: tensors, ops, kernel data)")
    grid.add_row("", "", f"  TFLM reports {arena.total_bytes:,} B used after allocation")
    _comparison_rows(check, grid)
    grid.add_row(
        "SRAM budget",
        b(check.sram_budget_bytes),
        f"region '{region.name}' ({region.kind}, {region.size_bytes:,} B) minus stack "
        f"{r.stack_bytes:,}, heap {r.heap_bytes:,}, other {r.other_bytes:,}",
    )
    pct = check.sram_headroom_percent
    grid.add_row(
        "SRAM headroom",
        Text(b(check.sram_headroom_bytes), style="green" if check.fits_sram else "red"),
        f"{pct:.1f} % of the budget",
    )
    grid.add_row(
        "Flash needed",
        b(check.flash_required_bytes),
        f"model file {check.flash_model_bytes:,} B + TFLM code ~{check.flash_runtime_bytes:,} B "
        f"(estimate: framework + {len(check.opcodes)} kernels)",
    )
    grid.add_row("Flash budget", b(check.flash_budget_bytes), "internal flash")
    grid.add_row(
        "Flash headroom",
        Text(b(check.flash_headroom_bytes), style="green" if check.fits_flash else "red"),
        "",
    )
    console.print(grid)
    layout = plan_layout_words(check)
    if layout:
        console.print(Text(f"Why it does not fit: {layout}", style="yellow"))
    for note in check.warnings:
        console.print(Text(f"warning: {note}", style="yellow"))


def _overflow_table(rows: Iterable[LayerCheck], check: FitCheck) -> Table:
    table = Table(title=None, show_edge=False, header_style="bold")
    for col, justify in (
        ("op", "right"),
        ("type", "left"),
        ("output tensor", "left"),
        ("output shape", "left"),
        ("in+out B", "right"),
        ("live B", "right"),
        ("at this step B", "right"),
        ("why", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for lc in rows:
        names = lc.layer.output_names
        name = short_name(names[0], 60) if names else "-"
        table.add_row(*overflow_cells(lc, name, "persistent tail"))
    return table


#: Overflowing layers `planner fit` lists in text; a terminal table of thousands helps no
#: one (and takes minutes to lay out).
FIT_OVERFLOW_ROWS = 100


def render_fit(check: FitCheck, console: Console) -> None:
    """`planner fit`: the verdict, the figures behind it, and the layers that overflow."""
    render_summary(check, console)
    over = check.overflowing_layers
    if over:
        console.print(
            Text(
                f"\n{len(over)} layer(s) overflow the {check.sram_budget_bytes:,} B budget "
                "on their own:",
                style="bold",
            )
        )
        console.print(_overflow_table(over[:FIT_OVERFLOW_ROWS], check))
        if len(over) > FIT_OVERFLOW_ROWS:
            console.print(
                f"... and {len(over) - FIT_OVERFLOW_ROWS:,} more (`planner report` and every "
                "other format list them all)"
            )


#: The order in which the layer table gives up columns to a narrow terminal: the first ones
#: are kept longest ("#" and "op" always).
LAYER_PRIORITY = (
    "#",
    "op",
    "step B",
    "out B",
    "live B",
    "scratch B",
    "in+out B",
    "in B",
    "out offset",
    "weights B",
    "MACs",
    "output shape",
    "est. µs",
    "params",
    "input shape",
)
#: Width a --wide table may take: enough for every column at its natural width.
WIDE = 10_000
#: Narrowest a wrapped (text) column is made before it is dropped.
TEXT_MIN_WIDTH = 9


def choose_columns(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int, text: frozenset[str]
) -> list[int]:
    """Indices of the columns that fit ``width`` terminal columns whole, in table order.

    Numbers never wrap, so a number column takes its widest cell; a text column (names,
    shapes) wraps, so it takes at most :data:`TEXT_MIN_WIDTH`. Each column adds two columns
    of padding and one of separator. Columns are taken in :data:`LAYER_PRIORITY` order (the
    others after, in table order) while they fit; "#" and "op" are always kept.
    """
    need = []
    for i, name in enumerate(header):
        widest = max([len(name), *(len(r[i]) for r in rows)])
        need.append(min(widest, TEXT_MIN_WIDTH) if name in text else widest)
    order = [header.index(n) for n in LAYER_PRIORITY if n in header]
    order += [i for i in range(len(header)) if i not in order]
    chosen: list[int] = []
    used = -1
    for i in order:
        cost = need[i] + 3
        if used + cost <= width or len(chosen) < 2:
            chosen.append(i)
            used += cost
    return sorted(chosen)


def fitted_table(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int | None,
    text: frozenset[str],
    styles: Sequence[str | None] | None = None,
) -> tuple[Table, list[str]]:
    """A table that cuts no figure at ``width`` columns (None: all columns), and the names
    of the columns it leaves out. Numbers never wrap; text wraps (folds), never ellipsised."""
    keep = list(range(len(header))) if width is None else choose_columns(header, rows, width, text)
    widest = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    # What the kept columns leave of the width goes to the text columns, in table order.
    spare = (
        0
        if width is None
        else width
        + 1
        - sum(
            (min(widest[i], TEXT_MIN_WIDTH) if header[i] in text else widest[i]) + 3 for i in keep
        )
    )
    table = Table(show_edge=False, header_style="bold", title=title)
    for i in keep:
        name = header[i]
        if name in text:
            extra = max(0, min(widest[i] - TEXT_MIN_WIDTH, spare))
            spare -= extra
            least = None if width is None else min(widest[i], TEXT_MIN_WIDTH) + extra
            table.add_column(name, justify="left", overflow="fold", min_width=least)
        else:
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for k, row in enumerate(rows):
        table.add_row(*(row[i] for i in keep), style=None if styles is None else styles[k])
    return table, [header[i] for i in range(len(header)) if i not in keep]


def print_table(console: Console, table: Table, wide: bool) -> None:
    """Print ``table`` at the console's width, or (``wide``) at its natural width, however
    narrow the console (the terminal wraps the lines then; no cell is squeezed)."""
    if not wide:
        console.print(table)
        return
    width = console.width
    console.width = WIDE
    try:
        console.print(table, crop=False)
    finally:
        console.width = width


def render_report(check: FitCheck, console: Console, wide: bool = False) -> None:
    """`planner report`: the summary, every layer, the model totals and the arena map.

    The tables keep to the console's width without cutting a figure: the layer table leaves
    out the columns that do not fit (and says which); ``wide`` shows them all."""
    render_summary(check, console)
    width = None if wide else console.width
    rows = layer_rows(check)
    styles = ["red" if lc.overflows else None for lc in check.layers]
    title = "\nPer layer, in execution order"
    table, left_out = fitted_table(title, LAYER_HEADER, rows, width, LAYER_TEXT_COLUMNS, styles)
    print_table(console, table, wide)
    if left_out:
        console.print(
            Text(
                f"Not shown at {console.width} columns: {', '.join(left_out)} "
                "(`planner report --wide` shows every column; -f csv or -f json has them all)",
                style="dim",
            )
        )
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    for label, value in totals_rows(check, kernels=True):
        totals.add_row(label, value)
    console.print(Text("\nModel totals", style="bold"))
    console.print(totals)
    render_arena_map(check, console, wide)


def render_arena_map(check: FitCheck, console: Console, wide: bool = False) -> None:
    """The arena map: every planned buffer's offset, size, end and first and last operator."""
    arena = check.arena
    title = (
        f"\nArena map: {len(arena.buffers)} planned buffers, head {arena.head_bytes:,} B "
        "(by offset; steps are operators in execution order)"
    )
    text = frozenset({"first op", "last op", "buffer"})
    table, _ = fitted_table(title, MAP_HEADER, map_rows(check), None, text)
    print_table(console, table, wide)


def render_boards(boards: Iterable[Board], console: Console) -> None:
    table = Table(show_edge=False, header_style="bold")
    for col in (
        "board",
        "aliases",
        "core",
        "MHz",
        "arena region",
        "SRAM budget",
        "flash",
        "kernels",
    ):
        table.add_column(col, justify="right" if col in ("MHz", "SRAM budget", "flash") else "left")
    for bd in boards:
        region = bd.arena_region
        table.add_row(
            bd.name,
            ", ".join(bd.aliases),
            bd.core,
            f"{bd.clock_mhz:g}",
            f"{region.name} ({region.kind}, {human_bytes(region.size_bytes)})",
            b(bd.sram_budget_bytes),
            human_bytes(bd.flash_bytes) if bd.flash_bytes else "-",
            bd.kernels,
        )
    console.print(table)


def render_board(board: Board, console: Console) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in (
        ("board", board.name),
        ("aliases", ", ".join(board.aliases) or "-"),
        ("description", board.description),
        ("MCU", board.mcu),
        ("core", f"{board.core} @ {board.clock_mhz:g} MHz"),
        ("pointer width", f"{board.pointer_bits}-bit"),
        (
            "kernels",
            board.kernels + (" (DSP)" if board.dsp else "") + (" (MVE)" if board.mve else ""),
        ),
        ("flash", b(board.flash_bytes)),
        (
            "reserve",
            f"stack {board.reserve.stack_bytes:,} B, heap {board.reserve.heap_bytes:,} B, "
            f"other {board.reserve.other_bytes:,} B",
        ),
        ("arena region", board.arena_region.name),
        ("SRAM budget", b(board.sram_budget_bytes)),
        ("file", board.path),
    ):
        grid.add_row(label, value)
    console.print(grid)
    regions = Table(show_edge=False, header_style="bold", title="\nMemory regions")
    for col in ("name", "kind", "base", "size", "arena"):
        regions.add_column(col)
    for r in board.memory:
        regions.add_row(
            r.name,
            r.kind,
            f"0x{r.base:08X}" if r.base is not None else "-",
            b(r.size_bytes),
            "yes" if r.arena else "no",
        )
    console.print(regions)
    if board.notes:
        console.print(Text(f"\n{board.notes.strip()}"))
    if board.sources:
        console.print(Text("\nSources: " + "; ".join(board.sources)))
