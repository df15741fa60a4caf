"""The target a prediction is for: everything TFLM's arena depends on besides the model.

One :class:`Target` is built from a board in one place (:func:`target_for`) and passed whole
to every stage that needs it; no stage unpacks it into loose arguments with defaults of its
own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.targets.boards import Board


@dataclass(frozen=True)
class Target:
    """Pointer width, kernel library and its features, and how TFLM was built."""

    pointer_bits: int = 64
    #: "reference", "cmsis-nn" or "esp-nn".
    kernels: str = "reference"
    #: The core has the DSP extension (ARM_MATH_DSP in CMSIS-NN).
    dsp: bool = False
    #: The core has Helium (ARM_MATH_MVEI in CMSIS-NN).
    mve: bool = False

    @property
    def label(self) -> str:
        ext = "+".join(x for x, on in (("dsp", self.dsp), ("mve", self.mve)) if on)
        return f"{self.pointer_bits}-bit, {self.kernels} kernels" + (f" ({ext})" if ext else "")


#: The `tflite-micro` pip package on this machine: 64-bit, reference kernels.
HOST = Target()


def target_for(board: Board) -> Target:
    """The target a board implies (the one place a board becomes a target)."""
    return Target(
        pointer_bits=board.pointer_bits, kernels=board.kernels, dsp=board.dsp, mve=board.mve
    )
