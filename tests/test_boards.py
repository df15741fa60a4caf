"""Tests for the board catalog (planner/boards.py and boards/*.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import BoardError, PlannerError
from planner.targets.boards import (
    Board,
    MemoryRegion,
    Reserve,
    catalog,
    default_catalog_dir,
    find_board,
    load_board_file,
)

KiB = 1024
MiB = 1024 * KiB
BOARDS_DIR = Path(__file__).resolve().parent.parent / "boards"
BOARD_FILES = sorted(BOARDS_DIR.glob("*.toml"))

# Reserves from the research notes (stack + heap + other), in bytes.
CUBE = 1 * KiB + 1536  # STM32Cube-style linker: 1 KiB stack, 1.5 KiB heap (TinyEngine F746)
PICO_SDK = 2 * KiB + 2 * KiB  # PICO_STACK_SIZE = PICO_HEAP_SIZE = 0x800
MBED_NANO33 = (32 + 2) * KiB + 4 * KiB + 0x200  # main thread 32 KiB + ISR 2 KiB, heap, NVIC/crash
MBED_H7 = (32 + 1) * KiB + 4 * KiB  # main thread 32 KiB + ISR 0x400, heap guess
HIMAX = 8 * KiB + 8 * KiB  # TFLM Himax target: 8 KiB stack, 8 KiB heap
GECKO = 4096 + 2048  # Gecko SDK SL_STACK_SIZE / SL_HEAP_SIZE defaults

# board -> (arena region size from the research's memory maps, reserve, arena region name)
EXPECTED: dict[str, tuple[int, int, str]] = {
    # DTCM 64 + SRAM1 240 + SRAM2 16 (MCUNet's "320kB")
    "stm32f746": ((64 + 240 + 16) * KiB, CUBE, "DTCM+SRAM1+SRAM2"),
    "stm32f412": (256 * KiB, CUBE, "SRAM1"),
    "stm32f411": (128 * KiB, CUBE, "SRAM"),
    "stm32f446": ((112 + 16) * KiB, CUBE, "SRAM1+SRAM2"),
    # DTCM 128 + SRAM1 368 + SRAM2 16
    "stm32f765": ((128 + 368 + 16) * KiB, CUBE, "DTCM+SRAM1+SRAM2"),
    "stm32f767": ((128 + 368 + 16) * KiB, CUBE, "DTCM+SRAM1+SRAM2"),
    "stm32f769": ((128 + 368 + 16) * KiB, CUBE, "DTCM+SRAM1+SRAM2"),
    # H7: the 512 KiB AXI SRAM, not the ~1 MiB total
    "stm32h743": (512 * KiB, CUBE, "AXI-SRAM"),
    "stm32h747": (512 * KiB, CUBE, "AXI-SRAM"),
    # AXI SRAM1 256 + SRAM2 384 + SRAM3 384, contiguous
    "stm32h7a3": ((256 + 384 + 384) * KiB, CUBE, "AXI SRAM1+SRAM2+SRAM3"),
    # SRAM1 192 + SRAM2 64 + SRAM3 384
    "stm32l4r5": ((192 + 64 + 384) * KiB, CUBE, "SRAM1+SRAM2+SRAM3"),
    # SRAM1 192 + SRAM2 64 + SRAM3 512
    "stm32u585": ((192 + 64 + 512) * KiB, CUBE, "SRAM1+SRAM2+SRAM3"),
    "nrf52840": (256 * KiB, MBED_NANO33, "SRAM"),
    "nrf5340": (512 * KiB, (1 + 2) * KiB + 4 * KiB, "Application SRAM"),
    # 256 striped + SCRATCH_X 4 + SCRATCH_Y 4
    "rp2040": ((256 + 4 + 4) * KiB, PICO_SDK, "SRAM (striped + SCRATCH_X + SCRATCH_Y)"),
    "rp2350": ((512 + 4 + 4) * KiB, PICO_SDK, "SRAM (main + SCRATCH_X + SCRATCH_Y)"),
    # static DRAM capped at 160 KiB; Bluetooth 64 KiB; IDF main task 3.5 KiB
    "esp32": (160 * KiB, 3584 + 64 * KiB, "DRAM (static)"),
    "esp32-s3": (512 * KiB, 3584 + 128 * KiB, "Internal SRAM"),
    # TCM 64 + SRAM 320 from 0x10000000
    "apollo3": ((64 + 320) * KiB, 8 * KiB, "TCM+SRAM"),
    "apollo4-plus": (2816 * KiB, 8 * KiB, "TCM+SRAM"),
    # RAM2 (OCRAM2) 512 KiB; stack lives in RAM1
    "imxrt1062": (512 * KiB, 8 * KiB, "RAM2 (OCRAM2, DMAMEM)"),
    "imxrt1060-evk": (512 * KiB, (1 + 2) * KiB + 4 * KiB, "OCRAM2"),
    "portenta-h7": (512 * KiB, MBED_H7, "AXI-SRAM"),
    "nicla-vision": (512 * KiB, MBED_H7, "AXI-SRAM"),
    "efr32mg24": (256 * KiB, GECKO, "SRAM"),
    "arduino-uno-r4": (32 * KiB, 8 * KiB, "SRAM"),
    "himax-we1": (2048 * KiB, HIMAX, "SRAM"),
    "host": (64 * MiB, 0, "Host RAM"),
}

# board -> internal flash (or the XIP flash chip) from the research
EXPECTED_FLASH: dict[str, int] = {
    "stm32f746": 1 * MiB,
    "stm32f412": 1 * MiB,
    "stm32f411": 512 * KiB,
    "stm32f767": 2 * MiB,
    "stm32h743": 2 * MiB,
    "stm32h7a3": 2 * MiB,
    "stm32l4r5": 2 * MiB,
    "stm32u585": 2 * MiB,
    "nrf52840": 0xEFE00,  # Arduino mbed linker script: FLASH LENGTH after the bootloader
    "rp2040": 2 * MiB,
    "rp2350": 4 * MiB,
    "apollo3": 960000,  # SparkFun Edge v2 Arduino maximum upload size
    "apollo4-plus": 1952 * KiB,
    "imxrt1062": 7936 * KiB,
    "efr32mg24": 1536 * KiB,
    "arduino-uno-r4": 256 * KiB,
}

REQUIRED_NAMES = {
    "stm32f746", "stm32f412", "stm32f411", "stm32f446", "stm32f767", "stm32h743", "stm32h7a3",
    "stm32l4r5", "stm32u585", "nrf52840", "nrf5340", "rp2040", "rp2350", "esp32", "esp32-s3",
    "apollo3", "imxrt1062", "portenta-h7", "efr32mg24", "arduino-uno-r4", "host",
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# The shipped catalog


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_board_file_loads(path: Path) -> None:
    board = load_board_file(path)
    assert isinstance(board, Board)
    assert board.name == path.stem
    assert board.path == str(path)
    assert board.pointer_bits in (32, 64)
    assert board.sram_budget_bytes > 0
    assert board.arena_region.kind in ("SRAM", "TCM")
    assert board.sources, "every catalog board names its sources"
    assert board.notes.strip()
    assert all(r.kind in ("PSRAM", "SDRAM") and r.arena for r in board.external_arena_regions)


def test_catalog_size_and_required_boards() -> None:
    boards = catalog()
    assert len(boards) >= 21  # at least 20 boards plus host
    assert set(boards) >= REQUIRED_NAMES
    assert list(boards) == sorted(boards)
    assert set(EXPECTED) == set(boards), "update EXPECTED when adding a board"


def test_default_catalog_dir_is_the_repo_folder() -> None:
    assert default_catalog_dir() == BOARDS_DIR


def test_catalog_is_cached_but_returns_fresh_dicts() -> None:
    first = catalog()
    first.pop("host")
    second = catalog()
    assert "host" in second
    assert second["stm32f746"] is catalog()["stm32f746"]


def test_names_and_aliases_unique_across_catalog() -> None:
    seen: dict[str, str] = {}
    for board in catalog().values():
        for key in (board.name, *board.aliases):
            assert key == key.lower(), f"{board.name}: '{key}' should be lower case"
            assert key not in seen, f"'{key}' used by {seen.get(key)} and {board.name}"
            seen[key] = board.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_budget_matches_research(name: str) -> None:
    region_bytes, reserve_bytes, region_name = EXPECTED[name]
    board = catalog()[name]
    assert board.arena_region.name == region_name
    assert board.arena_region.size_bytes == region_bytes
    assert board.reserve.total_bytes == reserve_bytes
    assert board.sram_budget_bytes == region_bytes - reserve_bytes


def test_budget_spot_values() -> None:
    boards = catalog()
    assert boards["stm32f746"].sram_budget_bytes == 327680 - 1024 - 1536 == 325120
    assert boards["stm32h743"].arena_region.size_bytes == 524288
    assert boards["stm32l4r5"].arena_region.size_bytes == 655360
    assert boards["rp2040"].arena_region.size_bytes == 270336
    assert boards["nrf52840"].arena_region.size_bytes == 262144
    assert boards["stm32h7a3"].arena_region.size_bytes == 1048576
    assert boards["host"].sram_budget_bytes == 64 * MiB


@pytest.mark.parametrize("name", sorted(EXPECTED_FLASH))
def test_flash_matches_research(name: str) -> None:
    assert catalog()[name].flash_bytes == EXPECTED_FLASH[name]


def test_stm32f746_regions() -> None:
    board = find_board("stm32f746")
    names = {r.name: r for r in board.memory}
    assert board.arena_region.base == 0x20000000
    assert names["ITCM-RAM"].size_bytes == 16 * KiB and not names["ITCM-RAM"].arena
    assert names["BKPSRAM"].size_bytes == 4 * KiB and not names["BKPSRAM"].arena
    # ST's "340 KB" = everything on chip; the arena gets only the contiguous 320
    assert sum(r.size_bytes for r in board.memory if r.on_chip) == 340 * KiB
    (sdram,) = board.external_arena_regions
    assert sdram.kind == "SDRAM" and sdram.size_bytes == 8 * MiB  # only 64 of 128 Mbit usable
    assert (board.core, board.clock_mhz, board.kernels, board.dsp, board.mve) == (
        "cortex-m7",
        216.0,
        "cmsis-nn",
        True,
        False,
    )


def test_h7_is_not_one_block() -> None:
    board = find_board("stm32h743")
    arena_on_chip = [r for r in board.arena_regions if r.on_chip]
    assert len(arena_on_chip) > 1
    # about 1 MiB of data RAM in total, but the budget is the largest block only
    assert sum(r.size_bytes for r in board.memory if r.name != "BKPSRAM") == 1056 * KiB
    assert board.arena_region.base == 0x24000000
    assert board.external_arena_regions == ()


def test_external_arena_regions() -> None:
    boards = catalog()
    (psram,) = boards["esp32-s3"].external_arena_regions
    assert psram.kind == "PSRAM" and psram.size_bytes == 8 * MiB
    assert boards["esp32"].external_arena_regions[0].size_bytes == 4 * MiB  # directly mapped
    assert boards["portenta-h7"].external_arena_regions[0].size_bytes == 8 * MiB
    assert boards["stm32h747"].external_arena_regions[0].size_bytes == 32 * MiB
    assert boards["stm32u585"].external_arena_regions[0].kind == "PSRAM"
    assert boards["nicla-vision"].external_arena_regions == ()
    assert boards["rp2040"].external_arena_regions == ()
    # external memory never becomes the default budget
    for board in boards.values():
        assert board.arena_region.kind in ("SRAM", "TCM")


def test_teensy41() -> None:
    board = find_board("teensy41")
    assert board.name == "imxrt1062"
    assert board.arena_region.size_bytes == 512 * KiB
    assert sum(r.size_bytes for r in board.memory if r.on_chip) == 1024 * KiB
    assert board.clock_mhz == 600


def test_cores_and_kernels() -> None:
    boards = catalog()
    for board in boards.values():
        if board.core.startswith("cortex-m"):
            assert board.kernels == "cmsis-nn", board.name
            assert board.pointer_bits == 32, board.name
        if board.core.startswith("xtensa"):
            assert board.kernels == "esp-nn", board.name
    assert boards["rp2040"].core == "cortex-m0plus" and not boards["rp2040"].dsp
    host = boards["host"]
    assert (host.pointer_bits, host.kernels, host.reserve.total_bytes) == (64, "reference", 0)
    assert "real" in host.notes.lower() and "runtime" in host.notes.lower()


def test_unconfirmed_facts_stay_marked() -> None:
    boards = catalog()
    for name in ("stm32h743", "stm32h7a3", "stm32f411", "esp32", "rp2040", "apollo4-plus"):
        assert "(U" in boards[name].notes, name


# --------------------------------------------------------------------------------------------
# Lookup


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stm32f746", "stm32f746"),
        ("nucleo-f746zg", "stm32f746"),
        ("NUCLEO-F746ZG", "stm32f746"),
        ("32f746gdiscovery", "stm32f746"),
        ("disco-f746ng", "stm32f746"),
        ("pico", "rp2040"),
        ("Pico2", "rp2350"),
        ("nano33ble", "nrf52840"),
        ("arduino-nano-33-ble-sense", "nrf52840"),
        ("nucleo-l4r5zi", "stm32l4r5"),
        (" host ", "host"),
    ],
)
def test_find_board_by_name_or_alias(query: str, expected: str) -> None:
    assert find_board(query).name == expected


def test_unknown_board_suggests_close_names() -> None:
    with pytest.raises(BoardError) as info:
        find_board("stm32f74")
    message = str(info.value)
    assert message.startswith("unknown board 'stm32f74'; did you mean: stm32f746, ")
    assert "stm32f767" in message
    assert message.endswith("? (see 'planner boards')")
    assert "\n" not in message


def test_unknown_board_suggests_aliases_once_per_board() -> None:
    with pytest.raises(BoardError, match=r"did you mean: teensy41\?"):
        find_board("teensy")


def test_unknown_board_without_suggestions() -> None:
    with pytest.raises(BoardError) as info:
        find_board("xyzzy")
    assert str(info.value) == "unknown board 'xyzzy' (see 'planner boards')"
    assert isinstance(info.value, PlannerError)


def test_find_board_loads_a_toml_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(VALID)
    board = find_board(str(path))
    assert board.name == "myboard"
    assert board.path == str(path)


# --------------------------------------------------------------------------------------------
# Malformed board files

VALID = """\
name = "myboard"
aliases = ["mine"]
description = "A test board"
mcu = "TEST1"
core = "cortex-m4"
clock_mhz = 80
pointer_bits = 32
kernels = "cmsis-nn"
dsp = true
mve = false
flash_bytes = 524288  # 512 KiB
sources = ["made up"]
notes = "test"

