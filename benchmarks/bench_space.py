"""Benchmark `planner space` on Dask: subnets per second per worker, and 1 -> 2 workers.

    python benchmarks/bench_space.py                  # 10,000 subnets x 3 boards
    python benchmarks/bench_space.py --samples 400    # quicker

The subnets are spread over the default grid (8 width multipliers x 5 resolutions, the same
number per space); each is built, planned (TFLM's plan and the optimized one, once per
distinct target), analysed and checked against stm32f746, nrf52840 and stm32h743. The same
job runs on a LocalCluster of 1 worker process and then of 2 (one thread each); cluster
start-up and each worker's first imports are not timed. The two runs must give identical
rows. Prints the figures and a Markdown row for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.parallel import dask_client  # noqa: E402
from planner.space.engine import SpaceJob, run_job  # noqa: E402
from planner.space.pipeline import resolve_boards  # noqa: E402
from planner.space.supernet import DEFAULT_RESOLUTIONS, DEFAULT_WIDTHS  # noqa: E402

BOARDS = ("stm32f746", "nrf52840", "stm32h743")


def _warm(client: object) -> None:
    """Import the evaluation code on every worker before timing."""
    from planner.space.engine import Chunk, evaluate_chunk

    boards = resolve_boards(BOARDS)
    client.run(evaluate_chunk, Chunk(0.3, 96, 0, 1), 0, 1000, boards)  # type: ignore[attr-defined]


def timed_run(job: SpaceJob, workers: int) -> tuple[float, tuple[dict[str, object], ...]]:
    with dask_client(None, workers) as client:
        _warm(client)
        start = time.perf_counter()
        result = run_job(job, client=client)
        return time.perf_counter() - start, result.rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000, help="Subnets in all.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    spaces = len(DEFAULT_WIDTHS) * len(DEFAULT_RESOLUTIONS)
    per_space = max(1, round(args.samples / spaces))
    boards = resolve_boards(BOARDS)
    job = SpaceJob(DEFAULT_WIDTHS, DEFAULT_RESOLUTIONS, per_space, args.seed, 1000, boards)
    n = per_space * spaces
    print(f"{n:,} subnets ({per_space} per space, {spaces} spaces) x {len(boards)} boards; "
          f"{os.cpu_count()} cores")  # fmt: skip
    t1, rows1 = timed_run(job, 1)
    print(f"1 worker : {t1:8.1f} s  {n / t1:6.1f} subnets/s per worker")
    t2, rows2 = timed_run(job, 2)
    print(f"2 workers: {t2:8.1f} s  {n / t2 / 2:6.1f} subnets/s per worker ({n / t2:.1f} in all)")
    same = rows1 == rows2
    print(f"speed-up 1 -> 2 workers: x{t1 / t2:.2f}; identical rows: {same}")
    print()
    print("| subnets x boards | 1 worker | 2 workers | subnets/s per worker (1 / 2) | speed-up |")
    print("|---|---:|---:|---:|---:|")
    print(f"| {n:,} x {len(boards)} | {t1:.1f} s | {t2:.1f} s | {n / t1:.1f} / {n / t2 / 2:.1f} "
          f"| x{t1 / t2:.2f} |")  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
