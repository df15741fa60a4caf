"""What would fit: suggestions for a model that does not fit a board's SRAM, ranked by cost.

:func:`advise` tries, for a model and a board:

* **a better memory plan** (``better_arena_bytes``: the figure another tool such as
  ``planner optimize`` found; stock TFLM honours it through ``OfflineMemoryAllocation``);
* **external RAM**: the arena in the board's SDRAM/PSRAM, and what the slower memory costs;
* **a smaller input resolution**: the largest square resolution (a multiple of ``step``) at
  which the model fits, found by re-deriving every shape (:mod:`planner.analysis.shapes`) and
  sizing the
  arena as TFLM would (:func:`tflm_arena`);
* **a smaller width multiplier** (MobileNet-style graphs): the largest of ``widths`` that fits;
* **in-place depthwise convolution** (a TinyEngine-style runtime, not stock TFLM): each
  depthwise layer needs one channel of scratch instead of a whole output tensor;
* **patch-based inference of the first stage** (MCUNetV2, arXiv 2110.15352): the leading
  layers run patch by patch; the plan names the split layer and the patch grid, the peak
  memory, the extra MACs from overlapping receptive fields, and the receptive-field arithmetic.

Each :class:`Suggestion` says whether stock TFLM runs it unchanged. Everything is a pure
function of the graph and the board; no I/O.

Against MCUNetV2's published MobileNetV2-1.0/224 figures (Table 1): the per-layer peak of
1372 kB is 112x112x(16+96) = 1,404,928 B, which this module reproduces with in-place depthwise
(TFLM, which keeps every depthwise output separately, peaks at 1,505,280 B on the stride-2
depthwise after it). With 4x4 patches up to the first 28x28 block the input patch is 75x75
here too, but the plan peaks at 200,704 B, not 172 kB: after the split the first 28x28
project conv has its 28x28x192 input, its 28x28x32 output *and* the 28x28x32 residual alive,
while MCUNetV2 counts 28x28x(32+192) (+ one channel). MACs: +31% in the patch stage and +9.3%
overall here, against +42% and +10%: the patches here are clipped at the image border (edge
patches need no halo beyond it), MCUNetV2 counts every patch at the full 75x75.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from planner.analysis.latency import LatencyEstimate, estimate_latency, estimate_stats_latency
from planner.analysis.layers import LayerStats, ModelStats, analyse, in_order_lifetimes
from planner.analysis.shape_rules import (
    PADDING_SAME,
    ShapeError,
    conv_output_size,
    same_padding_before,
)
from planner.analysis.shapes import input_resolution, mobilenet_like, with_resolution, with_width
from planner.errors import PlannerError
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.targets.boards import Board, MemoryRegion

__all__ = [
    "COST_TIERS",
    "DEFAULT_WIDTHS",
    "Advice",
    "ArenaFigure",
    "PatchPlan",
    "RFStep",
    "Suggestion",
    "advise",
    "inplace_depthwise_peak",
    "patch_plan",
    "receptive_field",
    "search_patch_plans",
    "tflm_arena",
    "truncate_after",
]

DEFAULT_WIDTHS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.35, 0.25)

#: How suggestions are ranked when several fit: lower is cheaper. Changing nothing in the model
#: comes first (a better plan, then external RAM, which costs speed); then changes that need
#: re-training but run on stock TFLM (resolution, then width, which also shrinks accuracy more
#: per byte); then a different runtime (in-place depthwise, then patch-based inference).
COST_TIERS: dict[str, int] = {
    "better-planner": 0,
    "external-ram": 1,
    "resolution": 2,
    "width": 3,
    "inplace-depthwise": 4,
    "patch": 5,
    "patch-inplace": 6,
}

SuggestionKind = Literal[
    "better-planner",
    "external-ram",
    "resolution",
    "width",
    "inplace-depthwise",
    "patch",
    "patch-inplace",
]


# ---------------------------------------------------------------------------------------------
# The arena a graph needs on a board


@dataclass(frozen=True)
class ArenaFigure:
    """SRAM a graph needs on a board under TFLM, and how the figure was obtained."""

    bytes: int
    #: True when the figure is TFLM's exact smallest arena (planner.runtimes.tflm.arena).
    exact: bool
    #: Peak of the live activation bytes (unaligned), the raw part of the figure.
    activation_bytes: int
    how: str


ArenaFn = Callable[[Graph, Board], ArenaFigure]

# TFLM 32-bit struct sizes for the stand-in estimate (see research/tflm-arena.md).
_EVAL_TENSOR_BYTES = {32: 12, 64: 24}
_NODE_BYTES = {32: 32, 64: 64}


def _estimated_arena(graph: Graph, board: Board, stats: ModelStats) -> ArenaFigure:
    """Stand-in while planner.runtimes.tflm.arena is unavailable: peak live bytes plus the
    persistent tail."""
    sg = graph.main
    ptr = board.pointer_bits
    peak = 0
    for layer in stats.layers:
        if layer.subgraph != 0:
            continue
        aligned = sum(-(-sg.tensors[t].nbytes // 16) * 16 for t in layer.live_tensors)
        peak = max(peak, aligned)
    channels = 0
    for op in sg.operators:
        if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            channels += sg.tensors[op.outputs[0]].shape[-1]
    tail = (
        _EVAL_TENSOR_BYTES.get(ptr, 12) * len(sg.tensors)
        + _NODE_BYTES.get(ptr, 32) * len(sg.operators)
        + 8 * channels
        + 1024
    )
    return ArenaFigure(
        bytes=peak + tail,
        exact=False,
        activation_bytes=stats.peak_live_bytes,
        how=(
            "estimate (planner.runtimes.tflm.arena unavailable): "
            "aligned peak of live tensors + tail estimate"
        ),
    )


def tflm_arena(graph: Graph, board: Board) -> ArenaFigure:
    """The smallest TFLM arena for ``graph`` on ``board`` (exact when planner.runtimes.tflm.arena
    imports)."""
    stats = analyse(graph)
    try:
        from planner.runtimes.tflm.arena import predict_arena
        from planner.targets.target import target_for
    except ImportError:
        return _estimated_arena(graph, board, stats)
    target = target_for(board)
    prediction = predict_arena(graph, target)
    return ArenaFigure(
        bytes=prediction.min_arena_bytes,
        exact=prediction.exact,
        activation_bytes=stats.peak_live_bytes,
        how=f"TFLM smallest arena ({target.label})",
    )


# ---------------------------------------------------------------------------------------------
# Graph surgery: the rest of a network after a split


def truncate_after(graph: Graph, split_op: int) -> Graph:
    """Subgraph 0 from operator ``split_op + 1`` on, fed by the split operator's output.

    Unreferenced tensors are dropped (TFLM would still plan them) and indices renumbered.
    """
    sg = graph.main
    if not 0 <= split_op < len(sg.operators) - 1:
        raise PlannerError(f"cannot split after operator {split_op}")
    ops = sg.operators[split_op + 1 :]
    crossing = _crossing_tensors(sg, split_op)
    keep: dict[int, None] = dict.fromkeys(crossing)
    for op in ops:
        for t in (*op.inputs, *op.outputs, *op.intermediates):
            if t >= 0:
                keep.setdefault(t)
    for t in sg.outputs:
        keep.setdefault(t)
    order = sorted(keep)
    remap = {old: new for new, old in enumerate(order)}

    def m(ts: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(remap[t] if t >= 0 else t for t in ts)

    tensors = tuple(replace(sg.tensors[old], index=remap[old]) for old in order)
    new_ops = tuple(
        replace(
            op,
            index=i,
            inputs=m(op.inputs),
            outputs=m(op.outputs),
            intermediates=m(op.intermediates),
        )
        for i, op in enumerate(ops)
    )
    main = replace(
        sg,
        tensors=tensors,
        operators=new_ops,
        inputs=tuple(remap[t] for t in crossing),
        outputs=m(sg.outputs),
    )
    return replace(graph, subgraphs=(main,), offline_offsets=None)


def _crossing_tensors(sg: Subgraph, split_op: int) -> tuple[int, ...]:
    """Activations produced at or before ``split_op`` (or model inputs) and read after it."""
    spans = in_order_lifetimes(sg)
    return tuple(
        t
        for t, (a, b) in sorted(spans.items())
        if a <= split_op < b and not sg.tensors[t].is_variable
    )


# ---------------------------------------------------------------------------------------------
# In-place depthwise (TinyEngine)


def _inplace_live(sg: Subgraph, layers: Sequence[LayerStats]) -> list[int]:
    """Per-layer live bytes if every depthwise conv whose input dies with it runs in place."""
    spans = in_order_lifetimes(sg)
    out = []
    for layer in layers:
        live = layer.live_bytes
        op = sg.operators[layer.index]
        if op.opcode == "DEPTHWISE_CONV_2D":
            x, y = op.inputs[0], op.outputs[0]
            if spans.get(x, (0, 0))[1] == op.index and x not in sg.outputs:
                shape = sg.tensors[y].shape
                one_channel = math.prod(shape[1:-1]) * max(
                    sg.tensors[y].nbytes // max(sg.tensors[y].elements, 1), 1
                )
                live = live - sg.tensors[y].nbytes + one_channel
        out.append(live)
    return out


def inplace_depthwise_peak(graph: Graph, stats: ModelStats | None = None) -> tuple[int, int]:
    """(peak live bytes with in-place depthwise, index of the layer where it occurs)."""
    s = stats or analyse(graph)
    layers = [layer for layer in s.layers if layer.subgraph == 0]
    live = _inplace_live(graph.main, layers)
    if not live:
        return 0, -1
    i = max(range(len(live)), key=lambda k: live[k])
    return live[i], layers[i].index


# ---------------------------------------------------------------------------------------------
# Receptive fields and patch-based inference (MCUNetV2)

_WINDOWED = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"}
_PATCHABLE = _WINDOWED | {
    "PAD", "PADV2", "ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "RELU", "RELU6", "LOGISTIC",
    "TANH", "HARD_SWISH", "LEAKY_RELU", "PRELU", "QUANTIZE", "DEQUANTIZE", "CONCATENATION",
}  # fmt: skip


def _window(sg: Subgraph, op: Operator) -> tuple[int, int, int, int, int, int, int] | None:
    """(kh, kw, sh, sw, dh, dw, padding) of a windowed operator, else None."""
    o = op.options

    def g(key: str, default: int) -> int:
        v = o.get(key, default)
        return v if isinstance(v, int) and not isinstance(v, bool) else default

    if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        w = sg.tensors[op.inputs[1]].shape
        kh, kw = w[1], w[2]
    elif op.opcode in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"):
        kh, kw = g("filter_height", 1), g("filter_width", 1)
    else:
        return None
    return (
        kh, kw, g("stride_h", 1), g("stride_w", 1),
        g("dilation_h_factor", 1), g("dilation_w_factor", 1), g("padding", PADDING_SAME),
    )  # fmt: skip


@dataclass(frozen=True)
class RFStep:
    """One windowed layer in the receptive-field arithmetic (rows; columns are the same for
    square kernels)."""

    op_index: int
    op: str
    kernel: int
    stride: int
    dilation: int
    #: Product of the strides of every earlier layer on the path (the input's "jump").
    stride_product_before: int
    #: What this layer adds to the receptive field: (kernel - 1) x dilation x that product.
    rf_increase: int
    #: Receptive field on the model input after this layer.
    receptive_field: int
    stride_product_after: int


def receptive_field(graph: Graph, upto_op: int) -> tuple[int, int, tuple[RFStep, ...]]:
    """(receptive field, stride product, steps) of the output of operator ``upto_op``.

    Tensors reached by several paths (residual branches) take the largest field.
    """
    sg = graph.main
    rf: dict[int, int] = {t: 1 for t in sg.inputs}
    jump: dict[int, int] = {t: 1 for t in sg.inputs}
    steps = []
    for op in sg.operators[: upto_op + 1]:
        ins = [t for t in op.inputs if t >= 0 and t in rf]
        r_in = max((rf[t] for t in ins), default=1)
        j_in = max((jump[t] for t in ins), default=1)
        win = _window(sg, op)
        if win is not None:
            kh, _, sh, _, dh, _, _ = win
            inc = (kh - 1) * dh * j_in
            r_out, j_out = r_in + inc, j_in * sh
            steps.append(RFStep(op.index, op.opcode, kh, sh, dh, j_in, inc, r_out, j_out))
        else:
            r_out, j_out = r_in, j_in
        for t in op.outputs:
            if t >= 0:
                rf[t], jump[t] = r_out, j_out
    out = sg.operators[upto_op].outputs[0]
    return rf[out], jump[out], tuple(steps)


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
        if op.opcode not in _PATCHABLE:
            return f"operator {op.index} ({op.opcode}) is not spatially local"
        if op.opcode == "CONCATENATION":
            rank = len(sg.tensors[op.outputs[0]].shape)
            axis = op.options.get("axis", 0)
            if not isinstance(axis, int) or axis % rank != rank - 1:
                return f"operator {op.index} concatenates along a spatial axis"
        for t in op.outputs:
            if len(sg.tensors[t].shape) != 4:
                return f"operator {op.index} ({op.opcode}) output is not an NHWC map"
    crossing = _crossing_tensors(sg, split_op)
    if crossing != (sg.operators[split_op].outputs[0],):
        return f"more than one tensor crosses the split after operator {split_op}"
    return None


def candidate_splits(graph: Graph) -> tuple[int, ...]:
    """Operators after which the network can be split for patch-based inference."""
    sg = graph.main
    out = []
    for s in range(len(sg.operators) - 1):
        op = sg.operators[s]
        if op.opcode not in _PATCHABLE:
            break
        shape = sg.tensors[op.outputs[0]].shape
        if len(shape) == 4 and shape[1] >= 2 and _patch_stage_ok(sg, s) is None:
            out.append(s)
    return tuple(out)


def _intervals(
    sg: Subgraph, split_op: int, rows: tuple[int, int], cols: tuple[int, int]
) -> dict[int, tuple[int, int, int, int]]:
    """Row and column ranges [r0, r1) x [c0, c1) each stage tensor needs for one patch."""
    need: dict[int, tuple[int, int, int, int]] = {
        sg.operators[split_op].outputs[0]: (rows[0], rows[1], cols[0], cols[1])
    }
    for op in reversed(sg.operators[: split_op + 1]):
        y = op.outputs[0]
        if y not in need:
            continue
        r0, r1, c0, c1 = need[y]
        win = _window(sg, op)
        ins = [t for t in op.inputs if t >= 0 and not sg.tensors[t].is_constant]
        for x in ins[:1] if win is not None else ins:
            xs = sg.tensors[x].shape
            if len(xs) != 4:
                continue
            h, w = xs[1], xs[2]
            if win is not None:
                kh, kw, sh, sw, dh, dw, pad = win
                ph = same_padding_before(h, kh, sh, dh) if pad == PADDING_SAME else 0
                pw = same_padding_before(w, kw, sw, dw) if pad == PADDING_SAME else 0
                a = (max(r0 * sh - ph, 0), min((r1 - 1) * sh - ph + (kh - 1) * dh + 1, h))
                b = (max(c0 * sw - pw, 0), min((c1 - 1) * sw - pw + (kw - 1) * dw + 1, w))
            elif op.opcode in ("PAD", "PADV2"):
                ys = sg.tensors[y].shape
                ph, pw = (ys[1] - h) // 2, (ys[2] - w) // 2  # paddings' values are not kept
                a = (max(r0 - ph, 0), min(r1 - ph, h))
                b = (max(c0 - pw, 0), min(c1 - pw, w))
            else:
                a = (r0, r1) if h > 1 else (0, 1)
                b = (c0, c1) if w > 1 else (0, 1)
            if x in need:
                o = need[x]
                need[x] = (min(o[0], a[0]), max(o[1], a[1]), min(o[2], b[0]), max(o[3], b[1]))
            else:
                need[x] = (a[0], a[1], b[0], b[1])
    return need


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
    bytes: int
    exact: bool
    activation_bytes: int


def _rest_figure(
    graph: Graph, board: Board, split_op: int, inplace: bool, arena_fn: ArenaFn
) -> _Rest:
    rest = truncate_after(graph, split_op)
    stats = analyse(rest)
    if inplace:
        peak, _ = inplace_depthwise_peak(rest, stats)
        return _Rest(bytes=peak, exact=False, activation_bytes=peak)
    fig = arena_fn(rest, board)
    return _Rest(bytes=fig.bytes, exact=fig.exact, activation_bytes=stats.peak_live_bytes)


def patch_plan(
    graph: Graph,
    split_op: int,
    grid: int,
    board: Board | None = None,
    *,
    input_in_ram: bool = True,
    inplace_depthwise: bool = False,
    arena_fn: ArenaFn = tflm_arena,
    stats: ModelStats | None = None,
    _rest_cache: dict[tuple[int, bool], _Rest] | None = None,
) -> PatchPlan:
    """The patch-based plan for operators 0..``split_op`` with ``grid`` x ``grid`` patches.

    ``input_in_ram``: the whole input image stays in RAM during the stage (as TFLM's input
    tensor does); False streams it patch by patch (MCUNetV2 decodes it from a camera/JPEG).
    ``inplace_depthwise``: depthwise layers overwrite their input (TinyEngine), in the patch
    stage and in the rest of the network. Without a board, the rest is its activation peak.
    """
    sg = graph.main
    why = _patch_stage_ok(sg, split_op)
    if why is not None:
        raise PlannerError(f"cannot run operators 0..{split_op} patch by patch: {why}")
    s = stats or analyse(graph)
    split = sg.tensors[sg.operators[split_op].outputs[0]]
    _, h, w, _ = split.shape
    row_bounds, col_bounds = _patch_bounds(h, grid), _patch_bounds(w, grid)
    if row_bounds is None or col_bounds is None:
        raise PlannerError(f"a {grid}x{grid} grid does not divide a {h}x{w} map into patches")
    rf, jump, steps = receptive_field(graph, split_op)
    stage_ops = sg.operators[: split_op + 1]
    spans = in_order_lifetimes(sg)
    model_input = sg.inputs[0] if sg.inputs else -1
    macs_per_pixel = {}
    for layer in s.layers[: split_op + 1]:
        out = sg.tensors[sg.operators[layer.index].outputs[0]].shape
        macs_per_pixel[layer.index] = layer.macs // max(out[1] * out[2], 1)
    patched_macs = dict.fromkeys(macs_per_pixel, 0)
    # Per stage operator, the patch-sized tensors alive while it runs (the split tensor and a
    # held input are counted whole instead), and whether its output may overwrite its input.
    live_sets: list[tuple[Operator, tuple[int, ...]]] = []
    for op in stage_ops:
        alive = tuple(
            t
            for t, (a, b) in spans.items()
            if a <= split_op
            and max(a, 0) <= op.index <= b
            and t != split.index
            and not (t == model_input and input_in_ram)
        )
        live_sets.append((op, alive))
    whole = split.nbytes + (
        sg.tensors[model_input].nbytes if input_in_ram and model_input >= 0 else 0
    )
    stage_peak = 0
    for rb in row_bounds:
        for cb in col_bounds:
            need = _intervals(sg, split_op, rb, cb)
            region = {t: (r1 - r0, c1 - c0) for t, (r0, r1, c0, c1) in need.items()}
            for op in stage_ops:
                rows, cols = region.get(op.outputs[0], (0, 0))
                patched_macs[op.index] += macs_per_pixel[op.index] * rows * cols
            for op, alive in live_sets:
                live = 0
                for t in alive:
                    tensor = sg.tensors[t]
                    rows, cols = region.get(t, (0, 0))
                    size = _tensor_bytes_region(tensor, rows, cols)
                    if (
                        inplace_depthwise
                        and op.opcode == "DEPTHWISE_CONV_2D"
                        and t == op.outputs[0]
                        and spans[op.inputs[0]][1] == op.index
                    ):
                        size //= max(tensor.shape[3], 1)  # one channel of scratch
                    live += size
                stage_peak = max(stage_peak, live + whole)
    layerwise = sum(macs_per_pixel[i] * _hw(sg, i) for i in macs_per_pixel)
    cache = _rest_cache if _rest_cache is not None else {}
    key = (split_op, inplace_depthwise)
    if key not in cache:
        if board is None:
            rest_stats = analyse(truncate_after(graph, split_op))
            peak = (
                inplace_depthwise_peak(truncate_after(graph, split_op), rest_stats)[0]
                if inplace_depthwise
                else rest_stats.peak_live_bytes
            )
            cache[key] = _Rest(bytes=peak, exact=False, activation_bytes=peak)
        else:
            cache[key] = _rest_figure(graph, board, split_op, inplace_depthwise, arena_fn)
    rest = cache[key]
    return PatchPlan(
        split_op=split_op,
        split_tensor=split.name,
        split_shape=split.shape,
        grid=grid,
        patch_output=(row_bounds[0][1] - row_bounds[0][0], col_bounds[0][1] - col_bounds[0][0]),
        patch_input=(
            (row_bounds[0][1] - row_bounds[0][0] - 1) * jump + rf,
            (col_bounds[0][1] - col_bounds[0][0] - 1) * jump + rf,
        ),
        receptive_field=rf,
        stride_product=jump,
        rf_steps=steps,
        stage_peak_bytes=stage_peak,
        rest_bytes=rest.bytes,
        rest_exact=rest.exact,
        overhead_bytes=max(rest.bytes - rest.activation_bytes, 0),
        layerwise_stage_macs=layerwise,
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
    arena_fn: ArenaFn = tflm_arena,
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
                    inplace_depthwise=inplace_depthwise, arena_fn=arena_fn, stats=s,
                    _rest_cache=cache,
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
# Suggestions and advice


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

    @property
    def cost_tier(self) -> int:
        return COST_TIERS[self.kind]


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

    @property
    def fitting(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.fits)


def _latency_ms(graph: Graph, board: Board, stats: ModelStats, kind: str | None = None) -> float:
    return estimate_latency(graph, board, arena_memory=kind, stats=stats).milliseconds


def _resolution_suggestion(
    graph: Graph,
    board: Board,
    budget: int,
    step: int,
    min_resolution: int,
    arena_fn: ArenaFn,
    base_macs: int,
) -> tuple[Suggestion | None, str | None]:
    res = input_resolution(graph)
    if res is None:
        return None, "the model input is not an image (NHWC), so there is no resolution to lower"
    h, w = res
    top = (min(h, w) - 1) // step * step
    last: tuple[int, ArenaFigure, Graph, list[str]] | None = None
    for r in range(top, min_resolution - 1, -step):
        notes: list[str] = []
        try:
            g2 = with_resolution(graph, r, r, notes)
        except ShapeError as exc:
            if r == top:
                return None, f"the input resolution cannot change: {exc}"
            break
        fig = arena_fn(g2, board)
        last = (r, fig, g2, notes)
        if fig.bytes <= budget:
            break
    if last is None:
        return None, f"no resolution between {top} and {min_resolution} to try"
    r, fig, g2, notes = last
    stats2 = analyse(g2)
    fits = fig.bytes <= budget
    square = "" if h == w else f" (the model is {h}x{w}; the search tries square inputs)"
    return (
        Suggestion(
            kind="resolution",
            title=f"input {r}x{r} instead of {h}x{w}",
            fits=fits,
            stock_tflm=True,
            retrain=True,
            sram_bytes=fig.bytes,
            exact=fig.exact,
            budget_bytes=budget,
            macs=stats2.macs,
            mac_overhead=stats2.macs / base_macs - 1.0 if base_macs else 0.0,
            latency_ms=_latency_ms(g2, board, stats2),
            detail=(
                f"largest square input (multiple of {step}) that fits: {r}x{r}{square}"
                if fits
                else f"even {r}x{r} (the smallest tried) needs {fig.bytes} bytes"
            ),
            notes=(
                "re-export the model at this resolution (and fine-tune: accuracy drops with "
                "resolution)",
                *notes,
                fig.how,
            ),
            resolution=(r, r),
            weight_bytes=stats2.weight_bytes,
        ),
        None,
    )


def _width_suggestion(
    graph: Graph,
    board: Board,
    budget: int,
    widths: Sequence[float],
    arena_fn: ArenaFn,
    base_macs: int,
) -> tuple[Suggestion | None, str | None]:
    ok, why = mobilenet_like(graph)
    if not ok:
        return None, why
    last = None
    for factor in sorted((f for f in widths if f < 1.0), reverse=True):
        try:
            g2, info = with_width(graph, factor)
        except ShapeError as exc:
            return None, f"the width cannot be scaled: {exc}"
        fig = arena_fn(g2, board)
        last = (factor, fig, g2, info)
        if fig.bytes <= budget:
            break
    if last is None:
        return None, "no width multiplier below 1.0 to try"
    factor, fig, g2, info = last
    stats2 = analyse(g2)
    fits = fig.bytes <= budget
    flash_ok = g2.file_bytes <= board.flash_bytes
    notes = [
        "re-train at this width (a narrower network is a different model)",
        "channel counts rounded to multiples of 8 (Keras _make_divisible); MobileNetV2 "
        "expansion layers keep their ratio",
        *(f"operator {i} keeps its channels: {why}" for i, why in info.kept),
        fig.how,
    ]
    if not flash_ok:
        notes.append(f"the model file ({g2.file_bytes} bytes) still exceeds the flash")
    return (
        Suggestion(
            kind="width",
            title=f"width x{factor:g} of the current model",
            fits=fits,
            stock_tflm=True,
            retrain=True,
            sram_bytes=fig.bytes,
            exact=fig.exact,
            budget_bytes=budget,
            macs=stats2.macs,
            mac_overhead=stats2.macs / base_macs - 1.0 if base_macs else 0.0,
            latency_ms=_latency_ms(g2, board, stats2),
            detail=(
                f"largest width multiplier from {', '.join(f'{f:g}' for f in widths)} that fits"
                if fits
                else f"even x{factor:g} (the smallest tried) needs {fig.bytes} bytes"
            ),
            notes=tuple(notes),
            width=factor,
            weight_bytes=stats2.weight_bytes,
        ),
        None,
    )


def _external_suggestions(
    graph: Graph, board: Board, arena: ArenaFigure, stats: ModelStats, budget: int
) -> list[Suggestion]:
    out = []
    for region in board.external_arena_regions:
        fits = arena.bytes <= region.size_bytes
        lat = _latency_ms(graph, board, stats, region.kind)
        base = _latency_ms(graph, board, stats)
        out.append(
            Suggestion(
                kind="external-ram",
                title=f"arena in {region.name}",
                fits=fits,
                stock_tflm=True,
                retrain=False,
                sram_bytes=arena.bytes,
                exact=arena.exact,
                budget_bytes=region.size_bytes,
                macs=stats.macs,
                mac_overhead=0.0,
                latency_ms=lat,
                detail=(
                    f"place the tensor arena in {region.kind} ({region.size_bytes} bytes): "
                    f"estimated {lat:.1f} ms instead of {base:.1f} ms from on-chip SRAM"
                ),
                notes=_region_notes(region),
                region=region.name,
            )
        )
    return out


def _region_notes(region: MemoryRegion) -> tuple[str, ...]:
    notes = ["put the arena in the external region with a linker section; TFLM is unchanged"]
    if region.notes:
        notes.append(region.notes)
    return tuple(notes)


def _patch_suggestion(
    graph: Graph,
    board: Board,
    budget: int,
    stats: ModelStats,
    arena_fn: ArenaFn,
    inplace: bool,
) -> Suggestion | None:
    best, smallest = search_patch_plans(
        graph, board, budget, input_in_ram=not inplace, inplace_depthwise=inplace,
        arena_fn=arena_fn, stats=stats,
    )  # fmt: skip
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
    return Suggestion(
        kind="patch-inplace" if inplace else "patch",
        title=title,
        fits=plan.sram_bytes <= budget,
        stock_tflm=False,
        retrain=False,
        sram_bytes=plan.sram_bytes,
        exact=False,
        budget_bytes=budget,
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


def _inplace_suggestion(
    graph: Graph,
    board: Board,
    budget: int,
    stats: ModelStats,
    arena: ArenaFigure,
    base_ms: float,
) -> Suggestion | None:
    if not any(op.opcode == "DEPTHWISE_CONV_2D" for op in graph.main.operators):
        return None
    peak, at = inplace_depthwise_peak(graph, stats)
    overhead = max(arena.bytes - stats.peak_live_bytes, 0)
    sram = peak + overhead
    return Suggestion(
        kind="inplace-depthwise",
        title="in-place depthwise convolution (TinyEngine-style runtime)",
        fits=sram <= budget,
        stock_tflm=False,
        retrain=False,
        sram_bytes=sram,
        exact=False,
        budget_bytes=budget,
        macs=stats.macs,
        mac_overhead=0.0,
        latency_ms=base_ms,
        detail=(
            f"activation peak {peak} B (at operator {at}) instead of {stats.peak_live_bytes} B "
            f"when each depthwise layer needs one channel of scratch instead of a whole "
            f"output tensor; + {overhead} B of TFLM overhead assumed"
        ),
        notes=(
            "stock TFLM allocates every depthwise output separately; this needs a runtime "
            "that overwrites the input (MCUNet/TinyEngine: 2N -> N+1 per depthwise layer)",
        ),
    )


def advise(
    graph: Graph,
    board: Board,
    *,
    step: int = 16,
    min_resolution: int = 32,
    widths: Sequence[float] = DEFAULT_WIDTHS,
    better_arena_bytes: int | None = None,
    arena_fn: ArenaFn = tflm_arena,
    always: bool = False,
) -> Advice:
    """Suggestions that make ``graph`` fit ``board``'s SRAM budget, ranked by cost.

    ``better_arena_bytes``: the smallest arena a better memory planner found (e.g. from
    ``planner optimize``), offered as the cheapest suggestion. ``always``: suggest even when
    the model already fits. ``arena_fn`` sizes a graph's arena (TFLM-exact by default).
    """
    stats = analyse(graph)
    arena = arena_fn(graph, board)
    budget = board.sram_budget_bytes
    latency = estimate_latency(graph, board, stats=stats)
    fits = arena.bytes <= budget
    notes: list[str] = []
    if not arena.exact:
        notes.append(f"arena figures are estimates: {arena.how}")
    suggestions: list[Suggestion] = []
    if not fits or always:
        if better_arena_bytes is not None:
            suggestions.append(
                Suggestion(
                    kind="better-planner",
                    title="a better memory plan (offline plan in the model)",
                    fits=better_arena_bytes <= budget,
                    stock_tflm=True,
                    retrain=False,
                    sram_bytes=better_arena_bytes,
                    exact=True,
                    budget_bytes=budget,
                    macs=stats.macs,
                    mac_overhead=0.0,
                    latency_ms=latency.milliseconds,
                    detail=(
                        f"a planner found an arena of {better_arena_bytes} B (TFLM's greedy "
                        f"plan: {arena.bytes} B)"
                    ),
                    notes=(
                        "embed the plan as OfflineMemoryAllocation metadata: stock TFLM "
                        "uses the offsets it gives",
                    ),
                )
            )
        suggestions.extend(_external_suggestions(graph, board, arena, stats, budget))
        for fn in (_resolution_suggestion,):
            sug, why = fn(graph, board, budget, step, min_resolution, arena_fn, stats.macs)
            if sug is not None:
                suggestions.append(sug)
            if why:
                notes.append(why)
        sug, why = _width_suggestion(graph, board, budget, widths, arena_fn, stats.macs)
        if sug is not None:
            suggestions.append(sug)
        if why:
            notes.append(why)
        inplace = _inplace_suggestion(graph, board, budget, stats, arena, latency.milliseconds)
        if inplace is not None:
            suggestions.append(inplace)
        if candidate_splits(graph):
            for variant in (False, True):
                sug = _patch_suggestion(graph, board, budget, stats, arena_fn, variant)
                if sug is not None:
                    suggestions.append(sug)
        else:
            notes.append("patch-based inference: no leading spatial stage to split")
    ranked = sorted(suggestions, key=lambda s: (not s.fits, s.cost_tier, s.latency_ms or 0.0))
    return Advice(
        model=graph.path,
        board=board.name,
        budget_bytes=budget,
        required_bytes=arena.bytes,
        exact=arena.exact,
        fits=fits,
        macs=stats.macs,
        latency=latency,
        suggestions=tuple(ranked),
        notes=tuple(notes),
    )


def conv_out(size: int, kernel: int, stride: int, padding: int = PADDING_SAME) -> int:
    """Convenience re-export for tests: TFLite's output length along one axis."""
    return conv_output_size(size, kernel, stride, 1, padding)
