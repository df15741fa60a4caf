"""The optimizer (issue 6): better plans than TFLM's, proven in the real TFLM runtime.

For every corpus model the optimized model is written, loaded in ``tflite-micro`` and run:
its measured head must equal the predicted one and never exceed TFLM's; on chain-shaped models
it must reach the in-order lower bound; its outputs on random inputs (two invocations, so
variable state is compared too) must be bit-identical to the original model's.

Operator reordering is proven on a model cut from ``models/resnet_branchy_int8.tflite``. The
whole model cannot show it: its first residual block keeps three 32x32x16 int8 tensors
(3 x 16 KiB = 49,152 B) alive in *every* order (the block's input waits for the ADD while the
two convolutions run), and nothing later comes close, so its lower bound is 49,152 B in any
order. Its Inception block alone (MAX_POOL_2D then 1x1 conv | 1x1 conv | 1x1 then 3x3 conv,
joined by CONCATENATION), cut out with the object API and its operators put in a bad but valid
order (the max pool first, then the 1x1 + 3x3 branch while the pool output and the block
input both stay alive, then the lone 1x1 conv, then the pool's 1x1 conv), needs 30,720 B in
that order; the optimizer's order needs 28,672 B (the CONCATENATION's inputs and output,
unavoidable), below the bad order's lower bound, and TFLM's greedy plan of the bad order
(34,816 B) drops to 28,672 B in the runtime.

RESHAPE sharing is proven on every corpus model with a RESHAPE (forced, even where it does
not pay) and on a small model built here where it does pay.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.errors import PlannerError
from planner.memory.placement import (
    exact_placement,
    interval_lower_bound,
    lower_bound,
    place,
    plan_optimal,
    realize,
    realized_evaluator,
)
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.model.tflite_reader import load_model, load_model_bytes
from planner.model.tflite_writer import rewrite_model
from planner.offline_plan.optimize import (
    OptimizeResult,
    optimize,
    plan_for_order,
    reshape_aliases,
    write_optimized,
)
from planner.offline_plan.reorder import (
    best_schedule,
    dependencies,
    is_valid_order,
    reorder_graph,
    schedule_peak,
)
from planner.runtimes.tflm.allocation_info import Buffer, tflm_buffers
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.memory_planner.greedy import greedy_order, plan_greedy
from planner.runtimes.tflm.verify.host import runtime_available

from .corpus import BUNDLED_MODELS, SHARED_MODELS, all_models, model_id

needs_runtime = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)

_TMP = Path(tempfile.mkdtemp(prefix="planner-optimize-"))
atexit.register(shutil.rmtree, _TMP, True)

# ---------------------------------------------------------------------------------------------
# Running models in the real runtime (a subprocess: the runtime can abort)
# ---------------------------------------------------------------------------------------------

_PROBE = r"""
import json, os, sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime

spec = json.loads(sys.argv[1])
inputs = np.load(spec["inputs"])
out = {}
for label, path in spec["models"]:
    os.write(2, ("@@@ " + label + "\n").encode())
    it = runtime.Interpreter.from_bytes(open(path, "rb").read(), arena_size=spec["arena"])
    it.print_allocations()
    for r in range(spec["runs"]):
        for i in range(spec["n_inputs"]):
            it.set_input(inputs["r%d_i%d" % (r, i)], i)
        it.invoke()
        for o in range(spec["n_outputs"]):
            out["%s_r%d_o%d" % (label, r, o)] = it.get_output(o)
