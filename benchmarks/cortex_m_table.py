"""Predicted vs measured arenas on Cortex-M: the README's table, measured by running the probes.

    python benchmarks/cortex_m_table.py [--build m7_cmsis] [--allocator plain]

Runs TFLM built for the core (shared/tflm-cortex-m, in qemu-arm) on every corpus model,
bisects the smallest arena, and prints a Markdown table beside the planner's prediction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.api import load  # noqa: E402
from planner.runtimes.tflm.arena import predict_arena  # noqa: E402
from planner.runtimes.tflm.verify.probes import find_probe, measure_probe  # noqa: E402
from planner.targets.target import CORTEX_M_TFLM, Target  # noqa: E402
from tests.corpus import all_models  # noqa: E402

BUILDS = {
    "m4_ref": ("reference", True),
    "m4_cmsis": ("cmsis-nn", True),
    "m7_cmsis": ("cmsis-nn", True),
    "m33_cmsis": ("cmsis-nn", True),
    "m0p_cmsis": ("cmsis-nn", False),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="m7_cmsis", choices=sorted(BUILDS))
    ap.add_argument("--allocator", default="plain", choices=["plain", "recording"])
    args = ap.parse_args()
    kernels, dsp = BUILDS[args.build]
    target = Target(
        pointer_bits=32,
        kernels=kernels,
        dsp=dsp,
        short_enums=True,
        allocator=args.allocator,
        compression=False,
        tflm=CORTEX_M_TFLM,
    )
    probe = find_probe(args.build)
    print(
        f"| model ({args.build}, {args.allocator}) | head | tail | total | smallest arena "
        "(predicted / measured) |"
    )
    print("|---|---:|---:|---:|---:|")
    for path in all_models():
        if path.parent.name == "ops":
            continue
        p = predict_arena(load(path), target)
        m = measure_probe(path, probe, allocator=args.allocator)
        mark = "" if (p.head_bytes, p.tail_bytes) == (m.head_bytes, m.tail_bytes) else " ✗"
        print(
            f"| `{path.name}` | {m.head_bytes:,} | {m.tail_bytes:,} | {m.total_bytes:,}{mark} "
            f"| {p.min_arena_bytes:,} / {m.min_arena_bytes:,} |"
        )


if __name__ == "__main__":
    main()
