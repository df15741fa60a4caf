"""`planner verify`: the real runtime in a subprocess, surviving crashes and hangs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.errors import RuntimeCheckError
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .builder import vela_like_model
from .corpus import SHARED_MODELS

pytestmark = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)

DTLN = SHARED_MODELS / "dtln_noise_suppression.tflite"


def test_runtime_crashing_on_small_arenas_is_survived() -> None:
    """The LSTM kernels in dtln crash the runtime (SIGSEGV) when the arena is a little too
    small instead of failing cleanly; the search counts such a probe as a failure and goes
    on in a new process."""
    measured = measure_runtime(DTLN)
    predicted = predict_arena(load_model(DTLN))
    assert measured.min_arena_bytes is not None
    assert measured.min_arena_bytes <= predicted.min_arena_bytes <= measured.min_arena_bytes + 16


def test_a_hanging_runtime_is_cut_off() -> None:
    with pytest.raises(RuntimeCheckError, match="did not finish within"):
        measure_runtime(DTLN, timeout=0.01)
    result = CliRunner().invoke(main, ["verify", str(DTLN), "--timeout", "0.01"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("planner: error: ")
    assert "did not finish" in result.output


def test_verify_agrees_on_a_model() -> None:
    result = CliRunner().invoke(main, ["verify", str(SHARED_MODELS / "hello_world_int8.tflite")])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    assert "1,936" in result.output  # the smallest arena the research note measured


def test_verify_refuses_a_board_it_cannot_check() -> None:
    result = CliRunner().invoke(
        main, ["verify", str(SHARED_MODELS / "hello_world_int8.tflite"), "--board", "esp32"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "has no TFLM build here to check against" in lines[0]


def test_a_model_the_runtime_cannot_load_exits_2(tmp_path: Path) -> None:
    path = vela_like_model(tmp_path / "npu.tflite", side=8)
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("planner: error: ")
    assert "runtime" in lines[0]
