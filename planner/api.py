"""The Python API: the same calls the CLI makes.

>>> from planner import fit
>>> check = fit("models/mobilenet_v2_0.35_144_int8.tflite", "stm32f746")
>>> check.fits, check.sram_required_bytes, check.sram_budget_bytes
"""

from __future__ import annotations

from pathlib import Path

from planner._gc import gc_paused
from planner.analysis import ModelStats, analyse
from planner.arena import HOST, ArenaPrediction, Target, predict_arena
from planner.boards import Board, find_board, load_board_file
from planner.check import FitCheck, check_fit
from planner.graph import Graph
from planner.loader import load_model


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


@gc_paused
def fit(
    model: str | Path | Graph,
    board: str | Board | Path,
    planner: str = "tflm",
) -> FitCheck:
    """Does ``model`` fit ``board`` under TFLM? The whole pipeline in one call."""
    graph = model if isinstance(model, Graph) else load_model(model)
    b = resolve_board(board)
    stats: ModelStats = analyse(graph)
    target = board_target(b)
    arena: ArenaPrediction = predict_arena(graph, target, planner=planner)
    host = None if target == HOST else predict_arena(graph, HOST, planner=planner)
    return check_fit(graph, stats, arena, b, host_arena=host)
