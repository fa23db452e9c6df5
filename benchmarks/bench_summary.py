"""Benchmark (e): live summary latency in the builder, idle and while a run trains.

The real app (``TuidlApp``, headless, 120x40) with the real engine process, on
a 50-layer model (digits-mlp with Flatten, 48 Dense(16, relu), Dense(10,
softmax)). The builder is opened and one layer's ``units`` is changed, as a
person typing a value would (one edit, then quiet). Measured per edit, from
the edit to:

* *first paint*: the builder shows shapes and params for the edited model
  (the Keras-free estimate of ``tuidl.core.checks.estimate_summary`` when the
  builder has one, else the engine's Summary); "shows" = the layer list and
  totals widgets hold it (the repaint follows on the next frame);
* *engine numbers*: the engine's Summary (built by Keras) for exactly the
  edited model is on screen. Includes the builder's debounce
  (``BuilderScreen.DEBOUNCE``, 0.15 s) before the request is sent.

Two phases: the engine idle (anchor), and the engine training the same
50-layer model (started with ``t`` before the builder is opened). An edit
whose summary does not come within ``--timeout`` seconds counts as a timeout.

Run: ``python benchmarks/bench_summary.py [--edits 8] [--timeout 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tuidl.core.presets import load_experiment  # noqa: E402
from tuidl.core.spec import Experiment  # noqa: E402
from tuidl.ui.app import TuidlApp  # noqa: E402
from tuidl.ui.screens.builder import BuilderScreen  # noqa: E402


def deep_mlp(n_layers: int = 50, epochs: int = 1000) -> Experiment:
    """digits-mlp with ``n_layers`` layers (Flatten, Dense(16) x (n-2), Dense(10, softmax))."""
    data = load_experiment("digits-mlp").model_dump(mode="python")
    hidden = [{"class_name": "Dense", "config": {"units": 16, "activation": "relu"}}] * (n_layers - 2)
    data["model"]["layers"] = [
        {"class_name": "Flatten", "config": {}},
        *hidden,
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},
    ]
    data["fit"]["epochs"] = epochs
    return Experiment.model_validate(data)


async def _wait(pilot: Any, cond: Any, timeout: float) -> bool:
    """Poll ``cond`` every 2 ms while the app's event loop runs.

    Not ``pilot.pause()``: that waits until the whole UI process is idle, which
    while the engine streams events is often hundreds of ms and would be
    measured instead of the summary.
    """
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True


def _estimated(b: BuilderScreen) -> bool:
    """The builder shows shapes for the current model (estimate or engine)."""
    shown = getattr(b, "shown_for", None)
    if callable(shown):
        return shown() in ("estimate", "engine")
    return b._summary_current()


async def _edits(
    pilot: Any, b: BuilderScreen, n: int, timeout: float, base: int
) -> tuple[list[float], list[float], int]:
    """``n`` edits (units = ``base + k``); returns (first-paint seconds, engine seconds, timeouts)."""
    first, engine, timeouts = [], [], 0
    for k in range(n):
        layers = b._layers()
        i = 1 + (k * 7) % 48
        layers[i]["config"]["units"] = base + k
        t0 = time.perf_counter()
        # as typing a value into the layer editor does (the editor is kept, not rebuilt)
        b.apply(b._with_layers(layers), key=f"layer{i}.units", cursor=i, rebuild_editor=False)
        if await _wait(pilot, lambda: _estimated(b), timeout):
            first.append(time.perf_counter() - t0)
        if await _wait(pilot, lambda: b._summary_current() and b.pending_id is None and b._timer is None, timeout):
            engine.append(time.perf_counter() - t0)
        else:
            timeouts += 1
    return first, engine, timeouts


def _row(name: str, xs: list[float], timeouts: int, n: int, timeout: float) -> str:
    if not xs:
        return f"{name:<44} {'-':>8} {'-':>8} {timeouts:>4}/{n} over {timeout:.0f} s"
    return f"{name:<44} {statistics.median(xs) * 1000:>8.0f} {max(xs) * 1000:>8.0f} {timeouts:>4}/{n}" + (
        f" over {timeout:.0f} s" if timeouts else ""
    )


async def main(n_edits: int, timeout: float) -> None:
    exp = deep_mlp()
    with tempfile.TemporaryDirectory() as runs:
        app = TuidlApp(exp, runs_dir=Path(runs))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                if not await _wait(pilot, lambda: app.engine_ready, 180):
                    raise SystemExit("engine not ready")
                await _wait(pilot, lambda: app.dashboard.query_one("#layers").row_count > 1, 60)

                await pilot.press("b")
                await _wait(pilot, lambda: isinstance(app.screen, BuilderScreen), 10)
                b: BuilderScreen = app.screen  # type: ignore[assignment]
                await _wait(pilot, lambda: b._summary_current(), 60)
                idle = await _edits(pilot, b, n_edits, timeout, 17)
                await pilot.press("escape")
                await _wait(pilot, lambda: not isinstance(app.screen, BuilderScreen), 10)

                await pilot.press("t")
                if not await _wait(pilot, lambda: app.dashboard.chart.epochs >= 1, 120):
                    raise SystemExit("the run did not start")
                await pilot.press("b")
                await _wait(pilot, lambda: isinstance(app.screen, BuilderScreen), 10)
                b = app.screen  # type: ignore[assignment]
                await _wait(pilot, lambda: b._summary_current(), timeout)
                epochs0 = app.dashboard.chart.epochs
                busy = await _edits(pilot, b, n_edits, timeout, 117)
                epochs1 = app.dashboard.chart.epochs
                still = app.training
                app.action_stop()
                await _wait(pilot, lambda: not app.training, 60)
                await pilot.press("ctrl+q")
        finally:
            app.shutdown_engine()

    print(
        f"Live summary latency, 50-layer model (Flatten, 48 Dense(16), Dense(10)), real engine, "
        f"headless 120x40, {n_edits} edits per phase"
    )
    print(f"{'from an edit to':<44} {'p50 ms':>8} {'max ms':>8} {'timeouts':>9}")
    print(_row("idle: first paint (shapes and params)", idle[0], n_edits - len(idle[0]), n_edits, timeout))
    print(_row("idle: engine Summary on screen", idle[1], idle[2], n_edits, timeout))
    print(_row("training: first paint (shapes and params)", busy[0], n_edits - len(busy[0]), n_edits, timeout))
    print(_row("training: engine Summary on screen", busy[1], busy[2], n_edits, timeout))
    print(f"the run trained on during the edits: {still} (epochs {epochs0} -> {epochs1})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for one summary")
    a = ap.parse_args()
    asyncio.run(main(a.edits, a.timeout))
