"""What would fit: suggestions for a model that does not fit a board, ranked by cost.

Each strategy is one module with one function ``(AdviceContext) -> Found``
(:class:`planner.advise.base.Strategy`):

* **a better memory plan** (:mod:`~planner.advise.better_plan`): the figure
  ``planner optimize`` found; stock TFLM honours it through ``OfflineMemoryAllocation``;
* **external RAM** (:mod:`~planner.advise.external_ram`): the arena in SDRAM/PSRAM;
* **a smaller input resolution** (:mod:`~planner.advise.resolution`);
* **a smaller width multiplier** (:mod:`~planner.advise.width`, MobileNet-style graphs);
* **in-place depthwise convolution** (:mod:`~planner.advise.inplace`, TinyEngine-style);
* **patch-based inference of the first stage** (:mod:`~planner.advise.patch`, MCUNetV2);
* **flash** (:mod:`~planner.advise.flash`): external QSPI/XIP flash, the heaviest layers.

A suggestion fits only when both its SRAM and its flash fit.

Every arena figure of a candidate graph comes from :func:`planner.api.predict`. Each
:class:`Suggestion` says whether stock TFLM runs it unchanged.

Against MCUNetV2's MobileNetV2-1.0/224 (Table 1): the per-layer peak of 1372 kB is
112x112x(16+96) = 1,404,928 B, which in-place depthwise reproduces (TFLM, which keeps every
depthwise output separately, peaks at 1,505,280 B on the stride-2 depthwise after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from planner.advise.base import (
    COST_TIERS,
    DEFAULT_WIDTHS,
    Advice,
    AdviceContext,
    AdviceOptions,
    Found,
    Strategy,
    Suggestion,
    arena_how,
    arena_of,
)
from planner.advise.better_plan import suggest_better_plan
from planner.advise.external_ram import suggest_external_ram
from planner.advise.flash import suggest_flash, with_flash
from planner.advise.inplace import inplace_depthwise_peak, suggest_inplace
from planner.advise.patch import (
    PatchPlan,
    candidate_splits,
    patch_plan,
    search_patch_plans,
    suggest_patches,
)
from planner.advise.receptive_field import RFStep, receptive_field
from planner.advise.resolution import suggest_resolution
from planner.advise.surgery import truncate_after
from planner.advise.width import suggest_width
from planner.analysis.latency import estimate_latency
from planner.analysis.layers import analyse
from planner.model.graph import Graph
from planner.targets.boards import Board

__all__ = [
    "COST_TIERS",
    "DEFAULT_WIDTHS",
    "STRATEGIES",
    "Advice",
    "AdviceContext",
    "Found",
    "PatchPlan",
    "RFStep",
    "Strategy",
    "Suggestion",
    "advise",
    "candidate_splits",
    "inplace_depthwise_peak",
    "patch_plan",
    "receptive_field",
    "search_patch_plans",
    "truncate_after",
]

#: Every strategy, in the order their suggestions are collected (ranking sorts them after).
STRATEGIES: tuple[Strategy, ...] = (
    suggest_better_plan,
    suggest_external_ram,
    suggest_resolution,
    suggest_width,
    suggest_inplace,
    suggest_patches,
    suggest_flash,
)


def _command(ctx: AdviceContext, s: Suggestion) -> Suggestion:
    """``s`` with the command that carries it out, where a command here can."""
    if s.kind != "better-planner":
        return s
    from pathlib import Path

    model = Path(ctx.graph.path)
    out = model.with_name(model.stem + "_optimized.tflite")
    return replace(s, command=f"planner optimize {model} -b {ctx.board.name} -o {out}")


def advise(
    graph: Graph,
    board: Board,
    *,
    step: int = 16,
    min_resolution: int = 32,
    widths: Sequence[float] = DEFAULT_WIDTHS,
    better_arena_bytes: int | None = None,
    always: bool = False,
    strategies: Sequence[Strategy] = STRATEGIES,
) -> Advice:
    """Suggestions that make ``graph`` fit ``board``'s SRAM budget, ranked by cost.

    ``better_arena_bytes``: the smallest arena a better memory planner found (e.g. from
    ``planner optimize``), offered as the cheapest suggestion. ``always``: suggest even when
    the model already fits.
    """
    stats = analyse(graph)
    arena = arena_of(graph, board)
    ctx = AdviceContext(
        graph=graph,
        board=board,
        stats=stats,
        arena=arena,
        latency=estimate_latency(graph, board, stats=stats),
        options=AdviceOptions(step, min_resolution, widths, better_arena_bytes),
    )
    sram_fits = arena.min_arena_bytes <= ctx.budget
    fits = sram_fits and ctx.flash_fits
    notes: list[str] = []
    if not arena.exact:
        notes.append(f"arena figures are estimates: {arena_how(arena)}")
    suggestions: list[Suggestion] = []
    if not fits or always:
        for strategy in strategies:
            found, why = strategy(ctx)
            suggestions.extend(_command(ctx, with_flash(ctx, s)) for s in found)
            notes.extend(why)
    ranked = sorted(suggestions, key=lambda s: (not s.fits, s.cost_tier, s.latency_ms or 0.0))
    return Advice(
        model=graph.path,
        board=board.name,
        budget_bytes=ctx.budget,
        required_bytes=arena.min_arena_bytes,
        exact=arena.exact,
        fits=fits,
        macs=stats.macs,
        latency=ctx.latency,
        suggestions=tuple(ranked),
        notes=tuple(notes),
        flash_bytes=ctx.flash_bytes,
        flash_budget_bytes=ctx.board.flash_bytes,
        sram_fits=sram_fits,
    )
