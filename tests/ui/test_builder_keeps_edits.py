"""The builder trains the model it shows: a change on the Compile & fit tab keeps every layer edit (issue 8).

Each test edits a layer (Dense 64 -> 100) by keys, changes something on the
Compile & fit tab, goes back to the model, trains with ``t``, and compares
what the fake engine was asked to train with the builder's model.
"""

from __future__ import annotations

from typing import Any, Callable

from conftest import wait_for

from tuidl.core.protocol import Train
from tuidl.core.spec import Experiment, from_dict
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.widgets.layer_list import LayerList


def builder(app: Any) -> BuilderScreen:
    screen = app.screen
    assert isinstance(screen, BuilderScreen), screen
    return screen


async def settled(pilot: Any, app: Any) -> BuilderScreen:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, BuilderScreen) and app.screen.pending_id is None and app.screen._timer is None,
        what="builder settles",
    )
    return builder(app)


async def edit_units_to_100(pilot: Any, app: Any) -> BuilderScreen:
    """``b``, Down, ``e``, Backspace Backspace, ``100``, Escape: the first Dense gets 100 units."""
    await wait_for(pilot, lambda: app.engine_ready, what="engine ready")
    await pilot.press("b")
    b = await settled(pilot, app)
    await pilot.press("down", "e")
    await wait_for(pilot, lambda: b.focused is not None and b.focused.id == "arg-units", what="units focused")
    await pilot.press("backspace", "backspace", "1", "0", "0", "escape")
    await wait_for(pilot, lambda: isinstance(b.focused, LayerList), what="back on the list")
    b = await settled(pilot, app)
    assert b.exp.model.layers[1].config["units"] == 100
    assert b.summary is not None and b.summary.rows[1].output_shape == (100,)
    return b


async def train_and_compare(pilot: Any, app: Any, b: BuilderScreen) -> Experiment:
    """``m`` shows the model (still 100 units), ``t`` trains it: the Train request is that model."""
    await pilot.press("m")
    b = await settled(pilot, app)
    assert b.exp.model.layers[1].config["units"] == 100, "the layer edit was lost"
    shown = b.exp
    rows = b.query_one(LayerList)
    assert "100" in str(rows.get_row_at(1)[1:]), rows.get_row_at(1)
    await pilot.press("t")
    fake = app.fakes[0]
    await wait_for(pilot, lambda: any(isinstance(r, Train) for r in fake.requests), what="a Train request")
    trained = from_dict([r for r in fake.requests if isinstance(r, Train)][-1].spec)
    assert trained.model == shown.model
    assert (trained.compile, trained.fit, trained.data) == (shown.compile, shown.fit, shown.data)
    assert app.exp == shown
    return trained


async def test_optimizer_change_by_keys_keeps_the_layer_edit(make_app: Callable[..., Any]) -> None:
    """The sequence of the issue: the optimizer becomes adamw and the Dense keeps 100 units."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        b = await edit_units_to_100(pilot, app)
        await pilot.press("c")
        await wait_for(
            pilot,
            lambda: b.focused is not None and b.focused.id == "optimizer-preset",
            what="the optimizer select focused",
        )
        await pilot.press("enter", "down", "enter")
        await wait_for(pilot, lambda: builder(app).exp.compile.optimizer == "adamw", what="adamw chosen")
        b = await settled(pilot, app)
        trained = await train_and_compare(pilot, app, b)
        assert trained.model.layers[1].config["units"] == 100
        assert trained.compile.optimizer == "adamw"


def lr(e: Experiment) -> Any:
    """The optimizer's learning rate once edited (``None`` while it is a preset name)."""
    return None if isinstance(e.compile.optimizer, str) else e.compile.optimizer.config.get("learning_rate")


