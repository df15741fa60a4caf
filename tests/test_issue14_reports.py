"""Issue 14: flash-aware advice, three verdicts everywhere, consistent exit codes, one board,
the firmware header, "differs by" lines that agree with their numbers, and the advice table in
a browser at 1,400 px."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planner.api import fit
from planner.check import runtime_code_bytes
from planner.cli import main
from planner.targets.boards import find_board

from .corpus import ROOT

BIG = ROOT / "models" / "mobilenet_v2_1.0_224_int8.tflite"
SMALL = ROOT / "models" / "mobilenet_v2_0.35_144_int8.tflite"
SHARED = ROOT.parent / "shared" / "models"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (the shared model corpus)"
)


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def big_advice() -> dict[str, Any]:
    result = run("advise", BIG, "-b", "stm32f746", "-f", "json")
    assert result.exit_code == 1, result.output  # nothing fits SRAM *and* flash
    return json.loads(result.output)


def test_a_suggestion_fits_only_when_sram_and_flash_fit(big_advice: dict[str, Any]) -> None:
    board = find_board("stm32f746")
    graph_opcodes = fit(BIG, board).opcodes
    code = runtime_code_bytes(board, graph_opcodes)
    file_bytes = BIG.stat().st_size
    assert big_advice["flash_bytes"] == file_bytes + code
    assert big_advice["flash_budget_bytes"] == 1_048_576 and big_advice["flash_fits"] is False
    for s in big_advice["suggestions"]:
        assert s["fits"] is (s["sram_fits"] and s["flash_fits"]), s["kind"]
        assert s["flash_fits"] is (s["flash_bytes"] <= s["flash_budget_bytes"])
    by_kind = {s["kind"]: s for s in big_advice["suggestions"]}
    # 64x64 fits SRAM but keeps the 3.9 MB of weights: not "fits" (issue 14 item 1).
    res = by_kind["resolution"]
    assert res["sram_fits"] and not res["flash_fits"] and not res["fits"]
    assert res["flash_bytes"] > file_bytes - 100_000  # resolution leaves the weights alone
    assert res["k_tensor_arena_size"] == res["sram_bytes"]
    # A narrower model has fewer weights: its flash figure is its own, smaller file.
    from planner.analysis.shapes import with_width
    from planner.api import load

    narrow, _ = with_width(load(BIG), by_kind["width"]["width"])
    assert by_kind["width"]["flash_bytes"] == narrow.file_bytes + code < big_advice["flash_bytes"]
    # The 32F746G-DISCO's 16 MiB QSPI flash (boards/stm32f746.toml) holds the model.
    xip = by_kind["external-flash"]
    assert xip["flash_budget_bytes"] == 16_777_216 and xip["flash_fits"]
    assert not xip["sram_fits"]
    assert any("heaviest weights by layer" in n for n in big_advice["notes"])


def test_the_better_plan_prints_its_command() -> None:
    result = run("advise", BIG, "-b", "stm32f746", "-f", "json", "--better-arena", "300000")
    plan = json.loads(result.output)["suggestions"][0]
    assert plan["kind"] == "better-planner"
    out = BIG.with_name(BIG.stem + "_optimized.tflite")
    assert plan["command"] == f"planner optimize {BIG} -b stm32f746 -o {out}"
    assert plan["k_tensor_arena_size"] == 300_000


def test_advice_csv_and_markdown_have_flash() -> None:
    rows = list(
        csv.DictReader(io.StringIO(run("advise", BIG, "-b", "stm32f746", "-f", "csv").output))
    )
    assert rows and all(r["flash_budget_bytes"] for r in rows)
    assert all(
        (r["fits"] == "true") is (r["flash_fits"] == "true" and int(r["headroom_bytes"]) >= 0)
        for r in rows
    )
    md = run("advise", BIG, "-b", "stm32f746", "-f", "markdown").output
    assert "| flash |" in md and "❌ no (flash)" in md


@needs_shared
def test_cannot_tell_is_its_own_verdict_in_every_matrix_format() -> None:
    model = SHARED / "dtln_noise_suppression.tflite"
    check = fit(model, "esp32")
    if check.verdict != "unknown":
        pytest.skip("esp32 gives a verdict now (ESP-NN modelled)")
    md = run("matrix", model, "-b", "esp32", "-f", "markdown").output
    assert "❔ cannot tell" in md and "−-" not in md and "❌" not in md.splitlines()[2]
    rows = list(
        csv.DictReader(io.StringIO(run("matrix", model, "-b", "esp32", "-f", "csv").output))
    )
    assert rows[0]["verdict"] == "cannot tell"
    assert int(rows[0]["sram_budget_bytes"]) == check.sram_budget_bytes
    assert int(rows[0]["sram_required_bytes"]) == check.sram_required_bytes
    assert (
        int(rows[0]["sram_headroom_bytes"]) == check.sram_budget_bytes - check.sram_required_bytes
    )
    from planner.report.html import render_html

    assert "<title>dtln_noise_suppression.tflite on esp32: cannot tell" in render_html(
        check, use_matplotlib=False
    )


def test_report_exits_like_fit() -> None:
    assert run("fit", BIG, "-b", "stm32f746").exit_code == 1
    assert run("report", BIG, "-b", "stm32f746").exit_code == 1
    assert run("report", SMALL, "-b", "stm32h743").exit_code == 0


def test_a_repeated_board_is_a_usage_error() -> None:
    result = run("fit", SMALL, "-b", "stm32h743", "-b", "host")
    assert result.exit_code == 2
    assert "--board given 2 times" in result.output


def test_fit_piped_into_head_keeps_its_exit_status() -> None:
    """`planner fit MODEL | head -2` on a model that fits exits 0 (no BrokenPipe error)."""
    shell = (
        f"{sys.executable} -m planner.cli report {SMALL} -b stm32h743 | head -2; "
        "exit ${PIPESTATUS[0]}"
    )
    out = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 2 and "Traceback" not in out.stderr


def test_emit_header(tmp_path: Path) -> None:
    header = tmp_path / "arena.h"
    result = run("fit", SMALL, "-b", "stm32h743", "--emit-header", header)
    assert result.exit_code == 0
    check = fit(SMALL, "stm32h743")
    text = header.read_text()
    defines = {
        line.split()[1]: line.split()[2]
        for line in text.splitlines()
        if line.startswith("#define ") and len(line.split()) > 2
    }
    assert int(defines["kTensorArenaSize"]) == check.arena.min_arena_bytes
    assert int(defines["TFLM_PLANNER_ARENA_HEAD_BYTES"]) == check.arena.head_bytes
    assert int(defines["TFLM_PLANNER_ARENA_TAIL_BYTES"]) == check.arena.tail_bytes
    assert int(defines["TFLM_PLANNER_SRAM_BUDGET_BYTES"]) == check.sram_budget_bytes
    assert defines["TFLM_PLANNER_BOARD"] == '"stm32h743"'
    from importlib.metadata import version

    assert defines["TFLM_PLANNER_VERSION"] == f'"{version("tflm-planner")}"'
    assert text.count("#ifndef") == 1 and text.rstrip().endswith("*/")


@needs_shared
def test_differs_by_lines_agree_with_their_numbers() -> None:
    check = fit(SHARED / "dtln_noise_suppression.tflite", "stm32f746")
    assert check.host_arena is not None
    a, h = check.arena, check.host_arena
    lines = check.host_differences
    tail = [line for line in lines if line.startswith("tail ")]
    assert tail and f"tail {a.tail_bytes:,} B here vs {h.tail_bytes:,} B on host" in tail[0]
    assert ("larger" if a.tail_bytes > h.tail_bytes else "smaller") in tail[0]
    mbv2 = fit(BIG, "stm32f746")
    assert mbv2.host_arena is not None
    assert mbv2.arena.head_bytes == mbv2.host_arena.head_bytes
    assert not any(line.startswith("head ") for line in mbv2.host_differences)


def test_fit_at_80_columns_cuts_no_figure() -> None:
    """`planner fit` on an 80-column terminal wraps its notes but prints every figure whole."""
    import re

    from planner.report import render

    check = fit(SMALL, "stm32h743")
    text = re.sub(r"\x1b\[[0-9;]*m", "", render(check, "text", terminal=True, width=80))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    figures = (
        check.sram_required_bytes,
        check.sram_budget_bytes,
        check.sram_headroom_bytes,
        check.arena.head_bytes,
        check.arena.tail_bytes,
        check.flash_required_bytes,
        check.flash_budget_bytes,
    )
    for figure in figures:
        assert f"{figure:,} B" in text, figure
