"""Metric series of a run, and what a chart needs before it draws them.

Everything here is plain numpy: no Textual, no Keras.

* :class:`RunHistory` stores one run's per-epoch and per-batch logs as
  growing float64 columns (amortised O(1) append) and hands out
  ``(x, y)`` series by metric key, with x as epoch, global step or wall time.
* :func:`smooth_ema` is TensorBoard's debiased exponential moving average
  (the "Smoothing" slider of TensorBoard's scalar dashboard).
* :func:`decimate_minmax` bounds drawing cost by the chart width: it keeps,
  per pixel column, the first, last, lowest and highest point, so the drawn
  envelope of a long series is the same as the full series'.
* :func:`prepare_series` chains them: finite split (non-finite x positions are
  returned to be marked), smoothing, log10 (non-positive values counted), and
  decimation — in that order, as TensorBoard smooths raw values before scaling.
* :func:`outlier_range` is the "ignore outliers in chart scaling" y range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

import numpy as np

from tuidl.core.derived import derive, derived_keys

XAxis = Literal["epoch", "step", "time"]
Source = Literal["epoch", "batch"]

X_AXES: tuple[str, ...] = ("epoch", "step", "time")
"""The x axes a series can use: epoch number, global step (batches), wall time (seconds since start)."""

_RESERVED = ("epoch", "step", "time", "seconds")


def _as_float(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: cannot convert to float64 numbers ({e})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D series, got shape {arr.shape}")
    return arr


def smooth_ema(ys: Iterable[float] | np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average.

    Follows ``resmoothDataset`` in TensorBoard's ``vz_line_chart2``
    (tensorboard/components/vz_line_chart2/line-chart.ts)::

        last = 0; n = 0
        for y in ys:
            if not finite(y): out = y                 # passes through, accumulator untouched
            else:
                last = last * w + (1 - w) * y; n += 1
                out = last / (1 - w**n)               # debias: the EMA started at 0

    As in TensorBoard, a constant series is returned unchanged (no rounding
    drift), and ``weight == 0`` returns the input.

    Args:
        ys: the values, shape ``(n,)``, any float dtype.
        weight: the smoothing weight ``w`` in ``[0, 1)``; TensorBoard's slider
            goes to 0.999, tuidl's to 0.99.

    Returns:
        float64 array of shape ``(n,)``; non-finite inputs stay where they were.

    Raises:
        ValueError: ``weight`` outside ``[0, 1)`` or ``ys`` not a 1-D numeric series.
    """
    y = _as_float(ys, "ys")
    w = float(weight)
    if not (0.0 <= w < 1.0) or math.isnan(w):
        raise ValueError(f"smoothing weight {weight!r} is outside [0, 1); use e.g. 0.6 or 0.9")
    out = y.copy()
    finite = np.isfinite(y)
    vals = y[finite]
    if w == 0.0 or vals.size == 0 or np.all(vals == vals[0]):
        return out
    # last_k = w*last_{k-1} + (1-w)*y_k is the IIR filter b=[1-w], a=[1,-w].
    from scipy.signal import lfilter

    last = lfilter([1.0 - w], [1.0, -w], vals)
    # Debias: divide by 1 - w**n. Past n where w**n < 1e-17 the divisor is 1.0 in float64;
    # computing w**n there would only walk into slow subnormal numbers.
    k = vals.size if w == 0.0 else min(vals.size, int(math.log(1e-17) / math.log(w)) + 1)
    last[:k] /= 1.0 - np.power(w, np.arange(1, k + 1, dtype=np.float64))
    out[finite] = last
    return out


