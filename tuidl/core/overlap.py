"""Where chart markers of different series would land in one terminal cell (pure; no plotting library).

plotext keeps a cell's last marker, so a run drawn later hides another run's marker where
their curves meet (two runs starting at the same loss). The compare chart asks
:func:`shared_cells` which cells more than one run marks, and draws one combined glyph there.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

__all__ = ["plot_row", "shared_cells"]


def plot_row(y: float, lo: float, hi: float, rows: int) -> int:
    """The canvas row (0 at the bottom) of ``y`` on a y range ``lo..hi`` over ``rows`` rows, as
    plotext maps it (``plotext._utility.get_matrix_data``); 0 when the range is empty."""
    if hi <= lo:
        return 0
    return math.floor(round(0.5 + (rows - 1) * (y - lo) / (hi - lo), 8))


def shared_cells(
    marks: Sequence[tuple[Hashable, Sequence[float], Sequence[float]]], y_lim: tuple[float, float], rows: int
) -> dict[tuple[float, int], float]:
    """Cells that markers of two or more owners fall in.

    A cell is an x value (series drawn at the same x, e.g. the same epoch) and a canvas row
    (:func:`plot_row`). Marks outside ``y_lim`` are ignored (not drawn).

    Args:
        marks: ``(owner, xs, ys)`` per series; an owner (a run id) may have several series
            (validation and training), which never count as sharing with each other.
        y_lim: the plot's y range ``(lo, hi)`` (after any log transform).
        rows: the canvas height in rows.

    Returns:
        ``{(x, row): y}`` for each shared cell, ``y`` the first mark's value there (where to
        draw the combined glyph).
    """
    lo, hi = y_lim
    owners: dict[tuple[float, int], set[Hashable]] = {}
    first: dict[tuple[float, int], float] = {}
    for owner, xs, ys in marks:
        for x, y in zip(xs, ys):
            if not (lo <= y <= hi):
                continue
            cell = (x, plot_row(y, lo, hi, rows))
            owners.setdefault(cell, set()).add(owner)
            first.setdefault(cell, y)
    return {cell: first[cell] for cell, who in owners.items() if len(who) > 1}
