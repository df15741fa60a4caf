"""What the speed work must not change: correctness checks only, no timings.

The timings are in ``benchmarks/bench_speed.py`` (run on demand). Here:

- the fast greedy planner places every buffer where TFLM's own O(n^2) loop does
  (``plan_greedy_reference``), on random buffer sets with ties, offline offsets, unreached
  buffers and sparse step numbers (hypothesis);
- the loader reads every operator's options as the schema's own ``BuiltinOptionsCreator``
  unpacks them, hands out per-channel quantization without reading it until it is used, and
  gives the same graph with and without numpy (the values of small constant integer tensors
  too, read with struct and no numpy);
- the greedy planner stays exact on models with thousands of tensors alive at one step
  (tensors no operator reaches), which TFLM's loop handles in quadratic time;
- synthetic 1,000-operator models (a chain, residual ADD blocks, inception-like CONCATENATION
  fan-outs) load, and their predicted head, tail and total equal the TFLM runtime's;
- ``planner fit`` does not import TensorFlow, matplotlib, jsonschema, tflite_micro or numpy,
  nor the ai_edge_litert package's __init__ (the LiteRT library), and of the schema's reader
  classes only the tables it reads;
- loading a model leaves the garbage collector as it was, and a `planner fit` process imports
  its modules and runs with it off (another command gets it back).
"""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.analysis.layers import analyse
from planner.errors import ModelError
from planner.model.graph import LazyVector, Quantization
from planner.model.tflite_reader import load_model, load_model_bytes, read_vector
from planner.records import frozen_record
from planner.runtimes.tflm.allocation_info import Buffer, tflm_buffers
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.memory_planner.greedy import (
    plan_greedy,
    plan_greedy_reference,
    plan_greedy_walk,
    walk_is_cheaper,
)
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .builder import Model
from .builder import planned_buffer as _buffer
from .corpus import BUNDLED_MODELS, ROOT, SHARED_MODELS, all_models, model_id

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


@settings(max_examples=600, deadline=None)
@given(_buffer_sets())
def test_vectorised_walk_places_buffers_where_tflm_does(buffers: list[Buffer]) -> None:
    """The numpy walk plan_greedy takes for many long-lived buffers, on every buffer set."""
    if any(b.first_step > b.last_step for b in buffers):
        return  # plan_greedy hands those to the reference loop itself
    assert plan_greedy_walk(buffers) == plan_greedy_reference(buffers)


def test_thousands_of_long_lived_buffers_take_the_walk() -> None:
    """Branches that all live to the end (every one a model output): the per-step holes would
    cost the square of their number; plan_greedy walks them with numpy, to TFLM's offsets."""
    buffers = [_buffer(i, 16 * (1 + i % 7), i, 3000, None) for i in range(1500)]
    buffers += [_buffer(1500 + i, 64, i, i + 1, None) for i in range(1500)]
    assert walk_is_cheaper(len(buffers), sum(b.last_step - b.first_step + 1 for b in buffers))
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)
    # and the unreached tensors of a model (one step, all alive) keep the per-step holes
    assert not walk_is_cheaper(100_000, 100_000)


def test_fast_greedy_on_lifetimes_tflm_never_makes() -> None:
    # first > last: not a TFLM lifetime; the fast planner must still answer as TFLM's loop.
    buffers = [_buffer(0, 32, 3, 1, None), _buffer(1, 16, 0, 5, None), _buffer(2, 32, 2, 2, 0)]
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)


def test_greedy_with_thousands_of_tensors_alive_at_once() -> None:
    """Tensors no operator reaches all live at step -1: TFLM still plans them, each against
    all the others (its loop is quadratic there; the planner's must give the same offsets)."""
    graph = load_model_bytes(synthetic.build("chain", 20, unused=3000))
    buffers = tflm_buffers(graph)
    assert sum(b.first_step == b.last_step == -1 for b in buffers) == 3000
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)


