"""Plot library measurement: textual-plotext vs textual-plot on tuidl's use.

Our use: one live line of batch loss (many points) plus two short epoch series,
redrawn as points arrive, log scale applied by us. For N = 1k, 10k, 100k points
this times one full redraw of a 100x30 plot widget inside a running (headless)
Textual app:

* ``raw``: the whole series handed to the library;
* ``decimated``: tuidl's :func:`prepare_series` first (non-finite removal,
  log10, min-max decimation to ~2 points per column), timing included.

Redraw = what the library does to produce the picture: plotext's ``build()``
(what ``PlotextPlot.render`` calls) and textual-plot's ``_render_plot()`` (what
``PlotWidget.render`` calls to fill its canvas). Median of ``--repeat`` runs.

Run: ``python benchmarks/bench_plot.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import asyncio

import numpy as np
from textual.app import App, ComposeResult
from textual_plot import HiResMode, PlotWidget
from textual_plotext import PlotextPlot

from tuidl.core.history import prepare_series
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

SIZE = (100, 30)


def _series(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 20, n)
    y = 2.3 * np.exp(-x / 4) + 0.05 + 0.05 * rng.random(n)
    return x, y


class _Bench(App):
    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="plotext")
        yield PlotWidget(id="tplot")

    CSS = f"#plotext, #tplot {{ width: {SIZE[0]}; height: {SIZE[1]}; }}"


async def main(repeat: int) -> list[tuple[str, int, str, float]]:
    rows = []
    app = _Bench()
    async with app.run_test(size=(SIZE[0], SIZE[1] * 2 + 2)) as pilot:
        await pilot.pause()
        pe = app.query_one(PlotextPlot)
        tp = app.query_one(PlotWidget)
        pe.plt.plotsize(*SIZE)
        for n in (1_000, 10_000, 100_000):
            x, y = _series(n)

            def plotext_draw(xs, ys):
                pe.plt.clear_data()
                pe.plt.plot(xs.tolist(), ys.tolist(), marker="braille")
                pe.plt.build()

            def tplot_draw(xs, ys):
                tp.clear()
                tp.plot(xs, ys, hires_mode=HiResMode.BRAILLE)
                tp._render_plot()

            for lib, draw in (("textual-plotext", plotext_draw), ("textual-plot", tplot_draw)):
                r = 1 if n >= 100_000 else repeat
                rows.append((lib, n, "raw", median_seconds(lambda: draw(x, np.log10(y)), r)))

                def dec():
                    p = prepare_series(x, y, log_y=True, n_columns=SIZE[0] - 10)
                    draw(p.xs, p.ys)

                rows.append((lib, n, "decimated", median_seconds(dec, repeat)))
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rows = asyncio.run(main(a.repeat))
    print(f"{'library':<16} {'points':>8} {'input':<10} {'redraw ms':>10}")
    for lib, n, kind, t in rows:
        print(f"{lib:<16} {n:>8} {kind:<10} {t * 1000:>10.1f}")
