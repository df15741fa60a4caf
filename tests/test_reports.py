"""Report formats (JSON, CSV, Markdown, HTML), charts, and `planner matrix`.

Every format is checked against the one structured form, the JSON document: the JSON against
its JSON Schema, the CSV read back figure by figure, the HTML parsed for its charts, its table
and its embedded document. The matrix is checked verdict by verdict against `planner fit`.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from planner.analysis.layers import human_bytes
from planner.api import fit, fit_matrix
from planner.check import FitCheck
from planner.cli import main
from planner.matrix import Cell
from planner.report import plot as plot_mod
from planner.report.csv_ import COLUMNS, parse_list, parse_shapes, render_csv
from planner.report.document import SCHEMA_VERSION, to_document
from planner.report.html import render_html
from planner.report.json_text import json_text
from planner.report.markdown import render_markdown_fit, render_markdown_report
from planner.report.matrix import resolve_boards, to_json, verdict_text
from planner.report.plot import memory_steps

from .corpus import ROOT, all_models, bundled_models, model_id, shared_models

SCHEMA_PATH = ROOT / "planner" / "schema" / "report.schema.json"
MOBILENET = ROOT / "models" / "mobilenet_v2_0.35_144_int8.tflite"
KEYWORD = ROOT.parent / "shared" / "models" / "keyword_scrambled_8bit.tflite"
#: Boards with different pointer widths, kernel libraries and budgets (stm32f411 is small
#: enough that MobileNet's layers overflow it on their own).
BOARDS = ("host", "stm32f746", "stm32f411", "nrf52840", "rp2040")
MODELS = all_models()

_checks: dict[tuple[str, str], FitCheck] = {}


def check_for(model: Path, board: str) -> FitCheck:
    key = (str(model), board)
    if key not in _checks:
        _checks[key] = fit(model, board)
    return _checks[key]


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------------------------------------
# JSON


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_schema_version_matches_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert to_document(check_for(MOBILENET, "stm32f746"))["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_json_document_matches_the_schema(
    path: Path, board: str, validator: jsonschema.protocols.Validator
) -> None:
    doc = to_document(check_for(path, board))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_schema_rejects_a_wrong_document(validator: jsonschema.protocols.Validator) -> None:
    doc = to_document(check_for(MOBILENET, "stm32f746"))
    doc["schema_version"] = SCHEMA_VERSION + 1
    del doc["layers"][0]["live_bytes"]
    assert len(list(validator.iter_errors(doc))) == 2


@pytest.mark.parametrize("command", ["fit", "report"])
def test_cli_json_is_the_document(command: str, validator: jsonschema.protocols.Validator) -> None:
    result = run(command, MOBILENET, "--board", "stm32f746", "--format", "json")
    assert result.exit_code == 1  # report exits like fit (issue 14)
    doc = json.loads(result.output)
    validator.validate(doc)
    assert doc == json.loads(json.dumps(to_document(check_for(MOBILENET, "stm32f746"))))

    assert result.output.startswith('{\n  "schema_version": ')  # indented by two spaces


def test_json_text_writes_what_orjson_refuses() -> None:
    """A path kept with surrogates (undecodable bytes) and an integer beyond 64 bits: orjson
    refuses them, and the standard library's encoder writes them, indented the same way."""
    document = {"path": "model-\udcff.tflite", "bytes": 1 << 70, "layers": [{"a": 1}]}
    text = json_text(document)
    assert text == json.dumps(document, indent=2)
    assert json.loads(text) == document
    assert json_text({"a": [1, 2]}, indent=False) == '{"a":[1,2]}'
    assert json_text({"a": [1, 2]}) == json.dumps({"a": [1, 2]}, indent=2)


# ---------------------------------------------------------------------------------------------
# CSV

_INT_COLUMNS = (
    "index",
    "subgraph",
    "input_bytes",
    "output_bytes",
    "io_bytes",
    "live_bytes",
    "scratch_bytes",
    "step_sram_bytes",
    "weight_bytes",
    "params",
    "macs",
)
_BOOL_COLUMNS = ("io_overflows", "live_overflows", "overflows")