@needs_runtime
def test_unreached_tensors_match_the_runtime(tmp_path: Path) -> None:
    path = tmp_path / "unused.tflite"
    path.write_bytes(synthetic.build("residual", 12, unused=200))
    predicted = predict_arena(load_model(path))
    measured = measure_runtime(path, bisect=False)
    assert predicted.exact
    assert (predicted.head_bytes, predicted.tail_bytes, predicted.total_bytes) == (
        measured.head_bytes,
        measured.tail_bytes,
        measured.total_bytes,
    )


def test_tflm_planner_is_the_fast_one() -> None:
    # GREEDY.plan calls the name plan_greedy of its module: that must be the fast planner.
    import planner.runtimes.tflm.memory_planner as memory_planner

    assert memory_planner.plan_greedy is plan_greedy


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_fast_greedy_on_every_model(path: Path) -> None:
    buffers = tflm_buffers(load_model(path))
    assert plan_greedy(buffers) == plan_greedy_reference(buffers)


# --- the flatbuffer reader -------------------------------------------------------------------


def _as_loaded(value: object) -> object:
    """An object-API field value as the loader gives it: arrays and lists as tuples, text."""
    if hasattr(value, "tolist"):
        return tuple(value.tolist())
    if isinstance(value, list):
        return tuple(_as_loaded(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_options_are_what_the_schema_creator_unpacks(path: Path) -> None:
    """The loader reads options with the accessors the object API uses, without its numpy
    arrays; every operator's options must equal the generated creator's, key for key."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(path.read_bytes(), 0)
    graph = load_model(path)
    checked = 0
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            kind = op.BuiltinOptionsType()
            if not kind:
                continue
            unpacked = schema.BuiltinOptionsCreator(kind, op.BuiltinOptions())
            expected = {
                re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): _as_loaded(v)
                for k, v in vars(unpacked).items()
            }
            loaded = graph.subgraphs[s].operators[i].options
            assert {k: loaded[k] for k in expected} == expected
            checked += 1
    assert checked > 0 or not any(sg.operators for sg in graph.subgraphs)


def _rebuilt(record: object) -> object:
    """The record made again by its dataclass constructor, from its fields."""
    names = [f.name for f in dataclasses.fields(record)]  # type: ignore[arg-type]
    return type(record)(**{name: getattr(record, name) for name in names})


def test_records_built_in_one_update_are_the_constructors() -> None:
    """Tensor buffers and per-layer figures are built with planner.records.frozen_record (one
    dict update, not the frozen __init__): each must hold every field and equal, hash and
    print as the record its constructor makes."""
    model = SHARED_MODELS / "person_detect.tflite"
    if not model.exists():
        pytest.skip(f"{model} is absent (../shared not laid out)")
    graph = load_model(model)
    records = [*tflm_buffers(graph), *analyse(graph).layers]
    assert len(records) > 60
    for record in records:
        names = {f.name for f in dataclasses.fields(record)}  # type: ignore[arg-type]
        assert set(vars(record)) == names
        again = _rebuilt(record)
        assert again == record and hash(again) == hash(record) and repr(again) == repr(record)
    assert frozen_record(Quantization, scales=(0.5,), zero_points=(0,), axis=0) == Quantization(
        (0.5,), (0,)
    )


def test_per_channel_values_are_read_when_used(tmp_path: Path) -> None:
    data = synthetic.build("chain", 2)
    graph = load_model_bytes(data)
    conv = graph.main.operators[0]
    weights = graph.main.tensors[conv.inputs[1]]
    q = weights.quantization
    assert q is not None and isinstance(q.scales, LazyVector)
    assert len(q.scales) == weights.shape[0] == len(q.zero_points)  # lengths only so far
    # The values, read on use, are the ones the schema's accessors give.
    from ai_edge_litert import schema_py_generated as schema

    raw = schema.Model.GetRootAs(data, 0).Subgraphs(0).Tensors(conv.inputs[1]).Quantization()
    assert tuple(q.scales) == tuple(raw.ScaleAsNumpy().tolist())
    assert q.zero_points == tuple(raw.ZeroPointAsNumpy().tolist())
    assert q == Quantization(tuple(q.scales), tuple(q.zero_points), q.axis)
    assert hash(q) == hash(Quantization(tuple(q.scales), tuple(q.zero_points), q.axis))
    assert pickle.loads(pickle.dumps(q)) == q


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_a_vector_read_at_once_is_the_accessors_values(path: Path) -> None:
    """read_vector (one struct call per vector) gives what the generated accessor gives
    element by element: float32 scales, int64 zero points, int32 shapes."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(path.read_bytes(), 0)
    checked = 0
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.TensorsLength()):
            t = sg.Tensors(i)
            q = t.Quantization()
            pairs = [(t.Shape, t.ShapeLength())]
            if q is not None:
                pairs += [(q.Scale, q.ScaleLength()), (q.ZeroPoint, q.ZeroPointLength())]
            for item, n in pairs:
                if n:
                    expected = tuple(item(j) for j in range(n))
                    assert read_vector(item, n) == expected
                    checked += n
    assert checked > 0


def test_lazy_vector_reads_nothing_until_asked() -> None:
    reads: list[int] = []

    def item(i: int) -> int:
        reads.append(i)
        return 10 * i

    v = LazyVector(3, item)
    assert len(v) == 3 and bool(v) and reads == []
    assert v[2] == 20 and reads == [0, 1, 2]
    assert list(v) == [0, 10, 20] and reads == [0, 1, 2]  # read once
    assert v == (0, 10, 20) and hash(v) == hash((0, 10, 20)) and v != [0, 10, 20]
    assert tuple(v) == (0, 10, 20)


@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_graph_is_the_same_with_and_without_numpy(path: Path) -> None:
    """Small models are read element by element while numpy is not loaded; the graph must be
    the one numpy's views give (this process has numpy loaded)."""
    code = (
        "import sys\n"
        "from planner.model.tflite_reader import load_model\n"
        "print(repr(load_model(sys.argv[1])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == repr(load_model(path))


def test_int_values_are_the_buffers_with_and_without_numpy(tmp_path: Path) -> None:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 4])
    kept = {
        g.const(np.array([[0, -1], [2**31 - 1, -(2**31)]], "<i4")): (0, -1, 2**31 - 1, -(2**31)),
        g.tensor([3], "INT64", data=np.array([-5, 2**40, 7], "<i8").tobytes()): (-5, 2**40, 7),
        g.const(np.array(3, "<i4")): (3,),
        g.const(np.arange(64, dtype="<i4")): tuple(range(64)),
    }
    not_kept = [
        g.const(np.arange(65, dtype="<i4")),  # longer than an index vector
        g.tensor([4], "INT32", data=np.arange(2, dtype="<i4").tobytes()),  # data too short
        g.tensor([4], "INT8", data=bytes(4)),  # not an integer index type
        g.tensor([4], "INT32"),  # no data: an activation
    ]
    g.io([x], [x])
    path = m.write(tmp_path / "values.tflite")
    graph = load_model(path)
    for t, values in kept.items():
        assert graph.main.tensors[t].int_values == values
    for t in not_kept:
        assert graph.main.tensors[t].int_values is None
    code = (
        "import sys\n"
        "from planner.model.tflite_reader import load_model\n"
        "g = load_model(sys.argv[1])\n"
        "print(repr([t.int_values for t in g.main.tensors]))\n"
        "from planner.model.deferred_numpy import numpy_loaded\n"
        "print(numpy_loaded())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    values, numpy_used = proc.stdout.split("\n")[:2]
    assert values == repr([t.int_values for t in graph.main.tensors])
    assert numpy_used == "False"  # read with struct: numpy was not loaded for it


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

FORBIDDEN = ("tensorflow", "matplotlib", "jsonschema", "tflite_micro", "numpy")


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
    # The schema module is read without its package's __init__, which loads libLiteRt.so.
    assert "ai_edge_litert" not in imported
    # The report names the Cortex-M probe that can check it without loading the probe runner.
    assert "run in qemu-arm" in proc.stdout
    runner = {"planner.runtimes.tflm.verify.probes", "planner.runtimes.tflm.verify.host"}
    assert not runner & imported


#: The options table of each operator person_detect.tflite uses.
PERSON_DETECT_OPTIONS = {
    "Conv2DOptions",
    "DepthwiseConv2DOptions",
    "Pool2DOptions",
    "ReshapeOptions",
    "SoftmaxOptions",
}


def test_fit_imports_only_the_schema_tables_it_reads() -> None:
    """The schema's reader classes are one module per table: `planner fit` loads the tables
    a model is walked through and the options tables of its operators, not all 190 modules,
    and not the one-file schema module of ai_edge_litert (the object API, for writing)."""
    model = SHARED_MODELS / "person_detect.tflite"
    if not model.exists():
        pytest.skip(f"{model} is absent (../shared not laid out)")
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))\n"
        "from planner.cli import main\n"
        f"main(['fit', {str(model)!r}, '--board', 'host', '-f', 'json'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"fits": true' in proc.stdout
    modules = set(proc.stderr.split())
    package = "planner.model.tflite_fbs."
    tables = {name.removeprefix(package) for name in modules if name.startswith(package)}
    assert {"Model", "SubGraph", "Tensor", "Operator", "TensorType"} <= tables
    unions = {"BuiltinOptions", "BuiltinOptions2"}  # the enums of option types
    assert {t for t in tables if t.endswith("Options")} - unions == PERSON_DETECT_OPTIONS
    assert len(tables) < 30, sorted(tables)
    assert "ai_edge_litert.schema_py_generated" not in modules


