"""The board catalog: microcontroller memory maps read from TOML files.

Each board is one TOML file (``boards/<name>.toml`` in the repository, shipped as
``planner/_boards`` in an installed package). A file lists the board's memory regions, which of
them may hold the TFLM tensor arena, and what the runtime keeps for itself (stack, heap, radio
stacks...). :func:`load_board_file` validates a file and reports any problem as a one-line
:class:`~planner.errors.BoardError` naming the file, the field and the line.

The default budget for the arena is the largest on-chip (SRAM/TCM) region that allows the arena,
minus the reserve; external PSRAM/SDRAM regions are listed separately.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from planner.errors import BoardError

__all__ = [
    "EXTERNAL_RAM_KINDS",
    "KERNELS",
    "KINDS",
    "ON_CHIP_KINDS",
    "Board",
    "MemoryRegion",
    "Reserve",
    "catalog",
    "default_catalog_dir",
    "find_board",
    "load_board_file",
]

KINDS: tuple[str, ...] = ("SRAM", "TCM", "PSRAM", "SDRAM", "FLASH")
"""Memory kinds a region may have."""
ON_CHIP_KINDS: frozenset[str] = frozenset({"SRAM", "TCM"})
"""On-chip RAM: the kinds that make up the default arena budget."""
EXTERNAL_RAM_KINDS: frozenset[str] = frozenset({"PSRAM", "SDRAM"})
"""External RAM that may hold an arena, reported separately from the default budget."""
KERNELS: tuple[str, ...] = ("cmsis-nn", "reference", "esp-nn")
ALLOCATORS: tuple[str, ...] = ("plain", "recording")
"""Kernel libraries a board may use."""
POINTER_BITS: tuple[int, ...] = (32, 64)


@dataclass(frozen=True)
class MemoryRegion:
    """One memory region of a board."""

    name: str
    kind: str
    size_bytes: int
    arena: bool
    base: int | None = None
    notes: str = ""

    @property
    def on_chip(self) -> bool:
        return self.kind in ON_CHIP_KINDS


@dataclass(frozen=True)
class Reserve:
    """RAM in the arena's region that the arena cannot use."""

    stack_bytes: int
    heap_bytes: int
    other_bytes: int = 0

    @property
    def total_bytes(self) -> int:
        return self.stack_bytes + self.heap_bytes + self.other_bytes


@dataclass(frozen=True)
class Board:
    """A board from the catalog (or a user's board file)."""

    name: str
    aliases: tuple[str, ...]
    description: str
    mcu: str
    core: str
    clock_mhz: float
    pointer_bits: int
    kernels: str
    dsp: bool
    mve: bool
    flash_bytes: int
    reserve: Reserve
    memory: tuple[MemoryRegion, ...]
    sources: tuple[str, ...]
    notes: str
    path: str
    #: Enums as small as their values (GCC for arm-none-eabi's default, ``-fshort-enums``);
    #: False for int-sized enums (``-fno-short-enums``, and every 64-bit host).
    short_enums: bool = False
    #: The allocator the firmware's interpreter creates: "plain" (MicroInterpreter) or
    #: "recording" (RecordingMicroInterpreter, and the tflite-micro pip package).
    allocator: str = "plain"

    @property
    def arena_regions(self) -> tuple[MemoryRegion, ...]:
        """Every region that may hold the arena, in file order."""
        return tuple(region for region in self.memory if region.arena)

    @property
    def arena_region(self) -> MemoryRegion:
        """The default arena region: the largest on-chip region with ``arena = true``.

        Ties go to the region listed first. A validated board always has one.
        """
        candidates = [region for region in self.arena_regions if region.on_chip]
        if not candidates:  # load_board_file rejects such boards
            raise BoardError(f"{self.path}: no on-chip memory region has arena = true")
        return max(candidates, key=lambda region: region.size_bytes)

    @property
    def sram_budget_bytes(self) -> int:
        """Bytes of the default arena region left for the arena after the reserve."""
        return self.arena_region.size_bytes - self.reserve.total_bytes

    @property
    def external_arena_regions(self) -> tuple[MemoryRegion, ...]:
        """External RAM regions (PSRAM, SDRAM) that may hold the arena, in file order."""
        return tuple(region for region in self.arena_regions if region.kind in EXTERNAL_RAM_KINDS)


