"""The dashboard's numbers: the last epoch's logs and the best val_loss, the chart's metric key,
and ``t`` while the engine is still loading. Fake engine (no TensorFlow)."""

from __future__ import annotations

from conftest import wait_for
from fakes import RUN_ID, epoch_logs

from tuidl.core import events as ev
from tuidl.core.protocol import Stop, Train
from tuidl.ui.widgets.run_status import format_epoch_line


def status(app) -> str:
    return app.dashboard.status.text


def logs_with_a_best_in_the_middle() -> list[dict[str, float]]:
    logs = epoch_logs(3)
    logs[1]["val_loss"] = 1.1
    logs[2]["val_loss"] = 1.5
    return logs


# -- the last epoch's numbers ---------------------------------------------------------------


async def test_epoch_line_after_each_epoch_with_best_val_loss(make_app):
    app = make_app(epochs=logs_with_a_best_in_the_middle(), hold_after=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        line = app.dashboard.epoch_line
        assert not line.display  # hidden until a run starts: the idle dashboard keeps the row
        await pilot.press("t")
        await wait_for(pilot, lambda: line.epoch == 0, what="first epoch")
        assert line.display
        assert line.text == "ep 1 │ loss 2 val 2.2 gap +0.2 best 2.2 @ep 1 │ accuracy 0.5 val 0.45"
        fake = app.fakes[0]
        fake.play_epoch(1)
        await wait_for(pilot, lambda: line.epoch == 1, what="second epoch")
        assert line.text == "ep 2 │ loss 1 val 1.1 gap +0.1 best 1.1 @ep 2 │ accuracy 0.6 val 0.55"
        fake.play_epoch(2)
        await wait_for(pilot, lambda: line.epoch == 2, what="third epoch")
        # val_loss rose: the best stays at epoch 2
        assert line.text == "ep 3 │ loss 0.667 val 1.5 gap +0.833 best 1.1 @ep 2 │ accuracy 0.7 val 0.65"
        assert line.region.width == 80 and len(line.text) <= line.content_size.width
        assert "ep 3 │ loss 0.667" in app.dashboard.query_one("#epoch-line").render().plain
        # a new run starts empty
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.training, what="stopped")
        fake.emit(ev.RunStarted(RUN_ID + "x", "/nonexistent", 3, 4))
        await wait_for(pilot, lambda: line.epoch is None, what="reset")
        assert line.display and "waiting for the first epoch" in line.text


async def test_epoch_line_fits_80_columns_with_many_metrics(make_app):
    logs = [
        {
            "loss": 0.123456,
            "val_loss": 0.234567,
            "accuracy": 0.9512,
            "val_accuracy": 0.9234,
            "auc": 0.99,
            "val_auc": 0.98,
            "precision": 0.91,
            "val_precision": 0.9,
            "learning_rate": 0.001,
        }
    ]
    app = make_app(epochs=logs)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        line = app.dashboard.epoch_line
        await wait_for(pilot, lambda: line.epoch == 0, what="epoch")
        text = line.text
        assert len(text) <= 78, text
        # the gap val − train beside the loss; the best value left out so that accuracy still fits
        assert text.startswith("ep 1 │ loss 0.123 val 0.235 gap +0.111 │ accuracy 0.951 val 0.923")
        assert text.endswith("+3")  # auc, precision, lr left out, counted


async def test_epoch_line_wider_terminal_shows_everything(make_app):
    logs = [{"loss": 0.5, "accuracy": 0.8, "learning_rate": 0.01}]  # no validation: best loss
    app = make_app(epochs=logs)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        line = app.dashboard.epoch_line
        await wait_for(pilot, lambda: line.epoch == 0, what="epoch")
        assert line.text == "ep 1 │ loss 0.5 best 0.5 @ep 1 │ accuracy 0.8 │ lr 0.01"


def test_format_epoch_line_drops_from_the_end_and_counts():
    logs = {"loss": 1.0, "val_loss": 2.0, "accuracy": 0.5, "val_accuracy": 0.25, "learning_rate": 1e-3}
    full = format_epoch_line(4, logs, (2, 1.5), width=200).plain
    assert full == "ep 5 │ loss 1 val 2 gap +1 best 1.5 @ep 3 │ accuracy 0.5 val 0.25 │ lr 0.001"
    for width in range(10, len(full)):
        text = format_epoch_line(4, logs, (2, 1.5), width=width).plain
        assert len(text) <= max(width, len("ep 5 │ +3")), (width, text)
        assert text.startswith("ep 5")
    assert format_epoch_line(4, logs, (2, 1.5), width=40).plain == "ep 5 │ loss 1 val 2 gap +1 │ +2"
    assert format_epoch_line(4, logs, (2, 1.5), width=60).plain.endswith("accuracy 0.5 val 0.25 │ +1")
    assert format_epoch_line(0, {"loss": float("nan")}, None).plain == "ep 1 │ loss nan"
    # real numbers late in a digits-mlp run at 80 columns (78 inside the padding): the gap and
    # accuracy are shown; the best value makes room for them
    late = {"accuracy": 0.9986, "loss": 0.0227, "val_accuracy": 0.9833, "val_loss": 0.0537, "learning_rate": 0.001}
    assert (
        format_epoch_line(31, late, (30, 0.0536), 78).plain
        == "ep 32 │ loss 0.0227 val 0.0537 gap +0.031 │ accuracy 0.999 val 0.983 │ +1"
    )
    assert format_epoch_line(31, late, (30, 0.0536), 80).plain.endswith("val 0.983 │ lr 0.001")
    # the gap is val − train, signed; left out when either is not finite
    assert "gap -0.5 " in format_epoch_line(0, {"loss": 1.0, "val_loss": 0.5}, None, 78).plain + " "
    assert "gap" not in format_epoch_line(0, {"loss": float("nan"), "val_loss": 0.5}, None, 78).plain


