"""How a C compiler lays out a struct: sizes and alignments of scalars per ABI, and structs
built from them field by field.

The ABI is the target's: pointer width (LP64 on the x86-64 pip package, Arm AAPCS on Cortex-M)
and enum size (GCC for arm-none-eabi defaults to ``-fshort-enums``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

#: Largest C ``int`` (32 bits on every ABI TFLM is built for): TFLM counts elements and holds
#: planner sizes and offsets in it, esp-nn computes sizes in it.
INT_MAX = (1 << 31) - 1

#: Scalar C types used in the structs below.
Scalar = Literal[
    "ptr",
    "vptr",
    "size_t",
    "intptr_t",
    "bool",
    "int8",
    "uint8",
    "int16",
    "int32",
    "float",
    "enum",
    "int64",
    "double",
]


@dataclass(frozen=True)
class Abi:
    """Sizes and alignments of C scalar types on the target.

    ``pointer_bits`` 64: LP64 (the x86-64 pip package). 32: Arm AAPCS (Cortex-M) — pointers,
    ``size_t`` and ``intptr_t`` are 4 bytes; ``double`` and ``int64_t`` are 8 bytes and 8-byte
    aligned (AAPCS, unlike i386's 4). Enums are ``int``-sized unless ``short_enums``: GNU Arm
    Embedded GCC and armclang default to ``-fshort-enums`` on bare metal, which makes the plain
    TFLite C enums (``TfLiteType``, ``TfLiteFusedActivation``, ``TfLitePadding``...) 1 byte;
    TFLM's cortex_m_generic Makefile does not override it. Enums declared with ``: int`` or
    ``: uint8_t`` in C++ are written with their fixed type below and are unaffected.
    """

    pointer_bits: int = 64
    short_enums: bool = False

    def scalar(self, kind: Scalar) -> tuple[int, int]:
        """(size, alignment) of a scalar type."""
        p = self.pointer_bits // 8
        if kind in ("ptr", "vptr", "size_t", "intptr_t"):
            return p, p
        if kind in ("bool", "int8", "uint8"):
            return 1, 1
        if kind == "int16":
            return 2, 2
        if kind in ("int32", "float"):
            return 4, 4
        if kind == "enum":
            return (1, 1) if self.short_enums else (4, 4)
        if kind in ("int64", "double"):
            return 8, 8
        raise ValueError(f"unknown C type {kind!r}")


#: A struct member type: a scalar, a nested struct, or an array ``(element type, count)``.
FieldType = Union[Scalar, "CStruct", tuple[Union[Scalar, "CStruct"], int]]


@dataclass(frozen=True)
class CStruct:
    """A C/C++ struct: its members in declaration order, and where it is declared."""

    name: str
    source: str
    fields: tuple[tuple[str, FieldType], ...]

    def __post_init__(self) -> None:
        # Layouts already computed, per ABI (not a field: equality and hash ignore it).
        object.__setattr__(self, "_layouts", {})

    def layout(self, abi: Abi) -> tuple[int, int]:
        """(sizeof, alignof) under ``abi``, with the usual C padding rules."""
        cache: dict[Abi, tuple[int, int]] = self._layouts  # type: ignore[attr-defined]
        found = cache.get(abi)
        if found is None:
            found = cache[abi] = self._layout(abi)
        return found

    def _layout(self, abi: Abi) -> tuple[int, int]:
        offset = 0
        max_align = 1
        for _, ftype in self.fields:
            size, align = _field_layout(ftype, abi)
            offset = align_up(offset, align) + size
            max_align = max(max_align, align)
        return align_up(offset, max_align), max_align

    def size(self, abi: Abi) -> int:
        return self.layout(abi)[0]

    def align(self, abi: Abi) -> int:
        return self.layout(abi)[1]


def _field_layout(ftype: FieldType, abi: Abi) -> tuple[int, int]:
    if isinstance(ftype, CStruct):
        return ftype.layout(abi)
    if isinstance(ftype, tuple):
        element, count = ftype
        size, align = _field_layout(element, abi)
        return size * count, align
    return abi.scalar(ftype)


def align_up(value: int, alignment: int) -> int:
    """``value`` rounded up to a multiple of ``alignment``."""
    return -(-value // alignment) * alignment


def align_down(value: int, alignment: int) -> int:
    """``value`` rounded down to a multiple of ``alignment`` (AlignPointerDown)."""
    return value // alignment * alignment


def struct(name: str, source: str, *fields: tuple[str, FieldType]) -> CStruct:
    return CStruct(name, source, tuple(fields))


def int_fields(*names: str) -> tuple[tuple[str, FieldType], ...]:
    return tuple((n, "int32") for n in names)
