"""How long the planner takes on models shaped to be slow (issue 13): a 100,000-tensor
model, an operator with 10,000 outputs, 3,000 copies of a subgraph, a CALL_ONCE diamond of
depth 40. Prints seconds per stage (load, validate, predict) and for the whole command
(`planner fit M --board host -f json`, a new process: everything a user waits for, the JSON
report included); no assertion (timings are not tests). Then whole commands on two more
shapes: a 5,000-input PACK's HTML report and a 50,000-operator chain (`fit` on the host as
JSON, and on stm32f746 as text, which also predicts the five host-to-board steps).
Run:  python -m benchmarks.bench_hostile
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.arena import predict_arena
from planner.validate import validate
from tests.hostile import CASES

SHAPES = (
    "100,000 unused tensors",
    "an operator with 10,000 outputs",
    "3,000 copies of a subgraph",
    "CALL_ONCE diamond of depth 40",
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in SHAPES:
            path = CASES[name].build(Path(tmp))
            t0 = time.perf_counter()
            graph = load_model(path)
            t1 = time.perf_counter()
            validate(graph)
            t2 = time.perf_counter()
            predict_arena(graph)
            t3 = time.perf_counter()
            command = [sys.executable, "-m", "planner.cli", "fit", str(path), "-b", "host"]
            subprocess.run([*command, "-f", "json"], capture_output=True, check=False)
            t4 = time.perf_counter()
            print(
                f"{name:36} load {t1 - t0:6.2f} s  validate {t2 - t1:6.3f} s  "
                f"predict {t3 - t2:6.2f} s  total {t3 - t0:6.2f} s  "
                f"whole `planner fit -f json` {t4 - t3:6.2f} s",
                flush=True,
            )


def _pack(n: int, path: Path) -> Path:
    from tests.builder import Model

    m = Model()
    g = m.subgraph()
    ins = [g.tensor([1, 4], scale=0.1) for _ in range(n)]
    y = g.tensor([n, 1, 4], scale=0.1)
    g.op("PACK", ins, [y], "PackOptions", valuesCount=n, axis=0)
    g.io(ins, [y])
    m.write(path)
    return path


def whole_commands() -> None:
    from benchmarks.synthetic import build

    with tempfile.TemporaryDirectory() as tmp:
        pack = _pack(5000, Path(tmp) / "pack_5000.tflite")
        chain = Path(tmp) / "chain_50000.tflite"
        chain.write_bytes(build("chain", 50_000))
        runs = (
            ("5,000-input PACK, report -f html", pack, ["report", "-b", "host", "-f", "html"]),
            ("50,000-operator chain, fit -f json", chain, ["fit", "-b", "host", "-f", "json"]),
            ("50,000-operator chain, fit stm32f746", chain, ["fit", "-b", "stm32f746"]),
        )
        for name, path, args in runs:
            t0 = time.perf_counter()
            command = [sys.executable, "-m", "planner.cli", args[0], str(path), *args[1:]]
            subprocess.run(command, capture_output=True, check=False)
            print(f"{name:40} whole command {time.perf_counter() - t0:6.2f} s", flush=True)


if __name__ == "__main__":
    main()
    whole_commands()
