"""Measure a model with TFLM built for a Cortex-M core (run in QEMU) or for x86-64.

The probes are TFLM (commit 90b983c2) compiled with arm-none-eabi-gcc and TFLM's own flags for
Cortex-M4/M7/M33/M0+, with reference or CMSIS-NN kernels, and for x86-64 with and without
USE_TFLM_COMPRESSION: small programs that load a model, call ``AllocateTensors()`` on an arena
of a given size and print head, tail and total (``shared/tflm-cortex-m`` in the project's
workspace, with their build recipe). The Cortex-M ones run under ``qemu-arm`` (Debian's
``qemu-user``). The smallest arena is bisected with one process per size, as TFLM may crash
or loop forever after a failed allocation on some models.

Where the probes are: ``--probe FILE``, else the folder in ``PLANNER_PROBES``, else
``../shared/tflm-cortex-m/elf`` beside the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from planner.errors import RuntimeCheckError
from planner.runtimes.tflm.verify.builds import NATIVE_BUILDS
from planner.runtimes.tflm.verify.host import RuntimeMeasurement

_OK = re.compile(r"^OK total=(\d+) head=(\d+) tail=(\d+)", re.M)
#: The probes' program name pattern and the CPU qemu-arm runs them on (the .a15 links use
#: the A-profile C library around the unchanged Cortex-M code; see the probes' README).
_ELF = "probe_{build}.a15.elf"
_QEMU_CPU = {"m33_cmsis": "max"}


@dataclass(frozen=True)
class Probe:
    """One probe program and how to run it (``qemu`` None: natively)."""

    build: str
    elf: Path
    qemu: str | None
    cpu: str

    def command(self, model: Path, arena: int, plain: bool) -> list[str]:
        extra = ["--plain"] if plain else []
        run = [str(self.elf)] if self.qemu is None else [self.qemu, "-cpu", self.cpu, str(self.elf)]
        return [*run, model.name, str(arena), *extra]


def _default_folder() -> Path:
    return Path(__file__).resolve().parents[4].parent / "shared" / "tflm-cortex-m" / "elf"


def find_probe(build: str, explicit: Path | None = None, folder: Path | None = None) -> Probe:
    """The probe for ``build``; raises a one-line error saying what is missing."""
    native = build in NATIVE_BUILDS
    qemu = None if native else shutil.which("qemu-arm")
    if qemu is None and not native:
        raise RuntimeCheckError(
            "qemu-arm is not installed (Debian: apt-get install qemu-user); it runs the "
            "Cortex-M probes"
        )
    name = f"probe_{build}.elf" if native else _ELF.format(build=build)
    if explicit is not None:
        elf = explicit
    else:
        elf = (folder or Path(os.environ.get("PLANNER_PROBES") or _default_folder())) / name
    if not elf.is_file():
        raise RuntimeCheckError(
            f"no TFLM probe at {elf}: pass --probe FILE or set PLANNER_PROBES to the "
            f"folder holding {name} (shared/tflm-cortex-m/elf)"
        )
    return Probe(build, elf, qemu, _QEMU_CPU.get(build, "cortex-a15"))


def run_probe(
    probe: Probe, model: Path, arena: int, plain: bool, timeout: float = 60.0
) -> tuple[int, int, int] | None:
    """(head, tail, total) when ``arena`` bytes allocate; None when allocation fails, crashes
    or hangs (TFLM's HALTED loop)."""
    try:
        proc = subprocess.run(
            probe.command(model, arena, plain),
            cwd=model.parent,  # semihosting opens the model relative to the working directory
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None  # TFLM's HALTED loop after a failed allocation: does not allocate
    out = proc.stdout + proc.stderr
    match = _OK.search(out)
    if proc.returncode == 0 and match is not None:
        total, head, tail = (int(g) for g in match.groups())
        return head, tail, total
    if "ERROR" in out or "Didn't find op" in out:
        last = next((ln for ln in reversed(out.splitlines()) if ln.strip()), "no output")
        raise RuntimeCheckError(f"{model}: the TFLM probe cannot run it: {last[:200]}")
    return None


def _smallest(probe: Probe, model: Path, total: int, plain: bool, timeout: float) -> int:
    """Bisect the smallest arena that allocates (one probe process per size)."""
    low, high, step = max(total - 64, 0), total, 64
    while run_probe(probe, model, high, plain, timeout) is None:
        low, high, step = high, high + step, step * 2
        if high > 64 * total + 1024:
            raise RuntimeCheckError(f"{model}: the probe did not allocate at any arena size")
    if run_probe(probe, model, low, plain, timeout) is not None:
        low = 0
    while high - low > 1:
        mid = (low + high) // 2
        if run_probe(probe, model, mid, plain, timeout) is None:
            low = mid
        else:
            high = mid
    return high


def measure_probe(
    model: str | Path,
    probe: Probe,
    *,
    allocator: str = "plain",
    bisect: bool = True,
    timeout: float = 300.0,
) -> RuntimeMeasurement:
    """Head, tail and total from one run at a large arena, then the smallest arena."""
    path = Path(model).resolve()
    plain = allocator == "plain"
    figures = None
    for arena in (8 << 20, 64 << 20):
        figures = run_probe(probe, path, arena, plain, timeout)
        if figures is not None:
            break
    if figures is None:
        raise RuntimeCheckError(f"{model}: the TFLM probe did not allocate the model")
    head, tail, total = figures
    search_timeout = min(timeout, 60.0)
    minimum = _smallest(probe, path, total, plain, search_timeout) if bisect else None
    return RuntimeMeasurement(
        total_bytes=total, head_bytes=head, tail_bytes=tail, min_arena_bytes=minimum
    )
