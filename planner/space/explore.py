"""Per board and (width, resolution) space: how many subnets fit and how many MACs they carry.

TinyNAS (MCUNet, Lin et al. 2020, section 3.1) picks the search space whose subnets that fit
the memory budget have the most FLOPs: more capacity, better accuracy. Here each space gets
the fraction of its sampled subnets that fit the board (SRAM, TFLM-exact, and flash), the mean
MACs of those that fit, and the sorted MACs of those that fit (the CDF TinyNAS draws). The
recommended space is the one with the highest mean; its best subnet is the fitting one with
the most MACs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.space.evaluate import Row


@dataclass(frozen=True)
class SpaceSummary:
    board: str
    width: float
    resolution: int
    samples: int
    fits: int
    #: MACs of every fitting subnet, ascending (the CDF's steps).
    fit_macs: tuple[int, ...]

    @property
    def fit_fraction(self) -> float:
        return self.fits / self.samples if self.samples else 0.0

    @property
    def mean_fit_macs(self) -> float:
        return sum(self.fit_macs) / len(self.fit_macs) if self.fit_macs else 0.0

    def quantile(self, q: float) -> int | None:
        """The MACs below which a fraction ``q`` of the fitting subnets lie (nearest rank)."""
        if not self.fit_macs:
            return None
        rank = max(0, min(len(self.fit_macs) - 1, round(q * len(self.fit_macs)) - 1))
        return self.fit_macs[rank]


@dataclass(frozen=True)
class BoardExploration:
    board: str
    sram_budget_bytes: int
    flash_budget_bytes: int
    spaces: tuple[SpaceSummary, ...]
    best_space: SpaceSummary | None
    #: The fitting subnet with the most MACs in the best space (a result row).
    best_subnet: Row | None


def _best_row(rows: Sequence[Row]) -> Row | None:
    fitting = [r for r in rows if r["fits"]]
    if not fitting:
        return None
    # Most MACs; ties go to the smaller arena, then the lower sample index (deterministic).
    return max(fitting, key=lambda r: (r["macs"], -int(r["sram_bytes"]), -int(r["index"])))


def explore_board(board: str, rows: Sequence[Row]) -> BoardExploration:
    """Summaries of every space in ``rows`` (one board's rows), in grid order."""
    groups: dict[tuple[float, int], list[Row]] = {}
    for r in rows:
        groups.setdefault((float(r["width"]), int(r["resolution"])), []).append(r)
    spaces = []
    for (width, resolution), group in groups.items():
        fit = sorted(int(r["macs"]) for r in group if r["fits"])
        spaces.append(SpaceSummary(board, width, resolution, len(group), len(fit), tuple(fit)))
    candidates = [s for s in spaces if s.fits]
    # Highest mean MACs among fitting subnets; ties: more of them fit, then smaller numbers.
    best = (
        max(candidates, key=lambda s: (s.mean_fit_macs, s.fit_fraction, -s.width, -s.resolution))
        if candidates
        else None
    )
    best_row = None
    if best is not None:
        best_row = _best_row(groups[(best.width, best.resolution)])
    first = rows[0] if rows else {}
    return BoardExploration(
        board=board,
        sram_budget_bytes=int(first.get("sram_budget_bytes", 0)),
        flash_budget_bytes=int(first.get("flash_budget_bytes", 0)),
        spaces=tuple(spaces),
        best_space=best,
        best_subnet=best_row,
    )


def explore(rows: Sequence[Row], boards: Sequence[str]) -> tuple[BoardExploration, ...]:
    """One :class:`BoardExploration` per board, in ``boards`` order."""
    by_board: dict[str, list[Row]] = {b: [] for b in boards}
    for r in rows:
        by_board.setdefault(str(r["board"]), []).append(r)
    return tuple(explore_board(b, by_board[b]) for b in boards)
