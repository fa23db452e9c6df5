"""``tuidl runs``: table, JSON, filters, CSV export and errors."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.cli import main
from tuidl.core.runs import set_tags
from runfolders import write_finished_run
from tuidl.core.spec import Experiment


@pytest.fixture
def runs(tmp_path):
    spec = Experiment(name="digits-mlp").to_toml()
    sgd = Experiment(name="digits-mlp").with_overrides({"compile.optimizer": "sgd"}).to_toml()
    write_finished_run(
        tmp_path,
        spec,
        [
            {"epoch": 0, "loss": 1.2, "val_loss": 1.0, "val_accuracy": 0.6, "step": 10, "time": 0.4},
            {"epoch": 1, "loss": 0.8, "val_loss": 0.7, "val_accuracy": 0.8, "step": 20, "time": 0.8},
        ],
        run_id="20240101-000000-none-aaaa",
        info={"name": "none", "params": 4810, "started": "2024-01-01T00:00:00+00:00"},
    )
    write_finished_run(
        tmp_path,
        sgd,
        [
            {"epoch": 0, "loss": 1.1, "val_loss": 0.5, "val_accuracy": 0.9, "step": 10, "time": 0.5},
        ],
        run_id="20240102-000000-l2-bbbb",
        status="stopped",
        info={"name": "l2", "params": 4810, "started": "2024-01-02T00:00:00+00:00"},
    )
    set_tags(tmp_path / "20240102-000000-l2-bbbb", ["reg"])
    return tmp_path


def test_json_lists_runs_newest_first(runs, capsys):
    assert main(["runs", "--runs-dir", str(runs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in data] == ["20240102-000000-l2-bbbb", "20240101-000000-none-aaaa"]
    first, second = data
    assert first["name"] == "l2" and first["status"] == "stopped" and first["optimizer"] == "sgd"
    assert first["tags"] == ["reg"] and first["best_val_loss"] == 0.5
    assert second["best_val_loss"] == 0.7 and second["metric"] == "val_accuracy"
    assert second["best_metric"] == 0.8 and second["epochs_done"] == 2 and second["params"] == 4810
    assert second["dataset"] == "digits" and second["started"].startswith("2024-01-01")
    assert set(first) >= {
        "run_id",
        "dir",
        "name",
        "dataset",
        "params",
        "optimizer",
        "status",
        "epochs_done",
        "best_val_loss",
        "best_metric",
        "duration",
        "started",
        "tags",
    }


def test_table_filter_status_sort(runs, capsys):
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["RUN", "NAME", "TAGS", "DATASET"]
    assert "l2" in out[1] and "none" in out[2] and "4,810" in out[1]
    assert main(["runs", "--runs-dir", str(runs), "--json", "--status", "completed"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["none"]
    assert main(["runs", "--runs-dir", str(runs), "--json", "--filter", "reg"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["l2"]
    assert main(["runs", "--runs-dir", str(runs), "--json", "--sort", "best_val_loss", "--reverse"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["none", "l2"]


def test_csv_export_of_named_runs(runs, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["runs", "--runs-dir", str(runs), "--csv", str(out), "20240101", "l2"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == ["l2", "none", "none"]  # listing order: newest first
    assert rows[0]["val_loss"] == "0.5"
    assert "wrote 3 rows" in capsys.readouterr().err


def test_bad_input_exits_2_with_a_message(runs, tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["runs", "--runs-dir", str(a_file)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["runs", "--runs-dir", str(runs), "--status", "done"]) == 2
    err = capsys.readouterr().err
    assert "unknown status" in err and "completed" in err
    assert main(["runs", "--runs-dir", str(runs), "zzz"]) == 2
    assert "no run 'zzz'" in capsys.readouterr().err
    assert main(["runs", "--runs-dir", str(runs), "2024"]) == 2
    assert "matches 2 runs" in capsys.readouterr().err


def test_empty_runs_dir(tmp_path, capsys):
    assert main(["runs", "--runs-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_runs_dir_not_created_yet_has_no_runs(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "not-yet"
    assert main(["runs", "--runs-dir", str(missing)]) == 0
    assert f"no runs in {missing}" in capsys.readouterr().err
    assert main(["runs", "--runs-dir", str(missing), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    monkeypatch.setenv("TUIDL_RUNS_DIR", str(missing))  # same without --runs-dir
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not missing.exists()  # listing creates nothing


def test_help_is_plain_text_and_says_how_epochs_count(capsys):
    with pytest.raises(SystemExit) as e:
        main(["runs", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "``" not in out and "::" not in out
    assert "tuidl runs: list the runs" in out and "Examples:\n" in out
    assert "0-based" in " ".join(out.split())  # the CSV's epoch column


def test_table_has_a_tags_column(runs, capsys):
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    head, l2, none = capsys.readouterr().out.splitlines()
    tags_at = head.index("TAGS")
    assert l2[tags_at:].split()[0] == "reg" and none[tags_at:].split()[0] == "-"


def test_csv_to_a_closed_pipe_ends_quietly(runs):
    p = subprocess.Popen(
        [sys.executable, "-m", "tuidl", "runs", "--runs-dir", str(runs), "--csv", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    p.stdout.close()  # the reader went away before reading anything (as `| head -0`)
    _, err = p.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert p.returncode == 1


def test_runs_command_in_a_fresh_process_stays_light(runs):
    code = (
        "import sys, tuidl.cli; rc = tuidl.cli.main(['runs', '--json']); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules "
        "and 'textual' not in sys.modules, 'heavy import'; sys.exit(rc)"
    )
    env = {**os.environ, "TUIDL_RUNS_DIR": str(runs), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) == 2


@pytest.fixture
def long_runs(runs):
    spec = Experiment(name="digits-mlp").to_toml()
    write_finished_run(
        runs,
        spec,
        [{"epoch": 0, "loss": 1.0, "val_loss": 0.9, "val_accuracy": 0.7}],
        run_id="20240103-000000-digits-mlp-nesterov-l1l2-activation-tanh-cccc",
        info={"name": "digits-mlp nesterov l1l2 activation=tanh +2", "started": "2024-01-03T00:00:00+00:00"},
    )
    return runs


def test_table_fits_columns_80_cutting_long_cells_and_leaving_out_columns(long_runs, capsys, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    assert main(["runs", "--runs-dir", str(long_runs)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert lines[0].split() == ["RUN", "NAME", "OPTIM", "STATUS", "VAL_LOSS", "METRIC"]
    # the long name keeps its start and its end (the differences); the id its date and its end
    assert re.search(r" digi[^ ]*…[^ ]*tanh \+2 ", lines[1]), lines[1]
    assert re.match(r"20240103[^ ]*…[^ ]*-cccc ", lines[1]), lines[1]
    assert "0.7 val_acc" in lines[1]  # the best metric's value first
    assert "left out started, duration, params, dataset, tags, epochs, regularizer, initializer" in err
    assert "--wide" in err


def test_wide_shows_every_column_in_full(long_runs, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["runs", "--runs-dir", str(long_runs), "--wide"]) == 0
    out, err = capsys.readouterr()
    assert "…" not in out and "left out" not in err
    assert out.splitlines()[0].split()[:8] == [
        "RUN",
        "NAME",
        "TAGS",
        "DATASET",
        "PARAMS",
        "OPTIMIZER",
        "INITIALIZER",
        "REGULARIZER",
    ]
    assert "20240103-000000-digits-mlp-nesterov-l1l2-activation-tanh-cccc" in out
    assert "digits-mlp nesterov l1l2 activation=tanh +2" in out


def test_piped_without_columns_is_not_cut_and_columns_set_cuts(long_runs):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    cmd = [sys.executable, "-m", "tuidl", "runs", "--runs-dir", str(long_runs)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "…" not in p.stdout and p.stderr == ""
    assert "digits-mlp nesterov l1l2 activation=tanh +2" in p.stdout and "BEST VAL_LOSS" in p.stdout
    p = subprocess.run(cmd, env={**env, "COLUMNS": "100"}, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and max(len(line) for line in p.stdout.splitlines()) <= 100
    assert "…" in p.stdout and "left out" in p.stderr


def test_fit_table_leaves_a_table_that_fits_as_it_is():
    from tuidl.commands.runs import fit_table

    head, rows = ["RUN", "NAME"], [["r1", "a name"]]
    assert fit_table(head, rows, 40) == (head, rows, [])
