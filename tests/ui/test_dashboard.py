"""Pilot tests of the dashboard with a fake engine client (no TensorFlow)."""

from __future__ import annotations

import math

import pytest
from conftest import wait_for
from fakes import RUN_ID, FakeEngineClient, epoch_logs, read_run_json
from textual.widgets import Select

from tuidl.core import events as ev
from tuidl.core.protocol import Stop, Summarize, Train
from tuidl.ui.messages import EngineEvent
from tuidl.ui.modals import ErrorModal
from tuidl.ui.widgets.loss_chart import LossChart


def status(app) -> str:
    return app.dashboard.status.text


async def test_opens_loading_then_ready_with_summary(make_app):
    app = make_app(ready=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fakes and app.fakes[0].started, what="engine started")
        assert "engine loading" in status(app)
        app.fakes[0].make_ready()
        await wait_for(pilot, lambda: status(app).startswith("ready"), what="ready")
        table = app.dashboard.query_one("#layers")
        await wait_for(pilot, lambda: table.row_count == 5, what="summary rows (input + 4 layers)")
        assert "400" in str(app.dashboard.query_one("#totals").render())
        assert "1437" in str(app.dashboard.query_one("#data-line").render())


async def test_epochs_reach_the_chart(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        chart = app.dashboard.query_one(LossChart)
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="run completed")
        assert chart.epochs == 3
        xs, ys = chart.history.series("val_loss")
        assert xs.tolist() == [1.0, 2.0, 3.0]
        assert ys.tolist() == [e["val_loss"] for e in epoch_logs(3)]
        assert chart.history.batches_logged > 0
        assert chart.draws > 0
        assert any(isinstance(r, Train) for r in app.fakes[0].requests)
        label = str(app.dashboard.query_one("#progress-label").render())
        assert "epoch 3/3" in label
        assert not app.training


async def test_stop_keeps_finished_epochs(make_app, tmp_path):
    app = make_app(hold_after=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        chart = app.dashboard.query_one(LossChart)
        await wait_for(pilot, lambda: chart.epochs == 1, what="first epoch")
        assert status(app).startswith("training")
        await pilot.press("s")
        await wait_for(pilot, lambda: status(app).startswith("stopped"), what="stopped")
        assert any(isinstance(r, Stop) for r in app.fakes[0].requests)
        assert chart.epochs == 1
        info = read_run_json(tmp_path / "runs" / RUN_ID)
        assert info["status"] == "stopped" and info["epochs_done"] == 1


async def test_failure_shows_modal_and_status(make_app):
    fail = ev.RunFailed(
        RUN_ID,
        "build",
        "Cannot build model",
        "model.layers[1]: Dense.units must be an integer >= 1",
        hint="set units to 1 or more",
    )
    app = make_app(fail=fail)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="error modal")
        modal = app.screen
        assert "Cannot build model" in str(modal.query_one("#error-title").render())
        assert "Dense.units" in str(modal.query_one("#error-message").render())
        assert "set units" in str(modal.query_one("#error-hint").render())
        assert status(app).startswith("failed: Cannot build model")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorModal), what="modal closed")
        assert not app.training