# ---------------------------------------------------------------------------------------------
# Finding the line of a key in the TOML text

_SectionPath = tuple[str | int, ...]

#: How a key, an array-of-tables header and a table header start a line (compiled by
#: :class:`_Lines`, which only an error message needs).
_KEY_PATTERN = (
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
    r"""(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)
_ARRAY_TABLE_PATTERN = r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]"
_TABLE_PATTERN = r"^\s*\[\s*([^\[\]]+?)\s*\]"


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)""", key)
    return [part[1:-1] if part[:1] in "\"'" else part for part in parts]


class _Lines:
    """Maps (table path, key) to the 1-based line where the key is written."""

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[_SectionPath, str], int] = {}
        self.tables: dict[_SectionPath, int] = {}
        counters: dict[str, int] = {}
        section: _SectionPath = ()
        in_string: str | None = None
        array_table_re = re.compile(_ARRAY_TABLE_PATTERN)
        table_re, key_re = re.compile(_TABLE_PATTERN), re.compile(_KEY_PATTERN)
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is None:
                match = array_table_re.match(line)
                if match:
                    name = ".".join(_split_dotted(match.group(1)))
                    index = counters.get(name, 0)
                    counters[name] = index + 1
                    section = (name, index)
                    self.tables.setdefault(section, number)
                    continue
                match = table_re.match(line)
                if match:
                    section = tuple(_split_dotted(match.group(1)))
                    self.tables.setdefault(section, number)
                    continue
                match = key_re.match(line)
                if match:
                    *prefix, key = _split_dotted(match.group(1))
                    path = section + tuple(prefix)
                    self.keys.setdefault((path, key), number)
                    if prefix:
                        self.tables.setdefault(path, number)
            in_string = self._string_state(line, in_string)

    @staticmethod
    def _string_state(line: str, in_string: str | None) -> str | None:
        """Track whether a multi-line string is open after this line (good enough for lines)."""
        for quote in ('"""', "'''"):
            count = line.count(quote)
            if in_string is None and count % 2 == 1:
                return quote
            if in_string == quote and count % 2 == 1:
                return None
        return in_string

    def of_key(self, path: _SectionPath, key: str) -> int | None:
        line = self.keys.get((path, key))
        if line is not None:
            return line
        return self.of_table(path)

    def of_table(self, path: _SectionPath) -> int | None:
        while path:
            line = self.tables.get(path)
            if line is not None:
                return line
            # a table written inline (`reserve = {...}`) or an array of inline tables
            parent, last = path[:-1], path[-1]
            if isinstance(last, str):
                line = self.keys.get((parent, last))
            else:
                line = self.keys.get((parent[:-1], str(parent[-1]))) if parent else None
            if line is not None:
                return line
            path = parent
        return None


# ---------------------------------------------------------------------------------------------
# Validation


