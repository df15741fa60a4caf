"""Pause Python's cyclic garbage collector while the planner builds large structures.

Loading and planning a model creates a few objects per tensor and per operator, hundreds of
thousands for a 10,000-operator model, and none of them form reference cycles (they are freed
by reference counting). The cyclic collector still runs every few hundred allocations and,
as the heap grows, re-scans all of it: about a third of the time for a 10,000-operator
model, and the reason the cost per operator grew with the model's size. The entry points
below pause it for the duration of the call; the objects made meanwhile are examined once, by
the next collection after it (one pass, linear in their number).

Nested calls leave the collector as the outermost one found it, and a collector the
application turned off stays off.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def gc_paused(fn: F) -> F:
    """Run ``fn`` with the cyclic garbage collector paused (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> object:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper  # type: ignore[return-value]


__all__ = ["gc_paused"]
