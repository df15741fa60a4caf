"""Patch-based inference of the first stage (MCUNetV2, arXiv 2110.15352).

The leading layers run patch by patch; the plan names the split layer and the patch grid, the
peak memory, the extra MACs from overlapping receptive fields, and the receptive-field
arithmetic. The rest of the network runs layer by layer; its arena comes from the sequencer.

Against MCUNetV2's published MobileNetV2-1.0/224 figures (Table 1): with 4x4 patches up to the
first 28x28 block the input patch is 75x75 here too, but the plan peaks at 200,704 B, not
172 kB: after the split the first 28x28 project conv has its 28x28x192 input, its 28x28x32
output *and* the 28x28x32 residual alive, while MCUNetV2 counts 28x28x(32+192) (+ one
channel). MACs: +31% in the patch stage and +9.3% overall here, against +42% and +10%: the
patches here are clipped at the image border (edge patches need no halo beyond it), MCUNetV2
counts every patch at the full 75x75.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from planner.advise.base import AdviceContext, Found, Suggestion, arena_of, suggestion
from planner.advise.inplace import inplace_depthwise_peak
from planner.advise.receptive_field import PATCHABLE, RFStep, needed_regions, receptive_field
from planner.advise.surgery import crossing_tensors, truncate_after
from planner.analysis.latency import estimate_stats_latency
from planner.analysis.layers import ModelStats, analyse, in_order_lifetimes
from planner.errors import PlannerError
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.targets.boards import Board

__all__ = ["PatchPlan", "candidate_splits", "patch_plan", "search_patch_plans", "suggest_patches"]


@dataclass(frozen=True)
class PatchPlan:
    """Patch-based execution of operators 0..split_op, the rest layer by layer."""

    split_op: int
    split_tensor: str
    split_shape: tuple[int, ...]
    grid: int
    #: Largest patch of the split tensor (rows, cols) and the input region it needs by the
    #: formula (patch output - 1) x stride product + receptive field (before edge clipping).
    patch_output: tuple[int, int]
    patch_input: tuple[int, int]
    receptive_field: int
    stride_product: int
    rf_steps: tuple[RFStep, ...]
    #: Peak bytes while the stage runs: one patch's buffers + the whole split tensor
    #: (+ the whole input image when it is held in RAM).
    stage_peak_bytes: int
    #: Bytes the rest of the network needs (its arena, or its in-place activation peak).
    rest_bytes: int
    rest_exact: bool
    #: Overhead added to the stage peak: the rest's arena beyond its raw activations.
    overhead_bytes: int
    layerwise_stage_macs: int
    patched_stage_macs: int
    model_macs: int
    input_in_ram: bool
    inplace_depthwise: bool
    #: Patched MACs of each stage layer, by operator index (for latency).
    patched_layer_macs: tuple[tuple[int, int], ...] = ()

    @property
    def sram_bytes(self) -> int:
        return max(self.stage_peak_bytes + self.overhead_bytes, self.rest_bytes)

    @property
    def patched_macs(self) -> int:
        return self.model_macs - self.layerwise_stage_macs + self.patched_stage_macs

    @property
    def stage_mac_overhead(self) -> float:
        if self.layerwise_stage_macs == 0:
            return 0.0
        return self.patched_stage_macs / self.layerwise_stage_macs - 1.0

    @property
    def mac_overhead(self) -> float:
        return self.patched_macs / self.model_macs - 1.0 if self.model_macs else 0.0

    @property
    def patches(self) -> int:
        return self.grid * self.grid


def _patch_stage_ok(sg: Subgraph, split_op: int) -> str | None:
    """None if operators 0..split_op can run patch by patch; else why not."""
    for op in sg.operators[: split_op + 1]:
        if op.opcode not in PATCHABLE:
            return f"operator {op.index} ({op.opcode}) is not spatially local"
        if op.opcode == "CONCATENATION":
            rank = len(sg.tensors[op.outputs[0]].shape)
            axis = op.options.get("axis", 0)
            if not isinstance(axis, int) or axis % rank != rank - 1:
                return f"operator {op.index} concatenates along a spatial axis"
        for t in op.outputs:
            if len(sg.tensors[t].shape) != 4:
                return f"operator {op.index} ({op.opcode}) output is not an NHWC map"
    crossing = crossing_tensors(sg, split_op)
    if crossing != (sg.operators[split_op].outputs[0],):
        return f"more than one tensor crosses the split after operator {split_op}"
    return None


#: The most splits the patch search tries, the earliest first: patching pays off in the first,
#: high-resolution stage (MCUNetV2), each deeper split widens every patch's receptive field,
#: and each costs a prediction of the rest of the network (a chain of 1,500 convolutions made
#: the search quadratic).
MAX_SPLITS = 32
#: ... and fewer on deep networks: splits x operators stays under this.
SPLIT_WORK = 12_000


def candidate_splits(graph: Graph) -> tuple[int, ...]:
    """Operators after which the network can be split for patch-based inference (the
    earliest, at most :data:`MAX_SPLITS`, fewer when the network is deep)."""
    sg = graph.main
    most = min(MAX_SPLITS, max(8, SPLIT_WORK // max(len(sg.operators), 1)))
    out: list[int] = []
    for s in range(len(sg.operators) - 1):
        op = sg.operators[s]
        if op.opcode not in PATCHABLE or len(out) == most:
            break
        shape = sg.tensors[op.outputs[0]].shape
        if len(shape) == 4 and shape[1] >= 2 and _patch_stage_ok(sg, s) is None:
            out.append(s)
    return tuple(out)


def _patch_bounds(size: int, grid: int) -> list[tuple[int, int]] | None:
    step = -(-size // grid)
    bounds = [(i * step, min((i + 1) * step, size)) for i in range(grid)]
    if any(a >= b for a, b in bounds):
        return None
    return bounds


def _tensor_bytes_region(t: Tensor, rows: int, cols: int) -> int:
    per = t.nbytes // max(t.elements, 1) if t.elements else 1
    return rows * cols * t.shape[3] * max(per, 1)


@dataclass(frozen=True)
class _Rest:
    """What the network after the split needs."""

    bytes: int
    exact: bool
    activation_bytes: int


def _rest_figure(graph: Graph, board: Board | None, split_op: int, inplace: bool) -> _Rest:
    """The rest's arena on ``board`` (from the sequencer), or its activation peak."""
    rest = truncate_after(graph, split_op)
    stats = analyse(rest)
    if inplace:
        peak, _ = inplace_depthwise_peak(rest, stats)
        return _Rest(bytes=peak, exact=False, activation_bytes=peak)
    if board is None:
        peak = stats.peak_live_bytes
        return _Rest(bytes=peak, exact=False, activation_bytes=peak)
    arena = arena_of(rest, board)
    return _Rest(arena.min_arena_bytes, arena.exact, activation_bytes=stats.peak_live_bytes)