async def test_pickers_change_the_spec_and_resummarize(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        fake = app.fakes[0]
        n_before = sum(isinstance(r, Summarize) for r in fake.requests)
        # the optimizer by keyboard: focus the picker, open it, type to search, pick
        opt = app.dashboard.query_one("#pick-optimizers", Select)
        assert opt.value == "adam"
        opt.focus()
        await pilot.press("enter")
        await pilot.press("s", "g", "d")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exp.compile.optimizer == "sgd", what="optimizer sgd")
        # initializer and regularizer applied to every layer that takes them
        app.dashboard.query_one("#pick-initializers", Select).value = "he-normal"
        app.dashboard.query_one("#pick-regularizers", Select).value = "l2"
        await wait_for(
            pilot, lambda: app.exp.model.layers[1].config.get("kernel_regularizer") == "l2", what="regularizer applied"
        )
        layers = app.exp.model.layers
        assert layers[0].class_name == "Flatten" and "kernel_initializer" not in layers[0].config
        assert all(l.config["kernel_initializer"] == "he-normal" for l in layers[1:])
        assert all(l.config["kernel_regularizer"] == "l2" for l in layers[1:])
        summaries = [r for r in fake.requests if isinstance(r, Summarize)]
        assert len(summaries) >= n_before + 3
        last = summaries[-1].spec
        assert last["compile"]["optimizer"] == "sgd"
        assert last["model"]["layers"][2]["config"]["kernel_initializer"] == "he-normal"
        # training sends the changed spec
        await pilot.press("t")
        await wait_for(pilot, lambda: any(isinstance(r, Train) for r in fake.requests), what="train")
        train = next(r for r in fake.requests if isinstance(r, Train))
        assert train.spec["compile"]["optimizer"] == "sgd"
        # the run is named by how it differs from its preset (the fixture has 3 epochs)
        assert train.run_name == "digits-mlp sgd l2 he-normal epochs=3"


async def test_quit_mid_run_exits_and_marks_run_stopped(make_app, tmp_path):
    app = make_app(hold_after=1, ignore_stop=True)  # a hung engine: it has to be killed
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.dashboard.chart.epochs == 1, what="first epoch")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app._exit, what="exit")
    fake = app.fakes[0]
    assert fake.closed and any(isinstance(r, Stop) for r in fake.requests)
    info = read_run_json(tmp_path / "runs" / RUN_ID)
    assert info["status"] == "stopped"
    assert info["epochs_done"] == 1
    assert app.return_code == 0


async def test_engine_death_marks_run_failed_and_restarts(make_app, tmp_path):
    app = make_app(hold_after=2, die_after=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="engine died modal")
        assert "Engine died" in str(app.screen.query_one("#error-title").render())
        await wait_for(pilot, lambda: len(app.fakes) == 2 and app.fakes[1].started, what="fresh engine")
        info = read_run_json(tmp_path / "runs" / RUN_ID)
        assert info["status"] == "failed" and info["epochs_done"] == 1
        assert info["error"]["kind"] == "engine"
        await pilot.press("escape")
        await wait_for(pilot, lambda: status(app).startswith("ready"), what="fresh engine ready")
        assert not app.training
        assert any(isinstance(r, Summarize) for r in app.fakes[1].requests)


async def test_diverged_run_status(make_app):
    app = make_app(hold_after=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.dashboard.chart.epochs == 1, what="first epoch")
        app.fakes[0].emit(ev.RunDiverged(RUN_ID, 1, 3, "loss", "nan", 1))
        await wait_for(pilot, lambda: status(app).startswith("diverged"), what="diverged")
        assert "loss=nan" in status(app)


async def test_non_finite_points_are_removed_and_marked(make_app):
    logs = epoch_logs(3)
    logs[1]["val_loss"] = math.nan
    app = make_app(epochs=logs)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        chart.log_scale = True
        await wait_for(pilot, lambda: "log10" in chart.title_text and chart.settled, what="log redraw")
        assert "✕ nan at epoch 2" in chart.title_text  # where it happened (epoch 2, 1-based)
        assert "✕ non-finite" in chart.plot_text  # the legend entry of the marks
        assert "◆ val_loss" in chart.plot_text and "● loss" in chart.plot_text


async def test_small_terminal_shows_one_line_summary(make_app):
    app = make_app()
    async with app.run_test(size=(50, 16)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.has_class("-small"), what="small chart")
        summary = str(chart.query_one("#chart-summary").render())
        assert summary.startswith("ep 3 loss") and "val_loss" in summary


async def test_palette_lists_bindings(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Train", "Stop", "Quit", "Log scale"):
            assert title in titles
        assert titles.count("Quit") == 1
        footer_keys = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.id}
        assert {"train", "stop", "quit", "dashboard.log_scale"} <= footer_keys


