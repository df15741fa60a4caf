"""Issue 14, items 3-6 (the rest): why a model fails only by TFLM's plan layout, report
tables that never cut a figure, the arena map, "differs by" shares that add up, one saving
percentage, and honest wording about where each board's figures come from."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planner.api import fit, predict
from planner.cli import main
from planner.report import render
from planner.targets.target import HOST

from .builder import Model
from .corpus import ROOT

SMALL = ROOT / "models" / "mobilenet_v2_0.35_144_int8.tflite"
SHARED = ROOT.parent / "shared" / "models"
VWW = SHARED / "vww_96_int8.tflite"
DTLN = SHARED / "dtln_noise_suppression.tflite"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (the shared model corpus)"
)

BOARD_96K = """\
name = "sram96"
description = "a board with 96 KiB of SRAM"
mcu = "test"
core = "cortex-m4"
clock_mhz = 64
pointer_bits = 32
kernels = "cmsis-nn"
dsp = true
mve = false
flash_bytes = 1048576

[reserve]
stack_bytes = 0
heap_bytes = 0
other_bytes = 0

[[memory]]
name = "SRAM"
kind = "SRAM"
size_bytes = 98304
arena = true
"""


def run(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def board96(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("boards") / "sram96.toml"
    path.write_text(BOARD_96K)
    return path


def live_peak(buffers: Any) -> int:
    """The largest sum of buffer sizes alive at one step, counted step by step."""
    last = max(b.last_step for b in buffers)
    return max(
        sum(b.size_bytes for b in buffers if b.first_step <= s <= b.last_step)
        for s in range(last + 1)
    )


# --- item 3: a model that fails only because of TFLM's plan layout ---------------------------


@needs_shared
def test_plan_layout_is_explained_and_optimize_really_makes_it_fit(
    board96: Path, tmp_path: Path
) -> None:
    check = fit(VWW, board96)
    assert check.verdict == "does not fit" and check.fits_flash
    assert not any(c.live_overflows for c in check.layers)  # no step overflows
    result = run("fit", VWW, "--board-file", board96, "-f", "json")
    assert result.exit_code == 1, result.output
    layout = json.loads(result.output)["plan_layout"]
    assert layout["head_bytes"] == check.arena.head_bytes == 73_728
    assert layout["lower_bound_bytes"] == live_peak(check.arena.buffers) == 55_296
    assert layout["gaps_bytes"] == 73_728 - 55_296
    assert layout["optimize_fits"] is True
    # The claim holds: run the printed command and fit what it writes.
    command = layout["command"].split()
    assert command[:3] == ["planner", "optimize", str(VWW)]
    out = tmp_path / command[4]
    done = run(*command[1:3], "-o", out, *command[5:])
    assert done.exit_code == 0, done.output
    optimized = fit(out, board96)
    assert optimized.fits
    assert optimized.sram_required_bytes == layout["optimized_min_arena_bytes"]
    words = layout["explanation"]
    assert "18,432 B of gaps" in words and "55,296 B" in words and "makes it fit" in words
    for fmt in ("text", "markdown", "html", "csv"):
        text = run("fit", VWW, "--board-file", board96, "-f", fmt).output
        flat = re.sub(r"\s+", " ", text.replace("&#x27;", "'"))
        assert "18,432 B of gaps" in flat and "makes it fit" in flat, fmt


def test_a_model_that_fits_has_no_plan_layout_note() -> None:
    check = fit(SMALL, "stm32h743")
    assert check.fits and check.plan_layout is None
    doc = json.loads(render(check, "json"))
    assert doc["plan_layout"] is None


# --- item 6: "differs by" shares, one saving percentage ---------------------------------------


@needs_shared
def test_each_differs_by_cause_carries_its_own_share() -> None:
    check = fit(DTLN, "stm32f746")
    assert check.host_arena is not None
    target = check.arena.target
    # The pointer-width share, predicted independently: the host with 32-bit pointers.
    pointers = predict(DTLN, replace(HOST, pointer_bits=32)).tail_bytes
    share = pointers - check.host_arena.tail_bytes
    assert share < 0  # 32-bit pointers make the structs smaller ...
    tail = next(line for line in check.host_differences if line.startswith("tail "))
    assert f"32-bit pointers {share:+,} B" in tail
    assert check.arena.tail_bytes > check.host_arena.tail_bytes  # ... yet the tail is larger
    assert "larger" in tail
    kernels = re.search(r"cmsis-nn kernels \(dsp\) ([+-][\d,]+) B", tail)
    assert kernels is not None and int(kernels.group(1).replace(",", "")) > 0
    for line in check.host_differences:
        part = line.split()[0]
        here = getattr(check.arena, f"{part}_bytes")
        host = getattr(check.host_arena, f"{part}_bytes")
        shares = [int(s.replace(",", "")) for s in re.findall(r" ([+-][\d,]+) B", line)]
        assert sum(shares) == here - host, line
        assert ("larger" if here > host else "smaller") in line
    assert target.pointer_bits == 32


@needs_shared
def test_optimize_prints_the_saving_fit_prints(tmp_path: Path) -> None:
    opt = run("optimize", VWW, "-b", "stm32f746", "-o", tmp_path / "v.tflite")
    assert opt.exit_code == 0, opt.output
    check = fit(VWW, "stm32f746", planner="optimized")
    percent = f"{check.saving_percent:.1f} %"
    assert f"({percent} of the smallest arena" in opt.output
    assert f"{check.saving_bytes:,} B" in opt.output
    shown = run("fit", VWW, "-b", "stm32f746", "--planner", "optimized").output
    assert percent in shown


# --- where the figures come from ---------------------------------------------------------------


def test_esp_nn_figures_say_they_come_from_sources() -> None:
    esp = fit(SMALL, "esp32-s3")
    doc = json.loads(render(esp, "json"))
    assert doc["figures_from_sources"] is True
    line = "he ESP-NN figures come from Espressif's esp-nn and esp-tflite-micro sources"
    for fmt in ("text", "markdown", "html"):
        text = render(esp, fmt).replace("&#x27;", "'")
        assert text.count(line) == 1, fmt
    arm = fit(SMALL, "stm32f746")
    assert json.loads(render(arm, "json"))["figures_from_sources"] is False
    text = render(arm, "text")
    assert "from Espressif" not in text
    assert "checkable with `planner verify --board stm32f746`" in text
    assert "checkable with `planner verify`)" not in text


# --- item 4: report tables at 80 and 120 columns ------------------------------------------------

#: Layer-table headers and the JSON key behind each number column.
NUMBER_KEYS = {
    "in B": "input_bytes",
    "out B": "output_bytes",
    "in+out B": "io_bytes",
    "live B": "live_bytes",
    "step B": "step_sram_bytes",
    "scratch B": "scratch_bytes",
    "weights B": "weight_bytes",
    "params": "params",
    "MACs": "macs",
}


def layer_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the first line of each row of the text layer table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split("┃")[0].strip() == "#")
    header = [c.strip() for c in lines[start].split("┃")]
    rows = []
    for line in lines[start + 2 :]:
        if "│" not in line:
            break
        cells = [c.strip() for c in line.split("│")]
        if cells[0]:
            rows.append(cells)
    return header, rows


@pytest.mark.parametrize("columns", [80, 120])
def test_report_never_cuts_a_figure(columns: int) -> None:
    result = run("report", SMALL, "-b", "stm32f746", env={"COLUMNS": str(columns)})
    assert result.exit_code == 1  # does not fit (flash)
    text = result.output
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text
    doc = json.loads(run("report", SMALL, "-b", "stm32f746", "-f", "json").output)
    header, rows = layer_table(text)
    assert len(rows) == len(doc["layers"])
    shown = [h for h in header if h in NUMBER_KEYS]
    assert {"step B", "out B", "live B"} <= set(shown)
    for row, layer in zip(rows, doc["layers"], strict=True):
        assert row[0] == str(layer["index"])
        for name in shown:
            assert row[header.index(name)] == f"{layer[NUMBER_KEYS[name]]:,}", name
    left_out = [h for h in NUMBER_KEYS if h not in header]
    if left_out:
        assert f"Not shown at {columns} columns" in text


def test_report_wide_shows_every_column() -> None:
    from planner.report.rows import LAYER_HEADER

    text = run("report", SMALL, "-b", "stm32f746", "--wide", env={"COLUMNS": "80"}).output
    header, rows = layer_table(text)
    assert header == list(LAYER_HEADER)
    assert len(rows) == len(fit(SMALL, "stm32f746").layers)
    assert "Not shown" not in text and "…" not in text


# --- item 5: the arena map ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """x (1x4x4x4, 64 B) -> 1x1 CONV_2D -> y (1x4x4x8, 128 B) -> 1x1 CONV_2D -> z (1x4x4x2,
    32 B)."""
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 4, 4, 4], scale=0.1)
    y, _ = g.conv(x, 4, 4, 8, 1)
    z, _ = g.conv(y, 4, 8, 2, 1)
    g.io([x], [z])
    return m.write(tmp_path_factory.mktemp("chain") / "chain.tflite")


def test_arena_map_of_a_hand_worked_chain(chain: Path) -> None:
    """By hand: lifetimes x [0,1], y [1,2], z [2,2] (step 0 = inputs, step k = operator k-1).
    TFLM's greedy planner places the largest first: y at 0; x is alive with y, so above it at
    128; z is alive with y but not with x, so it takes x's place at 128. Head 192."""
    check = fit(chain, "host")
    doc = json.loads(render(check, "json", full=True))
    by_name = {e["name"]: e for e in doc["arena_map"]}
    assert set(by_name) == {"t0", "t3", "t6"}  # x, y, z (weights and biases are constants)
    x, y, z = by_name["t0"], by_name["t3"], by_name["t6"]
    assert (x["size_bytes"], x["first_step"], x["last_step"], x["offset"]) == (64, 0, 1, 128)
    assert (y["size_bytes"], y["first_step"], y["last_step"], y["offset"]) == (128, 1, 2, 0)
    assert (z["size_bytes"], z["first_step"], z["last_step"], z["offset"]) == (32, 2, 2, 128)
    assert (x["first_op"], x["last_op"]) == ("input", "0 CONV_2D")
    assert (y["first_op"], y["last_op"]) == ("0 CONV_2D", "1 CONV_2D")
    assert doc["arena"]["head_bytes"] == 192
    assert [e["name"] for e in doc["arena_map"]] == ["t3", "t0", "t6"]  # by offset


