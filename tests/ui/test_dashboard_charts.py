"""The dashboard at 80x24 with what real runs produce: long Keras layer names, train and validation
curves on top of each other, losses that reach 1e34, NaN and a run that diverges mid-epoch; and
the runs browser's chart ticked as the dashboard's. Fake engine (no TensorFlow)."""

from __future__ import annotations

import dataclasses
import math

from conftest import wait_for
from fakes import RUN_ID, FakeEngineClient
from rich.text import Text
from textual.app import App
from textual.geometry import Region
from textual.widgets import DataTable

from tuidl.core import events as ev
from tuidl.core.history import RunHistory
from tuidl.core.presets import load_experiment
from tuidl.core.ticks import MAX_LABEL
from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart
from tuidl.ui.widgets.experiment import column_widths, shorten
from tuidl.ui.widgets.loss_chart import LossChart


def status(app) -> str:
    return app.dashboard.status.text


def plot_parts(text: str) -> tuple[list[str], list[str]]:
    """A plotext chart's text split into (plot-area rows, rows under the frame)."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top + 1 : bottom], lines[bottom + 1 :]


def y_labels(area: list[str]) -> list[str]:
    """The y tick labels: what stands left of the frame on the rows that have a tick (``┤``)."""
    return [row.split("┤")[0].strip() for row in area if "┤" in row]


def area_width(area: list[str]) -> int:
    """Cells between the left and right edge of the plot area."""
    row = area[0]
    left = min(i for i in (row.find("┤"), row.find("│")) if i >= 0)
    return row.rfind("│") - left - 1


# -- huge and non-finite values ---------------------------------------------------------------


def blowup_logs() -> list[dict[str, float]]:
    logs = [{"loss": 2.0 / (i + 1), "val_loss": 2.3 / (i + 1)} for i in range(8)]
    logs[5]["loss"] = 1e34  # epoch 6
    logs[6]["loss"] = math.nan  # epoch 7
    logs[6]["val_loss"] = math.inf
    return logs


async def test_huge_values_get_scientific_ticks_and_nan_is_marked_where_it_happened(make_app):
    app = make_app(epochs=blowup_logs(), steps=4)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 8, what="drawn")
        area, _ = plot_parts(chart.plot_text)
        labels = y_labels(area)
        assert labels and all(len(label) <= MAX_LABEL for label in labels), labels  # not 35 digits
        assert "1e34" in labels, labels
        assert area_width(area) >= 28, area  # the plot keeps its width (it was 2 columns)
        assert "✕ nan at epoch 7" in chart.title_text  # 1-based, as the status and epoch lines
        assert "✕" in "".join(area)  # the mark on the plot, at epoch 7
        assert "✕ nan" in chart.plot_text.splitlines()[-1]  # the legend
        # the numbers go on: the progress reached the last epoch, the epoch line shows it
        assert app.dashboard.query_one("#progress-label").render().plain.startswith("epoch 8/")
        assert app.dashboard.epoch_line.text.startswith("ep 8 │ loss 0.25 val 0.287 gap +0.0375")


async def test_a_run_that_diverges_mid_epoch_moves_the_progress_and_is_marked(make_app):
    app = make_app(epochs=blowup_logs()[:3], steps=4, hold_after=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.epochs == 2, what="two epochs")
        # the engine stops at the first non-finite batch (batch 2 of epoch 3) and never sends it
        app.fakes[0].emit(ev.RunDiverged(RUN_ID, 2, 1, "loss", "nan", 2))
        await wait_for(pilot, lambda: status(app).startswith("diverged"), what="diverged")
        assert "at epoch 3 batch 2" in status(app)
        label = app.dashboard.query_one("#progress-label").render().plain
        assert label.startswith("epoch 3/3 · batch 2/4"), label  # where it diverged, as the status says
        await wait_for(pilot, lambda: chart.settled and "✕" in chart.title_text, what="the mark drawn")
        assert "✕ nan at epoch 3" in chart.title_text
        area, _ = plot_parts(chart.plot_text)
        assert "✕" in "".join(area)


# -- train and validation on top of each other --------------------------------------------------


async def test_train_points_stay_visible_under_validation_points(make_app):
    logs = [{"loss": 2.0 / (i + 1), "val_loss": 2.0 / (i + 1) + 1e-4} for i in range(5)]
    app = make_app(epochs=logs, steps=4)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 5, what="drawn")
        area, _ = plot_parts(chart.plot_text)
        plotted = "".join(area)
        # every epoch shows its train value: as ● or, where ◆ would cover it, as ◈ (both)
        assert plotted.count("●") + plotted.count("◈") >= 5, area
        assert plotted.count("◆") + plotted.count("◈") >= 5, area
        assert "◈" in chart.plot_text.splitlines()[-1]  # the legend says what ◈ is
        assert app.dashboard.epoch_line.text.startswith("ep 5 │ loss 0.4 val 0.4 gap +0.0001")


# -- the layer table ----------------------------------------------------------------------------

LONG = [
    ("dense", "Dense", (64,), 4160),
    ("batch_normalization", "BatchNormalization", (64,), 256),
    ("leaky_re_lu", "LeakyReLU", (64,), 0),
    ("dense_1", "Dense", (32,), 2080),
    ("batch_normalization_1", "BatchNormalization", (32,), 128),
    ("leaky_re_lu_1", "LeakyReLU", (32,), 0),
    ("dense_2", "Dense", (10,), 330),
]


class LongNames(FakeEngineClient):
    """Summaries with Keras's own layer names and a finding."""

    def summary(self, request_id, spec):
        s = super().summary(request_id, spec)
        rows = tuple(
            ev.LayerRow(i, name, cls, shape, params, params) for i, (name, cls, shape, params) in enumerate(LONG)
        )
        finding = ev.Finding(
            "warning",
            "layer 2 batch_normalization (BatchNormalization) follows a Dense layer with a bias",
            "set use_bias = false on layer 1 dense",
        )
        total = sum(r[3] for r in LONG)
        return dataclasses.replace(s, rows=rows, total_params=total, trainable_params=total, findings=(finding,))


