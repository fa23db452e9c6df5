"""One duration per run: ``run.json``'s ``duration`` (start to end of the run, to the millisecond),
shown alike by ``tuidl run``, ``tuidl runs``, the runs index and the dashboard (``format_duration``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuidl.core.runs import RunIndex, RunWriter
from tuidl.core.runs import store as store_module
from tuidl.core.text import format_duration

SPEC = 'name = "t"\n[data]\nname = "digits"\n[fit]\nepochs = 2\n'


class _Clock:
    """``time`` for the store: ``time()`` and ``monotonic()`` move only when told."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.2  # a start that is not on a whole second

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def localtime(self, *a):  # new_run_id is not called through here, but keep the module's API
        import time

        return time.localtime(*a)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    c = _Clock()
    monkeypatch.setattr(store_module, "time", c)
    return c


def _run(root: Path, clock: _Clock, seconds: float) -> Path:
    w = RunWriter(root, "20240101-000000-t-0001")
    w.start(SPEC, {"name": "t"})
    clock.now += seconds
    w.epoch({"epoch": 0, "loss": 1.0})
    w.finish("completed")
    assert w.duration == seconds
    return w.dir


def test_run_json_stores_the_duration_and_an_end_that_agrees(tmp_path, clock):
    d = _run(tmp_path, clock, 14.3)
    info = json.loads((d / "run.json").read_text())
    assert info["duration"] == 14.3
    from datetime import datetime

    span = datetime.fromisoformat(info["ended"]) - datetime.fromisoformat(info["started"])
    assert abs(span.total_seconds() - 14.3) < 1.0  # the ISO times are to the second


def test_the_index_and_tuidl_runs_list_the_stored_duration(tmp_path, clock, capsys):
    _run(tmp_path, clock, 14.3)
    (row,) = RunIndex(tmp_path).refresh()
    assert row.duration == 14.3
    from tuidl.cli import main

    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    assert format_duration(14.3) == "14.3s" and " 14.3s " in capsys.readouterr().out
    assert main(["runs", "--runs-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["duration"] == 14.3


def test_a_stored_duration_wins_over_started_and_ended(tmp_path):
    """The reported case: a 14.3 s run whose `started`/`ended` (to the second, and set at other
    moments) are 2 s apart listed as 2.0 s."""
    d = tmp_path / "20240101-000000-t-0001"
    d.mkdir()
    (d / "spec.toml").write_text(SPEC)
    (d / "metrics.jsonl").write_text('{"epoch": 0, "loss": 1.0, "time": 14.1}\n')
    info = {
        "format_version": 2,
        "run_id": d.name,
        "status": "completed",
        "started": "2024-01-01T00:00:10+00:00",
        "ended": "2024-01-01T00:00:12+00:00",
        "duration": 14.3,
    }
    (d / "run.json").write_text(json.dumps(info))
    (row,) = RunIndex(tmp_path).refresh()
    assert format_duration(row.duration) == "14.3s"


def test_an_older_run_without_duration_still_has_one(tmp_path):
    d = tmp_path / "20240101-000000-t-0001"
    d.mkdir()
    (d / "spec.toml").write_text(SPEC)
    (d / "metrics.jsonl").write_text("")
    info = {"run_id": d.name, "status": "completed", "started": "2024-01-01T00:00:00+00:00"}
    (d / "run.json").write_text(json.dumps({**info, "ended": "2024-01-01T00:01:05+00:00"}))
    (row,) = RunIndex(tmp_path).refresh()
    assert format_duration(row.duration) == "1m05s"
