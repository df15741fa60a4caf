"""tflm-planner: does an int8 TFLite model fit a microcontroller under TFLM, to the byte?

The pipeline, one module per stage::

    loader     .tflite file  -> Graph (planner.model.graph, immutable)
    analysis   Graph         -> per-layer bytes, live tensors, weights, MACs
    arena      Graph         -> TFLM's arena: lifetimes + scratch -> planners -> persistent tail
    boards     board files   -> Board;   check: Board + figures -> FitCheck (the verdict)
    render     FitCheck      -> text, JSON, CSV, Markdown, HTML

``planner.fit(model, board)`` runs all of it. Names are imported lazily so that
``python -m planner.<module>`` and the CLI load only what they use.
"""

from __future__ import annotations

#: typing.TYPE_CHECKING, without importing typing before the command turns the cyclic
#: collector off (planner/__main__.py); type checkers read the block below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["BoardError", "ModelError", "PlannerError", "fit", "resolve_board"]


def __getattr__(name: str) -> Any:
    if name in ("fit", "resolve_board"):
        from planner import api

        return getattr(api, name)
    if name in ("BoardError", "ModelError", "PlannerError"):
        from planner import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
