"""Smoothing, decimation, log scale and the per-run series store."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuidl.core.history import (
    RunHistory,
    decimate_minmax,
    outlier_range,
    prepare_series,
    smooth_ema,
)


# --- smoothing: TensorBoard's debiased EMA ---------------------------------------------------


def test_smooth_ema_matches_hand_computed_values_with_debiasing():
    # w = 0.5, ys = 1, 3, 5, 7
    # last1 = 0.5*0 + 0.5*1 = 0.5   -> /(1-0.5)   = 1.0
    # last2 = 0.25 + 1.5 = 1.75     -> /(1-0.25)  = 2.333333...
    # last3 = 0.875 + 2.5 = 3.375   -> /(1-0.125) = 3.857142857...
    # last4 = 1.6875 + 3.5 = 5.1875 -> /(1-0.0625) = 5.533333...
    out = smooth_ema([1.0, 3.0, 5.0, 7.0], 0.5)
    assert out == pytest.approx([1.0, 7 / 3, 27 / 7, 83 / 15], rel=1e-12)


def test_smooth_ema_first_point_is_the_raw_value_for_any_weight():
    for w in (0.1, 0.6, 0.9, 0.99):
        assert smooth_ema([4.2, 1.0], w)[0] == pytest.approx(4.2)


def test_smooth_ema_weight_09_second_point():
    # last1 = 0.1*10 = 1 -> 1/0.1 = 10; last2 = 0.9 + 0.1*20 = 2.9 -> 2.9/0.19
    out = smooth_ema([10.0, 20.0], 0.9)
    assert out[1] == pytest.approx(2.9 / 0.19)


def test_smooth_ema_nonfinite_pass_through_and_do_not_poison():
    ys = [1.0, math.nan, 3.0, math.inf, 5.0, 7.0]
    out = smooth_ema(ys, 0.5)
    assert math.isnan(out[1]) and out[3] == math.inf
    # the finite points are smoothed as if the non-finite ones were not there
    assert out[[0, 2, 4, 5]] == pytest.approx(smooth_ema([1.0, 3.0, 5.0, 7.0], 0.5))


def test_smooth_ema_constant_and_zero_weight_unchanged():
    assert np.array_equal(smooth_ema([0.3] * 5, 0.9), np.full(5, 0.3))
    ys = np.array([3.0, 1.0, 2.0])
    assert np.array_equal(smooth_ema(ys, 0.0), ys)


def test_smooth_ema_rejects_bad_weight():
    with pytest.raises(ValueError, match="outside"):
        smooth_ema([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="outside"):
        smooth_ema([1.0, 2.0], -0.1)


def test_smooth_ema_matches_reference_loop_long_series():
    rng = np.random.default_rng(0)
    ys = rng.normal(size=500)
    ys[[10, 200]] = np.nan
    w = 0.93
    ref, last, n = [], 0.0, 0
    for y in ys:
        if not math.isfinite(y):
            ref.append(y)
            continue
        last = last * w + (1 - w) * y
        n += 1
        ref.append(last / (1 - w**n))
    np.testing.assert_allclose(smooth_ema(ys, w), ref, rtol=1e-9, equal_nan=True)


# --- decimation -----------------------------------------------------------------------------


def _column_extremes(xs, ys, n_columns, x0, x1):
    cols = np.clip(((xs - x0) * (n_columns / (x1 - x0))).astype(int), 0, n_columns - 1)
    out = {}
    for c in np.unique(cols):
        m = cols == c
        out[int(c)] = (ys[m].min(), ys[m].max())
    return out


def test_decimate_keeps_every_column_minimum_and_maximum():
    rng = np.random.default_rng(1)
    n, width = 100_000, 120
    xs = np.arange(n, dtype=float)
    ys = np.sin(xs / 3000) + rng.normal(scale=0.3, size=n)
    # 30 spikes in 30 different pixel columns, each the extreme of its column
    cols = rng.choice(width, 30, replace=False)
    spikes = cols * (n // width) + rng.integers(1, n // width - 1, 30)
    ys[spikes] += rng.choice([-50.0, 50.0], 30)
    dx, dy = decimate_minmax(xs, ys, width)
    assert dx.size <= 4 * width
    assert np.all(np.diff(dx) > 0)
    # every spike (a local extreme much larger than its neighbourhood) survives, at its x
    for i in spikes:
        assert xs[i] in set(dx.tolist()), f"spike at {i} lost"
    # the per-column envelope is identical
    assert _column_extremes(dx, dy, width, xs[0], xs[-1]) == _column_extremes(xs, ys, width, xs[0], xs[-1])
    # first and last points kept
    assert dx[0] == xs[0] and dx[-1] == xs[-1]


def test_decimate_every_local_extreme_of_a_slow_signal_survives():
    # a sine with 5 periods over 50k points: its 10 local extremes survive at 100 columns
    xs = np.linspace(0, 10 * np.pi, 50_000)
    ys = np.sin(xs)
    dx, dy = decimate_minmax(xs, ys, 100)
    peaks = np.flatnonzero((ys[1:-1] > ys[:-2]) & (ys[1:-1] >= ys[2:])) + 1
    troughs = np.flatnonzero((ys[1:-1] < ys[:-2]) & (ys[1:-1] <= ys[2:])) + 1
    kept = set(dx.tolist())
    assert len(peaks) == 5 and len(troughs) == 5
    for i in np.r_[peaks, troughs]:
        assert xs[i] in kept


def test_decimate_small_input_unchanged_and_unsorted_input_sorted():
    xs, ys = np.arange(10.0), np.arange(10.0) ** 2
    dx, dy = decimate_minmax(xs, ys, 80)
    assert np.array_equal(dx, xs) and np.array_equal(dy, ys)
    rng = np.random.default_rng(2)
    perm = rng.permutation(10_000)
    x = np.arange(10_000.0)[perm]
    y = np.sin(x / 100)
    dx, dy = decimate_minmax(x, y, 50)
    assert np.all(np.diff(dx) >= 0) and np.allclose(dy, np.sin(dx / 100))


def test_decimate_rejects_bad_input():
    with pytest.raises(ValueError, match="differ"):
        decimate_minmax([1, 2], [1], 10)
    with pytest.raises(ValueError, match="n_columns"):
        decimate_minmax([1, 2], [1, 2], 0)


def test_decimate_constant_x():
    dx, dy = decimate_minmax(np.zeros(1000), np.arange(1000.0), 10)
    assert dy.min() == 0 and dy.max() == 999 and dx.size <= 4


# --- prepare_series ---------------------------------------------------------------------------


def test_prepare_series_marks_nonfinite_where_they_appeared():
    xs = np.arange(1.0, 7.0)
    ys = [1.0, 0.5, math.nan, 0.25, math.inf, 0.1]
    p = prepare_series(xs, ys)
    assert p.nonfinite_xs.tolist() == [3.0, 5.0]
    assert math.isnan(p.nonfinite_ys[0]) and p.nonfinite_ys[1] == math.inf  # which they were: "nan at", "inf at"
    assert p.xs.tolist() == [1.0, 2.0, 4.0, 6.0]
    assert p.n_raw == 6 and p.last == pytest.approx(0.1)


def test_prepare_series_log_counts_nonpositive_and_never_crashes():
    xs = np.arange(6.0)
    ys = [10.0, 0.0, -3.0, 100.0, math.nan, 1.0]
    p = prepare_series(xs, ys, log_y=True)
    assert p.nonpositive_count == 2
    assert p.ys.tolist() == pytest.approx([1.0, 2.0, 0.0])
    assert p.nonfinite_xs.tolist() == [4.0]
    # all non-positive: empty, counted
    p = prepare_series([0, 1], [0.0, -1.0], log_y=True)
    assert p.xs.size == 0 and p.nonpositive_count == 2
    # empty input
    p = prepare_series([], [], log_y=True, smoothing=0.9, n_columns=10)
    assert p.xs.size == 0 and p.last is None


def test_prepare_series_smooths_before_log_and_decimates():
    xs = np.arange(100_000, dtype=float)
    ys = np.exp(-xs / 20_000) + 0.01
    p = prepare_series(xs, ys, log_y=True, smoothing=0.6, n_columns=100)
    assert p.xs.size <= 400
    full = np.log10(smooth_ema(ys, 0.6))
    assert p.ys.max() == pytest.approx(full.max()) and p.ys.min() == pytest.approx(full.min())


def test_prepare_series_fixed_range():
    p = prepare_series([0, 1, 2, 3], [0.0, 5.0, 50.0, 1.0], y_range=(0.0, 10.0))
    assert p.ys.tolist() == [0.0, 5.0, 1.0]


def test_outlier_range():
    ys = np.r_[np.linspace(0, 1, 1000), [1e6]]
    lo, hi = outlier_range(ys)
    assert lo < 0.06 and 0.9 < hi < 1.2
    assert outlier_range([math.nan]) is None
    lo, hi = outlier_range([2.0, 2.0])
    assert lo < 2.0 < hi


# --- RunHistory -------------------------------------------------------------------------------


def test_run_history_series_and_missing_keys():
    h = RunHistory(name="a")
    h.add_epoch(0, {"loss": 1.0}, step=10, seconds=1.5)
    h.add_epoch(1, {"loss": 0.5, "val_loss": 0.7}, step=20, seconds=3.0)
    xs, ys = h.series("val_loss")
    assert xs.tolist() == [1.0, 2.0]
    assert math.isnan(ys[0]) and ys[1] == 0.7
    assert h.series("loss", x="step")[0].tolist() == [10.0, 20.0]
    assert h.series("loss", x="time")[0].tolist() == [1.5, 3.0]
    assert h.keys() == ["loss", "val_loss"]
    assert h.best("loss") == (1, 0.5)
    assert h.best("nope") is None and h.last("loss") == 0.5
    with pytest.raises(ValueError, match="x axis"):
        h.series("loss", x="wall")


def test_run_history_batches_grow_amortised():
    h = RunHistory()
    for s in range(10_000):
        h.add_batch(s, {"loss": 1.0 / (s + 1)}, seconds=s * 0.01)
    xs, ys = h.series("loss", x="step", source="batch")
    assert xs.size == 10_000 and ys[-1] == pytest.approx(1e-4)
    # capacity doubles: far fewer than 10,000 reallocations
    assert h._batches.cols["loss"].data.size < 20_000
    assert h.batches_logged == 10_000


def test_run_history_from_records_with_strings():
    recs = [
        {"epoch": 0, "loss": 1.0, "step": 5, "time": 0.5},
        {"epoch": 1, "loss": float("nan"), "step": 10, "time": 1.0, "note": "x"},
    ]
    h = RunHistory.from_records(recs, name="r")
    assert h.epochs_done == 2
    xs, ys = h.series("loss", x="step")
    assert xs.tolist() == [5.0, 10.0] and math.isnan(ys[1])


def test_incremental_ema_equals_full_smoothing_as_the_series_grows():
    from tuidl.core.history import IncrementalEMA

    rng = np.random.default_rng(3)
    ys = rng.normal(size=3000) + 5
    ys[[7, 1500, 2999]] = [np.nan, np.inf, np.nan]
    inc = IncrementalEMA(0.95)
    for n in (1, 2, 10, 11, 700, 2999, 3000):
        np.testing.assert_allclose(inc.update(ys[:n]), smooth_ema(ys[:n], 0.95), rtol=1e-10, equal_nan=True)
    # a shorter series (a restarted file) starts over
    np.testing.assert_allclose(inc.update(ys[:5]), smooth_ema(ys[:5], 0.95), equal_nan=True)


def test_y_range_of_each_mode():
    from tuidl.core.history import y_range

    ys = np.array([1.0, 2.0, 3.0, 100.0])
    assert y_range(ys, "auto") == (1.0, 100.0)
    assert y_range(ys, "fixed", (0.5, 4.0)) == (0.5, 4.0)
    assert y_range(np.log10(ys), "fixed", (0.0, 1000.0), log_y=True) == (0.0, 3.0)  # 0 has no log: own min
    lo, hi = y_range(np.array([2.0, 2.0]), "auto")
    assert lo < 2.0 < hi  # a flat series gets a range around it
    lo, hi = y_range(ys, "outliers")
    assert hi < 100.0  # the spike is left out of the scale
    assert y_range(np.array([]), "auto") is None
