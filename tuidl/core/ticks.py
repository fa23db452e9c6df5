"""Axis ticks for the charts: round values, whole epochs, labels of bounded width.

Pure maths (no plot library): the dashboard's chart
(:class:`~tuidl.ui.widgets.loss_chart.LossChart`) and the runs browser's
(:class:`~tuidl.ui.widgets.compare_chart.CompareChart`) both tick their axes
with these functions, so the two read alike.

* :func:`nice_ticks`: round ticks (1, 2 or 5 times a power of ten) inside a range;
* :func:`epoch_ticks`: whole-epoch ticks that fit a number of columns;
* :func:`log_ticks`: ticks of a log10 axis, labelled in data units (``0.1``, ``1``, ``1e34``);
* :func:`tick_labels`: labels of at most :data:`MAX_LABEL` characters: plain
  decimals (``0.5``, ``12``) while they fit, else scientific notation (``1e34``,
  ``2.5e-7``), so a curve that reaches 1e34 does not get 35-digit labels that
  squeeze the plot to two columns;
* :func:`fmt_number`: one value in at most 4 significant digits, for notes;
* :func:`nonfinite_note`: where the first NaN or infinite value was (``✕ nan at epoch 7``).
"""

from __future__ import annotations

import math
from decimal import Decimal

__all__ = [
    "EPOCH_AXIS_MAX",
    "MAX_LABEL",
    "NICE_STEPS",
    "NONFINITE_MARK",
    "epoch_ticks",
    "fmt_number",
    "log_ticks",
    "nice_ticks",
    "nonfinite_note",
    "tick_labels",
]

NICE_STEPS = (1, 2, 5)
"""Tick steps are these times a power of ten (1, 2, 5, 10, 20, 50, ...)."""

MAX_LABEL = 7
"""Characters a tick label may take before the labels switch to scientific notation."""


def _sci(v: float, digits: int) -> str:
    """``v`` as ``<mantissa>e<exponent>`` with at most ``digits`` decimals, no ``+`` or leading zeros."""
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.{digits}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def tick_labels(ticks: list[float], step: float | None = None, max_len: int = MAX_LABEL) -> list[str]:
    """Labels for ``ticks``, each at most ``max_len`` characters where the values allow.

    Args:
        ticks: the tick values (finite), ascending.
        step: the distance between ticks (decides the decimals); ``None`` takes the
            smallest gap between two ticks.
        max_len: the longest label kept in plain decimals (``12.5``, ``-0.25``);
            longer ones make every label scientific (``1e34``, ``-2.5e-7``), with
            as many mantissa digits as the step needs to keep the labels distinct,
            when that is shorter.

    Returns:
        One label per tick (``[]`` for no tick), distinct where the ticks are. Round
        ticks (:func:`nice_ticks`) get labels of at most ``max_len`` characters, or
        of a 1-2 digit mantissa and an exponent (``-2.5e-7``, ``1e34``).
    """
    if not ticks:
        return []
    if step is None:
        gaps = [b - a for a, b in zip(ticks, ticks[1:]) if b > a]
        step = min(gaps) if gaps else 0.0
    if step > 0 and math.isfinite(step):
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    else:
        decimals = 4
    plain = [f"{t:.{decimals}f}" for t in ticks]
    if max(len(s) for s in plain) <= max_len:
        return plain
    biggest = max(abs(t) for t in ticks) or 1.0
    digits = 0
    if step > 0 and math.isfinite(step):  # mantissa digits the step needs next to the largest value
        digits = max(0, math.floor(math.log10(biggest) + 1e-9) - math.floor(math.log10(step) + 1e-9))
    sci = [_sci(t, digits) for t in ticks]
    # scientific only where it is shorter (0.999999 stays plain: 1e0 would say less in as many cells)
    return sci if max(len(s) for s in sci) < max(len(s) for s in plain) else plain