def seven_layers():
    exp = load_experiment("digits-mlp")
    d = exp.model_dump()
    d["model"]["layers"] = [
        {"class_name": cls, "config": {"units": shape[0]} if cls == "Dense" else {}} for _, cls, shape, _ in LONG
    ]
    return type(exp).model_validate(d)


def rendered(widget) -> list[str]:
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return ["".join(seg.text for seg in strip) for strip in strips]


async def test_layer_table_at_80x24_keeps_shapes_and_params_of_7_long_named_layers(tmp_path):
    from tuidl.ui.app import TuidlApp

    app = TuidlApp(seven_layers(), runs_dir=tmp_path / "runs", client_factory=lambda: LongNames())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        table = app.dashboard.query_one("#layers", DataTable)
        await wait_for(pilot, lambda: table.row_count == 8, what="input + 7 layers")
        await pilot.pause()
        lines = rendered(table)
        assert len(lines) >= 9, lines  # header, input, 7 layers: the finding did not take their rows
        for i, (name, _, shape, params) in enumerate(LONG):
            row = lines[2 + i]  # under the header and the input row, in order
            assert f"({shape[0]},)" in row and f" {params:,}" in row, (name, row)
        shown_names = [row.split()[0] for row in lines[2:9]]
        assert len(set(shown_names)) == 7, shown_names  # batch_normalization and _1 stay apart
        findings = app.dashboard.query_one("#findings").render().plain
        assert "follows a Dense layer" in findings and "\n" not in findings


def test_shorten_keeps_the_layer_number():
    assert shorten("dense_1", 10) == "dense_1"
    assert shorten("batch_normalization_1", 12) == "batch_norm_1"
    assert shorten("batch_normalization_1", 9) == "batch_…_1"
    assert shorten("BatchNormalization", 9) == "BatchNorm"
    assert shorten("GlobalAveragePooling2D", 15) == "GlobalAvgPool2D"
    assert shorten("leaky_re_lu", 8) == "leaky_r…"
    assert all(len(shorten("batch_normalization_12", w)) <= w for w in range(1, 30))


def test_column_widths_keep_the_numbers_whole():
    rows = [("input", "", "(8, 8, 1)", "")] + [(n, c, f"({s[0]},)", f"{p:,}") for n, c, s, p in LONG]
    for width in (20, 32, 40, 60, 120):
        name, cls, out, params = column_widths(rows, width)
        assert out == len("(8, 8, 1)") and params == len("params")  # the numbers are never cut
        assert name >= len("name") and cls >= 1
        assert name + cls + out + params <= max(width, len("namecl") + out + params)


# -- the runs browser's chart --------------------------------------------------------------------


