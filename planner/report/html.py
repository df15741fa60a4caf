"""HTML: one self-contained page with the summary, the charts and the per-layer table.

Self-contained means it fetches nothing: the CSS, the small sorting script and the charts
(inline SVG) are all in the file, so it can be mailed, attached to a CI run or opened offline.
The charts are matplotlib's SVG when matplotlib is installed at render time, else a plain SVG
drawn from the same figures (:mod:`planner.report.plot`); viewing the page needs neither.

The JSON document (:func:`planner.report.document.to_document`) is embedded in a
``<script type="application/json" id="report-data">`` element, so tools can read the figures
back from the page; every figure shown is taken from that document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.check import FitCheck
from planner.report.arena_map import map_html
from planner.report.document import to_document
from planner.report.escape import html_text as escape
from planner.report.json_text import json_text
from planner.report.plot import COLOURS, chart_svg, layer_label
from planner.report.rows import (
    check_verdict_words,
    plan_layout_words,
    sources_words,
    verify_words,
)

CSS = """
:root { --bad: #b3261e; --good: #1b6e35; --muted: #5f6368; --line: #dadce0; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #202124; background: #f8f9fa; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 1.45rem; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 14px; }
.verdict { display: inline-block; font-weight: 700; padding: 4px 12px; border-radius: 6px;
           color: #fff; letter-spacing: .02em; }
.verdict.fits { background: var(--good); }
.verdict.nofit { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px;
         margin: 16px 0; }
@media (max-width: 760px) { .cards { grid-template-columns: 1fr; } }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.25rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: .82rem; }
.neg { color: var(--bad); }
.pos { color: var(--good); }
.warn { background: #fff4e5; border-left: 4px solid #e37400; padding: 8px 12px; margin: 8px 0; }
figure.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px;
               margin: 0 0 16px; padding: 8px; }
figure.chart svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; padding: 4px 8px 2px; }
.scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px;
          max-height: 80vh; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: .85rem;
        width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; white-space: nowrap; }
th { position: sticky; top: 0; background: #f1f3f4; text-align: left; cursor: pointer;
     user-select: none; }
th.num, td.num { text-align: right; }
#advice td { white-space: normal; vertical-align: top; }
#advice td.num, #advice td.fits { white-space: nowrap; }
#advice td.what { min-width: 18em; max-width: 38em; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.overflow td { background: #fce8e6; }
table.kv { width: auto; }
table.kv th { position: static; cursor: default; background: none; }
.controls { margin: 6px 0 8px; color: var(--muted); font-size: .9rem; }
footer { color: var(--muted); font-size: .8rem; margin-top: 28px; }
code { font-size: .9em; }
"""

# Sort the layer table by a clicked header; filter overflowing rows. No external code.
SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("layers");
  if (!table) { return; }
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var d = (x !== null && y !== null) ? Number(x) - Number(y)
          : a.cells[col].textContent.localeCompare(b.cells[col].textContent);
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var only = document.getElementById("only-overflow");
  if (only) {
    only.addEventListener("change", function () {
      Array.prototype.forEach.call(body.rows, function (r) {
        r.hidden = only.checked && !r.classList.contains("overflow");
      });
    });
  }
})();
"""

#: Per-layer table columns: (document key, header, numeric).
LAYER_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("index", "#", True),
    ("op", "op", False),
    ("input_shapes", "input shape", False),
    ("output_shapes", "output shape", False),
    ("input_bytes", "in B", True),
    ("output_bytes", "out B", True),
    ("io_bytes", "in+out B", True),
    ("live_bytes", "live B", True),
    ("step_sram_bytes", "step B", True),
    ("scratch_bytes", "scratch B", True),
    ("output_arena_offsets", "out offset", False),
    ("weight_bytes", "weights B", True),
    ("params", "params", True),
    ("macs", "MACs", True),
    ("latency_us_estimate", "est. µs", True),
)


def _b(n: int) -> str:
    from planner.analysis.layers import human_bytes

    if abs(n) < 1024:
        return f"{n:,} B"
    return f"{n:,} B ({'-' if n < 0 else ''}{human_bytes(abs(n))})"