@dataclass(frozen=True)
class _Stage:
    """The patch stage of one split: its operators and what is alive while each runs."""

    sg: Subgraph
    split_op: int
    split: Tensor
    #: Per stage operator, the patch-sized tensors alive while it runs (the split tensor and
    #: a held input are counted whole instead).
    live_sets: tuple[tuple[Operator, tuple[int, ...]], ...]
    spans: dict[int, tuple[int, int]]
    #: Bytes held whole during the stage: the split tensor (+ the input image when in RAM).
    whole_bytes: int
    macs_per_pixel: dict[int, int]


def _stage(sg: Subgraph, split_op: int, stats: ModelStats, input_in_ram: bool) -> _Stage:
    split = sg.tensors[sg.operators[split_op].outputs[0]]
    spans = in_order_lifetimes(sg)
    model_input = sg.inputs[0] if sg.inputs else -1
    live_sets = tuple(
        (
            op,
            tuple(
                t
                for t, (a, b) in spans.items()
                if a <= split_op
                and max(a, 0) <= op.index <= b
                and t != split.index
                and not (t == model_input and input_in_ram)
            ),
        )
        for op in sg.operators[: split_op + 1]
    )
    whole = split.nbytes + (
        sg.tensors[model_input].nbytes if input_in_ram and model_input >= 0 else 0
    )
    macs_per_pixel = {}
    for layer in stats.layers[: split_op + 1]:
        out = sg.tensors[sg.operators[layer.index].outputs[0]].shape
        macs_per_pixel[layer.index] = layer.macs // max(out[1] * out[2], 1)
    return _Stage(sg, split_op, split, live_sets, spans, whole, macs_per_pixel)


def _patch_live_peak(
    stage: _Stage, region: dict[int, tuple[int, int]], inplace_depthwise: bool
) -> int:
    """Peak bytes while one patch runs through the stage."""
    sg, peak = stage.sg, 0
    for op, alive in stage.live_sets:
        live = 0
        for t in alive:
            tensor = sg.tensors[t]
            rows, cols = region.get(t, (0, 0))
            size = _tensor_bytes_region(tensor, rows, cols)
            if (
                inplace_depthwise
                and op.opcode == "DEPTHWISE_CONV_2D"
                and t == op.outputs[0]
                and stage.spans[op.inputs[0]][1] == op.index
            ):
                size //= max(tensor.shape[3], 1)  # one channel of scratch
            live += size
        peak = max(peak, live + stage.whole_bytes)
    return peak


