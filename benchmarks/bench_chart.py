"""Chart refresh with 1,000,000 logged points: target <= 50 ms (issue 5).

A :class:`~tuidl.ui.widgets.compare_chart.CompareChart` of 100x30 cells in a
headless Textual app shows per-batch training loss: one run of 1,000,000
points, or three runs of 333,334 points. A refresh is what the chart does on
new data: slice the zoom window, split off non-finite values, smooth, log,
decimate to the plot's pixel columns (:func:`tuidl.core.history.prepare_series`),
fill the plotext figure and build it (``plt.build()``, what
``PlotextPlot.render`` calls). Median of ``--repeat``. Smoothing is
incremental and cached per run and key, so the rows show a redraw with the
cache warm, from scratch (first draw or a new weight), and after new batches
arrived (the live case).

Anchor, measured in the same run: plotext drawing the raw series without
decimation, at 100,000 points (at 1,000,000 it takes too long to wait for).

Run: ``python benchmarks/bench_chart.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import asyncio

import numpy as np
from textual.app import App, ComposeResult
from textual_plotext import PlotextPlot

from tuidl.core.history import RunHistory
from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

SIZE = (100, 30)


def history(n: int, seed: int, name: str) -> RunHistory:
    rng = np.random.default_rng(seed)
    steps = np.arange(n, dtype=np.float64)
    loss = 2.3 * np.exp(-steps / (n / 5)) + 0.05 + 0.1 * rng.random(n)
    loss[rng.choice(n, 3, replace=False)] = np.nan  # a few non-finite batches to mark
    h = RunHistory(name=name)
    h.add_batches(steps, {"loss": loss}, seconds=steps * 0.004)
    return h


class _Bench(App):
    CSS = f"CompareChart {{ width: {SIZE[0]}; height: {SIZE[1]}; }}"

    def compose(self) -> ComposeResult:
        yield CompareChart()
        yield PlotextPlot(id="raw")


async def main(repeat: int) -> list[tuple[str, int, float, int]]:
    rows = []
    app = _Bench()
    async with app.run_test(size=(SIZE[0], SIZE[1] * 2 + 2)) as pilot:
        await pilot.pause()
        chart = app.query_one(CompareChart)
        plt = chart.query_one(PlotextPlot).plt
        plt.plotsize(*SIZE)
        n_columns = (SIZE[0] - 12) * 2
        chart.source = "batch"
        chart.x_axis = "step"
        chart.show = "train"
        cases = [
            ("1 run x 1,000,000, linear", [history(1_000_000, 0, "a")], {}),
            (
                "1 run x 1,000,000, smoothing 0.9 + log y",
                [history(1_000_000, 0, "a")],
                {"smoothing": 0.9, "log_y": True},
            ),
            (
                "3 runs x 333,334, smoothing 0.6 + log y",
                [history(333_334, i, f"r{i}") for i in range(3)],
                {"smoothing": 0.6, "log_y": True},
            ),
            (
                "  same, smoothing from scratch (first draw)",
                [history(1_000_000, 0, "a")],
                {"smoothing": 0.9, "log_y": True, "cold": True},
            ),
            (
                "  same, +1,000 new batches before each",
                [history(1_000_000, 0, "a")],
                {"smoothing": 0.9, "log_y": True, "grow": True},
            ),
            ("1 run x 1,000,000, zoomed to 10 %", [history(1_000_000, 0, "a")], {"zoom": 0.1}),
        ]
        for label, hs, opts in cases:
            chart.smoothing = opts.get("smoothing", 0.0)
            chart.log_y = opts.get("log_y", False)
            chart.set_runs([ChartRun(h.name, h.name, h, i) for i, h in enumerate(hs)])
            chart.x_window = None
            if "zoom" in opts:
                chart.x_window = (400_000.0, 400_000.0 + opts["zoom"] * 1_000_000)

            def refresh() -> None:
                if opts.get("cold"):
                    chart._ema.clear()
                if opts.get("grow"):
                    h = hs[0]
                    s0 = h.batches_logged
                    steps = np.arange(s0, s0 + 1000, dtype=np.float64)
                    h.add_batches(steps, {"loss": 0.05 + 0.1 * np.random.random(1000)}, seconds=steps * 0.004)
                chart.build_plot(plt, n_columns)
                plt.build()

            refresh()  # the first draw fills the smoothing cache, as on screen

            t = median_seconds(refresh, repeat)
            rows.append((label, sum(h.batches_logged for h in hs), t, chart.last_points))

        raw = app.query_one("#raw", PlotextPlot).plt
        raw.plotsize(*SIZE)
        h = history(100_000, 0, "raw")
        xs, ys = h.series("loss", x="step", source="batch")
        ok = np.isfinite(ys)

        def raw_draw() -> None:
            raw.clear_data()
            raw.plot(xs[ok].tolist(), ys[ok].tolist(), marker="braille")
            raw.build()

        rows.append(
            ("anchor: plotext, raw 100,000, no decimation", 100_000, median_seconds(raw_draw, 1), int(ok.sum()))
        )
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rows = asyncio.run(main(a.repeat))
    print(f"CompareChart refresh, {SIZE[0]}x{SIZE[1]} cells (median of {a.repeat}); target <= 50 ms")
    print(f"{'case':<46} {'points':>10} {'plotted':>8} {'ms':>8}")
    for label, n, t, plotted in rows:
        print(f"{label:<46} {n:>10,} {plotted:>8,} {t * 1000:>8.1f}")