# --- the garbage-collector pause -------------------------------------------------------------


@pytest.mark.parametrize("entry", ["planner", "planner.cli"])
def test_a_fit_process_runs_without_collections(entry: str) -> None:
    """A `planner` process (the console script and ``python -m planner`` run
    planner.__main__; ``python -m planner.cli`` is what the benchmark runs) imports the
    command's modules and runs `fit` with the cyclic collector off: no collection after the
    interpreter's own start-up but the few made while the entry module's code is read
    (before its first line runs), where 25 were made before. Another command gets the
    collector back."""
    model = BUNDLED_MODELS / "mobilenet_v2_0.35_144_int8.tflite"
    script = (
        "import atexit, gc, runpy, sys\n"
        "start = gc.get_stats()[0]['collections']\n"
        "atexit.register(lambda: print(gc.get_stats()[0]['collections'] - start,"
        " gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "sys.argv = ['planner', *sys.argv[2:]]\n"
        f"runpy.run_module({entry!r}, run_name='__main__')\n"
    )
    outcomes = []
    for args in (["fit", str(model), "--board", "host", "-f", "json"], ["boards"]):
        proc = subprocess.run(
            [sys.executable, "-c", script, "-", *args], capture_output=True, text=True, cwd=ROOT
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        outcomes.append(proc.stderr.split()[-3:])
    collections, enabled, frozen = outcomes[0]
    assert int(collections) < 5 and enabled == "False" and frozen == "True"  # fit
    assert outcomes[1][1:] == ["True", "True"]  # boards: the collector on, the imports frozen


def test_loading_leaves_the_collector_as_it_was() -> None:
    """The loader pauses the cyclic collector while it builds the graph (it makes no cycles),
    and must hand it back as it found it, also when the model is refused."""
    model = SHARED_MODELS / "hello_world_int8.tflite"
    if not model.exists():
        pytest.skip(f"{model} is absent (../shared not laid out)")
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            load_model(model)
            assert gc.isenabled() is enabled
            with pytest.raises(ModelError):
                load_model_bytes(b"\0\0\0\0TFL3" + b"\xff" * 64)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
