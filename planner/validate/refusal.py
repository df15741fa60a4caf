"""The validation verdict: one line saying why TFLM will refuse a model."""

from __future__ import annotations

from planner.errors import PlannerError

PREFIX = "TFLM will refuse this model"


def escape(text: str) -> str:
    """``text`` with control and other unprintable characters written as escapes
    (``\\n``, ``\\x1b``), so a name from a model can never break a one-line message."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


class ModelRefused(PlannerError):
    """The model is one TFLM's ``AllocateTensors`` refuses, crashes on, or is clearly broken."""

    def __init__(self, path: str, why: str) -> None:
        self.why = escape(why)
        super().__init__(f"{escape(path)}: {PREFIX}: {self.why}")


def where(sg_index: int) -> str:
    """`` in subgraph N`` for every subgraph but the main one."""
    return f" in subgraph {sg_index}" if sg_index else ""


__all__ = ["PREFIX", "ModelRefused", "escape", "where"]
