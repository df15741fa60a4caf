"""The latency estimate: the formula on hand-worked numbers, the table, the MLPerf sanity band."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from planner.analysis.latency import (
    MEMORY_BANDWIDTH,
    THROUGHPUT,
    CoreThroughput,
    estimate_latency,
    estimate_stats_latency,
    layer_latency,
    throughput_for,
)
from planner.analysis.layers import LayerStats, analyse
from planner.model.tflite_reader import load_model
from planner.targets.boards import catalog, find_board

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"

TP = CoreThroughput(
    conv_macs_per_cycle=0.25,
    depthwise_macs_per_cycle=0.125,
    fc_macs_per_cycle=2.0,
    elementwise_cycles=6.0,
    pooling_cycles=2.0,
    transcendental_cycles=40.0,
    copy_cycles_per_byte=0.5,
    op_overhead_cycles=1000,
    source="test",
)


def layer(
    op: str, macs: int = 0, weights: int = 0, ins=((1, 10, 10, 10),), outs=((1, 10, 10, 10),)
):
    in_bytes = sum(math.prod(s) for s in ins)
    out_bytes = sum(math.prod(s) for s in outs)
    return LayerStats(
        index=0,
        subgraph=0,
        op=op,
        input_tensors=tuple(range(len(ins))),
        output_tensors=(99,),
        input_shapes=tuple(ins),
        output_shapes=tuple(outs),
        input_dtypes=("INT8",) * len(ins),
        output_dtypes=("INT8",),
        output_names=("y",),
        input_bytes=in_bytes,
        output_bytes=out_bytes,
        live_tensors=(),
        live_bytes=in_bytes + out_bytes,
        weight_bytes=weights,
        params=weights,
        macs=macs,
    )


def test_conv_is_compute_bound_by_hand():
    # 1,000,000 MACs at 0.25 MAC/cycle = 4,000,000 cycles.
    # Memory: 10,000 weight bytes at 1 B/cycle + 2,000 activation bytes at 4 B/cycle
    #         = 10,000 + 500 = 10,500 cycles.  max(...) + 1,000 overhead = 4,001,000.
    est = layer_latency(layer("CONV_2D", macs=1_000_000, weights=10_000), TP, 1.0, 4.0)
    assert est.compute_cycles == 4_000_000
    assert est.memory_cycles == 10_500
    assert est.cycles == 4_001_000
    assert est.bound == "compute"


def test_fc_can_be_memory_bound_by_hand():
    # 64,000 MACs at 2 MAC/cycle = 32,000 cycles; 64,000 weight bytes from flash at
    # 1 B/cycle = 64,000 cycles, + (100 + 640) / 4 = 185 for activations: memory wins.
    est = layer_latency(
        layer("FULLY_CONNECTED", macs=64_000, weights=64_000, ins=((1, 100),), outs=((1, 640),)),
        TP,
        1.0,
        4.0,
    )
    assert est.compute_cycles == 32_000
    assert est.memory_cycles == 64_000 + 185
    assert est.cycles == 64_185 + 1_000
    assert est.bound == "memory"


def test_depthwise_uses_its_own_rate():
    est = layer_latency(layer("DEPTHWISE_CONV_2D", macs=9_000), TP, 1.0, 4.0)
    assert est.compute_cycles == 9_000 / 0.125


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("ADD", 1000 * 6.0),  # per output element
        ("AVERAGE_POOL_2D", 1000 * 2.0),  # per input element read
        ("SOFTMAX", 1000 * 40.0),
        ("RESHAPE", 1000 * 0.5),  # per byte copied (int8: 1 byte per element)
    ],
)
def test_per_element_ops(op, expected):
    est = layer_latency(layer(op), TP, 1.0, 4.0)
    assert est.compute_cycles == expected
    # 2,000 activation bytes at 4 B/cycle.
    assert est.memory_cycles == 500


def test_total_is_sum_and_seconds_use_the_clock():
    layers = [layer("CONV_2D", macs=1_000_000), layer("ADD")]
    est = estimate_stats_latency(layers, "cortex-m4", "cmsis-nn", 120.0)
    tp = THROUGHPUT[("cortex-m4", "cmsis-nn")]
    conv = 1_000_000 / tp.conv_macs_per_cycle + tp.op_overhead_cycles
    add = 1000 * tp.elementwise_cycles + tp.op_overhead_cycles
    assert est.total_cycles == pytest.approx(conv + add)
    assert est.seconds == pytest.approx((conv + add) / 120e6)
    assert est.milliseconds == pytest.approx(1000 * est.seconds)


def test_slower_arena_memory_never_speeds_up():
    g = load_model(Path(__file__).resolve().parents[1] / "models/mobilenet_v1_0.25_96_int8.tflite")
    board = find_board("stm32f746")
    sram = estimate_latency(g, board)
    sdram = estimate_latency(g, board, arena_memory="SDRAM")
    assert sdram.total_cycles >= sram.total_cycles
    assert sdram.arena_memory == "SDRAM"


def test_every_catalog_board_has_table_figures():
    for board in catalog().values():
        tp, note = throughput_for(board.core, board.kernels, board.dsp)
        assert note == "", f"{board.name}: {note}"
        assert tp.conv_macs_per_cycle > 0 and tp.source
        assert board.arena_region.kind in MEMORY_BANDWIDTH


def test_table_entries_name_sources():
    for key, tp in THROUGHPUT.items():
        assert tp.source, key
        assert 0 < tp.depthwise_macs_per_cycle <= tp.conv_macs_per_cycle * 2


#: MLPerf Tiny v0.5 reference (TFLM 2.3.1 + CMSIS-NN, NUCLEO-L4R5ZI @ 120 MHz), median
#: throughput in mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI/<b>/
#: performance/results.txt. The estimate must land within a factor of 3 (see docs/latency.md).
MLPERF_V05_MS = {
    "kws_ref_model": 1000 / 5.497,
    "vww_96_int8": 1000 / 1.665,
    "pretrainedResnet_quant": 1000 / 1.420,
    "ad01_int8": 1000 / 99.487,
}


@pytest.mark.parametrize("name", sorted(MLPERF_V05_MS))
def test_mlperf_tiny_models_within_a_factor_of_three(name):
    path = SHARED / f"{name}.tflite"
    if not path.exists():
        pytest.skip(f"{path} not present (shared reference models)")
    g = load_model(path)
    est = estimate_latency(g, find_board("stm32l4r5"), stats=analyse(g))
    ratio = est.milliseconds / MLPERF_V05_MS[name]
    assert 1 / 3 < ratio < 3, f"{name}: estimate {est.milliseconds:.1f} ms, ratio {ratio:.2f}"
