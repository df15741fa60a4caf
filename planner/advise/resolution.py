"""A smaller input resolution: the largest square input (a multiple of ``step``) at which the
model fits, found by re-deriving every shape (:mod:`planner.analysis.shapes`) and sizing the
arena through the sequencer."""

from __future__ import annotations

from planner.advise.base import AdviceContext, Found, retrained
from planner.analysis.shapes import ShapeError, input_resolution, with_resolution
from planner.model.graph import Graph
from planner.runtimes.tflm.arena import ArenaPrediction

__all__ = ["suggest_resolution"]


def _search(ctx: AdviceContext, top: int) -> tuple[int, ArenaPrediction, Graph, list[str]] | str:
    """The largest resolution from ``top`` down that fits (else the smallest tried), or why
    none could be tried."""
    last: tuple[int, ArenaPrediction, Graph, list[str]] | None = None
    floor = ctx.options.min_resolution
    for r in range(top, floor - 1, -ctx.options.step):
        notes: list[str] = []
        try:
            g2 = with_resolution(ctx.graph, r, r, notes)
        except ShapeError as exc:
            if r == top:
                return f"the input resolution cannot change: {exc}"
            break
        arena = ctx.arena_of(g2)
        last = (r, arena, g2, notes)
        if arena.min_arena_bytes <= ctx.budget:
            break
    if last is None:
        return f"no resolution between {top} and {floor} to try"
    return last


def suggest_resolution(ctx: AdviceContext) -> Found:
    res = input_resolution(ctx.graph)
    if res is None:
        return (), ("the model input is not an image (NHWC), so there is no resolution to lower",)
    h, w = res
    step = ctx.options.step
    found = _search(ctx, (min(h, w) - 1) // step * step)
    if isinstance(found, str):
        return (), (found,)
    r, arena, g2, notes = found
    square = "" if h == w else f" (the model is {h}x{w}; the search tries square inputs)"
    suggestion = retrained(
        ctx,
        "resolution",
        f"input {r}x{r} instead of {h}x{w}",
        g2,
        arena,
        (
            f"largest square input (multiple of {step}) that fits: {r}x{r}{square}",
            f"even {r}x{r} (the smallest tried) needs {arena.min_arena_bytes} bytes",
        ),
        (
            "re-export the model at this resolution (and fine-tune: accuracy drops with "
            "resolution)",
            *notes,
        ),
        resolution=(r, r),
    )
    return (suggestion,), ()
