"""What every advice strategy shares: the suggestion and advice records, the context a
strategy reads, and the one way it sizes a candidate graph's arena (:func:`planner.api.predict`).

A strategy is a function ``(AdviceContext) -> Found``: the suggestions it makes and the notes
on why it made none. :func:`planner.advise.advise` runs them all and ranks the suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from planner.analysis.latency import LatencyEstimate, estimate_latency
from planner.analysis.layers import ModelStats
from planner.model.graph import Graph
from planner.runtimes.tflm.arena import ArenaPrediction
from planner.targets.boards import Board

if TYPE_CHECKING:
    from planner.advise.patch import PatchPlan

DEFAULT_WIDTHS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.35, 0.25)

#: How suggestions are ranked when several fit: lower is cheaper. Changing nothing in the model
#: comes first (a better plan, then external RAM, which costs speed); then changes that need
#: re-training but run on stock TFLM (resolution, then width, which also shrinks accuracy more
#: per byte); then a different runtime (in-place depthwise, then patch-based inference).
COST_TIERS: dict[str, int] = {
    "better-planner": 0,
    "external-ram": 1,
    "external-flash": 1,
    "resolution": 2,
    "width": 3,
    "inplace-depthwise": 4,
    "patch": 5,
    "patch-inplace": 6,
}

SuggestionKind = Literal[
    "better-planner",
    "external-ram",
    "external-flash",
    "resolution",
    "width",
    "inplace-depthwise",
    "patch",
    "patch-inplace",
]


@dataclass(frozen=True)
class Suggestion:
    """One way to make the model fit (or to get closer)."""

    kind: SuggestionKind
    title: str
    fits: bool
    #: Runs on stock TFLM without changing the runtime (a retrained/re-exported model may
    #: still be needed: see ``retrain``).
    stock_tflm: bool
    #: The model must be re-trained or fine-tuned (resolution, width).
    retrain: bool
    #: SRAM the configuration needs (arena, or activation peak for non-TFLM runtimes).
    sram_bytes: int
    #: True when ``sram_bytes`` is TFLM's exact smallest arena.
    exact: bool
    budget_bytes: int
    macs: int
    mac_overhead: float
    latency_ms: float | None
    detail: str
    notes: tuple[str, ...] = ()
    resolution: tuple[int, int] | None = None
    width: float | None = None
    weight_bytes: int | None = None
    patch: PatchPlan | None = None
    region: str | None = None
    #: Flash the configuration needs (model file + TFLM code) and the flash it goes in; 0/0
    #: until :func:`planner.advise.advise` fills them in (``fits`` then needs both).
    flash_bytes: int = 0
    flash_budget_bytes: int = 0
    #: The model file this suggestion ends with, when it is not the current one.
    model_file_bytes: int | None = None
    #: The command here that carries it out, if any.
    command: str | None = None

    @property
    def cost_tier(self) -> int:
        return COST_TIERS[self.kind]

    @property
    def sram_fits(self) -> bool:
        return self.sram_bytes <= self.budget_bytes

    @property
    def flash_fits(self) -> bool:
        return self.flash_bytes <= self.flash_budget_bytes

    @property
    def arena_size(self) -> int | None:
        """The ``kTensorArenaSize`` to build with: the arena TFLM needs, when stock TFLM runs
        it and the figure is exact; else None."""
        return self.sram_bytes if self.stock_tflm and self.exact else None


@dataclass(frozen=True)
class Advice:
    """What fits: the model's own figures and the ranked suggestions."""

    model: str
    board: str
    budget_bytes: int
    required_bytes: int
    exact: bool
    fits: bool
    macs: int
    latency: LatencyEstimate
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...] = field(default=())
    flash_bytes: int = 0
    flash_budget_bytes: int = 0
    #: SRAM alone fits (``fits`` needs flash too).
    sram_fits: bool = True

    @property
    def flash_fits(self) -> bool:
        return self.flash_bytes <= self.flash_budget_bytes

    @property
    def fitting(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.fits)


def arena_of(graph: Graph, board: Board) -> ArenaPrediction:
    """TFLM's arena for a candidate graph on ``board``, from the one sequencer."""
    from planner.api import predict

    return predict(graph, board)


