"""A full disk before or during a run: ``failed`` naming "No space left on device", never
``completed``; no temporary file left; the finished epochs stay readable (issue 8, item 4)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tuidl.core.runs.store as store_mod
from tuidl.core.events import RunFailed, RunFinished
from tuidl.core.presets import load_experiment
from tuidl.core.runs import RunWriter, list_summaries, read_insight_checked, read_metrics
from tuidl.engine.train import train

pytestmark = pytest.mark.keras

ENOSPC = os.strerror(errno.ENOSPC)  # "No space left on device"


def _full(path: str = "") -> OSError:
    return OSError(errno.ENOSPC, ENOSPC, path or None)


def _exp(epochs: int = 3):
    return load_experiment("digits-mlp", [f"fit.epochs={epochs}"])


def _leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*") if ".tmp" in p.name]


def _events(evs, cls):
    return [e for e in evs if isinstance(e, cls)]


def test_disk_full_at_a_metrics_write_fails_the_run_and_keeps_finished_epochs(runs_dir, monkeypatch):
    real = RunWriter.epoch

    def epoch(self, record):
        if record["epoch"] == 1:
            raise _full(str(self.dir / "metrics.jsonl"))
        real(self, record)

    monkeypatch.setattr(RunWriter, "epoch", epoch)
    evs: list = []
    r = train(_exp(), evs.append, runs_dir=runs_dir)
    assert r.status == "failed" and r.epochs_done == 1
    assert ENOSPC in r.error["message"] and "metrics.jsonl" in r.error["message"]
    assert not _events(evs, RunFinished) and _events(evs, RunFailed)[0].epochs_done == 1
    info = json.loads((r.run_dir / "run.json").read_text())
    assert info["status"] == "failed" and ENOSPC in info["error"]["message"]
    assert len(read_metrics(r.run_dir / "metrics.jsonl")) == 1
    assert not (r.run_dir / "model.keras").exists() and _leftovers(runs_dir) == []


def test_disk_full_at_an_insight_write_fails_the_run_as_at_a_metrics_write(runs_dir, monkeypatch):
    real = RunWriter.insight

    def insight(self, records):
        if records[0]["epoch"] == 0:
            raise _full(str(self.dir / "insight.jsonl"))
        real(self, records)

    monkeypatch.setattr(RunWriter, "insight", insight)
    evs: list = []
    r = train(_exp(2), evs.append, runs_dir=runs_dir)
    assert r.status == "failed" and r.epochs_done == 1
    assert r.error["message"] == f"{r.run_dir / 'insight.jsonl'}: {ENOSPC}"
    assert not _events(evs, RunFinished) and json.loads((r.run_dir / "run.json").read_text())["status"] == "failed"
    assert {rec["epoch"] for rec in read_insight_checked(r.run_dir)[0]} == {-1}


def test_disk_full_at_the_model_save_is_failed_not_completed(runs_dir, monkeypatch):
    def save(self, filepath, *a, **kw):
        Path(filepath).write_bytes(b"PK half a zip")  # part of it reached the disk
        raise _full()

    import keras

    monkeypatch.setattr(keras.Model, "save", save)
    evs: list = []
    r = train(_exp(2), evs.append, runs_dir=runs_dir)
    assert r.status == "failed" and r.epochs_done == 2 and r.model_path is None
    assert r.error["message"] == f"{r.run_dir / 'model.keras'}: {ENOSPC}"
    assert not _events(evs, RunFinished)
    assert json.loads((r.run_dir / "run.json").read_text())["status"] == "failed"
    assert sorted(p.name for p in r.run_dir.iterdir()) == [
        "batches.jsonl",
        "engine.log",
        "insight.jsonl",
        "metrics.jsonl",
        "run.json",
        "spec.toml",
    ]
    assert len(read_metrics(r.run_dir / "metrics.jsonl")) == 2


def test_final_run_json_write_failing_is_not_completed(runs_dir, monkeypatch):
    real = store_mod.atomic_write

    def atomic_write(path, data, **kw):
        if Path(path).name == "run.json" and '"completed"' in str(data):
            raise _full(str(path))
        return real(path, data, **kw)

    monkeypatch.setattr(store_mod, "atomic_write", atomic_write)
    evs: list = []
    r = train(_exp(1), evs.append, runs_dir=runs_dir)
    assert r.status == "failed" and ENOSPC in r.error["message"] and "run.json" in r.error["message"]
    assert not _events(evs, RunFinished) and _events(evs, RunFailed)
    assert (r.run_dir / "model.keras").is_file() and _leftovers(runs_dir) == []


def test_disk_full_before_the_run_leaves_nothing(runs_dir, monkeypatch):
    real = store_mod.atomic_write

    def atomic_write(path, data, **kw):
        if Path(path).name == "spec.toml":
            raise _full(str(path))
        return real(path, data, **kw)

    monkeypatch.setattr(store_mod, "atomic_write", atomic_write)
    r = train(_exp(1), runs_dir=runs_dir)
    assert r.status == "failed" and r.run_dir is None and ENOSPC in r.error["message"]
    assert list(runs_dir.iterdir()) == []


_PATCHED_CLI = textwrap.dedent("""
    import errno, os, sys
    import tuidl.core.runs as r
    real = r.RunWriter.epoch
    def epoch(self, record):
        if record["epoch"] == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.dir / "metrics.jsonl"))
        real(self, record)
    r.RunWriter.epoch = epoch
    from tuidl.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_tuidl_run_on_a_full_disk_exits_1_without_traceback(tmp_path):
    runs = tmp_path / "runs"
    p = subprocess.run(
        [sys.executable, "-c", _PATCHED_CLI, "run", "digits-mlp", "--epochs", "3", "--runs-dir", str(runs)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr and "completed" not in p.stdout
    assert f"metrics.jsonl: {ENOSPC}" in p.stderr and "Cannot write the run folder" in p.stderr
    [s] = list_summaries(runs)
    assert s.status == "failed" and s.epochs_done == 1 and _leftovers(runs) == []


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir()
    p = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, timeout=30
    )
    return p.returncode == 0


@pytest.mark.slow
def test_tuidl_run_on_a_real_full_tmpfs(tmp_path):
    """The real thing, where a small tmpfs can be mounted (root): the model does not fit."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "256k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        runs = disk / "runs"
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "tuidl",
                "run",
                "digits-mlp",
                "--epochs",
                "1",
                "--set",
                "model.layers[1].config.units=1024",
                "--runs-dir",
                str(runs),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert p.returncode == 1, p.stdout + p.stderr
        assert "Traceback" not in p.stdout + p.stderr and "completed" not in p.stdout
        assert f"model.keras: {ENOSPC}" in p.stderr
        [s] = list_summaries(runs)
        assert s.status == "failed" and s.epochs_done == 1 and _leftovers(disk) == []
        assert not (s.dir / "model.keras").exists()
        # full before the run starts: nothing is left behind
        shutil.rmtree(runs)
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC
        finally:
            os.close(fd)
        p = subprocess.run(
            [sys.executable, "-m", "tuidl", "run", "digits-mlp", "--epochs", "1", "--runs-dir", str(runs)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert p.returncode == 1 and ENOSPC in p.stderr and "Traceback" not in p.stderr, p.stderr
        assert list(runs.iterdir()) == [] and _leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True, timeout=30)
