"""Run folders are written safely and read forgivingly (issue 8, item 4): no symlink followed
out of the runs folder, one atomic-write helper, torn and unreadable files named, never a crash."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tuidl.core.runs.files as files_mod
import tuidl.core.runs.store as store_mod
from tuidl.core.runs import (
    TORN_LINE_NOTE,
    RunError,
    RunIndex,
    RunWriter,
    atomic_write,
    delete_run,
    list_runs,
    list_summaries,
    read_metrics,
    read_run,
    read_spec_dict,
    rename_run,
    set_tags,
)
from runfolders import write_finished_run
from tuidl.core.spec import Experiment

SPEC = Experiment().to_toml()
RECS = [
    {"epoch": i, "loss": 1.0 / (i + 1), "val_loss": 1.1 / (i + 1), "step": i + 1, "time": i + 0.5} for i in range(3)
]


def _run(root: Path, run_id: str, status: str = "completed", **info) -> Path:
    return write_finished_run(
        root,
        SPEC,
        RECS,
        status=status,
        run_id=run_id,
        info={"name": run_id, "started": "2024-01-02T00:00:00+00:00", **info},
    )


def _tmp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp" in p.name]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuidl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


# -- writes: one helper, unique temporary files, no link followed ---------------------------------


def test_rename_and_tag_ignore_a_planted_tmp_link_and_replace_a_meta_link(tmp_path):
    """A ``meta.json.tmp`` linked to a file elsewhere made rename overwrite that file."""
    root = tmp_path / "runs"
    d = _run(root, "a")
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    (d / "meta.json.tmp").symlink_to(outside)
    rename_run(d, "new name")
    assert outside.read_text() == "precious"
    assert json.loads((d / "meta.json").read_text())["display_name"] == "new name"
    # meta.json itself a link out: it is not read, and the write replaces the link
    (d / "meta.json").unlink()
    other = tmp_path / "other.json"
    other.write_text('{"display_name": "from outside", "tags": ["x"]}')
    (d / "meta.json").symlink_to(other)
    [s] = list_summaries(root)
    assert s.name == "a" and s.tags == () and "meta.json: a symbolic link (not followed)" in s.notes
    set_tags(d, ["t1"])
    assert other.read_text() == '{"display_name": "from outside", "tags": ["x"]}'
    assert not (d / "meta.json").is_symlink()
    assert json.loads((d / "meta.json").read_text()) == {"tags": ["t1"]}
    assert outside.read_text() == "precious"
    assert [p.name for p in _tmp_files(root)] == ["meta.json.tmp"]  # only the planted link


def test_atomic_write_removes_its_tmp_on_a_full_disk_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    target.write_text('{"status": "running"}')
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data)[:3])  # part of it reached the disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_mod.os, "write", full)
    with pytest.raises(OSError) as ei:
        atomic_write(target, '{"status": "completed"}')
    assert ei.value.errno == errno.ENOSPC and ei.value.filename == str(target)
    assert "No space left on device" in str(ei.value)
    assert target.read_text() == '{"status": "running"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def test_atomic_write_refuses_a_folder_that_is_a_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(OSError) as ei:
        atomic_write(tmp_path / "link" / "meta.json", "{}")
    assert ei.value.errno == errno.ELOOP
    assert list(real.iterdir()) == []


def test_a_failed_metrics_write_leaves_only_whole_lines(tmp_path, monkeypatch):
    w = RunWriter(tmp_path, "r")
    w.start(SPEC, {"name": "r"})
    w.epoch(RECS[0])
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data)[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_mod.os, "write", full)
    with pytest.raises(OSError) as ei:
        w.epoch(RECS[1])
    assert ei.value.filename == str(w.dir / "metrics.jsonl") and ei.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert read_metrics(w.dir / "metrics.jsonl") == [RECS[0]]
    assert (w.dir / "metrics.jsonl").read_bytes().endswith(b"\n")
    w.epoch(RECS[1])  # the disk has room again: the file goes on with whole lines
    assert read_metrics(w.dir / "metrics.jsonl") == RECS[:2]
    w.finish("completed")
    assert _tmp_files(tmp_path) == []


def test_all_run_store_writes_go_through_the_one_helper(tmp_path, monkeypatch):
    calls: list[str] = []
    real = store_mod.atomic_write

    def spy(path, data, **kw):
        calls.append(Path(path).name)
        return real(path, data, **kw)

    monkeypatch.setattr(store_mod, "atomic_write", spy)
    d = _run(tmp_path, "a")
    rename_run(d, "x")
    set_tags(d, "t")
    assert calls == ["spec.toml", "run.json", "run.json", "meta.json", "meta.json"]


# -- the run folder itself a link -----------------------------------------------------------------


def test_a_run_folder_that_is_a_link_is_listed_unreadable_and_never_followed(tmp_path):
    root = tmp_path / "runs"
    _run(root, "good")
    elsewhere = _run(tmp_path / "elsewhere", "victim")
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert by_id["good"].status == "completed"
    assert by_id["linked"].status == "unreadable"
    assert by_id["linked"].error == "run folder: a symbolic link (not followed)"
    assert by_id["linked"].epochs_done == 0  # nothing behind the link was read
    assert {r.run_id: r.status for r in list_runs(root)}["linked"] == "unreadable"
    before = sorted(p.name for p in elsewhere.iterdir())
    with pytest.raises(RunError, match="symbolic link"):
        rename_run(root / "linked", "x")
    with pytest.raises(RunError, match="symbolic link"):
        set_tags(root / "linked", ["x"])
    delete_run(root / "linked")  # the link goes, what it points to stays
    assert not (root / "linked").exists() and not (root / "linked").is_symlink()
    assert sorted(p.name for p in elsewhere.iterdir()) == before
    assert [s.run_id for s in list_summaries(root)] == ["good"]


def test_delete_removes_links_inside_not_their_targets(tmp_path):
    d = _run(tmp_path / "runs", "a")
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "file").write_text("x")
    (d / "engine.log").symlink_to(keep / "file")
    (d / "sub").symlink_to(keep, target_is_directory=True)
    delete_run(d)
    assert not d.exists() and (keep / "file").read_text() == "x"


# -- reads: links, devices, sizes, encodings, broken JSON ----------------------------------------


def test_run_files_that_are_links_are_not_read(tmp_path):
    root = tmp_path / "runs"
    a = _run(root, "a", status="running")
    (a / "metrics.jsonl").unlink()
    (a / "metrics.jsonl").symlink_to("/etc/passwd")
    b = _run(root, "b", status="running")
    (b / "metrics.jsonl").unlink()
    (b / "metrics.jsonl").symlink_to("/dev/zero")  # reading it would never end
    c = _run(root, "c")
    (c / "metrics.jsonl").unlink()
    fifo = c / "metrics.jsonl"
    os.mkfifo(fifo)  # opening it for reading would block
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert by_id["a"].epochs_done == 0 and "metrics.jsonl: a symbolic link (not followed)" in by_id["a"].notes
    assert "metrics.jsonl: a symbolic link (not followed)" in by_id["b"].notes
    assert "metrics.jsonl: a FIFO, not a regular file" in by_id["c"].notes
    assert read_metrics(a / "metrics.jsonl") == [] and read_metrics(fifo) == []
    assert read_run(b).notes == ("metrics.jsonl: a symbolic link (not followed)",)
    (c / "spec.toml").unlink()
    (c / "spec.toml").symlink_to(tmp_path / "runs" / "a" / "spec.toml")
    assert read_spec_dict(c) == {}


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: (d / "run.json").write_text("{not json"), "run.json: not valid JSON (line 1, column 2"),
        (
            lambda d: (d / "run.json").write_bytes(b'{"status": "completed", "name": "\xff"}'),
            "run.json: not UTF-8 text (byte 0xff at offset 33)",
        ),
        (lambda d: (d / "run.json").write_text("[1, 2]"), "run.json: not a JSON object"),
        (lambda d: ((d / "run.json").unlink(), (d / "run.json").mkdir()), "run.json: a folder, not a file"),
        (
            lambda d: ((d / "run.json").unlink(), (d / "run.json").symlink_to(d.parent.parent / "outside.json")),
            "run.json: a symbolic link (not followed)",
        ),
        (
            lambda d: os.truncate(d / "run.json", 64 * 1024 * 1024),
            "run.json: 67,108,864 bytes, over the 4,194,304-byte limit",
        ),
        (lambda d: (d / "run.json").write_text("[" * 100_000 + "]" * 100_000), "run.json: not valid JSON"),
    ],
)
def test_one_unreadable_run_is_listed_with_its_reason_and_hides_nothing(tmp_path, make, reason):
    root = tmp_path / "runs"
    (tmp_path / "outside.json").write_text('{"status": "completed", "name": "outside"}')
    _run(root, "20240101-good-1")
    bad = _run(root, "20240102-bad-2")
    make(bad)
    _run(root, "20240103-good-3")
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert set(by_id) == {"20240101-good-1", "20240102-bad-2", "20240103-good-3"}
    assert by_id["20240101-good-1"].status == by_id["20240103-good-3"].status == "completed"
    s = by_id["20240102-bad-2"]
    assert s.status == "unreadable" and s.error.startswith(reason), s.error
    assert s.epochs_done == 3  # the whole records still count
    assert read_run(bad).status == "unreadable" and read_run(bad).problem.startswith(reason)
    p = _cli("runs", "--runs-dir", str(root), cwd=tmp_path)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "20240101-good-1" in p.stdout and "20240103-good-3" in p.stdout
    assert "unreadable" in p.stdout and f"unreadable: 20240102-bad-2: {reason}" in p.stderr
    j = json.loads(_cli("runs", "--json", "--status", "unreadable", "--runs-dir", str(root), cwd=tmp_path).stdout)
    assert [r["run_id"] for r in j] == ["20240102-bad-2"] and j[0]["error"].startswith(reason)
    delete_run(bad)  # a broken run can be removed
    assert len(list_summaries(root)) == 2


def test_permission_denied_names_the_file(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    _run(root, "good")
    bad = _run(root, "bad")
    real_open = os.open

    def deny(path, flags, *a, **kw):
        if (
            kw.get("dir_fd") is not None
            and str(path) == "run.json"
            and os.readlink(f"/proc/self/fd/{kw['dir_fd']}") == str(bad)
        ):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(files_mod.os, "open", deny)
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert by_id["good"].status == "completed"
    assert by_id["bad"].status == "unreadable" and by_id["bad"].error == "run.json: Permission denied"


def test_broken_meta_or_spec_is_a_note_not_a_lost_run(tmp_path):
    root = tmp_path / "runs"
    a = _run(root, "a")
    (a / "meta.json").write_text("{broken")
    b = write_finished_run(root, SPEC, RECS, run_id="b", info={"name": "b", "dataset": None})
    info = json.loads((b / "run.json").read_text())
    del info["dataset"], info["optimizer"]  # so the listing reads spec.toml for them
    (b / "run.json").write_text(json.dumps(info))
    (b / "spec.toml").write_bytes(b'name = "\xff\xfe"\n')
    info = json.loads((a / "run.json").read_text())
    info.update(
        tags=5,
        params=float("inf"),
        started=17,
        epochs_done=True,
        summary={"epochs": "x", "best_val_loss": "nope", "metric": 3},
    )
    (a / "run.json").write_text(json.dumps(info))  # wrong types from a hand-edited file
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert by_id["a"].status == "completed" and by_id["b"].status == "completed"
    assert by_id["a"].notes[0].startswith("meta.json: not valid JSON (line 1, column 2")
    assert by_id["a"].params is None and by_id["a"].tags == () and by_id["a"].best_val_loss is None
    assert by_id["b"].notes == ("spec.toml: not UTF-8 text (byte 0xff at offset 8)",)
    assert read_spec_dict(b) == {}
    p = _cli("runs", "--runs-dir", str(root), cwd=tmp_path)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "note: b: spec.toml: not UTF-8 text" in p.stderr and "note: a: meta.json: not valid JSON" in p.stderr


# -- torn last lines, dead writers ---------------------------------------------------------------


def test_a_torn_last_line_is_ignored_and_said(tmp_path):
    root = tmp_path / "runs"
    done = _run(root, "done")
    with open(done / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 3, "loss": 0.1')
    dead = _run(root, "dead", status="running")
    info = json.loads((dead / "run.json").read_text())
    info["epochs_done"] = 1  # run.json lags behind metrics.jsonl
    info["pid"] = 2**22 + 12345  # no such process: the writer is gone
    (dead / "run.json").write_text(json.dumps(info))
    with open(dead / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 3, "lo')
    live = _run(root, "live", status="running")  # pid: this process
    with open(live / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 3, "lo')  # the writer is in the middle of it: nothing to say
    by_id = {s.run_id: s for s in list_summaries(root)}
    assert by_id["done"].notes == (TORN_LINE_NOTE,) and by_id["done"].epochs_done == 3
    assert by_id["dead"].status == "failed" and by_id["dead"].stale
    assert by_id["dead"].epochs_done == 3 and by_id["dead"].notes == (TORN_LINE_NOTE,)
    assert by_id["live"].status == "running" and by_id["live"].notes == ()
    assert read_run(done).notes == (TORN_LINE_NOTE,) and len(read_run(done).epochs) == 3
    p = _cli("runs", "--runs-dir", str(root), cwd=tmp_path)
    assert f"note: done: {TORN_LINE_NOTE}" in p.stderr and "note: live" not in p.stderr
    # a cached index looks again when the run's files change
    idx = RunIndex(root)
    idx.refresh()
    with open(done / "metrics.jsonl", "a") as f:
        f.write("\n")
    info = json.loads((done / "run.json").read_text())
    (done / "run.json").write_text(json.dumps(info) + " ")
    assert {s.run_id: s for s in idx.refresh()}["done"].notes == ()  # ends with a newline now


def test_csv_export_to_a_full_device_is_a_message(tmp_path):
    root = tmp_path / "runs"
    _run(root, "a")
    p = _cli("runs", "--csv", "/dev/full", "a", "--runs-dir", str(root), cwd=tmp_path)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "/dev/full" in p.stderr and "No space left on device" in p.stderr