def _show(value: Any) -> str:
    """A value as it would look in TOML, shortened for an error message."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = "an array"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value: Any) -> bool:
    # TOML integers are 64-bit; Python's tomllib reads larger ones without complaint.
    return isinstance(value, int) and not isinstance(value, bool) and -(1 << 63) <= value < 1 << 63


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-]*$")


def _printable(text: str) -> bool:
    """No control characters but line breaks and tabs (a multi-line description is fine; an
    escape sequence or a NUL in a region name is not)."""
    return all(c.isprintable() or c in "\n\t" for c in text)


class _Field(NamedTuple):
    check: Callable[[Any], bool]
    expected: str
    required: bool = True


_TEXT = _Field(
    lambda v: isinstance(v, str) and v.strip() != "" and _printable(v),
    "a non-empty string of printable characters",
)
_OPTIONAL_TEXT = _Field(lambda v: isinstance(v, str), "a string", required=False)
_BOOL = _Field(lambda v: isinstance(v, bool), "true or false")
_NON_NEGATIVE = _Field(lambda v: _is_int(v) and v >= 0, "a non-negative integer")
_POSITIVE = _Field(lambda v: _is_int(v) and v > 0, "a positive integer")
_STRINGS = _Field(
    lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    "an array of strings",
    required=False,
)

#: Clocks a board file may give (1 kHz to 100 GHz): latency estimates divide by the clock, and
#: a clock of 5e-324 MHz made them infinite (not JSON).
MIN_CLOCK_MHZ, MAX_CLOCK_MHZ = 0.001, 100_000

_TOP_FIELDS: dict[str, _Field] = {
    "name": _Field(
        lambda v: isinstance(v, str) and bool(_NAME_RE.match(v)),
        "a board name (letters, digits, '.', '_', '+', '-')",
    ),
    "aliases": _Field(
        lambda v: isinstance(v, list) and all(isinstance(s, str) and _NAME_RE.match(s) for s in v),
        "an array of board names",
        required=False,
    ),
    "description": _TEXT,
    "mcu": _TEXT,
    "core": _TEXT,
    "clock_mhz": _Field(
        lambda v: (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and MIN_CLOCK_MHZ <= v <= MAX_CLOCK_MHZ
        ),
        f"a clock in MHz from {MIN_CLOCK_MHZ} to {MAX_CLOCK_MHZ:,}",
    ),
    "pointer_bits": _Field(lambda v: _is_int(v) and v in POINTER_BITS, "32 or 64"),
    "kernels": _Field(lambda v: v in KERNELS, "one of " + ", ".join(f'"{k}"' for k in KERNELS)),
    "dsp": _BOOL,
    "mve": _BOOL,
    "short_enums": _Field(_BOOL.check, _BOOL.expected, required=False),
    "allocator": _Field(
        lambda v: v in ALLOCATORS,
        "one of " + ", ".join(f'"{a}"' for a in ALLOCATORS),
        required=False,
    ),
    "flash_bytes": _NON_NEGATIVE,
    "sources": _STRINGS,
    "notes": _OPTIONAL_TEXT,
    "reserve": _Field(lambda v: isinstance(v, dict), "a table"),
    "memory": _Field(
        lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(r, dict) for r in v),
        "a non-empty array of tables ([[memory]])",
    ),
}

_RESERVE_FIELDS: dict[str, _Field] = {
    "stack_bytes": _NON_NEGATIVE,
    "heap_bytes": _NON_NEGATIVE,
    "other_bytes": _Field(_NON_NEGATIVE.check, _NON_NEGATIVE.expected, required=False),
}

_MEMORY_FIELDS: dict[str, _Field] = {
    "name": _TEXT,
    "kind": _Field(lambda v: v in KINDS, "one of " + ", ".join(f'"{k}"' for k in KINDS)),
    "base": _Field(_NON_NEGATIVE.check, _NON_NEGATIVE.expected, required=False),
    "size_bytes": _POSITIVE,
    "arena": _BOOL,
    "notes": _OPTIONAL_TEXT,
}


class _Checker:
    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.text = text

    @functools.cached_property
    def lines(self) -> _Lines:
        """Where each key and table is written: read only for an error message."""
        return _Lines(self.text)

    def error(self, message: str, line: int | None) -> BoardError:
        where = f"{self.label}: line {line}: " if line is not None else f"{self.label}: "
        return BoardError(where + message)

    def fields(
        self,
        table: Mapping[str, Any],
        spec: Mapping[str, _Field],
        path: _SectionPath,
        prefix: str,
    ) -> None:
        """Check a table's keys against ``spec``: no unknown keys, no missing ones, right types."""
        for key, value in table.items():
            field = spec.get(key)
            if field is None:
                import difflib  # only for a field that is not known

                hint = difflib.get_close_matches(key, list(spec), n=1)
                tail = f"; did you mean '{prefix}{hint[0]}'?" if hint else ""
                raise self.error(
                    f"unknown field '{prefix}{key}'{tail}", self.lines.of_key(path, key)
                )
            if not field.check(value):
                raise self.error(
                    f"field '{prefix}{key}' must be {field.expected}, got {_show(value)}",
                    self.lines.of_key(path, key),
                )
        for key, field in spec.items():
            if field.required and key not in table:
                line = self.lines.of_table(path) if path else None
                raise self.error(f"missing required field '{prefix}{key}'", line)


