"""`planner matrix` on Dask: the same matrix as in one process."""

from __future__ import annotations

import importlib.util
import json

import pytest
from click.testing import CliRunner

from planner.cli import main

from .corpus import BUNDLED_MODELS

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="dask.distributed is not installed"
)


def test_matrix_on_a_local_dask_cluster_equals_the_serial_one() -> None:
    models = [
        str(BUNDLED_MODELS / "mobilenet_v1_0.25_96_int8.tflite"),
        str(BUNDLED_MODELS / "resnet_branchy_int8.tflite"),
        str(BUNDLED_MODELS / "ops" / "softmax.tflite"),
    ]
    args = ["matrix", *models, "-b", "stm32f746", "-b", "rp2040", "-b", "esp32", "-f", "json"]
    serial = CliRunner().invoke(main, args)
    on_dask = CliRunner().invoke(main, [*args, "--workers", "2"])
    assert serial.exit_code == on_dask.exit_code == 0, on_dask.output
    a, b = json.loads(serial.output), json.loads(on_dask.output)
    assert a == b
    assert len(a["results"]) == 9


def test_an_unreachable_scheduler_is_one_line() -> None:
    model = str(BUNDLED_MODELS / "ops" / "softmax.tflite")
    result = CliRunner().invoke(
        main, ["matrix", model, "-b", "stm32f746", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0]
