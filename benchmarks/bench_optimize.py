"""Benchmark the optimizer on the corpus: TFLM's head against the optimized one.

    python benchmarks/bench_optimize.py                 # every corpus model, predicted
    python benchmarks/bench_optimize.py --measure       # also run the optimized models in TFLM
    python benchmarks/bench_optimize.py --markdown a.tflite b.tflite

Columns: TFLM's head (greedy planner, as the runtime plans the model as it is), the in-order
lower bound in the original order and in the best order found, the optimized head (predicted,
and measured in the ``tflite-micro`` runtime with ``--measure``), the saving, and the time
``optimize`` took. Models are the shared corpus (../shared/models) and the bundled ones
(models/, models/ops/) unless files are given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.errors import PlannerError  # noqa: E402
from planner.model.tflite_reader import load_model  # noqa: E402
from planner.offline_plan.optimize import optimize, write_optimized  # noqa: E402


def corpus() -> list[Path]:
    shared = ROOT.parent / "shared" / "models"
    bundled = ROOT / "models"
    return (
        sorted(shared.glob("*.tflite"))
        + sorted(bundled.glob("*.tflite"))
        + sorted((bundled / "ops").glob("*.tflite"))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--measure", action="store_true", help="run the optimized models in TFLM")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-reorder", action="store_true")
    args = parser.parse_args(argv)
    paths = args.models or corpus()

    header = [
        "model",
        "TFLM head",
        "bound (orig. order)",
        "bound (best order)",
        "optimized head",
        "measured",
        "saving",
        "reordered",
        "time (ms)",
    ]
    rows: list[list[str]] = []
    total_time = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            try:
                graph = load_model(path)
                result = optimize(graph, reorder=not args.no_reorder)
            except PlannerError as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                continue
            total_time += result.seconds
            measured = "-"
            if args.measure:
                from planner.runtimes.tflm.verify.host import measure_runtime

                out = Path(tmp) / path.name
                out.write_bytes(write_optimized(graph, path.read_bytes(), result))
                head = measure_runtime(out, bisect=False).head_bytes
                measured = f"{head:,}" + ("" if head == result.head_bytes else " (DIFFERS)")
            name = path.stem if path.parent.name != "ops" else f"ops/{path.stem}"
            rows.append(
                [
                    name,
                    f"{result.tflm_head_bytes:,}",
                    f"{result.lower_bound_original:,}",
                    f"{result.lower_bound_reordered:,}",
                    f"{result.head_bytes:,}",
                    measured,
                    f"{result.saving_bytes:,} ({result.saving_percent:.1f} %)",
                    "yes" if result.reordered else "no",
                    f"{1000 * result.seconds:.1f}",
                ]
            )
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        print(
            "  ".join(
                h.ljust(w) if i == 0 else h.rjust(w)
                for i, (h, w) in enumerate(zip(header, widths, strict=True))
            )
        )
        for row in rows:
            print(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
    print(f"\n{len(rows)} models, optimizer time {1000 * total_time:.0f} ms in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
