"""One subnet on each board: TFLM-exact arena, optimized plan, flash, MACs, latency, fits.

Pure functions: a :class:`~planner.space.supernet.Subnet` and boards in, flat rows out (one per
board, plain numbers and strings, ready for Parquet and CSV). The arena is predicted once per
distinct target (pointer width and kernel library), as ``planner matrix`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from planner.space.build import build_network
from planner.space.export import with_file_bytes
from planner.space.pipeline import (
    ArenaPrediction,
    Board,
    Graph,
    Target,
    analyse,
    board_target,
    estimate_latency,
    plan_optimal,
    predict_arena,
    runtime_code_bytes,
    smallest_arena_bytes,
)
from planner.space.supernet import Subnet

#: Columns of a result row, in order.
COLUMNS = (
    "seed",
    "width",
    "resolution",
    "index",
    "classes",
    "subnet",
    "board",
    "macs",
    "params",
    "weight_bytes",
    "model_bytes",
    "flash_bytes",
    "flash_budget_bytes",
    "sram_bytes",
    "head_bytes",
    "tail_bytes",
    "optimized_sram_bytes",
    "sram_budget_bytes",
    "latency_ms",
    "exact",
    "fits_sram",
    "fits_flash",
    "fits",
    "fits_optimized",
)

Row = dict[str, Any]


@dataclass(frozen=True)
class TargetArena:
    """The arena on one target with TFLM's plan, and the smallest arena with the optimized one."""

    tflm: ArenaPrediction
    optimized_min_arena_bytes: int


def target_arena(graph: Graph, target: Target) -> TargetArena:
    """TFLM's arena and, on the same buffers and tail, the smallest arena with the optimal
    placement (:func:`planner.memory.placement.plan_optimal`, what ``planner optimize`` writes
    for a model it does not reorder)."""
    arena = predict_arena(graph, target)
    plan = plan_optimal(arena.buffers)
    optimized = smallest_arena_bytes(
        graph, arena.buffers, plan, arena.tail_bytes, target, arena.tail.allocations
    )
    return TargetArena(arena, optimized)


def evaluate_subnet(subnet: Subnet, boards: Sequence[Board]) -> list[Row]:
    """One row per board for ``subnet`` (columns :data:`COLUMNS`)."""
    graph = with_file_bytes(build_network(subnet)).graph
    stats = analyse(graph)
    arenas: dict[Target, TargetArena] = {}
    rows: list[Row] = []
    for board in boards:
        target = board_target(board)
        if target not in arenas:
            arenas[target] = target_arena(graph, target)
        ta = arenas[target]
        arena = ta.tflm
        flash = graph.file_bytes + runtime_code_bytes(board, graph.opcodes)
        budget = board.sram_budget_bytes
        fits_sram = arena.exact and arena.min_arena_bytes <= budget
        fits_flash = flash <= board.flash_bytes
        latency = estimate_latency(graph, board, stats=stats)
        rows.append(
            {
                "seed": subnet.seed,
                "width": subnet.width,
                "resolution": subnet.resolution,
                "index": subnet.index,
                "classes": subnet.classes,
                "subnet": subnet.label,
                "board": board.name,
                "macs": stats.macs,
                "params": stats.params,
                "weight_bytes": stats.weight_bytes,
                "model_bytes": graph.file_bytes,
                "flash_bytes": flash,
                "flash_budget_bytes": board.flash_bytes,
                "sram_bytes": arena.min_arena_bytes,
                "head_bytes": arena.head_bytes,
                "tail_bytes": arena.tail_bytes,
                "optimized_sram_bytes": ta.optimized_min_arena_bytes,
                "sram_budget_bytes": budget,
                "latency_ms": round(latency.milliseconds, 6),
                "exact": arena.exact,
                "fits_sram": fits_sram,
                "fits_flash": fits_flash,
                "fits": fits_sram and fits_flash,
                "fits_optimized": arena.exact
                and ta.optimized_min_arena_bytes <= budget
                and fits_flash,
            }
        )
    return rows
