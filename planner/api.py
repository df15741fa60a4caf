"""The Python API: the same calls the CLI makes.

>>> from planner import fit
>>> check = fit("models/mobilenet_v2_0.35_144_int8.tflite", "stm32f746")
>>> check.fits, check.sram_required_bytes, check.sram_budget_bytes
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from planner._gc import gc_paused
from planner.analysis.latency import estimate_latency
from planner.analysis.layers import ModelStats, analyse
from planner.check import FitCheck, check_fit
from planner.errors import PlannerError
from planner.model.graph import Graph
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import HOST, ArenaPrediction, Target, predict_arena
from planner.targets.boards import Board, find_board, load_board_file


def board_target(board: Board) -> Target:
    """The arena target a board implies: its pointer width and kernel library."""
    return Target(
        pointer_bits=board.pointer_bits, kernels=board.kernels, dsp=board.dsp, mve=board.mve
    )


def resolve_board(board: str | Board | Path) -> Board:
    """A board from the catalog by name or alias, a board file path, or a Board as is."""
    if isinstance(board, Board):
        return board
    if isinstance(board, Path) or str(board).endswith(".toml"):
        return load_board_file(board)
    return find_board(str(board))


#: The memory plans `fit` can check against: TFLM's own greedy planner, or the plan
#: `planner optimize` writes into the model (operator order + OfflineMemoryAllocation).
PLANNER_CHOICES = ("tflm", "optimized")


@gc_paused
def fit(
    model: str | Path | Graph,
    board: str | Board | Path,
    planner: str = "tflm",
) -> FitCheck:
    """Does ``model`` fit ``board`` under TFLM? The whole pipeline in one call.

    ``planner="optimized"`` checks the model as `planner optimize` would write it (its
    operators reordered and its plan given to TFLM as offline offsets) and keeps TFLM's own
    plan of the original beside it, for the saving.
    """
    if planner not in PLANNER_CHOICES:
        raise PlannerError(
            f"unknown planner {planner!r}; choose one of {', '.join(PLANNER_CHOICES)}"
        )
    graph = model if isinstance(model, Graph) else load_model(model)
    b = resolve_board(board)
    target = board_target(b)
    tflm_arena = predict_arena(graph, target)
    compared: ArenaPrediction | None = None
    if planner == "optimized":
        from planner.offline_plan.optimize import optimize, optimized_graph, write_optimized

        result = optimize(graph, target)
        optimized = optimized_graph(graph, result)
        if result.changed and not isinstance(model, Graph):
            # What the written model weighs in flash: the plan adds its metadata.
            written = write_optimized(graph, Path(model).read_bytes(), result)
            optimized = replace(optimized, file_bytes=len(written))
        graph, compared = optimized, tflm_arena
        arena = predict_arena(graph, target)
    else:
        arena = tflm_arena
    stats: ModelStats = analyse(graph)
    host = None if target == HOST else predict_arena(graph, HOST)
    latency = estimate_latency(graph, b, stats=stats)
    return check_fit(
        graph,
        stats,
        arena,
        b,
        host_arena=host,
        planner=planner,
        tflm_arena=compared,
        latency=latency,
    )
