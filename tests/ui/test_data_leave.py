"""Leaving the data screen: escape with a setting not applied says why and how to leave anyway;
a data load that failed is said in the dashboard's experiment pane (never "loading…" for ever)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from conftest import wait_for
from fakes import FakeEngineClient
from rich.console import Console
from test_data_screen import _app, _choose_by_keys, _open, _summary_settled, _type
from textual.widgets import Static

from tuidl.core import events as ev
from tuidl.core.presets import load_experiment
from tuidl.ui.app import TuidlApp
from tuidl.ui.screens.data import DataScreen
from tuidl.ui.widgets.experiment import ExperimentPanel


def _text(widget: Static) -> str:
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def _toasts(app: TuidlApp) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


async def test_escape_with_a_value_not_applied_says_why_then_a_second_escape_leaves(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await _type(pilot, screen, "validation_split", "5")  # focus stays in the field
        await wait_for(pilot, lambda: screen.invalid, what="the value refused")
        await pilot.press("escape")
        await wait_for(pilot, lambda: _toasts(app), what="a toast")
        assert isinstance(app.screen, DataScreen)  # not left
        title, message = _toasts(app)[-1]
        assert title == "Not leaving: 1 setting not applied"
        assert "data.validation_split = '5': allowed from 0 to below 1" in message  # field, value, allowed
        assert "press escape again to leave without it: data.validation_split stays 0.2" in message
        # also on the screen, after the toast has gone
        warning = screen.query_one("#leave-warning", Static)
        assert warning.display and "escape again" in _text(warning) and "'5'" in _text(warning)
        # another value not applied: the next escape warns again, about that one
        await _type(pilot, screen, "validation_split", "-1")
        await wait_for(pilot, lambda: "'-1'" in screen.leave_warning(), what="the new value named")
        assert not warning.display  # the old warning is gone with the value it was about
        await pilot.press("escape")
        await wait_for(pilot, lambda: "'-1'" in _toasts(app)[-1][1], what="warned again")
        assert isinstance(app.screen, DataScreen)
        await pilot.press("escape")  # the second escape leaves without it, and says so
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen), what="left")
        assert app.exp.data.validation_split == 0.2
        title, message = _toasts(app)[-1]
        assert title == "Not applied" and "data.validation_split = '-1'" in message and "(digits)" in message


async def test_fixing_the_value_clears_the_warning_and_escape_leaves_at_once(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await _choose_by_keys(pilot, screen, "spiral")
        await wait_for(pilot, lambda: _summary_settled(screen))
        await _type(pilot, screen, "options.noise", "70")
        await wait_for(pilot, lambda: screen.invalid)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.query_one("#leave-warning", Static).display)
        assert "data.options.noise = '70': allowed 0–50 %" in screen.leave_warning()
        assert "data.options.noise stays 7 %" in screen.leave_warning()  # "7" was applied on the way to "70"
        await _type(pilot, screen, "options.noise", "20")
        await wait_for(pilot, lambda: not screen.query_one("#leave-warning", Static).display)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen))
        assert app.exp.data.name == "spiral" and app.exp.data.options.noise == 0.2


async def test_a_new_dataset_with_settings_missing_names_the_data_kept(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await _choose_by_keys(pilot, screen, "npz")
        screen.query_one("#datasets").focus()
        await pilot.press("escape")
        await wait_for(pilot, lambda: _toasts(app))
        message = _toasts(app)[-1][1]
        assert "data.path" in message and "set data.path" in message
        assert "press escape again to leave without it: the data stays digits" in message


async def test_a_failed_data_load_is_said_in_the_experiment_pane(tmp_path: Path) -> None:
    """Escape from the data screen with a CSV that does not load: the dashboard's pane says so."""
    app = _app(tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await _open(pilot)
        await _choose_by_keys(pilot, screen, "csv")
        await _type(pilot, screen, "path", str(tmp_path / "nope.csv"))
        await _type(pilot, screen, "target", "label")
        await wait_for(pilot, lambda: screen.failure is not None and screen.pending_id is None, what="failure")
        await pilot.press("escape")  # a file that does not load is not a setting refused: escape leaves
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen))
        panel = app.dashboard.query_one(ExperimentPanel)
        line = panel.query_one("#data-line", Static)
        await wait_for(pilot, lambda: "not loaded" in _text(line), what="the data line")
        assert "loading" not in _text(line) and "csv" in _text(line)
        assert "nope.csv" in _text(panel.query_one("#findings", Static))
        assert "?" in _text(panel.query_one("#totals", Static)) and "summarizing" not in _text(
            panel.query_one("#totals", Static)
        )


async def test_a_failed_summary_replaces_loading_as_plain_text(tmp_path: Path) -> None:
    def fails(spec: dict[str, Any]) -> ev.RunFailed:
        return ev.RunFailed("", "data", "Cannot read [b]data[/b]", "file x.csv: [/] is not a number", "fix [red]it")

    app = TuidlApp(
        load_experiment("digits-mlp"),
        runs_dir=tmp_path / "runs",
        client_factory=lambda: FakeEngineClient(summary_fails=fails),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.dashboard.query_one(ExperimentPanel)
        line = panel.query_one("#data-line", Static)
        await wait_for(pilot, lambda: "not loaded" in _text(line), what="the failure shown")
        assert _text(line).strip() == "data digits · ✗ not loaded (see below)"
        findings = _text(panel.query_one("#findings", Static))
        assert "Cannot read [b]data[/b]: file x.csv: [/] is not a number" in findings and "fix [red]it" in findings
        assert "…" not in _text(panel.query_one("#totals", Static))


async def test_a_summary_that_fails_for_another_reason_says_no_summary(tmp_path: Path) -> None:
    def fails(spec: dict[str, Any]) -> ev.RunFailed:
        return ev.RunFailed("", "build", "Cannot summarize", "ValueError: bad shape")

    app = TuidlApp(
        load_experiment("digits-mlp"),
        runs_dir=tmp_path / "runs",
        client_factory=lambda: FakeEngineClient(summary_fails=fails),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.dashboard.query_one(ExperimentPanel)
        line = panel.query_one("#data-line", Static)
        await wait_for(pilot, lambda: "no summary" in _text(line), what="the failure shown")
        assert "loading" not in _text(line)
        assert "Cannot summarize: ValueError: bad shape" in _text(panel.query_one("#findings", Static))
