"""Validation: refuse, in one line, a model TFLM refuses or that is clearly broken.

Runs between loading and predicting (:func:`planner.api.load`), so every command sees the
same verdict: ``TFLM will refuse this model: <why>`` (:class:`ModelRefused`, exit status 2).
Checks, each linear in tensors, operators and subgraph calls:

- per tensor (:mod:`.tensors`): types TFLM can size, quantization shape rules, element counts
  within int32, constant data as long as the shape;
- per operator (:mod:`.operators`): required inputs, no missing output, as many inputs and
  outputs as the kernel takes (:mod:`.arity`), option enums, what kernels' ``Prepare``
  refuses, control-flow options and arities; the tensors each kernel reads and writes
  (:mod:`.kernel_io`), with the tensor types each kernel's ``Prepare`` accepts
  (:mod:`.types`), the output shapes kernels compute from small constant operands
  (:mod:`.shapes`) and UNIDIRECTIONAL_SEQUENCE_LSTM's (:mod:`.lstm`), the operands kernels
  require constant and the option and operand values they reject (:mod:`.operands`), and
  the quantization rules of their Prepare, reading scales and zero points as TFLM copies
  them (:mod:`.quantization`);
- per graph (:mod:`.dataflow`): order, one writer per tensor, outputs written, calls that
  terminate and reach every subgraph, offline plans without negative or overlapping offsets.
"""

from __future__ import annotations

from collections.abc import Iterator

from planner.model.graph import Graph
from planner.validate.dataflow import (
    call_graph_problems,
    offline_problems,
    order_problems,
    writer_problems,
)
from planner.validate.operators import call_problem, describe, operator_problems
from planner.validate.refusal import PREFIX, ModelRefused, escape
from planner.validate.tensors import tensor_problems


def problems(graph: Graph) -> Iterator[str]:
    """Every reason TFLM refuses ``graph``, most basic first (lazily: stop at the first)."""
    calls: list[list[int]] = [[] for _ in graph.subgraphs]
    for sg in graph.subgraphs:
        writers: dict[int, str] = {}
        for op in sg.operators:
            yield from operator_problems(op, sg, graph)
            problem, called = call_problem(op, graph)
            if problem is not None:
                yield f"{describe(op, sg.index)} {problem}"
            calls[sg.index].extend(called)
            for t in op.outputs:
                if t >= 0:
                    writers.setdefault(t, op.opcode)
        yield from tensor_problems(sg, writers)
        yield from writer_problems(sg)
        yield from order_problems(sg, graph)
    yield from call_graph_problems(graph, calls)
    yield from offline_problems(graph)


def validate(graph: Graph) -> Graph:
    """``graph`` unchanged, or :class:`ModelRefused` with the first reason TFLM refuses it."""
    for why in problems(graph):
        raise ModelRefused(graph.path, why)
    return graph


__all__ = ["PREFIX", "ModelRefused", "escape", "problems", "validate"]
