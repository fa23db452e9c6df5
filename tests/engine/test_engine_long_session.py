"""Long sessions stay bounded (issue 8 item 6): many start/stop runs in one process leave nothing behind.

The engine process trains run after run for hours. Each run must free its
model, its traced graphs and its dataset threads when it ends. Counted, not
timed: live ``keras.Model`` objects, TensorFlow ``FuncGraph`` objects, the
``CustomGradient-*`` entries in TensorFlow's gradient registry and the
process's native threads, after every run of a start -> first epoch -> stop
cycle (what ``benchmarks/bench_soak.py`` does through the real app).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from tuidl.core.events import EpochEnded
from tuidl.core.presets import load_experiment
from tuidl.engine.train import Control, run_graphs_released, train

pytestmark = pytest.mark.keras

CYCLES = 3  # the first cycle sets the baseline; two more show a per-run leak


def _native_threads() -> int:
    """Threads of this process as the OS counts them (TensorFlow's C++ pools included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _counts() -> dict[str, int]:
    import keras
    from tensorflow.python.framework import func_graph, ops

    gc.collect()
    objects = gc.get_objects()
    return {
        "models": sum(1 for o in objects if isinstance(o, keras.Model)),
        "graphs": sum(1 for o in objects if isinstance(o, func_graph.FuncGraph)),
        "custom_gradients": sum(1 for k in ops._gradient_registry._registry if k.startswith("CustomGradient-")),
        "threads": _native_threads(),
    }


def _start_stop(runs_dir: Path) -> str:
    """One cycle as the engine runs it: clear_session, train, stop after the first epoch."""
    import keras

    keras.backend.clear_session()
    control = Control()

    def emit(ev: object) -> None:
        if isinstance(ev, EpochEnded):
            control.stop()

    exp = load_experiment("digits-mlp", ["fit.epochs=50"])
    return train(exp, emit, control, runs_dir, on_run_dir=lambda d: None).status


def test_start_stop_cycles_leave_no_models_graphs_or_threads(runs_dir: Path):
    statuses = [_start_stop(runs_dir)]
    first = _counts()
    for _ in range(CYCLES - 1):
        statuses.append(_start_stop(runs_dir))
    last = _counts()
    assert statuses == ["stopped"] * CYCLES
    assert last["models"] == 0, last
    # before the fix: +2 registry entries and ~40 graphs (every traced step and its conds) per run
    assert last["custom_gradients"] == first["custom_gradients"], (first, last)
    assert last["graphs"] <= first["graphs"], (first, last)
    assert last["threads"] <= first["threads"], (first, last)


def test_run_graphs_released_keeps_entries_from_before():
    """Only what the block registered is dropped; entries that existed before stay."""
    from tensorflow.python.framework import ops

    registry = ops._gradient_registry._registry
    registry["CustomGradient-tuidl-test-old"] = {"type": None, "location": None}
    try:
        with run_graphs_released():
            registry["CustomGradient-tuidl-test-new"] = {"type": None, "location": None}
            registry["tuidl-test-other"] = {"type": None, "location": None}
        assert "CustomGradient-tuidl-test-new" not in registry
        assert "CustomGradient-tuidl-test-old" in registry
        assert "tuidl-test-other" in registry  # not a custom gradient: left alone
    finally:
        for key in ("CustomGradient-tuidl-test-old", "CustomGradient-tuidl-test-new", "tuidl-test-other"):
            registry.pop(key, None)
