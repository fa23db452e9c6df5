"""Run folders: summaries, listing cache, live follow, user edits, config diff, CSV export."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tuidl.core.runs import (
    MetricsFollower,
    RunError,
    RunFollower,
    RunIndex,
    RunWriter,
    config_diff,
    delete_run,
    export_csv,
    filter_runs,
    flatten,
    list_runs,
    list_summaries,
    read_spec_dict,
    rename_run,
    set_tags,
    sort_runs,
    spec_facts,
)
from runfolders import write_finished_run
from tuidl.core.spec import Experiment

SPEC = Experiment().to_toml()


def spec_with(**over) -> str:
    return Experiment().with_overrides(over).to_toml()


def recs(val_losses, acc=None):
    out = []
    for i, v in enumerate(val_losses):
        r = {"epoch": i, "loss": v * 1.1, "val_loss": v, "step": (i + 1) * 10, "time": (i + 1) * 0.5}
        if acc is not None:
            r["accuracy"] = acc[i] - 0.05
            r["val_accuracy"] = acc[i]
        out.append(r)
    return out


def wait_until(cond, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.02)  # polling interval, not a fixed wait: the deadline bounds it
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_writer_summary_and_listing(tmp_path):
    d = write_finished_run(
        tmp_path,
        spec_with(**{"compile.optimizer": "sgd", "fit.epochs": 3}),
        recs([1.0, 0.5, 0.7], acc=[0.5, 0.8, 0.7]),
        info={"name": "none", "params": 1234},
        run_id="r1",
    )
    info = json.loads((d / "run.json").read_text())
    assert info["dataset"] == "digits" and info["optimizer"] == "sgd"
    assert info["summary"]["best_val_loss"] == 0.5
    [s] = list_summaries(tmp_path)
    assert (s.run_id, s.name, s.status, s.params, s.epochs_done) == ("r1", "none", "completed", 1234, 3)
    assert s.best_val_loss == 0.5 and s.metric == "val_accuracy" and s.best_metric == 0.8
    assert s.epochs_planned == 3 and s.optimizer == "sgd" and s.dataset == "digits"
    assert s.duration is not None and s.duration >= 0
    # old records API still works
    [r] = list_runs(tmp_path)
    assert r.series("val_loss") == [1.0, 0.5, 0.7]


def test_summary_from_metrics_when_run_json_has_none(tmp_path):
    # a killed writer: run.json says running, the pid is gone, no summary stored
    d = write_finished_run(tmp_path, SPEC, recs([2.0, float("nan"), 1.5]), status="running", run_id="k")
    info = json.loads((d / "run.json").read_text())
    info["pid"] = 2**22 + 12345  # beyond pid_max defaults: no such process
    (d / "run.json").write_text(json.dumps(info))
    [s] = list_summaries(tmp_path)
    assert s.status == "failed" and s.stale and "gone" in s.error
    assert s.best_val_loss == 1.5 and s.epochs_done == 3


def test_unreadable_files_never_raise(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{not json")
    (tmp_path / "broken" / "metrics.jsonl").write_text('{"epoch": 0, "val_loss": 1}\n[1,2]\n{torn')
    (tmp_path / "not-a-run").mkdir()
    (tmp_path / "file.txt").write_text("x")
    [s] = list_summaries(tmp_path)
    # listed as unreadable with the reason; its whole records still count
    assert s.status == "unreadable" and s.best_val_loss == 1.0 and s.epochs_done == 1
    assert s.error.startswith("run.json: not valid JSON (line 1, column 2")
    assert "metrics.jsonl: 1 unreadable line skipped" in s.notes
    assert "metrics.jsonl: last line incomplete, ignored" in s.notes
    assert list_summaries(tmp_path / "missing") == []


def test_index_cache_rereads_only_changes(tmp_path):
    write_finished_run(tmp_path, SPEC, recs([1.0]), run_id="a")
    idx = RunIndex(tmp_path)
    first = idx.refresh()
    again = idx.refresh()
    assert again[0] is first[0]  # unchanged: the cached row object
    rename_run(tmp_path / "a", "renamed")
    assert idx.refresh()[0].name == "renamed"
    delete_run(tmp_path / "a")
    assert idx.refresh() == []


def test_filter_sort_rename_tags(tmp_path):
    write_finished_run(tmp_path, SPEC, recs([1.0, 0.4]), run_id="a", info={"name": "none", "params": 10})
    write_finished_run(tmp_path, SPEC, recs([0.3]), run_id="b", info={"name": "l2", "params": 5}, status="stopped")
    write_finished_run(
        tmp_path,
        SPEC,
        [],
        run_id="c",
        info={"name": "dropout"},
        status="failed",
        error={"title": "Training failed", "message": "boom"},
    )
    set_tags(tmp_path / "b", "reg, baseline reg")
    runs = list_summaries(tmp_path)
    assert [r.run_id for r in filter_runs(runs, "reg")] == ["b"]
    assert [r.run_id for r in filter_runs(runs, "BASELINE l2")] == ["b"]
    assert {r.run_id for r in filter_runs(runs, statuses={"failed", "stopped"})} == {"b", "c"}
    assert [r.run_id for r in sort_runs(runs, "best_val_loss")] == ["b", "a", "c"]  # None last
    assert [r.run_id for r in sort_runs(runs, "best_val_loss", reverse=True)] == ["a", "b", "c"]
    assert [r.run_id for r in sort_runs(runs, "name")] == ["c", "b", "a"]
    assert [r.run_id for r in sort_runs(runs, "params")] == ["b", "a", "c"]
    with pytest.raises(ValueError, match="cannot sort"):
        sort_runs(runs, "colour")
    b = next(r for r in list_summaries(tmp_path) if r.run_id == "b")
    assert b.tags == ("reg", "baseline")
    c = next(r for r in runs if r.run_id == "c")
    assert c.error == "Training failed: boom"
    rename_run(tmp_path / "a", "  ")
    assert next(r for r in list_summaries(tmp_path) if r.run_id == "a").name == "none"
    with pytest.raises(RunError, match="one line"):
        rename_run(tmp_path / "a", "x\ny")
    with pytest.raises(RunError, match="not a run folder"):
        rename_run(tmp_path / "zzz", "x")


def test_rename_survives_a_writer_rewriting_run_json(tmp_path):
    w = RunWriter(tmp_path, "live")
    w.start(SPEC, {"name": "exp"})
    rename_run(w.dir, "my name")
    w.epoch({"epoch": 0, "loss": 1.0})
    w.finish("completed")
    assert list_summaries(tmp_path)[0].name == "my name"


def test_delete_refuses_a_live_run_unless_forced(tmp_path):
    w = RunWriter(tmp_path, "live")
    w.start(SPEC, {"name": "exp"})  # pid = this process: alive
    with pytest.raises(RunError, match="still running"):
        delete_run(w.dir)
    delete_run(w.dir, force=True)
    assert not w.dir.exists()


def test_flatten_and_config_diff():
    a = Experiment().to_dict()
    b = Experiment().with_overrides({"compile.optimizer": "sgd", "fit.batch_size": 64}).to_dict()
    c = Experiment().with_overrides({"fit.batch_size": 64}).to_dict()
    c["model"]["layers"].append({"class_name": "Dropout", "config": {"rate": 0.5}})
    b["name"] = "other"
    f = flatten({"model": {"layers": [{"class_name": "Dense", "config": {"units": 8}}]}, "fit": {}})
    assert f == {"model.layers[0].class_name": "Dense", "model.layers[0].config.units": 8, "fit": {}}
    diff = dict(config_diff([a, b, c]))
    assert diff["compile.optimizer"] == ["adam", "sgd", "adam"]
    assert diff["fit.batch_size"] == [32, 64, 64]
    assert "name" not in diff and "fit.epochs" not in diff
    assert diff["layers[dropout]"] == [None, None, "Dropout(rate=0.5)"]
    assert not [k for k in diff if k.startswith("model.")]
    # floats compared with tolerance
    assert config_diff([{"x": 0.1}, {"x": 0.1 + 1e-12}]) == []
    assert config_diff([{"x": [1, 2]}, {"x": [1, 3]}]) == [("x", [[1, 2], [1, 3]])]


def _mlp(*layers: dict) -> dict:
    return {
        "data": {"name": "digits"},
        "model": {"layers": list(layers)},
        "compile": {"optimizer": "adam"},
        "fit": {"epochs": 3},
    }


def _dense(units: int, **extra) -> dict:
    return {"class_name": "Dense", "config": {"units": units, "activation": "relu", **extra}}


def test_config_diff_matches_layers_by_name_not_position():
    l2 = {"class_name": "L2", "config": {"l2": 0.001}}
    none = _mlp({"class_name": "Flatten", "config": {}}, _dense(64), _dense(32), _dense(10))
    reg = _mlp(
        {"class_name": "Flatten", "config": {}},
        _dense(64, kernel_regularizer=l2),
        _dense(32, kernel_regularizer=l2),
        _dense(10, kernel_regularizer=l2),
    )
    drop = _mlp(
        {"class_name": "Flatten", "config": {}},
        _dense(64),
        {"class_name": "Dropout", "config": {"rate": 0.3}},
        _dense(32),
        _dense(10),
    )
    rows = config_diff([none, reg, drop])
    # the inserted layer is one row; Dense layers compare with their namesakes
    assert rows == [
        ("layers[dense].kernel_regularizer", [None, "L2(l2=0.001)", None]),
        ("layers[dropout]", [None, None, "Dropout(rate=0.3)"]),
        ("layers[dense_1].kernel_regularizer", [None, "L2(l2=0.001)", None]),
        ("layers[dense_2].kernel_regularizer", [None, "L2(l2=0.001)", None]),
    ]
    # a changed argument of a layer all have; a Keras object of one class compared by argument
    wide = _mlp({"class_name": "Flatten", "config": {}}, _dense(128), _dense(32), _dense(10))
    wide["compile"]["optimizer"] = {"class_name": "Adam", "config": {"learning_rate": 0.01}}
    none["compile"]["optimizer"] = {"class_name": "Adam", "config": {"learning_rate": 0.001}}
    assert config_diff([none, wide]) == [
        ("layers[dense].units", [64, 128]),
        ("compile.optimizer.learning_rate", [0.001, 0.01]),
    ]
    sgd = {**none, "compile": {"optimizer": {"class_name": "SGD", "config": {"momentum": 0.9}}}}
    assert config_diff([none, sgd]) == [("compile.optimizer", ["Adam(learning_rate=0.001)", "SGD(momentum=0.9)"])]
    # explicit names are kept; a changed order of shared layers gets its own row
    a = _mlp(_dense(8, name="hidden"), _dense(4, name="out"))
    b = _mlp(_dense(4, name="out"), _dense(8, name="hidden"))
    assert config_diff([a, b]) == [("layers (order)", ["hidden → out", "out → hidden"])]
    # rows in spec order: data, then layers, then compile and fit
    c = {**drop, "data": {"name": "iris"}, "fit": {"epochs": 5}}
    assert [k for k, _ in config_diff([none, c])] == ["data.name", "layers[dropout]", "compile.optimizer", "fit.epochs"]


def test_config_diff_without_a_layer_list_falls_back_to_positions():
    rows = dict(config_diff([{"model": {"layers": "oops"}}, {"model": {"layers": "other"}}]))
    assert rows == {"model.layers": ["oops", "other"]}


def test_sort_by_tags_puts_untagged_runs_last(tmp_path):
    for name, tags in (("a", []), ("b", ["zeta"]), ("c", ["Alpha"])):
        d = write_finished_run(tmp_path, SPEC, recs([1.0]), run_id=name, info={"name": name})
        set_tags(d, tags)
    runs = list_summaries(tmp_path)
    assert [r.name for r in sort_runs(runs, "tags")] == ["c", "b", "a"]
    assert [r.name for r in sort_runs(runs, "tags", reverse=True)] == ["b", "c", "a"]


def test_epoch_numbering_is_documented_and_kept_0_based(tmp_path):
    import tuidl.core.runs as runs_mod

    doc = " ".join(runs_mod.__doc__.split())
    assert "``epoch`` is 0-based as in Keras's ``CSVLogger``" in doc
    assert "``epochs_done`` counts finished epochs" in doc
    assert "0-based" in " ".join(export_csv.__doc__.split())
    d = write_finished_run(tmp_path, SPEC, recs([1.0, 0.5, 0.7]), run_id="r", info={"name": "r"})
    buf = io.StringIO()
    export_csv([d], buf)
    assert [r["epoch"] for r in csv.DictReader(io.StringIO(buf.getvalue()))] == ["0", "1", "2"]
    [s] = list_summaries(tmp_path)
    assert s.epochs_done == 3


def test_spec_facts_component_forms():
    assert spec_facts('[compile]\noptimizer = { class_name = "SGD", config = { learning_rate = 0.01 } }\n') == {
        "optimizer": "SGD lr=0.01"
    }
    assert spec_facts("not toml [") == {}


def test_export_csv_wide(tmp_path):
    a = write_finished_run(tmp_path, SPEC, recs([1.0, 0.5]), run_id="a", info={"name": "A"})
    b = write_finished_run(tmp_path, SPEC, recs([0.9], acc=[0.7]), run_id="b", info={"name": "B"})
    out = tmp_path / "m.csv"
    assert export_csv([a, b], out) == 3
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["run_id"] == "a" and rows[0]["name"] == "A" and rows[0]["val_loss"] == "1.0"
    assert rows[0]["val_accuracy"] == "" and rows[2]["val_accuracy"] == "0.7"
    assert list(rows[0])[:5] == ["run_id", "name", "epoch", "step", "time"]
    buf = io.StringIO()
    export_csv([a], buf)
    assert buf.getvalue().startswith("run_id,name,epoch")
    with pytest.raises(RunError, match="cannot write CSV"):
        export_csv([a], tmp_path / "no" / "such" / "dir.csv")


def test_metrics_follower_torn_line_and_truncation(tmp_path):
    p = tmp_path / "metrics.jsonl"
    f = MetricsFollower(p)
    assert f.poll() == []
    p.write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "lo')
    assert [r["epoch"] for r in f.poll()] == [0]
    assert f.poll() == []
    with p.open("a") as fh:
        fh.write('ss": "nan"}\n')
    [r] = f.poll()
    assert r["epoch"] == 1 and math.isnan(r["loss"])
    p.write_text('{"epoch": 0, "loss": 5.0}\n')  # replaced by a shorter file
    assert [r["loss"] for r in f.poll()] == [5.0] and f.restarts == 1


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tuidl.core.runs import RunWriter
    root, n = Path(sys.argv[1]), int(sys.argv[2])
    w = RunWriter(root, "other-process")
    w.start('name = "x"\\n', {"name": "x"})
    go = root / "go"
    for i in range(n):
        # wait until the reader asks for the next epoch (a handshake, bounded by a deadline)
        deadline = time.monotonic() + 30
        while not (go / str(i)).exists():
            if time.monotonic() > deadline:
                sys.exit(3)
            time.sleep(0.01)
        w.epoch({"epoch": i, "loss": 1.0 / (i + 1), "val_loss": 2.0 / (i + 1), "time": i * 0.1})
    w.finish("completed")
""")


