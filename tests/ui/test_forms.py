"""The one form generator (``tuidl.ui.widgets.form``) behind the layer-argument and data forms."""

from __future__ import annotations

from typing import Any

from conftest import wait_for
from textual.app import App, ComposeResult
from textual.widgets import Input

from tuidl.core.catalog import LAYERS
from tuidl.ui.widgets.arg_form import ArgForm
from tuidl.ui.widgets.data_form import DataForm
from tuidl.ui.widgets.form import CheckList, FieldForm, OnOff


class Forms(App[None]):
    """A Dense layer's arguments over the settings of a dataset; records what the forms post."""

    def __init__(self, dense: dict[str, Any], data: dict[str, Any]) -> None:
        super().__init__()
        self.dense, self.data = dense, data
        self.changed: list[tuple[str, Any]] = []
        self.invalid: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        yield ArgForm(LAYERS["Dense"].args, self.dense, id="dense")
        yield DataForm(self.data["name"], self.data, id="data")

    def on_field_form_changed(self, event: FieldForm.Changed) -> None:
        self.changed.append((event.name, event.value))

    def on_field_form_invalid(self, event: FieldForm.Invalid) -> None:
        self.invalid.append((event.path, event.reason))


def _shown(widget: OnOff) -> str:
    return widget.render().plain.strip()


def test_both_forms_post_the_same_messages() -> None:
    assert ArgForm.Changed is DataForm.Changed is FieldForm.Changed
    assert ArgForm.Invalid is DataForm.Invalid is FieldForm.Invalid
    assert issubclass(ArgForm, FieldForm) and issubclass(DataForm, FieldForm)


async def test_a_bool_reads_its_state_without_colour(monkeypatch) -> None:
    """``[x] on`` / ``[ ] off`` in the text itself: Textual drew ``▐X▌ off``, the same box on and off."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = Forms({"units": 8}, {"name": "mnist", "options": {"download": False}})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        use_bias = app.query_one("#dense #arg-use_bias", OnOff)
        assert _shown(use_bias) == "[x] on"  # Keras's default, unset
        use_bias.value = False
        await wait_for(pilot, lambda: ("use_bias", False) in app.changed)
        assert _shown(use_bias) == "[ ] off"


async def test_data_form_bools_and_features_read_their_state(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = App[None]()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.mount(DataForm("mnist", {"name": "mnist", "options": {}}, id="cached"))
        await app.mount(DataForm("spiral", {"name": "spiral", "options": {"features": ["x1", "x1_x2"]}}, id="spiral"))
        await pilot.pause()
        download = app.query_one("#cached #df-options-download", OnOff)
        assert _shown(download) == "[x] on"  # unset means download
        features = app.query_one("#spiral #df-options-features", CheckList)
        lines = [features.render_line(y).text for y in range(features.option_count)]
        assert lines[0].startswith("[x] x1") and lines[1].startswith("[ ] x2"), lines
        assert any(line.startswith("[x] x1_x2") for line in lines), lines


async def test_a_data_bool_set_back_to_its_default_is_unset() -> None:
    app = Forms({"units": 8}, {"name": "mnist", "options": {}})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.query_one("#data #df-options-download", OnOff)
        box.value = False
        await wait_for(pilot, lambda: ("options.download", False) in app.changed)
        box.value = True  # the default again: unset, as it was
        await wait_for(pilot, lambda: app.changed[-1] == ("options.download", None))


async def test_a_refused_data_value_stays_and_its_correction_is_announced() -> None:
    """The data form keeps refused text with the reason under it, and (as the argument form did) says
    when the field holds nothing invalid any more: the old data form fell silent on a correction
    back to the value in force."""
    app = Forms({"units": 8}, {"name": "spiral", "options": {"noise": 0.1}})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = app.query_one("#data", DataForm)
        noise = form.query_one("#df-options-noise", Input)
        noise.value = "70"
        await wait_for(pilot, lambda: form.error_text("options.noise") != "")
        assert noise.value == "70" and "data.options.noise = '70'" in form.error_text("options.noise")
        assert form.values["options.noise"] == 0.1  # not applied
        noise.value = "10"  # the value in force again: nothing to apply, but nothing invalid any more
        await wait_for(pilot, lambda: ("options.noise", None) in app.invalid)
        assert form.error_text("options.noise") == "" and ("options.noise", "allowed 0–50 %") in app.invalid