def nice_ticks(lo: float, hi: float, count: int, max_len: int = MAX_LABEL) -> tuple[list[float], list[str]]:
    """Round ticks inside ``[lo, hi]``: multiples of 1, 2 or 5 times a power of ten.

    Args:
        lo, hi: the smallest and largest value drawn (finite).
        count: at most this many ticks (e.g. one label every other row of a plot).
        max_len: longest plain label (see :func:`tick_labels`).

    Returns:
        ``(ticks, labels)``: at least two ticks where the range allows, labels with
        the decimals the step needs (``0.5``, ``1.0``, ``1.5``), in scientific
        notation when plain ones would be longer than ``max_len`` (``0``, ``2e33``,
        ..., ``1e34``); the range's ends when it is too narrow for two round ticks
        (subnormal ends) or too wide for ``count`` of them (``-1e308..1e308``);
        empty lists when ``hi <= lo`` or either is not finite.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [], []
    count = max(2, int(count))
    # (hi - lo) / count, without overflowing at -1e308..1e308; 0 when it underflows (subnormal ends)
    per_tick = hi / count - lo / count
    scale = 10.0 ** math.floor(math.log10(per_tick)) if per_tick > 0 else 0.0
    ticks: list[float] = []
    step = scale
    for step in (m * scale for m in (*NICE_STEPS, 10, 20, 50)) if scale > 0 else ():
        if not math.isfinite(step):  # past 1.8e308: no round step left
            break
        first = math.ceil(lo / step)
        # k * step can land a rounding error outside [lo, hi] (9 * 1e34 > 9e34): clamped
        ticks = [min(max(k * step, lo), hi) for k in range(first, math.floor(hi / step) + 1)]
        if len(ticks) <= count:
            break
    if not 2 <= len(ticks) <= count:  # too narrow (or too wide) a range for round ticks: its ends
        ends = [lo, hi]
        labels = [fmt_number(v) for v in ends]
        if max(len(s) for s in labels) > max_len:
            labels = tick_labels(ends, hi - lo if math.isfinite(hi - lo) else None, max_len)
        return ends, labels
    return ticks, tick_labels(ticks, step, max_len)


def _power_label(k: int, max_len: int) -> str:
    """``10**k`` as a label: ``0.01``, ``1``, ``1000``, or ``1e34`` where that is longer than ``max_len``."""
    plain = str(10**k) if k >= 0 else f"{10.0**k:.{-k}f}"
    return plain if len(plain) <= max_len else f"1e{k}"


def log_ticks(lo: float, hi: float, count: int, max_len: int = MAX_LABEL) -> tuple[list[float], list[str]]:
    """Round ticks for a log10 axis: positions in log10 units, labels in data units.

    Args:
        lo, hi: the axis range in log10 units (``log10`` of the smallest and largest value).
        count: at most this many ticks.
        max_len: longest plain label (see :func:`tick_labels`).

    Returns:
        ``(ticks, labels)``: over a decade or more, powers of ten (every one, or every
        2nd, 5th, ... to stay within ``count``) labelled ``0.01``, ``1``, ``1000``,
        ``1e34``; within a decade, :func:`nice_ticks` of the values themselves, placed at
        their log10; empty lists when ``hi <= lo`` or either is not finite.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [], []
    count = max(2, int(count))
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first >= 1:
        powers = list(range(first, last + 1))
        stride = next(s for s in (m * 10**e for e in range(0, 6) for m in NICE_STEPS) if len(powers[::s]) <= count)
        start = -(-first // stride) * stride  # multiples of the stride: 10^0 stays a tick
        kept = [k for k in powers if k >= start and (k - start) % stride == 0]
        if len(kept) < 2:  # the stride skipped all but one: the first and last power
            kept = [first, last]
        return [float(k) for k in kept], [_power_label(k, max_len) for k in kept]
    ticks, labels = nice_ticks(10.0**lo, 10.0**hi, count, max_len)
    return [math.log10(t) for t in ticks], labels


EPOCH_AXIS_MAX = 1e300
"""The largest epoch an epoch axis reaches (a hostile ``metrics.jsonl`` can say ``1e308``); as
:data:`tuidl.core.history.PLOT_MAX`, so the axis still reaches every point a chart draws (a point
past the axis made plotext draw a line of 1e288 cells)."""


def epoch_ticks(x_min: float, x_max: float, columns: int) -> tuple[int, int, list[int]]:
    """Whole-epoch x ticks that fit ``columns`` cells.

    Args:
        x_min, x_max: the smallest and largest x drawn (epochs; an epoch's end is
            at ``epoch + 1``, batch points in between).
        columns: width of the plot area in cells.

    Returns:
        ``(lo, hi, ticks)``: the axis range in whole epochs (``lo <= x_min``,
        ``hi >= x_max``, ``hi > lo``, ``lo >= 0``; neither past :data:`EPOCH_AXIS_MAX`) and the ticks: the multiples of
        the smallest step of 1, 2, 5, 10, 20, 50, ... epochs that leaves each
        label its width plus 2 cells, within ``[lo, hi]`` (``[lo]`` when none is).
    """
    # a run folder's metrics.jsonl can say epoch 1e308: the axis stops at EPOCH_AXIS_MAX
    lo = max(0, math.floor(min(x_min, EPOCH_AXIS_MAX))) if math.isfinite(x_min) else 0
    hi = max(math.ceil(min(x_max, EPOCH_AXIS_MAX)) if math.isfinite(x_max) else 0, lo + 1)
    need = (len(str(hi)) + 2) * (hi - lo) / max(1, columns)  # epochs between two labels
    step, scale = 1, 1
    while step < need:
        for m in NICE_STEPS:
            step = m * scale
            if step >= need:
                break
        scale *= 10
    first = -(-lo // step) * step
    return lo, hi, list(range(first, hi + 1, step)) or [lo]


def fmt_number(v: float) -> str:
    """``v`` in at most 4 significant digits (``0.1235``, ``1.2e+34``); ``nan``/``inf`` as such
    (an ``int`` past float's range too: ``1.000e+400``)."""
    try:
        f = float(v)
    except OverflowError:  # an int of hundreds of digits, as JSON can hold
        return f"{Decimal(v):.4g}"
    if not math.isfinite(f):
        return str(f)
    return f"{f:.4g}"


NONFINITE_MARK = "✕"
"""The glyph a chart draws where a value was NaN or infinite (on its top edge, at that x)."""


def nonfinite_note(points: list[tuple[float, float]], x_axis: str = "epoch") -> str:
    """What a chart says about its non-finite points: the first one, and how many more.

    Args:
        points: ``(x, value)`` of each non-finite point (``value`` NaN, +inf or -inf,
            or a finite one too large to draw, written as it is: ``✕ 1e+308 at epoch 2``).
            On the ``epoch`` axis an epoch's end is at ``epoch + 1`` (1-based) and its
            batches in between, so the point is in epoch ``ceil(x)``.
        x_axis: ``epoch``, ``step`` or ``time`` (seconds).

    Returns:
        e.g. ``✕ nan at epoch 7``, ``✕ inf at step 120 +3 more`` (other places: a
        batch and the end of its epoch are one), ``✕ nan at 12.5 s``; ``""`` for no point.
    """
    if not points:
        return ""

    def place(x: float) -> str:
        if not (math.isfinite(x) and abs(x) < 1e15):  # a hostile metrics.jsonl's x: not 300 digits
            return f"{x_axis} {fmt_number(x)}" if x_axis != "time" else f"{fmt_number(x)} s"
        if x_axis == "epoch":
            return f"epoch {max(1, math.ceil(x - 1e-9))}"
        return f"step {x:g}" if x_axis == "step" else f"{x:.4g} s"

    x, v = min(points, key=lambda p: p[0])
    # a finite value is one too large to draw (tuidl.core.history.PLOT_MAX): said as it is
    kind = fmt_number(v) if math.isfinite(v) else "nan" if math.isnan(v) else "inf" if v > 0 else "-inf"
    others = len({place(p[0]) for p in points}) - 1  # a batch and its epoch's end count once
    more = f" +{others} more" if others else ""
    return f"{NONFINITE_MARK} {kind} at {place(x)}{more}"
