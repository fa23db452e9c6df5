"""Fixtures for UI tests: the digits-mlp experiment, an app factory with a fake engine, waiting."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEngineClient  # noqa: E402

from tuidl.core.presets import load_experiment  # noqa: E402
from tuidl.core.spec import Experiment  # noqa: E402


@pytest.fixture
def exp() -> Experiment:
    """digits-mlp with 3 epochs."""
    return load_experiment("digits-mlp").with_overrides({"fit.epochs": 3})


@pytest.fixture
def make_app(tmp_path: Path, exp: Experiment) -> Callable[..., object]:
    """``make_app(**fake_kwargs)`` -> a TuidlApp on a FakeEngineClient; ``app.fakes`` lists the clients."""
    from tuidl.ui.app import TuidlApp

    def factory(experiment: Experiment | None = None, **kwargs: object) -> TuidlApp:
        fakes: list[FakeEngineClient] = []

        def client() -> FakeEngineClient:
            c = FakeEngineClient(**kwargs)  # type: ignore[arg-type]
            fakes.append(c)
            return c

        app = TuidlApp(experiment or exp, runs_dir=tmp_path / "runs", client_factory=client)
        app.fakes = fakes  # type: ignore[attr-defined]
        return app

    return factory


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause()
        await asyncio.sleep(0)  # yield to the worker thread's posted messages


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursors (stable snapshots)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None, raising=False)
