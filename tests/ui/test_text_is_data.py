"""Text from the engine, files, run folders and people is shown as it is, never read as markup (issue 8).

A training error holding ``[T=DT_FLOAT]`` used to vanish from the status line,
and one holding ``[/]`` ended the app with ``MarkupError``. Each test feeds
such text in through one door (a failed run, a finding, a log line, a preset
name, a run folder, a field typed into) and checks that the app is still
running and shows the text literally.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import wait_for
from fakes import RUN_ID, FakeEngineClient
from textual.widgets import DataTable, Label, Select, Static
from textual.widgets._data_table import default_cell_formatter
from textual.widgets._toast import Toast

from tuidl.core import events as ev
from tuidl.core.checks import DataInfo, estimate_summary
from tuidl.core.presets import load_experiment
from runfolders import write_finished_run
from tuidl.core.spec import Experiment
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.modals import ErrorModal
from tuidl.ui.text import plain, styled
from tuidl.ui.widgets.experiment import ExperimentPanel

BAD = (
    "Incompatible shapes: [7,3] vs. [32,64] [Op:Mul] name: dropout [T=DT_FLOAT] "
    "[bold]b[/bold] [/] [link=https://example.com]l[/link] [@click=app.quit]q[/] [red]x[/]"
)
"""A Keras/TF error message (``Dropout(noise_shape=[7, 3])`` on digits) plus markup that
would style, link, run an action, or fail to parse (``[/]``) if it were read as markup."""

UI = Path(__file__).resolve().parents[2] / "tuidl" / "ui"


def shown(widget: Static) -> str:
    """What a Static shows, as plain text."""
    return str(widget.render())


def toasts(app: Any) -> list[str]:
    """The text of every toast on screen (rendering them: markup errors would raise here)."""
    return [str(t.render()) for t in app.screen.query(Toast)]


def test_plain_and_styled_keep_brackets() -> None:
    assert plain(BAD).plain == BAD and not plain(BAD).spans
    t = styled("data ", (BAD, "bold"), " · ", plain("[/]"))
    assert t.plain == f"data {BAD} · [/]"


async def test_run_failure_with_brackets_is_shown_literally(make_app: Callable[..., Any]) -> None:
    """The crash of the issue: a RunFailed whose message holds [T=DT_FLOAT] and [/]."""
    fail = ev.RunFailed(RUN_ID, "train", "Training failed [T=DT_FLOAT]", BAD, hint="see [/] engine.log")
    app = make_app(fail=fail)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="error modal")
        modal = app.screen
        assert BAD in shown(modal.query_one("#error-message", Static))
        assert "[T=DT_FLOAT]" in shown(modal.query_one("#error-title", Static))
        assert "see [/] engine.log" in shown(modal.query_one("#error-hint", Static))
        status = app.dashboard.status
        assert status.text == f"failed: Training failed [T=DT_FLOAT]: {BAD}"
        await wait_for(pilot, lambda: BAD in app.dashboard.log_text, what="the log line")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorModal), what="modal closed")
        await pilot.pause()
        assert app.is_running and status.text.endswith(BAD)  # drawn, and still running


async def test_summary_failure_findings_and_log_lines_are_literal(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = FakeEngineClient.summary

    def summary(self: FakeEngineClient, request_id: int, spec: dict[str, Any]) -> ev.Summary:
        s = real(self, request_id, spec)
        rows = tuple(
            ev.LayerRow(r.index, f"[b]{r.name}[/]", r.class_name, r.output_shape, r.params, r.trainable_params)
            for r in s.rows
        )
        data = {**s.data, "name": "[red]digits[/]", "x_dtype": "[/]"}
        return ev.Summary(
            s.request_id,
            s.input_shape,
            rows,
            s.total_params,
            s.trainable_params,
            s.non_trainable_params,
            data,
            (ev.Finding("warning", BAD, "[/] hint"),),
        )

    monkeypatch.setattr(FakeEngineClient, "summary", summary)
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        panel = app.dashboard.query_one(ExperimentPanel)
        findings = panel.query_one("#findings", Static)
        await wait_for(pilot, lambda: BAD in shown(findings), what="the finding")
        assert "[/] hint" in shown(findings)
        data_line = shown(panel.query_one("#data-line", Static))
        assert "[red]digits[/]" in data_line and "[/]" in data_line
        table = panel.query_one("#layers", DataTable)
        assert default_cell_formatter(table.get_row_at(1)[0]).plain == "[b]flatten_0[/]"
        app.fakes[0].emit(ev.LogLine(f"engine: {BAD}"))
        await wait_for(pilot, lambda: f"engine: {BAD}" in app.dashboard.log_text, what="the log line")
        # a failed Summarize (e.g. the data cannot be loaded) goes to the same panel
        app.fakes[0].emit(ev.RunFailed("", "data", "Cannot load [T=DT_FLOAT]", BAD, "[/]", request_id=app._summary_id))
        await wait_for(pilot, lambda: "Cannot load [T=DT_FLOAT]" in shown(findings), what="the failure")
        await pilot.pause()
        assert app.is_running


def brackets_source(exp: Experiment, request_id: int) -> ev.Summary:
    """A fake engine whose findings quote Keras with brackets (an error that blocks training)."""
    s = estimate_summary(exp, DataInfo((64,), "classification", 10), request_id)
    return ev.Summary(
        s.request_id,
        s.input_shape,
        s.rows,
        s.total_params,
        s.trainable_params,
        s.non_trainable_params,
        s.data,
        (ev.Finding("error", BAD, "[/]", 1),),
    )


class BuilderHost:
    """Builds a bare App around one BuilderScreen (as tests/ui/test_builder.py does)."""

    @staticmethod
    def make(exp: Experiment, source: Any) -> Any:
        from textual.app import App

        class Host(App[None]):
            def on_mount(self) -> None:
                self.push_screen(BuilderScreen(exp, summary_source=source))

        return Host()


async def test_builder_findings_blocked_toast_and_field_errors_are_literal() -> None:
    app = BuilderHost.make(load_experiment("digits-mlp"), brackets_source)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
        b = app.screen
        await wait_for(
            pilot, lambda: b.pending_id is None and BAD in shown(b.query_one("#findings", Static)), what="the finding"
        )
        await pilot.press("t")  # blocked: the toast quotes the finding
        await wait_for(pilot, lambda: any(BAD in t for t in toasts(app)), what="the blocked toast")
        # what was typed is quoted in the field's error
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: b.focused is not None and b.focused.id == "arg-units", what="units")
        b.focused.value = "[/]"
        form = b.query_one("#editor-body ArgForm")
        await wait_for(pilot, lambda: "[/]" in form.error_text("units"), what="the field error")
        assert "units = '[/]'" in form.error_text("units")
        await wait_for(pilot, lambda: "units = [/] not applied" in b.findings_text(), what="the invalid finding")
        await pilot.press("escape")  # leaving the field says the edit was discarded, quoting it
        await pilot.pause()
        assert app.is_running and all(isinstance(t, str) for t in toasts(app))


@pytest.fixture
def bracket_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user presets folder with an optimizer preset and an experiment preset named with brackets."""
    d = tmp_path / "presets"
    (d / "components").mkdir(parents=True)
    (d / "components" / "optimizers.toml").write_text(
        '["[b]fast[/b]"]\nclass_name = "Adam"\nconfig = { learning_rate = 0.01 }\n', encoding="utf-8"
    )
    load_experiment("digits-mlp").save(d / "[red]x.toml")  # no "/" in a file name
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(d))
    return d


