"""EngineClient end to end: a real engine process (spawn), real TensorFlow, tiny runs."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tuidl.core.events import (
    BatchProgress,
    EngineExited,
    EngineReady,
    EpochEnded,
    LogLine,
    RunFailed,
    RunFinished,
    RunStarted,
    Summary,
)
from tuidl.core.presets import load_experiment
from tuidl.core.protocol import Stop, Summarize, Train
from tuidl.engine.client import EngineClient

pytestmark = [pytest.mark.keras, pytest.mark.slow]  # a real engine process imports TensorFlow

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
    client.start()
    # start() returns before TensorFlow has loaded in the engine (no EngineReady waiting yet)
    first = client.recv(0.0)
    assert client.alive and not isinstance(first, EngineReady)
    seen: list = [] if first is None else [first]
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
    # the run's log lines reach its engine.log through the engine's stderr forwarder, which may trail the event
    run_log = Path(started.run_dir) / "engine.log"
    deadline = time.monotonic() + 30
    while "stopped after" not in run_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval of a deadline-bounded wait
    assert "stopped after" in run_log.read_text()


def test_close_mid_training_stops_the_run_and_the_engine(client: EngineClient, runs_dir: Path):
    client.start()
    _next(client, EngineReady, READY_TIMEOUT)
    exp = load_experiment("digits-mlp", ["fit.epochs=500"])
    client.send(Train(spec=exp.model_dump(), runs_dir=str(runs_dir)))
    started = _next(client, RunStarted)
    _next(client, EpochEnded)
    client.close()  # asks the engine to stop after the batch; kills it if it does not go in time
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


# A stand-in for the UI process: starts an engine, trains a long run, reports, then waits to be killed.
_UI_STAND_IN = r"""
import signal, sys, time
# a terminal's process dies of SIGHUP; a test run started under nohup (or a CI runner ignoring SIGHUP) would pass
# its SIG_IGN on to this stand-in and to the engine: reset, so the engine's own handling is what is tested
signal.signal(signal.SIGHUP, signal.SIG_DFL)
from tuidl.core.events import EngineExited, EpochEnded, RunFailed, RunFinished, RunStarted
from tuidl.core.presets import load_experiment
from tuidl.core.protocol import Train
from tuidl.engine.client import EngineClient

client = EngineClient(log_path=sys.argv[2])
client.start()
client.send(Train(spec=load_experiment("digits-mlp", ["fit.epochs=500"]).model_dump(), runs_dir=sys.argv[1]))
epochs = 0
deadline = time.monotonic() + 180
while epochs < 2 and time.monotonic() < deadline:
    ev = client.recv(1.0)
    if isinstance(ev, (EngineExited, RunFailed, RunFinished)):
        print("ended early:", ev, flush=True)
        sys.exit(3)
    if isinstance(ev, RunStarted):
        print("run", ev.run_dir, client.pid, flush=True)
    if isinstance(ev, EpochEnded):
        epochs += 1
print("epochs", epochs, flush=True)
while True:  # the "UI" lives on until its terminal goes away
    time.sleep(1)
"""


def _exited(pid: int) -> bool:
    """The process is gone (or a zombie nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # polling interval of a condition with a deadline, not a fixed wait
    pytest.fail(f"not within {timeout} s: {what}")


@pytest.mark.parametrize("how", ["terminal-hangup", "ui-killed"])
def test_ui_gone_mid_run_stops_and_saves_the_run(how: str, runs_dir: Path, tmp_path: Path):
    """The UI dies mid-run; the run must end like a ctrl+q, not stay 'running' forever.

    ``terminal-hangup`` (SSH drop, ``tmux kill-session``): SIGHUP to every process of the
    terminal's process group, the engine included. ``ui-killed``: SIGKILL to the UI alone.
    Either way the engine must survive, see its pipe's EOF, stop the run after the batch,
    keep the finished epochs, save the weights and exit.
    """
    import selectors
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    ui = subprocess.Popen(
        [sys.executable, "-c", _UI_STAND_IN, str(runs_dir), str(tmp_path / "engine.log")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        sel = selectors.DefaultSelector()
        sel.register(ui.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 240
        while not any(l.startswith("epochs") for l in lines):
            left = deadline - time.monotonic()
            if left <= 0 or ui.poll() is not None:
                pytest.fail(f"the stand-in UI did not report 2 epochs: {lines}")
            if sel.select(left):
                lines.append(ui.stdout.readline())
        (run_line,) = [l for l in lines if l.startswith("run ")]
        _, run_dir, engine_pid = run_line.split()
        run_dir = Path(run_dir)
        # run.json does not lie while the run goes on: the finished epochs are counted
        assert json.loads((run_dir / "run.json").read_text())["epochs_done"] >= 2
        if how == "terminal-hangup":
            os.killpg(ui.pid, signal.SIGHUP)  # what the kernel/tmux send when the terminal goes away
        else:
            ui.kill()  # the UI process alone, killed outright: no Stop, no Shutdown, no atexit
        ui.wait(10)
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait(5)

    def ended():
        info = json.loads((run_dir / "run.json").read_text())
        return info if info["status"] != "running" else None

    info = _wait_for(ended, 30, "run.json leaves 'running'")
    assert info["status"] == "stopped" and info["epochs_done"] >= 2 and info["ended"]
    assert info["epochs_done"] == len((run_dir / "metrics.jsonl").read_text().splitlines())
    assert (run_dir / "model.keras").is_file()
    _wait_for(lambda: _exited(int(engine_pid)), 10, "the engine process exits")
