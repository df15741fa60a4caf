"""Terminal output: aligned tables with exact bytes beside human units.

Uses ``rich``: colour only when writing to a terminal, plain text when piped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.analysis.layers import human_bytes
from planner.report.rows import (
    LAYER_HEADER,
    LAYER_TEXT_COLUMNS,
    b,
    layer_rows,
    plan_layout_words,
    shapes_text,
    sources_words,
    totals_rows,
    verify_words,
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
    for words in (verify_words(check), sources_words(check)):
        if words:
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
        layer = lc.layer
        why = []
        if lc.io_overflows:
            why.append("input+output > budget")
        if lc.live_overflows:
            why.append("live tensors + scratch + persistent tail > budget")
        # Converted names join several TF names with ';': the first says the most.
        name = layer.output_names[0].split(";")[0] if layer.output_names else "-"
        table.add_row(
            f"{layer.index}" if layer.subgraph == 0 else f"{layer.subgraph}:{layer.index}",
            layer.op,
            name if len(name) <= 60 else name[:57] + "...",
            shapes_text(layer.output_shapes),
            f"{layer.io_bytes:,}",
            f"{layer.live_bytes:,}",
            f"{lc.step_sram_bytes:,}",
            ", ".join(why),
        )
    return table


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
        console.print(_overflow_table(over, check))


def render_report(check: FitCheck, console: Console) -> None:
    """`planner report`: the summary, every layer, and the model totals."""
    render_summary(check, console)
    table = Table(show_edge=False, header_style="bold", title="\nPer layer, in execution order")
    for col in LAYER_HEADER:
        table.add_column(col, justify="left" if col in LAYER_TEXT_COLUMNS else "right")
    for row, lc in zip(layer_rows(check), check.layers, strict=True):
        table.add_row(*row, style="red" if lc.overflows else None)
    console.print(table)
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    for label, value in totals_rows(check, kernels=True):
        totals.add_row(label, value)
    console.print(Text("\nModel totals", style="bold"))
    console.print(totals)


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
