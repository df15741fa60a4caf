"""Receptive fields on the model input, and the input region one output patch needs.

The arithmetic behind MCUNetV2's patch-based inference (arXiv 2110.15352): a windowed layer
adds (kernel - 1) x dilation x (product of earlier strides) to the receptive field.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.analysis.shape_rules import PADDING_SAME, same_padding_before
from planner.model.graph import Graph, Operator, Subgraph

__all__ = ["PATCHABLE", "RFStep", "needed_regions", "receptive_field", "window"]

_WINDOWED = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"}
PATCHABLE = _WINDOWED | {
    "PAD", "PADV2", "ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "RELU", "RELU6", "LOGISTIC",
    "TANH", "HARD_SWISH", "LEAKY_RELU", "PRELU", "QUANTIZE", "DEQUANTIZE", "CONCATENATION",
}  # fmt: skip


def window(sg: Subgraph, op: Operator) -> tuple[int, int, int, int, int, int, int] | None:
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
        win = window(sg, op)
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


def needed_regions(
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
        win = window(sg, op)
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
