"""In-place depthwise convolution (TinyEngine, MCUNet): each depthwise layer whose input dies
with it overwrites that input, needing one channel of scratch instead of a whole output.

Stock TFLM keeps every depthwise output separately, so this needs another runtime.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from planner.advise.base import AdviceContext, Found, suggestion
from planner.analysis.layers import LayerStats, ModelStats, analyse, in_order_lifetimes
from planner.model.graph import Graph, Subgraph

__all__ = ["inplace_depthwise_peak", "suggest_inplace"]


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


def suggest_inplace(ctx: AdviceContext) -> Found:
    """The activation peak with in-place depthwise, plus the TFLM overhead seen today."""
    graph, stats = ctx.graph, ctx.stats
    if not any(op.opcode == "DEPTHWISE_CONV_2D" for op in graph.main.operators):
        return (), ()
    peak, at = inplace_depthwise_peak(graph, stats)
    overhead = max(ctx.arena.min_arena_bytes - stats.peak_live_bytes, 0)
    sram = peak + overhead
    found = suggestion(
        ctx,
        "inplace-depthwise",
        "in-place depthwise convolution (TinyEngine-style runtime)",
        sram,
        stock_tflm=False,
        exact=False,
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
    return (found,), ()
