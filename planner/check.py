"""Check a model's memory needs against a board: the verdict `planner fit` prints.

Pure functions over the analysis, the arena prediction and the board; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from planner._gc import gc_paused
from planner.analysis.latency import LatencyEstimate
from planner.analysis.layers import LayerStats, ModelStats
from planner.model.graph import Graph
from planner.runtimes.tflm.allocation_info import planned_tensor_bytes
from planner.runtimes.tflm.arena import ArenaPrediction
from planner.targets.boards import Board
from planner.targets.target import HOST, Target

#: TFLM's framework code without kernels, measured by TFLM's memory_footprint example
#: (tensorflow/tflite-micro examples/memory_footprint/README.md): Cortex-M3 and x86-64.
RUNTIME_CODE_BYTES_32BIT = 9_732
RUNTIME_CODE_BYTES_64BIT = 20_411
#: Allowance per distinct kernel registered. tensorflow.org gives 16 KB for the core runtime
#: and 22 KB with the keyword model's four ops on a Cortex-M3, i.e. about 1.5 KB an op for
#: small reference kernels; optimised kernels (CMSIS-NN conv, LSTM) are larger, so the
#: planner allows 4 KiB per kernel. This is an estimate, and reports say so.
KERNEL_CODE_BYTES_ESTIMATE = 4_096


#: What makes a board's arena differ from the host's, one cause per group of Target fields,
#: with how to name the board's value of it. :func:`host_path` changes them in this order.
HOST_CAUSES: tuple[tuple[tuple[str, ...], Callable[[Target], str]], ...] = (
    (("pointer_bits",), lambda t: f"{t.pointer_bits}-bit pointers"),
    (("short_enums",), lambda t: "short enums" if t.short_enums else "int-sized enums"),
    (
        ("kernels", "dsp", "mve", "optimized_for_speed"),
        lambda t: t.label.split(", ", 1)[1],
    ),
    (("allocator",), lambda t: f"{t.allocator} allocator"),
    (
        ("compression", "tflm", "memory_planner"),
        lambda t: f"TFLM {t.tflm} {'with' if t.compression else 'without'} compression",
    ),
)


def host_path(target: Target) -> tuple[tuple[str, Target], ...]:
    """The targets from :data:`HOST` to ``target``, changing one cause of
    :data:`HOST_CAUSES` at a time (causes that do not differ are skipped), each named."""
    steps, current = [], HOST
    for names, name in HOST_CAUSES:
        changed = {
            f: getattr(target, f) for f in names if getattr(target, f) != getattr(current, f)
        }
        if changed:
            current = replace(current, **changed)
            steps.append((name(current), current))
    return tuple(steps)


def saving_percent(before_bytes: int, after_bytes: int) -> float:
    """The one definition of a saving every command prints: smallest arena saved, as a
    percentage of the smallest arena before (0 when there was nothing)."""
    return 100.0 * (before_bytes - after_bytes) / before_bytes if before_bytes else 0.0


@dataclass(frozen=True)
class PlanLayout:
    """Why a model whose every step fits does not fit: TFLM's plan leaves gaps. Figures from
    the arena prediction and from running `planner optimize` (never a guess)."""

    #: TFLM's head and the in-order lower bound (largest sum of buffers live at one step).
    head_bytes: int
    lower_bound_bytes: int
    #: Smallest kTensorArenaSize with the optimized model, and the budget it is measured against.
    optimized_min_arena_bytes: int
    sram_budget_bytes: int

    @property
    def gaps_bytes(self) -> int:
        return self.head_bytes - self.lower_bound_bytes

    @property
    def optimize_fits(self) -> bool:
        return self.optimized_min_arena_bytes <= self.sram_budget_bytes


@dataclass(frozen=True)
class LayerCheck:
    """One layer against the budget."""

    layer: LayerStats
    #: Its input plus output activations alone exceed the budget.
    io_overflows: bool
    #: What must be resident in the arena while it runs exceeds the budget: its live tensors
    #: (each rounded to 16 bytes as TFLM plans them), its scratch buffers and the persistent
    #: tail. No memory plan can do better than this at this step.
    live_overflows: bool
    #: The bytes behind ``live_overflows``: live + scratch + tail.
    step_sram_bytes: int
    #: False when this operator's own memory needs (scratch, kernel data) are unknown.
    memory_exact: bool = True

    @property
    def overflows(self) -> bool:
        return self.io_overflows or self.live_overflows


@dataclass(frozen=True)
class FitCheck:
    """The verdict for one model on one board."""

    graph: Graph
    board: Board
    stats: ModelStats
    arena: ArenaPrediction
    layers: tuple[LayerCheck, ...]
    sram_budget_bytes: int
    flash_model_bytes: int
    flash_runtime_bytes: int
    flash_budget_bytes: int
    #: The same model on ``host`` (64-bit, reference kernels: what `planner verify` can check
    #: against the real runtime), when the board's target differs; else None.
    host_arena: ArenaPrediction | None = None
    #: The memory plan behind ``arena``: "tflm" (TFLM's own greedy planner) or "optimized"
    #: (`planner optimize`'s operator order and offline plan, as TFLM realises it).
    planner: str = "tflm"
    #: TFLM's own plan of the original model, when ``planner`` is not "tflm": the comparison.
    tflm_arena: ArenaPrediction | None = None
    #: Estimated latency per layer and in total (an estimate: see planner.analysis.latency).
    latency: LatencyEstimate | None = None
    #: The arenas on the way from ``host_arena`` to ``arena``, one cause changed at a time
    #: (:func:`host_path`): (cause, arena after it). Empty when not computed.
    host_steps: tuple[tuple[str, ArenaPrediction], ...] = ()
    #: Set when the model fails only because of TFLM's plan layout (see :class:`PlanLayout`).
    plan_layout: PlanLayout | None = None

    @property
    def model_path(self) -> str:
        return self.graph.path

    @property
    def opcodes(self) -> tuple[str, ...]:
        return self.graph.opcodes

    @property
    def warnings(self) -> tuple[str, ...]:
        notes = list(self.stats.warnings)
        if not self.arena.exact:
            notes.append(
                "the arena figure is not exact: the memory needs of "
                + ", ".join(self.arena.unknown)
                + " are unknown to the planner; the real arena may be larger"
            )
        return tuple(notes)

    @property
    def sram_required_bytes(self) -> int:
        """The smallest ``kTensorArenaSize`` that allocates, as TFLM needs it."""
        return self.arena.min_arena_bytes

    @property
    def flash_required_bytes(self) -> int:
        return self.flash_model_bytes + self.flash_runtime_bytes

    @property
    def exact(self) -> bool:
        """False when some operator's memory needs are unknown: the SRAM figure is a floor."""
        return self.arena.exact

    @property
    def fits_sram(self) -> bool:
        """Proven to fit: an inexact figure is only a lower bound, so it never proves a fit."""
        return self.exact and self.sram_required_bytes <= self.sram_budget_bytes

    @property
    def verdict(self) -> str:
        """'fits', 'does not fit', or 'unknown' (the floor fits, but the figure is not exact)."""
        if not self.fits_flash or self.sram_required_bytes > self.sram_budget_bytes:
            return "does not fit"
        return "fits" if self.fits_sram else "unknown"

    @property
    def fits_flash(self) -> bool:
        return self.flash_required_bytes <= self.flash_budget_bytes

    @property
    def fits(self) -> bool:
        return self.fits_sram and self.fits_flash

    @property
    def sram_headroom_bytes(self) -> int:
        return self.sram_budget_bytes - self.sram_required_bytes

    @property
    def sram_headroom_percent(self) -> float:
        if self.sram_budget_bytes <= 0:
            return float("-inf")
        return 100.0 * self.sram_headroom_bytes / self.sram_budget_bytes

    @property
    def flash_headroom_bytes(self) -> int:
        return self.flash_budget_bytes - self.flash_required_bytes

    @property
    def saving_bytes(self) -> int:
        """Smallest arena saved against TFLM's own plan (0 when this is TFLM's plan)."""
        if self.tflm_arena is None:
            return 0
        return self.tflm_arena.min_arena_bytes - self.arena.min_arena_bytes

    @property
    def saving_percent(self) -> float:
        if self.tflm_arena is None:
            return 0.0
        return saving_percent(self.tflm_arena.min_arena_bytes, self.arena.min_arena_bytes)

    @property
    def fails_only_by_layout(self) -> bool:
        """Does not fit SRAM, though no step needs more than the budget and flash fits: only
        TFLM's placement of the buffers is in the way."""
        return (
            self.exact
            and self.fits_flash
            and self.sram_required_bytes > self.sram_budget_bytes
            and not any(c.live_overflows for c in self.layers)
        )

    def layer_latency_us(self, position: int) -> float | None:
        """Estimated microseconds of the ``position``-th layer (in ``layers`` order)."""
        if self.latency is None:
            return None
        return 1e6 * self.latency.layers[position].cycles / self.latency.clock_hz

    @property
    def host_differences(self) -> tuple[str, ...]:
        """How this board's arena differs from the host's and why, one line per part that
        differs (an unchanged head or tail is not listed). Each cause carries its own signed
        share, measured by predicting with the host's target changed one cause at a time
        (``host_steps``); the shares add up to the line's difference."""
        if self.host_arena is None:
            return ()
        notes = []
        for part in ("tail", "head"):
            here, host = (
                getattr(self.arena, f"{part}_bytes"),
                getattr(self.host_arena, f"{part}_bytes"),
            )
            if here == host:
                continue
            why, before = [], self.host_arena
            for cause, after in self.host_steps:
                share = getattr(after, f"{part}_bytes") - getattr(before, f"{part}_bytes")
                if share:
                    why.append(f"{cause} {share:+,} B")
                before = after
            notes.append(_compare(part, here, host, why))
        return tuple(notes)

    @property
    def figures_from_sources(self) -> bool:
        """True when the board's kernels (ESP-NN) are modelled from their sources alone: no
        probe has measured them on a chip."""
        return self.arena.target.kernels == "esp-nn"

    @property
    def overflowing_layers(self) -> tuple[LayerCheck, ...]:
        return tuple(c for c in self.layers if c.overflows)


