"""The target a prediction is for: everything TFLM's arena depends on besides the model.

One :class:`Target` is built from a board in one place (:func:`target_for`) and passed whole
to every stage that needs it; no stage unpacks it into loose arguments with defaults of its
own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.targets.boards import Board

#: Kernel libraries: TFLM's portable kernels, Arm's CMSIS-NN (Cortex-M), Espressif's ESP-NN.
KERNEL_LIBRARIES = ("reference", "cmsis-nn", "esp-nn")
#: RecordingMicroAllocator (what the pip package and RecordingMicroInterpreter use) or the
#: plain MicroAllocator that MicroInterpreter creates on a board.
ALLOCATORS = ("recording", "plain")
#: TFLM's memory planners a target can use (GreedyMemoryPlanner is MicroInterpreter's default).
MEMORY_PLANNERS = ("greedy",)
#: TFLM sources whose layouts are modelled: the `tflite-micro` pip package (tflite-micro
#: commit 8f6596d) and the commit the Cortex-M probes were built from.
TFLM_VERSIONS = ("pip-0.dev20261023182759", "90b983c2")
PIP_TFLM = TFLM_VERSIONS[0]


@dataclass(frozen=True)
class Target:
    """Pointer width, kernel library and its features, and how TFLM was built and created.

    The defaults are the `tflite-micro` pip package on this machine (:data:`HOST`); a board's
    target comes from :func:`target_for`.
    """

    pointer_bits: int = 64
    #: One of :data:`KERNEL_LIBRARIES`.
    kernels: str = "reference"
    #: The core has the DSP extension (ARM_MATH_DSP in CMSIS-NN). With esp-nn kernels: the
    #: ESP32-S3's SIMD instructions, which select ESP-NN's esp32s3 functions.
    dsp: bool = False
    #: The core has Helium (ARM_MATH_MVEI in CMSIS-NN).
    mve: bool = False
    #: Enums as small as their values (GCC's -fshort-enums, arm-none-eabi's default) rather
    #: than int-sized.
    short_enums: bool = False
    #: One of :data:`ALLOCATORS`.
    allocator: str = "recording"
    #: One of :data:`MEMORY_PLANNERS`.
    memory_planner: str = "greedy"
    #: Built with USE_TFLM_COMPRESSION (the pip package is; TFLM's Makefile default is not).
    compression: bool = True
    #: CMSIS-NN kernels built with KERNELS_OPTIMIZED_FOR_SPEED (TFLM's default) rather than
    #: _FOR_SIZE.
    optimized_for_speed: bool = True
    #: One of :data:`TFLM_VERSIONS`.
    tflm: str = PIP_TFLM

    def __post_init__(self) -> None:
        if self.pointer_bits not in (32, 64):
            raise ValueError(f"pointer_bits must be 32 or 64, not {self.pointer_bits}")
        for name, value, allowed in (
            ("kernels", self.kernels, KERNEL_LIBRARIES),
            ("allocator", self.allocator, ALLOCATORS),
            ("memory_planner", self.memory_planner, MEMORY_PLANNERS),
            ("tflm", self.tflm, TFLM_VERSIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")

    @classmethod
    def mcu(
        cls,
        kernels: str = "reference",
        dsp: bool = False,
        mve: bool = False,
        *,
        short_enums: bool = False,
        allocator: str = "plain",
    ) -> Target:
        """A 32-bit microcontroller build as TFLM's Makefile makes it (no compression) with
        the interpreter a firmware creates (``MicroInterpreter``: the plain allocator)."""
        return cls(
            pointer_bits=32,
            kernels=kernels,
            dsp=dsp,
            mve=mve,
            short_enums=short_enums,
            allocator=allocator,
            compression=False,
        )

    @property
    def recording(self) -> bool:
        return self.allocator == "recording"

    @property
    def label(self) -> str:
        ext = "+".join(x for x, on in (("dsp", self.dsp), ("mve", self.mve)) if on)
        return f"{self.pointer_bits}-bit, {self.kernels} kernels" + (f" ({ext})" if ext else "")


#: The `tflite-micro` pip package on this machine: 64-bit, reference kernels.
HOST = Target()


#: The TFLM commit the Cortex-M figures are measured against (the probes in
#: shared/tflm-cortex-m, built with arm-none-eabi-gcc 12.2 and TFLM's Makefile).
CORTEX_M_TFLM = TFLM_VERSIONS[1]


#: The Target fields a board file sets, under the same names.
BOARD_FEATURES = ("kernels", "dsp", "mve", "short_enums", "allocator")


def target_for(board: Board) -> Target:
    """The target a board implies (the one place a board becomes a target).

    A 64-bit board is the pip package (its TFLM, compression, the recording allocator unless
    the board says otherwise). A 32-bit board is TFLM built with its Makefile for the board's
    core: no compression, the enum size and allocator from the board file (GCC's short enums
    and MicroInterpreter's plain allocator by default), TFLM at the measured commit.
    """
    features = {name: getattr(board, name) for name in BOARD_FEATURES}
    if board.pointer_bits == 64:
        return Target(**features)
    return replace(Target.mcu(**features), tflm=CORTEX_M_TFLM)
