"""Check a prediction against TFLM itself: the pip runtime for ``host``, the Cortex-M probes
(TFLM built for the board's core, run in QEMU) for Cortex-M boards.

:func:`verify` picks the runtime the board's target calls for, measures head, tail, total and
the smallest arena, and compares them with the prediction (:func:`.host.compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by verify(): a submodule's import (.builds) stays light
    from planner.model.graph import Graph
    from planner.runtimes.tflm.arena import ArenaPrediction
    from planner.runtimes.tflm.verify.host import RuntimeMeasurement
    from planner.targets.boards import Board


@dataclass(frozen=True)
class Verification:
    """Predicted against measured, figure by figure."""

    predicted: ArenaPrediction
    measured: RuntimeMeasurement
    #: What measured it, e.g. "the TFLM runtime (64-bit, reference kernels)".
    runtime: str
    #: (figure, predicted, measured, agrees)
    rows: tuple[tuple[str, int, int, bool], ...]

    @property
    def agree(self) -> bool:
        return all(row[3] for row in self.rows)


def verify(
    graph: Graph,
    model: str | Path,
    board: Board,
    *,
    probe: Path | None = None,
    timeout: float = 300.0,
) -> Verification:
    """Predict ``graph``'s arena on ``board`` and measure it with the matching TFLM build."""
    from planner.errors import RuntimeCheckError
    from planner.runtimes.tflm.arena import predict_arena
    from planner.runtimes.tflm.verify.builds import probe_build
    from planner.runtimes.tflm.verify.host import compare, measure_runtime
    from planner.runtimes.tflm.verify.probes import find_probe, measure_probe
    from planner.targets.target import HOST, target_for

    target = target_for(board)
    predicted = predict_arena(graph, target)
    if target == HOST and probe is None:
        measured = measure_runtime(model, timeout=timeout)
        runtime = f"the TFLM runtime ({target.label}, tflite-micro package)"
    else:
        build = probe_build(target, board.core)
        if build is None:
            raise RuntimeCheckError(
                f"board '{board.name}' ({board.core}, {target.label}) has no TFLM build here to "
                "check against: the Cortex-M probes cover Cortex-M0+/M4/M7/M33 with reference "
                "or CMSIS-NN kernels, and `--board host` uses the tflite-micro package"
            )
        found = find_probe(build, probe)
        measured = measure_probe(model, found, allocator=target.allocator, timeout=timeout)
        runtime = f"TFLM built for {board.core} ({build}, {target.allocator} allocator, in QEMU)"
    rows, _ = compare(predicted, measured)
    return Verification(predicted, measured, runtime, tuple(rows))


__all__ = ["Verification", "verify"]
