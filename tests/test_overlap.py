"""Shared chart cells: markers of different runs that would land in one cell."""

from tuidl.core.overlap import plot_row, shared_cells


def test_plot_row_matches_plotexts_mapping():
    assert plot_row(0.0, 0.0, 1.0, 10) == 0 and plot_row(1.0, 0.0, 1.0, 10) == 9
    assert plot_row(0.5, 0.0, 1.0, 10) == 5 and plot_row(3.0, 3.0, 3.0, 10) == 0


def test_shared_cells_are_cells_of_two_owners():
    marks = [
        ("he", [1.0, 2.0, 3.0], [2.30, 2.29, 1.2]),
        ("he", [1.0], [2.30]),  # the same run's training curve: not shared with itself
        ("zeros", [1.0, 2.0, 3.0], [2.30, 2.30, 2.30]),
        ("other", [4.0], [9.0]),  # outside the y range
    ]
    shared = shared_cells(marks, (0.0, 2.31), 9)
    assert shared == {(1.0, 8): 2.30, (2.0, 8): 2.29}
    assert shared_cells(marks[:2], (0.0, 2.31), 9) == {}
