"""`planner fit --emit-header arena.h`: the figures a firmware build needs, as C ``#define``s.

Every figure comes from the check: the ``kTensorArenaSize`` to use (the smallest arena with
which TFLM allocates, as `planner fit` prints it) and the head, tail and budget behind it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planner import __version__

if TYPE_CHECKING:
    from planner.check import FitCheck


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_header(check: FitCheck) -> str:
    """A C header with the arena size to build with and the figures behind it."""
    arena = check.arena
    guard = "TFLM_PLANNER_" + re.sub(r"[^A-Z0-9]+", "_", check.board.name.upper()) + "_ARENA_H_"
    exact = "exact" if check.exact else "a floor: some operators' memory is unknown"
    defines = (
        ("TFLM_PLANNER_VERSION", _c_string(__version__), "planner that wrote this"),
        ("TFLM_PLANNER_BOARD", _c_string(check.board.name), arena.target.label),
        ("TFLM_PLANNER_MODEL", _c_string(check.model_path), "model file"),
        ("kTensorArenaSize", f"{check.sram_required_bytes}", f"bytes to use; {exact}"),
        ("TFLM_PLANNER_ARENA_HEAD_BYTES", f"{arena.head_bytes}", "planned activations+scratch"),
        ("TFLM_PLANNER_ARENA_TAIL_BYTES", f"{arena.tail_bytes}", "persistent data"),
        ("TFLM_PLANNER_ARENA_USED_BYTES", f"{arena.total_bytes}", "arena_used_bytes()"),
        ("TFLM_PLANNER_SRAM_BUDGET_BYTES", f"{check.sram_budget_bytes}", "arena region - reserve"),
        ("TFLM_PLANNER_ARENA_EXACT", "1" if check.exact else "0", "1: the figure is exact"),
        ("TFLM_PLANNER_FITS", "1" if check.fits else "0", f"verdict: {check.verdict}"),
    )
    width = max(len(name) + len(value) for name, value, _ in defines) + 1
    lines = [
        f"/* Written by tflm-planner {__version__} (`planner fit --emit-header`). */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        *(
            f"#define {name} {value}{' ' * (width - len(name) - len(value))}/* {why} */"
            for name, value, why in defines
        ),
        "",
        f"#endif  /* {guard} */",
    ]
    return "\n".join(lines) + "\n"