def test_stale_batches_are_replaced_but_epochs_never():
    b1 = EngineEvent(ev.BatchProgress("r", 0, 0, 4, 0, {"loss": 1.0}))
    b2 = EngineEvent(ev.BatchProgress("r", 0, 1, 4, 1, {"loss": 0.9}))
    e1 = EngineEvent(ev.EpochEnded("r", 0, {"loss": 0.9}))
    assert b1.can_replace(b2)
    assert not b1.can_replace(e1)
    assert not e1.can_replace(EngineEvent(ev.EpochEnded("r", 1, {"loss": 0.8})))
    assert not b1.can_replace(EngineEvent(ev.BatchProgress("other", 0, 1, 4, 1, {})))


def test_fake_is_an_engine_client():
    from tuidl.ui.app import EngineClientLike

    fake = FakeEngineClient()
    for name in ("start", "send", "recv", "close", "alive"):
        assert hasattr(fake, name)
    assert EngineClientLike  # the protocol the App codes against


# -- small and large terminals: footer order, feedback, legend, ticks, pickers --------------

PRIMARY = ["train", "stop", "quit", "builder", "data", "runs", "dashboard.log_scale", "dashboard.metric"]


def footer_keys(app) -> list[tuple[str, object]]:
    """(binding id, FooterKey region) of the footer's keys, left to right, without the palette key."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(Footer)
    ids = {b.binding.action: b.binding.id for b in app.screen.active_bindings.values()}
    return [(ids.get(k.action), k.region) for k in footer.query(FooterKey) if not k.has_class("-command-palette")]


async def test_footer_lists_the_primary_keys_first_at_every_width(make_app):
    for size in ((40, 12), (80, 24), (120, 40)):
        shown = PRIMARY + ["help"] if size[0] >= 100 else PRIMARY  # "? Help" only where it fits whole
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.engine_ready, what="ready")
            await wait_for(pilot, lambda: len(footer_keys(app)) == len(shown), what="footer composed")
            keys = footer_keys(app)
            assert [k for k, _ in keys] == shown, size
            # t, s and ^q are on screen, left of the palette key, even at 40 columns
            assert all(region.right <= size[0] - 11 for _, region in keys[:3]), (size, keys[:3])
            # focus inside a pane does not change the order
            app.dashboard.query_one("#pick-optimizers").focus()
            await pilot.pause()
            assert [k for k, _ in footer_keys(app)][:3] == ["train", "stop", "quit"]


async def test_s_with_nothing_running_says_so(make_app):
    app = make_app(hold_after=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        assert app.check_action("stop", ()) is None  # dimmed in the footer
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: any("nothing is running" in str(n.message) for n in app._notifications),
            what="nothing is running",
        )
        assert not any(isinstance(r, Stop) for r in app.fakes[0].requests)
        # t during a run is dimmed too, and says why instead of doing nothing
        await pilot.press("t")
        await wait_for(pilot, lambda: app.dashboard.chart.epochs == 1, what="first epoch")
        await pilot.press("t")
        await wait_for(
            pilot, lambda: any("in progress" in str(n.message) for n in app._notifications), what="a run is in progress"
        )
        assert sum(isinstance(r, Train) for r in app.fakes[0].requests) == 1
        await pilot.press("s")  # enabled now: it stops the run
        await wait_for(pilot, lambda: status(app).startswith("stopped"), what="stopped")


def plot_lines(chart: LossChart) -> tuple[list[str], list[str], str]:
    """The chart's text split into (plot-area rows, x tick row, legend row)."""
    lines = chart.plot_text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top + 1 : bottom], lines[bottom + 1 : -1], lines[-1]


