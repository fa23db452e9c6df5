"""Benchmark (f): long sessions stay bounded — memory, threads and processes over many start/stop cycles.

The real app (``TuidlApp``, headless, 120x40, so chart, progress, status line
and log pane redraw as in a terminal) with the real engine process. One cycle
is what a person does over an afternoon: ``t`` (train) -> wait for the first
finished epoch on the chart -> ``s`` (stop) -> wait until the run has ended
(status ``stopped``). The experiment is digits-mlp with ``fit.epochs`` set
high (so every run is ended by the stop, never by finishing) — small and fast,
so that the per-run cost is what shows, not the model.

Sampled after cycle 1 (the anchor: TensorFlow loaded, fit traced once, the
first run's state in place) and every 10 cycles: resident memory (``VmRSS``)
and thread count of the UI process (this one) and of the engine process, and
the number of processes below the UI (the engine, multiprocessing's helpers).
Read from ``/proc/<pid>/status`` and ``/proc/*/stat`` (Linux only). The UI's
threads are also split into asyncio's default thread pool (``asyncio_N``:
Textual runs thread workers there; it adds a thread only when none is idle, up
to ``min(32, CPUs + 4)``, and keeps it) and the rest.
Before each sample the app settles (chart drawn), the engine settles (its
thread count unchanged for 1 s: the engine frees a run's graphs and dataset
threads just after it has reported the run's end) and the UI's garbage
collector runs, so a sample is the steady state between runs, not a run being
torn down.

Bounds (issue 8 item 6): after 50 cycles, UI RSS <= +15 MB and engine RSS
<= +150 MB over the values after cycle 1; threads and child processes flat.

Run: ``python benchmarks/bench_soak.py [--cycles 50] [--every 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tuidl.core.presets import load_experiment  # noqa: E402
from tuidl.ui.app import TuidlApp  # noqa: E402

UI_BOUND_MB = 15.0
ENGINE_BOUND_MB = 150.0


def proc_status(pid: int) -> tuple[float, int]:
    """``(RSS in MB, threads)`` of a process, from ``/proc/<pid>/status`` (MB = 2**20 bytes)."""
    rss_kb = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss_kb / 1024, threads


def descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (children, grandchildren, ...), from ``/proc/*/stat``."""
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        parent[int(name)] = int(stat.rsplit(")", 1)[1].split()[1])  # field 4 (ppid); comm may hold spaces
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


