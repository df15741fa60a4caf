"""Hostile models (tests/hostile.py) and CLI misuse: one line on stderr and exit 2 for what
TFLM refuses, figures equal to the real runtime's for the layouts it accepts, and every
run bounded by a subprocess timeout: no traceback, no "internal error", no false "fits"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .corpus import SHARED_MODELS
from .hostile import CASES, REFUSED, _conv_chain, _int32_overflow, _operands, _wide_live

HELLO = SHARED_MODELS / "hello_world_int8.tflite"
ERROR_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).parents[1] / "planner/schema/error.schema.json").read_text())
)
#: No case may run longer than this (seconds); a hang fails the test instead of the suite.
TIMEOUT = 10
FORMATS = ("text", "json", "csv", "markdown", "html")

needs_runtime = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)


def _planner(
    *args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT, **kw: object
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        **kw,  # type: ignore[arg-type]
    )


def _one_line(stderr: str, *needles: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("planner: error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _cases(kind: str) -> list[str]:
    return [name for name, case in CASES.items() if case.kind == kind]


#: Cases given a longer hang guard than TIMEOUT. 100,000 tensors take about 3 s (issue 15);
#: 60 s leaves a busy machine room and still fails the quadratic growth this case was found
#: with (4 minutes and more).
LONGER_TIMEOUT = {"100,000 unused tensors": 60}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hostile")
    return {name: case.build(out) for name, case in CASES.items()}


@pytest.mark.parametrize("name", _cases("refuse"))
def test_refused_in_one_line_in_every_format(name: str, built: dict[str, Path]) -> None:
    path = built[name]
    proc = _planner("fit", str(path), "--board", "stm32f746")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""  # never a "fits"
    line = _one_line(proc.stderr, REFUSED, *CASES[name].needles)
    assert "\n" not in line and "\x1b" not in line
    for fmt in FORMATS[1:]:
        result = CliRunner().invoke(main, ["fit", str(path), "-b", "host", "-f", fmt])
        assert result.exit_code == 2, result.output
        said = _one_line(result.stderr, REFUSED)
        assert said == line.replace("stm32f746", "host") or REFUSED in said
        if fmt == "json":  # the report's place holds why there is none
            document = json.loads(result.stdout)
            ERROR_SCHEMA.validate(document)
            assert document["verdict"] == "refused"
            assert f"planner: error: {document['error']}" == said
        else:
            assert result.stdout == ""


@pytest.mark.parametrize("command", ["report", "advise", "verify", "optimize"])
def test_every_command_refuses(command: str, built: dict[str, Path], tmp_path: Path) -> None:
    path = built["cycle"]
    extra = {
        "report": ["-b", "host"],
        "advise": ["-b", "host"],
        "verify": [],
        "optimize": ["-o", str(tmp_path / "o.tflite")],
    }[command]
    result = CliRunner().invoke(main, [command, str(path), *extra])
    assert result.exit_code == 2, result.output
    _one_line(result.output, REFUSED, "before it is written")


def test_matrix_shows_the_refusal(built: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["matrix", str(built["cycle"]), str(HELLO), "-b", "host"])
    assert REFUSED in result.output
    assert "Traceback" not in result.output


@needs_runtime
@pytest.mark.parametrize("name", _cases("runtime"))
def test_accepted_layouts_match_the_runtime(name: str, built: dict[str, Path]) -> None:
    path = built[name]
    proc = _planner("fit", str(path), "--board", "host")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    predicted = predict_arena(load_model(path))
    measured = measure_runtime(path, timeout=60)
    assert (predicted.head_bytes, predicted.tail_bytes, predicted.total_bytes) == (
        measured.head_bytes,
        measured.tail_bytes,
        measured.total_bytes,
    )
    assert measured.min_arena_bytes is not None
    assert predicted.min_arena_bytes >= measured.min_arena_bytes  # never under-predict


@needs_runtime
def test_int32_element_count_wraps_as_in_tflm(tmp_path: Path) -> None:
    """A [65536, 65536, 2] INT32 tensor: TFLM's int element count wraps to 0, so it plans
    nothing for it; the prediction (below validation, which refuses the model) agrees."""
    path = _int32_overflow(tmp_path)
    predicted = predict_arena(load_model(path))
    measured = measure_runtime(path, bisect=False, timeout=60)
    assert predicted.head_bytes == measured.head_bytes == 32  # the two [1, 8] int8 tensors


@pytest.mark.parametrize("name", _cases("fast"))
def test_costly_shapes_finish(name: str, built: dict[str, Path]) -> None:
    timeout = LONGER_TIMEOUT.get(name, TIMEOUT)
    proc = _planner("fit", str(built[name]), "--board", "host", "-f", "json", timeout=timeout)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize(
    ("shape", "args"),
    [
        ("wide", ["advise", "{m}", "-b", "stm32f746"]),
        ("wide", ["optimize", "{m}", "-o", "{out}"]),
        ("wide", ["report", "{m}", "-b", "host", "-f", "html", "-o", "{out}.html"]),
        ("wide", ["fit", "{m}", "-b", "stm32f746"]),
        ("chain", ["advise", "{m}", "-b", "nrf52840"]),
        ("chain", ["report", "{m}", "-b", "host", "-f", "html", "-o", "{out}.html"]),
    ],
)
def test_every_command_finishes_on_costly_shapes(
    shape: str, args: list[str], tmp_path: Path
) -> None:
    """A second red team's shapes: 1,000 outputs live to the end (2,000 operators) and a
    chain of 1,500 convolutions. advise, optimize and the HTML report ran past 60 s."""
    build = _wide_live(1000) if shape == "wide" else _conv_chain(1500)
    model = build(tmp_path)
    out = tmp_path / "out.tflite"
    proc = _planner(*(a.format(m=model, out=out) for a in args))
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


MISUSE = {
    "unknown format": (["fit", str(HELLO), "-b", "host", "-f", "yaml"], "'yaml'"),
    "board and board file": (
        ["fit", str(HELLO), "--board", "host", "--board-file", "boards/host.toml"],
        "not both",
    ),
    "output is a folder": (["fit", str(HELLO), "-b", "host", "-o", "/tmp"], "directory"),
    "matrix without models": (["matrix"], "MODELS"),
    "zero step": (["advise", str(HELLO), "-b", "host", "--step", "0"], "--step"),
    "zero dpi": (["plot", str(HELLO), "-b", "host", "--dpi", "0", "-o", "x.png"], "--dpi"),
    "nan timeout": (["verify", str(HELLO), "--timeout", "nan"], "--timeout"),
    "negative better arena": (
        ["advise", str(HELLO), "-b", "stm32f746", "--better-arena", "-5"],
        "--better-arena",
    ),
    "model is a FIFO": (["fit", "{fifo}", "-b", "host"], "FIFO"),
    "model is /dev/zero": (["fit", "/dev/zero", "-b", "host"], "not a regular"),
    "empty model path": (["fit", "", "-b", "host"], "path is empty"),
    "deeply nested board file": (["fit", str(HELLO), "--board-file", "{deep}"], "nested"),
    "board region of 2^64+5 bytes": (["fit", str(HELLO), "--board-file", "{big}"], "size_bytes"),
    "board region named with control characters": (
        ["fit", str(HELLO), "--board-file", "{ctrl}"],
        "printable",
    ),
    "width multipliers nan, inf, -1": (
        ["advise", str(HELLO), "-b", "host", "--widths", "nan,inf,-1"],
        "--widths",
    ),
    "no width multiplier": (["advise", str(HELLO), "-b", "host", "--widths", ","], "--widths"),
    "negative seed": (["space", "-b", "host", "-n", "1", "--serial", "--seed", "-1"], "--seed"),
    "space exporting to a full disk": (
        ["space", "-b", "host", "-n", "1", "--serial", "--no-results", "--export", "/dev/full"],
        "No space left",
    ),
    "4,096 local workers": (["matrix", str(HELLO), "-b", "host", "--workers", "4096"], "--workers"),
    "header written over the model": (
        ["fit", "{copy}", "-b", "host", "--emit-header", "{copy}"],
        "model itself",
    ),
    "report written over the model": (["fit", "{copy}", "-b", "host", "-o", "{copy}"], "itself"),
    "full report written over the model": (
        ["report", "{copy}", "-b", "host", "-f", "html", "-o", "{copy}"],
        "itself",
    ),
    "JSON fit written over the model": (
        ["fit", "{copy}", "-b", "host", "-f", "json", "-o", "{copy}"],
        "itself",
    ),
    "JSON report written over the model through a link": (
        ["report", "{copy}", "-b", "host", "-f", "json", "-o", "{link}"],
        "itself",
    ),
    "advice written over the model": (["advise", "{copy}", "-b", "host", "-o", "{copy}"], "itself"),
    "matrix written over a model": (["matrix", str(HELLO), "-b", "host", "-o", "{copy}"], "holds"),
    "optimized model written over its input": (["optimize", "{copy}", "-o", "{copy}"], "itself"),
    "report written over another model": (
        ["report", str(HELLO), "-b", "host", "-f", "json", "-o", "{copy}"],
        "holds a TFLite model",
    ),
}


@pytest.mark.parametrize("case", list(MISUSE))
def test_misuse_is_one_line(case: str, tmp_path: Path) -> None:
    fifo = tmp_path / "model.tflite"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    root = Path(__file__).resolve().parent.parent
    big = tmp_path / "big.toml"
    text = (root / "boards" / "stm32f746.toml").read_text()
    big.write_text(text.replace("size_bytes = 327680", f"size_bytes = {2**64 + 5}", 1))
    assert big.read_text() != text
    ctrl = tmp_path / "ctrl.toml"
    ctrl.write_text(text.replace('name = "DTCM', 'name = "\\u001b[2J\\u0000DTCM', 1))
    assert ctrl.read_text() != text
    copy = tmp_path / "copy.tflite"
    copy.write_bytes(HELLO.read_bytes())
    link = tmp_path / "link.tflite"
    link.symlink_to(copy)
    args, needle = MISUSE[case]
    args = [a.format(fifo=fifo, deep=deep, big=big, ctrl=ctrl, copy=copy, link=link) for a in args]
    proc = _planner(*args, cwd=root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    _one_line(proc.stderr, needle)
    assert copy.read_bytes() == HELLO.read_bytes()  # the model is never overwritten


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["fit", "{missing}", "-b", "host"], "no such file"),
        (["report", str(HELLO), "-b", "no-such-board"], "unknown board"),
        (["advise", "{text}", "-b", "host"], "text file"),
        (["fit", str(HELLO), "--board-file", "{text}"], "board"),
    ],
    ids=["fit", "report", "advise", "board-file"],
)
def test_json_error_document(args: list[str], needle: str, tmp_path: Path) -> None:
    text = tmp_path / "notes.tflite"
    text.write_text("this is a note about a model, not a model at all\n")
    args = [a.format(missing=tmp_path / "gone.tflite", text=text) for a in args]
    out = tmp_path / "report.json"
    for extra, read in (([], None), (["-o", str(out)], out)):
        proc = _planner(*args, "-f", "json", *extra)
        said = _one_line(proc.stderr, needle)
        document = json.loads(proc.stdout if read is None else read.read_text())
        ERROR_SCHEMA.validate(document)
        assert proc.returncode == 2
        assert document["verdict"] == "error" and said == f"planner: error: {document['error']}"


def test_full_disk_on_stdout() -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "planner.cli", "fit", str(HELLO), "-b", "host"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert proc.returncode == 2
    _one_line(proc.stderr, "No space left")


def test_ascii_only_terminal() -> None:
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    for args in (["fit", str(HELLO), "-b", "stm32f746"], ["report", str(HELLO), "-b", "host"]):
        proc = _planner(*args, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_a_huge_name_gives_a_short_error_line(tmp_path: Path) -> None:
    from .builder import Model

    m = Model()
    g = m.subgraph()
    y = g.tensor([1, 4], "INT8", scale=0.1)
    g.t.tensors[y].name = "\x1b[2J" + "n" * 100_000
    g.t.tensors[y].type = 99  # a type TFLM cannot size: refused, naming the tensor
    g.io([y], [y])
    proc = _planner("fit", str(m.write(tmp_path / "long_name.tflite")), "-b", "host")
    assert proc.returncode == 2
    line = _one_line(proc.stderr, "characters ...]", "unknown type 99")
    assert len(line) < 2_200 and "\x1b" not in line


def test_a_huge_name_is_cut_in_tables_and_whole_in_json(tmp_path: Path) -> None:
    from .builder import Model

    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 8, 8, 4], scale=0.1)
    y, _ = g.conv(x, 8, 4, 4, 3)
    g.t.tensors[y].name = "n" * 100_000
    g.io([x], [y])
    path = m.write(tmp_path / "long_valid_name.tflite")
    text = _planner("report", str(path), "-b", "host")
    assert text.returncode == 0 and "nnnnnnnnnn..." in text.stdout  # (the cell may wrap)
    assert len(text.stdout) < 20_000
    document = json.loads(_planner("report", str(path), "-b", "host", "-f", "json").stdout)
    assert "n" * 100_000 in {e["name"] for e in document["arena_map"]}


#: Names a downloaded model could carry: raw HTML, a markdown link, control bytes.
HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "evil\x1b[31mRED\r\nnext\x00nul\x07",
)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("command", ["fit", "report"])
def test_names_from_the_model_stay_text(command: str, fmt: str, tmp_path: Path) -> None:
    """Red team 4: tensor and board-region names reached the markdown and HTML reports as
    raw HTML, links and control bytes."""
    from .builder import Model

    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 8, 8, 4], scale=0.1)
    y, _ = g.conv(x, 8, 4, 4, 3)
    g.t.tensors[x].name = HOSTILE_NAMES[0]
    g.t.tensors[y].name = HOSTILE_NAMES[1] + HOSTILE_NAMES[2]
    g.io([x], [y])
    path = m.write(tmp_path / "names.tflite")
    board = tmp_path / "board.toml"
    text = (Path(__file__).parents[1] / "boards" / "stm32f746.toml").read_text()
    board.write_text(text.replace('name = "DTCM', 'name = "<script>x</script>DTCM', 1))
    assert board.read_text() != text
    proc = _planner(command, str(path), "--board-file", str(board), "-f", fmt)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout
    assert "DTCM" in out  # the names are shown (tensor names in the full report)...
    assert command == "fit" or "onerror=alert(1)" in out
    assert "<img" not in out and "<script>x" not in out  # ...as text, never as markup
    assert fmt == "html" or "](javascript" not in out  # a link only in markdown
    assert not set(out) & {"\x00", "\x07", "\x1b", "\r"}


@pytest.mark.parametrize(
    ("name", "opcode", "shapes", "operands"),
    [
        ("reshape_two_stretch", "RESHAPE", ([2, 8], [-1, -1]), [[-1, -1]]),
        ("relu_stretch", "RELU", ([2, 8], [-1]), []),
        ("reshape_stretched_input", "RESHAPE", ([-1, 8], [-1]), [[-1]]),
    ],
)
def test_a_dynamic_shape_is_resolved_only_as_reshape_does(
    name: str, opcode: str, shapes: tuple[list[int], list[int]], operands: list, tmp_path: Path
) -> None:
    """Only a RESHAPE output with one -1, of an input of fixed shape, has the shape TFLM's
    Prepare computes (tests/test_tail.py checks that one against the runtime); a -1 anywhere
    else is the dynamic shape TFLM cannot plan."""
    path = _operands(name, opcode, shapes, operands)(tmp_path)
    proc = _planner("fit", str(path), "-b", "host")
    assert proc.returncode == 2
    _one_line(proc.stderr, "dynamic shape [-1")


def test_output_to_a_pipe_is_written_not_read(tmp_path: Path) -> None:
    """The check that an output file holds no model opens regular files only: opening
    ``-o /dev/stdout`` (a pipe here) or a FIFO to read it would block for ever."""
    model = _conv_chain(2)(tmp_path)
    proc = _planner("fit", str(model), "-b", "host", "-f", "json", "-o", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "fits"
