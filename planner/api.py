"""The Python API and the one sequencer every command uses.

    load -> analyse -> predict TFLM's arena for the board's target -> check against the board

>>> from planner import fit
>>> check = fit("models/mobilenet_v2_0.35_144_int8.tflite", "stm32f746")
>>> check.fits, check.sram_required_bytes, check.sram_budget_bytes

The CLI, ``planner matrix``, ``planner advise`` and ``planner space`` all go through
:func:`fit` (whole verdict) or :func:`predict` (the arena alone); nothing else assembles the
pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner._gc import gc_paused
from planner.analysis.latency import estimate_latency
from planner.analysis.layers import ModelStats, analyse
from planner.check import FitCheck, PlanLayout, check_fit, host_path
from planner.errors import PlannerError
from planner.model.graph import Graph
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import ArenaPrediction, predict_arena
from planner.targets.boards import Board, find_board, load_board_file
from planner.targets.target import HOST, Target, target_for
from planner.validate import validate

if TYPE_CHECKING:
    from planner.matrix import Cell, Matrix

__all__ = ["PLANNER_CHOICES", "fit", "fit_matrix", "load", "predict", "resolve_board"]

#: The memory plans `fit` can check against: TFLM's own greedy planner, or the plan
#: `planner optimize` writes into the model (operator order + OfflineMemoryAllocation).
PLANNER_CHOICES = ("tflm", "optimized")


def load(model: str | Path | Graph) -> Graph:
    """A model file read into the immutable graph (a Graph is returned as is)."""
    return model if isinstance(model, Graph) else validate(load_model(model))


def resolve_board(board: str | Board | Path) -> Board:
    """A board from the catalog by name or alias, a board file path, or a Board as is."""
    if isinstance(board, Board):
        return board
    if isinstance(board, Path) or str(board).endswith(".toml"):
        return load_board_file(board)
    return find_board(str(board))


def _target(where: str | Board | Path | Target) -> Target:
    return where if isinstance(where, Target) else target_for(resolve_board(where))


def predict(
    model: str | Path | Graph, where: str | Board | Path | Target = HOST
) -> ArenaPrediction:
    """TFLM's arena (head, tail, total, smallest size) for a model on a board or target."""
    return predict_arena(load(model), _target(where))


def _optimized(
    model: str | Path | Graph, graph: Graph, target: Target
) -> tuple[Graph, ArenaPrediction]:
    """The model as `planner optimize` writes it, and its arena."""
    from planner.offline_plan.optimize import optimize, optimized_graph, write_optimized

    result = optimize(graph, target)
    optimized = optimized_graph(graph, result)
    if result.changed and not isinstance(model, Graph):
        # What the written model weighs in flash: the plan adds its metadata.
        written = write_optimized(graph, Path(model).read_bytes(), result)
        optimized = replace(optimized, file_bytes=len(written))
    return optimized, predict_arena(optimized, target)


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
    return _fit(model, load(model), resolve_board(board), planner, explain=True)


def _fit(
    model: str | Path | Graph,
    graph: Graph,
    b: Board,
    planner: str,
    explain: bool = False,
) -> FitCheck:
    """`fit` on a loaded graph (its arena per target is predicted once: predict_arena
    remembers it on the graph). ``explain`` adds what the reports explain: the host-to-board
    steps and the plan layout."""
    target = target_for(b)
    arena = tflm_arena = predict_arena(graph, target)
    compared: ArenaPrediction | None = None
    if planner == "optimized":
        graph, arena = _optimized(model, graph, target)
        compared = tflm_arena
    stats: ModelStats = analyse(graph)
    host = None if target == HOST else predict_arena(graph, HOST)
    check = check_fit(
        graph,
        stats,
        arena,
        b,
        host_arena=host,
        planner=planner,
        tflm_arena=compared,
        latency=estimate_latency(graph, b, stats=stats),
    )
    return _explained(model, check, target) if explain else check


def _explained(model: str | Path | Graph, check: FitCheck, target: Target) -> FitCheck:
    """The check with the arenas between host and board (one cause at a time) and, when only
    TFLM's plan layout is in the way, what `planner optimize` really achieves."""
    graph = check.graph
    steps = tuple((cause, predict_arena(graph, t)) for cause, t in host_path(target))
    layout = None
    if check.planner == "tflm" and check.fails_only_by_layout:
        from planner.memory.placement import lower_bound

        bound = lower_bound(check.arena.buffers)
        # Buffers alive together beyond the budget (e.g. tensors no operator reaches, which
        # TFLM keeps alive together before the first step) leave no layout that fits.
        if check.sram_required_bytes - check.arena.head_bytes + bound <= check.sram_budget_bytes:
            _, optimized = _optimized(model, graph, target)
            layout = PlanLayout(
                head_bytes=check.arena.head_bytes,
                lower_bound_bytes=bound,
                optimized_min_arena_bytes=optimized.min_arena_bytes,
                sram_budget_bytes=check.sram_budget_bytes,
            )
    return replace(
        check, host_steps=steps if check.host_arena is not None else (), plan_layout=layout
    )


def _matrix_row(
    name: str, boards: Sequence[Board], planner: str
) -> tuple[dict[str, Cell], str | None]:
    """One model against every board: its cells by board name, or the error that stopped it."""
    from planner.matrix import Cell

    try:
        graph = load(name)
        return {b.name: Cell.of(name, _fit(name, graph, b, planner)) for b in boards}, None
    except PlannerError as exc:
        return {}, str(exc)


def fit_matrix(
    models: Sequence[str | Path],
    boards: Sequence[Board],
    planner: str = "tflm",
    progress: Callable[[int, int, str], None] | None = None,
    client: Any | None = None,
) -> Matrix:
    """Every model against every board (``planner matrix``): each cell is :func:`fit`'s
    verdict, with one parse per model and one arena prediction per distinct board target.
    With a Dask ``client`` (:func:`planner.parallel.dask_client`) the models run on its
    workers; the result is the same."""
    from planner.matrix import Matrix
    from planner.parallel import run_tasks

    names = tuple(dict.fromkeys(str(m) for m in models))
    done = 0

    def finished(position: int, _row: object) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(names), Path(names[position]).name)

    rows = run_tasks(
        _matrix_row, names, client=client, on_result=finished, boards=tuple(boards), planner=planner
    )
    cells = {
        (n, board): c for n, (row, _) in zip(names, rows, strict=True) for board, c in row.items()
    }
    errors = {n: e for n, (_, e) in zip(names, rows, strict=True) if e is not None}
    targets = len({target_for(b) for b in boards})
    return Matrix(models=names, boards=tuple(boards), cells=cells, errors=errors, targets=targets)