[reserve]
stack_bytes = 1024
heap_bytes = 1024
other_bytes = 0

[[memory]]
name = "SRAM"
kind = "SRAM"
base = 0x20000000
size_bytes = 131072
arena = true

[[memory]]
name = "PSRAM"
kind = "PSRAM"
size_bytes = 8388608
arena = true
"""


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based line number of the ``occurrence``-th line starting with ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle)]
    return hits[occurrence]


def write(tmp_path: Path, text: str, name: str = "my.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(BoardError) as info:
        load_board_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    return message


def test_valid_file_loads(tmp_path: Path) -> None:
    board = load_board_file(write(tmp_path, VALID))
    assert board == Board(
        name="myboard",
        aliases=("mine",),
        description="A test board",
        mcu="TEST1",
        core="cortex-m4",
        clock_mhz=80.0,
        pointer_bits=32,
        kernels="cmsis-nn",
        dsp=True,
        mve=False,
        flash_bytes=512 * KiB,
        reserve=Reserve(1024, 1024, 0),
        memory=(
            MemoryRegion("SRAM", "SRAM", 128 * KiB, True, 0x20000000, ""),
            MemoryRegion("PSRAM", "PSRAM", 8 * MiB, True, None, ""),
        ),
        sources=("made up",),
        notes="test",
        path=str(tmp_path / "my.toml"),
        # Not in the file: a 32-bit board is built by GCC for arm-none-eabi (short enums)
        # and runs MicroInterpreter (the plain allocator).
        short_enums=True,
        allocator="plain",
    )
    assert board.sram_budget_bytes == 128 * KiB - 2048
    assert [r.name for r in board.external_arena_regions] == ["PSRAM"]


def test_enum_size_and_allocator_come_from_the_board_file(tmp_path: Path) -> None:
    text = VALID.replace("mve = false", 'mve = false\nshort_enums = false\nallocator = "recording"')
    board = load_board_file(write(tmp_path, text))
    assert (board.short_enums, board.allocator) == (False, "recording")
    message = load_error(tmp_path, VALID.replace("mve = false", 'mve = false\nallocator = "big"'))
    assert 'field \'allocator\' must be one of "plain", "recording", got "big"' in message


def test_bad_clock_names_field_line_and_value(tmp_path: Path) -> None:
    text = VALID.replace("clock_mhz = 80", 'clock_mhz = "fast"')
    message = load_error(tmp_path, text)
    line = line_of(text, "clock_mhz")
    assert message == (
        f"{tmp_path / 'my.toml'}: line {line}: field 'clock_mhz' must be a clock in MHz "
        'from 0.001 to 100,000, got "fast"'
    )


def test_missing_field(tmp_path: Path) -> None:
    text = VALID.replace("pointer_bits = 32\n", "")
    message = load_error(tmp_path, text)
    assert message == f"{tmp_path / 'my.toml'}: missing required field 'pointer_bits'"


def test_bad_region_size_names_region_and_line(tmp_path: Path) -> None:
    text = VALID.replace("size_bytes = 8388608", "size_bytes = 0")
    message = load_error(tmp_path, text)
    line = line_of(text, "size_bytes", occurrence=1)
    assert f": line {line}: " in message
    assert "'memory[1].size_bytes' must be a positive integer, got 0" in message


def test_missing_region_field_points_at_its_table(tmp_path: Path) -> None:
    text = VALID.replace('kind = "PSRAM"\n', "")
    message = load_error(tmp_path, text)
    line = line_of(text, "[[memory]]", occurrence=1)
    assert message.endswith(f": line {line}: missing required field 'memory[1].kind'")


def test_missing_reserve_field_points_at_reserve(tmp_path: Path) -> None:
    text = VALID.replace("heap_bytes = 1024\n", "")
    message = load_error(tmp_path, text)
    line = line_of(text, "[reserve]")
    assert message.endswith(f": line {line}: missing required field 'reserve.heap_bytes'")


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    text = VALID.replace("mve = false\n", "mve = false\ncolour = 'blue'\n")
    message = load_error(tmp_path, text)
    line = line_of(text, "colour")
    assert f": line {line}: unknown field 'colour'" in message


def test_unknown_field_suggests_spelling(tmp_path: Path) -> None:
    text = VALID.replace("stack_bytes", "stack_byte")
    message = load_error(tmp_path, text)
    line = line_of(text, "stack_byte")
    assert message.endswith(
        f": line {line}: unknown field 'reserve.stack_byte'; did you mean 'reserve.stack_bytes'?"
    )


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    text = VALID.replace("dsp = true", "dsp = tru")
    message = load_error(tmp_path, text)
    line = line_of(text, "dsp")
    assert f": line {line}: invalid TOML: " in message


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ("pointer_bits = 32", "pointer_bits = 16", "pointer_bits", "32 or 64, got 16"),
        ("pointer_bits = 32", "pointer_bits = true", "pointer_bits", "32 or 64, got true"),
        ('kernels = "cmsis-nn"', 'kernels = "fast"', "kernels", 'one of "cmsis-nn"'),
        ("dsp = true", "dsp = 1", "dsp", "true or false, got 1"),
        ("flash_bytes = 524288", "flash_bytes = -1", "flash_bytes", "non-negative integer"),
        ("flash_bytes = 524288", "flash_bytes = 1.5", "flash_bytes", "non-negative integer"),
        ("clock_mhz = 80", "clock_mhz = 0", "clock_mhz", "from 0.001 to 100,000, got 0"),
        ("clock_mhz = 80", "clock_mhz = nan", "clock_mhz", "from 0.001 to 100,000, got nan"),
        ("clock_mhz = 80", "clock_mhz = 5e-324", "clock_mhz", "to 100,000, got 5e-324"),
        ('name = "myboard"', 'name = "my board"', "name", "board name"),
        ('aliases = ["mine"]', 'aliases = "mine"', "aliases", "array of board names"),
        ("stack_bytes = 1024", "stack_bytes = true", "reserve.stack_bytes", "got true"),
        ('kind = "PSRAM"', 'kind = "psram"', "memory[1].kind", 'one of "SRAM"'),
        ("arena = true", "arena = 'yes'", "memory[0].arena", 'got "yes"'),
        ("base = 0x20000000", "base = -4", "memory[0].base", "non-negative integer"),
    ],
)
def test_bad_values(tmp_path: Path, old: str, new: str, field: str, expected: str) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    message = load_error(tmp_path, text)
    line = line_of(text, new)
    assert f": line {line}: field '{field}' must be " in message
    assert expected in message


def test_no_arena_region(tmp_path: Path) -> None:
    text = VALID.replace("arena = true", "arena = false")
    message = load_error(tmp_path, text)
    assert message.endswith(
        f": line {line_of(text, '[[memory]]')}: no memory region has arena = true"
    )


def test_only_external_arena_region(tmp_path: Path) -> None:
    text = VALID.replace("arena = true", "arena = false", 1)
    message = load_error(tmp_path, text)
    assert "no on-chip (SRAM or TCM) memory region has arena = true" in message


def test_flash_region_cannot_hold_arena(tmp_path: Path) -> None:
    text = VALID.replace('kind = "PSRAM"', 'kind = "FLASH"')
    message = load_error(tmp_path, text)
    line = line_of(text, "arena", occurrence=1)
    assert f": line {line}: field 'memory[1].arena' must be false for a FLASH region" in message


def test_reserve_exceeding_arena_region(tmp_path: Path) -> None:
    text = VALID.replace("other_bytes = 0", "other_bytes = 129024")  # 1024+1024+129024 = 128 KiB
    message = load_error(tmp_path, text)
    assert f": line {line_of(text, '[reserve]')}: reserve (131072 B " in message
    assert 'arena region "SRAM" (131072 B)' in message


def test_reserve_just_below_arena_region_is_fine(tmp_path: Path) -> None:
    text = VALID.replace("other_bytes = 0", "other_bytes = 129023")
    assert load_board_file(write(tmp_path, text)).sram_budget_bytes == 1


def test_duplicate_alias_in_file(tmp_path: Path) -> None:
    text = VALID.replace('aliases = ["mine"]', 'aliases = ["mine", "MyBoard"]')
    message = load_error(tmp_path, text)
    assert f": line {line_of(text, 'aliases')}: field 'aliases' repeats" in message


def test_memory_must_be_tables(tmp_path: Path) -> None:
    text = VALID.split("[[memory]]")[0].replace('notes = "test"', 'notes = "test"\nmemory = []')
    message = load_error(tmp_path, text)
    assert f": line {line_of(text, 'memory')}: field 'memory' must be a non-empty array" in message


def test_inline_tables_still_get_a_line(tmp_path: Path) -> None:
    text = VALID.replace(
        "[reserve]\nstack_bytes = 1024\nheap_bytes = 1024\nother_bytes = 0\n",
        "",
    ).replace(
        'notes = "test"\n', 'notes = "test"\nreserve = { stack_bytes = -1, heap_bytes = 0 }\n'
    )
    message = load_error(tmp_path, text)
    assert f": line {line_of(text, 'reserve')}: field 'reserve.stack_bytes'" in message


def test_multiline_strings_do_not_confuse_line_numbers(tmp_path: Path) -> None:
    text = VALID.replace(
        'description = "A test board"',
        'description = """\nclock_mhz = 5 is only text here\n"""',
    ).replace("clock_mhz = 80", 'clock_mhz = "x"')
    message = load_error(tmp_path, text)
    assert line_of(text, "clock_mhz") == 4  # the text inside the string
    line = line_of(text, 'clock_mhz = "x"')
    assert line == 8
    assert f": line {line}: field 'clock_mhz'" in message


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match=r"nope\.toml: cannot read board file"):
        load_board_file(tmp_path / "nope.toml")
    path = tmp_path / "bin.toml"
    path.write_bytes(b'name = "x"\nnotes = "\xff"\n')
    with pytest.raises(BoardError, match=r"bin\.toml: line 2: board file is not valid UTF-8"):
        load_board_file(path)


# --------------------------------------------------------------------------------------------
# Catalog folders


def test_catalog_of_a_custom_folder(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="myboard.toml")
    boards = catalog(tmp_path)
    assert list(boards) == ["myboard"]
    assert find_board("MINE", directory=tmp_path).name == "myboard"


def test_catalog_rejects_file_name_mismatch(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="other.toml")
    with pytest.raises(BoardError, match=r"other\.toml: field 'name' is 'myboard'"):
        catalog(tmp_path)


def test_catalog_rejects_alias_clash(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="myboard.toml")
    clash = VALID.replace('name = "myboard"', 'name = "yours"')
    write(tmp_path, clash, name="yours.toml")
    with pytest.raises(BoardError, match=r"'mine' is already a name or alias of board"):
        catalog(tmp_path)


def test_catalog_bad_file_reports_that_file(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="myboard.toml")
    write(tmp_path, VALID.replace("clock_mhz = 80", "clock_mhz = []"), name="zzz.toml")
    with pytest.raises(BoardError, match=r"zzz\.toml: line 6: field 'clock_mhz'"):
        catalog(tmp_path)


def test_empty_or_missing_catalog_folder(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="no board files"):
        catalog(tmp_path)
    with pytest.raises(BoardError, match="not found"):
        catalog(tmp_path / "missing")


def test_board_dataclasses_are_frozen() -> None:
    board = find_board("rp2040")
    with pytest.raises(AttributeError):
        board.name = "x"  # type: ignore[misc]
    assert Reserve(1, 2, 3).total_bytes == 6
