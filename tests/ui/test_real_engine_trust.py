"""End to end with the real engine (issue 8): the run's ``spec.toml`` is the model edited in the builder,
and a Keras error quoting ``[T=DT_FLOAT]`` is shown as written, with the app still running.

One app (one engine process) for both, to pay TensorFlow's import once.
"""

from __future__ import annotations

import pytest
from conftest import wait_for
from fakes import read_run_json

from tuidl.core.presets import load_experiment, resolved
from tuidl.core.spec import load
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.modals import ErrorModal
from tuidl.ui.widgets.layer_list import LayerList

pytestmark = [pytest.mark.keras, pytest.mark.slow]


async def test_builder_edit_is_what_trains_and_a_bracketed_keras_error_is_shown(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    from tuidl.ui.app import TuidlApp

    runs = tmp_path / "runs"
    app = TuidlApp(load_experiment("digits-mlp").with_overrides({"fit.epochs": 1}), runs_dir=runs)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.engine_ready, timeout=120, what="engine ready (TensorFlow import)")
            # the sequence of the issue: Dense 64 -> 100, optimizer -> adamw, back to the model, train
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
            b = app.screen
            await pilot.press("down", "e")
            await wait_for(pilot, lambda: b.focused is not None and b.focused.id == "arg-units", what="units")
            await pilot.press("backspace", "backspace", "1", "0", "0", "escape")
            await wait_for(pilot, lambda: isinstance(b.focused, LayerList), what="back on the list")
            await pilot.press("c")
            await wait_for(
                pilot, lambda: b.focused is not None and b.focused.id == "optimizer-preset", what="optimizer select"
            )
            await pilot.press("enter", "down", "enter")
            await wait_for(pilot, lambda: b.exp.compile.optimizer == "adamw", what="adamw")
            await pilot.press("m")
            await wait_for(
                pilot,
                lambda: (
                    b.pending_id is None
                    and b._timer is None
                    and b.summary is not None
                    and b.summary.total_params == 64 * 100 + 100 + 100 * 32 + 32 + 330
                ),
                timeout=60,
                what="Keras's summary of the edited model",
            )
            built = b.exp
            assert built.model.layers[1].config["units"] == 100
            await pilot.press("t")
            await wait_for(pilot, lambda: app.dashboard.status.state == "completed", timeout=120, what="completed")
            run_dir = next(runs.iterdir())
            trained = load(run_dir / "spec.toml")  # presets resolved, as a run stores them
            assert trained.model == resolved(built).model
            assert trained.compile == resolved(built).compile and trained.compile.optimizer.class_name == "AdamW"
            assert read_run_json(run_dir)["status"] == "completed"
            # Dropout(noise_shape=[7, 3]) on digits: TensorFlow's message quotes SelectV2[T=DT_FLOAT]
            bad = load_experiment("digits-mlp").with_overrides({"fit.epochs": 1}).model_dump(mode="python")
            bad["model"]["layers"].insert(2, {"class_name": "Dropout", "config": {"rate": 0.5, "noise_shape": [7, 3]}})
            from tuidl.core.spec import from_dict

            app.exp = from_dict(bad)
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), timeout=120, what="error modal")
            message = str(app.screen.query_one("#error-message").render())
            assert "[T=DT_FLOAT]" in message and "[7,3]" in message
            assert "[T=DT_FLOAT]" in app.dashboard.status.text
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, ErrorModal), what="modal closed")
            assert app.is_running and app.dashboard.status.state == "failed"
    finally:
        app.shutdown_engine()
