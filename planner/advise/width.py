"""A smaller width multiplier (MobileNet-style graphs): the largest of ``widths`` that fits,
every channel count re-derived as Keras rounds it, the arena sized through the sequencer."""

from __future__ import annotations

from dataclasses import replace

from planner.advise.base import AdviceContext, Found, retrained
from planner.analysis.shapes import ShapeError, WidthInfo, mobilenet_like, with_width
from planner.model.graph import Graph
from planner.runtimes.tflm.arena import ArenaPrediction

__all__ = ["suggest_width"]


def _search(ctx: AdviceContext) -> tuple[float, ArenaPrediction, Graph, WidthInfo] | str:
    """The widest multiplier below 1 that fits (else the narrowest tried), or why none."""
    last = None
    for factor in sorted((f for f in ctx.options.widths if f < 1.0), reverse=True):
        try:
            g2, info = with_width(ctx.graph, factor)
        except ShapeError as exc:
            return f"the width cannot be scaled: {exc}"
        arena = ctx.arena_of(g2)
        last = (factor, arena, g2, info)
        if arena.min_arena_bytes <= ctx.budget:
            break
    return "no width multiplier below 1.0 to try" if last is None else last


def suggest_width(ctx: AdviceContext) -> Found:
    ok, why = mobilenet_like(ctx.graph)
    if not ok:
        return (), (why,) if why else ()
    found = _search(ctx)
    if isinstance(found, str):
        return (), (found,)
    factor, arena, g2, info = found
    notes = [
        "re-train at this width (a narrower network is a different model)",
        "channel counts rounded to multiples of 8 (Keras _make_divisible); MobileNetV2 "
        "expansion layers keep their ratio",
        *(f"operator {i} keeps its channels: {why}" for i, why in info.kept),
    ]
    widths = ", ".join(f"{f:g}" for f in ctx.options.widths)
    suggestion = retrained(
        ctx,
        "width",
        f"width x{factor:g} of the current model",
        g2,
        arena,
        (
            f"largest width multiplier from {widths} that fits",
            f"even x{factor:g} (the smallest tried) needs {arena.min_arena_bytes} bytes",
        ),
        notes,
        width=factor,
    )
    if g2.file_bytes > ctx.board.flash_bytes:
        note = f"the model file ({g2.file_bytes} bytes) still exceeds the flash"
        suggestion = replace(suggestion, notes=(*suggestion.notes, note))
    return (suggestion,), ()
