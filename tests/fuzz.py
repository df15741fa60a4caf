"""Byte-level mutations of real models, shared by the fuzz test and the on-demand fuzz run.

Run longer on demand:  python -m tests.fuzz --cases 200000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import signal
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from planner.errors import PlannerError

#: Per-case time bound in seconds: a case that takes longer counts as a hang.
CASE_SECONDS = 5.0


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One mutation: bit flips, a truncation, or a spliced/looping 32-bit offset."""
    buf = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0:  # flip a few bits anywhere
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    elif kind == 1:  # truncate
        del buf[rng.randrange(len(buf)) :]
    elif kind == 2:  # flip bits in the first 2 KB, where the tables and vtables live
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(min(len(buf), 2048))
            buf[i] ^= 1 << rng.randrange(8)
    elif kind == 3 and len(buf) >= 8:  # splice: an aligned word becomes another offset
        i = rng.randrange(0, len(buf) - 4, 4)
        value = rng.choice(
            [
                rng.randrange(1 << 32),
                len(buf) - i + rng.randrange(-8, 8),  # just past the end
                0,  # points at itself: a loop
                (1 << 32) - 4,  # points backwards
                rng.randrange(len(buf)),
            ]
        )
        struct.pack_into("<I", buf, i, value & 0xFFFFFFFF)
    elif kind == 4 and len(buf) >= 8:  # copy a word from elsewhere (plausible but wrong)
        i = rng.randrange(0, len(buf) - 4, 4)
        j = rng.randrange(0, len(buf) - 4, 4)
        buf[i : i + 4] = buf[j : j + 4]
    else:  # a run of random bytes
        i = rng.randrange(len(buf))
        n = rng.randint(1, 64)
        buf[i : i + n] = rng.randbytes(n)
    return bytes(buf)


def pipeline(data: bytes) -> None:
    """Everything the planner does with a model file, short of rendering."""
    from planner.analysis.layers import analyse
    from planner.model.tflite_reader import load_model_bytes

    graph = load_model_bytes(data, "fuzz")
    analyse(graph)
    try:
        from planner.runtimes.tflm.arena import predict_arena
    except ImportError:  # arena stage not available
        return
    predict_arena(graph)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def run(
    models: list[Path], cases: int, seed: int, step: Callable[[bytes], None] = pipeline
) -> Iterator[tuple[int, str, bytes, BaseException]]:
    """Yield (case, model, mutated bytes, exception) for every failure that is not ours."""
    rng = random.Random(seed)
    originals = [(p.name, p.read_bytes()) for p in models]
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for case in range(cases):
            name, data = originals[case % len(originals)]
            mutated = mutate(data, rng)
            signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
            try:
                step(mutated)
            except PlannerError:
                pass
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                yield case, name, mutated, exc
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    from tests.corpus import shared_models

    start = time.monotonic()
    failures = 0
    for case, name, data, exc in run(shared_models(), args.cases, args.seed):
        failures += 1
        args.save.mkdir(exist_ok=True)
        (args.save / f"case{case}-{name}").write_bytes(data)
        print(f"case {case} ({name}): {type(exc).__name__}: {exc}")
    print(f"{args.cases} cases in {time.monotonic() - start:.0f} s, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