def _run_patches(
    stage: _Stage,
    row_bounds: list[tuple[int, int]],
    col_bounds: list[tuple[int, int]],
    inplace_depthwise: bool,
) -> tuple[int, dict[int, int]]:
    """(stage peak bytes, patched MACs per stage operator) over every patch of the grid."""
    patched_macs = dict.fromkeys(stage.macs_per_pixel, 0)
    stage_peak = 0
    for rb in row_bounds:
        for cb in col_bounds:
            need = needed_regions(stage.sg, stage.split_op, rb, cb)
            region = {t: (r1 - r0, c1 - c0) for t, (r0, r1, c0, c1) in need.items()}
            for op, _ in stage.live_sets:
                rows, cols = region.get(op.outputs[0], (0, 0))
                patched_macs[op.index] += stage.macs_per_pixel[op.index] * rows * cols
            stage_peak = max(stage_peak, _patch_live_peak(stage, region, inplace_depthwise))
    return stage_peak, patched_macs


def patch_plan(
    graph: Graph,
    split_op: int,
    grid: int,
    board: Board | None = None,
    *,
    input_in_ram: bool = True,
    inplace_depthwise: bool = False,
    stats: ModelStats | None = None,
    rest_cache: dict[tuple[int, bool], _Rest] | None = None,
) -> PatchPlan:
    """The patch-based plan for operators 0..``split_op`` with ``grid`` x ``grid`` patches.

    ``input_in_ram``: the whole input image stays in RAM during the stage (as TFLM's input
    tensor does); False streams it patch by patch (MCUNetV2 decodes it from a camera/JPEG).
    ``inplace_depthwise``: depthwise layers overwrite their input (TinyEngine), in the patch
    stage and in the rest of the network. Without a board, the rest is its activation peak.
    ``rest_cache`` keeps the rest's figure per (split, in-place) across grids.
    """
    sg = graph.main
    why = _patch_stage_ok(sg, split_op)
    if why is not None:
        raise PlannerError(f"cannot run operators 0..{split_op} patch by patch: {why}")
    s = stats or analyse(graph)
    stage = _stage(sg, split_op, s, input_in_ram)
    _, h, w, _ = stage.split.shape
    row_bounds, col_bounds = _patch_bounds(h, grid), _patch_bounds(w, grid)
    if row_bounds is None or col_bounds is None:
        raise PlannerError(f"a {grid}x{grid} grid does not divide a {h}x{w} map into patches")
    rf, jump, steps = receptive_field(graph, split_op)
    stage_peak, patched_macs = _run_patches(stage, row_bounds, col_bounds, inplace_depthwise)
    cache = rest_cache if rest_cache is not None else {}
    key = (split_op, inplace_depthwise)
    if key not in cache:
        cache[key] = _rest_figure(graph, board, split_op, inplace_depthwise)
    rest = cache[key]
    rows, cols = row_bounds[0][1] - row_bounds[0][0], col_bounds[0][1] - col_bounds[0][0]
    return PatchPlan(
        split_op=split_op,
        split_tensor=stage.split.name,
        split_shape=stage.split.shape,
        grid=grid,
        patch_output=(rows, cols),
        patch_input=((rows - 1) * jump + rf, (cols - 1) * jump + rf),
        receptive_field=rf,
        stride_product=jump,
        rf_steps=steps,
        stage_peak_bytes=stage_peak,
        rest_bytes=rest.bytes,
        rest_exact=rest.exact,
        overhead_bytes=max(rest.bytes - rest.activation_bytes, 0),
        layerwise_stage_macs=sum(m * _hw(sg, i) for i, m in stage.macs_per_pixel.items()),
        patched_stage_macs=sum(patched_macs.values()),
        model_macs=s.macs,
        input_in_ram=input_in_ram,
        inplace_depthwise=inplace_depthwise,
        patched_layer_macs=tuple(sorted(patched_macs.items())),
    )


def _hw(sg: Subgraph, op_index: int) -> int:
    shape = sg.tensors[sg.operators[op_index].outputs[0]].shape
    return shape[1] * shape[2]


