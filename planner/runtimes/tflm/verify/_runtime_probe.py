"""Run the real TFLM runtime (the ``tflite-micro`` package) on one model, in its own process.

Invoked by :mod:`planner.runtimes.tflm.verify.host` as ``python -m
planner.runtimes.tflm.verify._runtime_probe MODEL [--invoke]``,
or ``... MODEL --bisect LOW HIGH`` to find the smallest arena that allocates.
The runtime can abort the whole process on some models, so the planner never imports it
in its own process. Prints one JSON object on stdout:

- ``arena_size``: the arena the interpreter was created with,
- ``error``: set when the runtime refused the model.

The runtime's own accounting (``print_allocations``) goes to file descriptor 2; the parent
reads it from there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _load(model: bytes, arena_size: int) -> object:
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(model, arena_size=arena_size)


def _allocates(model: bytes, arena_size: int) -> bool:
    try:
        _load(model, arena_size)
    except RuntimeError:
        return False
    return True


def _bisect(model: bytes, low: int, high: int) -> int:
    """Narrow [low, high) to the smallest arena that allocates, reporting every probe.

    ``low`` is known to fail and ``high`` to allocate. Each probe is announced on stdout
    before it runs, so that if the runtime crashes on a too-small arena (some kernels do),
    the parent knows which size killed it, counts it as failing, and starts a new process.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # failed allocations print errors; they are expected here
    while high - low > 1:
        mid = (low + high) // 2
        print(f"try {mid}", flush=True)
        ok = _allocates(model, mid)
        print(f"{'ok' if ok else 'fail'} {mid}", flush=True)
        if ok:
            high = mid
        else:
            low = mid
    print(f"min {high}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--arena-size", type=int, default=0)
    parser.add_argument("--bisect", nargs=2, type=int, metavar=("LOW", "HIGH"))
    parser.add_argument("--invoke", action="store_true")
    args = parser.parse_args(argv)
    with open(args.model, "rb") as f:
        model = f.read()
    if args.bisect:
        return _bisect(model, *args.bisect)
    arena = args.arena_size or max(64 << 20, len(model) * 10)
    result: dict[str, object] = {"arena_size": arena}
    # Keep the runtime's chatter on fd 2 apart from the parent's JSON on fd 1.
    sys.stdout.flush()
    try:
        interpreter = _load(model, arena)
    except RuntimeError as exc:
        result["error"] = str(exc).strip().splitlines()[-1] if str(exc).strip() else "RuntimeError"
        print(json.dumps(result))
        return 0
    interpreter.print_allocations()  # type: ignore[attr-defined]
    if args.invoke:
        interpreter.invoke()  # type: ignore[attr-defined]
    sys.stderr.flush()
    os.write(1, (json.dumps(result) + "\n").encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
