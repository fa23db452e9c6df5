"""Listing many runs: target <= 200 ms for 500 runs (issue 5).

Writes ``--runs`` finished runs of ``--epochs`` epochs each with
:class:`~tuidl.core.runs.RunWriter` into a temporary folder (plus a few runs in
older shapes: no stored summary, a killed writer), then times, median of
``--repeat``:

* ``floor``: ``os.scandir`` + reading every ``run.json``'s bytes (the least any
  listing must do: the anchor);
* ``list_runs``: the plain reader (parses every ``metrics.jsonl`` in full);
* ``RunIndex cold``: :func:`~tuidl.core.runs.list_summaries` with a new index
  (what ``tuidl runs`` does);
* ``RunIndex warm``: ``refresh()`` again on the same index, nothing changed
  (what the runs screen's poll timer does);
* ``RunIndex warm +1 epoch``: the same after one running run appended an epoch.

Run: ``python benchmarks/bench_runs.py [--runs 500] [--epochs 50] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from tuidl.core.runs import RunIndex, RunWriter, list_runs, list_summaries
from tuidl.core.spec import Experiment
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def make_runs(root: Path, n: int, epochs: int) -> RunWriter:
    """``n`` finished runs (5 % without a stored summary) and one left running; returns its writer."""
    spec = Experiment(name="bench").to_toml()
    for i in range(n):
        w = RunWriter(root, f"run-{i:05d}")
        w.start(spec, {"name": f"bench-{i}", "params": 4810})
        for e in range(epochs):
            w.epoch(
                {
                    "epoch": e,
                    "loss": 1.0 / (e + 1),
                    "accuracy": e / epochs,
                    "val_loss": 1.1 / (e + 1) + (i % 7) * 0.01,
                    "val_accuracy": e / epochs,
                    "learning_rate": 0.001,
                    "step": (e + 1) * 45,
                    "time": (e + 1) * 0.3,
                }
            )
        w.finish("completed")
        if i % 20 == 0:  # an older writer: no summary in run.json
            import json

            info = json.loads((w.dir / "run.json").read_text())
            info.pop("summary")
            (w.dir / "run.json").write_text(json.dumps(info))
    live = RunWriter(root, "run-live")
    live.start(spec, {"name": "live"})
    return live


def floor(root: Path) -> None:
    for e in os.scandir(root):
        try:
            with open(os.path.join(e.path, "run.json"), "rb") as f:
                f.read()
        except OSError:
            pass


def main(n: int, epochs: int, repeat: int) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        live = make_runs(root, n, epochs)
        assert len(list_summaries(root)) == n + 1
        rows = [
            ("floor: scandir + read run.json (anchor)", median_seconds(lambda: floor(root), repeat)),
            ("list_runs (parse all metrics.jsonl)", median_seconds(lambda: list_runs(root), repeat)),
            ("RunIndex cold (tuidl runs)", median_seconds(lambda: list_summaries(root), repeat)),
        ]
        idx = RunIndex(root)
        idx.refresh()
        rows.append(("RunIndex warm, nothing changed", median_seconds(idx.refresh, repeat)))
        k = [0]

        def grow() -> None:
            live.epoch({"epoch": k[0], "loss": 0.5, "val_loss": 0.6, "time": k[0] * 0.1})
            k[0] += 1
            idx.refresh()

        rows.append(("RunIndex warm, +1 epoch in a live run", median_seconds(grow, repeat)))
        live.finish("completed")
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rows = main(a.runs, a.epochs, a.repeat)
    print(f"listing {a.runs} runs x {a.epochs} epochs (median of {a.repeat}); target <= 200 ms")
    print(f"{'what':<42} {'ms':>8}")
    for what, t in rows:
        print(f"{what:<42} {t * 1000:>8.1f}")
