"""The builder paints tuidl's Keras-free estimate at once after an edit; the engine's numbers replace it."""

from __future__ import annotations

from typing import Any

from test_builder import Host, digits_source, set_field, wait_for

from tuidl.core.events import Summary
from tuidl.core.presets import load_experiment
from tuidl.core.spec import Experiment
from tuidl.ui.widgets.layer_list import LayerList


class SlowEngine:
    """Answers the first request at once (the data's shape becomes known), then holds the rest."""

    def __init__(self) -> None:
        self.held: list[tuple[Experiment, int]] = []
        self._answer = digits_source()

    def __call__(self, exp: Experiment, request_id: int) -> Summary | None:
        if request_id == 1:
            return self._answer(exp, request_id)
        self.held.append((exp, request_id))
        return None

    def answer_last(self) -> Summary:
        exp, rid = self.held[-1]
        return self._answer(exp, rid)


def totals(b: Any) -> str:
    return str(b.query_one("#totals").render())


def params_cell(b: Any, row: int) -> str:
    return str(b.query_one(LayerList).get_row_at(row)[3]).strip()


async def test_estimate_first_then_engine_numbers() -> None:
    engine = SlowEngine()
    app = Host(load_experiment("digits-mlp"), engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.id == "builder" and app.screen.summary is not None)
        b = app.screen
        assert b.shown_for() == "engine" and "estimate" not in totals(b)
        assert "6,570" in totals(b)
        await pilot.press("down")  # Dense(64)
        await set_field(pilot, app, "units", "128")
        # shown before the engine answers (the request is held): 64*128+128 + 128*32+32 + 330
        assert b.shown_for() == "estimate"
        assert "≈12,778 params" in totals(b) and "estimate" in totals(b)
        assert params_cell(b, 1) == "8,320"
        await wait_for(pilot, lambda: b.pending_id is not None and b._timer is None)
        assert engine.held and engine.held[-1][0].model.layers[1].config["units"] == 128
        assert b.deliver_summary(engine.answer_last())
        await pilot.pause()
        assert b.shown_for() == "engine" and "estimate" not in totals(b)
        assert "12,778 params" in totals(b)


async def test_no_estimate_when_the_first_layer_class_changes() -> None:
    engine = SlowEngine()
    app = Host(load_experiment("digits-mlp"), engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.id == "builder" and app.screen.summary is not None)
        b = app.screen
        await pilot.press("x")  # remove Flatten: the model's input shape may change with it
        await pilot.pause()
        assert b.shown_for() == "none"
        assert "computing shapes" in totals(b)