async def _wait(pilot, cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause()
        await asyncio.sleep(0.02)


POOL_MAX = min(32, (os.cpu_count() or 1) + 4)
"""Threads asyncio's default executor may hold (``ThreadPoolExecutor``'s default ``max_workers``)."""


async def _engine_settled(pilot, pid: int, quiet_s: float = 1.0, timeout: float = 30.0) -> None:
    """Wait until the engine's thread count has not changed for ``quiet_s`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = proc_status(pid)[1], time.monotonic()
    while time.monotonic() - since < quiet_s:
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the engine to settle")
        await pilot.pause()
        await asyncio.sleep(0.1)
        now = proc_status(pid)[1]
        if now != last:
            last, since = now, time.monotonic()


def sample(app: TuidlApp, cycle: int, seconds: float) -> dict[str, float]:
    """One row: the UI's and the engine's RSS and threads, and the UI's descendant processes."""
    gc.collect()
    ui_mb, ui_threads = proc_status(os.getpid())
    pool = sum(1 for t in threading.enumerate() if t.name.startswith("asyncio_"))
    engine_pid = app.client.pid  # type: ignore[union-attr]
    engine_mb, engine_threads = proc_status(engine_pid)
    return {
        "cycle": cycle,
        "ui_mb": ui_mb,
        "ui_threads": ui_threads,
        "ui_pool": pool,
        "engine_mb": engine_mb,
        "engine_threads": engine_threads,
        "children": len(descendants(os.getpid())),
        "seconds": seconds,
    }


async def main(cycles: int, every: int, preset: str) -> int:
    exp = load_experiment(preset).with_overrides({"fit.epochs": 1000})
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as runs:
        app = TuidlApp(exp, runs_dir=Path(runs))
        async with app.run_test(size=(120, 40)) as pilot:
            await _wait(pilot, lambda: app.engine_ready, 300, "engine ready")
            await _wait(pilot, lambda: app.dashboard.query_one("#layers").row_count > 1, 60, "summary")
            t0 = time.monotonic()
            for cycle in range(1, cycles + 1):
                await pilot.press("t")
                await _wait(
                    pilot,
                    lambda: app.current_run is not None and app.dashboard.chart.epochs >= 1,
                    120,
                    f"cycle {cycle}: first epoch",
                )
                await pilot.press("s")
                await _wait(pilot, lambda: not app.training, 120, f"cycle {cycle}: run end")
                if app.dashboard.status.state != "stopped":
                    raise SystemExit(f"cycle {cycle}: run ended as {app.dashboard.status.state!r}, not stopped")
                if cycle == 1 or cycle % every == 0 or cycle == cycles:
                    await _wait(pilot, lambda: app.dashboard.chart.settled, 30, "chart drawn")
                    await _engine_settled(pilot, app.client.pid)  # type: ignore[union-attr]
                    rows.append(sample(app, cycle, time.monotonic() - t0))
                    r = rows[-1]
                    print(
                        f"  cycle {cycle}: UI {r['ui_mb']:.1f} MB / {r['ui_threads']} threads, engine "
                        f"{r['engine_mb']:.1f} MB / {r['engine_threads']} threads, {r['children']} children",
                        file=sys.stderr,
                        flush=True,
                    )
            await pilot.press("ctrl+q")

    print(
        f"Soak: {cycles} start/stop cycles ({preset}, stop after the first epoch), real engine, "
        f"headless 120x40; {os.cpu_count()} CPUs"
    )
    print(
        f"{'cycle':>5} {'min':>6} {'UI MB':>8} {'UI thr (pool)':>14} {'engine MB':>10} {'eng thr':>8} {'children':>9}"
    )
    for r in rows:
        print(
            f"{r['cycle']:>5} {r['seconds'] / 60:>6.1f} {r['ui_mb']:>8.1f} "
            f"{str(r['ui_threads']) + ' (' + str(r['ui_pool']) + ')':>14} "
            f"{r['engine_mb']:>10.1f} {r['engine_threads']:>8} {r['children']:>9}"
        )
    a, z = rows[0], rows[-1]
    d_ui, d_engine = z["ui_mb"] - a["ui_mb"], z["engine_mb"] - a["engine_mb"]
    per = max(1, z["cycle"] - a["cycle"])
    checks = [
        (
            f"UI RSS growth after cycle 1: {d_ui:+.1f} MB ({d_ui / per * 1024:+.0f} kB/cycle)",
            d_ui <= UI_BOUND_MB,
            f"<= +{UI_BOUND_MB:.0f} MB",
        ),
        (
            f"engine RSS growth after cycle 1: {d_engine:+.1f} MB ({d_engine / per * 1024:+.0f} kB/cycle)",
            d_engine <= ENGINE_BOUND_MB,
            f"<= +{ENGINE_BOUND_MB:.0f} MB",
        ),
        (
            f"UI threads outside asyncio's pool {a['ui_threads'] - a['ui_pool']} -> {z['ui_threads'] - z['ui_pool']}",
            z["ui_threads"] - z["ui_pool"] <= a["ui_threads"] - a["ui_pool"],
            "flat",
        ),
        (
            f"UI threads in asyncio's pool {a['ui_pool']} -> {z['ui_pool']}",
            z["ui_pool"] <= POOL_MAX,
            f"<= {POOL_MAX} (max)",
        ),
        (
            f"engine threads {a['engine_threads']} -> {z['engine_threads']}",
            z["engine_threads"] <= a["engine_threads"],
            "flat",
        ),
        (f"child processes {a['children']} -> {z['children']}", z["children"] <= a["children"], "flat"),
    ]
    for text, ok, bound in checks:
        print(f"{text:<62} bound {bound:<12} {'meets' if ok else 'MISSES'}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=50, help="start/stop cycles (default 50)")
    ap.add_argument("--every", type=int, default=10, help="sample every N cycles (and after cycle 1)")
    ap.add_argument("--preset", default="digits-mlp", help="experiment preset (default digits-mlp)")
    a = ap.parse_args()
    if a.cycles < 2:
        ap.error("--cycles must be at least 2")
    sys.exit(asyncio.run(main(a.cycles, a.every, a.preset)))
