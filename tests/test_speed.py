"""What the speed work must not change: correctness checks only, no timings.

The timings are in ``benchmarks/bench_speed.py`` (run on demand). Here:

- the fast greedy planner places every buffer where TFLM's own O(n^2) loop does
  (``plan_greedy_reference``), on random buffer sets with ties, offline offsets, unreached
  buffers and sparse step numbers (hypothesis);
- the fast flatbuffer reader gives the same graph as the schema's generated accessors, on
  every model and on mutated ones, and its field slots are the generated classes';
- synthetic 1,000-operator models (a chain, residual ADD blocks, inception-like CONCATENATION
  fan-outs) load, and their predicted head, tail and total equal the TFLM runtime's;
- ``planner fit`` does not import TensorFlow, matplotlib, jsonschema or tflite_micro;
- pausing the garbage collector leaves it as it was.
"""

from __future__ import annotations

import gc
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model.tflite_reader import _options_classes, load_model
from planner.runtimes.tflm.allocation_info import Buffer, tflm_buffers
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.memory_planner.greedy import plan_greedy, plan_greedy_reference
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .builder import planned_buffer as _buffer
from .corpus import ROOT, SHARED_MODELS, all_models, model_id

# benchmarks/synthetic.py, the generator the benchmark uses (benchmarks/ is not a package).
_spec = importlib.util.spec_from_file_location(
    "_bench_synthetic", ROOT / "benchmarks" / "synthetic.py"
)
assert _spec is not None and _spec.loader is not None
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

needs_runtime = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)


# --- the greedy planner ----------------------------------------------------------------------


@st.composite
def _buffer_sets(draw: st.DrawFn) -> list[Buffer]:
    n = draw(st.integers(0, 40))
    steps = draw(st.integers(1, 12))
    # Few sizes, so that ties (broken by reverse order of addition) are common.
    sizes = draw(st.lists(st.sampled_from([0, 16, 32, 48, 64, 128, 1024]), min_size=1))
    scale = draw(st.sampled_from([1, 1, 1000]))  # sparse step numbers too
    buffers = []
    for i in range(n):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            first = last = -1  # never reached: TFLM still plans it
        else:
            first = draw(st.integers(0, steps))
            last = first + draw(st.integers(0, 4))
            first, last = first * scale, last * scale
        offline = None
        if draw(st.integers(0, 5)) == 0:
            offline = 16 * draw(st.integers(0, 20))
        buffers.append(_buffer(i, draw(st.sampled_from(sizes)), first, last, offline))
    return buffers


@settings(max_examples=600, deadline=None)
@given(_buffer_sets())
def test_fast_greedy_places_buffers_where_tflm_does(buffers: list[Buffer]) -> None:
    fast, reference = plan_greedy(buffers), plan_greedy_reference(buffers)
    assert fast.offsets == reference.offsets
    assert fast.head_bytes == reference.head_bytes
    assert fast == reference


def test_fast_greedy_on_lifetimes_tflm_never_makes() -> None:
    # first > last: not a TFLM lifetime; the fast planner must still answer as TFLM's loop.
    buffers = [_buffer(0, 32, 3, 1, None), _buffer(1, 16, 0, 5, None), _buffer(2, 32, 2, 2, 0)]
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)


def test_tflm_planner_is_the_fast_one() -> None:
    # GREEDY.plan calls the name plan_greedy of its module: that must be the fast planner.
    import planner.runtimes.tflm.memory_planner as memory_planner

    assert memory_planner.plan_greedy is plan_greedy


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_fast_greedy_on_every_model(path: Path) -> None:
    buffers = tflm_buffers(load_model(path))
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)


# --- the flatbuffer reader -------------------------------------------------------------------


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_options_lookup_unpacks_what_the_schema_creator_does(path: Path) -> None:
    """The loader finds each options class with one dict lookup instead of the generated
    creator's chain of tests; both must give the same options for every operator."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(path.read_bytes(), 0)
    checked = 0
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            kind = op.BuiltinOptionsType()
            if not kind:
                continue
            table = op.BuiltinOptions()
            expected = schema.BuiltinOptionsCreator(kind, table)
            mine = _options_classes("BuiltinOptions")[kind].InitFromBuf(table.Bytes, table.Pos)
            assert repr(vars(mine)) == repr(vars(expected))
            checked += 1
    graph = load_model(path)
    assert sum(len(sg.operators) for sg in graph.subgraphs) >= checked


# --- synthetic models at scale ---------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_1000(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("synthetic")
    paths = synthetic.write_models(directory, sizes=(1000,))
    return {kind: path for (kind, _), path in paths.items()}


@pytest.mark.parametrize("kind", synthetic.KINDS)
def test_synthetic_models_have_what_they_say(kind: str, synthetic_1000: dict[str, Path]) -> None:
    graph = load_model(synthetic_1000[kind])
    ops = graph.main.operators
    assert len(ops) == 1000
    names = {op.opcode for op in ops}
    assert {"CONV_2D", "DEPTHWISE_CONV_2D"} <= names
    if kind == "residual":
        assert "ADD" in names
    if kind == "inception":
        assert "CONCATENATION" in names
    convs = [op for op in ops if op.opcode == "CONV_2D"]
    weights = graph.main.tensors[convs[0].inputs[1]]
    assert weights.quantization is not None
    assert len(weights.quantization.scales) == weights.shape[0] > 1  # per channel
    assert len(tflm_buffers(graph)) == 1001  # the input, then one output per operator


@needs_runtime
@pytest.mark.parametrize("kind", synthetic.KINDS)
def test_synthetic_1000_op_models_match_the_runtime(
    kind: str, synthetic_1000: dict[str, Path]
) -> None:
    path = synthetic_1000[kind]
    predicted = predict_arena(load_model(path))
    measured = measure_runtime(path, bisect=False)
    assert predicted.exact
    assert predicted.head_bytes == measured.head_bytes
    assert predicted.tail_bytes == measured.tail_bytes
    assert predicted.total_bytes == measured.total_bytes


# --- the command line ------------------------------------------------------------------------

FORBIDDEN = ("tensorflow", "matplotlib", "jsonschema", "tflite_micro")


def test_fit_command_imports_nothing_heavy() -> None:
    model = SHARED_MODELS / "person_detect.tflite"
    command = ["-X", "importtime", "-m", "planner.cli", "fit", str(model), "--board", "stm32f746"]
    proc = subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Verdict:" in proc.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "planner.api" in imported  # the parse worked
    heavy = sorted(name for name in imported if name.split(".")[0] in FORBIDDEN)
    assert not heavy, heavy


# --- the garbage-collector pause -------------------------------------------------------------


def test_gc_pause_restores_the_collector() -> None:
    from planner._gc import gc_paused

    seen = []

    @gc_paused
    def probe(fail: bool) -> None:
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")

    was = gc.isenabled()
    try:
        gc.enable()
        probe(False)
        assert gc.isenabled()
        with pytest.raises(ValueError):
            probe(True)
        assert gc.isenabled()
        gc.disable()
        probe(False)
        assert not gc.isenabled()  # an application's choice is kept
        assert seen == [False, False, False]
    finally:
        (gc.enable if was else gc.disable)()
