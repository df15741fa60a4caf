"""Benchmark the optimizer's two searches as the problem grows: ratios, not pass/fail.

    python benchmarks/bench_search.py [--repeats 3]

* **reorder**: :func:`planner.offline_plan.reorder.best_schedule` on a chain with a skip
  connection around every third operator (exact search), and on two branches of equal length
  joined pairwise (too many downsets: the beam search), at n and 2n operators.
* **placement**: :func:`planner.memory.placement.place` on n and 2n random buffers (sizes
  16-4,784 B, lifetimes of 1-8 steps).

Each row prints the best time over the repeats and the ratio of the cost per item at 2n to
the cost at n; the search is meant to stay within an n log n growth (ratio about 1.1 or less),
and under the budgets its tests once asserted (2 s for 300 operators, 1 s for 400 buffers).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.memory.placement import place  # noqa: E402
from planner.model.graph import Graph, Operator, Subgraph, Tensor  # noqa: E402
from planner.offline_plan.reorder import best_schedule  # noqa: E402


def dag_graph(n_ops: int, edges: Sequence[tuple[int, ...]], sizes: Sequence[int]) -> Graph:
    """Op k produces tensor k+1 (tensor 0 is the input) and reads the tensors in edges[k]."""
    tensors = tuple(Tensor(i, f"t{i}", (sizes[i],), "INT8", 0) for i in range(n_ops + 1))
    ops = tuple(Operator(k, "ADD", tuple(edges[k]), (k + 1,)) for k in range(n_ops))
    read = {t for e in edges for t in e}
    outputs = tuple(t for t in range(1, n_ops + 1) if t not in read) or (n_ops,)
    return Graph((Subgraph(0, "main", tensors, ops, (0,), outputs),), file_bytes=0)


def skip_chain(n: int) -> Graph:
    edges = [(k,) if k % 3 or k < 3 else (k, k - 2) for k in range(n)]
    return dag_graph(n, edges, [16 * (1 + (7 * i) % 50) for i in range(n + 1)])


def two_branches(n: int) -> Graph:
    half = n // 2
    edges = [(0,) if k < half else (k - half + 1, k - half + 2) for k in range(n)]
    return dag_graph(n, edges, [16 * 20] * (n + 1))


def buffers(n: int) -> tuple[list[int], list[int], list[int]]:
    rng = np.random.default_rng(0)
    sizes = [16 * int(rng.integers(1, 300)) for _ in range(n)]
    firsts = list(range(n))
    lasts = [i + int(rng.choice([1, 1, 1, 2, 3, 8])) for i in range(n)]
    return sizes, firsts, lasts


def best_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cases: list[tuple[str, int, float, Callable[[int], Callable[[], object]]]] = [
        ("reorder, skip chain (exact)", 300, 2.0, lambda n: lambda: best_schedule(skip_chain(n))),
        (
            "reorder, two branches (beam)",
            60,
            2.0,
            lambda n: lambda: best_schedule(two_branches(n), state_limit=2_000),
        ),
        ("placement, random buffers", 400, 1.0, lambda n: lambda: place(*buffers(n))),
    ]
    print(
        f"{'search':32} {'n':>5} {'time n':>9} {'time 2n':>9} {'per item x':>10} "
        f"{'n log n x':>9} {'time / budget':>13}"
    )
    for name, n, budget, make in cases:
        small = best_time(make(n), args.repeats)
        large = best_time(make(2 * n), args.repeats)
        growth = (large / (2 * n)) / (small / n)
        bound = math.log(2 * n) / math.log(n)
        print(
            f"{name:32} {n:>5} {small:>8.3f}s {large:>8.3f}s {growth:>10.2f} {bound:>9.2f} "
            f"{small / budget:>13.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
