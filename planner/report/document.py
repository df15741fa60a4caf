"""The structured report (a plain dict) behind the JSON, CSV and HTML formats.

Its layout is versioned: ``SCHEMA_VERSION`` changes whenever a key is renamed or removed, and
``planner/schema/report.schema.json`` describes it. Every figure is an exact integer of bytes
(or MACs); nothing is rounded.
"""

from __future__ import annotations

from typing import Any

from planner import __version__
from planner.check import FitCheck
from planner.report.arena_map import map_to_dicts

SCHEMA_VERSION = 1

_PLAN_LABEL = {
    "tflm": "TFLM's greedy plan",
    "optimized": "optimized plan from `planner optimize`",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _layer(check: FitCheck, i: int) -> dict[str, Any]:
    lc = check.layers[i]
    layer = lc.layer
    sg = check.graph.subgraphs[layer.subgraph].tensors
    offsets = check.arena.tensor_offsets
    outputs = [
        {
            "tensor": t,
            "name": sg[t].name,
            "shape": list(sg[t].shape),
            "dtype": sg[t].dtype,
            "bytes": sg[t].nbytes,
            "arena_offset": offsets.get((layer.subgraph, t)),
        }
        for t in layer.output_tensors
    ]
    return {
        "index": layer.index,
        "subgraph": layer.subgraph,
        "op": layer.op,
        "input_shapes": [list(s) for s in layer.input_shapes],
        "output_shapes": [list(s) for s in layer.output_shapes],
        "input_bytes": layer.input_bytes,
        "output_bytes": layer.output_bytes,
        "io_bytes": layer.io_bytes,
        "live_bytes": layer.live_bytes,
        "live_tensors": list(layer.live_tensors),
        "weight_bytes": layer.weight_bytes,
        "params": layer.params,
        "macs": layer.macs,
        "scratch_bytes": check.arena.scratch_bytes.get((layer.subgraph, layer.index), 0),
        "latency_us_estimate": _round(check.layer_latency_us(i)),
        "outputs": outputs,
        "io_overflows": lc.io_overflows,
        "live_overflows": lc.live_overflows,
        "step_sram_bytes": lc.step_sram_bytes,
        "memory_exact": lc.memory_exact,
        "overflows": lc.overflows,
    }


def _board_info(check: FitCheck) -> dict[str, Any]:
    board = check.board
    region = board.arena_region
    return {
        "name": board.name,
        "description": board.description,
        "core": board.core,
        "clock_mhz": board.clock_mhz,
        "pointer_bits": board.pointer_bits,
        "kernels": board.kernels,
        "arena_region": {
            "name": region.name,
            "kind": region.kind,
            "size_bytes": region.size_bytes,
        },
        "reserve_bytes": {
            "stack": board.reserve.stack_bytes,
            "heap": board.reserve.heap_bytes,
            "other": board.reserve.other_bytes,
        },
    }


def _verdict(check: FitCheck) -> dict[str, Any]:
    return {
        "fits": check.fits,
        "verdict": check.verdict,
        "exact": check.exact,
        "fits_sram": check.fits_sram,
        "fits_flash": check.fits_flash,
        "sram_budget_bytes": check.sram_budget_bytes,
        "sram_required_bytes": check.sram_required_bytes,
        "sram_required_basis": "smallest kTensorArenaSize with which TFLM allocates "
        f"({check.arena.target.label}, {_PLAN_LABEL[check.planner]})",
        "sram_headroom_bytes": check.sram_headroom_bytes,
        "flash_required_bytes": check.flash_required_bytes,
        "flash_model_bytes": check.flash_model_bytes,
        "flash_runtime_bytes_estimate": check.flash_runtime_bytes,
        "flash_budget_bytes": check.flash_budget_bytes,
        "flash_headroom_bytes": check.flash_headroom_bytes,
    }


def _arena(check: FitCheck) -> dict[str, Any]:
    arena = check.arena
    return {
        "head_bytes": arena.head_bytes,
        "tail_bytes": arena.tail_bytes,
        "total_bytes": arena.total_bytes,
        "min_arena_bytes": arena.min_arena_bytes,
        "planner": check.planner,
        "pointer_bits": arena.target.pointer_bits,
        "kernels": arena.target.kernels,
        "short_enums": arena.target.short_enums,
        "allocator": arena.target.allocator,
        "tflm_version": arena.target.tflm,
        "exact": arena.exact,
        "unknown": list(arena.unknown),
        "tail_categories": dict(arena.tail.categories),
    }


def _comparison(check: FitCheck) -> dict[str, Any] | None:
    if check.tflm_arena is None:
        return None
    return {
        "tflm_head_bytes": check.tflm_arena.head_bytes,
        "tflm_min_arena_bytes": check.tflm_arena.min_arena_bytes,
        "planner": check.planner,
        "head_bytes": check.arena.head_bytes,
        "min_arena_bytes": check.arena.min_arena_bytes,
        "saving_bytes": check.saving_bytes,
        "saving_percent": round(check.saving_percent, 2),
    }


def _host(check: FitCheck) -> dict[str, Any] | None:
    host = check.host_arena
    if host is None:
        return None
    return {
        "head_bytes": host.head_bytes,
        "tail_bytes": host.tail_bytes,
        "total_bytes": host.total_bytes,
        "min_arena_bytes": host.min_arena_bytes,
        "differences": list(check.host_differences),
    }


def _plan_layout(check: FitCheck) -> dict[str, Any] | None:
    from planner.report.rows import optimize_command, plan_layout_words

    layout = check.plan_layout
    if layout is None:
        return None
    return {
        "head_bytes": layout.head_bytes,
        "lower_bound_bytes": layout.lower_bound_bytes,
        "gaps_bytes": layout.gaps_bytes,
        "optimized_min_arena_bytes": layout.optimized_min_arena_bytes,
        "optimize_fits": layout.optimize_fits,
        "command": optimize_command(check),
        "explanation": plan_layout_words(check),
    }


def _totals(check: FitCheck) -> dict[str, Any]:
    stats = check.stats
    return {
        "params": stats.params,
        "weight_bytes": stats.weight_bytes,
        "total_activation_bytes": stats.total_activation_bytes,
        "peak_io_bytes": stats.peak_io_bytes,
        "peak_live_bytes": stats.peak_live_bytes,
        "variable_bytes": stats.variable_bytes,
        "macs": stats.macs,
        "flops": stats.flops,
        "latency_ms_estimate": None
        if check.latency is None
        else _round(check.latency.milliseconds),
    }


def to_document(check: FitCheck) -> dict[str, Any]:
    """Everything `planner fit` and `planner report` know, as JSON-ready values."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"tflm-planner {__version__}",
        "model": {
            "path": check.model_path,
            "file_bytes": check.flash_model_bytes,
            "operators": len(check.stats.layers),
            "opcodes": list(check.opcodes),
        },
        "board": check.board.name,
        "board_info": _board_info(check),
        **_verdict(check),
        "arena": _arena(check),
        "figures_from_sources": check.figures_from_sources,
        "plan_layout": _plan_layout(check),
        "planner_comparison": _comparison(check),
        "host_arena": _host(check),
        "totals": _totals(check),
        "warnings": list(check.warnings),
        "overflowing_layers": [c.layer.index for c in check.overflowing_layers],
        "layers": [_layer(check, i) for i in range(len(check.layers))],
        "arena_map": map_to_dicts(check),
    }
