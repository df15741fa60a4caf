"""The target a prediction is for: everything the arena depends on besides the model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """What the arena depends on besides the model: pointer width and kernel library."""

    pointer_bits: int = 64
    kernels: str = "reference"
    dsp: bool = False
    mve: bool = False

    @property
    def label(self) -> str:
        ext = "+".join(x for x, on in (("dsp", self.dsp), ("mve", self.mve)) if on)
        return f"{self.pointer_bits}-bit, {self.kernels} kernels" + (f" ({ext})" if ext else "")


HOST = Target()
