"""Escape sequences from run folders and engine errors are shown as text on every screen, never
sent to the terminal (issue 8, item 2): the runs table, the error modal, the status line, the log
pane and toasts."""

from __future__ import annotations

import json
from pathlib import Path

from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable

from conftest import wait_for
from fakes import RUN_ID
from tuidl.core import events as ev
from tuidl.ui.modals import ErrorModal
from tuidl.ui.screens.runs import COLUMNS, RunsScreen

TITLE = "\x1b]0;pwned\x07"
WIPE = "\x1b[2J"
C1 = "\x9b2J"
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


def shown(widget: Widget) -> str:
    """The characters a widget sends to the terminal (its rendered lines)."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "".join(seg.text for strip in lines for seg in strip)


def no_controls(text: str) -> bool:
    return not any(c in text for c in CONTROLS)


def crafted_run(root: Path) -> Path:
    d = root / "20240101-000000-evil-aaaa"
    d.mkdir(parents=True)
    (d / "run.json").write_text(
        json.dumps(
            {
                "name": f"evil{TITLE}",
                "status": "failed",
                "started": "2024-01-01T00:00:00+00:00",
                "dataset": f"digits{WIPE}",
                "optimizer": f"adam{C1}",
                "params": 10,
                "error": {"title": "Training failed", "message": f"boom{WIPE}"},
            }
        ),
        encoding="utf-8",
    )
    (d / "meta.json").write_text(json.dumps({"tags": [f"t{TITLE}"]}), encoding="utf-8")
    (d / "metrics.jsonl").write_text(json.dumps({"epoch": 0, "loss": 1.0, "val_loss": 0.9}) + "\n", encoding="utf-8")
    return d


async def test_runs_table_shows_escape_sequences_as_text(tmp_path: Path) -> None:
    from textual.app import App

    root = tmp_path / "runs"
    crafted_run(root)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(RunsScreen(root, export_dir=tmp_path, poll_interval=0.05))

    app = Host()
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.table.row_count == 1)
        table = app.screen.query_one(DataTable)
        row = dict(zip([k for k, _ in COLUMNS], table.get_row("20240101-000000-evil-aaaa")))
        assert str(row["name"]) == "evil\\x1b]0;pwned\\x07"
        assert str(row["dataset"]) == "digits\\x1b[2J" and str(row["optimizer"]) == "adam\\x9b2J"
        assert str(row["tags"]) == "t\\x1b]0;pwned\\x07"
        await pilot.pause()
        text = shown(table)
        assert "evil\\x1b]0;pwned\\x07" in text and no_controls(text)


async def test_error_modal_status_log_and_toasts_show_controls_as_text(make_app) -> None:
    fail = ev.RunFailed(
        RUN_ID, "train", f"Training failed{TITLE}", f"Keras says: \x1b[1mbad\x1b[0m{WIPE}{C1}", hint=f"fix{TITLE}"
    )
    app = make_app(fail=fail)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="error modal")
        modal = app.screen
        await pilot.pause()
        for wid in ("#error-title", "#error-message", "#error-hint"):
            text = shown(modal.query_one(wid))
            assert no_controls(text), (wid, text)
        assert "Keras says: \\x1b[1mbad" in shown(modal.query_one("#error-message"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorModal))
        d = app.dashboard
        await wait_for(pilot, lambda: "failed" in d.log_text, what="log line")
        assert all(no_controls(line) for line in d.log_text.splitlines()) and "\\x9b2J" in d.log_text
        assert no_controls(shown(d.status)) and "Training failed\\x1b]0;pwned\\x07" in shown(d.status)
        app.notify(f"run {TITLE} renamed", title=f"t{WIPE}")
        await pilot.pause()
        toasts = list(app._notifications)
        assert toasts[-1].message == "run \\x1b]0;pwned\\x07 renamed" and toasts[-1].title == "t\\x1b[2J"