def _check_csv_against_document(text: str, doc: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == list(COLUMNS) if rows else True
    assert len(rows) == len(doc["layers"])
    for row, layer in zip(rows, doc["layers"], strict=True):
        for key in _INT_COLUMNS:
            assert int(row[key]) == layer[key], key
        for key in _BOOL_COLUMNS:
            assert row[key] in ("true", "false")
            assert (row[key] == "true") is layer[key], key
        assert row["op"] == layer["op"]
        assert parse_shapes(row["input_shapes"]) == layer["input_shapes"]
        assert parse_shapes(row["output_shapes"]) == layer["output_shapes"]
        offsets = [None if o == "-" else int(o) for o in parse_list(row["output_arena_offsets"])]
        assert offsets == [o["arena_offset"] for o in layer["outputs"]]
        assert [int(t) for t in parse_list(row["live_tensors"])] == layer["live_tensors"]
        assert [int(t) for t in parse_list(row["output_tensors"])] == [
            o["tensor"] for o in layer["outputs"]
        ]
        assert json.loads(row["output_names"]) == [o["name"] for o in layer["outputs"]]
        assert parse_list(row["output_dtypes"]) == [o["dtype"] for o in layer["outputs"]]
        assert row["model"] == doc["model"]["path"]
        assert row["board"] == doc["board"]


@pytest.mark.parametrize("board", ("host", "stm32f411"))
@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_csv_reads_back_as_the_document(path: Path, board: str) -> None:
    check = check_for(path, board)
    _check_csv_against_document(render_csv(check), to_document(check))


def test_csv_header_is_stable_snake_case() -> None:
    header = next(csv.reader(io.StringIO(render_csv(check_for(MOBILENET, "stm32f746")))))
    assert header[:15] == [
        "index",
        "subgraph",
        "op",
        "input_shapes",
        "output_shapes",
        "input_bytes",
        "output_bytes",
        "io_bytes",
        "live_bytes",
        "scratch_bytes",
        "step_sram_bytes",
        "weight_bytes",
        "params",
        "macs",
        "output_arena_offsets",
    ]
    assert all(h == h.lower() and " " not in h for h in header)


@pytest.mark.parametrize("command", ["fit", "report"])
def test_cli_csv_is_the_same_for_fit_and_report(command: str, tmp_path: Path) -> None:
    out = tmp_path / "layers.csv"
    result = run(command, MOBILENET, "-b", "stm32f746", "-f", "csv", "-o", out)
    assert result.exit_code == 1  # report exits like fit (issue 14)
    assert result.output == ""
    text = out.read_text(encoding="utf-8")
    assert text == render_csv(check_for(MOBILENET, "stm32f746"))
    _check_csv_against_document(text, to_document(check_for(MOBILENET, "stm32f746")))


# ---------------------------------------------------------------------------------------------
# Markdown


def _table_rows(markdown: str, header_start: str) -> list[str]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_markdown_report_has_summary_and_every_layer() -> None:
    check = check_for(MOBILENET, "stm32f746")
    md = render_markdown_report(check)
    assert md.startswith("### `mobilenet_v2_0.35_144_int8.tflite` on `stm32f746`: ❌")
    assert f"| SRAM needed | {check.sram_required_bytes:,} B" in md
    assert f"| SRAM budget | {check.sram_budget_bytes:,} B" in md
    rows = _table_rows(md, "| # | op |")
    assert len(rows) == len(check.layers)
    for row, lc in zip(rows, check.layers, strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[1] == lc.layer.op
        assert cells[7] == f"{lc.layer.live_bytes:,}"
        assert cells[8] == f"{lc.step_sram_bytes:,}"
        assert cells[13] == f"{lc.layer.macs:,}"
    assert "<details>" in md and md.rstrip().endswith("</details>")


def test_markdown_fit_is_short_and_lists_overflowing_layers() -> None:
    check = check_for(MOBILENET, "stm32f411")
    md = render_markdown_fit(check)
    assert "DOES NOT FIT" in md
    assert "| # | op | input shape |" not in md
    rows = _table_rows(md, "| # | op | output tensor |")
    assert len(rows) == len(check.overflowing_layers) > 0
    ok = render_markdown_fit(check_for(KEYWORD, "nrf52840"))
    assert "✅ **FITS**" in ok and "overflow" not in ok


def test_markdown_cells_keep_names_as_text() -> None:
    from planner.report.markdown import cell, table

    assert cell("a|b") == "a\\|b"
    # a line break or any control character is shown as its escape, never breaks the row
    assert table(("x",), [("a|b\nc\x00",)]).splitlines()[-1] == "| a\\|b\\\\nc\\\\x00 |"
    # raw HTML and links from a downloaded model's names stay text; shapes keep brackets
    assert cell("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert cell("[x](javascript:alert(1)) [1, 8]") == "[x]\\(javascript:alert(1)) [1, 8]"


@pytest.mark.parametrize(("command", "fn"), [("fit", "fit"), ("report", "report")])
def test_cli_markdown(command: str, fn: str) -> None:
    result = run(command, KEYWORD, "-b", "nrf52840", "-f", "markdown")
    assert result.exit_code == 0
    check = check_for(KEYWORD, "nrf52840")
    render = render_markdown_fit if fn == "fit" else render_markdown_report
    assert result.output == render(check)


# ---------------------------------------------------------------------------------------------
# HTML


class _Page(HTMLParser):
    """Collects what the tests look at: tags with attributes, text inside, script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.tags: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.rows: dict[str, list[list[str]]] = {}
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._table: str | None = None

    _VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "col", "source"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        ids = tuple(str(x[1].get("id")) for x in self.stack if x[1].get("id"))
        self.tags.append((tag, a, ids))
        if tag == "table":
            self._table = a.get("id") or ""
        if tag == "tr" and self._table:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag == "script":
            self.scripts.append((a, ""))
        if tag not in self._VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ids = tuple(str(x[1].get("id")) for x in self.stack if x[1].get("id"))
        self.tags.append((tag, dict(attrs), ids))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and self._table:
            self.rows.setdefault(self._table, []).append(self._row)
            self._row = None
        if tag == "table":
            self._table = None
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self.stack and self.stack[-1][0] == "script":
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)


def parse_page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _external_urls(page: _Page) -> list[str]:
    bad = []
    for tag, attrs, _ in page.tags:
        for key in ("src", "href", "xlink:href", "action", "data", "poster", "srcset"):
            value = (attrs.get(key) or "").strip().lower()
            if value.startswith(("http:", "https:", "//", "ftp:")):
                bad.append(f"<{tag} {key}={value}>")
        if tag == "link" or (tag == "script" and attrs.get("src")):
            bad.append(f"<{tag}> loads {attrs}")
    return bad


@pytest.mark.parametrize("use_matplotlib", [True, False], ids=["matplotlib", "plain-svg"])
@pytest.mark.parametrize(
    ("path", "board"),
    [(MOBILENET, "stm32f746"), (MOBILENET, "stm32f411"), (KEYWORD, "nrf52840")],
    ids=["mobilenet-f746", "mobilenet-f411", "keyword-nrf52840"],
)
def test_html_is_self_contained_with_charts(path: Path, board: str, use_matplotlib: bool) -> None:
    if use_matplotlib and not plot_mod.have_matplotlib():
        pytest.skip("matplotlib is not installed")
    check = check_for(path, board)
    text = render_html(check, use_matplotlib=use_matplotlib)
    page = parse_page(text)
    assert _external_urls(page) == []
    assert "@import" not in text and "url(http" not in text
    for chart in ("chart-memory", "chart-layers"):
        figures = [t for t in page.tags if t[0] == "figure" and t[1].get("id") == chart]
        assert len(figures) == 1, chart
        svgs = [t for t in page.tags if t[0] == "svg" and chart in t[2]]
        assert len(svgs) == 1, chart
        assert svgs[0][1].get("viewbox") or svgs[0][1].get("viewBox")
        shapes = [t for t in page.tags if t[0] in ("path", "rect") and chart in t[2]]
        assert len(shapes) >= len(check.layers), chart  # at least one bar per layer
    # Ids stay unique across the two inline charts.
    ids = [t[1]["id"] for t in page.tags if t[1].get("id")]
    assert len(ids) == len(set(ids))
    # The per-layer table: one row per layer, figures as in the document.
    doc = to_document(check)
    rows = page.rows["layers"]
    assert len(rows) == 1 + len(doc["layers"])
    header = rows[0]
    for row, layer in zip(rows[1:], doc["layers"], strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["op"] == layer["op"]
        assert cells["live B"] == f"{layer['live_bytes']:,}"
        assert cells["step B"] == f"{layer['step_sram_bytes']:,}"
        assert cells["weights B"] == f"{layer['weight_bytes']:,}"
        assert cells["MACs"] == f"{layer['macs']:,}"
    overflow_rows = [t for t in page.tags if t[0] == "tr" and t[1].get("class") == "overflow"]
    assert len(overflow_rows) == len(doc["overflowing_layers"])
    # The embedded document is the JSON document.
    data = [body for attrs, body in page.scripts if attrs.get("id") == "report-data"]
    assert len(data) == 1 and json.loads(data[0]) == json.loads(json.dumps(doc))
    assert f"{doc['sram_required_bytes']:,} B" in text
    assert f"{doc['sram_budget_bytes']:,} B" in text


def test_html_falls_back_to_plain_svg_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plot_mod, "have_matplotlib", lambda: False)
    text = render_html(check_for(MOBILENET, "stm32f746"))
    page = parse_page(text)
    assert '<g class="bar">' in text  # the plain chart's own markup
    assert [t for t in page.tags if t[0] == "svg" and "chart-memory" in t[2]]
    assert "matplotlib" not in text.lower()


@pytest.mark.parametrize("command", ["fit", "report"])
def test_cli_html_is_the_same_for_fit_and_report(command: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run(command, KEYWORD, "-b", "nrf52840", "-f", "html", "-o", out)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip() == render_html(check_for(KEYWORD, "nrf52840")).rstrip()


# ---------------------------------------------------------------------------------------------
# Charts


@pytest.mark.parametrize("board", ("host", "stm32f746", "stm32f411"))
@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_memory_bars_are_the_checks_step_figures(path: Path, board: str) -> None:
    """Each bar adds up to the check's step_sram_bytes, which never exceeds the arena."""
    check = check_for(path, board)
    steps = memory_steps(check)
    assert len(steps) == len(check.layers)
    for step, lc in zip(steps, check.layers, strict=True):
        assert step.tail == check.arena.tail_bytes
        assert step.total == lc.step_sram_bytes
        assert step.total <= check.sram_required_bytes
        assert step.overflows is lc.overflows
        assert (step.total > check.sram_budget_bytes) is lc.live_overflows
        assert min(step.input, step.output, step.held, step.scratch) >= 0


def test_nice_byte_ticks() -> None:
    ticks = plot_mod.nice_byte_ticks(385_408)
    assert ticks[0] == 0 and ticks[-1] >= 385_408
    assert len(ticks) <= 8
    assert all(t % 1024 == 0 for t in ticks)
    assert plot_mod.tick_label(64 * 1024) == "64 KiB"
    assert plot_mod.tick_label(1536 * 1024) == "1.5 MiB"


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_command_writes_an_image(suffix: str, tmp_path: Path) -> None:
    if not plot_mod.have_matplotlib():
        pytest.skip("matplotlib is not installed")
    out = tmp_path / f"memory{suffix}"
    result = run("plot", MOBILENET, "--board", "stm32f746", "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix]
    assert data.startswith(magic)
    layers = tmp_path / f"layers{suffix}"
    assert (
        run("plot", MOBILENET, "-b", "stm32f746", "--chart", "layers", "-o", layers).exit_code == 0
    )
    assert layers.stat().st_size > 1000


def test_plot_rejects_an_unknown_image_type(tmp_path: Path) -> None:
    result = run("plot", MOBILENET, "--board", "stm32f746", "-o", tmp_path / "memory.bmp")
    assert result.exit_code == 2
    assert "planner: error:" in result.output and ".png" in result.output


def test_plot_without_matplotlib_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(plot_mod, "have_matplotlib", lambda: False)
    result = run("plot", MOBILENET, "--board", "stm32f746", "-o", tmp_path / "m.png")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("planner: error: plotting needs matplotlib")
    assert "tflm-planner[plot]" in lines[0]


def test_cli_does_not_import_matplotlib_unless_plotting() -> None:
    code = (
        "import sys\n"
        "from planner.cli import main\n"
        "for args in (['fit', sys.argv[1], '-b', 'stm32f746', '-f', fmt] for fmt in "
        "('text', 'json', 'csv', 'markdown')):\n"
        "    try:\n"
        "        main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "try:\n"
        "    main(['matrix', sys.argv[1], '-b', 'stm32f746,host'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(MOBILENET)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


# ---------------------------------------------------------------------------------------------
# Matrix

MATRIX_MODELS = shared_models()[:6] + bundled_models()[:3]
MATRIX_BOARDS = ("host", "stm32f746", "stm32f411", "nrf52840", "rp2040", "stm32h743")


def test_matrix_agrees_with_fit_one_by_one() -> None:
    boards = resolve_boards(MATRIX_BOARDS)
    matrix = fit_matrix(MATRIX_MODELS, boards)
    assert not matrix.errors
    assert len(matrix.cells) == len(MATRIX_MODELS) * len(boards)
    for model in MATRIX_MODELS:
        for board in boards:
            cell = matrix.cell(str(model), board.name)
            check = fit(model, board)
            assert cell is not None
            assert (cell.fits, cell.fits_sram, cell.fits_flash) == (
                check.fits,
                check.fits_sram,
                check.fits_flash,
            ), (model.name, board.name)
            assert cell.sram_required_bytes == check.sram_required_bytes
            assert cell.sram_headroom_bytes == check.sram_headroom_bytes
            assert cell.flash_headroom_bytes == check.flash_headroom_bytes


def test_matrix_parses_once_and_predicts_once_per_target(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.api
    import planner.runtimes.tflm.arena
    from planner.targets.target import target_for

    loads: list[str] = []
    predictions: list[tuple[str, object]] = []
    real_load = planner.api.load_model
    real_buffers = planner.runtimes.tflm.arena.tflm_buffers

    def load(path: Any) -> Any:
        loads.append(str(path))
        return real_load(path)

    def buffers(graph: Any, target: Any) -> Any:  # the first step of every arena prediction
        predictions.append((graph.path, target))
        return real_buffers(graph, target)

    monkeypatch.setattr(planner.api, "load_model", load)
    monkeypatch.setattr(planner.runtimes.tflm.arena, "tflm_buffers", buffers)
    boards = resolve_boards(MATRIX_BOARDS)
    targets = {target_for(b) for b in boards}
    assert len(targets) < len(boards)
    matrix = fit_matrix(MATRIX_MODELS, boards)
    assert sorted(loads) == sorted(str(m) for m in MATRIX_MODELS)
    assert len(predictions) == len(MATRIX_MODELS) * len(targets) == len(set(predictions))
    assert matrix.targets == len(targets)


def test_matrix_cli_agrees_with_fit_cli() -> None:
    models = [MODELS[0], MOBILENET, KEYWORD]
    boards = ["stm32f746", "stm32f411", "host"]
    result = run(
        "matrix", *models, "--board", ",".join(boards[:2]), "--board", boards[2], "-f", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [b["name"] for b in doc["boards"]] == boards
    verdicts = {(r["model"], r["board"]): r["fits"] for r in doc["results"]}
    assert len(verdicts) == len(models) * len(boards)
    for model in models:
        for board in boards:
            exit_code = run("fit", model, "--board", board).exit_code
            assert exit_code in (0, 1)
            assert verdicts[(str(model), board)] is (exit_code == 0), (model.name, board)


def test_matrix_formats() -> None:
    models = [MOBILENET, KEYWORD]
    text = run("matrix", *models, "-b", "stm32f746", "-b", "nrf52840")
    assert text.exit_code == 0
    assert "mobilenet_v2_0.35_144_int8.tflite" in text.output and "stm32f746" in text.output
    for model in models:
        for board in ("stm32f746", "nrf52840"):
            cell = Cell.of(str(model), check_for(model, board))
            assert verdict_text(cell) in text.output
    mobilenet = check_for(MOBILENET, "stm32f746")
    assert not mobilenet.fits_sram and not mobilenet.fits_flash
    short = human_bytes(-mobilenet.sram_headroom_bytes).replace(" KiB", "K")
    assert f"✗ -{short}, flash" in text.output
    assert "2 model(s) x 2 board(s): 2 of 4 combinations fit" in text.output

    table = run("matrix", *models, "-b", "stm32f746,nrf52840", "-f", "csv").output
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 4
    for row in rows:
        check = check_for(Path(row["model"]), row["board"])
        assert (row["fits"] == "true") is check.fits
        assert int(row["sram_headroom_bytes"]) == check.sram_headroom_bytes
        assert int(row["sram_required_bytes"]) == check.sram_required_bytes
        assert row["error"] == ""

    md = run("matrix", *models, "-b", "stm32f746,nrf52840", "-f", "markdown").output
    lines = [line for line in md.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(models)
    budget = human_bytes(mobilenet.sram_budget_bytes)
    assert lines[0].startswith(f"| model | stm32f746<br>{budget} | nrf52840<br>")
    assert f"❌ −{human_bytes(-mobilenet.sram_headroom_bytes)} (and flash)" in lines[2]


def test_matrix_board_all_and_unreadable_model(tmp_path: Path) -> None:
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a model")
    result = run("matrix", KEYWORD, bad, "--board", "host", "-f", "json")
    assert result.exit_code == 2  # a model could not be read; the rest is still reported
    doc = json.loads(result.output)
    assert [e["model"] for e in doc["errors"]] == [str(bad)]
    assert len(doc["results"]) == 1
    from planner.targets.boards import catalog

    assert [b.name for b in resolve_boards(["all"])] == list(catalog())
    assert run("matrix", KEYWORD, "--board", "no-such-board").exit_code == 2


def test_matrix_json_lists_every_pair() -> None:
    boards = resolve_boards(["host", "stm32f746"])
    doc = to_json(fit_matrix([KEYWORD], boards))
    assert doc["matrix_version"] == 1
    assert {(r["model"], r["board"]) for r in doc["results"]} == {
        (str(KEYWORD), "host"),
        (str(KEYWORD), "stm32f746"),
    }


def test_matrix_of_the_whole_corpus_on_every_board() -> None:
    """`planner matrix ../shared/models/*.tflite models/*.tflite --board all` reports every pair.

    How long it takes is a benchmark's business (issue 14: no wall-clock assertion in tests).
    """
    from planner.targets.boards import catalog

    models = [str(p) for p in shared_models()] + sorted(
        str(p) for p in ROOT.glob("models/*.tflite")
    )
    out = subprocess.run(
        [sys.executable, "-m", "planner.cli", "matrix", *models, "--board", "all", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["errors"] == []
    assert len(doc["results"]) == len(models) * len(catalog())
