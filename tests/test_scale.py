"""What keeps large and oddly shaped models cheap (issues 13 and 15), checked by its figures:
step labels found by descent equal a walk of every step, the count of overlapping lifetimes
equals a pairwise count, and thousands of buffers alive at once are placed by TFLM's own rule
instead of a search whose cost grows with the pairs."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from pathlib import Path

import pytest

from planner import api
from planner.errors import PlannerError
from planner.memory.placement import (
    MAX_OVERLAPPING_PAIRS,
    interval_lower_bound,
    lower_bound,
    overlapping_pairs,
    place,
)
from planner.model.deferred_numpy import numpy_loaded
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


def _conv_with_filter_scales(scales: list[float], path: Path) -> Path:
    """A 32-channel convolution whose filter has ``scales``: a vector long enough to be
    checked in one pass (by numpy where the loader used it, else by min and sum)."""
    from .builder import Model

    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 4, 4, 8], scale=0.1)
    y, _ = g.conv(x, 4, 8, 32, 1)
    g.io([x], [y])
    g.t.tensors[g.t.operators[0].inputs[1]].quantization.scale = scales
    return m.write(path)


@pytest.mark.parametrize("at", [0, 29])
@pytest.mark.parametrize("bad", [float("nan"), -0.5, 0.0, float("inf"), float("-inf")])
def test_a_bad_scale_among_many_channels_is_refused(bad: float, at: int, tmp_path: Path) -> None:
    from planner.validate import ModelRefused

    scales = [0.02] * 32
    scales[at] = bad
    with pytest.raises(ModelRefused, match=rf"quantization scale of {bad!r};"):
        api.load(_conv_with_filter_scales(scales, tmp_path / "bad_scale.tflite"))


def test_scales_are_checked_alike_without_numpy(tmp_path: Path) -> None:
    # A `planner fit` process does not load numpy for a small model: the scales are then
    # checked with min and sum. Its verdicts and messages must be the numpy path's.
    cases = [[0.02] * 32, [3e38] * 32]
    for bad in (float("nan"), -0.5, 0.0, float("inf"), float("-inf")):
        for at in (0, 29):
            scales = [0.02] * 32
            scales[at] = bad
            cases.append(scales)
    paths = [_conv_with_filter_scales(s, tmp_path / f"s{i}.tflite") for i, s in enumerate(cases)]

    def outcome(path: Path) -> str:
        try:
            api.load(path)
        except PlannerError as exc:
            return str(exc)
        return "ok"

    code = (
        "import sys\n"
        "from planner import api\n"
        "from planner.errors import PlannerError\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        api.load(p)\n"
        "        print('ok')\n"
        "    except PlannerError as exc:\n"
        "        print(exc)\n"
        "from planner.model.deferred_numpy import numpy_loaded\n"
        "print(numpy_loaded())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    *lines, numpy_used = proc.stdout.splitlines()
    assert numpy_used == "False"
    assert numpy_loaded()  # here the loader gives numpy views: the scales are checked by numpy
    expected = [outcome(p) for p in paths]
    assert lines == expected
    assert expected[:2] == ["ok", "ok"] and all("scale of" in e for e in expected[2:])


def test_huge_finite_scales_are_accepted(tmp_path: Path) -> None:
    # Near float32's largest: their sum is over it, and each value is finite and positive.
    graph = api.load(_conv_with_filter_scales([3e38] * 32, tmp_path / "huge.tflite"))
    assert len(graph.main.tensors[graph.main.operators[0].inputs[1]].quantization.scales) == 32