CHANGES: list[tuple[str, Callable[[Any], None], Callable[[Experiment], bool]]] = [
    ("epochs", lambda t: setattr(t.query_one("#fit-form #arg-epochs"), "value", "5"), lambda e: e.fit.epochs == 5),
    (
        "validation_split",
        lambda t: setattr(t.query_one("#fit-form #arg-validation_split"), "value", "0.3"),
        lambda e: e.data.validation_split == 0.3,
    ),
    (
        "loss",
        lambda t: setattr(t.query_one("#loss"), "value", "categorical_crossentropy"),
        lambda e: e.compile.loss == "categorical_crossentropy",
    ),
    (
        "learning_rate",
        lambda t: setattr(t.query_one("#optimizer-form #arg-learning_rate"), "value", "0.01"),
        lambda e: lr(e) == 0.01,
    ),
    (
        "schedule",
        lambda t: setattr(t.query_one("#schedule"), "value", "ExponentialDecay"),
        lambda e: isinstance(lr(e), dict) and lr(e)["class_name"] == "ExponentialDecay",
    ),
    ("metrics", lambda t: t.query_one("#metrics").deselect("accuracy"), lambda e: "accuracy" not in e.compile.metrics),
    (
        "callback",
        lambda t: setattr(t.query_one("#cb-EarlyStopping"), "value", True),
        lambda e: any(c.class_name == "EarlyStopping" for c in e.fit.callbacks),
    ),
]


async def test_any_compile_and_fit_change_keeps_the_layer_edit(make_app: Callable[..., Any]) -> None:
    """Each kind of Compile & fit change in turn, in one session (one app start instead of seven: the quick
    selection's time): after each, the model tab still shows the edited layer and the builder's experiment
    holds it; then ``t`` trains exactly that model with every change."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        b = await edit_units_to_100(pilot, app)
        for name, change, check in CHANGES:
            await pilot.press("c")
            await pilot.pause()
            change(b.query_one("#training-form"))
            await wait_for(pilot, lambda: check(builder(app).exp), what=f"the {name} change applied")
            b = await settled(pilot, app)
            await pilot.press("m")
            b = await settled(pilot, app)
            assert b.exp.model.layers[1].config["units"] == 100, f"the layer edit was lost after {name}"
            assert "100" in str(b.query_one(LayerList).get_row_at(1)[1:]), name
            assert check(b.exp), f"the {name} change was lost on the model tab"
        trained = await train_and_compare(pilot, app, b)
        assert trained.model.layers[1].config["units"] == 100
        for name, _, check in CHANGES:
            if name != "learning_rate":  # the schedule chosen after it replaces the plain learning rate
                assert check(trained), name


async def test_layer_edit_after_a_compile_change_then_another_compile_change(make_app: Callable[..., Any]) -> None:
    """Alternating tabs: every edit on either tab survives the next edit on the other one."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        b = await edit_units_to_100(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        b.query_one("#training-form #fit-form #arg-epochs").value = "4"
        await wait_for(pilot, lambda: builder(app).exp.fit.epochs == 4, what="epochs = 4")
        await pilot.press("m")
        b = await settled(pilot, app)
        await pilot.press("down", "e")  # the second Dense: 32 -> 48
        await wait_for(pilot, lambda: b.focused is not None and b.focused.id == "arg-units", what="units focused")
        await pilot.press("backspace", "backspace", "4", "8", "escape")
        b = await settled(pilot, app)
        assert [l.config.get("units") for l in b.exp.model.layers] == [None, 100, 48, 10]
        await pilot.press("c")
        await pilot.pause()
        b.query_one("#training-form #fit-form #arg-batch_size").value = "16"
        await wait_for(pilot, lambda: builder(app).exp.fit.batch_size == 16, what="batch_size = 16")
        b = await settled(pilot, app)
        trained = await train_and_compare(pilot, app, b)
        assert [l.config.get("units") for l in trained.model.layers] == [None, 100, 48, 10]
        assert (trained.fit.epochs, trained.fit.batch_size) == (4, 16)
