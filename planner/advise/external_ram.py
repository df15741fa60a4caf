"""The arena in the board's external RAM (SDRAM, PSRAM): the model unchanged, TFLM unchanged,
the arena placed by a linker section, at the latency cost of the slower memory."""

from __future__ import annotations

from planner.advise.base import AdviceContext, Found, Suggestion, suggestion
from planner.targets.boards import MemoryRegion

__all__ = ["suggest_external_ram"]


def _region_notes(region: MemoryRegion) -> tuple[str, ...]:
    notes = ["put the arena in the external region with a linker section; TFLM is unchanged"]
    if region.notes:
        notes.append(region.notes)
    return tuple(notes)


def _in_region(ctx: AdviceContext, region: MemoryRegion) -> Suggestion:
    lat = ctx.latency_ms(ctx.graph, ctx.stats, region.kind)
    return suggestion(
        ctx,
        "external-ram",
        f"arena in {region.name}",
        ctx.arena.min_arena_bytes,
        budget_bytes=region.size_bytes,
        exact=ctx.arena.exact,
        latency_ms=lat,
        detail=(
            f"place the tensor arena in {region.kind} ({region.size_bytes} bytes): "
            f"estimated {lat:.1f} ms instead of {ctx.base_ms:.1f} ms from on-chip SRAM"
        ),
        notes=_region_notes(region),
        region=region.name,
    )


def suggest_external_ram(ctx: AdviceContext) -> Found:
    return tuple(_in_region(ctx, r) for r in ctx.board.external_arena_regions), ()
