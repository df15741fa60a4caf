"""What keeps large and oddly shaped models cheap (issues 13 and 15), checked by its figures:
step labels found by descent equal a walk of every step, the count of overlapping lifetimes
equals a pairwise count, and thousands of buffers alive at once are placed by TFLM's own rule
instead of a search whose cost grows with the pairs."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from planner import api
from planner.memory.placement import (
    MAX_OVERLAPPING_PAIRS,
    interval_lower_bound,
    lower_bound,
    overlapping_pairs,
    place,
)
from planner.model.graph import Graph
from planner.report.arena_map import StepLabels
from planner.report.rows import layer_label
from planner.runtimes.tflm.allocation_info import Buffer, called_subgraphs
from planner.runtimes.tflm.memory_planner.greedy import plan_greedy

from . import hostile


def _walk(graph: Graph, sg_index: int) -> list[str]:
    """Every step of one walk of a subgraph, listed (exponential on diamonds: small cases)."""
    steps: list[str] = []
    for op in graph.subgraphs[sg_index].operators:
        label = f"{layer_label(sg_index, op.index)} {op.opcode}"
        steps.append(label)
        for called in called_subgraphs(op):
            steps.append(label)
            steps.extend(_walk(graph, called))
    return steps


@pytest.mark.parametrize(
    "build",
    [hostile._diamond(6), hostile._copies(25), hostile._if_call(1, "if_labels")],
    ids=["diamond", "copies", "if"],
)
def test_step_labels_equal_a_walk_of_every_step(build: object, tmp_path: Path) -> None:
    graph = api.load(build(tmp_path))  # type: ignore[operator]
    steps = ["input", *_walk(graph, 0)]
    labels = StepLabels(graph)
    assert labels.count() == len(steps)
    assert [labels.at(k) for k in range(len(steps))] == steps
    assert labels.at(len(steps)) == str(len(steps))  # past the end: the number


def test_overlapping_pairs_equal_a_pairwise_count() -> None:
    rng = random.Random(3)
    for n in (0, 1, 2, 17, 120):
        firsts = [rng.randrange(-1, 30) for _ in range(n)]
        lasts = [f + rng.choice([0, 0, 1, 2, 5, 40]) for f in firsts]
        pairs = sum(
            1
            for i, j in itertools.combinations(range(n), 2)
            if firsts[i] <= lasts[j] and firsts[j] <= lasts[i]
        )
        assert overlapping_pairs(firsts, lasts) == pairs


def test_thousands_alive_at_once_are_placed_by_tflms_rule() -> None:
    # 1,500 buffers alive together (1,124,250 pairs) beside a short chain.
    rng = random.Random(5)
    n = 1_500
    sizes = [16 * rng.randrange(1, 40) for _ in range(n)] + [4096, 2048, 4096]
    firsts = [-1] * n + [0, 1, 2]
    lasts = [-1] * n + [1, 2, 3]
    assert overlapping_pairs(firsts, lasts) == n * (n - 1) // 2 + 2 > MAX_OVERLAPPING_PAIRS
    placement = place(sizes, firsts, lasts)
    buffers = [
        Buffer(("tensor", 0, i), s, f, la, None, 0, i, None, f"t{i}", s)
        for i, (s, f, la) in enumerate(zip(sizes, firsts, lasts, strict=True))
    ]
    assert placement.offsets == plan_greedy(buffers).offsets
    assert "alive at once" in placement.method
    # The group before the first step is stacked; the chain reuses its bytes.
    assert placement.head_bytes == sum(sizes[:n]) == interval_lower_bound(sizes, firsts, lasts)
    assert placement.proven_optimal


def test_buffers_alive_together_over_the_budget_get_no_layout_explanation(
    tmp_path: Path,
) -> None:
    # 25,000 tensors no operator reaches: TFLM keeps them alive together before the first
    # step (16 B each, 400,000 B), more than the board has, though no layer is large.
    path = hostile._unused_tensors(25_000)(tmp_path)
    check = api.fit(path, "stm32f746")
    assert lower_bound(check.arena.buffers) >= 25_000 * 16 > check.sram_budget_bytes
    assert not any(c.live_overflows for c in check.layers)
    assert check.verdict == "does not fit"
    assert check.plan_layout is None  # no layout would fit: optimising is not offered


def test_loaded_tensors_equal_tensors_built_field_by_field() -> None:
    import pickle
    from dataclasses import fields

    from planner.model.graph import Tensor

    from .corpus import BUNDLED_MODELS

    graph = api.load(BUNDLED_MODELS / "mobilenet_v2_0.35_144_int8.tflite")
    for t in graph.main.tensors:
        built = Tensor(**{f.name: getattr(t, f.name) for f in fields(Tensor)})
        assert built == t and hash(built) == hash(t)
        assert pickle.loads(pickle.dumps(t)) == t
        assert t.quantization == built.quantization and t.elements == built.elements


@pytest.mark.parametrize("bad", [float("nan"), -0.5, 0.0, float("inf")])
def test_a_bad_scale_among_many_channels_is_refused(bad: float, tmp_path: Path) -> None:
    # 32 channels: a vector long enough to be checked by numpy where the loader used it.
    from planner.validate import ModelRefused

    from .builder import Model

    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 4, 4, 8], scale=0.1)
    y, _ = g.conv(x, 4, 8, 32, 1)
    g.io([x], [y])
    scales = [0.02] * 32
    scales[29] = bad
    g.t.tensors[g.t.operators[0].inputs[1]].quantization.scale = scales
    with pytest.raises(ModelRefused, match="quantization scale of"):
        api.load(m.write(tmp_path / "bad_scale.tflite"))
