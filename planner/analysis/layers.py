"""Per-layer analysis of a graph: activation bytes, live tensors, weights, parameters, MACs.

Everything here follows the model's own operator order (the order TFLM runs it) and counts
unrounded tensor bytes (elements x type size), so each figure can be compared with the
tensor details a TFLite interpreter reports. TFLM's own arena layout (16-byte rounding,
kernel scratch buffers, persistent data) is the business of :mod:`planner.runtimes.tflm.arena`.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from planner._gc import gc_paused
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.records import frozen_record
from planner.runtimes.tflm.kernels import OpView, kernel_for

#: The activation data types the planner is built for; anything else earns a warning.
INT8_ACTIVATION_TYPES = frozenset({"INT8", "INT16", "INT32", "UINT8", "BOOL", "INT64"})


@dataclass(frozen=True)
class LayerStats:
    """One operator's figures, in execution order."""

    #: The operator's index in its subgraph, and that subgraph's index.
    index: int
    subgraph: int
    #: Its opcode name, e.g. ``CONV_2D``.
    op: str
    #: Non-constant tensors the operator reads / writes (activations, variables).
    input_tensors: tuple[int, ...]
    output_tensors: tuple[int, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output_shapes: tuple[tuple[int, ...], ...]
    input_dtypes: tuple[str, ...]
    output_dtypes: tuple[str, ...]
    output_names: tuple[str, ...]
    #: Bytes of those tensors, each counted once.
    input_bytes: int
    output_bytes: int
    #: Every non-constant tensor alive while this operator runs (inputs, outputs, and tensors
    #: produced earlier and read later, such as residual branches).
    live_tensors: tuple[int, ...]
    live_bytes: int
    #: Bytes of the constant tensors it reads (weights, biases: flash), their element
    #: count, and its multiply-accumulates.
    weight_bytes: int
    params: int
    macs: int

    @property
    def io_bytes(self) -> int:
        """Input plus output activation bytes: the classic per-layer peak estimate."""
        return self.input_bytes + self.output_bytes


@dataclass(frozen=True)
class ModelStats:
    """Per-layer figures and whole-model totals."""

    layers: tuple[LayerStats, ...]
    #: Parameters and their bytes over the whole model (each constant tensor counted once).
    params: int
    weight_bytes: int
    #: Sum of the bytes of every activation tensor (model inputs and every op output).
    total_activation_bytes: int
    #: The largest per-layer input + output bytes, and the largest bytes alive at one step.
    peak_io_bytes: int
    peak_live_bytes: int
    macs: int
    #: Bytes of variable (state) tensors, alive for the whole run.
    variable_bytes: int
    #: Human-readable notes about things the planner was not built for (float models, ...).
    warnings: tuple[str, ...]

    @property
    def flops(self) -> int:
        return 2 * self.macs


def operator_macs(sg: Subgraph, op: Operator) -> int:
    """Multiply-accumulates of one invocation, as the kernel registry counts them (0 for
    pooling, elementwise, activations, reshapes, ...; see the README)."""
    return kernel_for(op.opcode).count_macs(OpView(sg, op))


def in_order_lifetimes(sg: Subgraph) -> dict[int, tuple[int, int]]:
    """First and last operator index during which each non-constant tensor is alive.

    Model inputs and variable tensors are alive from before the first operator (-1);
    model outputs and variables until the last; a tensor nobody reads lives only during
    the operator that writes it.
    """
    last_op = len(sg.operators) - 1
    tensors = sg.tensors
    span: dict[int, list[int]] = {}
    for t in sg.inputs:
        span[t] = [-1, -1]
    for op in sg.operators:
        index = op.index
        for t in op.inputs:
            if t < 0 or tensors[t].data_bytes > 0:  # absent, or constant
                continue
            s = span.get(t)
            if s is None:
                span[t] = [-1, index]  # read but never written: present from the start
            elif s[1] < index:
                s[1] = index
        for t in op.outputs:
            if t < 0 or tensors[t].data_bytes > 0 or t in span:
                continue
            span[t] = [index, index]
    for t in sg.outputs:
        if t in span:
            span[t][1] = last_op
    for t, tensor in enumerate(tensors):
        if tensor.is_variable and t in span:
            span[t] = [-1, last_op]
    return {t: (a, b) for t, (a, b) in span.items()}


def _activations(sg: Subgraph, indices: tuple[int, ...]) -> tuple[int, ...]:
    """The non-constant tensors of ``indices``, each once, in order."""
    tensors = sg.tensors
    return tuple(dict.fromkeys([t for t in indices if t >= 0 and tensors[t].data_bytes <= 0]))


def _subgraph_layers(
    sg: Subgraph, spans: dict[int, tuple[int, int]] | None = None
) -> list[LayerStats]:
    if spans is None:
        spans = in_order_lifetimes(sg)
    tensors = sg.tensors
    # Bytes of every tensor that can be live (the non-constant ones), computed once.
    nbytes = {t: tensors[t].nbytes for t in spans}
    # Sweep: tensors sorted by start, kept alive until their end (a heap of ends, so that
    # thousands of tensors live at every step cost no more than their count each).
    starts: dict[int, list[int]] = {}
    ends: dict[int, int] = {}
    for t, (a, b) in spans.items():
        starts.setdefault(max(a, 0), []).append(t)
        ends[t] = b
    alive: set[int] = set()
    expiring: list[tuple[int, int]] = []
    live_bytes = 0
    layers = []
    for op in sg.operators:
        index = op.index
        for t in starts.get(index, ()):
            alive.add(t)
            heapq.heappush(expiring, (ends[t], t))
            live_bytes += nbytes[t]
        while expiring and expiring[0][0] < index:
            _, t = heapq.heappop(expiring)
            alive.discard(t)
            live_bytes -= nbytes[t]
        ins = _activations(sg, op.inputs)
        outs = _activations(sg, op.outputs)
        consts = {t for t in op.inputs if t >= 0 and tensors[t].data_bytes > 0}
        in_tensors = [tensors[t] for t in ins]
        out_tensors = [tensors[t] for t in outs]
        layers.append(
            frozen_record(
                LayerStats,
                index=index,
                subgraph=sg.index,
                op=op.opcode,
                input_tensors=ins,
                output_tensors=outs,
                input_shapes=tuple([t.shape for t in in_tensors]),
                output_shapes=tuple([t.shape for t in out_tensors]),
                input_dtypes=tuple([t.dtype for t in in_tensors]),
                output_dtypes=tuple([t.dtype for t in out_tensors]),
                output_names=tuple([t.name for t in out_tensors]),
                input_bytes=sum([nbytes[t] for t in ins]),
                output_bytes=sum([nbytes[t] for t in outs]),
                live_tensors=tuple(sorted(alive)),
                live_bytes=live_bytes,
                weight_bytes=sum([tensors[t].data_bytes for t in consts]),
                params=sum([tensors[t].elements for t in consts]),
                macs=operator_macs(sg, op),
            )
        )
    return layers


def _warnings(
    graph: Graph, spans: list[dict[int, tuple[int, int]]] | None = None
) -> tuple[str, ...]:
    if spans is None:
        spans = [in_order_lifetimes(sg) for sg in graph.subgraphs]
    notes = []
    float_tensors = [
        sg.tensors[t].name
        for sg, sg_spans in zip(graph.subgraphs, spans, strict=True)
        for t in sg_spans
        if sg.tensors[t].dtype in ("FLOAT32", "FLOAT16", "FLOAT64", "BFLOAT16")
    ]
    if float_tensors:
        notes.append(
            f"{len(float_tensors)} activation tensor(s) are floating point (first: "
            f"'{float_tensors[0]}'); the planner is built for int8 models: figures are "
            "computed the same way, but TFLM's float kernels differ from the int8 ones"
        )
    custom = sorted({op.opcode for sg in graph.subgraphs for op in sg.operators if op.is_custom})
    if any(name.lower() == "ethos-u" for name in custom):
        notes.append(
            "this is a Vela-compiled model: the 'ethos-u' operator runs on an Arm Ethos-U NPU; "
            "its MACs, its command stream and its scratch needs are inside the operator and "
            "unknown to the planner, which reports only what TFLM plans around it"
        )
    if custom:
        notes.append(
            "custom operator(s) " + ", ".join(custom) + ": their MACs and any memory they "
            "allocate themselves are unknown to the planner"
        )
    return tuple(notes)


@gc_paused
def analyse(graph: Graph) -> ModelStats:
    """Per-layer figures for every subgraph (subgraph 0 first) and whole-model totals."""
    spans = [in_order_lifetimes(sg) for sg in graph.subgraphs]
    layers: list[LayerStats] = []
    for sg, sg_spans in zip(graph.subgraphs, spans, strict=True):
        layers.extend(_subgraph_layers(sg, sg_spans))
    if all(sg.index == i for i, sg in enumerate(graph.subgraphs)):
        # (subgraph, tensor) pairs are then distinct: no set needed to count each once.
        total_activation_bytes = sum(
            tensor.nbytes
            for sg, sg_spans in zip(graph.subgraphs, spans, strict=True)
            for tensor in map(sg.tensors.__getitem__, sg_spans)
            if not tensor.is_variable
        )
    else:
        activation_tensors = {
            (sg.index, t)
            for sg, sg_spans in zip(graph.subgraphs, spans, strict=True)
            for t in sg_spans
            if not sg.tensors[t].is_variable
        }
        total_activation_bytes = sum(
            graph.subgraphs[s].tensors[t].nbytes for s, t in activation_tensors
        )
    weights: dict[tuple[int, int], Tensor] = {}
    for sg in graph.subgraphs:
        tensors = sg.tensors
        for op in sg.operators:
            for t in op.inputs:
                if t >= 0 and tensors[t].data_bytes > 0:
                    weights[(sg.index, t)] = tensors[t]
    variable_bytes = sum(t.nbytes for sg in graph.subgraphs for t in sg.tensors if t.is_variable)
    return ModelStats(
        layers=tuple(layers),
        params=sum(t.elements for t in weights.values()),
        weight_bytes=sum(t.data_bytes for t in weights.values()),
        total_activation_bytes=total_activation_bytes,
        peak_io_bytes=max((layer.io_bytes for layer in layers), default=0),
        peak_live_bytes=max((layer.live_bytes for layer in layers), default=0),
        macs=sum(layer.macs for layer in layers),
        variable_bytes=variable_bytes,
        warnings=_warnings(graph, spans),
    )


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KiB' (binary units, as linker scripts and datasheets use)."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n_f = n / 1024
        if n_f < 1024 or unit == "GiB":
            return f"{n_f:.1f} {unit}"
        n = math.floor(n_f)
    return f"{n} B"
