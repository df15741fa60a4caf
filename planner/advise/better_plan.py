"""A better memory plan than TFLM's greedy one (``planner optimize``'s operator order and
offsets), which stock TFLM honours through ``OfflineMemoryAllocation`` metadata."""

from __future__ import annotations

from planner.advise.base import AdviceContext, Found, suggestion

__all__ = ["suggest_better_plan"]


def suggest_better_plan(ctx: AdviceContext) -> Found:
    better = ctx.options.better_arena_bytes
    if better is None:
        return (), ()
    found = suggestion(
        ctx,
        "better-planner",
        "a better memory plan (offline plan in the model)",
        better,
        exact=True,
        detail=(
            f"a planner found an arena of {better} B (TFLM's greedy "
            f"plan: {ctx.arena.min_arena_bytes} B)"
        ),
        notes=(
            "embed the plan as OfflineMemoryAllocation metadata: stock TFLM "
            "uses the offsets it gives",
        ),
    )
    return (found,), ()