@pytest.mark.parametrize(("size", "step"), [((80, 24), 5), ((120, 40), 2)], ids=["80x24", "120x40"])
async def test_legend_is_under_the_plot_and_x_ticks_are_whole_epochs(make_app, size, step):
    app = make_app(epochs=epoch_logs(20), steps=4)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 20, what="drawn")
        area, ticks, legend = plot_lines(chart)
        # the legend: one line under the plot, each curve with its own marker (NO_COLOR tells them apart)
        full = "⠒ batch loss" in legend and "● loss" in legend and "◆ val_loss" in legend
        short = "⠒ batch" in legend and "● train" in legend and "◆ val" in legend  # with "◈ both" at 80x24
        assert full or short, legend
        assert not any("loss" in row for row in area)  # nothing written over the curves
        assert len(legend) <= chart.size.width
        # x ticks: whole epochs, a round step apart, up to the last epoch (the first depends on
        # which batches the UI kept: 0 when the first batch was drawn, else the first multiple)
        labels = " ".join(ticks).split()
        assert all(t.isdigit() for t in labels), labels
        assert labels[-1] == "20" and all(int(t) % step == 0 for t in labels), (size, labels)
        assert len(labels) >= 20 // step, (size, labels)


async def test_no_color_keeps_train_and_val_apart(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await wait_for(pilot, lambda: chart.settled and chart.epochs == 3, what="drawn")
        area, _, legend = plot_lines(chart)
        assert "● loss" in legend and "◆ val_loss" in legend
        plotted = "".join(area)
        # one marker per epoch and curve, drawn after the lines (no line hides one); at 80x24
        # a train and a val point 0.07 apart can share a cell, where the later ◆ wins
        assert plotted.count("●") == 3 and plotted.count("◆") == 3


async def test_pickers_fit_at_80_columns(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.pause()
        for family, value in (("optimizers", "adam"), ("initializers", "glorot-uniform"), ("regularizers", "none")):
            select = app.dashboard.query_one(f"#pick-{family}", Select)
            assert select.value == value
            assert select.region.right <= 80, (family, select.region)
            # the longest preset of the family fits next to the ▼
            longest = max(len(n) for n in app._presets[family])
            assert select.region.width >= longest + 3, (family, select.region.width, longest)


async def test_40x12_shows_the_training_pane_epoch_line_and_primary_keys(make_app):
    app = make_app(steps=4)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        d = app.dashboard
        assert d.has_class("-narrow") and d.has_class("-short")
        for hidden in ("#experiment", "#pickers", "#log"):
            assert not d.query_one(hidden).display, hidden
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = d.chart
        await wait_for(pilot, lambda: chart.has_class("-small") and chart.has_class("-spark"), what="small chart")
        summary = str(chart.query_one("#chart-summary").render())
        assert summary.startswith("ep 3 loss") and "val_loss" in summary
        spark = chart.query_one("#chart-spark")
        assert spark.region.height >= 2 and len(spark.data) > 1
        # the progress label leaves room for the bar; nothing runs past the pane
        progress = d.query_one("#progress")
        assert progress.label_text == "epoch 3/3 · batch 4/4 100%"
        bar = d.query_one("#progress-bar")
        pane = d.query_one("#training").region
        assert bar.region.width >= progress.MIN_BAR and bar.region.right <= pane.right
        # the epoch line keeps the loss and its val (the best value does not fit)
        assert d.epoch_line.text.startswith("ep 3 │ loss 0.667 val 0.733 │ +1")
        # a long run: the compact label, so the bar keeps its cells
        progress.reset(100, 1000)
        progress.batch(9, 99, 9 * 1000 + 99)
        await pilot.pause()
        assert progress.compact and progress.label_text == "ep 10/100 · b 100/1000   9%"
        await wait_for(pilot, lambda: bar.region.width >= progress.MIN_BAR, what="bar laid out")
        assert bar.region.right <= pane.right


async def test_resizing_brings_the_panes_back(make_app):
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        assert not app.dashboard.query_one("#experiment").display
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not app.dashboard.has_class("-narrow"), what="wide again")
        for shown in ("#experiment", "#pickers", "#log"):
            assert app.dashboard.query_one(shown).display, shown


def test_epoch_ticks_are_whole_and_fit():
    from tuidl.ui.widgets.loss_chart import epoch_ticks

    assert epoch_ticks(0.02, 20.0, 28) == (0, 20, [0, 5, 10, 15, 20])
    assert epoch_ticks(0.02, 20.0, 48) == (0, 20, list(range(0, 21, 2)))
    assert epoch_ticks(1.0, 3.0, 28) == (1, 3, [1, 2, 3])  # epoch points only: from the first epoch
    assert epoch_ticks(0.02, 0.6, 28) == (0, 1, [0, 1])  # first epoch still running
    assert epoch_ticks(0.0, 300.0, 28) == (0, 300, [0, 100, 200, 300])
    assert epoch_ticks(1.0, 1.0, 28) == (1, 2, [1, 2])  # one epoch: a range of one
    for hi in (1, 7, 33, 250, 1234):
        for cols in (20, 28, 48, 68, 140):
            lo, top, ticks = epoch_ticks(0.01, float(hi), cols)
            assert ticks and all(isinstance(t, int) and lo <= t <= top for t in ticks)
            cells_per_epoch = cols / (top - lo)
            gaps = [b - a for a, b in zip(ticks, ticks[1:])]
            assert all(g * cells_per_epoch >= len(str(top)) + 2 for g in gaps), (hi, cols, ticks)


def test_value_ticks_are_round():
    from tuidl.ui.widgets.loss_chart import value_ticks

    assert value_ticks(0.06, 2.42, 4) == ([0.5, 1.0, 1.5, 2.0], ["0.5", "1.0", "1.5", "2.0"])
    assert value_ticks(-1.2, 0.38, 4) == ([-1.0, -0.5, 0.0], ["-1.0", "-0.5", "0.0"])
    assert value_ticks(0.5, 0.5, 4) == ([], [])
    ticks, labels = value_ticks(0.0557, 0.0665, 3)
    assert len(ticks) >= 2 and all(0.0557 <= t <= 0.0665 for t in ticks)


def test_legend_line_fits_its_width():
    from tuidl.ui.widgets.loss_chart import legend_line

    entries = [
        ("⠒", "batch accuracy", "batch", "color(8)"),
        ("●", "accuracy", "train", "color(4)"),
        ("◆", "val_accuracy", "val", "color(3)"),
    ]
    assert legend_line(entries, 60).plain.startswith("⠒ batch accuracy  ● accuracy  ◆ val_accuracy")
    assert legend_line(entries, 60).plain.endswith("epoch")
    narrow = legend_line(entries, 38).plain  # too long in full: the short labels (the title names the metric)
    assert narrow.startswith("⠒ batch  ● train  ◆ val ") and narrow.endswith(" epoch") and len(narrow) == 38
    assert legend_line(entries, 12).cell_len <= 12
    assert legend_line([], 30).plain.startswith("no data yet")


async def test_a_model_that_does_not_build_still_lists_its_layers(make_app):
    """A Summary that stops at a failing layer: the later layers stay listed with '?', findings are capped."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        rows = (ev.LayerRow(0, "flatten", "Flatten", (64,), 0, 0),)
        findings = tuple(ev.Finding("error", f"problem {i}", "fix it", layer=1) for i in range(5))
        app.dashboard.show_summary(ev.Summary(request_id=99, input_shape=(8, 8, 1), rows=rows, findings=findings))
        await pilot.pause()
        from textual.widgets import DataTable, Static

        table = app.dashboard.query_one("#layers", DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names == ["input", "flatten", "dense", "dense_1", "dense_2"]
        assert str(table.get_row_at(2)[2]) == "?"
        totals = str(app.dashboard.query_one("#totals", Static).render())
        assert "does not build" in totals
        text = str(app.dashboard.query_one("#findings", Static).render())
        # at 80x24 one line (the layer table keeps its rows): the first finding and the count of the rest
        assert "problem 0" in text and "problem 1" not in text and "+4 more" in text
