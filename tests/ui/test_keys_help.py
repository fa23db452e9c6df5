"""The key reference (``?``, ``F1``): every screen's keys and the App's, plain text, scrollable; ``?`` in a
text field is text."""

from __future__ import annotations

import io

from conftest import wait_for
from rich.console import Console
from textual.app import App
from textual.widgets import DataTable, Input, Static

from tuidl.ui.keys_help import KeyRow, KeysHelp, group_name
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.screens.dashboard import DashboardScreen
from tuidl.ui.screens.data import DataScreen
from tuidl.ui.screens.runs import RunsScreen
from tuidl.ui.widgets.footer import TuidlFooter
from tuidl.ui.widgets.layer_list import LayerList

APP_KEYS = [("^q", "Quit"), ("? f1", "Help")]


def rendered(help_screen: KeysHelp, width: int = 200) -> str:
    """The reference's text as a terminal shows it (no colours)."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(help_screen.query_one("#keys-table", Static).content)
    return console.export_text()


def rows(help_screen: KeysHelp, group: str) -> list[tuple[str, str]]:
    return [(r.keys, r.description) for name, group_rows in help_screen.groups for r in group_rows if name == group]


async def open_help(pilot, key: str) -> KeysHelp:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, KeysHelp), what=f"{key} opens the key reference")
    return pilot.app.screen  # type: ignore[return-value]


async def check_screen(pilot, screen_type: type, group: str, own: tuple[str, str], closers: tuple[str, str]) -> None:
    """``?`` and ``F1`` open the reference on a ``screen_type`` screen: it lists ``own`` (one of the
    screen's keys) under ``group`` and the App's keys; each of ``closers`` closes it."""
    app = pilot.app
    for opener, closer in zip(("question_mark", "f1"), closers):
        help_screen = await open_help(pilot, opener)
        assert help_screen.groups[0][0] == group and help_screen.groups[-1][0] == "App"
        assert own in rows(help_screen, group), rows(help_screen, group)
        assert all(key in rows(help_screen, "App") for key in APP_KEYS), rows(help_screen, "App")
        text = rendered(help_screen)
        assert f"{own[0]}" in text and own[1] in text and "Stop any run, shut the engine down and quit" in text
        await pilot.press(closer)
        await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what=f"{closer} closes it")


async def test_on_the_dashboard(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await check_screen(pilot, DashboardScreen, "Dashboard", ("l", "Log scale"), ("escape", "q"))
        help_screen = await open_help(pilot, "f1")
        app_rows = rows(help_screen, "App")
        assert ("t", "Train") in app_rows and ("s", "Stop") in app_rows
        assert "Stop (not now)" in rendered(help_screen)  # nothing runs: s is dimmed, and says so
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="f1 closes it")


async def test_on_the_builder_with_the_layer_list_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen) and app.screen.is_mounted)
        await wait_for(pilot, lambda: isinstance(app.focused, LayerList), what="the layer list focused")
        await check_screen(pilot, BuilderScreen, "Builder", ("^s", "Save"), ("question_mark", "escape"))
        help_screen = await open_help(pilot, "question_mark")
        assert [name for name, _ in help_screen.groups] == ["Builder", "Layer list", "App"]
        assert ("x del", "Del") in rows(help_screen, "Builder")  # the keys of one action share a row
        assert ("↑", "Cursor up") in rows(help_screen, "Layer list")
        assert ("b", "Builder") not in rows(help_screen, "App")  # hidden on the builder (check_action)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))
        # "?" typed into a field of the layer editor is text, not the reference; F1 still opens it
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="a field of the editor")
        field = app.focused
        before = field.value
        await pilot.press("end", "question_mark")
        await wait_for(pilot, lambda: field.value == before + "?", what="? typed")
        assert isinstance(app.screen, BuilderScreen)
        help_screen = await open_help(pilot, "f1")
        assert ("f1", "Help") in rows(help_screen, "App")  # ? is text in the field: only F1 is in force


async def test_on_the_runs_browser_and_in_its_filter(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and isinstance(app.focused, DataTable))
        await check_screen(pilot, RunsScreen, "Runs", ("r", "Rename run"), ("q", "f1"))
        help_screen = await open_help(pilot, "question_mark")
        runs_rows = rows(help_screen, "Runs")
        # enter is the table's key first; the screen's "Open in builder" is listed all the same
        assert ("⏎", "Open in builder") in runs_rows and ("esc q", "Back") in runs_rows
        # scrollable at 80x24: far more keys than rows
        body = help_screen.query_one("#keys-body")
        assert body.max_scroll_y > 0
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 0, what="pagedown scrolls")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen))
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="the filter focused")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.focused.value == "?", what="? typed into the filter")
        assert isinstance(app.screen, RunsScreen)
        help_screen = await open_help(pilot, "f1")
        # the filter takes printable keys: the screen's letter keys are not in force there
        runs_rows = rows(help_screen, "Runs")
        assert ("r", "Rename run") not in runs_rows
        # enter and delete are the field's own keys there: not "Open in builder", "Delete runs"
        assert not {"Open in builder", "Delete runs"} & {description for _, description in runs_rows}
        assert ("⏎", "Submit") in rows(help_screen, "Input")


async def test_on_the_data_screen(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen) and app.screen.is_mounted)
        await check_screen(pilot, DataScreen, "Data", ("a", "Adapt model"), ("escape", "question_mark"))
        assert isinstance(app.screen, DataScreen)  # escape closed the reference, not the data screen


def help_keys(screen) -> list[object]:
    return [k for k in screen.query_one(TuidlFooter).children if getattr(k, "action", None) == "help"]


async def test_footer_shows_help_where_it_fits_whole(make_app):
    for size, shown in (((160, 48), True), ((80, 24), False)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.engine_ready, what="ready")
            for key, screen_type in (("", DashboardScreen), ("b", BuilderScreen), ("r", RunsScreen), ("d", DataScreen)):
                if key:
                    await pilot.press(key)
                await wait_for(pilot, lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted)
                footer = app.screen.query_one(TuidlFooter)
                await wait_for(
                    pilot,
                    lambda: bool(help_keys(app.screen)) == shown and bool(footer.left_out) != shown,
                    what=f"{screen_type.__name__} at {size}",
                )
                for k in help_keys(app.screen):  # whole, left of the palette key
                    assert k.region.width and k.region.right <= size[0] - 12, (screen_type, k.region)
                if key:
                    await pilot.press("escape")
                    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


class ReferenceApp(App[None]):
    def __init__(self, rows: list[KeyRow]) -> None:
        super().__init__()
        self.key_rows = rows

    def on_mount(self) -> None:
        self.push_screen(KeysHelp("Test", [("Group", self.key_rows)]))


async def test_binding_text_is_plain_text() -> None:
    row = KeyRow("z", "[b]bold?[/b]", "[red]not red[/] \x1b[2J", True)
    app = ReferenceApp([row, KeyRow("y", "[/]", "", False)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, KeysHelp) and app.screen.is_mounted)
        text = rendered(app.screen)  # type: ignore[arg-type]
        assert "[b]bold?[/b]" in text and "[red]not red[/] \\x1b[2J" in text and "[/] (not now)" in text
        assert "\x1b" not in text


def test_group_names() -> None:
    assert group_name(LayerList()) == "Layer list"
    assert group_name(DataTable()) == "Data table"
    assert group_name(BuilderScreen.__new__(BuilderScreen)) == "Builder"
    assert group_name(ReferenceApp([])) == "App"


def test_help_is_in_the_app_bindings_and_not_a_priority() -> None:
    from tuidl.ui.app import TuidlApp

    (help_binding,) = [b for b in TuidlApp.BINDINGS if getattr(b, "id", None) == "help"]
    assert help_binding.key == "question_mark,f1" and not help_binding.priority  # a text field keeps "?"
