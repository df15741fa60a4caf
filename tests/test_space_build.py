"""The search space, the graphs built from it and their evaluation, checked against the
loader (the exported file read back), Keras' MobileNetV2 and hand-computed figures."""

from __future__ import annotations

import pytest

from planner.offline_plan.optimize import optimize
from planner.space.build import build_network
from planner.space.evaluate import COLUMNS, evaluate_subnet, target_arena
from planner.space.export import file_bytes_bound, model_bytes, with_file_bytes
from planner.space.pipeline import (
    analyse,
    board_target,
    load_model,
    load_model_bytes,
    predict_arena,
    resolve_board,
)
from planner.space.supernet import (
    DEPTHS,
    EXPANSIONS,
    KERNEL_SIZES,
    STAGES,
    make_divisible,
    sample_subnet,
)

from .corpus import BUNDLED_MODELS

SUBNETS = [
    (0, 0.3, 96, 0, 1000),
    (1, 0.35, 128, 3, 10),
    (2, 0.5, 144, 7, 2),
    (3, 1.0, 224, 1, 1000),
]


def test_make_divisible_is_keras_rounding() -> None:
    # Keras: max(8, int(v + 4) // 8 * 8), plus 8 when that is more than 10 % below v.
    assert make_divisible(32 * 0.35) == 16  # 11.2 -> 8, < 10.08 -> 16
    assert make_divisible(16 * 0.35) == 8  # 5.6 -> 8 (the minimum)
    assert make_divisible(96 * 0.35) == 32  # 33.6 -> 32, not < 30.24
    assert make_divisible(320 * 0.35) == 112
    assert make_divisible(1280 * 0.5) == 640


def test_channels_match_keras_mobilenet_v2_0_35() -> None:
    """The bundled MobileNetV2 0.35 (built by Keras): stem, first block and every stage's
    projection width equal the space's at width 0.35."""
    graph = load_model(BUNDLED_MODELS / "mobilenet_v2_0.35_144_int8.tflite")
    sg = graph.main
    convs = [op for op in sg.operators if op.opcode == "CONV_2D"]
    stem = sg.tensors[convs[0].outputs[0]].shape[-1]
    # Projections: 1x1 convolutions without activation.
    projections = [
        sg.tensors[op.outputs[0]].shape[-1]
        for op in convs
        if op.options["fused_activation_function"] == 0
    ]
    subnet = sample_subnet(0, 0.35, 144, 0)
    assert stem == subnet.stem_channels == 16
    expected = [make_divisible(16 * 0.35)] + [make_divisible(c * 0.35) for c, _, _ in STAGES]
    assert sorted(set(projections)) == sorted(set(expected))


def test_sampling_is_a_function_of_seed_space_and_index() -> None:
    a = sample_subnet(5, 0.5, 160, 12)
    assert a == sample_subnet(5, 0.5, 160, 12)
    others = {sample_subnet(5, 0.5, 160, i).label for i in range(20)}
    assert len(others) == 20
    assert sample_subnet(6, 0.5, 160, 12).label != a.label
    for i in range(50):
        s = sample_subnet(9, 0.4, 128, i)
        assert all(d in DEPTHS for d in s.depths[:-1]) and s.depths[-1] == 1
        assert len(s.kernels) == len(s.expansions) == sum(s.depths)
        assert set(s.kernels) <= set(KERNEL_SIZES) and set(s.expansions) <= set(EXPANSIONS)


@pytest.mark.parametrize("seed,width,res,index,classes", SUBNETS)
def test_built_graph_is_what_the_loader_reads_from_the_export(
    seed: int, width: float, res: int, index: int, classes: int
) -> None:
    built = build_network(sample_subnet(seed, width, res, index, classes))
    data = model_bytes(built, seed=seed)
    loaded = load_model_bytes(data)
    mine = built.graph.main
    assert loaded.main.tensors == mine.tensors
    assert loaded.main.operators == mine.operators
    assert (loaded.main.inputs, loaded.main.outputs) == (mine.inputs, mine.outputs)
    assert loaded.opcodes == built.graph.opcodes == (
        "ADD", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MEAN", "SOFTMAX"
    )  # fmt: skip
    # The file-size bound is never below the real file, and close to it.
    bound = file_bytes_bound(built.graph)
    assert len(data) <= bound <= len(data) * 1.02
    assert with_file_bytes(built, exact=True).graph.file_bytes == len(data)
    # Same arena for the built graph and the file read back, on host and on a Cortex-M.
    for target in (board_target(resolve_board("host")), board_target(resolve_board("stm32f746"))):
        a, b = predict_arena(built.graph, target), predict_arena(loaded, target)
        assert (a.head_bytes, a.tail_bytes, a.min_arena_bytes) == (
            b.head_bytes, b.tail_bytes, b.min_arena_bytes
        )  # fmt: skip


def _hand_macs(seed: int, width: float, res: int, index: int, classes: int) -> int:
    """MACs from the architecture alone: conv co*ci*k*k*ho*wo, depthwise c*k*k*ho*wo, FC."""
    s = sample_subnet(seed, width, res, index, classes)
    side = -(-res // 2)
    macs = s.stem_channels * 3 * 9 * side * side
    for b in s.blocks():
        if b.expansion != 1:
            macs += b.hidden_channels * b.in_channels * side * side
        side = -(-side // b.stride)
        macs += b.hidden_channels * b.kernel * b.kernel * side * side
        macs += b.out_channels * b.hidden_channels * side * side
    last_in = s.blocks()[-1].out_channels
    macs += s.last_channels * last_in * side * side
    return macs + classes * s.last_channels


@pytest.mark.parametrize("seed,width,res,index,classes", SUBNETS)
def test_evaluation_figures(seed: int, width: float, res: int, index: int, classes: int) -> None:
    boards = [resolve_board(n) for n in ("stm32f746", "nrf52840", "host")]
    subnet = sample_subnet(seed, width, res, index, classes)
    rows = evaluate_subnet(subnet, boards)
    graph = with_file_bytes(build_network(subnet)).graph
    assert [r["board"] for r in rows] == ["stm32f746", "nrf52840", "host"]
    for row, board in zip(rows, boards, strict=True):
        assert tuple(row) == COLUMNS
        target = board_target(board)
        tflm = predict_arena(graph, target)
        # What `planner optimize` writes for the model in its own order, without sharing.
        optimized = optimize(graph, target, reorder=False, share=False)
        assert row["macs"] == _hand_macs(seed, width, res, index, classes)
        assert row["macs"] == analyse(graph).macs
        assert row["sram_bytes"] == tflm.min_arena_bytes
        assert (row["head_bytes"], row["tail_bytes"]) == (tflm.head_bytes, tflm.tail_bytes)
        assert row["optimized_sram_bytes"] == optimized.min_arena_bytes <= row["sram_bytes"]
        assert target_arena(graph, target).optimized_min_arena_bytes == optimized.min_arena_bytes
        assert row["model_bytes"] == graph.file_bytes
        assert row["flash_bytes"] > row["model_bytes"]  # + TFLM's code
        assert row["fits_sram"] == (row["sram_bytes"] <= board.sram_budget_bytes)
        assert row["fits_flash"] == (row["flash_bytes"] <= board.flash_bytes)
        assert row["fits"] == (row["fits_sram"] and row["fits_flash"])
        assert row["exact"] is True
        assert row["latency_ms"] > 0
