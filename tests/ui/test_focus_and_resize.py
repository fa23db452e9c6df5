"""Focus shows in every colour mode (issue 10, item 2).

Focus is a change of shape (a bar left of the focused field or list, a heavy frame on the panel
that holds the focus, a reversed button), so it shows with NO_COLOR and after Textual downgrades
the colours to 256 or 16; the panel frames keep a colour apart from the background after that
downgrade.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import wait_for
from rich.color import ColorSystem
from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, TabbedContent

from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.screens.data import DataScreen
from tuidl.ui.screens.runs import RunsScreen
from tuidl.ui.widgets.arg_form import ArgSelect
from tuidl.ui.widgets.layer_list import LayerList

BAR = "▌"
PANELS = ("#experiment", "#training", "#log")


def cells(widget: Widget, region: Region) -> str:
    """The characters ``widget`` draws in ``region`` (its own coordinates), row by row."""
    return "\n".join("".join(seg.text for seg in strip) for strip in widget.render_lines(region))


def left_cell(widget: Widget) -> str:
    return cells(widget, Region(0, 0, 1, 1))


def panel_of(widget: Widget) -> Widget | None:
    """The dashboard panel (framed pane) that holds ``widget``, if any."""
    for node in widget.ancestors_with_self:
        if isinstance(node, Widget) and node.id in ("experiment", "training", "log"):
            return node
    return None


def marked(widget: Widget) -> bool:
    """Whether ``widget`` carries a focus mark a person sees without colour."""
    panel = panel_of(widget)
    if panel is not None:
        return left_cell(panel) == "┏"
    if widget.styles.border_top[0] in ("round", "heavy"):  # a framed list
        return left_cell(widget) == "┏"
    if isinstance(widget, Button):
        lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
        return any(seg.style is not None and seg.style.reverse for strip in lines for seg in strip if seg.text.strip())
    return left_cell(widget) == BAR


async def check_focus_chain(pilot: Any, where: str) -> int:
    """Focus each widget of the screen's focus chain in turn: it is marked, no other one is."""
    screen = pilot.app.screen
    chain = list(screen.focus_chain)
    assert chain, where
    for widget in chain:
        widget.focus()
        await wait_for(pilot, lambda: screen.focused is widget, what=f"{where}: focus on {widget!r}")
        await pilot.pause()
        assert marked(widget), f"{where}: focused {widget!r} has no mark"
        here = panel_of(widget)
        others = [w for w in chain if w is not widget and (here is None or panel_of(w) is not here)]
        wrongly = [w for w in others if marked(w)]
        assert not wrongly, f"{where}: {widget!r} focused, yet marked: {wrongly}"
    return len(chain)


async def test_every_focusable_widget_shows_focus_by_shape(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        assert await check_focus_chain(pilot, "dashboard") >= 5  # 3 pickers, the layers table, the log

        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, LayerList), what="layer list")
        await pilot.press("down", "e")  # Dense 64: inputs, selects, a checkbox, "all" buttons
        await wait_for(pilot, lambda: app.screen.query(ArgSelect), what="editor")
        assert await check_focus_chain(pilot, "builder") >= 10
        app.screen.query_one(LayerList).focus()
        await pilot.press("c")  # Compile & fit: selects, inputs, switches, the metrics list
        await wait_for(
            pilot, lambda: app.screen.query_one(TabbedContent).active == "tab-training", what="compile & fit"
        )
        assert any(w.id == "metrics" for w in app.screen.focus_chain)
        assert await check_focus_chain(pilot, "compile & fit") >= 10
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, what="dashboard again")

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen), what="data screen")
        assert await check_focus_chain(pilot, "data") >= 4
        for name in ("circle", "mnist"):  # the features list; the download switch
            await app.screen.choose(name)
            await pilot.pause()
            assert await check_focus_chain(pilot, f"data: {name}") >= 4
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, what="dashboard again")

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="runs screen")
        assert await check_focus_chain(pilot, "runs") >= 2


@pytest.mark.parametrize("system", [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD])
async def test_panel_frames_and_focus_survive_the_colour_downgrade(make_app, system):
    """The colours Textual would send to a truecolor, a 256-colour and a 16-colour terminal:
    a frame is not the background's colour, the focused frame not the others', and the frame's
    shape changes too (what is left with NO_COLOR)."""

    def downgraded(color: Color) -> Any:
        rich = color.rich_color.downgrade(system)
        return rich.triplet if system == ColorSystem.TRUECOLOR else rich.number

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        d = app.dashboard
        d.query_one("#log").focus()
        await pilot.pause()
        background = downgraded(d.query_one("#main").background_colors[1])
        blurred = {downgraded(d.query_one(p).styles.border_top[1]) for p in ("#experiment", "#training")}
        focused = downgraded(d.query_one("#log").styles.border_top[1])
        assert len(blurred) == 1 and background not in blurred, (system, background, blurred)
        assert focused not in blurred | {background}, (system, focused, blurred, background)
        shapes = {p: d.query_one(p).styles.border_top[0] for p in PANELS}
        assert shapes == {"#experiment": "round", "#training": "round", "#log": "heavy"}
        # the focused picker's bar, in a colour apart from the pickers' bar background
        select = d.query_one("#pick-optimizers")
        select.focus()
        await pilot.pause()
        kind, colour = select.styles.border_left
        assert kind == "outer" and left_cell(select) == BAR
        assert downgraded(colour) != downgraded(d.query_one("#pickers").styles.background)


async def test_no_color_keeps_the_focus_marks(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await check_focus_chain(pilot, "dashboard, NO_COLOR")
