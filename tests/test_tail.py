"""The arena tail (planner.runtimes.tflm.micro_allocator) against the real TFLM runtime, byte for
byte.

Every figure the runtime prints is measured, never copied: the tests run the ``tflite-micro``
pip package (64-bit x86, reference kernels) on the corpus and on small models built here with
the TFLite schema classes, and compare its tail bytes and per-category accounting with the
prediction. The 32-bit and CMSIS-NN figures cannot be measured on this machine; they are
checked against arithmetic worked by hand from the struct layouts documented in
planner/persistent.py.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model.graph import Graph
from planner.model.tflite_reader import load_model, load_model_bytes
from planner.runtimes.tflm.allocation_info import scratch_request_sizes
from planner.runtimes.tflm.allocations import (
    RUNTIME_CATEGORIES,
    Allocation,
    Category,
    TailPrediction,
    simulate_tail,
)
from planner.runtimes.tflm.kernels import described_ops, kernel_for
from planner.runtimes.tflm.micro_allocator import persistent_tail
from planner.runtimes.tflm.structs import builtin_data, cmsis_nn, op_data, runtime
from planner.runtimes.tflm.structs.c_layout import Abi, CStruct
from planner.runtimes.tflm.verify.host import RuntimeMeasurement, measure_runtime, runtime_available
from planner.targets.target import CORTEX_M_TFLM, HOST, Target

from .builder import Model
from .corpus import SHARED_MODELS, all_models, model_id

MODELS = all_models()
HELLO_WORLD = SHARED_MODELS / "hello_world_int8.tflite"

needs_runtime = pytest.mark.skipif(not runtime_available(), reason="tflite-micro not installed")


@functools.cache
def _measured(path: str) -> RuntimeMeasurement:
    """One runtime run per model for the whole module."""
    return measure_runtime(path, bisect=False)


def scratch_buffer_count(graph: Graph, target: Target = HOST) -> int:
    """Number of RequestScratchBufferInArena calls: one ScratchBufferHandle each."""
    return sum(
        len(scratch_request_sizes(graph, sg.index, op, target))
        for sg in graph.subgraphs
        for op in sg.operators
    )


def _predict(graph: Graph) -> TailPrediction:
    return persistent_tail(graph, HOST, scratch_buffer_count(graph))


def _assert_matches_runtime(path: Path) -> None:
    graph = load_model(path)
    predicted = _predict(graph)
    measured = _measured(str(path))
    assert predicted.exact, predicted.unknown
    for name in RUNTIME_CATEGORIES:
        runtime_used = measured.categories.get(name, (0, 0, 0))[0]
        assert predicted.categories.get(name, 0) == runtime_used, name
    assert predicted.total_bytes == measured.tail_bytes
    assert sum(predicted.categories.values()) == predicted.total_bytes


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


@needs_runtime
@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_tail_matches_the_runtime(path: Path) -> None:
    _assert_matches_runtime(path)


# --------------------------------------------------------------------------------------------
# Small models for operators and features the corpus lacks
# --------------------------------------------------------------------------------------------

#: The scale of these models' quantized tensors (unless a test gives its own).
Q = 0.05


def _unary(
    op,
    options=None,
    in_shape=(1, 4, 4, 8),
    out_shape=None,
    in_dtype="INT8",
    out_dtype="INT8",
    out_scale=0.05,
    out_zero_point=0,
    extra=(),
    quant=True,
    **fields,
) -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        in_scale = 0.001 if in_dtype == "INT16" else Q
        i = b.tensor(list(in_shape), in_dtype, scale=in_scale if quant else None)
        more = [make(b) for make in extra]
        o = b.tensor(
            list(in_shape if out_shape is None else out_shape),
            out_dtype,
            scale=out_scale if quant else None,
            zero_point=out_zero_point,
        )
        b.op(op, [i, *more], [o], options, **fields)
        b.io([i], [o])
        return m.bytes()

    return build


def _binary(op, options=None, shape2=(1, 4, 4, 8), **fields) -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        i, j = b.tensor([1, 4, 4, 8], scale=Q), b.tensor(list(shape2), scale=Q)
        o = b.tensor([1, 4, 4, 8], scale=Q)
        b.op(op, [i, j], [o], options, **fields)
        b.io([i, j], [o])
        return m.bytes()

    return build


def _fully_connected(channels: int, per_channel: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        rng = np.random.default_rng(1)
        i = b.tensor([1, 16], scale=Q)
        scales = [0.01] * channels if per_channel else Q
        w = b.tensor([channels, 16], data=rng.integers(-5, 5, (channels, 16)), scale=scales)
        bias = b.tensor(
            [channels],
            "INT32",
            data=np.zeros(channels),
            scale=[0.0005] * channels if per_channel else Q,
        )
        o = b.tensor([1, channels], scale=Q)
        b.op("FULLY_CONNECTED", [i, w, bias], [o], "FullyConnectedOptions")
        b.io([i], [o])
        return m.bytes()

    return build


def _conv(depthwise: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        rng = np.random.default_rng(2)
        shape = [1, 3, 3, 12] if depthwise else [12, 3, 3, 4]
        i = b.tensor([1, 8, 8, 4], scale=Q)
        w = b.tensor(
            shape, data=rng.integers(-5, 5, shape), scale=[0.01] * 12, axis=3 if depthwise else 0
        )
        bias = b.tensor([12], "INT32", data=np.zeros(12), scale=[0.0005] * 12)
        o = b.tensor([1, 8, 8, 12], scale=Q)
        if depthwise:
            b.op(
                "DEPTHWISE_CONV_2D",
                [i, w, bias],
                [o],
                "DepthwiseConv2DOptions",
                strideW=1,
                strideH=1,
                depthMultiplier=3,
                dilationWFactor=1,
                dilationHFactor=1,
            )
        else:
            b.op(
                "CONV_2D",
                [i, w, bias],
                [o],
                "Conv2DOptions",
                strideW=1,
                strideH=1,
                dilationWFactor=1,
                dilationHFactor=1,
            )
        b.io([i], [o])
        return m.bytes()

    return build


def _reduce(op: str, dtype: str = "INT8") -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        scale = None if dtype == "FLOAT32" else Q
        i = b.tensor([1, 4, 4, 8], dtype, scale=scale)
        axis = b.const([1, 2])
        o = b.tensor([1, 8], dtype, scale=scale)
        b.op(op, [i, axis], [o], "ReducerOptions", keepDims=False)
        b.io([i], [o])
        return m.bytes()

    return build


def _gather() -> bytes:
    m = Model()
    b = m.subgraph()
    i, idx, o = b.tensor([6, 8], scale=Q), b.const([0, 2, 4]), b.tensor([3, 8], scale=Q)
    b.op("GATHER", [i, idx], [o], "GatherOptions", axis=0)
    b.io([i], [o])
    return m.bytes()


def _reshape(declared: list[int], shape_input: bool) -> Callable[[], bytes]:
    """RESHAPE of a [2, 3, 40] input into ``declared``: a -1 is resolved in Prepare, which
    copies the output's dims into the arena; ``[0]`` without a shape input is a scalar."""

    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        x = b.tensor([2, 3, 40] if shape_input else [1], scale=Q)
        y = b.tensor(declared, scale=Q)
        b.op("RESHAPE", [x, b.const(declared)] if shape_input else [x], [y])
        b.io([x], [y])
        return m.bytes()

    return build


