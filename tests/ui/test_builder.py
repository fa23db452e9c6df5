"""Pilot tests of the builder screen: every operation by keys, with a fake summary source."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any, Callable

import pytest
from textual.app import App

from tuidl.core.checks import DataInfo, estimate_summary
from tuidl.core.events import Summary
from tuidl.core.presets import load_experiment
from tuidl.core.spec import Experiment
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.widgets.layer_list import LayerList

FLAT_FIRST = {"Dense", "Dropout", "GaussianNoise", "BatchNormalization", "LayerNormalization",
              "Activation", "LeakyReLU", "PReLU"}


def digits_source(calls: list[int] | None = None) -> Callable[[Experiment, int], Summary]:
    """A fake engine: digits-shaped data (8x8x1, flattened for a flat first layer), core shapes."""
    def source(exp: Experiment, request_id: int) -> Summary:
        if calls is not None:
            calls.append(request_id)
        first = exp.model.layers[0].class_name if exp.model.layers else None
        shape = (64,) if first in FLAT_FIRST else (8, 8, 1)
        return estimate_summary(exp, DataInfo(shape, "classification", 10), request_id)
    return source


class Host(App[None]):
    def __init__(self, exp: Experiment, source: Any) -> None:
        super().__init__()
        self.exp = exp
        self.source = source
        self.result: Experiment | None = None

    def on_mount(self) -> None:
        def done(result: Experiment | None) -> None:
            self.result = result
        self.push_screen(BuilderScreen(self.exp, summary_source=self.source), done)


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await pilot.pause()


def builder(app: App) -> BuilderScreen:
    screen = app.screen
    assert isinstance(screen, BuilderScreen), screen
    return screen


async def settle(pilot: Any, app: App) -> BuilderScreen:
    """Wait until the summary shown matches the current experiment."""
    await pilot.pause()
    await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen)
                   and app.screen.pending_id is None and app.screen._timer is None)
    return builder(app)


async def add(pilot: Any, app: App, query: str) -> None:
    await pilot.press("a")
    await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
    await pilot.press(*query)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))


async def set_field(pilot: Any, app: App, name: str, text: str) -> None:
    """Focus field ``name`` of the layer editor, replace its text, go back to the list."""
    b = builder(app)
    field = b.query_one(f"#editor-body #arg-{name}")
    field.focus()
    await pilot.pause()
    field.value = text
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen.focused, LayerList))


async def test_build_digits_cnn_by_keys() -> None:
    app = Host(Experiment(name="cnn"), digits_source())
    async with app.run_test(size=(120, 40)) as pilot:
        b = await settle(pilot, app)
        assert "no layers" in b.findings_text()
        await add(pilot, app, "conv2d")
        await set_field(pilot, app, "filters", "16")
        b = await settle(pilot, app)
        assert b.summary.rows[0].output_shape == (6, 6, 16)
        assert b.summary.rows[0].params == 160
        await add(pilot, app, "maxpool")
        await add(pilot, app, "flatten")
        await add(pilot, app, "dense")
        await set_field(pilot, app, "units", "10")
        b = await settle(pilot, app)
        # Dense(10) without softmax: from_logits mismatch blocks training
        assert b.blocked and "not probabilities" in b.findings_text()
        b.query_one("#editor-body #arg-activation").value = "softmax"
        b = await settle(pilot, app)
        assert not b.blocked, b.findings_text()
        assert [r.output_shape for r in b.summary.rows] == [(6, 6, 16), (3, 3, 16), (144,), (10,)]
        assert b.summary.total_params == 160 + 144 * 10 + 10
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not None)
        assert [l.class_name for l in app.result.model.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
