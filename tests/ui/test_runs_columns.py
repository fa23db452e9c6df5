"""The runs table's columns: optimizer, initializer and regularizer (from each run's
``spec.toml``) stay in view at 80 columns; what does not fit is cut from the end."""

from __future__ import annotations

from pathlib import Path

from conftest import wait_for
from runfolders import write_finished_run
from test_runs_screen import Host

from tuidl.core.presets import load_experiment, resolved, run_name_for
from tuidl.core.runs import RunSummary, list_summaries
from tuidl.ui.screens.runs import RunsScreen
from tuidl.ui.screens.runs_table import COLUMNS, KEPT, cell, clip, fit_columns

VARIANTS = [
    [],
    ["compile.optimizer=sgd", *(f"model.layers[{i}].config.kernel_regularizer=l2" for i in (1, 2, 3))],
    ["model.layers[1].config.units=512"],
    ["compile.optimizer=rmsprop", "fit.epochs=30", "model.layers[1].config.kernel_initializer=he-normal"],
    [
        "compile.optimizer=nesterov",
        "model.layers[1].config.kernel_regularizer=l1l2",
        "model.layers[1].config.activation=tanh",
        "fit.batch_size=128",
        "data.validation_split=0.3",
    ],
]


def _runs(root: Path) -> Path:
    for k, overrides in enumerate(VARIANTS):
        exp = resolved(load_experiment("digits-mlp", overrides))
        recs = [
            {"epoch": i, "loss": 1 / (i + 1), "val_loss": 1.1 / (i + 1) + k / 50, "val_accuracy": 0.5} for i in range(3)
        ]
        write_finished_run(
            root,
            exp.to_toml(),
            recs,
            name=run_name_for(exp),
            run_id=f"2026010{k + 1}-000000-run{k}-000{k}",
            info={"started": f"2026-01-0{k + 1}T00:00:00+00:00", "params": 2410},
        )
    return root


def test_the_spec_gives_each_run_its_optimizer_initializer_and_regularizer(tmp_path: Path) -> None:
    runs = {r.run_id: r for r in list_summaries(_runs(tmp_path / "runs"))}
    base, sgd_l2, _, rms_he, nesterov = (runs[f"2026010{k + 1}-000000-run{k}-000{k}"] for k in range(5))
    assert (base.optimizer, base.initializer, base.regularizer) == ("Adam lr=0.001", "GlorotUniform", "none")
    assert (sgd_l2.optimizer, sgd_l2.regularizer) == ("SGD lr=0.01", "L2 0.001")
    assert rms_he.initializer == "mixed"  # he-normal on one layer, glorot-uniform on the others
    assert nesterov.regularizer == "L1L2 0.001/0.001" and nesterov.name.startswith("digits-mlp nesterov l1l2")
    assert cell(sgd_l2, "regularizer") == "L2 0.001" and cell(sgd_l2, "optimizer", compact=True) == "SGD 0.01"


def _width(fits, runs: list[RunSummary], keys) -> int:  # noqa: ANN001
    total = 0
    for k in keys:
        f = fits[k]
        if k == "sel":
            total += 3
            continue
        w = f.width if f.width is not None else max([len(f.header), *(len(cell(r, k, f.compact)) for r in runs)])
        total += w + 2
    return total


def test_fit_columns_keeps_the_kept_columns_within_80_and_leaves_wide_tables_alone(tmp_path: Path) -> None:
    runs = list_summaries(_runs(tmp_path / "runs"))
    wide = fit_columns(runs, 300)
    assert {k: f.header for k, f in wide.items()} == dict(COLUMNS) and all(f.width is None for f in wide.values())
    for width in (78, 90, 120):
        fits = fit_columns(runs, width)
        assert _width(fits, runs, KEPT) <= width, width
        assert fits["tags"].header == "tags" and fits["started_ts"].width is None  # the rest: cut by the table
    fits = fit_columns(runs, 78)
    assert [fits[k].header for k in ("optimizer", "initializer", "regularizer")] == ["optim", "init", "reg"]
    assert fits["best_metric"].header.startswith("val_a")  # the one metric all runs share
    assert fits["name"].width == 12


def test_clip_cuts_with_an_ellipsis_the_name_in_the_middle() -> None:
    assert clip("GlorotUniform", 8) == "GlorotU…"
    assert clip("digits-mlp sgd l2", 12, middle=True) == "digi… sgd l2"
    assert clip("short", 12, middle=True) == "short" and clip("abc", None) == "abc"


async def test_runs_table_at_80x24_shows_optimizer_initializer_and_regularizer(tmp_path: Path) -> None:
    app = Host(_runs(tmp_path / "runs"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.table.row_count == 5)
        table = app.screen.table
        # the columns up to the regularizer fit the table; the later ones are cut from the end
        region = table.scrollable_content_region.width
        shown = 0
        for key in KEPT:
            shown += table.columns[key].get_render_width(table)
        assert shown <= region, (shown, region)
        assert [str(table.columns[k].label) for k in ("optimizer", "initializer", "regularizer")] == [
            "optim",
            "init",
            "reg",
        ]
        assert str(table.get_cell("20260102-000000-run1-0001", "regularizer")) == "L2 0.001"
        assert str(table.get_cell("20260102-000000-run1-0001", "name")) == "digi… sgd l2"
        # wider: the full headers and names come back
        await pilot.resize_terminal(160, 48)
        await wait_for(pilot, lambda: str(table.columns["optimizer"].label) == "optimizer", what="refit at 160")
        assert str(table.get_cell("20260102-000000-run1-0001", "name")) == "digits-mlp sgd l2"


def test_a_cut_run_name_keeps_the_start_of_how_it_differs() -> None:
    """At 80 columns the name column is narrow: the experiment's name gives way to the words
    after it, which are cut at their end (not ``digi…near +4``)."""
    name = "digits-mlp dropout l2 units=512 activation=linear +4"
    cut = clip(name, 16, middle=True)
    assert cut.startswith("digi") and "dropout" in cut and cut.endswith("…") and len(cut) == 16
