"""Every bad input through the CLI: one line on stderr naming the file and the problem,
exit status 2, and no traceback. Models that parse but are not what the planner is built
for (float, custom operators) are reported with a warning instead of refused."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flatbuffers
import pytest
from click.testing import CliRunner

from planner.cli import main

from .builder import Model, schema, vela_like_model
from .corpus import SHARED_MODELS

HELLO = SHARED_MODELS / "hello_world_int8.tflite"


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def _one_line_error(result: Any, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("planner: error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _edited(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    """hello_world with one thing changed through the schema's object API."""
    model = schema().ModelT.InitFromPackedBuf(HELLO.read_bytes(), 0)
    edit(model)
    builder = flatbuffers.Builder(4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    path = tmp_path / name
    path.write_bytes(bytes(builder.Output()))
    return path


def _bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _patched(data: bytes, offset: int, value: int) -> bytes:
    buf = bytearray(data)
    struct.pack_into("<I", buf, offset, value)
    return bytes(buf)


def _first_activation(model: Any) -> Any:
    sg = model.subgraphs[0]
    return sg.tensors[sg.operators[0].outputs[0]]


BAD_MODELS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "missing file": (lambda d: d / "nope.tflite", ("no such file",)),
    "directory": (lambda d: d, ("is a directory",)),
    "empty file": (lambda d: _bytes(d, "empty.tflite", b""), ("empty file",)),
    "text file": (
        lambda d: _bytes(d, "notes.tflite", b"# my model\nlayers: 3\n" * 20),
        ("text file",),
    ),
    "truncated model": (
        lambda d: _bytes(d, "cut.tflite", HELLO.read_bytes()[:1500]),
        ("corrupt or truncated",),
    ),
    "random bytes": (
        lambda d: _bytes(d, "noise.tflite", random.Random(3).randbytes(3000)),
        ("not a TFLite model",),
    ),
    "root offset outside the file": (
        lambda d: _bytes(d, "far.tflite", _patched(HELLO.read_bytes(), 0, 1 << 30)),
        ("corrupt",),
    ),
    "wrong file identifier": (
        lambda d: _bytes(d, "id.tflite", HELLO.read_bytes()[:4] + b"ABCD" + HELLO.read_bytes()[8:]),
        ("file identifier",),
    ),
    "unknown schema version": (
        lambda d: _edited(d, "v9.tflite", lambda m: setattr(m, "version", 9)),
        ("schema version 9",),
    ),
    "negative (dynamic) dimension": (
        lambda d: _edited(
            d, "dyn.tflite", lambda m: setattr(m.subgraphs[0].tensors[1], "shape", [-1, 1])
        ),
        ("dynamic shape", "batch size"),
    ),
    "zero dimension": (
        lambda d: _edited(
            d, "zero.tflite", lambda m: setattr(_first_activation(m), "shape", [1, 0])
        ),
        ("zero dimension",),
    ),
    "huge dimensions": (
        lambda d: _edited(
            d,
            "huge.tflite",
            lambda m: setattr(_first_activation(m), "shape", [2**30, 2**30, 2**30]),
        ),
        ("implausible",),
    ),
    "operator naming a missing tensor": (
        lambda d: _edited(
            d, "dangling.tflite", lambda m: setattr(m.subgraphs[0].operators[0], "outputs", [999])
        ),
        ("tensor 999",),
    ),
    "operator with a missing opcode": (
        lambda d: _edited(
            d, "opcode.tflite", lambda m: setattr(m.subgraphs[0].operators[0], "opcodeIndex", 42)
        ),
        ("opcode 42",),
    ),
}


@pytest.mark.parametrize("case", list(BAD_MODELS))
def test_bad_model_gives_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    make, needles = BAD_MODELS[case]
    path = make(tmp_path)
    for command in ("fit", "report"):
        result = _run(command, str(path), "--board", "stm32f746")
        _one_line_error(result, str(path), *needles)


def test_unknown_board_lists_close_matches() -> None:
    line = _one_line_error(_run("fit", str(HELLO), "--board", "stm32f74"), "unknown board")
    assert "stm32f746" in line


def test_malformed_board_file_names_field_and_line(tmp_path: Path) -> None:
    good = (Path(__file__).parent.parent / "boards" / "stm32f746.toml").read_text()
    bad = good.replace("clock_mhz = 216", 'clock_mhz = "fast"')
    assert bad != good
    path = tmp_path / "mine.toml"
    path.write_text(bad)
    line = _one_line_error(_run("fit", str(HELLO), "--board-file", str(path)), "clock_mhz")
    lineno = 1 + bad.splitlines().index('clock_mhz = "fast"')
    assert f"line {lineno}" in line


def test_missing_board_is_a_usage_error() -> None:
    result = _run("fit", str(HELLO))
    assert result.exit_code == 2
    assert "--board" in result.output


def test_float_model_is_reported_with_a_warning(tmp_path: Path) -> None:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 8], "FLOAT32")
    y = g.add(x, x, [1, 8])
    g.io([x], [y])
    path = m.write(tmp_path / "float.tflite")
    result = _run("fit", str(path), "--board", "host")
    assert result.exit_code == 0, result.output
    assert "floating point" in result.output
    assert "int8" in result.output


def test_custom_ethos_u_operator_is_reported_not_refused(tmp_path: Path) -> None:
    path = vela_like_model(tmp_path / "vela.tflite")
    for fmt in ("text", "json", "csv", "markdown", "html"):
        result = _run("fit", str(path), "--board", "host", "--format", fmt)
        # Not provably fitting: the figure is a floor.
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        text = result.output.lower()
        assert "ethos-u" in text
        assert "exact" in text or "at least" in text
    text = _run("fit", str(path), "--board", "host").output
    assert "Vela-compiled" in text
    assert "at least" in text


def test_debug_flag_shows_the_traceback() -> None:
    result = CliRunner().invoke(main, ["--debug", "fit", "nope.tflite", "--board", "host"])
    assert result.exit_code != 0
    assert result.exception is not None


def test_real_process_prints_one_line(tmp_path: Path) -> None:
    path = _bytes(tmp_path, "empty.tflite", b"")
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "fit", str(path), "--board", "stm32f746"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"planner: error: {path}: empty file"