np.savez(spec["outputs"], **out)
"""

_NUMPY_TYPES = {
    "INT8": np.int8,
    "UINT8": np.uint8,
    "INT16": np.int16,
    "INT32": np.int32,
    "FLOAT32": np.float32,
    "BOOL": np.bool_,
}
_HEAD = re.compile(r"Arena allocation head (\d+) bytes")
RUNS = 2  # two invocations: variable state (LSTM, SVDF) carries over and is compared too


@dataclass(frozen=True)
class Run:
    heads: dict[str, int]
    outputs: dict[str, np.ndarray]


def _inputs(graph: Graph, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for r in range(RUNS):
        for i, t in enumerate(graph.main.inputs):
            tensor = graph.main.tensors[t]
            dtype = _NUMPY_TYPES[tensor.dtype]
            values: np.ndarray
            if np.issubdtype(dtype, np.floating):
                values = rng.standard_normal(tensor.shape).astype(dtype)
            elif dtype is np.bool_:
                values = rng.integers(0, 2, tensor.shape).astype(dtype)
            else:
                info = np.iinfo(dtype)
                lo, hi = max(info.min, -(1 << 15)), min(info.max, 1 << 15)
                values = rng.integers(lo, hi, tensor.shape, endpoint=True).astype(dtype)
            out[f"r{r}_i{i}"] = values
    return out


def _run(graph: Graph, models: Sequence[tuple[str, Path]], seed: int = 1234) -> Run:
    """Run each model (same input signature as ``graph``) on the same random inputs."""
    key = "_".join(p.stem for _, p in models)[:80] + f"_{abs(hash(tuple(models))) % 10**8}"
    inputs_path = _TMP / f"{key}_in.npz"
    outputs_path = _TMP / f"{key}_out.npz"
    np.savez(inputs_path, **_inputs(graph, seed))  # type: ignore[arg-type]
    spec = {
        "models": [(label, str(p)) for label, p in models],
        "inputs": str(inputs_path),
        "outputs": str(outputs_path),
        "runs": RUNS,
        "n_inputs": len(graph.main.inputs),
        "n_outputs": len(graph.main.outputs),
        "arena": 64 << 20,
    }
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    heads: dict[str, int] = {}
    for segment in proc.stderr.split("@@@ ")[1:]:
        label, _, rest = segment.partition("\n")
        found = _HEAD.search(rest)
        assert found, rest[-500:]
        heads[label] = int(found.group(1))
    with np.load(outputs_path) as data:
        outputs = {k: data[k] for k in data.files}
    return Run(heads, outputs)


def _assert_same_outputs(run: Run, a: str, b: str, graph: Graph) -> None:
    for r in range(RUNS):
        for o in range(len(graph.main.outputs)):
            x, y = run.outputs[f"{a}_r{r}_o{o}"], run.outputs[f"{b}_r{r}_o{o}"]
            assert x.dtype == y.dtype and x.shape == y.shape
            assert x.tobytes() == y.tobytes(), f"output {o} of invocation {r} differs"


def _write(name: str, data: bytes) -> Path:
    path = _TMP / name
    path.write_bytes(data)
    return path


@functools.cache
def _optimized(path: str) -> OptimizeResult:
    return optimize(load_model(path))


def _is_chain(graph: Graph) -> bool:
    """Every planned tensor lives for at most two consecutive steps (producer, one reader)."""
    return all(b.last_step - b.first_step <= 1 for b in tflm_buffers(graph) if not b.is_scratch)


# ---------------------------------------------------------------------------------------------
# Every corpus model, in the runtime
# ---------------------------------------------------------------------------------------------


@needs_runtime
@pytest.mark.parametrize("path", all_models(), ids=model_id)
def test_optimized_model_runs_as_predicted_with_identical_outputs(path: Path) -> None:
    graph = load_model(path)
    result = _optimized(str(path))
    data = write_optimized(graph, path.read_bytes(), result)
    out = _write(f"{model_id(path).replace('/', '_')}_optimized.tflite", data)
    run = _run(graph, [("original", path), ("optimized", out)])

    assert run.heads["original"] == result.tflm_head_bytes
    assert run.heads["optimized"] == result.head_bytes
    assert result.head_bytes <= result.tflm_head_bytes
    assert result.lower_bound_final <= result.head_bytes
    _assert_same_outputs(run, "original", "optimized", graph)
    if _is_chain(graph):
        assert result.head_bytes == result.lower_bound_final <= result.lower_bound_original
    if not result.changed:
        assert data == path.read_bytes()


@needs_runtime
def test_vww_reaches_its_peak_live_bytes_in_the_runtime() -> None:
    from planner.runtimes.tflm.verify.host import measure_runtime

    path = SHARED_MODELS / "vww_96_int8.tflite"
    result = _optimized(str(path))
    assert result.tflm_head_bytes == 73_728
    assert result.head_bytes <= 55_296
    assert result.head_saving_bytes >= 18_432
    out = _write(
        "vww_optimized_measured.tflite",
        write_optimized(load_model(path), path.read_bytes(), result),
    )
    measured = measure_runtime(out)
    assert measured.head_bytes == result.head_bytes
    assert measured.min_arena_bytes is not None
    assert measured.min_arena_bytes <= result.min_arena_bytes <= measured.min_arena_bytes + 16
    assert result.min_arena_bytes < result.tflm_min_arena_bytes


# ---------------------------------------------------------------------------------------------
# Reordering, proven in the runtime
# ---------------------------------------------------------------------------------------------


def _schema() -> Any:
    from ai_edge_litert import schema_py_generated  # type: ignore[import-untyped]

    return schema_py_generated


def _pack(model: Any) -> bytes:
    import flatbuffers  # type: ignore[import-untyped]

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


#: resnet_branchy's Inception block: MAX_POOL_2D (8), 1x1 conv (9), 1x1 conv (10), 3x3 conv
#: (11), 1x1 conv after the pool (12), CONCATENATION (13); block input 42, output 48.
_INCEPTION_OPS = (8, 9, 10, 11, 12, 13)
#: A valid but bad order: the pool branch's 3x3-deep sibling runs while the pool output and
#: the block input are both still alive.
_BAD_ORDER = (8, 10, 11, 9, 12, 13)


def _cut(data: bytes, ops: Sequence[int], inputs: Sequence[int], outputs: Sequence[int]) -> bytes:
    """A model of subgraph 0's operators ``ops`` (in that order) of ``data``, with the given
    subgraph inputs and outputs; unused tensors are dropped, buffers and metadata kept."""
    s = _schema()
    model = s.ModelT.InitFromPackedBuf(data, 0)
    sg = model.subgraphs[0]
    chosen = [sg.operators[i] for i in ops]
    used = sorted(
        {t for op in chosen for t in (*op.inputs, *op.outputs) if t >= 0}
        | set(inputs)
        | set(outputs)
    )
    new_index = {t: k for k, t in enumerate(used)}
    sg.tensors = [sg.tensors[t] for t in used]
    for op in chosen:
        op.inputs = [new_index[t] if t >= 0 else -1 for t in op.inputs]
        op.outputs = [new_index[t] for t in op.outputs]
    sg.operators = chosen
    sg.inputs = [new_index[t] for t in inputs]
    sg.outputs = [new_index[t] for t in outputs]
    model.signatureDefs = None
    return _pack(model)


@functools.cache
def _inception_bad_order() -> Path:
    source = BUNDLED_MODELS / "resnet_branchy_int8.tflite"
    graph = load_model(source)
    names = [graph.main.operators[i].opcode for i in _INCEPTION_OPS]
    assert names == ["MAX_POOL_2D", "CONV_2D", "CONV_2D", "CONV_2D", "CONV_2D", "CONCATENATION"]
    return _write("inception_bad_order.tflite", _cut(source.read_bytes(), _BAD_ORDER, [42], [48]))


def test_resnet_branchy_bound_is_set_by_a_block_no_order_avoids() -> None:
    result = _optimized(str(BUNDLED_MODELS / "resnet_branchy_int8.tflite"))
    assert result.lower_bound_original == result.lower_bound_reordered == 49_152
    assert result.reorder_exact
    assert result.head_bytes == 49_152


@needs_runtime
def test_reordering_beats_the_original_orders_lower_bound_in_the_runtime() -> None:
    path = _inception_bad_order()
    graph = load_model(path)
    result = optimize(graph)
    assert result.lower_bound_original == 30_720
    assert result.reordered and result.reorder_exact
    assert result.head_bytes == result.lower_bound_reordered == 28_672
    assert result.head_bytes < result.lower_bound_original <= result.tflm_head_bytes
    assert is_valid_order(graph, result.order)
    no_reorder = optimize(graph, reorder=False)
    assert no_reorder.head_bytes >= result.lower_bound_original

    out = _write("inception_reordered.tflite", write_optimized(graph, path.read_bytes(), result))
    written = load_model(out)
    assert [op.opcode for op in written.main.operators] == [
        graph.main.operators[i].opcode for i in result.order
    ]
    run = _run(graph, [("original", path), ("optimized", out)])
    assert run.heads["original"] == result.tflm_head_bytes
    assert run.heads["optimized"] == result.head_bytes
    _assert_same_outputs(run, "original", "optimized", graph)


# ---------------------------------------------------------------------------------------------
# RESHAPE sharing, proven in the runtime
# ---------------------------------------------------------------------------------------------

_RESHAPE_MODELS = [p for p in all_models() if reshape_aliases(load_model(p))]


@needs_runtime
@pytest.mark.parametrize("path", _RESHAPE_MODELS, ids=model_id)
def test_reshape_sharing_forced_keeps_outputs_identical(path: Path) -> None:
    graph = load_model(path)
    result = plan_for_order(graph, share=True)
    assert result.shared
    out = _write(
        f"{model_id(path).replace('/', '_')}_shared.tflite",
        write_optimized(graph, path.read_bytes(), result),
    )
    offsets = load_model(out).offline_offsets
    assert offsets is not None
    for x, y in result.shared:
        assert offsets[x] == offsets[y] >= 0
    run = _run(graph, [("original", path), ("shared", out)])
    assert run.heads["shared"] == result.head_bytes
    _assert_same_outputs(run, "original", "shared", graph)


def _conv_reshape_conv() -> bytes:
    """int8 1x32x32x1 -> 3x3 conv (16) -> RESHAPE 1x64x16x16 -> 1x1 conv (1): the RESHAPE's
    input and output (16 KiB each) are the largest pair alive at once."""
    s = _schema()
    rng = np.random.default_rng(7)
    model = s.ModelT()
    model.version = 3
    model.description = "conv-reshape-conv"
    model.buffers = [s.BufferT()]
    model.operatorCodes = []
    for code in (s.BuiltinOperator.CONV_2D, s.BuiltinOperator.RESHAPE):
        c = s.OperatorCodeT()
        c.builtinCode, c.deprecatedBuiltinCode, c.version = code, code, 1
        model.operatorCodes.append(c)
    sg = s.SubGraphT()
    sg.tensors, sg.operators = [], []

    def buffer(values: np.ndarray | None) -> int:
        b = s.BufferT()
        if values is not None:
            b.data = np.frombuffer(values.tobytes(), dtype=np.uint8).copy()
        model.buffers.append(b)
        return len(model.buffers) - 1

    def tensor(
        shape: list[int],
        dtype: str,
        scales: list[float],
        zp: int = 0,
        values: np.ndarray | None = None,
        axis: int = 0,
    ) -> int:
        t = s.TensorT()
        t.shape, t.type, t.name = shape, getattr(s.TensorType, dtype), f"t{len(sg.tensors)}"
        t.buffer = buffer(values) if values is not None else 0
        q = s.QuantizationParametersT()
        q.scale, q.zeroPoint, q.quantizedDimension = scales, [zp] * len(scales), axis
        t.quantization = q
        sg.tensors.append(t)
        return len(sg.tensors) - 1

    def conv(x: int, in_scale: float, shape: list[int], out_shape: list[int]) -> int:
        out_c = shape[0]
        w_scales = [0.02] * out_c
        w = tensor(shape, "INT8", w_scales, 0, rng.integers(-127, 128, shape).astype(np.int8))
        b = tensor(
            [out_c],
            "INT32",
            [in_scale * 0.02] * out_c,
            0,
            rng.integers(-500, 500, out_c).astype("<i4"),
        )
        y = tensor(out_shape, "INT8", [0.1], -3)
        op = s.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = 0, [x, w, b], [y]
        opt = s.Conv2DOptionsT()
        opt.padding, opt.strideW, opt.strideH = s.Padding.SAME, 1, 1
        opt.dilationWFactor = opt.dilationHFactor = 1
        op.builtinOptionsType, op.builtinOptions = s.BuiltinOptions.Conv2DOptions, opt
        sg.operators.append(op)
        return y

    x = tensor([1, 32, 32, 1], "INT8", [0.05], 1)
    a = conv(x, 0.05, [16, 3, 3, 1], [1, 32, 32, 16])
    shape = tensor([4], "INT32", [1.0], 0, np.array([1, 64, 16, 16], "<i4"))
    r = tensor([1, 64, 16, 16], "INT8", [0.1], -3)
    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 1, [a, shape], [r]
    opt = s.ReshapeOptionsT()
    opt.newShape = [1, 64, 16, 16]
    op.builtinOptionsType, op.builtinOptions = s.BuiltinOptions.ReshapeOptions, opt
    sg.operators.append(op)
    y = conv(r, 0.1, [1, 1, 1, 16], [1, 64, 16, 1])
    sg.inputs, sg.outputs = [x], [y]
    model.subgraphs = [sg]
    return _pack(model)


@needs_runtime
def test_reshape_sharing_pays_where_the_reshape_is_the_peak() -> None:
    path = _write("conv_reshape_conv.tflite", _conv_reshape_conv())
    graph = load_model(path)
    result = optimize(graph)
    unshared = optimize(graph, share=False)
    assert result.tflm_head_bytes == unshared.head_bytes == 32_768
    assert result.shared and result.head_bytes == result.lower_bound_final == 17_408
    out = _write(
        "conv_reshape_conv_optimized.tflite", write_optimized(graph, path.read_bytes(), result)
    )
    run = _run(graph, [("original", path), ("optimized", out)])
    assert run.heads["original"] == 32_768
    assert run.heads["optimized"] == 17_408
    _assert_same_outputs(run, "original", "optimized", graph)
    assert any(run.outputs["original_r0_o0"].ravel() != 0)  # the outputs carry information


# ---------------------------------------------------------------------------------------------
# Offset assignment (no runtime)
# ---------------------------------------------------------------------------------------------


def _valid(
    sizes: Sequence[int], firsts: Sequence[int], lasts: Sequence[int], offsets: Sequence[int]
) -> bool:
    n = len(sizes)
    for i, j in itertools.combinations(range(n), 2):
        alive_together = firsts[i] <= lasts[j] and firsts[j] <= lasts[i]
        below = offsets[i] + sizes[i] <= offsets[j] or offsets[j] + sizes[j] <= offsets[i]
        if alive_together and not below:
            return False
    return all(o >= 0 for o in offsets)


_intervals = st.lists(
    st.tuples(st.integers(1, 40), st.integers(0, 30), st.integers(0, 6)), min_size=1, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(_intervals)
def test_optimal_planner_is_valid_and_never_above_tflm(raw: list[tuple[int, int, int]]) -> None:
    buffers = [
        Buffer(("tensor", 0, i), 16 * s, f, f + d, None, 0, i, None, f"t{i}", 16 * s)
        for i, (s, f, d) in enumerate(raw)
    ]
    plan = plan_optimal(buffers)
    sizes = [b.size_bytes for b in buffers]
    firsts = [b.first_step for b in buffers]
    lasts = [b.last_step for b in buffers]
    assert _valid(sizes, firsts, lasts, plan.offsets)
    assert plan.head_bytes == max(o + s for o, s in zip(plan.offsets, sizes, strict=True))
    assert lower_bound(buffers) <= plan.head_bytes <= plan_greedy(buffers).head_bytes


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 300), min_size=2, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(1, 100)), max_size=8),
)
def test_chains_reach_the_lower_bound_with_scratch_placed_by_tflm(
    sizes: list[int], scratch: list[tuple[int, int]]
) -> None:
    # Tensor k lives from step k to step k+1 (produced by op k, read by op k+1); op k's
    # scratch buffers live at its step only and are placed online by TFLM's greedy rule.
    buffers = [
        Buffer(("tensor", 0, k), 16 * s, k, k + 1, None, 0, k, None, f"t{k}", 16 * s)
        for k, s in enumerate(sizes)
    ]
    for n, (step, s) in enumerate(scratch):
        step = 1 + step % (len(sizes) - 1)
        buffers.append(
            Buffer(("scratch", 0, step, n), 16 * s, step, step, None, 0, None, step, "s", 16 * s)
        )
    plan = plan_optimal(buffers)
    assert plan.head_bytes == lower_bound(buffers)
    fixed = [b.size_bytes for b in buffers]
    assert _valid(
        fixed, [b.first_step for b in buffers], [b.last_step for b in buffers], plan.offsets
    )


@settings(max_examples=60, deadline=None)
@given(_intervals, st.lists(st.integers(0, 10**6), min_size=60, max_size=60))
def test_fast_realisation_is_tflms_greedy(
    raw: list[tuple[int, int, int]], noise: list[int]
) -> None:
    buffers = [
        Buffer(
            ("scratch", 0, i, 0) if i % 3 == 0 else ("tensor", 0, i),
            16 * s,
            f,
            f + d,
            None,
            0,
            None if i % 3 == 0 else i,
            i,
            f"b{i}",
            16 * s,
        )
        for i, (s, f, d) in enumerate(raw)
    ]
    offsets = [16 * (noise[i] % 50) for i in range(len(buffers))]
    online = [i for i in greedy_order(buffers) if buffers[i].is_scratch]
    evaluate = realized_evaluator(
        [b.size_bytes for b in buffers],
        [b.first_step for b in buffers],
        [b.last_step for b in buffers],
        online,
    )
    assert evaluate(offsets) == realize(buffers, offsets).head_bytes


def _brute_force(sizes: list[int], firsts: list[int], lasts: list[int]) -> int:
    n = len(sizes)
    sums = sorted({sum(c) for k in range(n + 1) for c in itertools.combinations(sizes, k)})
    best = sum(sizes)
    for offsets in itertools.product(sums, repeat=n):
        if _valid(sizes, firsts, lasts, offsets):
            best = min(best, max(o + s for o, s in zip(offsets, sizes, strict=True)))
    return best


#: Up to four buffers of 16-64 B, starting at steps 0-3 and living 1-3 steps: small enough to
#: try every placement.
_small_lifetimes = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=4
).map(
    lambda raw: (
        [16 * s for s, _, _ in raw],
        [f for _, f, _ in raw],
        [f + d for _, f, d in raw],
    )
)


@settings(max_examples=25, deadline=None)
@given(_small_lifetimes)
def test_small_placements_are_optimal(lifetimes: tuple[list[int], list[int], list[int]]) -> None:
    sizes, firsts, lasts = lifetimes
    placement = place(sizes, firsts, lasts)
    assert _valid(sizes, firsts, lasts, placement.offsets)
    assert placement.head_bytes == _brute_force(sizes, firsts, lasts)


@settings(max_examples=30, deadline=None)
@given(_small_lifetimes)
def test_exact_search_is_complete(lifetimes: tuple[list[int], list[int], list[int]]) -> None:
    # The branch-and-bound finds a placement at the optimum and proves none exists below it.
    sizes, firsts, lasts = lifetimes
    best = _brute_force(sizes, firsts, lasts)
    found = exact_placement(sizes, firsts, lasts, best, node_budget=10**6)
    assert found is not None and _valid(sizes, firsts, lasts, found)
    assert max(o + s for o, s in zip(found, sizes, strict=True)) <= best
    assert exact_placement(sizes, firsts, lasts, best - 16, node_budget=10**6) is None


def test_chain_with_scratch_reaches_the_bound_when_tflm_does_not() -> None:
    # A chain whose sizes make TFLM's largest-first placement stack two buffers, plus a
    # scratch buffer TFLM places online around the fixed tensors.
    sizes = [4096, 1024, 3072, 512, 3584, 256]
    raw = [(s, i, i + 1) for i, s in enumerate(sizes)]
    buffers = [
        Buffer(("tensor", 0, i), s, f, la, None, 0, i, None, f"t{i}", s)
        for i, (s, f, la) in enumerate(raw)
    ]
    buffers.append(Buffer(("scratch", 0, 2, 0), 256, 3, 3, None, 0, None, 2, "scratch", 256))
    plan = plan_optimal(buffers)
    assert plan.head_bytes == lower_bound(buffers) <= plan_greedy(buffers).head_bytes


def test_placement_of_hundreds_of_buffers_is_valid() -> None:
    # Its time, as the problem grows: benchmarks/bench_search.py.
    rng = np.random.default_rng(0)
    sizes, firsts, lasts = [], [], []
    for i in range(400):
        sizes.append(16 * int(rng.integers(1, 300)))
        firsts.append(i)
        lasts.append(i + int(rng.choice([1, 1, 1, 2, 3, 8])))
    placement = place(sizes, firsts, lasts)
    assert _valid(sizes, firsts, lasts, placement.offsets)
    assert placement.head_bytes >= interval_lower_bound(sizes, firsts, lasts)


def test_optimal_placement_is_never_above_tflm_and_is_the_optimizers_plan() -> None:
    for path in all_models():
        tflm = predict_arena(load_model(path))
        better = plan_optimal(tflm.buffers)
        assert better.head_bytes <= tflm.head_bytes
        result = _optimized(str(path))
        if not (result.reordered or result.shared):
            assert better.head_bytes == result.head_bytes


def test_optimized_means_the_optimizers_plan_only() -> None:
    # predict_arena is TFLM's own plan; "optimized" is optimize()'s, reached through fit().
    graph = load_model(BUNDLED_MODELS / "resnet_branchy_int8.tflite")
    with pytest.raises(PlannerError, match="optimize"):
        predict_arena(graph, planner="optimized")


# ---------------------------------------------------------------------------------------------
# Reordering (no runtime)
# ---------------------------------------------------------------------------------------------


def _tensor(i: int, size: int, constant: bool = False, variable: bool = False) -> Tensor:
    return Tensor(
        i,
        f"t{i}",
        (size,),
        "INT8",
        1 if constant else 0,
        data_bytes=size if constant else 0,
        is_variable=variable,
    )


def _dag_graph(n_ops: int, edges: Sequence[tuple[int, ...]], sizes: Sequence[int]) -> Graph:
    """Op k produces tensor k+1 (tensor 0 is the input) and reads the tensors in edges[k]."""
    tensors = tuple(_tensor(i, sizes[i]) for i in range(n_ops + 1))
    ops = tuple(Operator(k, "ADD", tuple(edges[k]), (k + 1,)) for k in range(n_ops))
    read = {t for e in edges for t in e}
    outputs = tuple(t for t in range(1, n_ops + 1) if t not in read) or (n_ops,)
    sg = Subgraph(0, "main", tensors, ops, (0,), outputs)
    return Graph((sg,), file_bytes=0)


@st.composite
def _dags(draw: Any) -> Graph:
    n = draw(st.integers(2, 7))
    edges = []
    for k in range(n):
        choices = list(range(k + 1))  # tensors 0..k exist before op k
        picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True))
        edges.append(tuple(picked))
    sizes = [16 * draw(st.integers(1, 20)) for _ in range(n + 1)]
    return _dag_graph(n, edges, sizes)


def _all_orders(graph: Graph) -> list[tuple[int, ...]]:
    deps = dependencies(graph)
    n = len(deps)
    return [
        order
        for order in itertools.permutations(range(n))
        if all(order.index(p) < order.index(v) for v in range(n) for p in deps[v])
    ]


@settings(max_examples=40, deadline=None)
@given(_dags())
def test_exact_reorder_is_optimal_over_every_order(graph: Graph) -> None:
    schedule = best_schedule(graph)
    assert is_valid_order(graph, schedule.order)
    assert schedule.peak_bytes == schedule_peak(graph, schedule.order)
    assert schedule.peak_bytes <= schedule.original_peak_bytes
    assert schedule.exact
    brute = min(schedule_peak(graph, order) for order in _all_orders(graph))
    assert schedule.peak_bytes == min(brute, schedule.original_peak_bytes) == brute
    # The cost model is TFLM's lifetimes: the bound of the reordered graph matches.
    buffers = tflm_buffers(reorder_graph(graph, schedule.order))
    before_first_op = max(
        sum(b.size_bytes for b in buffers if b.first_step <= step <= b.last_step)
        for step in (-1, 0)
    )
    assert lower_bound(buffers) == max(schedule.peak_bytes, before_first_op)


@settings(max_examples=30, deadline=None)
@given(_dags())
def test_beam_search_is_valid_and_never_worse(graph: Graph) -> None:
    schedule = best_schedule(graph, state_limit=1, beam_width=2)
    # With no room to search, exactness is claimed only where a bound proves it.
    assert schedule.exact or "beam" in schedule.method
    assert is_valid_order(graph, schedule.order)
    assert schedule.peak_bytes <= schedule.original_peak_bytes


def test_stateful_operators_keep_their_order() -> None:
    # Two ops reading a variable tensor (state) and a pure op in between: the pure op may move,
    # the two stateful ops may not swap.
    tensors = (
        _tensor(0, 64),
        _tensor(1, 64, variable=True),
        _tensor(2, 64),
        _tensor(3, 64),
        _tensor(4, 64),
    )
    ops = (
        Operator(0, "SVDF", (0, 1), (2,)),
        Operator(1, "RELU", (0,), (3,)),
        Operator(2, "SVDF", (3, 1), (4,)),
    )
    graph = Graph((Subgraph(0, "main", tensors, ops, (0,), (2, 4)),), file_bytes=0)
    deps = dependencies(graph)
    assert 0 in deps[2] and 1 in deps[2]
    assert not is_valid_order(graph, (2, 1, 0))


def test_hundreds_of_ops_reorder_validly() -> None:
    # 300 operators: a chain with a skip connection around every third operator. The search's
    # time, as the graph grows: benchmarks/bench_search.py.
    n = 300
    edges = [(k,) if k % 3 or k < 3 else (k, k - 2) for k in range(n)]
    graph = _dag_graph(n, edges, [16 * (1 + (7 * i) % 50) for i in range(n + 1)])
    schedule = best_schedule(graph)
    assert is_valid_order(graph, schedule.order)
    assert schedule.peak_bytes == schedule_peak(graph, schedule.order)
    assert schedule.peak_bytes <= schedule.original_peak_bytes
    wide = _dag_graph(60, [(0,) if k < 30 else (k - 29, k - 28) for k in range(60)], [16 * 20] * 61)
    beam = best_schedule(wide, state_limit=2_000)
    assert not beam.exact and "beam" in beam.method
    assert is_valid_order(wide, beam.order)
    assert beam.peak_bytes <= beam.original_peak_bytes


# ---------------------------------------------------------------------------------------------
# Rewriting and the command line
# ---------------------------------------------------------------------------------------------


def test_rewrite_round_trip_keeps_the_model() -> None:
    path = SHARED_MODELS / "hello_world_int8.tflite"
    data = path.read_bytes()
    before = load_model_bytes(data, "x")
    after = load_model_bytes(rewrite_model(data), "x")
    assert after.subgraphs == before.subgraphs
    assert after.metadata_names == before.metadata_names
    offsets = tuple(range(0, 16 * sum(len(sg.tensors) for sg in before.subgraphs), 16))
    planned = load_model_bytes(rewrite_model(data, offline_offsets=offsets), "x")
    assert planned.offline_offsets == offsets
    assert planned.metadata_names == (*before.metadata_names, "OfflineMemoryAllocation")
    # A second plan replaces the first instead of adding another entry.
    again = load_model_bytes(
        rewrite_model(rewrite_model(data, offline_offsets=offsets), offline_offsets=offsets[::-1]),
        "x",
    )
    assert again.offline_offsets == offsets[::-1]
    assert again.metadata_names.count("OfflineMemoryAllocation") == 1


def test_several_subgraphs_stay_unchanged_when_tflm_plans_best() -> None:
    # A chain 64 -> 128 -> 64 B (TFLM's plan: the 128 B tensor at 0, the others above it,
    # 192 B, the chain's lower bound) and a subgraph nobody calls (its tensor at step -1).
    tensors = (_tensor(0, 64), _tensor(1, 128), _tensor(2, 64))
    ops = (Operator(0, "RELU", (0,), (1,)), Operator(1, "RELU", (1,), (2,)))
    sg0 = Subgraph(0, "main", tensors, ops, (0,), (2,))
    sg1 = Subgraph(1, "other", (_tensor(0, 32),), (), (0,), (0,))
    result = optimize(Graph((sg0, sg1), file_bytes=0))
    assert result.tflm_head_bytes == result.head_bytes == 192
    assert not result.changed and result.offline_offsets is None


@needs_runtime
@pytest.mark.parametrize(
    ("name", "tflm_head", "head"),
    [
        # CALL_ONCE, whose init subgraph adds a 96 B constant to itself and takes a MEAN.
        ("call_once", 656, 576),
        # IF with a plan that puts one tensor of subgraph 1 at 4,096: re-planned.
        ("if_offline_in_subgraph_1", 4_160, 336),
    ],
)
def test_several_subgraphs_get_an_offline_plan_the_runtime_follows(
    name: str, tflm_head: int, head: int
) -> None:
    # The control-flow models are tests/test_head.py's (one builder for them).
    from .builder import Model
    from .test_head import BUILT

    path = _TMP / f"{name}.tflite"
    model = Model()
    BUILT[name](model)
    model.write(path)
    graph = load_model(path)
    result = optimize(graph)
    assert result.offline_offsets is not None
    assert len(result.offline_offsets) == sum(len(sg.tensors) for sg in graph.subgraphs)
    out = _write(f"{name}_optimized.tflite", write_optimized(graph, path.read_bytes(), result))
    run = _run(graph, [("original", path), ("optimized", out)])
    assert run.heads["original"] == result.tflm_head_bytes == tflm_head
    assert run.heads["optimized"] == result.head_bytes == head == result.lower_bound_final
    _assert_same_outputs(run, "original", "optimized", graph)


def test_cli_optimize(tmp_path: Path) -> None:
    out = tmp_path / "vww.tflite"
    runner = CliRunner()
    vww = str(SHARED_MODELS / "vww_96_int8.tflite")
    res = runner.invoke(main, ["optimize", vww, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "73,728" in res.output and "55,296" in res.output
    assert load_model(out).offline_offsets is not None
    res = runner.invoke(main, ["optimize", vww, "-o", str(out), "--no-reorder", "--no-share"])
    assert res.exit_code == 0
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all, just text")
    res = runner.invoke(main, ["optimize", str(bad), "-o", str(tmp_path / "x.tflite")])
    assert res.exit_code == 2
    assert "planner: error:" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["optimize", vww])
    assert res.exit_code == 2  # -o is required
    res = runner.invoke(main, ["optimize", vww, "-o", str(out), "--board", "no-such-board"])
    assert res.exit_code == 2
