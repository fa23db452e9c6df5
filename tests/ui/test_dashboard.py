"""Pilot tests of the dashboard with a fake engine client (no TensorFlow)."""

from __future__ import annotations

import math
import time

from conftest import wait_for
from fakes import RUN_ID, FakeEngineClient, epoch_logs, read_run_json
from textual.widgets import Select

from tuidl.core import events as ev
from tuidl.core.protocol import Stop, Summarize, Train
from tuidl.ui.messages import EngineEvent
from tuidl.ui.screens.error_modal import ErrorModal
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
    fail = ev.RunFailed(RUN_ID, "build", "Cannot build model",
                        "model.layers[1]: Dense.units must be an integer >= 1", hint="set units to 1 or more")
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
        await wait_for(pilot, lambda: app.exp.model.layers[1].config.get("kernel_regularizer") == "l2",
                       what="regularizer applied")
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


async def test_quit_mid_run_exits_and_marks_run_stopped(make_app, tmp_path):
    app = make_app(hold_after=1, ignore_stop=True)  # a hung engine: it has to be killed
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.dashboard.chart.epochs == 1, what="first epoch")
        t0 = time.monotonic()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app._exit, what="exit")
    assert time.monotonic() - t0 < 3.0
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
        assert "1 non-finite removed" in chart.title_text
        assert "x non-finite" in chart.plot_text  # the legend entry of the marks
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
        for title in ("Train", "Stop", "Quit", "Log y"):
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
