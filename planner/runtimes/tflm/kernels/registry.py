"""The kernel registry: one :class:`Kernel` per operator and kernel library.

Lookup falls back the way TFLM's kernel folders do: a library's own kernel where it has one
(``kernels/cmsis_nn/conv.cc`` replaces ``kernels/conv.cc``), else the reference kernel, else
an unknown kernel whose needs are reported as unknown.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from planner.analysis.shape_rules import Rule
from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.targets.target import KERNEL_LIBRARIES

#: Library -> the package declaring its kernels (``KERNELS``), imported on first lookup, so a
#: host run never loads the Cortex-M or ESP32 descriptors.
_PACKAGES = {
    "reference": "planner.runtimes.tflm.kernels.reference",
    "cmsis-nn": "planner.runtimes.tflm.kernels.cmsis_nn",
    "esp-nn": "planner.runtimes.tflm.kernels.esp_nn",
}


def _table(kernels: tuple[Kernel, ...]) -> Mapping[str, Kernel]:
    table: dict[str, Kernel] = {}
    for k in kernels:
        if k.opcode in table:
            raise AssertionError(f"{k.opcode} is described twice for {k.library}")
        table[k.opcode] = k
    return MappingProxyType(table)


class _Libraries(Mapping[str, Mapping[str, Kernel]]):
    """Library -> opcode -> kernel; each library's table built when first asked for."""

    def __init__(self) -> None:
        self._tables: dict[str, Mapping[str, Kernel]] = {}

    def __getitem__(self, library: str) -> Mapping[str, Kernel]:
        table = self._tables.get(library)
        if table is None:
            module = importlib.import_module(_PACKAGES[library])
            table = self._tables[library] = _table(module.KERNELS)
        return table

    def __iter__(self) -> Iterator[str]:
        return iter(_PACKAGES)

    def __len__(self) -> int:
        return len(_PACKAGES)


#: Library -> opcode -> kernel.
REGISTRY: Mapping[str, Mapping[str, Kernel]] = _Libraries()


def kernel_for(opcode: str, library: str = "reference") -> Kernel:
    """The kernel TFLM runs for ``opcode`` with ``library``'s kernels."""
    if library not in KERNEL_LIBRARIES:
        raise ValueError(f"unknown kernel library {library!r}; expected one of {KERNEL_LIBRARIES}")
    own = REGISTRY[library].get(opcode)
    if own is not None:
        return own
    return REGISTRY["reference"].get(opcode) or Kernel(opcode)


def shape_rule(opcode: str) -> Rule | None:
    """The operator's shape rule (kernel-library independent)."""
    k = REGISTRY["reference"].get(opcode)
    return None if k is None else k.shape


def described_ops() -> tuple[str, ...]:
    """Every operator some library describes, sorted."""
    return tuple(sorted({op for table in REGISTRY.values() for op in table}))