def search_patch_plans(
    graph: Graph,
    board: Board,
    budget: int,
    *,
    grids: Sequence[int] = (2, 3, 4, 5, 6, 7, 8),
    input_in_ram: bool = True,
    inplace_depthwise: bool = False,
    stats: ModelStats | None = None,
) -> tuple[PatchPlan | None, PatchPlan | None]:
    """(cheapest plan that fits ``budget``, lowest-memory plan) over splits and grids.

    Cheapest = fewest total MACs, then fewest patches.
    """
    s = stats or analyse(graph)
    cache: dict[tuple[int, bool], _Rest] = {}
    best: PatchPlan | None = None
    smallest: PatchPlan | None = None
    for split in candidate_splits(graph):
        for grid in grids:
            try:
                plan = patch_plan(
                    graph, split, grid, board, input_in_ram=input_in_ram,
                    inplace_depthwise=inplace_depthwise, stats=s,
                    rest_cache=cache,
                )  # fmt: skip
            except PlannerError:
                continue
            if smallest is None or plan.sram_bytes < smallest.sram_bytes:
                smallest = plan
            if plan.sram_bytes <= budget and (
                best is None
                or (plan.patched_macs, plan.patches) < (best.patched_macs, best.patches)
            ):
                best = plan
    return best, smallest


# ---------------------------------------------------------------------------------------------


def _patch_suggestion(ctx: AdviceContext, inplace: bool) -> Suggestion | None:
    graph, board, budget, stats = ctx.graph, ctx.board, ctx.budget, ctx.stats
    best, smallest = search_patch_plans(
        graph, board, budget, input_in_ram=not inplace, inplace_depthwise=inplace, stats=stats
    )
    plan = best or smallest
    if plan is None:
        return None
    patched_layers = dict(plan.patched_layer_macs)
    layers = [
        replace(layer, macs=patched_layers.get(layer.index, layer.macs))
        for layer in stats.layers
        if layer.subgraph == 0
    ]
    lat = estimate_stats_latency(
        layers, board.core, board.kernels, board.clock_mhz, dsp=board.dsp
    ).milliseconds
    p_rows = plan.patch_output[0]
    formula = (
        f"patch input = ({p_rows}-1) x {plan.stride_product} + {plan.receptive_field} = "
        f"{plan.patch_input[0]}"
    )
    if inplace:
        title = (
            f"MCUNetV2-style: {plan.grid}x{plan.grid} patches up to operator {plan.split_op}, "
            "in-place depthwise"
        )
        overhead_note = (
            "activation bytes only: TinyEngine keeps per-channel requantisation data in flash, "
            "not in RAM"
        )
        runtime = (
            "needs a patch-capable runtime with in-place depthwise (MCUNetV2/TinyEngine); "
            "the input is streamed patch by patch (camera rows / JPEG decode)"
        )
    else:
        title = f"{plan.grid}x{plan.grid} patches up to operator {plan.split_op}, then TFLM"
        runtime = (
            "the patch stage needs custom code (or a patch-capable runtime); the rest of the "
            f"network is a second .tflite model from operator {plan.split_op + 1} on, which "
            "stock TFLM runs unchanged"
        )
        overhead_note = (
            "the stage peak carries the rest's TFLM overhead (persistent tail, alignment, "
            "scratch) on top of its activations"
        )
    return suggestion(
        ctx,
        "patch-inplace" if inplace else "patch",
        title,
        plan.sram_bytes,
        stock_tflm=False,
        exact=False,
        macs=plan.patched_macs,
        mac_overhead=plan.mac_overhead,
        latency_ms=lat,
        detail=(
            f"split after operator {plan.split_op} ({plan.split_tensor}, "
            f"{'x'.join(map(str, plan.split_shape))}); stage peak {plan.stage_peak_bytes} B "
            f"+ {plan.overhead_bytes} B overhead, rest {plan.rest_bytes} B; MACs "
            f"+{100 * plan.stage_mac_overhead:.0f}% in the stage, "
            f"+{100 * plan.mac_overhead:.1f}% overall"
        ),
        notes=(
            runtime,
            f"receptive field {plan.receptive_field} px, stride product {plan.stride_product}; "
            + formula,
            "the whole input image is held in RAM during the stage"
            if plan.input_in_ram
            else "input patches are decoded on demand (not held whole)",
            overhead_note,
        ),
        patch=plan,
    )


def suggest_patches(ctx: AdviceContext) -> Found:
    """Patches up to a split then TFLM, and patches with in-place depthwise throughout."""
    if not candidate_splits(ctx.graph):
        return (), ("patch-based inference: no leading spatial stage to split",)
    found = (_patch_suggestion(ctx, inplace) for inplace in (False, True))
    return tuple(s for s in found if s is not None), ()
