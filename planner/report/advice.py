"""Render :class:`~planner.advise.base.Advice`: a JSON-ready dict and a rich terminal view.

Only formatting: every figure comes from the advice. Byte and MAC counts stay exact integers
in the dict; ratios are floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.advise import Advice, PatchPlan, Suggestion
from planner.analysis.latency import LatencyEstimate
from planner.report.document import attributes
from planner.report.rows import csv_table
from planner.report.text import b

__all__ = [
    "advice_to_csv",
    "advice_to_dict",
    "advice_to_html",
    "advice_to_markdown",
    "render_advice",
]


#: The figures of a patch plan the advice gives under their own names, after the geometry.
_PATCH_FIGURES = (
    "stage_peak_bytes overhead_bytes rest_bytes rest_exact sram_bytes layerwise_stage_macs "
    "patched_stage_macs model_macs patched_macs stage_mac_overhead mac_overhead input_in_ram "
    "inplace_depthwise"
)


def _patch(plan: PatchPlan) -> dict[str, Any]:
    return {
        **attributes(plan, "split_op split_tensor"),
        "split_shape": list(plan.split_shape),
        **attributes(plan, "grid patches"),
        "patch_output": list(plan.patch_output),
        "patch_input": list(plan.patch_input),
        **attributes(plan, "receptive_field stride_product"),
        "patch_input_formula": (
            f"({plan.patch_output[0]} - 1) * {plan.stride_product} + {plan.receptive_field} "
            f"= {plan.patch_input[0]}"
        ),
        "receptive_field_steps": [asdict(s) for s in plan.rf_steps],
        **attributes(plan, _PATCH_FIGURES),
    }


def _suggestion(s: Suggestion) -> dict[str, Any]:
    out: dict[str, Any] = {
        **attributes(s, "kind title fits stock_tflm retrain cost_tier sram_bytes"),
        "sram_exact": s.exact,
        "budget_bytes": s.budget_bytes,
        "headroom_bytes": s.budget_bytes - s.sram_bytes,
        **attributes(s, "sram_fits flash_bytes flash_budget_bytes flash_fits command"),
        "k_tensor_arena_size": s.arena_size,
        **attributes(s, "macs mac_overhead latency_ms detail"),
        "notes": list(s.notes),
    }
    if s.resolution is not None:
        out["resolution"] = list(s.resolution)
    # The optional figures, present only when the suggestion has them.
    out |= {k: v for k, v in attributes(s, "width weight_bytes region").items() if v is not None}
    if s.patch is not None:
        out["patch"] = _patch(s.patch)
    return out


def _latency(lat: LatencyEstimate) -> dict[str, Any]:
    return {
        "estimate": True,
        **attributes(lat, "core kernels clock_hz arena_memory weights_memory"),
        "total_cycles": round(lat.total_cycles),
        "milliseconds": lat.milliseconds,
        "throughput_source": lat.throughput.source,
        "notes": list(lat.notes),
        "layers": [
            {
                **attributes(layer, "index op macs"),
                "compute_cycles": round(layer.compute_cycles),
                "memory_cycles": round(layer.memory_cycles),
                "overhead_cycles": round(layer.overhead_cycles),
                "cycles": round(layer.cycles),
                "bound": layer.bound,
            }
            for layer in lat.layers
        ],
    }


def advice_to_dict(advice: Advice) -> dict[str, Any]:
    """The advice as plain JSON-ready values (exact integers for bytes and MACs)."""
    return {
        **attributes(advice, "model board fits budget_bytes required_bytes"),
        "required_exact": advice.exact,
        **attributes(advice, "sram_fits flash_bytes flash_budget_bytes flash_fits macs"),
        "latency": _latency(advice.latency),
        "suggestions": [_suggestion(s) for s in advice.suggestions],
        "notes": list(advice.notes),
    }


def _why_not(s: Suggestion) -> str:
    """'no (SRAM)', 'no (flash)' or 'no (SRAM, flash)'."""
    short = [what for what, ok in (("SRAM", s.sram_fits), ("flash", s.flash_fits)) if not ok]
    return f"no ({', '.join(short)})" if short else "no"


def _pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def render_advice(advice: Advice, console: Console) -> None:
    """Print the advice: the verdict, a ranked table, then each suggestion's details."""
    verdict = (
        Text("FITS", style="bold green") if advice.fits else Text("DOES NOT FIT", style="bold red")
    )
    head = Text(f"{advice.model} on {advice.board}: ")
    head.append(verdict)
    console.print(head)
    exact = "TFLM-exact" if advice.exact else "estimate"
    console.print(
        f"  SRAM needed {b(advice.required_bytes)} ({exact}); budget {b(advice.budget_bytes)}"
    )
    lat = advice.latency
    console.print(
        f"  {advice.macs:,} MACs; estimated latency {lat.milliseconds:.1f} ms on {lat.core} "
        f"@ {lat.clock_hz / 1e6:g} MHz ({lat.kernels} kernels; an estimate)"
    )
    if not advice.suggestions:
        console.print("  nothing to suggest" if advice.fits else "  no suggestion found")
    else:
        table = Table(title="What would fit, cheapest first", title_justify="left")
        for col, justify in (
            ("#", "right"),
            ("suggestion", "left"),
            ("fits", "left"),
            ("stock TFLM", "left"),
            ("SRAM", "right"),
            ("flash", "right"),
            ("MACs", "right"),
            ("MACs vs now", "right"),
            ("latency", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for i, s in enumerate(advice.suggestions, start=1):
            table.add_row(
                str(i),
                s.title,
                Text("yes", style="green") if s.fits else Text(_why_not(s), style="red"),
                ("yes" if s.stock_tflm else "no") + (" (retrain)" if s.retrain else ""),
                b(s.sram_bytes) + ("" if s.exact else " ~"),
                b(s.flash_bytes),
                f"{s.macs:,}",
                _pct(s.mac_overhead),
                "-" if s.latency_ms is None else f"{s.latency_ms:.1f} ms",
            )
        console.print(table)
        console.print("  ~ = estimate (not TFLM-exact)")
        for i, s in enumerate(advice.suggestions, start=1):
            console.print(f"\n{i}. {s.title}")
            console.print(f"   {s.detail}")
            if s.arena_size is not None:
                console.print(f"   kTensorArenaSize {s.arena_size:,}")
            if s.command:
                console.print(f"   run: {s.command}")
            for note in s.notes:
                console.print(f"   - {note}")
            if s.patch is not None:
                _render_rf(s.patch, console)
    for note in advice.notes:
        console.print(f"note: {note}")


def _render_rf(plan: PatchPlan, console: Console) -> None:
    table = Table(title="   receptive field of the split tensor", title_justify="left")
    for col in ("op", "kernel", "stride", "dilation", "stride product", "adds", "RF"):
        table.add_column(col, justify="right")
    for st in plan.rf_steps:
        if st.rf_increase == 0 and st.stride == 1:
            continue  # 1x1 stride-1 layers add nothing
        table.add_row(
            f"{st.op_index} {st.op}",
            str(st.kernel),
            str(st.stride),
            str(st.dilation),
            str(st.stride_product_before),
            f"({st.kernel}-1)x{st.dilation}x{st.stride_product_before} = {st.rf_increase}",
            str(st.receptive_field),
        )
    console.print(table)
    console.print(
        f"   patch input = ({plan.patch_output[0]} - 1) x {plan.stride_product} + "
        f"{plan.receptive_field} = {plan.patch_input[0]} pixels a side "
        f"(edge patches are clipped by the padding)"
    )


# --- Markdown, CSV and HTML: the same figures for issues, spreadsheets and reports ----------


def _blank(value: object) -> object:
    return "" if value is None else value


#: The cells of a suggestion in `planner advise --format csv`, by column. A row is the rank,
#: these, then the model and the board.
_CSV_CELLS: dict[str, Callable[[Suggestion], object]] = {
    "kind": lambda s: s.kind,
    "title": lambda s: s.title,
    "fits": lambda s: s.fits,
    "stock_tflm": lambda s: s.stock_tflm,
    "retrain": lambda s: s.retrain,
    "sram_bytes": lambda s: s.sram_bytes,
    "sram_exact": lambda s: s.exact,
    "budget_bytes": lambda s: s.budget_bytes,
    "headroom_bytes": lambda s: s.budget_bytes - s.sram_bytes,
    "flash_bytes": lambda s: s.flash_bytes,
    "flash_budget_bytes": lambda s: s.flash_budget_bytes,
    "flash_fits": lambda s: s.flash_fits,
    "k_tensor_arena_size": lambda s: _blank(s.arena_size),
    "command": lambda s: s.command or "",
    "macs": lambda s: s.macs,
    "mac_overhead": lambda s: f"{s.mac_overhead:.6f}",
    "latency_ms_estimate": lambda s: "" if s.latency_ms is None else f"{s.latency_ms:.3f}",
    "resolution": lambda s: "" if s.resolution is None else "x".join(map(str, s.resolution)),
    "width": lambda s: _blank(s.width),
    "patch_grid": lambda s: "" if s.patch is None else f"{s.patch.grid}x{s.patch.grid}",
    "split_op": lambda s: "" if s.patch is None else s.patch.split_op,
}
#: Columns of `planner advise --format csv`: one row per suggestion, in rank order.
CSV_COLUMNS = ("rank", *_CSV_CELLS, "model", "board")


def advice_to_csv(advice: Advice) -> str:
    """One row per suggestion (header first): what it needs and costs."""
    return csv_table(
        CSV_COLUMNS,
        (
            [rank, *(cell(s) for cell in _CSV_CELLS.values()), advice.model, advice.board]
            for rank, s in enumerate(advice.suggestions, start=1)
        ),
    )


def _md_cell(text: str) -> str:
    from planner.report.escape import markdown_text

    return markdown_text(text)


def advice_to_markdown(advice: Advice) -> str:
    """A section to paste into an issue: the ranked table, then each suggestion's notes."""
    exact = "TFLM-exact" if advice.exact else "a floor (some operators' memory is unknown)"
    lat = advice.latency
    lines = [
        f"#### What would make `{advice.model}` fit `{advice.board}`",
        "",
        f"SRAM needed {b(advice.required_bytes)} ({exact}); budget {b(advice.budget_bytes)}. "
        f"{advice.macs:,} MACs; estimated latency {lat.milliseconds:.1f} ms on {lat.core} "
        f"@ {lat.clock_hz / 1e6:g} MHz (an estimate).",
        "",
    ]
    if not advice.suggestions:
        lines.append("Nothing to suggest." if advice.fits else "No suggestion found.")
        return "\n".join(lines) + "\n"
    lines += [
        "| # | suggestion | fits | stock TFLM | SRAM | flash | MACs | MACs vs now "
        "| latency (est.) |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for i, s in enumerate(advice.suggestions, start=1):
        lines.append(
            f"| {i} | {_md_cell(s.title)} | {'✅ yes' if s.fits else '❌ ' + _why_not(s)} | "
            f"{'yes' if s.stock_tflm else 'no'}{' (retrain)' if s.retrain else ''} | "
            f"{b(s.sram_bytes)}{'' if s.exact else ' ~'} | {b(s.flash_bytes)} | {s.macs:,} | "
            f"{_pct(s.mac_overhead)} | "
            f"{'-' if s.latency_ms is None else f'{s.latency_ms:.1f} ms'} |"
        )
    lines += ["", "~ = estimate (not TFLM-exact)", ""]
    for i, s in enumerate(advice.suggestions, start=1):
        lines.append(f"{i}. **{_md_cell(s.title)}**: {_md_cell(s.detail)}")
        if s.arena_size is not None:
            lines.append(f"   - `kTensorArenaSize` {s.arena_size:,}")
        if s.command:
            lines.append(f"   - run: `{s.command}`")
        lines += [f"   - {_md_cell(note)}" for note in s.notes]
        if s.patch is not None:
            p = s.patch
            lines.append(
                f"   - patch input = ({p.patch_output[0]} - 1) x {p.stride_product} + "
                f"{p.receptive_field} = {p.patch_input[0]} pixels a side"
            )
    lines += [f"> {_md_cell(note)}" for note in advice.notes]
    return "\n".join(lines) + "\n"


def advice_to_html(advice: Advice) -> str:
    """The ranked table as an HTML fragment (escaped; no external resources)."""
    from planner.report.escape import html_text as escape

    rows = []
    for i, s in enumerate(advice.suggestions, start=1):
        rows.append(
            "<tr>"
            f"<td>{i}</td><td class='what'>{escape(s.title)}<br><small>{escape(s.detail)}"
            "</small>" + (f"<br><code>{escape(s.command)}</code>" if s.command else "") + "</td>"
            f"<td class='fits'>{'yes' if s.fits else escape(_why_not(s))}</td>"
            f"<td class='num'>{s.sram_bytes:,}{'' if s.exact else ' ~'}</td>"
            f"<td class='num'>{s.flash_bytes:,}</td>"
            f"<td>{'yes' if s.stock_tflm else 'no'}{' (retrain)' if s.retrain else ''}</td>"
            f"<td class='num'>{s.macs:,}</td><td class='num'>{_pct(s.mac_overhead)}</td>"
            f"<td class='num'>{'-' if s.latency_ms is None else f'{s.latency_ms:.1f} ms'}</td>"
            "</tr>"
        )
    lat = advice.latency
    return (
        '<section id="advice"><h2>What would make it fit</h2>'
        f"<p>Estimated latency as is: {lat.milliseconds:.1f} ms on {escape(lat.core)} "
        f"@ {lat.clock_hz / 1e6:g} MHz (an estimate). ~ = not TFLM-exact.</p>"
        "<table><thead><tr><th>#</th><th>suggestion</th><th>fits</th><th>SRAM B</th>"
        "<th>flash B</th><th>stock TFLM</th><th>MACs</th><th>MACs vs now</th><th>latency</th>"
        "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def advice_page(advice: Advice) -> str:
    """`planner advise --format html`: the advice as one self-contained page."""
    from planner.report.escape import html_text as escape

    title = escape(f"{advice.model} on {advice.board}: what would make it fit")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}'
        "</title><style>body{font-family:system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
        ".num{text-align:right}</style></head><body>"
        f"<h1>{title}</h1>{advice_to_html(advice)}</body></html>"
    )