def arena_how(arena: ArenaPrediction) -> str:
    """How an arena figure was obtained, for a suggestion's notes."""
    return f"TFLM smallest arena ({arena.target.label})"


def relative(new: int, base: int) -> float:
    """``new / base - 1`` (0 when there is no base): a saving is negative."""
    return new / base - 1.0 if base else 0.0


@dataclass(frozen=True)
class AdviceOptions:
    """The knobs of `planner advise`."""

    step: int = 16
    min_resolution: int = 32
    widths: Sequence[float] = DEFAULT_WIDTHS
    better_arena_bytes: int | None = None


@dataclass(frozen=True)
class AdviceContext:
    """What a strategy reads: the model, the board, its arena and figures as they are now."""

    graph: Graph
    board: Board
    stats: ModelStats
    arena: ArenaPrediction
    latency: LatencyEstimate
    options: AdviceOptions

    @property
    def budget(self) -> int:
        return self.board.sram_budget_bytes

    def arena_of(self, graph: Graph) -> ArenaPrediction:
        return arena_of(graph, self.board)

    def latency_ms(self, graph: Graph, stats: ModelStats, kind: str | None = None) -> float:
        return estimate_latency(graph, self.board, arena_memory=kind, stats=stats).milliseconds

    @property
    def base_ms(self) -> float:
        return self.latency.milliseconds

    @property
    def runtime_flash_bytes(self) -> int:
        """TFLM's code in flash (an estimate: framework + one allowance per kernel)."""
        from planner.check import runtime_code_bytes

        return runtime_code_bytes(self.board, self.graph.opcodes)

    @property
    def flash_bytes(self) -> int:
        """Flash the model needs as it is: its file + TFLM's code."""
        return self.graph.file_bytes + self.runtime_flash_bytes

    @property
    def flash_fits(self) -> bool:
        return self.flash_bytes <= self.board.flash_bytes


#: What a strategy returns: its suggestions, and notes on why it made none (or caveats).
Found = tuple[tuple[Suggestion, ...], tuple[str, ...]]


class Strategy(Protocol):
    """One way of making a model fit, e.g. a smaller resolution or patch-based inference."""

    def __call__(self, ctx: AdviceContext) -> Found: ...


def suggestion(
    ctx: AdviceContext,
    kind: SuggestionKind,
    title: str,
    sram_bytes: int,
    *,
    budget_bytes: int | None = None,
    **figures: Any,
) -> Suggestion:
    """A suggestion, fitting when ``sram_bytes`` is within ``budget_bytes`` (the board's SRAM
    budget unless given). ``figures`` are its other fields (``exact``, ``detail``, ...); those
    left out are the model's as it is: stock TFLM, no re-training, its MACs and latency."""
    budget = ctx.budget if budget_bytes is None else budget_bytes
    kept: dict[str, Any] = {
        "stock_tflm": True,
        "retrain": False,
        "macs": ctx.stats.macs,
        "mac_overhead": 0.0,
        "latency_ms": ctx.base_ms,
    }
    return Suggestion(
        kind=kind,
        title=title,
        fits=sram_bytes <= budget,
        sram_bytes=sram_bytes,
        budget_bytes=budget,
        **{**kept, **figures},
    )


def retrained(
    ctx: AdviceContext,
    kind: SuggestionKind,
    title: str,
    derived: Graph,
    arena: ArenaPrediction,
    detail: tuple[str, str],
    notes: Sequence[str],
    **extra: Any,
) -> Suggestion:
    """A suggestion to re-train the model as ``derived`` (another resolution or width):
    ``detail`` is (what it says when it fits, what it says when it does not)."""
    from planner.analysis.layers import analyse

    stats = analyse(derived)
    need = arena.min_arena_bytes
    return suggestion(
        ctx,
        kind,
        title,
        need,
        retrain=True,
        exact=arena.exact,
        macs=stats.macs,
        mac_overhead=relative(stats.macs, ctx.stats.macs),
        latency_ms=ctx.latency_ms(derived, stats),
        detail=detail[0] if need <= ctx.budget else detail[1],
        notes=(*notes, arena_how(arena)),
        weight_bytes=stats.weight_bytes,
        model_file_bytes=derived.file_bytes,
        **extra,
    )
