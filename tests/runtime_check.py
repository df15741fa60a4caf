"""The real TFLM runtime and the planner's command, run from a test on one model.

The runtime's ``AllocateTensors`` runs in a child process, since on some broken models it
aborts or segfaults the process; the planner runs as a user runs it (``planner fit``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.runtimes.tflm.verify.host import runtime_available

ROOT = Path(__file__).resolve().parents[1]

needs_runtime = pytest.mark.skipif(
    not runtime_available(), reason="the tflite-micro runtime is not installed"
)

#: AllocateTensors with a 1 MiB arena; prints the runtime's answer as JSON.
ALLOCATE = """
import json, sys
from tflite_micro.python.tflite_micro import runtime
try:
    runtime.Interpreter.from_file(sys.argv[1], arena_size=1 << 20)
except RuntimeError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"allocated": True}))
"""


def allocation(path: Path) -> subprocess.CompletedProcess[str]:
    """The child process that ran AllocateTensors on ``path`` (a negative status: killed)."""
    return subprocess.run(
        [sys.executable, "-c", ALLOCATE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def answer(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """What the runtime said (``{"allocated": True}`` or ``{"error": ...}``); it must not
    have crashed."""
    assert proc.returncode == 0, proc.stderr[-2000:]
    said: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return said


def allocate(path: Path) -> tuple[dict[str, object], str]:
    """(the runtime's answer, its stderr) for AllocateTensors on ``path``."""
    proc = allocation(path)
    return answer(proc), proc.stderr


def refused_in_prepare(path: Path, kernel: str, *said: str) -> str:
    """Assert that the runtime refuses ``path`` in ``kernel``'s Prepare (operator 0), its
    error saying each of ``said``; its stderr."""
    said_by_runtime, stderr = allocate(path)
    assert "error" in said_by_runtime, f"TFLM allocated {path.name!r}"
    assert f"Node {kernel} (number 0) failed to prepare" in stderr, stderr
    for text in said:
        assert text in stderr, stderr
    return stderr


def allocates(path: Path) -> None:
    """Assert that the runtime allocates ``path``."""
    said, stderr = allocate(path)
    assert said == {"allocated": True}, stderr


def planner_fit(path: Path) -> subprocess.CompletedProcess[str]:
    """``planner fit PATH --board host`` as a new process."""
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", "fit", str(path), "--board", "host"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
