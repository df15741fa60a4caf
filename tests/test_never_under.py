"""Never under-predict: on random small int8 graphs, the predicted smallest arena is at
least what the real TFLM runtime needs (and its head, tail and total are exact).

Graphs are drawn by hypothesis and written directly as flatbuffers (tests/builder.py):
chains and branches of CONV_2D, DEPTHWISE_CONV_2D, ADD, MAX/AVERAGE_POOL_2D,
CONCATENATION, MEAN and FULLY_CONNECTED with random shapes and fan-out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .builder import Model, i8, i32

pytestmark = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)

#: How many random graphs CI checks (each costs a few runtime launches).
EXAMPLES = 25


@st.composite
def graphs(draw: st.DrawFn) -> Model:
    m = Model()
    g = m.subgraph()
    hw = draw(st.sampled_from([4, 6, 8, 12, 16]))
    c = draw(st.sampled_from([1, 3, 4, 8]))
    x = g.tensor([1, hw, hw, c], scale=0.1)
    inputs = [x]
    # Tensors available to later ops: (index, hw, channels).
    pool = [(x, hw, c)]
    for _ in range(draw(st.integers(1, 7))):
        src, s_hw, s_c = draw(st.sampled_from(pool))
        kind = draw(st.sampled_from(["conv", "conv", "dw", "add", "pool", "concat"]))
        if kind == "conv":
            cout = draw(st.sampled_from([4, 8, 16, 24]))
            k = draw(st.sampled_from([1, 3]))
            stride = draw(st.sampled_from([1, 1, 2])) if s_hw > 2 else 1
            y, y_hw = g.conv(src, s_hw, s_c, cout, k, stride)
            pool.append((y, y_hw, cout))
        elif kind == "dw":
            stride = draw(st.sampled_from([1, 2])) if s_hw > 2 else 1
            y, y_hw = g.depthwise(src, s_hw, s_c, stride)
            pool.append((y, y_hw, s_c))
        elif kind == "pool" and s_hw >= 2:
            op = draw(st.sampled_from(["MAX_POOL_2D", "AVERAGE_POOL_2D"]))
            y = g.tensor([1, s_hw // 2, s_hw // 2, s_c], scale=0.1)
            g.op(
                op,
                [src],
                [y],
                "Pool2DOptions",
                padding=1,
                strideW=2,
                strideH=2,
                filterWidth=2,
                filterHeight=2,
            )
            pool.append((y, s_hw // 2, s_c))
        else:
            same = [t for t in pool if t[1] == s_hw and t[0] != src]
            if not same:
                continue
            other, _, o_c = draw(st.sampled_from(same))
            if kind == "add" and o_c == s_c:
                y = g.tensor([1, s_hw, s_hw, s_c], scale=0.2)
                g.op("ADD", [src, other], [y], "AddOptions")
                pool.append((y, s_hw, s_c))
            elif kind == "concat":
                y = g.tensor([1, s_hw, s_hw, s_c + o_c], scale=0.1)
                g.op("CONCATENATION", [src, other], [y], "ConcatenationOptions", axis=3)
                pool.append((y, s_hw, s_c + o_c))
    last, _, l_c = pool[-1]
    outputs = [last]
    if draw(st.booleans()):
        axes = g.tensor([2], "INT32", data=i32(1, 2))
        y = g.tensor([1, l_c], scale=0.1)
        g.op("MEAN", [last, axes], [y], "ReducerOptions", keepDims=False)
        units = draw(st.sampled_from([2, 10]))
        w = g.tensor([units, l_c], data=i8(units * l_c), scale=[0.02])
        b = g.tensor([units], "INT32", data=i32(*([0] * units)), scale=[0.002])
        z = g.tensor([1, units], scale=0.1)
        g.op("FULLY_CONNECTED", [y, w, b], [z], "FullyConnectedOptions")
        outputs = [z]
    if draw(st.booleans()) and len(pool) > 2:
        extra = pool[draw(st.integers(1, len(pool) - 2))][0]
        if extra not in outputs:
            outputs.append(extra)  # a second output keeps a branch alive to the end
    g.io(inputs, outputs)
    return m


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(graphs())
def test_smallest_arena_is_never_under_predicted(model: Model) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = model.write(Path(tmp) / "random.tflite")
        predicted = predict_arena(load_model(path))
        measured = measure_runtime(path)
    assert measured.min_arena_bytes is not None
    assert predicted.min_arena_bytes >= measured.min_arena_bytes
    assert predicted.min_arena_bytes <= measured.min_arena_bytes + 16
    assert (predicted.head_bytes, predicted.tail_bytes, predicted.total_bytes) == (
        measured.head_bytes,
        measured.tail_bytes,
        measured.total_bytes,
    )
