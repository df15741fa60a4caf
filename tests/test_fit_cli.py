"""`planner fit` as a user runs it: the verdicts issue 2 asks for, and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from planner.cli import main

from .corpus import BUNDLED_MODELS, SHARED_MODELS

MBV2_035 = BUNDLED_MODELS / "mobilenet_v2_0.35_144_int8.tflite"
PERSON = SHARED_MODELS / "person_detect.tflite"


def test_mobilenet_v2_035_does_not_fit_stm32f746_and_names_block_2() -> None:
    result = CliRunner().invoke(main, ["fit", str(MBV2_035), "--board", "stm32f746", "-f", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["fits"] is False
    assert doc["sram_budget_bytes"] == 320 * 1024 - 1024 - 1536
    layers = {layer["index"]: layer for layer in doc["layers"]}
    expansion = layers[3]
    depthwise = layers[4]
    assert expansion["output_shapes"] == [[1, 72, 72, 48]]
    assert expansion["output_bytes"] == 72 * 72 * 48 == 248_832
    assert depthwise["op"] == "DEPTHWISE_CONV_2D"
    assert depthwise["output_shapes"] == [[1, 36, 36, 48]]
    assert depthwise["output_bytes"] == 36 * 36 * 48 == 62_208
    assert depthwise["input_bytes"] + depthwise["output_bytes"] == 311_040
    assert {3, 4} <= set(doc["overflowing_layers"])
    assert depthwise["overflows"] and expansion["overflows"]
    # What makes step 4 overflow: its live tensors, its scratch and the persistent tail.
    assert depthwise["step_sram_bytes"] == (
        311_040 + depthwise["scratch_bytes"] + doc["arena"]["tail_bytes"]
    )
    assert depthwise["step_sram_bytes"] > doc["sram_budget_bytes"]
    # The text names them too, with their output tensors.
    text = CliRunner().invoke(main, ["fit", str(MBV2_035), "--board", "stm32f746"]).output
    assert "block_1_expand_relu" in text and "block_1_depthwise_relu" in text
    assert "DOES NOT FIT" in text


def test_person_detect_fits_nrf52840_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "fit", str(PERSON), "--board", "nrf52840"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Verdict: FITS" in proc.stdout
    assert proc.stderr == ""
    # Piped: plain text, no colour codes, no padding at the ends of lines.
    assert "\x1b[" not in proc.stdout
    assert all(line == line.rstrip() for line in proc.stdout.splitlines())


def test_json_keys_issue_2_promises() -> None:
    result = CliRunner().invoke(main, ["fit", str(PERSON), "--board", "nrf52840", "-f", "json"])
    doc = json.loads(result.output)
    for key in (
        "fits",
        "board",
        "sram_budget_bytes",
        "sram_required_bytes",
        "flash_required_bytes",
        "flash_budget_bytes",
        "layers",
    ):
        assert key in doc
    for key in ("head_bytes", "tail_bytes", "total_bytes", "min_arena_bytes"):
        assert isinstance(doc["arena"][key], int)
    layer = doc["layers"][0]
    for key in (
        "index",
        "op",
        "input_bytes",
        "output_bytes",
        "live_bytes",
        "weight_bytes",
        "macs",
        "overflows",
        "scratch_bytes",
    ):
        assert key in layer
    assert "arena_offset" in layer["outputs"][0]
    # The flash figure: the file plus the runtime-code estimate.
    assert (
        doc["flash_required_bytes"] == PERSON.stat().st_size + doc["flash_runtime_bytes_estimate"]
    )
    assert doc["board"] == "nrf52840"


def test_report_prints_every_layer_and_the_totals() -> None:
    result = CliRunner().invoke(main, ["report", str(PERSON), "--board", "stm32f746"])
    assert result.exit_code == 0
    out = result.output
    assert out.count("DEPTHWISE_CONV_2D") >= 13
    for total in ("Parameters", "Weight bytes (flash)", "Total activations", "MACs", "FLOPs"):
        assert total in out


def test_boards_list_and_show() -> None:
    listing = CliRunner().invoke(main, ["boards"])
    assert listing.exit_code == 0
    assert "stm32f746" in listing.output and "nrf52840" in listing.output
    show = CliRunner().invoke(main, ["boards", "show", "nucleo-f746zg"])
    assert show.exit_code == 0
    assert "stm32f746" in show.output and "327,680 B" in show.output


def test_version_is_the_installed_distributions_without_reading_its_metadata() -> None:
    """`planner --version` prints planner.__version__ (reading the installed metadata would
    import 40 modules); it must be the version pip installed."""
    import importlib.metadata

    script = (
        "import sys\n"
        "from planner.cli import main\n"
        "try:\n    main(['--version'], prog_name='planner')\n"
        "except SystemExit:\n    pass\n"
        "print('metadata' if 'importlib.metadata' in sys.modules else 'no metadata')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    version = importlib.metadata.version("tflm-planner")
    assert proc.stdout.splitlines() == [f"planner, version {version}", "no metadata"]