def _pack() -> bytes:
    m = Model()
    b = m.subgraph()
    i, j, o = b.tensor([4, 8], scale=Q), b.tensor([4, 8], scale=Q), b.tensor([2, 4, 8], scale=Q)
    b.op("PACK", [i, j], [o], "PackOptions", valuesCount=2, axis=0)
    b.io([i, j], [o])
    return m.bytes()


def _unpack_split() -> bytes:
    m = Model()
    b = m.subgraph()
    i = b.tensor([2, 4, 8], scale=Q)
    o1, o2 = b.tensor([4, 8], scale=Q), b.tensor([4, 8], scale=Q)
    b.op("UNPACK", [i], [o1, o2], "UnpackOptions", num=2, axis=0)
    axis = b.const([1])
    s1, s2 = b.tensor([4, 4], scale=Q), b.tensor([4, 4], scale=Q)
    b.op("SPLIT", [axis, o1], [s1, s2], "SplitOptions", numSplits=2)
    b.io([i], [o2, s1, s2])
    return m.bytes()


def _if() -> bytes:
    m = Model()
    b = m.subgraph()
    cond = b.tensor([1], "BOOL")
    x, y = b.tensor([1, 8], "FLOAT32"), b.tensor([1, 8], "FLOAT32")
    b.op("IF", [cond, x], [y], "IfOptions", thenSubgraphIndex=1, elseSubgraphIndex=2)
    b.io([cond, x], [y])
    for name, options in (("ADD", "AddOptions"), ("MUL", "MulOptions")):
        b = m.subgraph()
        i, o = b.tensor([1, 8], "FLOAT32"), b.tensor([1, 8], "FLOAT32")
        b.op(name, [i, i], [o], options)
        b.io([i], [o])
    return m.bytes()


