"""Every name `planner space` takes from the rest of the planner, in one place.

When the package's modules move, only these imports change.
"""

from __future__ import annotations

from planner.analysis.latency import estimate_latency
from planner.analysis.layers import ModelStats, analyse
from planner.api import fit, resolve_board
from planner.check import runtime_code_bytes
from planner.errors import PlannerError
from planner.memory.placement import plan_optimal
from planner.model.graph import Graph, Operator, Quantization, Subgraph, Tensor
from planner.model.tflite_reader import load_model, load_model_bytes
from planner.report.matrix import resolve_boards
from planner.runtimes.tflm.arena import ArenaPrediction, predict_arena
from planner.runtimes.tflm.smallest_arena import smallest_arena_bytes
from planner.runtimes.tflm.verify.host import (
    RuntimeMeasurement,
    measure_runtime,
    runtime_available,
)
from planner.targets.boards import Board
from planner.targets.target import HOST, Target, target_for

#: The arena target a board implies (pointer width, kernel library, allocator).
board_target = target_for

__all__ = [
    "HOST",
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
    "plan_optimal",
    "predict_arena",
    "resolve_board",
    "resolve_boards",
    "runtime_available",
    "runtime_code_bytes",
    "smallest_arena_bytes",
]
