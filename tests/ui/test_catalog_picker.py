"""The builder's layer catalog (``a``): ranked search, up/down in the list while typing, enter adds."""

from __future__ import annotations

from typing import Any

from test_builder import Host, burst, classes, digits_source, drain, settle, wait_for
from textual.app import App
from textual.widgets import Input, OptionList

from tuidl.core.spec import Experiment
from tuidl.ui.modals import CatalogPicker
from tuidl.ui.screens.builder import BuilderScreen


def listed(picker: CatalogPicker) -> list[str]:
    ol = picker.query_one(OptionList)
    return [str(ol.get_option_at_index(i).id) for i in range(ol.option_count)]


def highlighted(picker: CatalogPicker) -> str:
    ol = picker.query_one(OptionList)
    assert ol.highlighted is not None
    return str(ol.get_option_at_index(ol.highlighted).id)


async def open_catalog(pilot: Any, app: App, query: str) -> CatalogPicker:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, CatalogPicker))
    picker: CatalogPicker = app.screen  # type: ignore[assignment]
    await pilot.press(*query)
    await wait_for(pilot, lambda: picker.query_one(Input).value == query)
    return picker


async def test_typing_ranks_the_class_name_first() -> None:
    app = Host(Experiment(name="m"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        picker = await open_catalog(pilot, app, "activation")
        assert listed(picker) == ["Activation", "LeakyReLU", "PReLU", "Dense"]
        assert highlighted(picker) == "Activation"
        await pilot.press(*["backspace"] * len("activation"), *"batch")
        await wait_for(pilot, lambda: listed(picker)[:1] == ["BatchNormalization"])
        assert listed(picker).index("BatchNormalization") < listed(picker).index("Flatten")
        await pilot.press(*["backspace"] * len("batch"), *"leaky")
        await wait_for(pilot, lambda: listed(picker)[:1] == ["LeakyReLU"])
        await pilot.press("enter")
        b = await drain(pilot, app, lambda: isinstance(app.screen, BuilderScreen))
        assert classes(b) == ["LeakyReLU"]


async def test_up_down_move_the_highlight_while_typing_and_enter_adds_it() -> None:
    app = Host(Experiment(name="m"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        picker = await open_catalog(pilot, app, "activation")
        search = picker.query_one(Input)
        await pilot.press("down", "down")
        assert highlighted(picker) == "PReLU"
        assert picker.focused is search  # the focus stays in the search field
        await pilot.press("up")
        assert highlighted(picker) == "LeakyReLU" and picker.focused is search
        await pilot.press(*"x")  # typing goes on in the field, the list follows it
        await wait_for(pilot, lambda: search.value == "activationx" and listed(picker) == [])
        await pilot.press("backspace")
        await wait_for(pilot, lambda: listed(picker)[:1] == ["Activation"])
        await pilot.press("down", "down", "enter")
        b = await drain(pilot, app, lambda: isinstance(app.screen, BuilderScreen))
        assert classes(b) == ["PReLU"]


async def test_a_burst_with_down_adds_the_highlighted_layer() -> None:
    """``a relu down enter`` typed at once adds the second match (PReLU), as shown."""
    app = Host(Experiment(name="m"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        burst(app, "a", *"relu", "down", "enter")
        b = await drain(
            pilot, app, lambda: isinstance(app.screen, BuilderScreen) and len(app.screen.exp.model.layers) == 1
        )
        assert classes(b) == ["PReLU"]


async def test_the_hint_names_the_keys() -> None:
    app = Host(Experiment(name="m"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        picker = await open_catalog(pilot, app, "")
        subtitle = str(picker.query_one("CatalogPicker > Vertical").border_subtitle)
        assert "↑↓ move" in subtitle and "enter adds the highlighted layer" in subtitle and "esc cancels" in subtitle
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))
