"""`planner space` end to end: JSON keys, CSV and Parquet output, the exported best subnet
checked with `planner fit` and the real TFLM runtime, and one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.space.build import build_network
from planner.space.export import write_model
from planner.space.pipeline import (
    HOST,
    load_model,
    measure_runtime,
    predict_arena,
    runtime_available,
)
from planner.space.supernet import sample_subnet

pytest.importorskip("pyarrow", reason="pyarrow is not installed (the space extra)")

SMALL = ["--widths", "0.3,0.4", "--resolutions", "96,128", "--samples", "3", "--serial"]
needs_runtime = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)


def _space(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["space", *SMALL, "--results", str(tmp_path / "results"), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_keys_and_recommendation(tmp_path: Path) -> None:
    code, out, _ = _space(tmp_path, "-b", "stm32f746", "-b", "nrf52840", "-f", "json")
    doc = json.loads(out)
    assert code == 0
    assert {"spaces", "best"} <= set(doc)
    assert len(doc["spaces"]) == 2 * 2 * 2
    for s in doc["spaces"]:
        assert {"board", "width", "resolution", "samples", "fit_fraction", "mean_fit_macs"} <= set(
            s
        )
        assert s["samples"] == 3 and 0 <= s["fit_fraction"] <= 1
    assert [b["board"] for b in doc["best"]] == ["stm32f746", "nrf52840"]
    for best in doc["best"]:
        assert {"width", "resolution", "sram_bytes", "flash_bytes", "macs"} <= set(best)
        mine = [s for s in doc["spaces"] if s["board"] == best["board"]]
        top = max(mine, key=lambda s: s["mean_fit_macs"])
        assert (best["width"], best["resolution"]) == (top["width"], top["resolution"])
        assert [s["recommended"] for s in mine].count(True) == 1
        assert best["sram_bytes"] <= best["sram_budget_bytes"]
        assert best["flash_bytes"] <= best["flash_budget_bytes"]


def test_csv_and_parquet(tmp_path: Path) -> None:
    code, out, _ = _space(tmp_path, "-b", "stm32f746", "-f", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("board,width,resolution,samples,fits,fit_fraction")
    assert len(lines) == 1 + 4
    import pyarrow.parquet as pq

    target = tmp_path / "rows.parquet"
    code, _, _ = _space(tmp_path, "-b", "stm32f746", "-f", "parquet", "-o", str(target))
    assert code == 0 and pq.read_table(target).num_rows == 4 * 3


@needs_runtime
def test_exported_best_subnet_is_what_the_space_claimed(tmp_path: Path) -> None:
    exported = tmp_path / "best.tflite"
    chart = tmp_path / "cdf.png"
    code, out, err = _space(
        tmp_path, "-b", "stm32f746", "-f", "json", "--export", str(exported), "--chart", str(chart)
    )
    assert code == 0, err
    best = json.loads(out)["best"][0]
    assert chart.stat().st_size > 10_000
    fit = CliRunner().invoke(main, ["fit", str(exported), "--board", "stm32f746", "-f", "json"])
    doc = json.loads(fit.stdout)
    assert fit.exit_code == 0 and doc["fits"] is True
    assert doc["sram_required_bytes"] == best["sram_bytes"]
    # The space's flash figure bounds the file's from above (see file_bytes_bound).
    assert doc["flash_required_bytes"] <= best["flash_bytes"]
    # The runtime agrees with the planner's host figures for the exported model.
    graph = load_model(exported)
    predicted = predict_arena(graph, HOST)
    measured = measure_runtime(exported, bisect=True)
    assert (measured.head_bytes, measured.tail_bytes, measured.total_bytes) == (
        predicted.head_bytes, predicted.tail_bytes, predicted.total_bytes
    )  # fmt: skip
    assert measured.min_arena_bytes is not None
    assert 0 <= predicted.min_arena_bytes - measured.min_arena_bytes <= 16
    verify = CliRunner().invoke(main, ["verify", str(exported)])
    assert verify.exit_code == 0 and "agree" in verify.stdout


@needs_runtime
@pytest.mark.parametrize("width,res,index", [(0.3, 96, 4), (0.75, 112, 9)])
def test_runtime_agrees_on_sampled_subnets(
    tmp_path: Path, width: float, res: int, index: int
) -> None:
    """Subnets with residual ADDs, 5x5 and 7x7 depthwise kernels, run by TFLM itself."""
    subnet = sample_subnet(21, width, res, index, classes=10)
    path = tmp_path / "subnet.tflite"
    built = build_network(subnet)
    write_model(built, path, seed=3)
    assert {"ADD", "MEAN", "SOFTMAX"} <= set(built.graph.opcodes)
    predicted = predict_arena(built.graph, HOST)
    measured = measure_runtime(path, bisect=False, invoke=True)
    assert (measured.head_bytes, measured.tail_bytes, measured.total_bytes) == (
        predicted.head_bytes, predicted.tail_bytes, predicted.total_bytes
    )  # fmt: skip


@pytest.mark.parametrize(
    "args,message",
    [
        (["-b", "stm32f746", "--widths", "0.3,x"], "--widths: expected comma-separated numbers"),
        (["-b", "stm32f746", "--widths", "0"], "width multiplier 0 is not in (0, 4]"),
        (["-b", "stm32f746", "--resolutions", "8"], "resolution 8 is not in 32..1024"),
        (["-b", "stm32f74"], "unknown board 'stm32f74'"),
        (["-b", "stm32f746", "-f", "parquet"], "--format parquet writes a file"),
        (["-b", "stm32f746", "--chart", "x.txt"], "the chart is written as .png, .svg or .pdf"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = _space(tmp_path, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("planner: error: ") and message in err


def test_without_dask_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(
        main, ["space", "-b", "stm32f746", "--samples", "1", "--results", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "planner: error: `planner space` runs on Dask and needs the 'distributed' package: "
        "pip install 'tflm-planner[space]'\n"
    )
