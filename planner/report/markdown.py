"""Markdown (GitHub-flavoured): a summary and tables ready to paste into an issue or pull request.

`planner fit --format markdown` gives the verdict, the figures behind it and the layers that
overflow; `planner report --format markdown` adds every layer (folded in a ``<details>`` block,
which GitHub renders) and the model totals. Every figure is the check's own, written with
thousands separators; nothing is rounded except the human units beside exact bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from planner.check import FitCheck, LayerCheck
from planner.report.arena_map import MAP_HEADER, map_rows
from planner.report.escape import markdown_text
from planner.report.rows import (
    LAYER_HEADER,
    b,
    check_notes,
    layer_rows,
    overflow_cells,
    plan_layout_words,
    totals_rows,
)
from planner.validate.refusal import escape as printable


def cell(text: str) -> str:
    """Text made safe for one table cell: pipes escaped, no line breaks, no raw HTML or links
    from names (:func:`planner.report.escape.markdown_text`)."""
    return markdown_text(text)


def code(text: str) -> str:
    """Inline code that survives backticks (and control characters) in the text."""
    text = printable(text)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> str:
    """A pipe table; columns whose index is in ``right`` are right-aligned."""
    align = set(right)
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---:" if i in align else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(check: FitCheck) -> str:
    if check.fits:
        return "✅ **FITS**"
    if check.verdict == "unknown":
        return "⚠️ **CANNOT TELL** (the SRAM figure is a floor: some operators' needs are unknown)"
    parts = [p for p, ok in (("SRAM", check.fits_sram), ("flash", check.fits_flash)) if not ok]
    return f"❌ **DOES NOT FIT** ({' and '.join(parts)})"


def summary(check: FitCheck) -> str:
    board = check.board
    region = board.arena_region
    r = board.reserve
    arena = check.arena
    lines = [
        f"### {code(Path(check.model_path).name)} on {code(board.name)}: {verdict(check)}",
        "",
        f"Model {code(check.model_path)}; board {markdown_text(board.name)} "
        f"({markdown_text(board.description)}; {markdown_text(board.core)} @ "
        f"{board.clock_mhz:g} MHz).",
        "",
    ]
    exact = "" if arena.exact else " **not exact**, see the warnings;"
    rows = [
        (
            "SRAM needed",
            b(check.sram_required_bytes),
            f"smallest `kTensorArenaSize` for TFLM ({arena.target.label}, "
            f"{check.planner} plan);{exact} head {arena.head_bytes:,} B + tail "
            f"{arena.tail_bytes:,} B",
        ),
        (
            "SRAM budget",
            b(check.sram_budget_bytes),
            f"region {region.name} ({region.kind}, {region.size_bytes:,} B) minus stack "
            f"{r.stack_bytes:,}, heap {r.heap_bytes:,}, other {r.other_bytes:,}",
        ),
        (
            "SRAM headroom",
            b(check.sram_headroom_bytes),
            f"{check.sram_headroom_percent:.1f} % of the budget",
        ),
        (
            "Flash needed",
            b(check.flash_required_bytes),
            f"model file {check.flash_model_bytes:,} B + TFLM code ~{check.flash_runtime_bytes:,} B"
            f" (estimate: framework + {len(check.opcodes)} kernels)",
        ),
        ("Flash budget", b(check.flash_budget_bytes), "internal flash"),
        ("Flash headroom", b(check.flash_headroom_bytes), ""),
    ]
    if check.tflm_arena is not None:
        rows.insert(
            1,
            (
                "Saved vs TFLM's plan",
                b(check.saving_bytes),
                f"{check.saving_percent:.1f} %: TFLM's own plan needs "
                f"{check.tflm_arena.min_arena_bytes:,} B; `planner optimize` writes this one "
                "into the model",
            ),
        )
    lines.append(table(("", "bytes", "basis"), rows, right=(1,)))
    lines += notes(check)
    return "\n".join(lines)


def notes(check: FitCheck) -> list[str]:
    """Lines under the summary table: why it does not fit, the host comparison, how to verify,
    where the figures come from, and the warnings."""
    out = []
    layout = plan_layout_words(check)
    if layout:
        out += ["", f"**Why it does not fit:** {markdown_text(layout)}."]
    if check.host_arena is not None:
        out += [
            "",
            f"On host ({check.host_arena.target.label}): {check.host_arena.min_arena_bytes:,} B.",
        ]
        out += [f"- {markdown_text(d)}" for d in check.host_differences]
    for words in check_notes(check):
        out += ["", markdown_text(f"{words[0].upper()}{words[1:]}.")]
    for note in check.warnings:
        out += ["", f"> **Warning:** {markdown_text(note)}"]
    return out


def _overflow_table(layers: Sequence[LayerCheck]) -> str:
    rows = [
        overflow_cells(lc, lc.layer.output_names[0] if lc.layer.output_names else "-", "tail")
        for lc in layers
    ]
    return table(
        ("#", "op", "output tensor", "output shape", "in+out B", "live B", "step B", "why"),
        rows,
        right=(0, 4, 5, 6),
    )


def render_markdown_fit(check: FitCheck) -> str:
    """`planner fit --format markdown`: the verdict and the layers that overflow."""
    parts = [summary(check)]
    over = check.overflowing_layers
    if over:
        parts.append(
            f"{len(over)} layer(s) overflow the {check.sram_budget_bytes:,} B budget on their own:"
        )
        parts.append(_overflow_table(over))
    return "\n\n".join(parts) + "\n"


def layer_table(check: FitCheck) -> str:
    rows = [
        (row[0] + (" ⚠️" if lc.overflows else ""), *row[1:])
        for row, lc in zip(layer_rows(check), check.layers, strict=True)
    ]
    return table(LAYER_HEADER, rows, right=(0, *range(4, len(LAYER_HEADER))))


def totals_table(check: FitCheck) -> str:
    return table(("Model totals", ""), totals_rows(check), right=(1,))


def render_markdown_report(check: FitCheck) -> str:
    """`planner report --format markdown`: summary, every layer, totals."""
    n = len(check.layers)
    over = len(check.overflowing_layers)
    note = f", {over} overflow the budget (⚠️)" if over else ""
    parts = [
        summary(check),
        totals_table(check),
        f"<details><summary>Per layer, in execution order ({n} layers{note})</summary>",
        layer_table(check),
        "</details>",
        f"<details><summary>Arena map: {len(check.arena.buffers)} planned buffers, head "
        f"{check.arena.head_bytes:,} B</summary>",
        table(MAP_HEADER, map_rows(check), right=(0, 1, 2)),
        "</details>",
    ]
    return "\n\n".join(parts) + "\n"
