"""Every name `planner space` takes from the rest of the planner, in one place.

When the package's modules move, only these imports change.
"""

from __future__ import annotations

from planner.analysis import ModelStats, analyse
from planner.api import board_target, fit, resolve_board
from planner.arena import ArenaPrediction, Target, predict_arena
from planner.boards import Board
from planner.check import runtime_code_bytes
from planner.errors import PlannerError
from planner.graph import Graph, Operator, Quantization, Subgraph, Tensor
from planner.latency import estimate_latency
from planner.loader import load_model, load_model_bytes
from planner.minimum import smallest_arena_bytes
from planner.planners import PLANNERS
from planner.render.matrix import resolve_boards
from planner.verify import RuntimeMeasurement, measure_runtime, runtime_available

__all__ = [
    "PLANNERS",
    "ArenaPrediction",
    "Board",
    "Graph",
    "ModelStats",
    "Operator",
    "PlannerError",
    "Quantization",
    "RuntimeMeasurement",
    "Subgraph",
    "Target",
    "Tensor",
    "analyse",
    "board_target",
    "estimate_latency",
    "fit",
    "load_model",
    "load_model_bytes",
    "measure_runtime",
    "predict_arena",
    "resolve_board",
    "resolve_boards",
    "runtime_available",
    "runtime_code_bytes",
    "smallest_arena_bytes",
]
