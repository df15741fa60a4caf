"""Estimated inference latency, per layer and in total, from MACs, bytes moved and a core table.

Every layer costs ``max(compute time, memory time) + a fixed per-operator overhead``:

* compute time = MACs / (MACs per cycle of that operator class on that core with that kernel
  library x clock) for convolutions, depthwise convolutions and fully-connected layers, and
  elements x cycles per element for everything else (elementwise ops, activations, pooling,
  softmax, copies);
* memory time = weight bytes / the bandwidth of the memory the weights are read from (flash,
  where TFLM reads them in place) + activation bytes in and out / the bandwidth of the memory
  holding the arena (SRAM, or SDRAM/PSRAM when the arena is placed there).

**These are estimates.** The throughput figures below are per-core, per-kernel-library
averages taken or derived from the sources named beside them; real kernels are faster or slower
with the layer's shape (channel counts that are multiples of 4, im2col or not, 1x1 fast paths),
the compiler and its flags, caches and flash wait states. ``docs/latency.md`` compares the
estimates with published MLPerf Tiny measurements. Pure functions; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from planner.analysis.layers import LayerStats, ModelStats, analyse
from planner.model.graph import Graph
from planner.runtimes.tflm.kernels import kernel_for
from planner.targets.boards import Board

__all__ = [
    "MEMORY_BANDWIDTH",
    "THROUGHPUT",
    "CoreThroughput",
    "LatencyEstimate",
    "LayerLatency",
    "MemoryBandwidth",
    "estimate_latency",
    "estimate_stats_latency",
    "layer_latency",
    "throughput_for",
]


class CoreThroughput(NamedTuple):
    """How fast one core runs int8 kernels from one kernel library (estimates)."""

    #: MACs per cycle, by operator class.
    conv_macs_per_cycle: float
    depthwise_macs_per_cycle: float
    fc_macs_per_cycle: float
    #: Cycles per output element of elementwise ops (ADD, MUL, QUANTIZE, activations...).
    elementwise_cycles: float
    #: Cycles per input element read by pooling and reductions (AVERAGE_POOL_2D, MEAN, ...).
    pooling_cycles: float
    #: Cycles per element of SOFTMAX, LOGISTIC, TANH (exp / lookup tables).
    transcendental_cycles: float
    #: Cycles per byte copied (RESHAPE copies in TFLM, CONCATENATION, PAD, slices).
    copy_cycles_per_byte: float
    #: Fixed cycles per operator: TFLM's invoke loop, kernel prologue, requantisation setup.
    op_overhead_cycles: int
    source: str


# One table, every core and kernel library the board catalog names. Keys: (core, library)
# where library is "cmsis-nn" (DSP extension used), "cmsis-nn-nodsp" (CMSIS-NN's plain-C
# paths), "reference" (TFLM's portable kernels) or "esp-nn".
#
# How the figures were set (all estimates):
# * cortex-m4 / cmsis-nn: whole-network throughput of CMSIS-NN kernels on the NUCLEO-L4R5ZI
#   (Cortex-M4 @ 120 MHz) in MLPerf Tiny v1.1, closed division, Krai's microtvm_cmsis_nn rows
#   (mlcommons/tiny_results_v1.1, closed/Krai/results/README.md: anomaly detection 116.212,
#   image classification 2.567, keyword spotting 10.019, person detection 3.324 inf./s). With
#   the MACs the planner counts for those four models (264 k, 12.50 M, 2.66 M, 7.49 M) that is
#   0.21-0.27 MACs/cycle for the whole network; conv and FC are set to 0.25 and depthwise,
#   which reuses each weight less, to 0.15. The ISA ceiling is 2 MACs/cycle (SMLAD: two 16x16
#   MACs, single cycle; Arm Cortex-M4 Technical Reference Manual, instruction timings).
# * cortex-m7: the same kernels on a dual-issue core that can pair a load with SMLAD; 2x the
#   Cortex-M4 figure per clock (Arm's Cortex-M7 product brief: "up to 2x the DSP performance of
#   Cortex-M4"; an estimate).
# * cortex-m33 with DSP extension: same SMLAD instruction and a similar 3-stage pipeline as the
#   Cortex-M4: same figures (estimate).
# * reference kernels: CMSIS-NN is 4.6x faster than plain C kernels on Cortex-M (Lai, Suda,
#   Chandra, "CMSIS-NN: Efficient Neural Network Kernels for Arm Cortex-M CPUs", arXiv
#   1801.06601, abstract); reference figures are the CMSIS-NN ones / 4.6.
# * cortex-m0plus: no DSP extension; CMSIS-NN falls back to C loops: the Cortex-M4 reference
#   figures x 0.6 (2-stage pipeline, 16-bit Thumb only; estimate, unverified).
# * xtensa-lx7 / esp-nn (ESP32-S3, 128-bit SIMD): Espressif's esp-nn README reports several-x
#   speed-ups over the C kernels; set to 2x the Cortex-M4 CMSIS-NN figure (unverified).
# * xtensa-lx6 / esp-nn (ESP32, no SIMD): the Cortex-M4 CMSIS-NN figures x 0.6 (unverified).
# * arc-em9d / reference: the Cortex-M4 reference figures (unverified; MLI kernels are faster).
# * x86-64 host: reference kernels in the pip package, nominal figures only.

_M4_CMSIS = CoreThroughput(
    conv_macs_per_cycle=0.25,
    depthwise_macs_per_cycle=0.15,
    fc_macs_per_cycle=0.25,
    elementwise_cycles=6.0,
    pooling_cycles=2.0,
    transcendental_cycles=40.0,
    copy_cycles_per_byte=0.5,
    op_overhead_cycles=1500,
    source=(
        "MLPerf Tiny v1.1 closed, Krai microtvm_cmsis_nn on NUCLEO-L4R5ZI "
        "(mlcommons/tiny_results_v1.1 closed/Krai/results/README.md): 0.21-0.27 MACs/cycle "
        "whole-network; ISA ceiling 2 MACs/cycle (SMLAD)"
    ),
)


def _scaled(base: CoreThroughput, mac: float, elem: float, source: str) -> CoreThroughput:
    return CoreThroughput(
        conv_macs_per_cycle=base.conv_macs_per_cycle * mac,
        depthwise_macs_per_cycle=base.depthwise_macs_per_cycle * mac,
        fc_macs_per_cycle=base.fc_macs_per_cycle * mac,
        elementwise_cycles=base.elementwise_cycles / elem,
        pooling_cycles=base.pooling_cycles / elem,
        transcendental_cycles=base.transcendental_cycles / elem,
        copy_cycles_per_byte=base.copy_cycles_per_byte / elem,
        op_overhead_cycles=base.op_overhead_cycles,
        source=source,
    )


_CMSIS_SPEEDUP = 4.6  # Lai et al. 2018, arXiv 1801.06601
_M4_REF = _scaled(
    _M4_CMSIS,
    1 / _CMSIS_SPEEDUP,
    1 / 2.0,
    "Cortex-M4 CMSIS-NN figures / 4.6 (CMSIS-NN vs plain C kernels, arXiv 1801.06601)",
)
_M7_CMSIS = _scaled(
    _M4_CMSIS, 2.0, 1.6, "Cortex-M4 CMSIS-NN figures x 2 (dual issue; Arm Cortex-M7 brief)"
)
_M7_REF = _scaled(_M7_CMSIS, 1 / _CMSIS_SPEEDUP, 1 / 2.0, "Cortex-M7 CMSIS-NN figures / 4.6")

THROUGHPUT: Mapping[tuple[str, str], CoreThroughput] = MappingProxyType(
    {
        ("cortex-m4", "cmsis-nn"): _M4_CMSIS,
        ("cortex-m4", "cmsis-nn-nodsp"): _M4_REF,
        ("cortex-m4", "reference"): _M4_REF,
        ("cortex-m7", "cmsis-nn"): _M7_CMSIS,
        ("cortex-m7", "cmsis-nn-nodsp"): _M7_REF,
        ("cortex-m7", "reference"): _M7_REF,
        ("cortex-m33", "cmsis-nn"): _scaled(
            _M4_CMSIS, 1.0, 1.0, "as Cortex-M4 (same SMLAD DSP extension; estimate)"
        ),
        ("cortex-m33", "cmsis-nn-nodsp"): _M4_REF,
        ("cortex-m33", "reference"): _M4_REF,
        ("cortex-m0plus", "cmsis-nn"): _scaled(
            _M4_REF, 0.6, 0.6, "Cortex-M4 reference figures x 0.6 (no DSP; unverified)"
        ),
        ("cortex-m0plus", "cmsis-nn-nodsp"): _scaled(
            _M4_REF, 0.6, 0.6, "Cortex-M4 reference figures x 0.6 (no DSP; unverified)"
        ),
        ("cortex-m0plus", "reference"): _scaled(
            _M4_REF, 0.6, 0.6, "Cortex-M4 reference figures x 0.6 (unverified)"
        ),
        ("xtensa-lx7", "esp-nn"): _scaled(
            _M4_CMSIS, 2.0, 1.5, "Cortex-M4 CMSIS-NN x 2 (ESP32-S3 SIMD, esp-nn; unverified)"
        ),
        ("xtensa-lx7", "reference"): _M4_REF,
        ("xtensa-lx6", "esp-nn"): _scaled(
            _M4_CMSIS, 0.6, 1.0, "Cortex-M4 CMSIS-NN x 0.6 (ESP32, no SIMD; unverified)"
        ),
        ("xtensa-lx6", "reference"): _M4_REF,
        ("arc-em9d", "reference"): _scaled(
            _M4_REF, 1.0, 1.0, "as Cortex-M4 reference kernels (unverified)"
        ),
        ("x86-64", "reference"): _scaled(
            _M4_CMSIS, 4.0, 4.0, "nominal host figures (not a deployment target)"
        ),
    }
)


class MemoryBandwidth(NamedTuple):
    """Sustained read bandwidth of one kind of memory, in bytes per core clock cycle."""

    bytes_per_cycle: float
    source: str


#: Bandwidth by memory kind (board regions' ``kind``), in bytes per *core* cycle. Estimates.
MEMORY_BANDWIDTH: Mapping[str, MemoryBandwidth] = MappingProxyType(
    {
        "SRAM": MemoryBandwidth(
            4.0, "32-bit AHB/AXI SRAM, zero wait states: one word per cycle (estimate)"
        ),
        "TCM": MemoryBandwidth(4.0, "tightly coupled memory, one word per cycle (estimate)"),
        "FLASH": MemoryBandwidth(
            1.0,
            "on-chip flash with prefetch/ART at full clock: e.g. STM32L4R5 8 bytes per 6 "
            "cycles at 5 wait states (RM0432); STM32F7 32-byte lines at 7 wait states (RM0385) "
            "(estimate: sustained, not peak)",
        ),
        "SDRAM": MemoryBandwidth(
            0.5,
            "16-bit SDRAM at half the core clock (STM32F7 FMC, 32F746G-DISCO): 1 byte/cycle "
            "peak, about half sustained after row/refresh overhead (estimate)",
        ),
        "PSRAM": MemoryBandwidth(
            0.25,
            "quad/octal SPI PSRAM at 80 MHz behind a cache: ~40-80 MB/s at 160-240 MHz core "
            "(estimate)",
        ),
    }
)


def kernel_library(kernels: str, dsp: bool) -> str:
    """The table's library key for a board's kernels and DSP flag."""
    if kernels == "cmsis-nn" and not dsp:
        return "cmsis-nn-nodsp"
    return kernels


def throughput_for(core: str, kernels: str, dsp: bool = True) -> tuple[CoreThroughput, str]:
    """The table entry for a core and kernel library, and a note if a fallback was used."""
    library = kernel_library(kernels, dsp)
    entry = THROUGHPUT.get((core, library))
    if entry is not None:
        return entry, ""
    entry = THROUGHPUT.get((core, "reference"))
    if entry is not None:
        return entry, f"no figures for {library} on {core}: used its reference-kernel figures"
    return THROUGHPUT[("cortex-m4", "reference")], (
        f"no figures for {core}: used Cortex-M4 reference-kernel figures"
    )


@dataclass(frozen=True)
class LayerLatency:
    """One operator's estimated time, in core cycles."""

    index: int
    op: str
    macs: int
    compute_cycles: float
    memory_cycles: float
    overhead_cycles: float
    weight_bytes: int
    activation_bytes: int

    @property
    def cycles(self) -> float:
        return max(self.compute_cycles, self.memory_cycles) + self.overhead_cycles

    @property
    def bound(self) -> str:
        """Which side dominates: 'compute' or 'memory'."""
        return "memory" if self.memory_cycles > self.compute_cycles else "compute"


