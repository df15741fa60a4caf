"""Many models against many boards (`planner matrix`): one :class:`Cell` per model and board,
gathered in a :class:`Matrix`. Kept apart from :mod:`planner.check` so that `planner fit`
does not build these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from planner.check import FitCheck
from planner.targets.boards import Board


@dataclass(frozen=True)
class Cell:
    """One model on one board: the verdict and the figures behind it."""

    model: str
    board: str
    fits: bool
    fits_sram: bool
    fits_flash: bool
    sram_required_bytes: int
    sram_budget_bytes: int
    sram_headroom_bytes: int
    flash_required_bytes: int
    flash_budget_bytes: int
    flash_headroom_bytes: int
    exact: bool
    target: str
    verdict: str = "fits"

    @classmethod
    def of(cls, model: str, check: FitCheck) -> Cell:
        """The cell of ``check``: its figures under their own names."""
        return cls(
            model=model,
            board=check.board.name,
            target=check.arena.target.label,
            **{name: getattr(check, name) for name in CELL_FIGURES},
        )


#: The fields of a :class:`Cell` that are the check's figures of the same name.
CELL_FIGURES = tuple(f.name for f in fields(Cell) if f.name not in {"model", "board", "target"})


@dataclass(frozen=True)
class Matrix:
    models: tuple[str, ...]
    boards: tuple[Board, ...]
    cells: dict[tuple[str, str], Cell]
    #: Models that could not be read, with the one-line reason.
    errors: dict[str, str] = field(default_factory=dict)
    #: How many arena predictions were made per model (distinct board targets).
    targets: int = 0

    def cell(self, model: str, board: str) -> Cell | None:
        return self.cells.get((model, board))

    @property
    def board_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.boards)
