"""Which TFLM probe build measures a target (see :mod:`.probes`), without loading what runs
the probes: the text report names the check a board's figures can get on every
`planner fit`, and importing the probe runner (subprocess, shutil and its compressors) costs
more than the rest of that report."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.targets.target import Target

#: Cores whose code a probe build runs, per (core family, kernels, DSP). The arena depends
#: only on the ABI (pointer width, enum size), the kernel library and its DSP/MVE flags, so
#: one build serves every core with the same ones (a Cortex-M7 with reference kernels runs
#: the Cortex-M4 reference build: the same ARMv7E-M code).
_BUILDS: dict[tuple[str, bool, bool], str] = {
    ("reference", False, True): "m4_ref",
    ("reference", False, False): "m4_ref",
    ("cmsis-nn", True, True): "m4_cmsis",
    ("cmsis-nn", False, True): "m0p_cmsis",
    ("cmsis-nn", True, False): "m4_cmsis_noshortenums",
}
#: A build for a specific core, where one exists (same figures, the core's own code).
_CORE_BUILDS = {("cortex-m7", "cmsis-nn"): "m7_cmsis", ("cortex-m33", "cmsis-nn"): "m33_cmsis"}
#: Probes built for this machine, run directly.
NATIVE_BUILDS = ("x86_ref", "x86_ref_compression")


def probe_build(target: Target, core: str) -> str | None:
    """The probe build whose figures are the target's, or None if none was built for it."""
    if target.pointer_bits != 32 or target.mve or not core.startswith("cortex-m"):
        return None
    own = _CORE_BUILDS.get((core, target.kernels))
    if own is not None and target.short_enums:
        return own
    return _BUILDS.get((target.kernels, target.dsp, target.short_enums))


__all__ = ["NATIVE_BUILDS", "probe_build"]
