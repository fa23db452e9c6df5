"""Axis ticks shared by the dashboard's and the runs browser's charts (tuidl.core.ticks)."""

from __future__ import annotations

import math

import pytest

from tuidl.core.ticks import MAX_LABEL, epoch_ticks, log_ticks, nice_ticks, nonfinite_note, tick_labels


def test_round_numbers():
    assert nice_ticks(0.06, 2.42, 4) == ([0.5, 1.0, 1.5, 2.0], ["0.5", "1.0", "1.5", "2.0"])
    assert nice_ticks(1.0, 20.0, 5) == ([5.0, 10.0, 15.0, 20.0], ["5", "10", "15", "20"])
    assert nice_ticks(-1.2, 0.38, 4) == ([-1.0, -0.5, 0.0], ["-1.0", "-0.5", "0.0"])
    assert nice_ticks(0.5, 0.5, 4) == ([], [])
    assert nice_ticks(math.nan, 1.0, 4) == ([], [])
    ticks, labels = nice_ticks(0.0557, 0.0665, 3)
    assert len(ticks) >= 2 and all(0.0557 <= t <= 0.0665 for t in ticks)


def test_1e34_gets_scientific_labels():
    ticks, labels = nice_ticks(0.5, 1e34, 6)
    assert labels == ["2e33", "4e33", "6e33", "8e33", "1e34"]
    assert ticks[-1] == pytest.approx(1e34)
    assert nice_ticks(1e-7, 3e-6, 5)[1] == ["1e-6", "2e-6", "3e-6"]
    assert nice_ticks(-5e20, 5e20, 5)[1] == ["-4e20", "-2e20", "0", "2e20", "4e20"]
    # plain while plain is not longer: 0.999999 says more than 1e0 in as many cells
    assert nice_ticks(0.999999, 1.000001, 4)[1] == ["0.999999", "1.000000", "1.000001"]
    assert tick_labels([]) == []


@pytest.mark.parametrize("k", range(-12, 41))
def test_label_widths_are_bounded(k):
    u = 10.0**k
    for lo, hi in [(0, 3.7 * u), (u, 9 * u), (-u, u), (0.2 * u, 0.9 * u), (0.06, max(u, 1.0))]:
        for count in (3, 5, 8):
            ticks, labels = nice_ticks(lo, hi, count)
            assert 2 <= len(ticks) <= max(count, 2), (lo, hi, count, ticks)
            assert all(lo <= t <= hi for t in ticks)
            assert max(len(s) for s in labels) <= MAX_LABEL, (lo, hi, labels)
            assert len(set(labels)) == len(labels), labels


def test_log_ticks_are_powers_of_ten_in_data_units():
    assert log_ticks(-2.3, 1.2, 5) == ([-2.0, -1.0, 0.0, 1.0], ["0.01", "0.1", "1", "10"])
    ticks, labels = log_ticks(-0.3, 34.0, 6)
    assert labels == ["1", "1e10", "1e20", "1e30"] and ticks == [0.0, 10.0, 20.0, 30.0]
    ticks, labels = log_ticks(math.log10(0.2), math.log10(0.9), 4)  # within a decade: round values
    assert labels == ["0.4", "0.6", "0.8"] and ticks[0] == pytest.approx(math.log10(0.4))
    assert len(log_ticks(-7.5, -1.0, 3)[0]) == 2
    assert log_ticks(1.0, 1.0, 4) == ([], [])


def test_epoch_ticks_are_whole_and_fit():
    assert epoch_ticks(0.02, 20.0, 28) == (0, 20, [0, 5, 10, 15, 20])
    assert epoch_ticks(1.0, 20.0, 60) == (1, 20, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])


def test_nonfinite_note_says_what_and_where():
    assert nonfinite_note([]) == ""
    assert nonfinite_note([(7.0, math.nan)]) == "✕ nan at epoch 7"
    # a batch of epoch 7 (x in (6, 7]) and the end of epoch 7 are one place; epoch 9 another
    assert nonfinite_note([(9.0, math.inf), (6.25, math.nan), (7.0, math.nan)]) == "✕ nan at epoch 7 +1 more"
    assert nonfinite_note([(120.0, -math.inf)], "step") == "✕ -inf at step 120"
    assert nonfinite_note([(12.5, math.nan)], "time") == "✕ nan at 12.5 s"