class IncrementalEMA:
    """:func:`smooth_ema` of a series that only grows, smoothing only the new values.

    Keeps the filter state (``scipy.signal.lfilter``'s ``zi``) and the count of
    finite values, so calling :meth:`update` after ``k`` appended values costs
    O(k), not O(n). When the series is shorter than before, or the weight
    changed, it starts over. The result equals ``smooth_ema(ys, weight)``
    (tested), except that a constant series is smoothed (to the same constant,
    up to rounding) rather than passed through.

    Args:
        weight: smoothing weight in ``[0, 1)``.

    Raises:
        ValueError: weight outside ``[0, 1)``.
    """

    def __init__(self, weight: float) -> None:
        w = float(weight)
        if not (0.0 <= w < 1.0):
            raise ValueError(f"smoothing weight {weight!r} is outside [0, 1)")
        self.weight = w
        self._out = np.empty(0)
        self._n = 0
        self._count = 0
        self._zi = np.zeros(1)

    def update(self, ys: np.ndarray) -> np.ndarray:
        """The smoothed series for ``ys`` (whose first values are those seen before).

        Returns a float64 array of ``len(ys)`` (a view of an internal buffer: copy it to keep it).
        """
        from scipy.signal import lfilter

        y = _as_float(ys, "ys")
        n = y.size
        if n < self._n:
            self.__init__(self.weight)  # type: ignore[misc]
        if n > self._out.size:
            grown = np.empty(max(n, 2 * self._out.size))
            grown[: self._n] = self._out[: self._n]
            self._out = grown
        new = y[self._n :]
        out = self._out[self._n : n]
        w = self.weight
        finite = np.isfinite(new)
        all_finite = bool(finite.all())
        vals = new if all_finite else new[finite]
        if vals.size and w > 0.0:
            last, self._zi = lfilter([1.0 - w], [1.0, -w], vals, zi=self._zi)
            # debias the first values only: past `cut` values 1 - w**k == 1.0 in float64
            cut = int(math.log(1e-17) / math.log(w)) + 1
            m = max(0, min(vals.size, cut - self._count))
            if m:
                k = np.arange(self._count + 1, self._count + m + 1, dtype=np.float64)
                last[:m] /= 1.0 - np.power(w, k)
            if all_finite:
                out[:] = last
            else:
                out[:] = new
                out[finite] = last
            self._count += vals.size
        else:
            out[:] = new
        self._n = n
        return self._out[:n]