def layer_latency(
    layer: LayerStats,
    throughput: CoreThroughput,
    weights_bandwidth: float,
    arena_bandwidth: float,
) -> LayerLatency:
    """The estimate for one layer (bandwidths in bytes per core cycle)."""
    cls = kernel_for(layer.op).latency
    out_elements = sum(math.prod(s) for s in layer.output_shapes)
    in_elements = sum(math.prod(s) for s in layer.input_shapes)
    if cls in ("conv", "depthwise", "fc"):
        rate = {
            "conv": throughput.conv_macs_per_cycle,
            "depthwise": throughput.depthwise_macs_per_cycle,
            "fc": throughput.fc_macs_per_cycle,
        }[cls]
        compute = layer.macs / rate
    elif cls == "pooling":
        compute = in_elements * throughput.pooling_cycles
    elif cls == "transcendental":
        compute = out_elements * throughput.transcendental_cycles
    elif cls == "copy":
        compute = layer.output_bytes * throughput.copy_cycles_per_byte
    else:
        compute = out_elements * throughput.elementwise_cycles
    activation_bytes = layer.input_bytes + layer.output_bytes
    memory = layer.weight_bytes / weights_bandwidth + activation_bytes / arena_bandwidth
    return LayerLatency(
        index=layer.index,
        op=layer.op,
        macs=layer.macs,
        compute_cycles=compute,
        memory_cycles=memory,
        overhead_cycles=float(throughput.op_overhead_cycles),
        weight_bytes=layer.weight_bytes,
        activation_bytes=activation_bytes,
    )


