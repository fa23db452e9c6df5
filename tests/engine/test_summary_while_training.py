"""The engine answers Summarize while a run trains (issue 3 item 5: live summary, never blocked by a run)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tuidl.core.events import EngineExited, EngineReady, EpochEnded, RunFailed, RunFinished, RunStarted, Summary
from tuidl.core.presets import load_experiment
from tuidl.core.protocol import DASHBOARD, Stop, Summarize, Train
from tuidl.core.spec import Experiment
from tuidl.engine.client import EngineClient

pytestmark = [pytest.mark.keras, pytest.mark.slow]

READY_TIMEOUT = 90.0


def deep_mlp(n_layers: int = 50) -> Experiment:
    """digits-mlp with ``n_layers`` layers: Flatten, ``n_layers - 2`` Dense(16, relu), Dense(10, softmax)."""
    data = load_experiment("digits-mlp").model_dump(mode="python")
    hidden = [{"class_name": "Dense", "config": {"units": 16, "activation": "relu"}}] * (n_layers - 2)
    data["model"]["layers"] = [
        {"class_name": "Flatten", "config": {}},
        *hidden,
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},
    ]
    return Experiment.model_validate(data)


def _events_until(client: EngineClient, stop, timeout: float) -> list:
    """Events until ``stop(events)`` holds; fails on timeout or an engine exit."""
    out: list = []
    deadline = time.monotonic() + timeout
    while not stop(out):
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"timed out after {timeout} s; got {[type(e).__name__ for e in out][-20:]}")
        e = client.recv(timeout=min(left, 1.0))
        if e is None:
            continue
        if isinstance(e, EngineExited):
            pytest.fail(f"engine exited: {e}")
        out.append(e)
    return out


def test_summaries_answer_while_a_run_trains(tmp_path: Path, runs_dir: Path) -> None:
    client = EngineClient(log_path=tmp_path / "engine.log")
    try:
        client.start()
        _events_until(client, lambda es: any(isinstance(e, EngineReady) for e in es), READY_TIMEOUT)
        long = load_experiment("digits-mlp", ["fit.epochs=500"])
        client.send(Train(spec=long.model_dump(), runs_dir=str(runs_dir)))
        _events_until(client, lambda es: any(isinstance(e, EpochEnded) for e in es), 120)

        deep = deep_mlp(50)
        asked = ((DASHBOARD, 1), (DASHBOARD, 2), ("builder", 1))  # the dashboard's 1 is superseded by its 2
        for who, rid in asked:
            client.send(Summarize(request_id=rid, spec=deep.model_dump(), requester=who))
        events = _events_until(
            client,
            lambda es: (
                {(DASHBOARD, 2), ("builder", 1)}
                <= {(e.requester, e.request_id) for e in es if isinstance(e, (Summary, RunFailed))}
                or any(isinstance(e, RunFinished) for e in es)
            ),
            60,
        )
        assert not any(isinstance(e, (RunFinished, RunFailed)) for e in events), events
        summaries = {(e.requester, e.request_id): e for e in events if isinstance(e, Summary)}
        s = summaries[DASHBOARD, 2]
        assert len(s.rows) == 50 and s.rows[1].name == "dense" and s.rows[-1].name == "dense_48"
        # 64*16+16 + 47*(16*16+16) + 16*10+10
        assert s.total_params == 1040 + 47 * 272 + 170
        assert summaries["builder", 1].total_params == s.total_params

        # the run goes on after the summaries, then stops cleanly with its epochs kept
        _events_until(client, lambda es: any(isinstance(e, EpochEnded) for e in es), 60)
        client.send(Stop())
        end = _events_until(client, lambda es: any(isinstance(e, (RunFinished, RunFailed)) for e in es), 60)
        finished = end[-1]
        assert isinstance(finished, RunFinished) and finished.status == "stopped", finished
        assert finished.epochs_done >= 2

        # and the next run (clear_session between runs) still builds and trains
        two = load_experiment("digits-mlp", ["fit.epochs=1"])
        client.send(Train(spec=two.model_dump(), runs_dir=str(runs_dir)))
        client.send(Summarize(request_id=3, spec=two.model_dump()))
        tail = _events_until(
            client,
            lambda es: (
                any(isinstance(e, (RunFinished, RunFailed)) for e in es) and any(isinstance(e, Summary) for e in es)
            ),
            120,
        )
        assert isinstance(next(e for e in tail if isinstance(e, (RunFinished, RunFailed))), RunFinished)
        assert any(isinstance(e, RunStarted) for e in tail)
        assert next(e for e in tail if isinstance(e, Summary)).total_params == 6570
    finally:
        client.close()
