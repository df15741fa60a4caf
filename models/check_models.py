#!/usr/bin/env python3
"""Check the bundled ``.tflite`` files in the real runtimes; needs no TensorFlow.

For every model under the given directory (default: this one) it

* lists the operators with ``ai_edge_litert``'s interpreter and, for ``ops/NAME.tflite``,
  requires a builtin ``NAME`` operator (upper case) whose activations are all int8;
* requires int8 model inputs/outputs and no dynamic (-1) dimension anywhere;
* loads the model in the TFLM Python runtime (``tflite-micro``) and invokes it once with a
  seeded random int8 input, in a child process because TFLM aborts the process on failure,
  and reports TFLM's recorded arena total.

Usage (from a venv with ``tflite-micro`` and ``ai-edge-litert``)::

    python models/check_models.py [DIR_OR_FILE ...]
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODELS_DIR = Path(__file__).resolve().parent
SEED = 1234
TIMEOUT_S = 600
#: TFLM's Python runtime defaults to an arena of 10x the model size, which is too small for
#: e.g. ops/transpose_conv.tflite (its int32 scratch buffer is larger than the model).
ARENA_BYTES = 64 * 1024 * 1024
ARENA_RE = re.compile(r"Arena allocation total (\d+) bytes")


def invoke_in_tflm(path: Path) -> int:
    """Child-process body: load ``path`` in TFLM, invoke once; print the arena total."""
    np = importlib.import_module("numpy")
    runtime = importlib.import_module("tflite_micro.python.tflite_micro.runtime")
    interpreter: Any = runtime.Interpreter.from_file(str(path), arena_size=ARENA_BYTES)
    rng = np.random.default_rng(SEED)
    index = 0
    while True:
        try:
            details = interpreter.get_input_details(index)
        except (IndexError, RuntimeError, ValueError):
            break
        data = rng.integers(-128, 128, size=tuple(details["shape"]), dtype=np.int8)
        interpreter.set_input(data.astype(details["dtype"]), index)
        index += 1
    interpreter.invoke()
    sys.stdout.flush()
    interpreter.print_allocations()
    return 0


def tflm_check(path: Path) -> tuple[bool, str]:
    proc = subprocess.run(
        [sys.executable, __file__, "--tflm-child", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    match = ARENA_RE.search(proc.stdout + proc.stderr)
    if proc.returncode != 0 or match is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return False, f"TFLM failed (exit {proc.returncode}): {' | '.join(tail)}"
    return True, f"TFLM ok, arena {int(match.group(1))} bytes"


def litert_check(path: Path) -> tuple[list[str], list[str]]:
    """Return (operator names in execution order, problems found)."""
    interpreter_mod = importlib.import_module("ai_edge_litert.interpreter")
    np = importlib.import_module("numpy")
    interpreter: Any = interpreter_mod.Interpreter(model_path=str(path))
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()  # the only op-level API LiteRT's Python has
    names = [str(op["op_name"]) for op in ops]
    problems: list[str] = []
    for detail in (*interpreter.get_input_details(), *interpreter.get_output_details()):
        if detail["dtype"] is not np.int8:
            problems.append(f"input/output {detail['name']!r} is {detail['dtype'].__name__}")
    for tensor in tensors.values():
        signature = tensor.get("shape_signature")
        if signature is not None and any(int(d) < 0 for d in signature):
            problems.append(f"tensor {tensor['name']!r} has dynamic shape {list(signature)}")
    if path.parent.name == "ops":
        wanted = path.stem.upper()
        found = [op for op in ops if op["op_name"] == wanted]
        if not found:
            problems.append(f"no builtin {wanted} operator")
        for op in found:
            for idx in (*op["inputs"], *op["outputs"]):
                dtype = tensors[idx]["dtype"] if idx >= 0 else np.int8
                # int32 operands are biases and shape/slice arguments; int16 is the LSTM's
                # cell state. Every activation must be int8.
                allowed = (np.int8, np.int32) + ((np.int16,) if wanted.endswith("LSTM") else ())
                if dtype not in allowed:
                    problems.append(f"{wanted} touches a {dtype.__name__} tensor")
    return names, problems


def collect(targets: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for target in targets:
        files.extend(sorted(target.rglob("*.tflite")) if target.is_dir() else [target])
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check bundled .tflite models in TFLM.")
    parser.add_argument("paths", nargs="*", type=Path, default=[MODELS_DIR])
    parser.add_argument("--tflm-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tflm_child is not None:
        return invoke_in_tflm(args.tflm_child)
    failed = 0
    files = collect(args.paths)
    for path in files:
        ops, problems = litert_check(path)
        ok, tflm = tflm_check(path)
        status = "ok" if ok and not problems else "FAIL"
        failed += status == "FAIL"
        print(f"{status:4} {path.name}: {path.stat().st_size} bytes, {len(ops)} ops; {tflm}")
        print(f"     ops: {', '.join(ops)}")
        for problem in problems:
            print(f"     problem: {problem}")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
