"""Measure a model with the real TFLM runtime, to check the planner's predictions.

The runtime (the ``tflite-micro`` package: 64-bit x86, reference kernels) runs in a
subprocess (:mod:`planner.runtimes.tflm.verify._runtime_probe`) with a timeout, because it can
abort or hang
on some models. What it reports through ``print_allocations`` is parsed into a
:class:`RuntimeMeasurement`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import RuntimeCheckError

if TYPE_CHECKING:
    from planner.runtimes.tflm.arena import ArenaPrediction

_TOTALS = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
_CATEGORY = re.compile(
    r"'([^']+)' used (\d+) bytes with alignment overhead \(requested (\d+) bytes for (\d+)"
)


@dataclass(frozen=True)
class RuntimeMeasurement:
    """What the real runtime reported for one model."""

    total_bytes: int
    head_bytes: int
    tail_bytes: int
    #: Smallest ``arena_size`` with which the interpreter allocates (found by bisection).
    min_arena_bytes: int | None
    #: Tail categories: name -> (bytes used with alignment, bytes requested, allocations).
    categories: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def runtime_available() -> bool:
    """True when the ``tflite-micro`` package can be imported (checked without importing it)."""
    import importlib.util

    return importlib.util.find_spec("tflite_micro") is not None


def _run_runtime(
    model_path: str | Path, args: list[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """The runtime on one model in its own process (it can abort or hang on some models)."""
    cmd = [sys.executable, "-m", "planner.runtimes.tflm.verify._runtime_probe", str(model_path)]
    try:
        return subprocess.run(
            [*cmd, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeCheckError(
            f"{model_path}: the TFLM runtime did not finish within {timeout:g} s"
        ) from exc


def measure_runtime(
    model_path: str | Path,
    *,
    bisect: bool = True,
    invoke: bool = False,
    timeout: float = 120.0,
) -> RuntimeMeasurement:
    """Run the model in the real TFLM runtime and return its arena accounting."""
    if not runtime_available():
        raise RuntimeCheckError(
            "the tflite-micro package is not installed (pip install 'tflm-planner[verify]')"
        )
    proc = _run_runtime(model_path, ["--invoke"] if invoke else [], timeout)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeCheckError(
            f"{model_path}: the TFLM runtime exited with status {proc.returncode} ({last})"
        )
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise RuntimeCheckError(f"{model_path}: no answer from the TFLM runtime") from exc
    if "error" in report:
        raise RuntimeCheckError(
            f"{model_path}: the TFLM runtime cannot load this model: {report['error']}"
        )
    totals = {k: int(v) for k, v in _TOTALS.findall(proc.stderr)}
    if set(totals) != {"total", "head", "tail"}:
        raise RuntimeCheckError(f"{model_path}: the runtime printed no arena accounting")
    categories = {
        name: (int(used), int(requested), int(count))
        for name, used, requested, count in _CATEGORY.findall(proc.stderr)
    }
    min_arena = _smallest_arena(model_path, int(report["arena_size"]), timeout) if bisect else None
    return RuntimeMeasurement(
        total_bytes=totals["total"],
        head_bytes=totals["head"],
        tail_bytes=totals["tail"],
        min_arena_bytes=min_arena,
        categories=categories,
    )


def _smallest_arena(model_path: str | Path, known_good: int, timeout: float) -> int:
    """Bisect the smallest arena that allocates, surviving runtime crashes.

    Some kernels crash instead of failing cleanly when the arena is too small; a probe that
    kills the process counts as a failure and the search goes on in a new process.
    """
    low, high = 0, known_good
    for _ in range(64):
        proc = _run_runtime(model_path, ["--bisect", str(low), str(high)], timeout)
        trying = None
        for line in proc.stdout.splitlines():
            word, _, number = line.partition(" ")
            value = int(number)
            if word == "min":
                return value
            if word == "try":
                trying = value
            elif word == "ok":
                high, trying = value, None
            elif word == "fail":
                low, trying = value, None
        if trying is None:
            raise RuntimeCheckError(
                f"{model_path}: the runtime's arena search stopped unexpectedly"
            )
        low = trying  # this size crashed the runtime: it does not work
    raise RuntimeCheckError(f"{model_path}: the runtime's arena search did not converge")


#: How far above the measured smallest arena a prediction may be: TFLM aligns the arena
#: start to 16 bytes, and where the caller's buffer starts is unknown in advance.
MIN_ARENA_SLACK = 16


def compare(
    predicted: ArenaPrediction, measured: RuntimeMeasurement
) -> tuple[list[tuple[str, int, int, bool]], bool]:
    """Rows of (figure, predicted, measured, agrees) and whether all agree.

    Head, tail and total must be equal; the smallest arena must be no lower than measured
    (never under-predict) and at most ``MIN_ARENA_SLACK`` bytes above it.
    """
    rows = [
        (
            "head",
            predicted.head_bytes,
            measured.head_bytes,
            predicted.head_bytes == measured.head_bytes,
        ),
        (
            "tail",
            predicted.tail_bytes,
            measured.tail_bytes,
            predicted.tail_bytes == measured.tail_bytes,
        ),
        (
            "total",
            predicted.total_bytes,
            measured.total_bytes,
            predicted.total_bytes == measured.total_bytes,
        ),
    ]
    if measured.min_arena_bytes is not None:
        low = measured.min_arena_bytes
        rows.append(
            (
                "smallest arena",
                predicted.min_arena_bytes,
                low,
                low <= predicted.min_arena_bytes <= low + MIN_ARENA_SLACK,
            )
        )
    return rows, all(r[3] for r in rows)