def test_live_follow_with_a_writer_in_another_process(tmp_path):
    (tmp_path / "go").mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "3"], env=env)
    try:
        run_dir = tmp_path / "other-process"
        wait_until(lambda: (run_dir / "run.json").exists(), what="run.json from the writer")
        idx = RunIndex(tmp_path)
        [s] = idx.refresh()
        assert s.status == "running" and s.epochs_done == 0
        fol = RunFollower(run_dir)
        for i in range(3):
            (tmp_path / "go" / str(i)).touch()
            wait_until(lambda: fol.poll() or fol.history.epochs_done > i, what=f"epoch {i}")
            assert fol.history.epochs_done == i + 1
            [s] = idx.refresh()
            assert s.epochs_done == i + 1 and s.best_val_loss == pytest.approx(2.0 / (i + 1))
        assert proc.wait(timeout=30) == 0
        [s] = wait_until(lambda: [r for r in idx.refresh() if r.status == "completed"], what="completed")
        xs, ys = fol.history.series("val_loss")
        assert xs.tolist() == [1.0, 2.0, 3.0] and ys[-1] == pytest.approx(2 / 3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_read_spec_dict(tmp_path):
    d = write_finished_run(tmp_path, SPEC, [], run_id="a")
    assert read_spec_dict(d)["compile"]["optimizer"] == "adam"
    assert read_spec_dict(tmp_path / "nope") == {}


def test_engine_style_run_json_dataset_dict_and_planned_epochs(tmp_path):
    # the engine stores the dataset's description dict and the planned epochs as "epochs"
    write_finished_run(
        tmp_path,
        'name = "x"\n',
        [{"epoch": 0, "loss": 1.0}],
        run_id="e",
        info={"dataset": {"name": "digits", "n_train": 1437}, "epochs": 5},
    )
    [s] = list_summaries(tmp_path)
    assert s.dataset == "digits" and s.epochs_planned == 5 and s.optimizer is None
