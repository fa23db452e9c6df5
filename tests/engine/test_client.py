"""EngineClient end to end: a real engine process (spawn), real TensorFlow, tiny runs."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tuidl.core.events import (BatchProgress, EngineExited, EngineReady, EpochEnded, LogLine, RunFailed,
                               RunFinished, RunStarted, Summary)
from tuidl.core.presets import load_experiment
from tuidl.core.protocol import Stop, Summarize, Train
from tuidl.engine.client import EngineClient

READY_TIMEOUT = 90.0  # importing TensorFlow on a busy 2-core machine


def _next(client: EngineClient, cls, timeout: float = 60.0, seen: list | None = None):
    """The next event of type ``cls`` (others are kept in ``seen``); fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ev = client.recv(timeout=left)
        if ev is None:
            break
        if seen is not None:
            seen.append(ev)
        if isinstance(ev, cls):
            return ev
        if isinstance(ev, EngineExited) and cls is not EngineExited:
            pytest.fail(f"engine exited while waiting for {cls.__name__}: {ev}")
    pytest.fail(f"no {cls.__name__} within {timeout} s")


@pytest.fixture
def client(tmp_path: Path):
    c = EngineClient(log_path=tmp_path / "engine.log")
    yield c
    c.close()


def test_engine_end_to_end(client: EngineClient, runs_dir: Path, tmp_path: Path):
    t0 = time.monotonic()
    client.start()
    assert time.monotonic() - t0 < 2.0  # returns at once; TensorFlow loads in the engine
    assert client.alive
    seen: list = []
    ready = _next(client, EngineReady, READY_TIMEOUT, seen)
    assert ready.versions["keras"].startswith("3") and ready.devices and ready.seconds > 0

    exp = load_experiment("digits-mlp")
    client.send(Summarize(request_id=5, spec=exp.model_dump()))
    summary = _next(client, Summary)
    assert summary.request_id == 5 and summary.total_params == 6570
    assert [r.name for r in summary.rows] == ["flatten", "dense", "dense_1", "dense_2"]

    bad = exp.model_dump()
    bad["fit"]["epochs"] = 0
    client.send(Summarize(request_id=6, spec=bad))
    failed = _next(client, RunFailed)
    assert failed.request_id == 6 and failed.kind == "spec" and "fit.epochs" in failed.message

    # a complete 2-epoch run
    two = load_experiment("digits-mlp", ["fit.epochs=2"])
    client.send(Train(spec=two.model_dump(), runs_dir=str(runs_dir)))
    events: list = []
    started = _next(client, RunStarted, seen=events)
    finished = _next(client, RunFinished, seen=events)
    assert finished.status == "completed" and finished.epochs_done == 2
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [0, 1]
    assert any(isinstance(e, BatchProgress) for e in events)
    run_dir = Path(started.run_dir)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
    assert (run_dir / "model.keras").is_file()

    # stop mid-run: finished epochs kept, status stopped
    long = load_experiment("digits-mlp", ["fit.epochs=200"])
    client.send(Train(spec=long.model_dump(), runs_dir=str(runs_dir)))
    started = _next(client, RunStarted)
    _next(client, EpochEnded)
    client.send(Stop())
    stopped = _next(client, RunFinished)
    assert stopped.run_id == started.run_id and stopped.status == "stopped" and 1 <= stopped.epochs_done < 200
    info = json.loads((Path(started.run_dir) / "run.json").read_text())
    assert info["status"] == "stopped" and info["epochs_done"] == stopped.epochs_done
    lines = (Path(started.run_dir) / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == stopped.epochs_done

    # the engine's output went to the logs, not to the terminal
    assert any(isinstance(e, LogLine) for e in seen)
    assert "engine ready" in (tmp_path / "engine.log").read_text()
    assert "stopped after" in (Path(started.run_dir) / "engine.log").read_text()


def test_close_mid_training_returns_within_3_s(client: EngineClient, runs_dir: Path):
    client.start()
    _next(client, EngineReady, READY_TIMEOUT)
    exp = load_experiment("digits-mlp", ["fit.epochs=500"])
    client.send(Train(spec=exp.model_dump(), runs_dir=str(runs_dir)))
    started = _next(client, RunStarted)
    _next(client, EpochEnded)
    t0 = time.monotonic()
    client.close()
    assert time.monotonic() - t0 < 3.5
    assert not client.alive
    exited = _next(client, EngineExited, 5.0)
    assert exited.expected
    info = json.loads((Path(started.run_dir) / "run.json").read_text())
    assert info["status"] == "stopped" and info["epochs_done"] >= 1
    assert client.recv(0.1) == exited  # stays answered after the end


def test_engine_death_is_reported(client: EngineClient):
    client.start()
    _next(client, EngineReady, READY_TIMEOUT)
    os.kill(client.pid, signal.SIGKILL)  # simulate a crash (OOM killer, driver fault)
    exited = _next(client, EngineExited, 10.0)
    assert not exited.expected and exited.exitcode is not None and exited.exitcode < 0
    assert not client.alive
    assert client.send(Stop()) is False  # never raises