async def test_preset_names_with_brackets_in_pickers_and_builder(
    bracket_presets: Path, make_app: Callable[..., Any]
) -> None:
    from tuidl.ui.modals import PresetPicker

    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        pick = app.dashboard.query_one("#pick-optimizers", Select)
        pick.value = "[b]fast[/b]"
        await wait_for(pilot, lambda: app.exp.compile.optimizer == "[b]fast[/b]", what="the preset picked")
        assert shown(pick.query_one("SelectCurrent #label", Static)) == "[b]fast[/b]"
        compile_line = shown(app.dashboard.query_one("#compile-line", Static))
        assert "optimizer [b]fast[/b]" in compile_line
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="builder")
        b = app.screen
        await pilot.press("c")
        await pilot.pause()
        opt = b.query_one("#optimizer-preset", Select)
        await wait_for(pilot, lambda: bool(opt.query("SelectCurrent #label")), what="the select drawn")
        assert shown(opt.query_one("SelectCurrent #label", Static)) == "[b]fast[/b]"
        await pilot.press("m", "ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PresetPicker), what="the preset picker")
        await pilot.press(*"red")
        await pilot.pause()
        from textual.widgets import OptionList

        ol = app.screen.query_one(OptionList)
        assert any(str(ol.get_option_at_index(i).prompt).startswith("[red]x") for i in range(ol.option_count))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="back in the builder")
        await wait_for(pilot, lambda: any("opened [red]x" in t for t in toasts(app)), what="the toast")
        assert app.is_running