@pytest.mark.parametrize("model,board", [(SMALL, "stm32f746"), (SMALL, "esp32-s3")])
def test_arena_map_in_every_format(model: Path, board: str, tmp_path: Path) -> None:
    check = fit(model, board)
    doc = json.loads(render(check, "json", full=True))
    entries = doc["arena_map"]
    assert len(entries) == len(check.arena.buffers)
    assert max(e["offset"] + e["size_bytes"] for e in entries) == check.arena.head_bytes
    offsets = check.arena.tensor_offsets
    for e in entries:
        if e["kind"] == "tensor":
            assert offsets[(e["subgraph"], e["tensor"])] == e["offset"]
    result = run("report", model, "-b", board, "-f", "csv", "--arena-map")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["name"], int(r["offset"]), int(r["size_bytes"])) for r in rows] == [
        (e["name"], e["offset"], e["size_bytes"]) for e in entries
    ]
    text = render(check, "text", full=True)
    assert f"Arena map: {len(entries)} planned buffers, head {check.arena.head_bytes:,} B" in text
    markdown = render(check, "markdown", full=True)
    assert f"| {entries[-1]['offset']:,} | {entries[-1]['size_bytes']:,} |" in markdown
    html = render(check, "html", full=True)
    assert 'id="arena-map"' in html and 'id="chart-arena"' in html
    assert html.count('<tr class="tensor">') + html.count('<tr class="scratch">') == len(entries)


def test_arena_map_flag_is_for_csv_only() -> None:
    result = run("report", SMALL, "-b", "stm32f746", "--arena-map")
    assert result.exit_code == 2 and "--arena-map is for -f csv" in result.output


def test_plot_arena_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from planner.report.plot import chart_svg

    out = tmp_path / "arena.svg"
    result = run("plot", SMALL, "-b", "stm32f746", "--chart", "arena", "-o", out)
    assert result.exit_code == 0, result.output
    check = fit(SMALL, "stm32f746")
    assert f"arena head {check.arena.head_bytes:,} B" in out.read_text()
    plain = chart_svg(check, "arena", use_matplotlib=False)
    assert plain.count('class="buffer"') == len(check.arena.buffers)