def _toml(checker: _Checker, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            detail = message[: match.start()].strip()
            raise checker.error(
                f"invalid TOML: {detail} (column {match.group(2)})", int(match.group(1))
            ) from None
        raise checker.error(f"invalid TOML: {message}", None) from None
    except RecursionError:
        raise checker.error("invalid TOML: arrays or tables nested too deeply", None) from None


def _aliases(checker: _Checker, name: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
    seen = {name.lower()}
    for alias in aliases:
        if alias.lower() in seen:
            raise checker.error(
                f"field 'aliases' repeats the name or an alias: '{alias}'",
                checker.lines.of_key((), "aliases"),
            )
        seen.add(alias.lower())
    return aliases


def _reserve(checker: _Checker, table: dict[str, Any]) -> Reserve:
    checker.fields(table, _RESERVE_FIELDS, ("reserve",), "reserve.")
    return Reserve(
        stack_bytes=table["stack_bytes"],
        heap_bytes=table["heap_bytes"],
        other_bytes=table.get("other_bytes", 0),
    )


def _regions(checker: _Checker, tables: list[dict[str, Any]]) -> tuple[MemoryRegion, ...]:
    regions: list[MemoryRegion] = []
    for index, table in enumerate(tables):
        path: _SectionPath = ("memory", index)
        prefix = f"memory[{index}]."
        checker.fields(table, _MEMORY_FIELDS, path, prefix)
        region = MemoryRegion(
            name=table["name"],
            kind=table["kind"],
            size_bytes=table["size_bytes"],
            arena=table["arena"],
            base=table.get("base"),
            notes=table.get("notes", ""),
        )
        if region.kind == "FLASH" and region.arena:
            raise checker.error(
                f"field '{prefix}arena' must be false for a FLASH region (the arena is read-write)",
                checker.lines.of_key(path, "arena"),
            )
        if any(r.name == region.name for r in regions):
            raise checker.error(
                f"field '{prefix}name' repeats region name {_show(region.name)}",
                checker.lines.of_key(path, "name"),
            )
        regions.append(region)
    return tuple(regions)


def _check_arena(checker: _Checker, board: Board) -> None:
    if not board.arena_regions:
        raise checker.error(
            "no memory region has arena = true", checker.lines.of_table(("memory", 0))
        )
    if not any(region.on_chip for region in board.arena_regions):
        raise checker.error(
            "no on-chip (SRAM or TCM) memory region has arena = true",
            checker.lines.of_table(("memory", 0)),
        )
    arena = board.arena_region
    if board.reserve.total_bytes >= arena.size_bytes:
        raise checker.error(
            f"reserve ({board.reserve.total_bytes} B of stack, heap and other) leaves nothing "
            f"of arena region {_show(arena.name)} ({arena.size_bytes} B)",
            checker.lines.of_table(("reserve",)),
        )


def _parse(label: str, text: str) -> Board:
    checker = _Checker(label, text)
    data = _toml(checker, text)
    checker.fields(data, _TOP_FIELDS, (), "")
    host = data["pointer_bits"] == 64
    board = Board(
        name=data["name"],
        aliases=_aliases(checker, data["name"], tuple(data.get("aliases", ()))),
        description=data["description"],
        mcu=data["mcu"],
        core=data["core"],
        clock_mhz=float(data["clock_mhz"]),
        pointer_bits=data["pointer_bits"],
        kernels=data["kernels"],
        dsp=data["dsp"],
        mve=data["mve"],
        flash_bytes=data["flash_bytes"],
        reserve=_reserve(checker, data["reserve"]),
        memory=_regions(checker, data["memory"]),
        sources=tuple(data.get("sources", ())),
        notes=data.get("notes", ""),
        path=label,
        short_enums=data.get("short_enums", not host),
        allocator=data.get("allocator", "recording" if host else "plain"),
    )
    _check_arena(checker, board)
    return board


def load_board_file(path: str | Path) -> Board:
    """Read and validate one board file; any problem raises a one-line :class:`BoardError`."""
    label = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BoardError(f"{label}: cannot read board file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BoardError(f"{label}: line {line}: board file is not valid UTF-8") from None
    return _parse(label, text)


# ---------------------------------------------------------------------------------------------
# The catalog


def default_catalog_dir() -> Path:
    """The shipped board folder: ``planner/_boards`` when installed, else the repo's ``boards``."""
    package = Path(__file__).resolve().parents[1]
    candidates = (package / "_boards", package.parent / "boards")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = " and ".join(str(c) for c in candidates)
    raise BoardError(f"board catalog not found (looked in {looked})")


#: Catalog folders parsed whole in this process (:func:`_load_catalog`).
_loaded: set[Path] = set()


@functools.cache
def _load_catalog(directory: Path) -> tuple[Board, ...]:
    _loaded.add(directory)
    if not directory.is_dir():
        raise BoardError(f"{directory}: board catalog folder not found")
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise BoardError(f"{directory}: no board files (*.toml) in the catalog folder")
    boards: list[Board] = []
    owners: dict[str, str] = {}
    for file in files:
        board = load_board_file(file)
        if board.name != file.stem:
            raise BoardError(
                f"{file}: field 'name' is '{board.name}' but the file is named '{file.name}'"
            )
        for key in (board.name, *board.aliases):
            owner = owners.get(key.lower())
            if owner is not None:
                raise BoardError(f"{file}: '{key}' is already a name or alias of board '{owner}'")
            owners[key.lower()] = board.name
        boards.append(board)
    return tuple(sorted(boards, key=lambda board: board.name))


def catalog(directory: str | Path | None = None) -> dict[str, Board]:
    """All boards of a catalog folder (default: the shipped one), by name, sorted by name.

    The folder is parsed once per process; each call returns a fresh dict.
    """
    folder = default_catalog_dir() if directory is None else Path(directory).resolve()
    return {board.name: board for board in _load_catalog(folder)}


def _lookup_keys(boards: Iterable[Board]) -> dict[str, tuple[str, Board]]:
    """Lower-cased name or alias -> (as written, board)."""
    keys: dict[str, tuple[str, Board]] = {}
    for board in boards:
        for key in (board.name, *board.aliases):
            keys[key.lower()] = (key, board)
    return keys


def _shared_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _suggest(wanted: str, keys: Mapping[str, tuple[str, Board]], limit: int = 3) -> list[str]:
    """Close names or aliases, one per board: longest shared prefix first, then similarity."""
    import difflib  # only when a name is not found

    scored: list[tuple[int, float, str]] = []
    for key in keys:
        ratio = difflib.SequenceMatcher(None, wanted, key).ratio()
        if ratio >= 0.6:
            scored.append((-_shared_prefix(wanted, key), -ratio, key))
    suggestions: list[str] = []
    boards_seen: set[str] = set()
    for _, _, key in sorted(scored):
        written, board = keys[key]
        if board.name not in boards_seen:
            boards_seen.add(board.name)
            suggestions.append(written)
    return suggestions[:limit]


def find_board(name: str, directory: str | Path | None = None) -> Board:
    """A board by name or alias, case-insensitively; a path ending in ``.toml`` loads that file.

    An unknown name raises :class:`BoardError` with the closest names as suggestions.
    """
    wanted = name.strip()
    if wanted.lower().endswith(".toml"):
        return load_board_file(wanted)
    folder = default_catalog_dir() if directory is None else Path(directory).resolve()
    if folder not in _loaded and _NAME_RE.fullmatch(wanted):  # a board name: no separators
        # A board's file is named after it: read that file alone (one of 28 to parse).
        file = folder / f"{wanted.lower()}.toml"
        if file.is_file():
            board = load_board_file(file)
            if board.name == file.stem:
                return board
    keys = _lookup_keys(catalog(directory).values())
    hit = keys.get(wanted.lower())
    if hit is not None:
        return hit[1]
    suggestions = _suggest(wanted.lower(), keys)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise BoardError(f"unknown board '{name}'{hint} (see 'planner boards')")