# -- the chart's metric ---------------------------------------------------------------------


async def test_m_cycles_the_chart_metric(make_app):
    logs = [dict(e, learning_rate=0.001) for e in epoch_logs(3)]
    app = make_app(epochs=logs)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        footer_keys = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.id}
        assert "dashboard.metric" in footer_keys
        assert "Metric" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        assert chart.metrics() == ["loss", "accuracy", "learning_rate"]
        # batch accuracy too, when the batch logs have it
        chart.add_batch(11, {"loss": 0.6, "accuracy": 0.71})
        await pilot.press("m")
        assert chart.metric == "accuracy"
        await wait_for(pilot, lambda: chart.settled and "accuracy" in chart.title_text, what="accuracy drawn")
        assert "● accuracy" in chart.plot_text and "◆ val_accuracy" in chart.plot_text
        assert "⠒ batch accuracy" in chart.plot_text
        assert "● loss" not in chart.plot_text
        await pilot.press("l")
        await wait_for(pilot, lambda: chart.settled and "log10(accuracy)" in chart.title_text, what="log")
        await pilot.press("l", "m")
        assert chart.metric == "learning_rate"
        await wait_for(pilot, lambda: chart.settled and "learning_rate" in chart.title_text, what="lr drawn")
        assert "● learning_rate" in chart.plot_text and "val_learning_rate" not in chart.plot_text
        await pilot.press("m")
        assert chart.metric == "loss"
        await wait_for(pilot, lambda: chart.settled and "● loss" in chart.plot_text, what="loss again")
        assert chart.title_text == RUN_ID


async def test_m_before_any_epoch_says_only_loss(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("m")
        assert app.dashboard.chart.metric == "loss"
        await wait_for(
            pilot, lambda: any("only loss" in str(n.message) for n in app._notifications), what="notification"
        )


# -- t while the engine is loading ------------------------------------------------------------


async def test_t_while_loading_queues_the_run_and_says_so(make_app):
    app = make_app(ready=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fakes and app.fakes[0].started, what="engine started")
        assert status(app).startswith("engine loading")
        await pilot.press("t")
        fake = app.fakes[0]
        assert any(isinstance(r, Train) for r in fake.requests)
        assert app.training and app.current_run is None
        assert "will start when ready" in status(app)
        await wait_for(
            pilot, lambda: any("will start when ready" in str(n.message) for n in app._notifications), what="toast"
        )
        # t again: dimmed in the footer, no second run; called anyway (e.g. by a script) it says why
        assert app.check_action("train", ()) is None
        await pilot.press("t")
        assert sum(isinstance(r, Train) for r in fake.requests) == 1
        app.action_train()
        assert sum(isinstance(r, Train) for r in fake.requests) == 1
        await wait_for(pilot, lambda: any("queued" in str(n.message) for n in app._notifications), what="queued")
        # the engine becomes ready: the queued run starts and completes
        fake.make_ready()
        await wait_for(
            pilot, lambda: app.current_run is not None or status(app).startswith("completed"), what="run started"
        )
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        assert app.dashboard.chart.epochs == 3


async def test_s_cancels_a_run_queued_while_loading(make_app, tmp_path):
    app = make_app(ready=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fakes and app.fakes[0].started, what="engine started")
        await pilot.press("t")
        await pilot.press("s")
        fake = app.fakes[0]
        assert any(isinstance(r, Stop) for r in fake.requests)
        await wait_for(pilot, lambda: not app.training, what="cancelled")
        assert "queued run cancelled" in status(app)
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
        fake.make_ready()
        await wait_for(pilot, lambda: status(app).startswith("ready"), what="ready")
        assert app.dashboard.chart.epochs == 0


async def test_chart_title_fits_a_narrow_chart(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: status(app).startswith("completed"), what="completed")
        chart = app.dashboard.chart
        await pilot.press("m")
        await wait_for(pilot, lambda: chart.settled and "accuracy" in chart.title_text, what="accuracy drawn")
        assert chart.title_text == f"{RUN_ID} · accuracy"
        # too long for the 38-column chart: the metric is kept, the run id (also in the status line) left out
        assert chart.plot_text.splitlines()[0].strip() == "accuracy"


def test_fit_title():
    from tuidl.ui.widgets.loss_chart import fit_title

    assert fit_title("run-1", ["accuracy"], 40) == "run-1 · accuracy"
    assert fit_title("a-long-run-id-of-many-characters", ["log10(loss)"], 30) == "log10(loss)"
    assert fit_title("run", [], 10) == "run"
    assert fit_title("run", ["a" * 20], 10) == "a" * 9 + "…"