def _sorted_by_x(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if xs.size > 1 and np.any(xs[1:] < xs[:-1]):
        order = np.argsort(xs, kind="stable")
        return xs[order], ys[order]
    return xs, ys


def decimate_minmax(
    xs: Iterable[float] | np.ndarray, ys: Iterable[float] | np.ndarray, n_columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keep, per pixel column, the first, last, minimum and maximum point.

    The x range ``[xs.min(), xs.max()]`` is cut into ``n_columns`` equal
    columns; inside each column the points at the first and last x and those
    with the lowest and highest y are kept (in x order, without duplicates).
    Lines drawn through the kept points reach every column's extremes, so every
    local minimum and maximum visible at that width survives. O(n) numpy work
    (one ``argmin``/``argmax`` per column slice), plus a sort when ``xs`` is not ascending.

    Args:
        xs: x values, shape ``(n,)``, finite; sorted ascending or not.
        ys: y values, shape ``(n,)``, finite (split non-finite points off first,
            e.g. with :func:`prepare_series`).
        n_columns: the number of pixel columns (>= 1), e.g. the plot width in
            cells times the sub-cell resolution of the marker.

    Returns:
        ``(xs, ys)`` float64 arrays of at most ``4 * n_columns`` points, in x
        order; the input (as float64 arrays, sorted by x) when ``n <= 4 * n_columns``.

    Raises:
        ValueError: shapes differ or ``n_columns < 1``.
    """
    x = _as_float(xs, "xs")
    y = _as_float(ys, "ys")
    if x.shape != y.shape:
        raise ValueError(f"xs and ys differ in length: {x.size} vs {y.size}")
    n_columns = int(n_columns)
    if n_columns < 1:
        raise ValueError(f"n_columns must be >= 1, got {n_columns}")
    x, y = _sorted_by_x(x, y)
    return _decimate_sorted(x, y, n_columns)


def _decimate_sorted(x: np.ndarray, y: np.ndarray, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    n = x.size
    if n <= 4 * n_columns:
        return x, y
    x0, x1 = x[0], x[-1]
    span = x1 - x0
    if span <= 0:
        starts = np.array([0])
    else:
        # x is sorted, so each column is one contiguous slice: find its bounds by bisection.
        edges = x0 + span * (np.arange(1, n_columns) / n_columns)
        bounds = np.searchsorted(x, edges, side="left")
        starts = np.unique(np.r_[0, bounds[bounds < n]])
    ends = np.r_[starts[1:], n]
    keep = np.zeros(n, dtype=bool)
    keep[starts] = True
    keep[ends - 1] = True
    # one argmin/argmax per column: Python loops over columns only (<= a few thousand),
    # the numpy work over all points is O(n).
    for a, b in zip(starts.tolist(), ends.tolist()):
        seg = y[a:b]
        keep[a + int(seg.argmin())] = True
        keep[a + int(seg.argmax())] = True
    return x[keep], y[keep]


PLOT_MAX = 1e300
"""The largest magnitude a chart draws: plotext scales values by ``10**8`` and overflows
near ``1.8e308`` (a chart of ``1e308`` raised ``OverflowError``); past it a value is marked as
a non-finite one, with what it was (``✕ 1e+308 at epoch 2``)."""


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for a plot library that only draws what it is given.

    Attributes:
        xs: finite x values, float64, ascending.
        ys: finite y values, float64, smoothed and log10-scaled when asked.
        nonfinite_xs: x positions (float64, ascending) where the raw y was NaN,
            +-inf or past :data:`PLOT_MAX`, to be marked on the chart.
        nonpositive_count: points dropped because their (smoothed) value was
            <= 0 under a log y axis.
        n_raw: number of raw points before anything was dropped or decimated.
        log_y: whether ``ys`` are log10 values.
        last: the last finite plotted y value in data units (not log10), or ``None``.
        nonfinite_ys: the raw values at ``nonfinite_xs`` (NaN, +inf or -inf), to say
            which they were ("nan at epoch 7").
    """

    xs: np.ndarray
    ys: np.ndarray
    nonfinite_xs: np.ndarray
    nonpositive_count: int = 0
    n_raw: int = 0
    log_y: bool = False
    last: float | None = None
    nonfinite_ys: np.ndarray = field(default_factory=lambda: np.empty(0))


def prepare_series(
    xs: Iterable[float] | np.ndarray,
    ys: Iterable[float] | np.ndarray,
    *,
    log_y: bool = False,
    smoothing: float = 0.0,
    n_columns: int | None = None,
    y_range: tuple[float, float] | None = None,
) -> PreparedSeries:
    """Finite split, smoothing, log10 and decimation of one series, in that order.

    Args:
        xs, ys: raw series, shape ``(n,)`` each (NaN/inf allowed in ``ys``;
            points whose x is not finite are dropped). Values past :data:`PLOT_MAX`
            (a hostile ``metrics.jsonl``'s ``1e308``) count as not finite: an x is
            dropped, a y goes to ``nonfinite_xs``/``nonfinite_ys`` with its value.
        log_y: plot ``log10(y)``; values <= 0 are dropped and counted in
            ``nonpositive_count`` — never an error.
        smoothing: :func:`smooth_ema` weight in ``[0, 1)``.
        n_columns: decimate to this many pixel columns (:func:`decimate_minmax`);
            ``None`` keeps every point.
        y_range: ``(lo, hi)`` in data units: only points inside are plotted
            (a fixed y range); out-of-range points are not counted as errors.

    Returns:
        A :class:`PreparedSeries`.

    Raises:
        ValueError: shapes differ, or ``smoothing`` outside ``[0, 1)``.
    """
    x = _as_float(xs, "xs")
    y = _as_float(ys, "ys")
    if x.shape != y.shape:
        raise ValueError(f"xs and ys differ in length: {x.size} vs {y.size}")
    n_raw = int(x.size)
    with np.errstate(invalid="ignore"):
        xok = np.isfinite(x) & (np.abs(x) <= PLOT_MAX)
    if not xok.all():
        x, y = x[xok], y[xok]
    x, y = _sorted_by_x(x, y)
    if smoothing:
        y = smooth_ema(y, smoothing)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(y) & (np.abs(y) <= PLOT_MAX)
    if finite.all():
        nonfinite_xs = nonfinite_ys = np.empty(0)
    else:
        nonfinite_xs, nonfinite_ys = x[~finite], y[~finite]
        x, y = x[finite], y[finite]
    last = float(y[-1]) if y.size else None
    if y_range is not None:
        lo, hi = float(y_range[0]), float(y_range[1])
        inside = (y >= lo) & (y <= hi)
        x, y = x[inside], y[inside]
    nonpositive = 0
    if log_y:
        pos = y > 0
        nonpositive = int(y.size - np.count_nonzero(pos))
        if nonpositive:
            x, y = x[pos], y[pos]
    if n_columns is not None and x.size:
        if int(n_columns) < 1:
            raise ValueError(f"n_columns must be >= 1, got {n_columns}")
        x, y = _decimate_sorted(x, y, int(n_columns))  # already sorted above
    if log_y:
        # log10 is increasing, so each column's min and max are the same points before and
        # after it: decimating first takes the log of a few hundred points, not of millions.
        y = np.log10(y)
    return PreparedSeries(x, y, nonfinite_xs, nonpositive, n_raw, bool(log_y), last, nonfinite_ys)


def _clip_segment(
    a: tuple[float, float], b: tuple[float, float], box: tuple[float, float, float, float]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment ``a``-``b`` inside ``box`` (``x0, x1, y0, y1``), Liang-Barsky;
    an end inside is returned as it is, a cut end lies exactly on the edge it crosses,
    the other coordinate measured from the nearer end (``1e300`` to ``0.04`` would lose
    the small one to rounding); ``None`` when no part is inside."""
    (xa, ya), (xb, yb) = a, b
    dx, dy = xb - xa, yb - ya
    t0, t1 = 0.0, 1.0
    edge0 = edge1 = -1
    for i, (p, q) in enumerate(((-dx, xa - box[0]), (dx, box[1] - xa), (-dy, ya - box[2]), (dy, box[3] - ya))):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return None
            if t > t0:
                t0, edge0 = t, i
        else:
            if t < t0:
                return None
            if t < t1:
                t1, edge1 = t, i

    def on_edge(i: int) -> tuple[float, float]:
        v = box[i]
        if i < 2:  # x = v
            xn, yn = (xa, ya) if abs(v - xa) <= abs(v - xb) else (xb, yb)
            return v, yn + (v - xn) * (dy / dx)
        xn, yn = (xa, ya) if abs(v - ya) <= abs(v - yb) else (xb, yb)
        return xn + (v - yn) * (dx / dy), v

    return (a if edge0 < 0 else on_edge(edge0)), (b if edge1 < 0 else on_edge(edge1))


def clip_polyline(
    xs: Sequence[float],
    ys: Sequence[float],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    margin: float = 1.0,
) -> list[tuple[list[float], list[float]]]:
    """The line through ``(xs, ys)`` cut to the plot ``x_range`` x ``y_range`` widened by
    ``margin`` times its size on each side, as pieces to draw one by one.

    plotext draws a line cell by cell, inside the plot or not: one point far outside (a loss
    of 1e6 under an outlier-ignoring y range, a point beyond a zoom window) made it walk
    millions of cells. Inside the widened box the pieces follow the line exactly, so what
    shows in the plot is unchanged; a piece ends where the line leaves the box.

    Args:
        xs, ys: the points, equal lengths, finite (:func:`prepare_series`).
        x_range, y_range: ``(lo, hi)`` of the plot, in the units of ``xs`` and ``ys``.
        margin: how far beyond the plot the pieces reach, in plot widths/heights.

    Returns:
        ``[(xs, ys), ...]``: pieces of at least one point; ``[]`` when no point and no
        segment is in the box.
    """
    (xa, xb), (ya, yb) = x_range, y_range
    mx, my = (xb - xa) * margin, (yb - ya) * margin
    box = (xa - mx, xb + mx, ya - my, yb + my)
    pts = list(zip(xs, ys))
    if len(pts) == 1:
        (x, y) = pts[0]
        return [([x], [y])] if box[0] <= x <= box[1] and box[2] <= y <= box[3] else []
    pieces: list[tuple[list[float], list[float]]] = []
    cur: list[tuple[float, float]] = []
    for a, b in zip(pts, pts[1:]):
        seg = _clip_segment(a, b, box)
        if seg is not None and cur and cur[-1] == seg[0]:
            cur.append(seg[1])
            continue
        if cur:
            pieces.append(([p[0] for p in cur], [p[1] for p in cur]))
        cur = list(seg) if seg is not None else []
    if cur:
        pieces.append(([p[0] for p in cur], [p[1] for p in cur]))
    return pieces


def outlier_range(
    ys: Iterable[float] | np.ndarray, low: float = 5.0, high: float = 95.0, pad: float = 0.1
) -> tuple[float, float] | None:
    """A y range that ignores outliers: the ``low``..``high`` percentiles, padded.

    Like TensorBoard's "Ignore outliers in chart scaling" and tbtui's 5th–95th
    percentile clipping. The range is widened by ``pad`` times its span on each
    side (or by 1 % of the value, or 1, when the span is 0).

    Args:
        ys: values, any shape; non-finite ones are ignored.
        low, high: percentiles in ``[0, 100]``, ``low < high``.
        pad: fraction of the span added on each side.

    Returns:
        ``(lo, hi)`` with ``lo < hi``, or ``None`` when there is no finite value.

    Raises:
        ValueError: percentiles out of order or range.
    """
    if not (0.0 <= low < high <= 100.0):
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {low}, {high}")
    y = np.asarray(ys, dtype=np.float64).ravel()
    y = y[np.isfinite(y)]
    if y.size == 0:
        return None
    lo, hi = (float(v) for v in np.percentile(y, [low, high]))
    span = hi - lo
    if span <= 0:
        d = abs(lo) * 0.01 or 1.0
        return lo - d, hi + d
    return lo - pad * span, hi + pad * span


class _Column:
    """A float64 array that grows by doubling (amortised O(1) append)."""

    __slots__ = ("data", "n")

    def __init__(self, n_before: int = 0, capacity: int = 64) -> None:
        self.data = np.full(max(capacity, 2 * n_before, 1), np.nan)
        self.n = n_before

    def set(self, i: int, value: float) -> None:
        if i >= self.data.size:
            new = np.full(max(2 * self.data.size, i + 1), np.nan)
            new[: self.n] = self.data[: self.n]
            self.data = new
        self.data[i] = value
        self.n = max(self.n, i + 1)

    def view(self, n: int) -> np.ndarray:
        if n > self.data.size:
            self.set(n - 1, np.nan)
        return self.data[:n]


def y_range(
    ys: np.ndarray, mode: str, fixed: tuple[float, float] | None = None, log_y: bool = False
) -> tuple[float, float] | None:
    """The y range of a chart of the finite values ``ys`` (float64, already log10'd under ``log_y``).

    Args:
        ys: the plotted values, 1-D.
        mode: ``"outliers"`` (:func:`outlier_range`), ``"fixed"`` (``fixed``) or anything else
            (the values' min..max).
        fixed: ``(lo, hi)`` in data units for ``"fixed"``; under ``log_y`` a bound <= 0 falls back
            to the values' own.
        log_y: whether ``ys`` are log10 values (``fixed`` is then converted).

    Returns:
        ``(lo, hi)`` with ``hi > lo`` (a flat range is widened by 5 % of its value, or 1), or
        ``None`` when there is nothing to range (no values, or no outlier range).
    """
    if not ys.size:
        return None
    if mode == "outliers":
        lo_hi = outlier_range(ys)
    elif fixed is not None:
        if log_y:
            lo_hi = (
                math.log10(fixed[0]) if fixed[0] > 0 else float(ys.min()),
                math.log10(fixed[1]) if fixed[1] > 0 else float(ys.max()),
            )
        else:
            lo_hi = (float(fixed[0]), float(fixed[1]))
    else:
        lo_hi = (float(ys.min()), float(ys.max()))
    if lo_hi is None:
        return None
    lo, hi = lo_hi
    if hi <= lo:
        d = abs(lo) * 0.05 or 1.0
        lo, hi = lo - d, hi + d
    return lo, hi


def _float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:  # an int past float's range, as JSON can hold: infinite
        return math.inf if v > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan


class _Table:
    """Rows of ``{key: float}`` stored column-wise; missing cells are NaN."""

    def __init__(self) -> None:
        self.n = 0
        self.cols: dict[str, _Column] = {}

    def append(self, row: Mapping[str, Any]) -> None:
        i = self.n
        for k, v in row.items():
            col = self.cols.get(k)
            if col is None:
                col = self.cols[k] = _Column(0, capacity=max(64, 2 * i))
            col.set(i, _float(v))
        self.n = i + 1

    def extend(self, cols: Mapping[str, np.ndarray], k: int) -> None:
        i0, i1 = self.n, self.n + k
        for key, v in cols.items():
            col = self.cols.get(key)
            if col is None:
                col = self.cols[key] = _Column(0, capacity=max(64, 2 * i1))
            if i1 > col.data.size:
                col.set(i1 - 1, math.nan)
            col.data[i0:i1] = v
            col.n = i1
        self.n = i1

    def column(self, key: str) -> np.ndarray:
        col = self.cols.get(key)
        if col is None:
            return np.full(self.n, np.nan)
        return col.view(self.n)


@dataclass
class RunHistory:
    """One run's logged metrics, per epoch and per batch.

    Per-epoch rows hold the epoch number, global step, wall time (seconds since
    the run started) and every Keras log key (``loss``, ``val_loss``,
    ``accuracy`` ...). Per-batch rows hold the global step, wall time and the
    batch logs. Appends are amortised O(1) (columns double in size);
    :meth:`series` returns views without copying, so a chart may hold millions
    of batch points.

    Attributes:
        name: the run's display name (for legends).
    """

    name: str = ""
    _epochs: _Table = field(default_factory=_Table, repr=False)
    _batches: _Table = field(default_factory=_Table, repr=False)

    def add_epoch(
        self, epoch: int, logs: Mapping[str, Any], step: int | None = None, seconds: float | None = None
    ) -> None:
        """Append one finished epoch (0-based ``epoch``; ``step``: global steps
        done; ``seconds``: wall time since the run started). Values that are
        not numbers are stored as NaN."""
        row: dict[str, Any] = {k: v for k, v in logs.items() if k not in _RESERVED}
        row["epoch"] = epoch
        row["step"] = math.nan if step is None else step
        row["time"] = math.nan if seconds is None else seconds
        self._epochs.append(row)

    def add_batch(self, step: int, logs: Mapping[str, Any], seconds: float | None = None) -> None:
        """Append one batch's logs (``step``: 0-based global step)."""
        row: dict[str, Any] = {k: v for k, v in logs.items() if k not in _RESERVED}
        row["step"] = step
        row["time"] = math.nan if seconds is None else seconds
        self._batches.append(row)

    def add_batches(self, steps: Any, logs: Mapping[str, Any], seconds: Any = None) -> None:
        """Append many batches at once (vectorised; e.g. loading a saved batch log).

        Args:
            steps: global steps, shape ``(k,)``.
            logs: ``{key: values of shape (k,)}``.
            seconds: wall times, shape ``(k,)``, or ``None``.

        Raises:
            ValueError: arrays of different lengths.
        """
        st = _as_float(steps, "steps")
        cols = {"step": st, "time": np.full(st.size, np.nan) if seconds is None else _as_float(seconds, "seconds")}
        for k, v in logs.items():
            if k not in _RESERVED:
                cols[k] = _as_float(v, k)
        for k, v in cols.items():
            if v.size != st.size:
                raise ValueError(f"add_batches: {k} has {v.size} values, steps has {st.size}")
        self._batches.extend(cols, st.size)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], name: str = "") -> "RunHistory":
        """Build from ``metrics.jsonl`` records (``{"epoch", "step", "time", <logs>}``;
        ``"seconds"`` is accepted for ``"time"``)."""
        h = cls(name=name)
        for i, rec in enumerate(records):
            h.add_epoch(int(rec.get("epoch", i)), rec, rec.get("step"), rec.get("time", rec.get("seconds")))
        return h

    @property
    def epochs_done(self) -> int:
        """Number of epoch rows."""
        return self._epochs.n

    @property
    def batches_logged(self) -> int:
        """Number of batch rows."""
        return self._batches.n

    def keys(self, source: Source = "epoch") -> list[str]:
        """Metric keys logged (sorted; without epoch/step/time), and per epoch the ones derived
        from them (``data_loss`` when ``regularization_loss`` is logged: :mod:`tuidl.core.derived`)."""
        table = self._epochs if source == "epoch" else self._batches
        keys = [k for k in table.cols if k not in _RESERVED]
        return sorted(keys + derived_keys(keys)) if source == "epoch" else sorted(keys)

    def series(self, key: str, x: XAxis = "epoch", source: Source = "epoch") -> tuple[np.ndarray, np.ndarray]:
        """``(xs, ys)`` float64 arrays of one metric.

        Args:
            key: a log key, e.g. ``"val_loss"``, or per epoch a derived one (``data_loss``);
               unknown keys give all-NaN ys.
            x: ``"epoch"`` (1-based epoch count, as Keras prints it),
               ``"step"`` (global steps) or ``"time"`` (seconds since start).
            source: ``"epoch"`` rows or ``"batch"`` rows (no epoch axis there:
               ``x="epoch"`` gives fractional epochs only if ``steps_per_epoch``
               is known, so it falls back to the step).

        Raises:
            ValueError: ``x`` or ``source`` not one of the allowed names.
        """
        if x not in X_AXES:
            raise ValueError(f"x axis {x!r} is not one of {', '.join(X_AXES)}")
        if source not in ("epoch", "batch"):
            raise ValueError(f"source {source!r} is not 'epoch' or 'batch'")
        table = self._epochs if source == "epoch" else self._batches
        if source == "epoch" and x == "epoch":
            xs = table.column("epoch") + 1.0
        elif source == "batch" and x == "epoch":
            xs = table.column("step")
        else:
            xs = table.column(x)
        if source == "epoch" and key not in table.cols:
            ys = derive(key, table.column)
            if ys is not None:
                return xs, ys
        return xs, table.column(key)

    def last(self, key: str) -> float | None:
        """The last epoch value of ``key`` (may be NaN), or ``None`` when never logged."""
        if key not in self.keys("epoch") or not self._epochs.n:
            return None
        return float(self.series(key)[1][-1])

    def best(self, key: str, mode: Literal["min", "max"] = "min") -> tuple[int, float] | None:
        """``(epoch_index, value)`` of the best finite epoch value of ``key``, or ``None``."""
        if key not in self.keys("epoch"):
            return None
        y = self.series(key)[1]
        ok = np.isfinite(y)
        if not ok.any():
            return None
        masked = np.where(ok, y, np.inf if mode == "min" else -np.inf)
        i = int(np.argmin(masked) if mode == "min" else np.argmax(masked))
        return int(self._epochs.column("epoch")[i]), float(y[i])
