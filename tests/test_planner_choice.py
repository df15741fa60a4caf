"""`--planner optimized` beside TFLM's plan, per-layer latency in the reports, and the advice
in every format."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from planner import fit
from planner.analysis.latency import estimate_latency
from planner.cli import main
from planner.errors import PlannerError
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .corpus import BUNDLED_MODELS, SHARED_MODELS

VWW = SHARED_MODELS / "vww_96_int8.tflite"
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "planner" / "schema" / "report.schema.json").read_text()
)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.skipif(not runtime_available(), reason="the tflite-micro runtime is not installed")
def test_optimized_figure_is_what_the_runtime_needs_for_the_written_model(tmp_path: Path) -> None:
    check = fit(VWW, "host", planner="optimized")
    original = predict_arena(load_model(VWW))
    assert check.tflm_arena is not None
    assert check.tflm_arena.min_arena_bytes == original.min_arena_bytes
    assert check.saving_bytes == original.min_arena_bytes - check.sram_required_bytes > 0
    out = tmp_path / "vww_opt.tflite"
    code, _ = _cli("optimize", str(VWW), "-o", str(out))
    assert code == 0
    measured = measure_runtime(out)
    assert measured.head_bytes == check.arena.head_bytes
    assert measured.min_arena_bytes is not None
    assert measured.min_arena_bytes <= check.sram_required_bytes <= measured.min_arena_bytes + 16
    assert check.flash_model_bytes == out.stat().st_size


def test_planner_comparison_in_json_and_text() -> None:
    code, out = _cli("fit", str(VWW), "-b", "host", "--planner", "optimized", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    cmp_ = doc["planner_comparison"]
    assert doc["arena"]["planner"] == "optimized"
    assert cmp_["saving_bytes"] == cmp_["tflm_min_arena_bytes"] - cmp_["min_arena_bytes"]
    assert cmp_["min_arena_bytes"] == doc["sram_required_bytes"]
    assert cmp_["saving_percent"] == pytest.approx(
        100 * cmp_["saving_bytes"] / cmp_["tflm_min_arena_bytes"], abs=0.01
    )
    code, text = _cli("fit", str(VWW), "-b", "host", "--planner", "optimized")
    assert f"{cmp_['saving_bytes']:,} B" in text
    assert f"{cmp_['tflm_min_arena_bytes']:,} B" in text
    # The default is TFLM's own plan, with no comparison.
    default = json.loads(_cli("fit", str(VWW), "-b", "host", "-f", "json")[1])
    assert default["planner_comparison"] is None
    assert default["sram_required_bytes"] == cmp_["tflm_min_arena_bytes"]


def test_unknown_planner_is_refused() -> None:
    with pytest.raises(PlannerError, match="unknown planner"):
        fit(VWW, "host", planner="best")
    code, _ = _cli("fit", str(VWW), "-b", "host", "--planner", "best")
    assert code == 2


def test_layer_latency_in_every_format_adds_up() -> None:
    model = SHARED_MODELS / "kws_ref_model.tflite"
    check = fit(model, "stm32l4r5")
    expected = estimate_latency(check.graph, check.board)
    assert check.latency is not None
    assert check.latency.milliseconds == pytest.approx(expected.milliseconds)
    doc = json.loads(_cli("report", str(model), "-b", "stm32l4r5", "-f", "json")[1])
    per_layer_ms = sum(layer["latency_us_estimate"] for layer in doc["layers"]) / 1000
    assert per_layer_ms == pytest.approx(doc["totals"]["latency_ms_estimate"], rel=1e-3)
    rows = list(
        csv.DictReader(io.StringIO(_cli("report", str(model), "-b", "stm32l4r5", "-f", "csv")[1]))
    )
    assert [float(r["latency_us_estimate"]) for r in rows] == [
        layer["latency_us_estimate"] for layer in doc["layers"]
    ]
    text = _cli("report", str(model), "-b", "stm32l4r5")[1]
    assert "est. µs" in text and "Latency (estimate)" in text
    md = _cli("report", str(model), "-b", "stm32l4r5", "-f", "markdown")[1]
    assert "est. µs" in md and "Latency (estimate)" in md
    html = _cli("report", str(model), "-b", "stm32l4r5", "-f", "html")[1]
    assert "est. µs" in html and "Latency (estimate)" in html


MBV2 = BUNDLED_MODELS / "mobilenet_v2_1.0_224_int8.tflite"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows = 0
        self.in_advice = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and ("id", "advice") in attrs:
            self.in_advice = True
        if tag == "tr" and self.in_advice:
            self.rows += 1


@pytest.mark.skipif(not MBV2.exists(), reason="bundled model missing")
def test_advice_in_every_format() -> None:
    doc = json.loads(_cli("advise", str(MBV2), "-b", "stm32f746", "-f", "json")[1])
    n = len(doc["suggestions"])
    assert n >= 3
    # Issue 14: SRAM alone fits for some; its 3.9 MB of weights still overflow the 1 MB flash.
    fitting = [s for s in doc["suggestions"] if s["sram_fits"]]
    assert fitting, "some suggestion must fit MobileNetV2 224's SRAM on the F746"
    assert not any(s["fits"] for s in doc["suggestions"]) and not doc["flash_fits"]
    rows = list(
        csv.DictReader(io.StringIO(_cli("advise", str(MBV2), "-b", "stm32f746", "-f", "csv")[1]))
    )
    assert [r["title"] for r in rows] == [s["title"] for s in doc["suggestions"]]
    assert [int(r["sram_bytes"]) for r in rows] == [s["sram_bytes"] for s in doc["suggestions"]]
    md = _cli("advise", str(MBV2), "-b", "stm32f746", "-f", "markdown")[1]
    assert all(s["title"] in md for s in doc["suggestions"])
    parser = _Tables()
    parser.feed(_cli("advise", str(MBV2), "-b", "stm32f746", "-f", "html")[1])
    assert parser.rows == n + 1  # header row + one per suggestion
    # fit --advise carries the same advice in JSON, Markdown and HTML.
    code, out = _cli("fit", str(MBV2), "-b", "stm32f746", "--advise", "-f", "json")
    assert code == 1
    fit_doc = json.loads(out)
    jsonschema.validate(fit_doc, SCHEMA)
    assert [s["title"] for s in fit_doc["advice"]["suggestions"]] == [
        s["title"] for s in doc["suggestions"]
    ]
    assert (
        "What would make"
        in _cli("fit", str(MBV2), "-b", "stm32f746", "--advise", "-f", "markdown")[1]
    )
    parser = _Tables()
    parser.feed(_cli("fit", str(MBV2), "-b", "stm32f746", "--advise", "-f", "html")[1])
    assert parser.rows == n + 1
    code, out = _cli("fit", str(MBV2), "-b", "stm32f746", "--advise", "-f", "csv")
    assert code == 2 and "advise --format csv" in out


@pytest.mark.skipif(not MBV2.exists(), reason="bundled model missing")
def test_advice_offers_the_optimized_plan_with_its_figure() -> None:
    from planner.offline_plan.optimize import optimize
    from planner.targets.target import target_for

    doc = json.loads(_cli("advise", str(MBV2), "-b", "stm32f746", "-f", "json")[1])
    plan = [s for s in doc["suggestions"] if s["kind"] == "better-planner"]
    assert len(plan) == 1
    board = fit(MBV2, "stm32f746").board
    expected = optimize(load_model(MBV2), target_for(board)).min_arena_bytes
    assert plan[0]["sram_bytes"] == expected
    assert plan[0]["stock_tflm"] is True
