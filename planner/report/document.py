"""The structured report (a plain dict) behind the JSON, CSV and HTML formats.

Its layout is versioned: ``SCHEMA_VERSION`` changes whenever a key is renamed or removed, and
``planner/schema/report.schema.json`` describes it. Every figure is an exact integer of bytes
(or MACs); nothing is rounded.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
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


def attributes(obj: object, names: str) -> dict[str, Any]:
    """``{name: obj.name}`` for each of the space-separated ``names``, in their order: the
    document's keys that are the figure's own name."""
    keys, get = _getter(names)
    return dict(zip(keys, get(obj), strict=True))


@functools.cache
def _getter(names: str) -> tuple[tuple[str, ...], Callable[[object], tuple[Any, ...]]]:
    """The names, and one call that reads them all (a report reads them per layer)."""
    keys = tuple(names.split())
    get = operator.attrgetter(*keys)
    return keys, (get if len(keys) > 1 else lambda obj: (get(obj),))


#: The arena figures the document gives for every arena (TFLM's, the host's).
ARENA_FIGURES = "head_bytes tail_bytes total_bytes min_arena_bytes"


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
        **attributes(layer, "index subgraph op"),
        "input_shapes": [list(s) for s in layer.input_shapes],
        "output_shapes": [list(s) for s in layer.output_shapes],
        **attributes(layer, "input_bytes output_bytes io_bytes live_bytes"),
        "live_tensors": list(layer.live_tensors),
        **attributes(layer, "weight_bytes params macs"),
        "scratch_bytes": check.arena.scratch_bytes.get((layer.subgraph, layer.index), 0),
        "latency_us_estimate": _round(check.layer_latency_us(i)),
        "outputs": outputs,
        **attributes(lc, "io_overflows live_overflows step_sram_bytes memory_exact overflows"),
    }


def _board_info(check: FitCheck) -> dict[str, Any]:
    board = check.board
    region = board.arena_region
    return {
        **attributes(board, "name description core clock_mhz pointer_bits kernels"),
        "arena_region": attributes(region, "name kind size_bytes"),
        "reserve_bytes": {
            "stack": board.reserve.stack_bytes,
            "heap": board.reserve.heap_bytes,
            "other": board.reserve.other_bytes,
        },
    }


def _verdict(check: FitCheck) -> dict[str, Any]:
    return {
        **attributes(check, "fits verdict exact fits_sram fits_flash"),
        **attributes(check, "sram_budget_bytes sram_required_bytes"),
        "sram_required_basis": "smallest kTensorArenaSize with which TFLM allocates "
        f"({check.arena.target.label}, {_PLAN_LABEL[check.planner]})",
        **attributes(check, "sram_headroom_bytes flash_required_bytes flash_model_bytes"),
        "flash_runtime_bytes_estimate": check.flash_runtime_bytes,
        **attributes(check, "flash_budget_bytes flash_headroom_bytes"),
    }


def _arena(check: FitCheck) -> dict[str, Any]:
    arena = check.arena
    return {
        **attributes(arena, ARENA_FIGURES),
        "planner": check.planner,
        **attributes(arena.target, "pointer_bits kernels short_enums allocator"),
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
    return {**attributes(host, ARENA_FIGURES), "differences": list(check.host_differences)}


def _plan_layout(check: FitCheck) -> dict[str, Any] | None:
    from planner.report.rows import optimize_command, plan_layout_words

    layout = check.plan_layout
    if layout is None:
        return None
    return {
        **attributes(layout, "head_bytes lower_bound_bytes gaps_bytes"),
        **attributes(layout, "optimized_min_arena_bytes optimize_fits"),
        "command": optimize_command(check),
        "explanation": plan_layout_words(check),
    }


def _totals(check: FitCheck) -> dict[str, Any]:
    stats = check.stats
    return {
        **attributes(stats, "params weight_bytes total_activation_bytes peak_io_bytes"),
        **attributes(stats, "peak_live_bytes variable_bytes macs flops"),
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
