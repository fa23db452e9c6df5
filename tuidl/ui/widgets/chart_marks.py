"""The compare chart's run markers, drawn after every line, with one glyph where runs share a cell.

plotext keeps a cell's last marker, so where two runs' curves meet (two runs that start at
the same loss) the run drawn last would hide the other's marker. :func:`draw_marks` draws
:data:`SHARED_MARKER` in such a cell instead (cells from :func:`tuidl.core.overlap.shared_cells`:
the same x, e.g. the same epoch, and the same canvas row), as the dashboard's chart draws
``◈`` where training and validation meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuidl.core.overlap import plot_row, shared_cells

__all__ = ["SHARED_MARKER", "draw_marks"]

SHARED_MARKER = "◈"
"""The glyph of a cell that markers of two or more runs share."""


def draw_marks(
    plt: Any,
    marks: Sequence[tuple[str, tuple[list[float], list[float]], str, tuple[int, int, int]]],
    y_lim: tuple[float, float],
    rows: int,
) -> int:
    """Scatter each series' markers on a plotext figure, one :data:`SHARED_MARKER` per shared cell.

    Args:
        plt: a plotext ``Plot`` whose y range is ``y_lim``.
        marks: ``(run id, (xs, ys), marker, colour)`` per series, in drawing order.
        y_lim: the plot's y range (after any log transform).
        rows: the canvas height in rows.

    Returns:
        How many cells got :data:`SHARED_MARKER` (0: every run's markers are its own).
    """
    shared = shared_cells([(run_id, xs, ys) for run_id, (xs, ys), _, _ in marks], y_lim, rows)
    for _, (xs, ys), marker, colour in marks:
        keep = [i for i, (x, y) in enumerate(zip(xs, ys)) if (x, plot_row(y, *y_lim, rows)) not in shared]
        if keep:
            plt.scatter([xs[i] for i in keep], [ys[i] for i in keep], marker=marker, color=colour)
    if shared:
        plt.scatter([x for x, _ in shared], list(shared.values()), marker=SHARED_MARKER, color="white")
    return len(shared)
