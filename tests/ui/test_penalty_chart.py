"""The dashboard with a model that has a weight penalty (``regularization_loss`` in the epoch logs) or
an inference-mode re-evaluation (``train_eval_*``): the chart offers the data loss and the penalty, and
says the loss includes the penalty. Fake engine (no TensorFlow)."""

from __future__ import annotations

from conftest import wait_for
from fakes import epoch_logs, penalty_epoch_logs
from rich.text import Text
from textual.app import App
from textual_plotext import PlotextPlot

from tuidl.core.history import RunHistory
from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart
from tuidl.ui.widgets.run_status import format_epoch_line


def status(app) -> str:
    return app.dashboard.status.text


async def test_the_chart_offers_the_data_loss_and_says_the_loss_includes_the_penalty(make_app):
    app = make_app(epochs=penalty_epoch_logs(3))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        assert chart.metrics() == ["loss", "accuracy", "data_loss", "regularization_loss"]
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 3, what="drawn")
        assert "loss incl. penalty" in chart.title_text
        legend = chart.plot_text.splitlines()[-1]
        assert "incl. penalty" in legend or "train+pen" in legend, legend
        assert app.dashboard.epoch_line.text.startswith("ep 3 │ loss+pen ")
        await pilot.press("m", "m")
        assert chart.metric == "data_loss"
        await wait_for(pilot, lambda: chart.settled and "data_loss" in chart.title_text, what="data_loss drawn")
        assert chart.plot_text.splitlines()[-1].startswith("● train  ◆ val")  # short labels at 80 columns
        assert "penalty" not in chart.title_text
        # the data loss is the loss less the penalty
        _, ys = chart.history.series("data_loss")
        assert ys.tolist() == [e["loss"] for e in epoch_logs(3)]


async def test_the_inference_mode_curve_is_drawn_with_its_label(make_app):
    logs = [dict(e, train_eval_loss=e["loss"] * 0.9, train_eval_accuracy=e["accuracy"]) for e in epoch_logs(3)]
    app = make_app(epochs=logs)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        assert chart.metrics() == ["loss", "accuracy"]  # train_eval_ keys are drawn with their metric
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 3, what="drawn")
        legend = chart.plot_text.splitlines()[-1]
        assert "● train (batch stats, dropout on)" in legend and "▲ inference mode" in legend, legend
        assert "train_eval" not in app.dashboard.epoch_line.text


def test_epoch_line_names_the_penalty_short() -> None:
    logs = penalty_epoch_logs(1)[0]
    text = format_epoch_line(0, logs, None, 78).plain
    assert text.startswith("ep 1 │ loss+pen ") and "│ pen 0.25" in text, text


class ChartApp(App):
    def compose(self):
        yield CompareChart()


async def test_runs_browser_chart_offers_the_data_loss_and_names_the_penalty():
    records = [{"epoch": e, "step": e + 1, **logs} for e, logs in enumerate(penalty_epoch_logs(4))]
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(CompareChart)
        chart.set_runs([ChartRun("a", "l2", RunHistory.from_records(records), 0)])
        await pilot.pause()
        assert {"data_loss", "regularization_loss"} <= set(chart.metrics())
        plot = chart.query_one(PlotextPlot)
        assert "loss incl. penalty" in Text.from_ansi(plot.plt.build()).plain
        chart.metric = "data_loss"
        await pilot.pause()
        title = Text.from_ansi(plot.plt.build()).plain
        assert "data_loss" in title and "penalty" not in title