def crafted_run(root: Path) -> Path:
    """A run folder (as a colleague might copy over) whose name, tags, dataset, optimizer and
    error hold markup."""
    spec = load_experiment("digits-mlp").to_toml()
    d = write_finished_run(
        root,
        spec,
        [{"epoch": 0, "loss": 1.0, "val_loss": 1.1, "[b]acc[/b]": 0.5}],
        status="failed",
        run_id="20240101-000000-x-0001",
        info={
            "name": "[red]x[/] \\",
            "dataset": "[bold]d[/]",
            "optimizer": "[/]",
            "started": "2024-01-01T00:00:00+00:00",
        },
        error={"title": "Training failed [T=DT_FLOAT]", "message": BAD},
    )
    (d / "meta.json").write_text(json.dumps({"tags": ["[link=x]t[/link]", "a\\"]}), encoding="utf-8")
    return d


async def test_run_folder_with_markup_in_names_tags_and_error(tmp_path: Path) -> None:
    from tuidl.ui.modals import ConfirmModal, InputModal
    from tuidl.ui.screens.runs import COLUMNS, RunsScreen

    root = tmp_path / "runs"
    root.mkdir()
    crafted_run(root)
    from textual.app import App

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(RunsScreen(root, export_dir=tmp_path, poll_interval=0.05))

    app = Host()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.table.row_count == 1, what="the run listed"
        )
        screen = app.screen
        row = {
            k: default_cell_formatter(c).plain
            for (k, _), c in zip(COLUMNS, screen.table.get_row("20240101-000000-x-0001"))
        }
        assert row["name"] == "[red]x[/] \\"
        assert row["dataset"] == "[bold]d[/]" and row["optimizer"] == "[/]"
        assert row["tags"] == "[link=x]t[/link] a\\" or row["tags"] == "[link=x]t[/link], a\\"
        await pilot.press("space")  # select: the chart's legend and summary name it
        await wait_for(pilot, lambda: "[red]x[/] \\" in screen.chart.legend_text().plain, what="the legend")
        await pilot.press("c")  # the compare table
        await pilot.pause()
        diff = screen.query_one("#runs-diff", DataTable)
        header = [str(c.label) for c in diff.columns.values()]
        assert any("[red]x[/] \\" in h for h in header)
        await pilot.press("c")  # back to the chart
        await pilot.press("g")  # tags: the prompt names the run and holds its tags
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal), what="tag prompt")
        assert "[red]x[/] \\" in str(app.screen.query_one(Label).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="back")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="delete prompt")
        assert "[red]x[/] \\" in str(app.screen.query_one(Static).render())
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


def _notify_calls(tree: ast.AST) -> list[ast.Call]:
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "notify" or (
            node.func.attr == "call_from_thread"
            and node.args
            and isinstance(node.args[0], ast.Attribute)
            and node.args[0].attr == "notify"
        ):
            out.append(node)
    return out


def test_every_notification_in_the_ui_is_plain_text() -> None:
    """A toast reads its message as markup unless told not to: every ``notify`` in tuidl/ui says
    ``markup=False`` (the messages quote names, paths, values and engine errors)."""
    found = 0
    missing = []
    for path in sorted(UI.rglob("*.py")):
        for call in _notify_calls(ast.parse(path.read_text(encoding="utf-8"))):
            found += 1
            markup = [k for k in call.keywords if k.arg == "markup"]
            if not (markup and isinstance(markup[0].value, ast.Constant) and markup[0].value.value is False):
                missing.append(f"{path.relative_to(UI.parent.parent)}:{call.lineno}")
    assert found >= 20, "the scan found too few notify calls: is it looking in the right place?"
    assert not missing, f"notify without markup=False: {missing}"
