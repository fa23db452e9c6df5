"""One run store (issue 9, item 2): only ``tuidl.core.runs`` writes ``run.json`` and
``meta.json``; ``run.json`` has a model with a ``format_version``, and older folders still
read; ``metrics.jsonl`` loads with numeric columns in pandas, non-finite values included."""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tuidl
import tuidl.core.runs.store as store_mod
from tuidl.core.runs import (
    FORMAT_VERSION,
    RunInfo,
    RunWriter,
    end_orphan_run,
    list_summaries,
    mark_run_ended,
    read_metrics,
    read_run,
    read_run_info,
)
from runfolders import write_finished_run
from tuidl.core.spec import Experiment

SPEC = Experiment().to_toml()
STORE_FILES = ("run.json", "meta.json")
PKG = Path(tuidl.__file__).parent


# -- only the store writes run.json and meta.json -------------------------------------------------

_WRITE_METHODS = {"write_text", "write_bytes", "atomic_write", "dump", "replace", "rename"}


def _is_write(call: ast.Call) -> bool:
    """A call that may write a file: ``open(.., "w"/"a"/"x"/"+")``, ``os.open`` with write
    flags, ``Path.write_text``/``write_bytes``, ``json.dump``, ``atomic_write``, a rename."""
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    if name in _WRITE_METHODS:
        return True
    if name == "open":
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "os":
            flags = ast.unparse(call.args[1]) if len(call.args) > 1 else ""
            return any(w in flags for w in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"))
        modes = [a for a in call.args[1:2]] + [k.value for k in call.keywords if k.arg == "mode"]
        return any(
            isinstance(m, ast.Constant) and isinstance(m.value, str) and any(c in m.value for c in "wax+")
            for m in modes
        )
    return False


def store_writers(root: Path, allowed: Path | None = None) -> list[str]:
    """``"path:line function"`` for each function (or module body) under ``root`` that names
    ``run.json`` or ``meta.json`` as a string literal and also writes a file, outside
    ``allowed`` (the store package)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if allowed is not None and allowed in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        scopes: list[ast.AST] = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        scopes.append(
            ast.Module(
                body=[n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))],
                type_ignores=[],
            )
        )
        for scope in scopes:
            nodes = list(ast.walk(scope))
            names = any(
                isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.rsplit("/", 1)[-1] in STORE_FILES
                for n in nodes
            )
            if names and any(isinstance(n, ast.Call) and _is_write(n) for n in nodes):
                where = getattr(scope, "lineno", 0)
                found.append(f"{path.relative_to(root)}:{where} {getattr(scope, 'name', '<module>')}")
    return found


def test_no_module_outside_the_store_writes_run_json_or_meta_json():
    assert store_writers(PKG, allowed=PKG / "core" / "runs") == []


def test_the_writer_scan_finds_a_writer(tmp_path):
    """The scan is not vacuous: the shapes the UI used (and others) are found."""
    (tmp_path / "ui.py").write_text(
        "import json\n"
        "def mark(d, info):\n    atomic_write(d / 'run.json', json.dumps(info))\n"
        "def tag(d):\n    p = d / 'meta.json'\n    p.write_text('{}')\n"
        "def raw(d):\n    with open(os.path.join(d, 'run.json'), 'w') as f:\n        f.write('{}')\n"
        "def fd(d):\n    os.open(f'{d}/meta.json', os.O_WRONLY | os.O_CREAT)\n"
        "def reads(d):\n    return read_run_json(d, 'run.json')\n"
    )
    assert store_writers(tmp_path) == ["ui.py:2 mark", "ui.py:4 tag", "ui.py:7 raw", "ui.py:10 fd"]


def _running(root: Path, pid: int, **extra) -> Path:
    d = write_finished_run(root, SPEC, [{"epoch": 0, "loss": 1.0}], status="running", run_id="r", info={"name": "r"})
    info = json.loads((d / "run.json").read_text())
    info.update(pid=pid, **extra)
    (d / "run.json").write_text(json.dumps(info))
    return d


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_an_orphan_run_is_ended_through_the_store(tmp_path, monkeypatch):
    """The UI's path for a run whose engine died (``end_orphan_run``) writes through the
    store's validated writer, keeps fields it does not know and stamps the format."""
    calls: list[str] = []
    real = store_mod.atomic_write

    def spy(path, data, **kw):
        calls.append(Path(path).name)
        return real(path, data, **kw)

    live = _running(tmp_path / "live", os.getpid())
    d = _running(tmp_path / "dead", _dead_pid(), custom={"from": "a newer tuidl"})
    monkeypatch.setattr(store_mod, "atomic_write", spy)
    assert end_orphan_run(live, "stopped") is False and calls == []
    assert end_orphan_run(d, "stopped") is True
    assert calls == ["run.json"]
    info = json.loads((d / "run.json").read_text())
    assert info["status"] == "stopped" and info["epochs_done"] == 1 and info["ended"]
    assert info["format_version"] == FORMAT_VERSION and info["custom"] == {"from": "a newer tuidl"}
    assert mark_run_ended(d, "failed") is False  # only a running run is changed


def test_the_ui_imports_the_store_functions_not_its_own_copies():
    import tuidl.ui.app as app
    import tuidl.ui.app_events as app_events

    assert app_events.mark_run_ended is store_mod.mark_run_ended
    assert app.end_orphan_run is store_mod.end_orphan_run
    assert not hasattr(app, "_pid_alive") and not hasattr(app_events, "_pid_alive")


# -- run.json: a model with a format_version; older folders read ---------------------------------


def test_the_writer_stamps_and_validates_run_json(tmp_path):
    d = write_finished_run(
        tmp_path,
        SPEC,
        [{"epoch": 0, "loss": 0.5, "val_loss": 0.6}],
        run_id="a",
        info={
            "name": "a",
            "params": 10,
            "findings": [{"level": "warning", "message": "m", "hint": "h", "field": "fit.epochs", "layer": None}],
        },
    )
    raw = json.loads((d / "run.json").read_text())
    assert raw["format_version"] == 2 == FORMAT_VERSION
    info = RunInfo.model_validate(raw)
    assert info.status == "completed" and info.params == 10 and info.summary.best_val_loss == 0.6
    assert info.findings[0].field == "fit.epochs" and info.findings[0].layer is None
    w = RunWriter(tmp_path, "b")
    w.start(SPEC, {"name": "b"})
    before = (w.dir / "run.json").read_text()
    w.info["params"] = "many"
    with pytest.raises(ValueError, match="params"):
        w.write_info()
    w.info["params"] = 3
    w.info["status"] = "paused"
    with pytest.raises(ValueError, match="status 'paused' is not one of"):
        w.write_info()
    assert (w.dir / "run.json").read_text() == before
    w.close()


def test_a_version_1_folder_reads(tmp_path):
    """A folder from before format_version: no version field, non-finite metrics as strings,
    a field of the wrong type, fields tuidl does not know."""
    d = tmp_path / "20240101-000000-old-abcd"
    d.mkdir()
    (d / "spec.toml").write_text(SPEC)
    (d / "run.json").write_text(
        json.dumps(
            {
                "run_id": d.name,
                "name": "old",
                "status": "diverged",
                "started": "2024-01-01T00:00:00+00:00",
                "ended": "2024-01-01T00:01:00+00:00",
                "params": "12",
                "dataset": "digits",
                "later": [1, 2],
            }
        )
    )
    (d / "metrics.jsonl").write_text(
        '{"epoch": 0, "loss": 1.5, "val_loss": "inf"}\n{"epoch": 1, "loss": "nan", "val_loss": "-inf"}\n'
    )
    info, dropped = read_run_info(d)
    assert info.format_version == 1 and info.status == "diverged" and info.dataset == "digits"
    assert dropped == ("params",) and info.params is None
    assert info.model_extra == {"later": [1, 2]}
    recs = read_metrics(d / "metrics.jsonl")
    assert recs[0]["val_loss"] == math.inf and math.isnan(recs[1]["loss"]) and recs[1]["val_loss"] == -math.inf
    [s] = list_summaries(tmp_path)
    assert s.status == "diverged" and s.epochs_done == 2 and s.params is None and s.dataset == "digits"
    assert read_run(d).run_info.name == "old"


# -- metrics.jsonl: numeric columns in pandas, non-finite values included ------------------------

RECS = [
    {"epoch": 0, "step": 4, "time": 0.25, "loss": 0.9, "val_loss": float("nan"), "accuracy": 0.5},
    {"epoch": 1, "step": 8, "time": 0.5, "loss": float("inf"), "val_loss": 0.7, "accuracy": float("-inf")},
    {"epoch": 2, "step": 12, "time": 0.75, "loss": float("nan"), "val_loss": float("nan"), "accuracy": 0.6},
]


def test_metrics_jsonl_non_finite_values_are_json_numbers(tmp_path):
    d = write_finished_run(tmp_path, SPEC, RECS, run_id="r", info={"name": "r"}, status="diverged")
    lines = [json.loads(line) for line in (d / "metrics.jsonl").read_text().splitlines()]
    assert all(isinstance(r[k], float) for r in lines for k in ("loss", "val_loss", "accuracy"))
    assert math.isnan(lines[0]["val_loss"]) and lines[1]["loss"] == math.inf and lines[1]["accuracy"] == -math.inf
    back = read_metrics(d / "metrics.jsonl")
    assert [json.dumps(r) for r in back] == [json.dumps(r) for r in RECS]


def test_metrics_jsonl_loads_with_numeric_columns_in_pandas(tmp_path):
    pd = pytest.importorskip("pandas")  # in the `test` extra; skipped only where it is not installed
    d = write_finished_run(tmp_path, SPEC, RECS, run_id="r", info={"name": "r"}, status="diverged")
    for kw in ({}, {"dtype": False}):  # dtype=False: what is in the file, no string coercion by pandas
        df = pd.read_json(d / "metrics.jsonl", lines=True, **kw)
        assert list(df.columns) == ["epoch", "step", "time", "loss", "val_loss", "accuracy"]
        assert {str(df[c].dtype) for c in ("time", "loss", "val_loss", "accuracy")} == {"float64"}, kw
        assert str(df["epoch"].dtype) == "int64" and df["epoch"].tolist() == [0, 1, 2]
        assert df["loss"].isna().tolist() == [False, False, True] and df["loss"][1] == math.inf
        assert df["accuracy"][1] == -math.inf and math.isnan(df["val_loss"][0])