def _while_and_call_once() -> bytes:
    m = Model()
    b = m.subgraph()
    x, y = b.tensor([1], "FLOAT32"), b.tensor([1], "FLOAT32")
    b.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=3)
    b.op("WHILE", [x], [y], "WhileOptions", condSubgraphIndex=1, bodySubgraphIndex=2)
    b.io([x], [y])
    b = m.subgraph()  # cond: x < 10
    i = b.tensor([1], "FLOAT32")
    limit = b.tensor([1], "FLOAT32", data=np.array([10.0]))
    o = b.tensor([1], "BOOL")
    b.op("LESS", [i, limit], [o])
    b.io([i], [o])
    b = m.subgraph()  # body: x + x
    i, o = b.tensor([1], "FLOAT32"), b.tensor([1], "FLOAT32")
    b.op("ADD", [i, i], [o], "AddOptions")
    b.io([i], [o])
    m.subgraph()  # init: nothing
    return m.bytes()


def _variable(offline: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        m = Model()
        b = m.subgraph()
        x, v = b.tensor([1, 24], scale=Q), b.tensor([1, 24], variable=True, scale=Q)
        y = b.tensor([1, 24], scale=Q)
        b.op("ADD", [x, v], [y], "AddOptions")
        b.io([x], [y])
        if offline:
            m.offline([-1, 0, -1])  # the variable tensor is planned into the head
        return m.bytes()

    return build


_PADDINGS = [[0, 0], [1, 2], [2, 1], [0, 0]]

SYNTHETIC: dict[str, Callable[[], bytes]] = {
    "sub": _binary("SUB", "SubOptions"),
    "add_broadcast": _binary("ADD", "AddOptions", shape2=(1, 1, 1, 8)),
    "maximum": _binary("MAXIMUM"),
    "minimum": _binary("MINIMUM"),
    "tanh": _unary("TANH", out_scale=1 / 128),
    "relu": _unary("RELU"),
    "leaky_relu": _unary("LEAKY_RELU", "LeakyReluOptions", alpha=0.2),
    "quantize_float_in": _unary("QUANTIZE", in_dtype="FLOAT32"),
    "requantize_int16": _unary("QUANTIZE", out_dtype="INT16", out_scale=0.001),
    "dequantize": _unary("DEQUANTIZE", out_dtype="FLOAT32"),
    "softmax_int16": _unary(
        "SOFTMAX",
        "SoftmaxOptions",
        in_shape=(1, 10),
        in_dtype="INT16",
        out_dtype="INT16",
        out_scale=1 / 32768,
        beta=1.0,
    ),
    "padv2": _unary(
        "PADV2",
        out_shape=(1, 7, 7, 8),
        extra=(lambda b: b.const(_PADDINGS), lambda b: b.const([3], "INT8", scale=Q)),
    ),
    "squeeze": _unary(
        "SQUEEZE", "SqueezeOptions", in_shape=(1, 4, 8), out_shape=(4, 8), squeezeDims=[0]
    ),
    "expand_dims": _unary(
        "EXPAND_DIMS", in_shape=(4, 8), out_shape=(1, 4, 8), extra=(lambda b: b.const([0]),)
    ),
    "shape": _unary("SHAPE", "ShapeOptions", out_shape=(4,), out_dtype="INT32", outType=2),
    "reshape_to_scalar": _unary(
        "RESHAPE",
        "ReshapeOptions",
        in_shape=(1,),
        out_shape=(),
        extra=(lambda b: b.const(np.zeros(0, np.int32)),),
        newShape=[],
    ),
    "sum_int8": _reduce("SUM"),
    "mean_float": _reduce("MEAN", "FLOAT32"),
    "reduce_max": _reduce("REDUCE_MAX"),
    "fully_connected_per_channel": _fully_connected(7, per_channel=True),
    "fully_connected_float": _unary(
        "FULLY_CONNECTED",
        "FullyConnectedOptions",
        in_shape=(1, 8),
        out_shape=(1, 4),
        in_dtype="FLOAT32",
        out_dtype="FLOAT32",
        quant=False,
        extra=(
            lambda b: b.tensor([4, 8], "FLOAT32", data=np.ones((4, 8))),
            lambda b: -1,
        ),
    ),
    "conv_per_channel": _conv(depthwise=False),
    "depthwise_per_channel": _conv(depthwise=True),
    "gather": _gather,
    "pack": _pack,
    "reshape_stretch": _reshape([4, -1], shape_input=True),
    "reshape_legacy_scalar": _reshape([0], shape_input=False),
    "unpack_split": _unpack_split,
    "if": _if,
    "while_call_once_less": _while_and_call_once,
    "variable_tensor": _variable(offline=False),
    "variable_tensor_offline_planned": _variable(offline=True),
}


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tail_models")
    for name, build in SYNTHETIC.items():
        (directory / f"{name}.tflite").write_bytes(build())
    return directory


@needs_runtime
@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_small_models_match_the_runtime(name: str, synthetic_dir: Path) -> None:
    _assert_matches_runtime(synthetic_dir / f"{name}.tflite")


def test_offline_planned_variables_leave_the_tail() -> None:
    online = load_model_bytes(_variable(offline=False)())
    offline = load_model_bytes(_variable(offline=True)())
    a, b = persistent_tail(online), persistent_tail(offline)
    assert a.categories[Category.VARIABLES] == 32  # 24 int8 bytes, 16-aligned
    assert Category.VARIABLES not in b.categories
    assert a.total_bytes - b.total_bytes == 32


# --------------------------------------------------------------------------------------------
# Hand-worked arithmetic
# --------------------------------------------------------------------------------------------


def _hello_world_by_hand(p: int, compression: bool, recording: bool) -> int:
    """hello_world_int8: 1 subgraph, 10 tensors, 3 FULLY_CONNECTED (per-tensor int8),
    one int8 input and one int8 output, no scratch buffers, no variables.

    ``p`` is the pointer size. Each step rounds the tail exactly as
    SingleArenaBufferAllocator::AllocatePersistentBuffer does (the arena end is 16-aligned).
    """
    used = 0

    def alloc(size: int, align: int) -> None:
        nonlocal used
        used = -(-(used + size) // align) * align

    # RecordingSingleArenaBufferAllocator = 2 vptrs + 5 pointers + intptr_t + int (+ 4 size_t)
    alloc(2 * p + 5 * p + p + 4 + (4 * p if recording else 0), p)
    alloc(72 if p == 8 else 44, p)  # GreedyMemoryPlanner (field by field in persistent.py)
    micro_allocator = 72 if p == 8 else 36
    alloc(micro_allocator + ((p + 8 * 3 * p) if recording else 0), p)  # + 8 RecordedAllocation
    alloc(2 * p, p)  # MicroBuiltinDataAllocator: vptr + pointer
    alloc((3 if compression else 2) * p, p)  # SubgraphAllocations x 1
    alloc(10 * (3 * p if p == 8 else 12), p)  # 10 TfLiteEvalTensor (24 / 12 bytes)
    alloc(3 * 8 * p, p)  # 3 NodeAndRegistration: 6 pointers + int (+pad) + pointer
    for _ in range(3):  # TfLiteFullyConnectedParams: 32 (align 8) / 24 (align 4)
        alloc(32 if p == 8 else 24, p)
    for _ in range(3):  # OpDataFullyConnected: 72 / 64 (64-bit), 56 / 48 (32-bit)
        alloc({(8, True): 72, (8, False): 64, (4, True): 56, (4, False): 48}[p, compression], 16)
    for _ in ("input", "output"):
        alloc(p, 16)  # TfLiteTensor* array for one tensor
        alloc(64 if p == 8 else 40, p)  # TfLiteTensor
        alloc(3 * p if p == 8 else 12, p)  # TfLiteAffineQuantization
        alloc(4 + 4, 4)  # zero-point TfLiteIntArray with one entry
    return used


def test_hello_world_64_bit_by_hand() -> None:
    graph = load_model(HELLO_WORLD)
    by_hand = _hello_world_by_hand(8, compression=True, recording=True)
    assert by_hand == 1472
    assert persistent_tail(graph).total_bytes == by_hand
    predicted = persistent_tail(graph)
    # The 584 bytes RecordingMicroAllocator does not print: 104 + 72 + 272 + 16 allocator
    # objects, 24 for SubgraphAllocations, 3 x 32 op params.
    assert predicted.categories[Category.ALLOCATOR] == 104 + 72 + 272 + 16
    assert predicted.categories[Category.SUBGRAPHS] == 24
    assert predicted.categories[Category.OP_PARAMS] == 3 * 32
    # Persistent buffers: 3 OpData of 72 (the tail sits 8 bytes past a 16-byte boundary
    # after the 1016 bytes before them, so the first needs no padding and the next two pad to
    # 80) + two 8-byte pointer arrays padded to 16: 72 + 80 + 80 + 16 + 16.
    assert predicted.categories[Category.PERSISTENT_BUFFERS] == 264


@needs_runtime
def test_hello_world_64_bit_by_hand_is_what_the_runtime_uses() -> None:
    measured = _measured(str(HELLO_WORLD))
    assert measured.tail_bytes == _hello_world_by_hand(8, compression=True, recording=True)
    untracked = measured.tail_bytes - sum(v[0] for v in measured.categories.values())
    assert untracked == 104 + 72 + 272 + 16 + 24 + 3 * 32


def test_hello_world_32_bit_by_hand() -> None:
    graph = load_model(HELLO_WORLD)
    predicted = persistent_tail(graph, Target.mcu())
    by_hand = _hello_world_by_hand(4, compression=False, recording=False)
    # 36 + 44 + 36 + 8 (allocator objects) + 8 (SubgraphAllocations) + 120 (10 x 12)
    # + 96 (3 x 32) + 72 (3 x 24 params) = 420; OpData 48 x 3 at 16-byte alignment: 480, 528,
    # 576; input: 4 -> 592, +40 -> 632, +12 -> 644, +8 -> 652; output: 4 -> 656, +40 -> 696,
    # +12 -> 708, +8 -> 716.
    assert by_hand == 716
    assert predicted.total_bytes == 716
    assert predicted.categories[Category.EVAL_TENSORS] == 10 * 12
    assert predicted.categories[Category.NODES] == 3 * 32
    assert predicted.categories[Category.PERSISTENT_TENSORS] == 2 * 40
    assert predicted.categories[Category.QUANTIZATION] == 2 * (12 + 8)


@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_32_bit_is_smaller_and_follows_the_documented_structs(path: Path) -> None:
    graph = load_model(path)
    handles = scratch_buffer_count(graph)
    p64 = persistent_tail(graph, HOST, handles)
    p32 = persistent_tail(graph, Target.mcu(), handles)
    assert p32.total_bytes < p64.total_bytes
    tensors = sum(len(sg.tensors) for sg in graph.subgraphs)
    ops = sum(len(sg.operators) for sg in graph.subgraphs)
    io = len(graph.main.inputs) + len(graph.main.outputs)
    assert p32.categories[Category.EVAL_TENSORS] == 12 * tensors
    assert p64.categories[Category.EVAL_TENSORS] == 24 * tensors
    assert p32.categories[Category.NODES] == 32 * ops
    assert p64.categories[Category.NODES] == 64 * ops
    assert p32.categories[Category.PERSISTENT_TENSORS] == 40 * io
    assert p64.categories[Category.PERSISTENT_TENSORS] == 64 * io
    if handles:
        assert p32.categories[Category.SCRATCH_HANDLES] >= 4 * handles


def test_scratch_handles_cost_one_pointer_each() -> None:
    graph = load_model(HELLO_WORLD)
    base = persistent_tail(graph)
    # Before the handles the tail holds 1248 bytes (see the 64-bit hand count); the handles
    # come next (8 bytes each, 8-aligned), then the 8-byte input pointer array 16-aligned, which
    # ended at 1264 without handles.
    for count in range(1, 6):
        with_handles = persistent_tail(graph, HOST, count)
        assert with_handles.categories[Category.SCRATCH_HANDLES] == 8 * count
        after_array = -(-(1248 + 8 * count + 8) // 16) * 16
        assert with_handles.total_bytes == base.total_bytes + after_array - 1264


# --------------------------------------------------------------------------------------------
# Struct layouts against the installed build
# --------------------------------------------------------------------------------------------

#: sizeof() values compiled into the pip package's _runtime.so (``objdump -d``: the immediate
#: passed to AllocatePersistentBuffer by each Init, to Allocate by each Parse*, and by
#: RecordingMicroAllocator::Create / StartModelAllocation), and the same struct's size under
#: the 32-bit Arm AAPCS, worked out field by field.
INSTALLED_SIZES: list[tuple[CStruct, int, int]] = [
    (runtime.RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR, 0x68, 52),
    (runtime.GREEDY_MEMORY_PLANNER, 0x48, 44),
    (runtime.recording_micro_allocator(True), 0x110, 136),
    (runtime.MICRO_BUILTIN_DATA_ALLOCATOR, 0x10, 8),
    (runtime.subgraph_allocations(True), 24, 12),
    (builtin_data.fully_connected_params(True), 0x20, 24),
    (builtin_data.CONV_PARAMS, 28, 28),
    (builtin_data.DEPTHWISE_CONV_PARAMS, 28, 28),
    (builtin_data.POOL_PARAMS, 40, 40),
    (builtin_data.RESHAPE_PARAMS, 36, 36),
    (builtin_data.STRIDED_SLICE_PARAMS_BUILTIN, 24, 24),
    (builtin_data.TRANSPOSE_CONV_PARAMS, 20, 20),
    (builtin_data.UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS, 16, 16),
    (builtin_data.SVDF_PARAMS, 12, 12),
    (op_data.op_data_conv(True), 0x50, 64),
    (op_data.op_data_fully_connected(True), 0x48, 56),
    (op_data.op_data_transpose_conv(True), 0x58, 80),
    (op_data.op_data_concatenation(True), 0x50, 64),
    (op_data.SOFTMAX_PARAMS, 0x50, 56),
    (op_data.OP_DATA_POOLING, 0x20, 32),
    (op_data.OP_DATA_ADD, 0x3C, 60),
    (op_data.OP_DATA_SUB, 0x34, 52),
    (op_data.OP_DATA_MUL, 0x24, 36),
    (op_data.OP_DATA_REDUCE, 0x2C, 44),
    (op_data.OP_DATA_PAD, 0x38, 56),
    (op_data.OP_DATA_STRIDED_SLICE, 0x54, 84),
    (op_data.HARD_SWISH_PARAMS, 0x14, 20),
    (op_data.OP_DATA_LOGISTIC, 0x10, 16),
    (op_data.OP_DATA_TANH, 0x10, 16),
    (op_data.OP_DATA_QUANTIZE, 0x20, 32),
    (op_data.OP_DATA_DEQUANTIZE, 0x20, 32),
    (op_data.OP_DATA_LEAKY_RELU, 0x18, 24),
    (op_data.OP_DATA_RELU, 0x1C, 28),
    (op_data.OP_DATA_SVDF, 0x24, 36),
    (op_data.OP_DATA_LSTM, 0x2B0, 688),
    (op_data.OP_DATA_IF, 8, 8),
    (op_data.OP_DATA_CALL_ONCE, 8, 8),
]


@pytest.mark.parametrize(
    "struct,size64,size32", INSTALLED_SIZES, ids=lambda v: getattr(v, "name", str(v))
)
def test_struct_sizes(struct: CStruct, size64: int, size32: int) -> None:
    assert struct.size(Abi(64)) == size64
    assert struct.size(Abi(32)) == size32


def test_32_bit_core_structs() -> None:
    abi = Abi(32)
    assert runtime.TFLITE_EVAL_TENSOR.size(abi) == 12
    assert runtime.NODE_AND_REGISTRATION.size(abi) == 32
    assert runtime.TFLITE_TENSOR.size(abi) == 40
    assert op_data.op_data_conv(False).size(abi) == 56
    assert op_data.op_data_fully_connected(False).size(abi) == 48
    assert runtime.subgraph_allocations(False).size(abi) == 8
    assert op_data.op_data_transpose_conv(False).size(abi) == 72
    assert op_data.op_data_concatenation(False).size(abi) == 24
    # Short enums (GCC/armclang bare-metal default) shrink the enum members only.
    short = Abi(32, short_enums=True)
    assert runtime.TFLITE_TENSOR.size(short) == 32
    assert runtime.TFLITE_EVAL_TENSOR.size(short) == 12
    assert builtin_data.fully_connected_params(True).size(short) == 16


# --------------------------------------------------------------------------------------------
# The arena end address
# --------------------------------------------------------------------------------------------


def _runtime_tail(path: Path, arena_size: int) -> int:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.runtimes.tflm.verify._runtime_probe",
            str(path),
            "--arena-size",
            str(arena_size),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    match = re.search(r"Arena allocation tail (\d+) bytes", proc.stderr)
    assert match, proc.stderr
    return int(match.group(1))


@needs_runtime
@pytest.mark.parametrize("offset", [0, 1, 3, 8, 12, 15])
def test_misaligned_arena_end(offset: int) -> None:
    """The runtime's arena starts 16-aligned (glibc), so its end is arena_size mod 16 past a
    16-byte boundary; the first allocations shift by that much."""
    graph = load_model(HELLO_WORLD)
    arena = 100_000 + offset
    predicted = persistent_tail(graph, arena_end_misalignment=arena % 16)
    assert predicted.total_bytes == _runtime_tail(HELLO_WORLD, arena)


# --------------------------------------------------------------------------------------------
# What is not known is said, not zeroed
# --------------------------------------------------------------------------------------------


def test_unknown_operators_are_reported() -> None:
    m = Model()
    b = m.subgraph()
    i, o = b.tensor([1, 8], scale=Q), b.tensor([1, 8], scale=Q)
    b.op("CUMSUM", [i, b.const([1])], [o], "CumsumOptions")
    b.io([i], [o])
    graph = load_model_bytes(m.bytes())
    predicted = persistent_tail(graph)
    assert not predicted.exact
    assert predicted.unknown == ("CUMSUM",)
    # What is known is still counted: the allocator objects, tensors and node are there.
    assert predicted.categories[Category.NODES] == 64
    assert Category.OP_PARAMS not in predicted.categories


def test_custom_operators_are_reported() -> None:
    m = Model()
    b = m.subgraph()
    i, o = b.tensor([1, 8], scale=Q), b.tensor([1, 8], scale=Q)
    b.op("ADD", [i, i], [o])
    b.io([i], [o])
    code = m.m.operatorCodes[0]
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode = "MyOp"
    predicted = persistent_tail(load_model_bytes(m.bytes()))
    assert not predicted.exact
    assert predicted.unknown == ("custom op MyOp",)


# --------------------------------------------------------------------------------------------
# CMSIS-NN (not measurable here: hand-worked from cmsis_nn/*.cc)
# --------------------------------------------------------------------------------------------


def test_cmsis_nn_fully_connected() -> None:
    graph = load_model(HELLO_WORLD)  # FC 1->16, 16->16, 16->1
    # TFLM at the Cortex-M probes' commit, as a board builds it (short enums, plain allocator).
    board = Target(
        pointer_bits=32, compression=False, allocator="plain", short_enums=True, tflm=CORTEX_M_TFLM
    )
    ref = persistent_tail(graph, board)
    cmsis = persistent_tail(graph, replace(board, kernels="cmsis-nn"))
    # cmsis_nn/fully_connected.cc OpData at 90b983c2: OpDataFullyConnected (48) + 2 int + a
    # pointer + 3 int32 = 72 on 32-bit, against 48 for the reference kernel. The probes
    # (shared/tflm-cortex-m/truth-corpus.json, plain MicroAllocator) measure tails of 644 B
    # with reference kernels and 740 B with CMSIS-NN on this model.
    assert cmsis_nn.cmsis_op_data_fully_connected(False).size(Abi(32)) == 72
    assert (ref.total_bytes, cmsis.total_bytes) == (644, 740)
    dsp = replace(board, kernels="cmsis-nn", dsp=True)
    assert persistent_tail(graph, dsp).total_bytes == cmsis.total_bytes
    # With MVE, each constant filter's kernel sums (output depth x 4, arm_fully_connected_
    # s8_get_buffer_size) become persistent: 16*4, 16*4, 1*4 -> 64, 64, 16 with alignment.
    mve = persistent_tail(graph, replace(board, kernels="cmsis-nn", mve=True))
    sums = [a for a in mve.allocations if a.what.endswith("kernel sums")]
    assert [a.size for a in sums] == [64, 64, 4]
    assert mve.total_bytes - cmsis.total_bytes == 64 + 64 + 16


def test_cmsis_nn_lstm_kernel_sums() -> None:
    graph = load_model(SHARED_MODELS / "trained_lstm_int8.tflite")
    lstm = next(op for op in graph.main.operators if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM")
    hidden = graph.main.tensors[lstm.inputs[18]].shape[-1]
    cmsis = persistent_tail(graph, Target.mcu("cmsis-nn"))
    sums = [a for a in cmsis.allocations if "kernel sums" in a.what]
    assert len(sums) == 8
    assert all(a.size == 4 * hidden for a in sums)
    # OpDataLSTM (688, no pointers, AAPCS int64 alignment) + cmsis_nn_lstm_params (15 int32 +
    # 4 gates of 6 int32/enum + 4 pointers... = 220) -> 908, padded to 912.
    assert cmsis_nn.CMSIS_OP_DATA_LSTM.size(Abi(32)) == 912


# --------------------------------------------------------------------------------------------
# The allocator model itself
# --------------------------------------------------------------------------------------------

_ALLOCATION = st.builds(
    Allocation,
    category=st.sampled_from(["a", "b", "c"]),
    what=st.just("x"),
    size=st.integers(0, 300),
    alignment=st.sampled_from([1, 2, 4, 8, 16]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALLOCATION, max_size=30), st.integers(0, 15))
def test_simulated_tail_accounting(allocs: list[Allocation], misalignment: int) -> None:
    total, categories = simulate_tail(allocs, misalignment)
    assert sum(categories.values()) == total
    assert total >= sum(a.size for a in allocs)
    assert total <= sum(a.size + a.alignment - 1 for a in allocs)


def test_every_modelled_kernel_lays_out_its_structs_on_every_target() -> None:
    targets = (HOST, Target.mcu(), Target.mcu("cmsis-nn", dsp=True), Target.mcu(short_enums=True))
    modelled = [op for op in described_ops() if kernel_for(op).tail_known]
    assert len(modelled) == 47
    for target in targets:
        abi = Abi(target.pointer_bits, target.short_enums)
        for op in modelled:
            kernel = kernel_for(op, target.kernels)
            assert kernel.tail_known
            for struct in (kernel.builtin_data(target), kernel.op_data(target)):
                assert struct is None or struct.size(abi) > 0
