"""Fuzzing: mutated real models must give a PlannerError or a result, nothing else, quickly."""

from __future__ import annotations

import os

from .corpus import shared_models
from .fuzz import CASE_SECONDS, run

#: At least 20,000 mutated inputs in CI; FUZZ_CASES raises it for a longer run.
CASES = int(os.environ.get("FUZZ_CASES", "20000"))


def test_mutated_models_never_crash_or_hang() -> None:
    findings = []
    for case, name, _, exc in run(shared_models(), CASES, seed=20261121):
        findings.append(f"case {case} ({name}): {type(exc).__name__}: {exc}")
        if len(findings) >= 10:
            break
    assert not findings, f"unhandled (or over {CASE_SECONDS} s) on:\n" + "\n".join(findings)
