"""`planner space` output: text, JSON, CSV (one row per space), and the CDF chart.

JSON keys: ``spaces`` (one entry per board and space: ``board``, ``width``, ``resolution``,
``samples``, ``fit_fraction``, ``mean_fit_macs``, ...) and ``best`` (one entry per board:
``board``, ``width``, ``resolution``, ``sram_bytes``, ``flash_bytes``, ``macs``, ...; the
figures of the best fitting subnet of the recommended space; ``null`` values when nothing
fits). Byte and MAC figures are integers (``mean_fit_macs`` rounded to one).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planner.report.json_text import json_text
from planner.space.explore import BoardExploration, SpaceSummary
from planner.space.pipeline import PlannerError

SCHEMA_VERSION = 1
SPACE_COLUMNS = (
    "board",
    "width",
    "resolution",
    "samples",
    "fits",
    "fit_fraction",
    "mean_fit_macs",
    "p10_fit_macs",
    "median_fit_macs",
    "p90_fit_macs",
    "recommended",
)


def space_dict(s: SpaceSummary, recommended: bool) -> dict[str, Any]:
    return {
        "board": s.board,
        "width": s.width,
        "resolution": s.resolution,
        "samples": s.samples,
        "fits": s.fits,
        "fit_fraction": round(s.fit_fraction, 6),
        "mean_fit_macs": round(s.mean_fit_macs),
        "p10_fit_macs": s.quantile(0.1),
        "median_fit_macs": s.quantile(0.5),
        "p90_fit_macs": s.quantile(0.9),
        "recommended": recommended,
    }


def best_dict(e: BoardExploration) -> dict[str, Any]:
    s, r = e.best_space, e.best_subnet
    if s is None or r is None:
        keys = ("width", "resolution", "sram_bytes", "flash_bytes", "macs", "subnet", "index")
        return {"board": e.board, **dict.fromkeys(keys)}
    return {
        "board": e.board,
        "width": s.width,
        "resolution": s.resolution,
        "sram_bytes": r["sram_bytes"],
        "flash_bytes": r["flash_bytes"],
        "macs": r["macs"],
        "subnet": r["subnet"],
        "index": r["index"],
        "optimized_sram_bytes": r["optimized_sram_bytes"],
        "latency_ms": r["latency_ms"],
        "fit_fraction": round(s.fit_fraction, 6),
        "mean_fit_macs": round(s.mean_fit_macs),
        "sram_budget_bytes": e.sram_budget_bytes,
        "flash_budget_bytes": e.flash_budget_bytes,
    }


def _is_best(e: BoardExploration, s: SpaceSummary) -> bool:
    return e.best_space is not None and (s.width, s.resolution) == (
        e.best_space.width,
        e.best_space.resolution,
    )


def to_document(explorations: Sequence[BoardExploration], **run: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        **run,
        "spaces": [space_dict(s, _is_best(e, s)) for e in explorations for s in e.spaces],
        "best": [best_dict(e) for e in explorations],
    }


def render_json(explorations: Sequence[BoardExploration], **run: Any) -> str:
    return json_text(to_document(explorations, **run))


def render_csv(explorations: Sequence[BoardExploration]) -> str:
    from planner.report.rows import csv_table

    dicts = (space_dict(s, _is_best(e, s)) for e in explorations for s in e.spaces)
    return csv_table(SPACE_COLUMNS, (map(d.get, SPACE_COLUMNS) for d in dicts))


def _macs(n: float) -> str:
    return f"{n / 1e6:.1f}M"


def _board_text(e: BoardExploration) -> list[str]:
    lines = [
        f"{e.board}: SRAM budget {e.sram_budget_bytes:,} B, flash {e.flash_budget_bytes:,} B",
        "  share of subnets that fit / mean MACs of those that fit",
    ]
    widths = sorted({s.width for s in e.spaces})
    resolutions = sorted({s.resolution for s in e.spaces})
    cells = {(s.width, s.resolution): s for s in e.spaces}
    lines.append("  width \\ res " + "".join(f"{res:>15}" for res in resolutions))
    for w in widths:
        row = f"  {w:<11.2f} "
        for res in resolutions:
            s = cells.get((w, res))
            text = (
                ""
                if s is None
                else f"{100 * s.fit_fraction:.0f}%"
                + (f" {_macs(s.mean_fit_macs)}" if s.fits else "  -")
            )
            mark = "*" if s is not None and _is_best(e, s) else " "
            row += f"{text + mark:>15}"
        lines.append(row.rstrip())
    b, r = e.best_space, e.best_subnet
    if b is None or r is None:
        lines.append("  no subnet of any space fits this board")
        return lines
    lines.append(
        f"  recommended space (*): width {b.width:g}, resolution {b.resolution}: "
        f"{100 * b.fit_fraction:.0f}% of {b.samples} fit, mean {_macs(b.mean_fit_macs)} MACs"
    )
    lines.append(
        f"  best subnet there: #{r['index']} {r['subnet']}: {int(r['macs']):,} MACs, "
        f"SRAM {int(r['sram_bytes']):,} B (optimized plan {int(r['optimized_sram_bytes']):,} B),"
        f" flash {int(r['flash_bytes']):,} B, ~{float(r['latency_ms']):.0f} ms (estimate)"
    )
    return lines


def render_text(explorations: Sequence[BoardExploration], header: str) -> str:
    out = [header]
    for e in explorations:
        out.append("")
        out.extend(_board_text(e))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The CDF chart

#: How many spaces besides the recommended one get a colour and a legend entry per board.
CHART_HIGHLIGHTS = 5


def check_chart_path(path: Path) -> None:
    """Refuse a chart file the run could not write, before the run."""
    import importlib.util

    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise PlannerError(f"{path}: the chart is written as .png, .svg or .pdf")
    if importlib.util.find_spec("matplotlib") is None:
        raise PlannerError("the chart needs matplotlib: pip install 'tflm-planner[plot]'")


def save_cdf_chart(explorations: Sequence[BoardExploration], path: Path, dpi: int = 150) -> None:
    """TinyNAS' chart, per board: the cumulative distribution of MACs among the subnets that
    fit, one step line per space; the recommended space bold, the next best in colour."""
    check_chart_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(explorations))
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.2), squeeze=False)
    colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    for ax, e in zip(axes[0], explorations, strict=False):
        ranked = sorted((s for s in e.spaces if s.fits), key=lambda s: -s.mean_fit_macs)
        top = ranked[: CHART_HIGHLIGHTS + 1]
        for s in ranked[len(top) :]:
            _step(ax, s, colour="#cccccc", width=0.8, label=None)
        for i, s in enumerate(reversed(top)):
            best = _is_best(e, s)
            colour = "#000000" if best else colours[(len(top) - 1 - i) % len(colours)]
            label = f"w{s.width:g} r{s.resolution}: {100 * s.fit_fraction:.0f}% fit, " + (
                f"mean {_macs(s.mean_fit_macs)}" + (" (recommended)" if best else "")
            )
            _step(ax, s, colour=colour, width=2.4 if best else 1.3, label=label)
        ax.set_title(
            f"{e.board}: SRAM {e.sram_budget_bytes / 1024:.0f} KiB, "
            f"flash {e.flash_budget_bytes / 1024:.0f} KiB",
            fontsize=10,
        )
        ax.set_xlabel("MACs of subnets that fit (millions)")
        ax.set_ylabel("cumulative share of fitting subnets")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        if top:
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels[::-1], fontsize=7, loc="best")
        else:
            ax.text(0.5, 0.5, "no subnet fits", ha="center", transform=ax.transAxes)
    fig.suptitle("Which search space fits? MACs among the subnets that fit, per space", fontsize=11)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as exc:
        raise PlannerError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)


def _step(ax: Any, s: SpaceSummary, colour: str, width: float, label: str | None) -> None:
    xs = [m / 1e6 for m in s.fit_macs]
    ys = [(i + 1) / len(xs) for i in range(len(xs))]
    ax.step([xs[0], *xs], [0.0, *ys], where="post", color=colour, linewidth=width, label=label)