def _compare(part: str, here: int, host: int, why: list[str]) -> str:
    """'tail 81,236 B here vs 26,676 B on host, 54,560 B larger: 32-bit pointers -5,372 B;
    cmsis-nn kernels +59,932 B'."""
    diff = here - host
    text = (
        f"{part} {here:,} B here vs {host:,} B on host, {abs(diff):,} B "
        f"{'larger' if diff > 0 else 'smaller'}"
    )
    return text + (": " + "; ".join(why) if why else "")


def runtime_code_bytes(board: Board, opcodes: tuple[str, ...]) -> int:
    """Estimated flash for TFLM's code: the framework plus one allowance per kernel."""
    framework = RUNTIME_CODE_BYTES_64BIT if board.pointer_bits == 64 else RUNTIME_CODE_BYTES_32BIT
    return framework + KERNEL_CODE_BYTES_ESTIMATE * len(opcodes)


def _unknown_opcodes(unknown: tuple[str, ...]) -> frozenset[str]:
    """Operator names (or custom codes) behind the arena's list of unknown things."""
    names = set()
    for entry in unknown:
        if entry.startswith("custom op "):
            names.add(entry.removeprefix("custom op "))
        else:
            names.add(entry.split(" ")[0])
    return frozenset(names)


@gc_paused
def check_fit(
    graph: Graph,
    stats: ModelStats,
    arena: ArenaPrediction,
    board: Board,
    host_arena: ArenaPrediction | None = None,
    *,
    planner: str = "tflm",
    tflm_arena: ArenaPrediction | None = None,
    latency: LatencyEstimate | None = None,
) -> FitCheck:
    """Compare the model's SRAM and flash needs with what the board offers."""
    budget = board.sram_budget_bytes
    scratch = arena.scratch_bytes
    unknown = _unknown_opcodes(arena.unknown)
    layers = []
    # Planned (16-byte rounded) bytes of each tensor a layer finds live, 0 for variables (they
    # live in the tail), computed once per tensor: consecutive layers share most of their live
    # tensors, and thousands can be live at every step.
    planned_bytes: dict[int, list[int]] = {}
    for layer in stats.layers:
        sg = graph.subgraphs[layer.subgraph]
        table = planned_bytes.get(layer.subgraph)
        if table is None:
            table = planned_bytes[layer.subgraph] = [-1] * len(sg.tensors)
        for t in layer.live_tensors:
            if table[t] < 0:
                tensor = sg.tensors[t]
                table[t] = 0 if tensor.is_variable else planned_tensor_bytes(tensor)
        planned = sum(map(table.__getitem__, layer.live_tensors))
        step = planned + scratch.get((layer.subgraph, layer.index), 0) + arena.tail_bytes
        layers.append(
            LayerCheck(
                layer=layer,
                io_overflows=layer.io_bytes > budget,
                live_overflows=step > budget,
                step_sram_bytes=step,
                memory_exact=not (
                    layer.op in unknown or sg.operators[layer.index].custom_code in unknown
                ),
            )
        )
    return FitCheck(
        graph=graph,
        board=board,
        stats=stats,
        arena=arena,
        layers=tuple(layers),
        sram_budget_bytes=budget,
        flash_model_bytes=graph.file_bytes,
        flash_runtime_bytes=runtime_code_bytes(board, graph.opcodes),
        flash_budget_bytes=board.flash_bytes,
        host_arena=host_arena,
        planner=planner,
        tflm_arena=tflm_arena,
        latency=latency,
    )