def _shapes(shapes: list[list[int]]) -> str:
    return ", ".join("x".join(str(d) for d in s) if s else "scalar" for s in shapes) or "-"


def _verdict(doc: dict[str, Any]) -> str:
    if doc["fits"]:
        return '<span class="verdict fits">FITS</span>'
    if doc["verdict"] == "unknown":
        return (
            '<span class="verdict nofit">CANNOT TELL (the SRAM figure is a floor: '
            "some operators' needs are unknown)</span>"
        )
    parts = [p for p, ok in (("SRAM", doc["fits_sram"]), ("flash", doc["fits_flash"])) if not ok]
    return f'<span class="verdict nofit">DOES NOT FIT ({" and ".join(parts)})</span>'


def _card(label: str, value: str, detail: str = "", cls: str = "") -> str:
    klass = f' class="value {cls}"' if cls else ' class="value"'
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f"<div{klass}>{escape(value)}</div>"
        f'<div class="detail">{escape(detail)}</div></div>'
    )


def _summary(doc: dict[str, Any]) -> str:
    info = doc["board_info"]
    region = info["arena_region"]
    reserve = info["reserve_bytes"]
    arena = doc["arena"]
    budget = doc["sram_budget_bytes"]
    pct = 100.0 * doc["sram_headroom_bytes"] / budget if budget > 0 else float("-inf")
    exact = "" if arena["exact"] else " NOT EXACT, see the warnings;"
    cards = [
        _card(
            "SRAM needed (smallest kTensorArenaSize)",
            _b(doc["sram_required_bytes"]),
            f"{doc['sram_required_basis']};{exact} head {arena['head_bytes']:,} B + tail "
            f"{arena['tail_bytes']:,} B",
        ),
        _card(
            "SRAM budget",
            _b(budget),
            f"region {region['name']} ({region['kind']}, {region['size_bytes']:,} B) minus "
            f"stack {reserve['stack']:,}, heap {reserve['heap']:,}, other {reserve['other']:,}",
        ),
        _card(
            "SRAM headroom",
            _b(doc["sram_headroom_bytes"]),
            f"{pct:.1f} % of the budget",
            "pos" if doc["fits_sram"] else "neg",
        ),
        _card(
            "Flash needed",
            _b(doc["flash_required_bytes"]),
            f"model file {doc['flash_model_bytes']:,} B + TFLM code "
            f"~{doc['flash_runtime_bytes_estimate']:,} B (estimate)",
        ),
        _card("Flash budget", _b(doc["flash_budget_bytes"]), "internal flash"),
        _card(
            "Flash headroom",
            _b(doc["flash_headroom_bytes"]),
            "",
            "pos" if doc["fits_flash"] else "neg",
        ),
    ]
    cmp_ = doc.get("planner_comparison")
    if cmp_:
        cards.append(
            _card(
                "Saved against TFLM's own plan",
                _b(cmp_["saving_bytes"]),
                f"{cmp_['saving_percent']:.1f} %: TFLM's plan needs "
                f"{cmp_['tflm_min_arena_bytes']:,} B, the optimized one "
                f"{cmp_['min_arena_bytes']:,} B (planner optimize writes it into the model)",
                "pos" if cmp_["saving_bytes"] > 0 else "",
            )
        )
    warnings = "".join(f'<p class="warn">Warning: {escape(w)}</p>' for w in doc["warnings"])
    return f'<section class="cards" id="summary">{"".join(cards)}</section>{warnings}'


def _notes(check: FitCheck) -> str:
    """Why it does not fit, the host comparison, how to verify, where the figures come from."""
    parts = []
    layout = plan_layout_words(check)
    if layout:
        parts.append(f'<p class="warn" id="plan-layout">Why it does not fit: {escape(layout)}</p>')
    if check.host_arena is not None:
        items = "".join(f"<li>{escape(d)}</li>" for d in check.host_differences)
        parts.append(
            f'<p id="host">On host ({escape(check.host_arena.target.label)}): '
            f"{check.host_arena.min_arena_bytes:,} B.</p>" + (f"<ul>{items}</ul>" if items else "")
        )
    for key, words in (("verify", verify_words(check)), ("sources", sources_words(check))):
        if words:
            parts.append(f'<p id="{key}">{escape(words[0].upper() + words[1:])}.</p>')
    return "\n".join(parts)


