"""Focus shows in every colour mode, and the screens fit the size they get (issue 10, items 2 and 7).

Focus is a change of shape (a bar left of the focused field or list, a heavy frame on the panel
that holds the focus, a reversed button), so it shows with NO_COLOR and after Textual downgrades
the colours to 256 or 16; the panel frames keep a colour apart from the background after that
downgrade. The builder's editor takes the width it has, the engine log follows new output after
a resize and keeps its rows for lines, and a resize leaves no stale cells behind.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import wait_for
from rich.cells import cell_len
from rich.color import ColorSystem
from textual._compositor import CompositorUpdate
from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Log, TabbedContent

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


@pytest.mark.slow  # a long pilot session (every screen, every focusable widget / size): out of the quick selection
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


async def test_builder_editor_takes_the_width_it_has(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, LayerList), what="layer list")
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: app.screen.query(ArgSelect), what="editor")
        await pilot.pause()
        screen = app.screen
        editor = screen.query_one("#editor")
        left = screen.query_one("#left")
        assert editor.region.width >= 80, (editor.region, left.region)  # was 40 of 160
        assert left.region.width >= 40
        init = screen.query_one("#arg-kernel_initializer", ArgSelect)
        assert init.region.height == 1, init.region  # "glorot-uniform" on one line
        # at 80 columns the split is the one that fits: the layer list keeps its 40
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: screen.size.width == 80, what="resized")
        await pilot.pause()
        assert editor.region.width == 40 and left.region.width == 40, (editor.region, left.region)


async def test_engine_log_follows_after_a_resize_and_keeps_its_rows(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        d = app.dashboard
        log = d.query_one("#log", Log)

        def at_end() -> bool:
            return log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y

        for i in range(30):
            d.log_line(f"line {i} " + "x" * (150 if i % 3 == 0 else 10))
        await wait_for(pilot, lambda: log.line_count >= 30 and at_end(), what="at the end at 160x48")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: d.size.width == 80, what="resized")
        for i in range(3):
            d.log_line(f"late {i} " + "y" * 150)
        await wait_for(pilot, lambda: log.lines and log.lines[-1].startswith("late 2"), what="written")
        await wait_for(pilot, at_end, what="following at 80x24")
        # three rows at 80x24, all of them lines: no horizontal scroll bar
        assert log.scrollable_content_region.height == log.region.height - 2 == 3, log.region
        assert log.scrollbar_size_horizontal == 0
        shown = cells(log, Region(0, 0, *log.outer_size)).splitlines()
        assert shown[-2].startswith("│late 2"), shown  # the last row inside the frame
        # scrolled up by the person: it stays where it was
        log.focus()
        await pilot.press("up")
        await wait_for(pilot, lambda: not at_end(), what="scrolled up")
        kept = log.scroll_y
        d.log_line("later")
        await wait_for(pilot, lambda: log.lines[-1] == "later", what="written")
        await pilot.pause()
        assert log.scroll_y == kept
        # back at the end: it follows again
        await pilot.press("end")
        await wait_for(pilot, at_end, what="at the end again")
        d.log_line("last")
        await wait_for(pilot, lambda: log.lines[-1] == "last" and at_end(), what="following again")


class Terminal:
    """A character grid fed with what the App sends to its terminal (cursor moves and text;
    colours dropped). A resize cuts or pads the rows, as tmux does, before the App repaints."""

    MOVE = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[[0-9;?]*[A-Za-z]|\n|[^\x1b\n]")

    def __init__(self, width: int, height: int) -> None:
        self.rows = [[" "] * width for _ in range(height)]

    def resize(self, width: int, height: int) -> None:
        rows = [row[:width] + [" "] * (width - len(row[:width])) for row in self.rows[:height]]
        self.rows = rows + [[" "] * width for _ in range(height - len(rows))]

    def feed(self, data: str) -> None:
        x = y = 0
        for m in self.MOVE.finditer(data):
            text = m.group(0)
            if m.group(1):
                y, x = int(m.group(1)) - 1, int(m.group(2)) - 1
            elif text == "\n":
                x, y = 0, y + 1
            elif not text.startswith("\x1b"):
                if 0 <= y < len(self.rows) and 0 <= x < len(self.rows[y]):
                    self.rows[y][x] = text
                x += max(1, cell_len(text))

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.rows]


def attach(app: Any, terminal: Terminal) -> None:
    """Feed ``terminal`` with every screen update the App would write (the headless driver writes none).
    Reads Textual's private ``App._display`` and ``CompositorUpdate`` (Textual pinned to 8.2)."""

    def display(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate) and not app._batch_count and screen is app.screen:
            terminal.feed(renderable.render_segments(app.console))

    app._display = display


@pytest.mark.slow  # a long pilot session (every screen, every focusable widget / size): out of the quick selection
async def test_no_stale_cells_after_resizing(make_app):
    """Issue 10 saw ``^p paletteu`` in the footer after 160 -> 80 columns under tmux; not reproduced
    (tmux 3.3a, in one step and in steps, idle and mid-run). This keeps what the terminal shows
    equal to what the screen holds after each resize, on every screen."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        terminal = Terminal(160, 48)
        attach(app, terminal)
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        app.screen.refresh()
        for key in (None, "b", "escape", "d", "escape", "r"):
            if key:
                await pilot.press(key)
                await pilot.pause()
            for sizes in ([(160, 48), (80, 24)], [(160, 48), (120, 40), (99, 30), (80, 24)], [(80, 24), (160, 48)]):
                for w, h in sizes:
                    terminal.resize(w, h)  # the terminal first, then the App hears of it
                    await pilot.resize_terminal(w, h)
                await wait_for(pilot, lambda: app.screen.size == (w, h), what=f"{w}x{h}")

                def stale() -> list[tuple[int, str, str]]:
                    held = ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]
                    return [(y, a, b) for y, (a, b) in enumerate(zip(terminal.lines(), held)) if a != b]

                # the screen settles after a resize; a cell left stale stays so, and the deadline fails
                await wait_for(pilot, lambda: not stale(), what=f"no stale cells after {key} {sizes}: {stale()[:2]}")


async def test_no_key_shows_through_past_the_palette_key_while_a_dialog_is_open(make_app) -> None:
    """At 80 columns the builder's footer scrolls keys behind the docked palette key; with the
    add-layer dialog open one of them showed in the last cell (``^p paletteS``)."""
    from textual.widgets import Footer

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="the builder")
        await pilot.press("a")
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen), what="the add-layer dialog")
        await pilot.pause()
        footer = app.screen_stack[-2].query_one(Footer)
        palette = [k for k in footer.children if getattr(k, "action", None) == "command_palette"]
        await wait_for(pilot, lambda: palette and palette[0].region.width > 0, what="the palette key laid out")
        assert palette[0].region.right == footer.region.right  # it covers the footer to its last cell
