"""Pilot tests of the runs screen: list, filter, sort, select and overlay, diff, rename, tag,
delete, exports, live updates, chart controls and tiny terminals."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from textual.app import App
from textual.widgets import DataTable, Input

from rich.text import Text

from tuidl.core.runs import RunWriter
from runfolders import write_finished_run
from tuidl.core.spec import Experiment
from tuidl.ui.modals import ConfirmModal, InputModal
from tuidl.ui.screens.runs import COLUMNS, RunsScreen
from tuidl.ui.widgets.compare_chart import CompareChart


def _spec(**over) -> str:
    return (
        Experiment(name="digits-mlp").with_overrides(over).to_toml()
        if over
        else Experiment(name="digits-mlp").to_toml()
    )


def _recs(vals, acc):
    return [
        {
            "epoch": i,
            "loss": v * 1.2,
            "val_loss": v,
            "accuracy": a - 0.05,
            "val_accuracy": a,
            "step": (i + 1) * 45,
            "time": (i + 1) * 0.25,
        }
        for i, (v, a) in enumerate(zip(vals, acc))
    ]


@pytest.fixture
def runs_dir(tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    write_finished_run(
        root,
        _spec(),
        _recs([1.0, 0.6, 0.5, 0.55], [0.6, 0.8, 0.85, 0.84]),
        run_id="20240101-000000-none-0001",
        info={"name": "none", "params": 4810, "started": "2024-01-01T00:00:00+00:00"},
    )
    write_finished_run(
        root,
        _spec(**{"fit.batch_size": 64}),
        _recs([0.9, 0.5, 0.4, 0.35], [0.7, 0.85, 0.9, 0.92]),
        run_id="20240102-000000-l2-0002",
        info={"name": "l2", "params": 4810, "started": "2024-01-02T00:00:00+00:00"},
    )
    write_finished_run(
        root,
        _spec(**{"compile.optimizer": "sgd"}),
        _recs([2.0, float("nan")], [0.2, 0.1]),
        run_id="20240103-000000-sgd-0003",
        status="diverged",
        info={"name": "sgd", "params": 4810, "started": "2024-01-03T00:00:00+00:00"},
    )
    return root


class Host(App):
    def __init__(self, runs_dir: Path, export_dir: Path, poll: float = 0.05) -> None:
        super().__init__()
        self.runs_dir_ = runs_dir
        self.export_dir = export_dir
        self.poll = poll
        self.result: object = "unset"

    def on_mount(self) -> None:
        def done(result: object) -> None:
            self.result = result

        # as the tuidl App does: the App keeps the screen (and what was chosen on it) for the session
        self.install_screen(RunsScreen(self.runs_dir_, export_dir=self.export_dir, poll_interval=self.poll), "runs")
        self.push_screen("runs", done)


async def wait_for(pilot, cond, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        await pilot.pause()
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def names(screen: RunsScreen) -> list[str]:
    return [r.name for r in screen.shown]


async def test_lists_runs_newest_first_with_summary_columns(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        assert names(screen) == ["sgd", "l2", "none"]
        row = dict(zip([k for k, _ in COLUMNS], map(str, screen.table.get_row("20240102-000000-l2-0002"))))
        assert row["name"] == "l2" and row["dataset"] == "digits" and row["params"] == "4,810"
        assert row["status"] == "completed" and row["best_val_loss"] == "0.35"
        assert row["best_metric"] == "val_accuracy 0.92" and row["tags"] == "-"
        assert str(screen.table.get_cell("20240103-000000-sgd-0003", "status")) == "diverged"


async def test_filter_by_text_and_status_and_sort(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"sgd")  # typed into the filter, not taken as key bindings
        await wait_for(pilot, lambda: screen.table.row_count == 1)
        assert names(screen) == ["sgd"] and app.screen is screen
        await pilot.press("backspace", "backspace", "backspace", "enter")
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        assert isinstance(app.focused, DataTable)
        await pilot.press("f", "f")  # status filter: all -> running -> completed
        assert screen.status_filter == "completed" and names(screen) == ["l2", "none"]
        for _ in range(5):
            await pilot.press("f")  # ... stopped, failed, diverged, all
            if screen.status_filter == "all":
                break
        assert screen.status_filter == "all"
        screen.sort_by("best_val_loss")
        await pilot.pause()
        assert names(screen) == ["l2", "none", "sgd"]
        screen.sort_by("best_val_loss")  # same column again: reversed
        assert names(screen) == ["sgd", "none", "l2"]
        await pilot.press("o")  # next column after best_val_loss: best_metric, ascending
        assert screen.sort_column == "best_metric" and names(screen) == ["sgd", "none", "l2"]
        await pilot.press("O")
        assert names(screen) == ["l2", "none", "sgd"]


async def test_select_overlay_and_chart_controls(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("space", "space")  # sgd, then l2 (cursor moves down)
        chart = screen.query_one(CompareChart)
        assert [r.name for r in chart.runs] == ["sgd", "l2"]
        assert chart.runs[0].markers != chart.runs[1].markers and chart.runs[0].color != chart.runs[1].color
        assert screen.table.get_row("20240103-000000-sgd-0003")[0] == "●"
        assert screen.table.get_row("20240102-000000-l2-0002")[0] == "◆"
        # the sgd run's NaN val_loss is marked, not silently dropped
        assert any(n.startswith("✕ nan at epoch ") for n in chart.last_notes), chart.last_notes
        await pilot.press("l")
        assert chart.log_y
        await pilot.press("s", "s", "s")
        assert chart.smoothing == pytest.approx(0.8)
        await pilot.press("v")
        assert chart.show == "val"
        await pilot.press("m")
        assert chart.metric == "accuracy"
        await pilot.press("m")
        assert chart.metric == "loss"
        await pilot.press("x")
        assert chart.x_axis == "step"
        await pilot.press("x", "x")
        assert chart.x_axis == "epoch"
        # value cursor reads out every run at an x
        await pilot.press("full_stop")
        assert chart.cursor_x == 1.0
        await pilot.press("full_stop")
        assert chart.cursor_x == 2.0
        text = chart.readout()
        assert "epoch 2" in text and "sgd" in text and "l2" in text and "val nan" in text
        # zoom and pan
        await pilot.press("plus")
        assert chart.x_window is not None and chart.x_window[1] - chart.x_window[0] < 3
        w0 = chart.x_window
        await pilot.press("right_square_bracket")
        assert chart.x_window[0] > w0[0]
        await pilot.press("0")
        assert chart.x_window is None
        # y range: ignore outliers, then fixed via a modal
        await pilot.press("y")
        assert chart.y_mode == "outliers"
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
        await pilot.press(*"0.1 2", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert chart.y_mode == "fixed" and chart.y_fixed == (0.1, 2.0)
        # the plot was drawn with the curves (not only the summary line)
        assert not chart.has_class("-small") and chart.draws > 0
        # unselect
        screen.table.move_cursor(row=0)
        await pilot.press("space")
        assert [r.name for r in chart.runs] == ["l2"]


async def test_compare_table_shows_only_differing_settings_and_the_winner(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("a")  # select all shown
        await pilot.press("c")
        diff = screen.query_one("#runs-diff", DataTable)
        await wait_for(pilot, lambda: diff.row_count > 0)
        header, rows = screen.compare_rows()
        settings = {r[0]: r[1:] for r in rows}
        # order of selection: sgd, l2, none (table order when selected)
        assert header[1:] == ["● sgd", "◆ l2", "▲ none"]
        assert settings["compile.optimizer"] == ["sgd", "adam", "adam"]
        assert settings["fit.batch_size"] == ["32", "64", "32"]
        assert "fit.epochs" not in settings and "data.name" not in settings
        assert settings["best val_loss"] == ["2", "0.35 ★", "0.5"]
        assert settings["best val_accuracy"] == ["0.2", "0.92 ★", "0.85"]
        assert diff.row_count == len(rows)
        await pilot.press("c")
        assert screen.query_one("#runs-bottom").current == "runs-chart"


async def test_rename_tag_and_delete_with_confirmation(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        # cursor on "sgd"
        await pilot.press("r")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        modal.query_one(Input).value = "adam-vs-sgd"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "adam-vs-sgd" in names(screen))
        await pilot.press("g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        modal.query_one(Input).value = "baseline, sgd"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.shown and screen.shown[0].tags == ("baseline", "sgd"))
        # delete: cancelled first, then confirmed
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert (runs_dir / "20240103-000000-sgd-0003").is_dir()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.table.row_count == 2)
        assert not (runs_dir / "20240103-000000-sgd-0003").exists()
        assert names(screen) == ["l2", "none"]


async def test_live_run_appears_and_updates(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path, poll=0.05)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        w = RunWriter(runs_dir, "20990101-000000-live-0004")
        w.start(_spec(), {"name": "live", "started": "2099-01-01T00:00:00+00:00"})
        await wait_for(pilot, lambda: screen.table.row_count == 4, what="new run listed")
        assert names(screen)[0] == "live" and screen.shown[0].status == "running"
        screen.table.move_cursor(row=0)
        await pilot.press("space")
        chart = screen.query_one(CompareChart)
        for i in range(3):
            w.epoch({"epoch": i, "loss": 1.0 / (i + 1), "val_loss": 1.5 / (i + 1), "time": i})
            await wait_for(pilot, lambda: screen.shown[0].epochs_done == i + 1, what=f"epoch {i}")
            await wait_for(pilot, lambda: chart.runs[0].history.epochs_done == i + 1)
        w.finish("completed")
        await wait_for(pilot, lambda: screen.shown[0].status == "completed")
        assert str(screen.table.get_cell("20990101-000000-live-0004", "status")) == "completed"


async def test_open_run_dismisses_with_its_experiment(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("down")  # l2
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result != "unset")
        assert isinstance(app.result, Experiment)
        assert app.result.fit.batch_size == 64 and app.result.name == "digits-mlp"


async def test_exports_csv_and_svg(runs_dir, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    app = Host(runs_dir, out)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("space", "space")
        await pilot.press("e")
        csv_path = await wait_for(pilot, lambda: screen.last_export)
        rows = list(csv.DictReader(csv_path.open()))
        assert {r["name"] for r in rows} == {"sgd", "l2"} and len(rows) == 6
        await pilot.press("p")
        svg = await wait_for(pilot, lambda: screen.last_export if screen.last_export.suffix == ".svg" else None)
        text = svg.read_text()
        # the optimizer column is in view at 100 columns (the dataset column, further right, is not)
        assert text.startswith("<svg") and "adam" in text and "sgd" in text


@pytest.mark.parametrize("size", [(40, 12), (24, 8)])
async def test_tiny_terminal_never_raises_and_summarises(runs_dir, tmp_path, size):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("space", "space", "l", "s", "m", "x", "plus", "full_stop")
        chart = screen.query_one(CompareChart)
        await pilot.pause()
        assert chart.has_class("-small")
        assert chart.summary_text().startswith("best val_")


async def test_chart_with_a_million_points_decimates(tmp_path):
    from tuidl.core.history import RunHistory
    from tuidl.ui.widgets.compare_chart import ChartRun

    class ChartApp(App):
        def compose(self):
            yield CompareChart()

    n = 1_000_000
    ys = np.exp(-np.arange(n) / 2e5) + 0.01 * np.random.default_rng(0).random(n)
    ys[123_456] = np.nan
    big = RunHistory(name="long")
    big.add_batches(np.arange(n), {"loss": ys}, seconds=np.arange(n) * 1e-3)
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(CompareChart)
        chart.source = "batch"
        chart.x_axis = "step"
        chart.show = "train"
        chart.set_runs([ChartRun("a", "long", big, 0)])
        await pilot.pause()
        assert "✕ nan at step 123456" in chart.last_notes
        assert chart.extent() == (0.0, n - 1.0)
        drawn = chart.last_points
        assert 0 < drawn <= 4 * 2 * 100  # decimated to the plot's pixel columns


async def test_runs_sharing_a_name_get_distinct_legend_names(runs_dir, tmp_path):
    write_finished_run(
        runs_dir,
        _spec(),
        _recs([0.8], [0.7]),
        run_id="20240104-000000-l2-00ab",
        info={"name": "l2", "started": "2024-01-04T00:00:00+00:00"},
    )
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 4)
        screen.set_selected("20240104-000000-l2-00ab", True)
        screen.set_selected("20240102-000000-l2-0002", True)
        screen.set_selected("20240101-000000-none-0001", True)
        chart = screen.query_one(CompareChart)
        assert sorted(r.name for r in chart.runs) == ["l2#0002", "l2#00ab", "none"]
        assert screen.compare_rows()[0][1:] == ["● l2#00ab", "◆ l2#0002", "▲ none"]


# -- the newcomer's report: keys, layer-aligned diff, stable styles, tags, epochs ----------------


def _variants(root: Path) -> dict[str, str]:
    """Three digits-mlp variants as `tuidl run` writes them: none, L2 on the Dense layers
    (resolved inline, as the engine stores it), a Dropout inserted after the first Dense."""
    from tuidl.core.presets import load_experiment
    from tuidl.core.spec import loads

    base = load_experiment("digits-mlp").with_overrides({"fit.epochs": 3})
    l2 = base.to_dict()
    for layer in l2["model"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["kernel_regularizer"] = {"class_name": "L2", "config": {"l2": 0.001}}
    drop = base.to_dict()
    drop["model"]["layers"].insert(2, {"class_name": "Dropout", "config": {"rate": 0.3}})
    import tomli_w

    specs = {"none": base.to_toml(), "l2": tomli_w.dumps(l2), "dropout": tomli_w.dumps(drop)}
    loads(specs["l2"]), loads(specs["dropout"])  # both are valid experiments
    ids = {}
    for i, (name, text) in enumerate(specs.items()):
        vals = [1.0 - 0.1 * i, 0.6 - 0.1 * i, 0.5 - 0.1 * i]
        ids[name] = str(
            write_finished_run(
                root,
                text,
                _recs(vals, [0.7, 0.8, 0.9]),
                run_id=f"2024010{i + 1}-000000-{name}-000{i}",
                info={"name": f"digits-mlp-{name}", "params": 6570, "started": f"2024-01-0{i + 1}T00:00:00+00:00"},
            ).name
        )
    return ids


async def _open_screen(app, pilot, rows: int) -> RunsScreen:
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.query("#runs-table") and app.screen
    )
    await wait_for(pilot, lambda: screen.table.row_count == rows, what=f"{rows} rows")
    return screen


async def test_compare_table_matches_layers_by_name(tmp_path):
    root = tmp_path / "runs"
    ids = _variants(root)
    app = Host(root, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        screen.set_many([ids["none"], ids["l2"], ids["dropout"]], True)
        await pilot.press("c")
        diff = screen.query_one("#runs-diff", DataTable)
        await wait_for(pilot, lambda: diff.row_count > 0)
        header, rows = screen.compare_rows()
        settings = {r[0]: r[1:] for r in rows}
        assert header[1:] == ["▲ digits-mlp-dropout", "◆ digits-mlp-l2", "● digits-mlp-none"]
        # the inserted layer is one row, present in one run only, with its rate
        assert settings["layers[dropout]"] == ["Dropout(rate=0.3)", "—", "—"]
        # the Dense layers compare with each other: only the regularizer differs
        for name in ("dense", "dense_1", "dense_2"):
            assert settings[f"layers[{name}].kernel_regularizer"] == ["none", "L2(l2=0.001)", "none"]
        assert not [k for k in settings if "class_name" in k or "units" in k or "[3]" in k]
        setting_rows = [k for k in settings if k.startswith("layers")]
        assert setting_rows == [
            "layers[dense].kernel_regularizer",
            "layers[dropout]",
            "layers[dense_1].kernel_regularizer",
            "layers[dense_2].kernel_regularizer",
        ]
        # shown as written (a DataTable would read "[dense]" as markup and drop it)
        shown = [str(diff.get_row_at(i)[0]) for i in range(diff.row_count)]
        assert "layers[dense].kernel_regularizer" in shown and "layers[dropout]" in shown
        # which run won, and at which (1-based) epoch
        assert settings["best val_loss"][0] == "0.3 ★"
        assert settings["best at epoch"] == ["3", "3", "3"]


async def test_every_action_is_in_the_palette_and_the_footer_fits_80_columns(make_app):
    from textual.widgets._footer import FooterKey

    from tuidl.ui.commands import binding_commands

    app = make_app()
    root = app.runs_dir
    _variants(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        screen = await _open_screen(app, pilot, 3)
        commands = {c.title: c.help for c in binding_commands(app, screen)}
        for b in RunsScreen.BINDINGS:
            assert b.id and b.description and b.tooltip, b
            assert b.description in commands, b.description
            assert not commands[b.description].startswith("key:"), b.description
        for title in (
            "Rename run",
            "Tag runs",
            "Delete runs",
            "Select all / none",
            "Value cursor →",
            "Zoom in",
            "Open in builder",
        ):
            assert title in commands
        assert "move down" in commands["Select ↓"]
        assert "0-based" in commands["CSV"]
        assert "Tag runs" in [c.title for c in app.get_system_commands(screen)]
        # the footer: every key it shows is whole inside 80 columns
        await pilot.pause()
        keys = list(screen.query(FooterKey))
        assert {k.key for k in keys} >= {"space", "c", "e", "escape"}
        for k in keys:
            assert k.region.right <= 80 and k.region.width > 0, (k.key, k.region)
        assert sum(k.region.width for k in keys) <= 80


async def test_value_cursor_keys_in_the_hint_work_without_focusing_the_chart(runs_dir, tmp_path):
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        await pilot.press("down", "space")  # l2
        chart = screen.chart
        readout = chart.query_one("#compare-readout")
        assert isinstance(app.focused, DataTable)
        hint = str(readout.render())
        assert ", . cursor" in hint and "←" not in hint  # arrows move the table's cursor here
        await pilot.press("full_stop")  # the hint's key, with the table focused
        assert chart.cursor_x == 1.0
        # epoch 1 is the record with "epoch": 0 (Keras's CSVLogger numbering in the file)
        assert chart.readout().startswith("epoch 1:") and "val 0.9" in chart.readout()
        await pilot.press("full_stop", "comma")
        assert chart.cursor_x == 1.0
        assert screen.table.cursor_row == 2  # the table's cursor did not move
        chart.cursor_x = None
        chart.focus()
        await wait_for(pilot, lambda: app.focused is chart)
        assert "←/→" in str(readout.render())  # focused: the hint names the arrows too, and they work
        await pilot.press("right", "right")
        assert chart.cursor_x == 2.0 and "epoch 2:" in str(readout.render())


async def test_styles_stay_with_their_runs_and_selection_survives_leaving(runs_dir, tmp_path):
    l2, none, sgd = "20240102-000000-l2-0002", "20240101-000000-none-0001", "20240103-000000-sgd-0003"
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        chart = screen.chart

        def now() -> dict[str, tuple]:
            return {r.run_id: (r.color, r.markers) for r in chart.runs}

        await pilot.press("space", "space")  # sgd, l2
        first = now()
        screen.set_selected(sgd, False)
        screen.set_selected(none, True)  # takes no style sgd had
        assert now()[l2] == first[l2] and now()[none] != first[sgd]
        screen.set_selected(sgd, True)  # sgd comes back with its own style
        styles = now()
        assert styles[sgd] == first[sgd] and len(set(styles.values())) == 3
        assert screen.table.get_cell(sgd, "sel") == styles[sgd][1][0]
        # a: all shown selected -> none; again -> all, with the same styles
        await pilot.press("a")
        assert not screen.selected and not chart.runs
        await pilot.press("a")
        assert {r.run_id: (r.color, r.markers) for r in chart.runs} == styles
        # leave and come back: selection, styles, chart settings and pane are kept
        screen.set_selected(none, False)
        await pilot.press("l", "c")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is None)
        app.push_screen("runs")
        again = await _open_screen(app, pilot, 3)
        assert again is screen and screen.is_mounted  # kept by the App, not rebuilt
        assert set(again.selected) == {sgd, l2}
        assert {r.run_id: (r.color, r.markers) for r in again.chart.runs} == {k: styles[k] for k in (sgd, l2)}
        assert again.chart.log_y and again.query_one("#runs-bottom").current == "runs-diff"
        assert again.table.get_cell(l2, "sel") == styles[l2][1][0]
    # another App (another session) starts afresh
    app2 = Host(runs_dir, tmp_path)
    async with app2.run_test(size=(120, 40)) as pilot:
        screen = await _open_screen(app2, pilot, 3)
        assert not screen.selected and not screen.chart.log_y


async def test_tags_column_and_what_rename_and_tag_apply_to(runs_dir, tmp_path):
    l2, none, sgd = "20240102-000000-l2-0002", "20240101-000000-none-0001", "20240103-000000-sgd-0003"
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        # no selection: tag the run under the cursor (sgd), and the prompt says so
        await pilot.press("g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        assert "under the cursor" in modal.prompt and "sgd" in modal.prompt
        modal.query_one(Input).value = "adam, baseline"
        await pilot.press("enter")
        await wait_for(pilot, lambda: str(screen.table.get_cell(sgd, "tags")) == "adam, baseline")
        # select l2 and none (cursor moves past them): tags apply to the selected runs
        await pilot.press("down", "space", "space")
        screen.table.move_cursor(row=0)
        await pilot.press("g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        assert "2 selected runs" in modal.prompt and modal.value == ""
        modal.query_one(Input).value = "reg"
        await pilot.press("enter")
        await wait_for(pilot, lambda: str(screen.table.get_cell(l2, "tags")) == "reg")
        assert str(screen.table.get_cell(none, "tags")) == "reg"
        assert str(screen.table.get_cell(sgd, "tags")) == "adam, baseline"  # cursor run untouched
        # several runs: the field holds the shared tags; removing one removes it from each
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        assert modal.value == "reg"
        modal.query_one(Input).value = "l2-vs-none"
        await pilot.press("enter")
        await wait_for(pilot, lambda: str(screen.table.get_cell(l2, "tags")) == "l2-vs-none")
        assert str(screen.table.get_cell(none, "tags")) == "l2-vs-none"
        # the filter finds tags; sorting by tags puts untagged runs last
        screen.sort_by("tags")
        assert [r.run_id for r in screen.shown] == [sgd, l2, none]  # "adam" < "l2-vs-none"
        screen.sort_by("tags")
        assert [r.run_id for r in screen.shown][2] == sgd
        # rename: always the run under the cursor, even with runs selected; the prompt says so
        screen.table.move_cursor(row=screen.table.get_row_index(sgd))
        await pilot.press("r")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        assert "under the cursor" in modal.prompt and sgd in modal.prompt
        modal.query_one(Input).value = "sgd [lr 0.01]"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(r.name == "sgd [lr 0.01]" for r in screen.shown))
        # brackets in a name are shown, not read as markup
        cell = screen.table.get_cell(sgd, "name")
        assert isinstance(cell, Text) and cell.plain == "sgd [lr 0.01]"


async def test_csv_export_keeps_keras_epoch_numbering(runs_dir, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    app = Host(runs_dir, out)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_screen(app, pilot, 3)
        await pilot.press("down", "e")  # no selection: the cursor's run (l2)
        path = await wait_for(pilot, lambda: screen.last_export)
        rows = list(csv.DictReader(path.open()))
        assert [r["epoch"] for r in rows] == ["0", "1", "2", "3"]
        assert [r["val_loss"] for r in rows] == ["0.9", "0.5", "0.4", "0.35"]
        # the screen's "epoch 1" is the file's epoch 0
        await pilot.press("up", "down", "space", "full_stop")
        assert screen.chart.readout().startswith("epoch 1:") and "val 0.9" in screen.chart.readout()


async def test_unreadable_and_linked_runs_are_listed_and_nothing_outside_is_touched(runs_dir, tmp_path):
    """Issue 8, item 4: a broken folder, a torn metrics line, a run folder that is a link and
    a planted ``meta.json.tmp`` link: the screen lists them all, says what is wrong, and
    rename, tag and delete never write or remove anything outside the runs folder."""
    import json
    import os

    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    victim = write_finished_run(
        tmp_path / "elsewhere", _spec(), _recs([1.0], [0.5]), run_id="victim", info={"name": "victim"}
    )
    (runs_dir / "20240104-000000-linked-0004").symlink_to(victim, target_is_directory=True)
    broken = runs_dir / "20240105-000000-broken-0005"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    (broken / "spec.toml").write_bytes(b'name = "\xff"\n')
    none = runs_dir / "20240101-000000-none-0001"
    with open(none / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 4, "lo')
    (none / "meta.json.tmp").symlink_to(outside)
    app = Host(runs_dir, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.table.row_count == 5)
        assert str(screen.table.get_cell("20240104-000000-linked-0004", "status")) == "unreadable"
        assert str(screen.table.get_cell("20240105-000000-broken-0005", "status")) == "unreadable"
        info = screen.query_one("#runs-info")
        # the cursor's run says what is wrong with it, as plain text
        screen.table.move_cursor(row=[r.run_id for r in screen.shown].index("20240105-000000-broken-0005"))
        await wait_for(pilot, lambda: "unreadable: run.json: not valid JSON" in str(info.render()))
        screen.table.move_cursor(row=[r.run_id for r in screen.shown].index("20240101-000000-none-0001"))
        await wait_for(pilot, lambda: "metrics.jsonl: last line incomplete, ignored" in str(info.render()))
        # rename and tag "none": the planted link is never opened
        await pilot.press("r")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        modal.query_one(Input).value = "renamed"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "renamed" in names(screen))
        await pilot.press("g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        modal.query_one(Input).value = "t1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(r.tags == ("t1",) for r in screen.shown))
        assert outside.read_text() == "precious"
        assert json.loads((none / "meta.json").read_text()) == {"display_name": "renamed", "tags": ["t1"]}
        # rename the linked run: refused, nothing written behind the link
        screen.table.move_cursor(row=[r.run_id for r in screen.shown].index("20240104-000000-linked-0004"))
        await pilot.press("r")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, InputModal) and app.screen)
        modal.query_one(Input).value = "x"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, InputModal))
        assert not (victim / "meta.json").exists()
        await pilot.press("escape")  # the error modal
        await wait_for(pilot, lambda: app.screen is screen)
        # delete the linked run: the link goes, the run it points to stays whole
        before = sorted(p.name for p in victim.iterdir())
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.table.row_count == 4)
        assert not os.path.lexists(runs_dir / "20240104-000000-linked-0004")
        assert sorted(p.name for p in victim.iterdir()) == before
        # the broken run can be deleted too
        screen.table.move_cursor(row=[r.run_id for r in screen.shown].index("20240105-000000-broken-0005"))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        assert outside.read_text() == "precious"


async def test_the_app_keeps_its_runs_screen_and_lists_runs_off_the_ui_thread(make_app, monkeypatch):
    import threading

    from tuidl.core.runs import RunIndex

    threads: list[threading.Thread] = []
    real = RunIndex.refresh

    def refresh(self):
        threads.append(threading.current_thread())
        return real(self)

    monkeypatch.setattr(RunIndex, "refresh", refresh)
    app = make_app()
    _variants(app.runs_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        screen = await _open_screen(app, pilot, 3)
        assert threads and all(t is not threading.main_thread() for t in threads)
        await pilot.press("space", "l")
        chosen = dict(screen.selected)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), what="back on the dashboard")
        await pilot.press("r")
        again = await _open_screen(app, pilot, 3)
        assert again is screen and again.selected == chosen and again.chart.log_y