def _totals(doc: dict[str, Any]) -> str:
    t = doc["totals"]
    rows = [
        ("Operators", f"{doc['model']['operators']:,}"),
        ("Parameters", f"{t['params']:,}"),
        ("Weight bytes (flash)", _b(t["weight_bytes"])),
        ("Total activations", _b(t["total_activation_bytes"])),
        ("Peak input+output", _b(t["peak_io_bytes"])),
        ("Peak live activations", _b(t["peak_live_bytes"])),
    ]
    if t["variable_bytes"]:
        rows.append(("Variable (state) tensors", _b(t["variable_bytes"])))
    rows += [("MACs", f"{t['macs']:,}"), ("FLOPs (2 x MACs)", f"{t['flops']:,}")]
    if t.get("latency_ms_estimate") is not None:
        rows.append(("Latency (estimate)", f"{t['latency_ms_estimate']:,.1f} ms"))
    body = "".join(
        f'<tr><th scope="row">{escape(k)}</th><td class="num">{escape(v)}</td></tr>'
        for k, v in rows
    )
    return f'<table class="kv" id="totals">{body}</table>'


def _layer_cells(layer: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(shown text, sort value) per column of :data:`LAYER_COLUMNS`."""
    out: list[tuple[str, int | None]] = []
    for key, _, numeric in LAYER_COLUMNS:
        if key == "index":
            text = layer_label(layer["subgraph"], layer["index"])
            out.append((text, layer["subgraph"] * 1_000_000 + layer["index"]))
        elif key in ("input_shapes", "output_shapes"):
            out.append((_shapes(layer[key]), None))
        elif key == "output_arena_offsets":
            offs = [o["arena_offset"] for o in layer["outputs"]]
            text = ", ".join("-" if o is None else f"{o:,}" for o in offs) or "-"
            out.append((text, None))
        elif key == "latency_us_estimate":
            v = layer[key]
            out.append(("-" if v is None else f"{v:,.1f}", None if v is None else round(v)))
        elif numeric:
            out.append((f"{layer[key]:,}", layer[key]))
        else:
            out.append((str(layer[key]), None))
    return out


#: Header tooltips.
COLUMN_HELP = {
    "io_bytes": "input plus output activation bytes",
    "live_bytes": "every activation alive while the layer runs (unrounded tensor bytes)",
    "step_sram_bytes": "live tensors (16-byte rounded) + this layer's scratch + the persistent "
    "tail: what must be resident while it runs",
    "output_arena_offsets": "arena offset of each output tensor in TFLM's plan",
    "latency_us_estimate": "estimated microseconds: max(compute, memory) from the board's "
    "core, clock and kernel library (an estimate, see docs/latency.md)",
}


def _layer_table(doc: dict[str, Any]) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if numeric else ""}'
        + (f' title="{escape(COLUMN_HELP[key])}"' if key in COLUMN_HELP else "")
        + f">{escape(title)}</th>"
        for key, title, numeric in LAYER_COLUMNS
    )
    rows = []
    for layer in doc["layers"]:
        cells = []
        for (text, value), (_, _, numeric) in zip(_layer_cells(layer), LAYER_COLUMNS, strict=True):
            attrs = (' class="num"' if numeric else "") + (
                f' data-v="{value}"' if value is not None else ""
            )
            cells.append(f"<td{attrs}>{escape(text)}</td>")
        names = ", ".join(o["name"] for o in layer["outputs"])
        why = [
            w
            for w, on in (
                ("input+output > budget", layer["io_overflows"]),
                ("live tensors + scratch + tail > budget", layer["live_overflows"]),
            )
            if on
        ]
        title = names + (f" - overflows: {', '.join(why)}" if why else "")
        cls = ' class="overflow"' if layer["overflows"] else ""
        rows.append(f'<tr{cls} title="{escape(title)}">{"".join(cells)}</tr>')
    n_over = len(doc["overflowing_layers"])
    control = (
        f'<p class="controls"><label><input type="checkbox" id="only-overflow"> show only the '
        f"{n_over} layer(s) that overflow the budget</label></p>"
        if n_over
        else '<p class="controls">No layer overflows the budget on its own. '
        "Click a header to sort.</p>"
    )
    return (
        f'{control}<div class="scroll"><table id="layers"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _json_script(doc: dict[str, Any]) -> str:
    text = json_text(doc, indent=False)
    # Nothing in the data may close the script element or open a comment.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="report-data">{text}</script>'


def _arena_section(check: FitCheck, doc: dict[str, Any], use_matplotlib: bool | None) -> str:
    """The arena map: the offset-over-time chart and the table."""
    return f"""<h2>Arena map</h2>
<figure class="chart" id="chart-arena">{chart_svg(check, "arena", use_matplotlib)}
<figcaption>Where TFLM's planner puts each buffer of the arena head, and when it is alive (what
TFLM's PrintMemoryPlan draws): one bar per planned tensor (blue) or kernel scratch buffer (pink)
at its offset, from its first to its last operator step; the top of the highest bar is the head,
{doc["arena"]["head_bytes"]:,} B.</figcaption>
</figure>
{map_html(doc)}"""


def render_html(
    check: FitCheck, use_matplotlib: bool | None = None, extra_sections: str = ""
) -> str:
    """The report as one self-contained HTML page (``use_matplotlib=False`` forces plain SVG).

    ``extra_sections`` is trusted, already-escaped HTML placed after the totals (the advice).
    """
    doc = to_document(check)
    model = doc["model"]["path"]
    name = Path(model).name
    info = doc["board_info"]
    memory = chart_svg(check, "memory", use_matplotlib)
    layers = chart_svg(check, "layers", use_matplotlib)
    over = doc["overflowing_layers"]
    labels = [
        layer_label(layer["subgraph"], layer["index"])
        for layer in doc["layers"]
        if layer["overflows"]
    ]
    over_note = (
        f" Shaded and outlined: the {len(over)} step(s) that overflow the budget ("
        + ", ".join(labels[:12])
        + (", ..." if len(labels) > 12 else "")
        + ")."
        if over
        else ""
    )
    title = f"{name} on {doc['board']}: {check_verdict_words(check)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{escape(doc["tool"])}">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{escape(name)} on {escape(doc["board"])}</h1>
<p class="sub"><code>{escape(model)}</code> &middot; {escape(info["description"])}
 &middot; {escape(info["core"])} @ {info["clock_mhz"]:g} MHz &middot;
 {info["pointer_bits"]}-bit, {escape(info["kernels"])} kernels</p>
<p>{_verdict(doc)}</p>
{_summary(doc)}
{_notes(check)}
<h2>Memory over the execution steps</h2>
<figure class="chart" id="chart-memory">{memory}
<figcaption>Each bar is what must be resident in the arena while one operator runs (the
"step B" column below): the persistent tail (<span style="color:{COLOURS["tail"]}">&#9632;</span>),
the operator's inputs and outputs, other activations still alive, and kernel scratch, tensors
rounded to 16 bytes as TFLM plans them. No memory plan can need less than the tallest bar; the
dotted line is the arena TFLM's planner needs, the dashed line the SRAM budget.
{escape(over_note)}</figcaption>
</figure>
<h2>Per layer: activations and weights</h2>
<figure class="chart" id="chart-layers">{layers}
<figcaption>Input and output activation bytes of each layer (SRAM) against the budget, and its
weight bytes (flash).</figcaption>
</figure>
<h2>Per layer, in execution order</h2>
{_layer_table(doc)}
{_arena_section(check, doc, use_matplotlib)}
<h2>Model totals</h2>
{_totals(doc)}
{extra_sections}
<footer>{escape(doc["tool"])}, report schema version {doc["schema_version"]}.
The figures are in the JSON document embedded in this page
(<code>script#report-data</code>).</footer>
</main>
{_json_script(doc)}
<script>{SCRIPT}</script>
</body>
</html>
"""
