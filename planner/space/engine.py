"""Run the space exploration serially or on Dask, write Parquet and CSV, resume a re-run.

Work is cut into *chunks*: up to ``chunk_size`` consecutive sample indices of one (width,
resolution) space, each evaluated on every board. A chunk's rows depend only on the seed,
the space, the indices, the number of classes and the boards, so the result is the same
whichever worker runs it and in whatever order chunks finish; rows are put back in chunk order.

With a results directory, every finished chunk is written there at once as a small Parquet
file (under a folder named for the seed, classes and boards), and a re-run reads the chunks
already written instead of computing them again. At the end all rows are written beside them
as ``subnets.parquet`` and ``subnets.csv``.

On Dask (``dask.distributed``): a :class:`~distributed.LocalCluster` of worker processes (one
thread each, all cores by default), or an existing cluster's scheduler address. Workers only
compute; the client writes the files, so workers need no shared file system.
:func:`planner.parallel.run_tasks` is the generic part, shared with ``planner matrix``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from planner.parallel import require, run_tasks
from planner.space.evaluate import COLUMNS, Row, evaluate_subnet
from planner.space.pipeline import Board, PlannerError
from planner.space.supernet import sample_subnet

#: Bump when the space, the graph builder or the row columns change: old chunks are not reused.
SPACE_VERSION = 1
DEFAULT_CHUNK_SIZE = 25

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, order=True)
class Chunk:
    """Sample indices ``start`` to ``stop`` (exclusive) of one (width, resolution) space."""

    width: float
    resolution: int
    start: int
    stop: int

    @property
    def count(self) -> int:
        return self.stop - self.start

    @property
    def file_name(self) -> str:
        return f"w{self.width:.3f}-r{self.resolution}-{self.start:06d}-{self.stop:06d}.parquet"


@dataclass(frozen=True)
class SpaceJob:
    """What to evaluate: the grid, the sample count per space, the seed, classes and boards."""

    widths: tuple[float, ...]
    resolutions: tuple[int, ...]
    samples: int
    seed: int
    classes: int
    boards: tuple[Board, ...]
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def chunks(self) -> list[Chunk]:
        return [
            Chunk(w, r, start, min(start + self.chunk_size, self.samples))
            for w in self.widths
            for r in self.resolutions
            for start in range(0, self.samples, self.chunk_size)
        ]

    @property
    def key(self) -> str:
        """The results folder name: everything a chunk's rows depend on besides the chunk."""
        boards = ";".join(
            f"{b.name},{b.core},{b.clock_mhz},{b.pointer_bits},{b.kernels},{b.dsp},{b.mve},"
            f"{b.short_enums},{b.allocator},"
            f"{b.flash_bytes},{b.sram_budget_bytes},{b.arena_region.kind}"
            for b in self.boards
        )
        digest = hashlib.sha256(f"v{SPACE_VERSION}|{boards}".encode()).hexdigest()[:10]
        return f"seed{self.seed}-classes{self.classes}-boards{digest}"


def evaluate_chunk(chunk: Chunk, seed: int, classes: int, boards: Sequence[Board]) -> list[Row]:
    """Rows of every subnet of ``chunk`` on every board (runs on a worker)."""
    rows: list[Row] = []
    for index in range(chunk.start, chunk.stop):
        subnet = sample_subnet(seed, chunk.width, chunk.resolution, index, classes)
        rows.extend(evaluate_subnet(subnet, boards))
    return rows


# ---------------------------------------------------------------------------------------------
# Parquet and CSV


def _arrow_schema() -> Any:
    import pyarrow as pa

    types = {
        "width": pa.float64(),
        "latency_ms": pa.float64(),
        "subnet": pa.string(),
        "board": pa.string(),
    }
    booleans = {"exact", "fits_sram", "fits_flash", "fits", "fits_optimized"}
    return pa.schema(
        [(c, types.get(c, pa.bool_() if c in booleans else pa.int64())) for c in COLUMNS]
    )


def write_parquet(rows: Sequence[Row], path: Path) -> None:
    """Rows to a Parquet file, written whole or not at all (a temporary file renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(list(rows), schema=_arrow_schema())
    tmp = path.with_name(path.name + ".tmp")
    try:
        pq.write_table(table, tmp)
        tmp.replace(path)
    except OSError as exc:
        raise PlannerError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def read_parquet(path: Path) -> list[Row]:
    import pyarrow.parquet as pq

    return list(pq.read_table(path).to_pylist())


def csv_text(rows: Sequence[Row], columns: Sequence[str] = COLUMNS) -> str:
    from planner.report.rows import csv_table

    return csv_table(columns, (map(row.get, columns) for row in rows))


def _cached(path: Path) -> list[Row] | None:
    if not path.is_file():
        return None
    try:
        return read_parquet(path)
    except Exception:  # a damaged chunk file is computed again
        return None


# ---------------------------------------------------------------------------------------------
# The run


@dataclass(frozen=True)
class RunResult:
    rows: tuple[Row, ...]
    #: Chunks read from the results folder instead of computed.
    resumed_chunks: int
    computed_chunks: int
    #: The folder holding this run's chunk files, subnets.parquet and subnets.csv (or None).
    results_dir: Path | None


def run_job(
    job: SpaceJob,
    *,
    client: Any | None = None,
    results_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Evaluate every chunk of ``job`` (on ``client`` if given), resuming from
    ``results_dir``; ``progress(n)`` is called with the number of subnets each step adds."""
    chunks = job.chunks()
    folder = results_dir / job.key if results_dir is not None else None
    if folder is not None:
        require("pyarrow", "writing Parquet results")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlannerError(f"{folder}: cannot create: {exc.strerror or exc}") from exc
    by_chunk: dict[Chunk, list[Row]] = {}
    if folder is not None:
        for chunk in chunks:
            cached = _cached(folder / chunk.file_name)
            if cached is not None:
                by_chunk[chunk] = cached
                if progress is not None:
                    progress(chunk.count)
    todo = [c for c in chunks if c not in by_chunk]

    def done(i: int, rows: list[Row]) -> None:
        if folder is not None:
            write_parquet(rows, folder / todo[i].file_name)
        if progress is not None:
            progress(todo[i].count)

    results = run_tasks(
        evaluate_chunk,
        todo,
        client=client,
        on_result=done,
        seed=job.seed,
        classes=job.classes,
        boards=job.boards,
    )
    by_chunk.update(zip(todo, results, strict=True))
    rows = tuple(row for chunk in chunks for row in by_chunk[chunk])
    if folder is not None:
        write_parquet(rows, folder / "subnets.parquet")
        try:
            (folder / "subnets.csv").write_text(csv_text(rows), encoding="utf-8")
        except OSError as exc:
            raise PlannerError(f"{folder}: cannot write: {exc.strerror or exc}") from exc
    return RunResult(rows, len(chunks) - len(todo), len(todo), folder)
