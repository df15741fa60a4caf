"""Flash: what the model file (+ TFLM's code) needs against the board's flash, and the fixes.

* **external flash** (QSPI/OSPI, execute-in-place) where the board has it: the weights read
  from there, at the latency cost of the slower bus (estimated with the PSRAM bandwidth of
  :data:`planner.analysis.latency.MEMORY_BANDWIDTH`, a quad-SPI part too);
* the layers with the heaviest weights (a note), where quantising or pruning pays most.

Smaller widths shrink the weights and resolution leaves them alone: those suggestions carry
their own ``flash_bytes``. :func:`with_flash` gives every suggestion its flash figures.
"""

from __future__ import annotations

from dataclasses import replace

from planner.advise.base import AdviceContext, Found, Suggestion, suggestion
from planner.analysis.latency import estimate_stats_latency
from planner.targets.boards import MemoryRegion

__all__ = ["external_flash_regions", "heaviest_weights", "suggest_flash", "with_flash"]


def external_flash_regions(ctx: AdviceContext) -> tuple[MemoryRegion, ...]:
    """FLASH regions of the board beyond its internal flash (a QSPI/OSPI part)."""
    return tuple(
        r for r in ctx.board.memory if r.kind == "FLASH" and r.size_bytes > ctx.board.flash_bytes
    )


def heaviest_weights(ctx: AdviceContext, most: int = 5) -> str:
    """'weights by layer: 61 CONV_2D 409,600 B, ...' (the heaviest ``most``)."""
    layers = sorted(ctx.stats.layers, key=lambda layer: -layer.weight_bytes)[:most]
    listed = ", ".join(f"{lay.index} {lay.op} {lay.weight_bytes:,} B" for lay in layers)
    return f"heaviest weights by layer: {listed} (of {ctx.stats.weight_bytes:,} B of weights)"


def _xip_ms(ctx: AdviceContext) -> float:
    board = ctx.board
    return estimate_stats_latency(
        ctx.stats,
        board.core,
        board.kernels,
        board.clock_mhz,
        dsp=board.dsp,
        arena_memory=board.arena_region.kind,
        weights_memory="PSRAM",
    ).milliseconds


def _in_flash(ctx: AdviceContext, region: MemoryRegion) -> Suggestion:
    lat = _xip_ms(ctx)
    return suggestion(
        ctx,
        "external-flash",
        f"model in {region.name}",
        ctx.arena.min_arena_bytes,
        exact=ctx.arena.exact,
        latency_ms=lat,
        detail=(
            f"place the model's weights in {region.name} ({region.size_bytes:,} bytes, "
            f"memory-mapped / execute-in-place): estimated {lat:.1f} ms instead of "
            f"{ctx.base_ms:.1f} ms from internal flash"
        ),
        notes=(
            "link the model array into the external flash section (memory-mapped mode); "
            "TFLM is unchanged",
            *((region.notes,) if region.notes else ()),
        ),
        region=region.name,
        flash_budget_bytes=region.size_bytes,
    )


def suggest_flash(ctx: AdviceContext) -> Found:
    """External flash suggestions and the heaviest layers, when the flash does not fit."""
    if ctx.flash_fits:
        return (), ()
    found = tuple(_in_flash(ctx, region) for region in external_flash_regions(ctx))
    why: tuple[str, ...] = (
        f"flash: the model needs {ctx.flash_bytes:,} B (file {ctx.graph.file_bytes:,} B + TFLM "
        f"code ~{ctx.runtime_flash_bytes:,} B) of {ctx.board.flash_bytes:,} B",
        heaviest_weights(ctx),
    )
    if not found:
        why += (f"{ctx.board.name} has no external flash listed in its board file",)
    return found, why


def with_flash(ctx: AdviceContext, s: Suggestion) -> Suggestion:
    """``s`` with its flash figures, fitting only when SRAM and flash both fit."""
    file_bytes = ctx.graph.file_bytes if s.model_file_bytes is None else s.model_file_bytes
    flash = file_bytes + ctx.runtime_flash_bytes
    budget = s.flash_budget_bytes or ctx.board.flash_bytes
    done = replace(s, flash_bytes=flash, flash_budget_bytes=budget)
    notes = done.notes
    if not done.flash_fits:
        notes += (
            f"flash: needs {flash:,} B (model file {file_bytes:,} B + TFLM code) of "
            f"{budget:,} B, so it does not fit",
        )
    return replace(done, fits=done.sram_fits and done.flash_fits, notes=notes)
