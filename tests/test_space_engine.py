"""The engine: the same seed gives the same rows serially and on a Dask LocalCluster of two
worker processes, chunks written as Parquet are resumed, and the summary is what the rows say."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.parallel import dask_client
from planner.space.engine import SpaceJob, read_parquet, run_job
from planner.space.explore import explore
from planner.space.pipeline import resolve_board

pytest.importorskip("distributed", reason="dask[distributed] is not installed (the space extra)")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (the space extra)")

BOARDS = tuple(resolve_board(n) for n in ("stm32f746", "nrf52840", "stm32h743"))


def _job(seed: int = 11) -> SpaceJob:
    return SpaceJob((0.3, 0.5), (96, 160), 5, seed, 1000, BOARDS, chunk_size=2)


def test_same_seed_same_rows_serially_and_on_dask(tmp_path: Path) -> None:
    serial = run_job(_job())
    with dask_client(None, 2) as client:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        distributed = run_job(_job(), client=client, results_dir=tmp_path)
    assert len(pids) == 2  # two separate processes
    assert distributed.computed_chunks == len(_job().chunks()) == 12
    assert len(serial.rows) == 2 * 2 * 5 * 3
    assert serial.rows == distributed.rows
    # What was written is what was computed.
    assert distributed.results_dir is not None
    assert tuple(read_parquet(distributed.results_dir / "subnets.parquet")) == serial.rows
    csv_lines = (distributed.results_dir / "subnets.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(serial.rows)
    # Another seed gives other subnets.
    other = run_job(_job(seed=12))
    assert [r["subnet"] for r in other.rows] != [r["subnet"] for r in serial.rows]


def test_rerun_resumes_from_written_chunks(tmp_path: Path) -> None:
    first = run_job(_job(), results_dir=tmp_path)
    assert (first.computed_chunks, first.resumed_chunks) == (12, 0)
    again = run_job(_job(), results_dir=tmp_path)
    assert (again.computed_chunks, again.resumed_chunks) == (0, 12)
    assert again.rows == first.rows
    # A lost chunk is computed again; a damaged one too.
    assert first.results_dir is not None
    chunk_files = sorted(first.results_dir.glob("w*.parquet"))
    chunk_files[0].unlink()
    chunk_files[1].write_bytes(b"not parquet")
    third = run_job(_job(), results_dir=tmp_path)
    assert (third.computed_chunks, third.resumed_chunks) == (2, 10)
    assert third.rows == first.rows
    # More samples reuse the full chunks already written: [0, 2) and [2, 4) of each space
    # (the old [4, 5) becomes [4, 6)).
    bigger = SpaceJob((0.3, 0.5), (96, 160), 6, 11, 1000, BOARDS, chunk_size=2)
    fourth = run_job(bigger, results_dir=tmp_path)
    assert (fourth.computed_chunks, fourth.resumed_chunks) == (4, 8)
    assert fourth.rows[: 5 * 3] == first.rows[: 5 * 3]


def test_summary_counts_the_rows() -> None:
    rows = run_job(_job()).rows
    [f746, nrf, h743] = explore(rows, [b.name for b in BOARDS])
    for e in (f746, nrf, h743):
        assert len(e.spaces) == 4
        for s in e.spaces:
            mine = [r for r in rows if r["board"] == e.board and (r["width"], r["resolution"])
                    == (s.width, s.resolution)]  # fmt: skip
            fit = sorted(r["macs"] for r in mine if r["fits"])
            assert s.samples == 5 and s.fits == len(fit) and list(s.fit_macs) == fit
            assert s.fit_fraction == len(fit) / 5
        if e.best_space is not None:
            assert e.best_space.mean_fit_macs == max(s.mean_fit_macs for s in e.spaces)
            assert e.best_subnet is not None and e.best_subnet["fits"]
            assert e.best_subnet["macs"] == e.best_space.fit_macs[-1]
    # A larger budget never fits fewer subnets of a space (same subnets, same target).
    for small, big in zip(nrf.spaces, f746.spaces, strict=True):
        assert small.fits <= big.fits