@dataclass(frozen=True)
class LatencyEstimate:
    """Estimated latency of one model on one core, per layer and in total."""

    core: str
    kernels: str
    clock_hz: float
    arena_memory: str
    weights_memory: str
    layers: tuple[LayerLatency, ...]
    throughput: CoreThroughput
    notes: tuple[str, ...] = ()

    @property
    def total_cycles(self) -> float:
        return sum(layer.cycles for layer in self.layers)

    @property
    def seconds(self) -> float:
        return self.total_cycles / self.clock_hz

    @property
    def milliseconds(self) -> float:
        return 1000.0 * self.seconds

    @property
    def memory_bound_layers(self) -> tuple[LayerLatency, ...]:
        return tuple(layer for layer in self.layers if layer.bound == "memory")


def estimate_stats_latency(
    stats: ModelStats | Sequence[LayerStats],
    core: str,
    kernels: str,
    clock_mhz: float,
    *,
    dsp: bool = True,
    arena_memory: str = "SRAM",
    weights_memory: str = "FLASH",
) -> LatencyEstimate:
    """Latency from per-layer figures (the analysis of a model) for a core at a clock."""
    layers = stats.layers if isinstance(stats, ModelStats) else tuple(stats)
    throughput, note = throughput_for(core, kernels, dsp)
    arena_bw = MEMORY_BANDWIDTH[arena_memory].bytes_per_cycle
    weights_bw = MEMORY_BANDWIDTH[weights_memory].bytes_per_cycle
    return LatencyEstimate(
        core=core,
        kernels=kernel_library(kernels, dsp),
        clock_hz=clock_mhz * 1e6,
        arena_memory=arena_memory,
        weights_memory=weights_memory,
        layers=tuple(layer_latency(layer, throughput, weights_bw, arena_bw) for layer in layers),
        throughput=throughput,
        notes=(note,) if note else (),
    )


def estimate_latency(
    graph: Graph,
    board: Board,
    *,
    arena_memory: str | None = None,
    stats: ModelStats | None = None,
) -> LatencyEstimate:
    """Latency of ``graph`` on ``board`` (arena in on-chip SRAM unless told otherwise)."""
    kind = arena_memory or board.arena_region.kind
    return estimate_stats_latency(
        stats if stats is not None else analyse(graph),
        board.core,
        board.kernels,
        board.clock_mhz,
        dsp=board.dsp,
        arena_memory=kind,
        weights_memory="FLASH",
    )