class ChartApp(App):
    def compose(self):
        yield CompareChart()


async def test_runs_browser_chart_has_round_ticks_scientific_labels_and_marks_nan():
    records = [{"epoch": e, "loss": 2.0 / (e + 1), "val_loss": 2.2 / (e + 1)} for e in range(20)]
    records[12]["loss"] = 1e34
    records[15]["val_loss"] = math.nan
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(CompareChart)
        chart.set_runs([ChartRun("a", "blowup", RunHistory.from_records(records), 0)])
        await pilot.pause()
        from textual_plotext import PlotextPlot

        plot = chart.query_one(PlotextPlot)
        area, under = plot_parts(Text.from_ansi(plot.plt.build()).plain)
        xticks = under[0].split()
        assert xticks and all(t.isdigit() for t in xticks), xticks  # whole epochs, not 5.8 10.5
        assert xticks[-1] == "20" and len({int(b) - int(a) for a, b in zip(xticks, xticks[1:])}) == 1, xticks
        labels = y_labels(area)
        assert "1e34" in labels and all(len(s) <= MAX_LABEL for s in labels), labels
        assert "✕ nan at epoch 16" in chart.last_notes
        assert "✕" in "".join(area)


def test_chart_classes_use_the_core_ticks():
    """One tick function for both charts."""
    import tuidl.ui.widgets.compare_chart as compare
    import tuidl.ui.widgets.loss_chart as loss
    from tuidl.core import ticks

    assert loss.value_ticks is ticks.nice_ticks and compare.nice_ticks is ticks.nice_ticks
    assert loss.epoch_ticks is ticks.epoch_ticks and compare.epoch_ticks is ticks.epoch_ticks
    assert LossChart.BOTH_MARKER == "◈"


async def test_runs_browser_marks_where_a_run_diverged(tmp_path):
    """The engine stops at the first non-finite batch, so that epoch never reaches metrics.jsonl:
    the runs browser marks it from run.json's error (epoch 3, batch 5, 0-based 2 and 4)."""
    from runfolders import write_finished_run

    from tuidl.core.spec import Experiment
    from tuidl.ui.screens.runs import RunsScreen

    root = tmp_path / "runs"
    root.mkdir()
    records = [{"epoch": e, "loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1)} for e in range(2)]
    error = {"kind": "diverged", "title": "Training diverged", "message": "loss became nan in epoch 3, batch 5"}
    write_finished_run(
        root,
        Experiment(name="digits-mlp").to_toml(),
        records,
        run_id="20240103-000000-sgd-0003",
        status="diverged",
        info={"name": "sgd", "steps_per_epoch": 10},
        error={**error, "epoch": 2, "batch": 4, "metric": "loss", "value": "nan"},
    )

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(RunsScreen(root, export_dir=tmp_path, poll_interval=0.05))

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.table.row_count == 1)
        await pilot.press("space")
        chart = app.screen.query_one(CompareChart)
        await wait_for(pilot, lambda: bool(chart.runs) and chart.last_notes, what="the chart drawn")
        assert "✕ nan at epoch 3" in chart.last_notes, chart.last_notes
        assert chart.runs[0].divergence_x("epoch") == 2.5 and chart.runs[0].divergence_x("step") == 24.0


# -- the title over wide y tick labels ----------------------------------------------------------


class LossChartApp(App):
    CSS = "LossChart { width: 40; height: 16; }"

    def compose(self):
        yield LossChart()


async def test_a_long_run_id_title_shows_over_wide_y_tick_labels():
    """plotext centres the title on the plot area, right of the y tick labels, and leaves it out
    when it does not fit there: a run id cut to the chart's width vanished over labels such as
    ``2.302`` (a loss that barely moves, as with zeros initializers)."""
    run_id = "20261202-035744-digits-mlp-l2-zeros-units-512-6-607e"
    app = LossChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(LossChart)
        chart.reset(run_id, 5)
        for e in range(30):
            chart.add_epoch(e, {"loss": 2.3025 - 0.00015 * e, "val_loss": 2.3024 - 0.00015 * e})
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 30, what="drawn")
        area, _ = plot_parts(chart.plot_text)
        assert max(len(label) for label in y_labels(area)) >= 5, y_labels(area)
        title = chart.plot_text.splitlines()[0].strip()
        assert title.startswith("20261202-035744-digits-mlp") and title.endswith("…"), chart.plot_text
