"""Benchmark (a): training overhead of tuidl's training path vs plain ``model.fit``.

Both arms train the same digits-mlp model (same data split, seed, batch size
and epochs) in the same process:

* **tuidl**: :func:`tuidl.engine.train.train` with its streaming callback,
  events handed to a queue that a consumer thread drains (as the engine's
  pipe does), ``metrics.jsonl``/``run.json`` written, ``model.keras`` saved.
* **plain**: ``keras.utils.set_random_seed``, the same model, ``compile`` and
  ``model.fit(verbose=0, validation_data=...)`` — nothing else.

A timing callback (added to both arms) measures the ``fit`` phase
(``on_train_begin`` -> ``on_train_end``); "total" is the whole call including
data loading, building and, for tuidl, writing the run folder. Pairs are
interleaved (ABAB, BABA, ...) to spread machine noise over both arms; the
table shows medians and the ratio tuidl / plain. Target: fit overhead <= 3 %.

Usage::

    python benchmarks/bench_overhead.py [--epochs 10] [--pairs 15]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=15)
    ap.add_argument("--preset", default="digits-mlp")
    args = ap.parse_args(argv)

    import keras

    from tuidl.core.presets import load_experiment, resolved
    from tuidl.engine.build import build_model, compile_model
    from tuidl.engine.data import fit_to_model, load_data
    from tuidl.engine.train import train

    exp = load_experiment(args.preset, [f"fit.epochs={args.epochs}"])
    spec = resolved(exp)

    class FitTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()

        def on_train_end(self, logs=None):
            self.seconds = time.perf_counter() - self.t0

    def run_plain() -> tuple[float, float]:
        keras.backend.clear_session()
        t0 = time.perf_counter()
        ds = load_data(exp.data, exp.fit.seed)
        first = exp.model.layers[0].class_name
        x, xv = fit_to_model(ds.x_train, first), fit_to_model(ds.x_val, first)
        keras.utils.set_random_seed(exp.fit.seed)
        model = compile_model(build_model(spec, tuple(x.shape[1:])), spec)
        timer = FitTimer()
        model.fit(
            x,
            ds.y_train,
            batch_size=exp.fit.batch_size,
            epochs=exp.fit.epochs,
            verbose=0,
            validation_data=(xv, ds.y_val),
            shuffle=True,
            callbacks=[timer],
        )
        return timer.seconds, time.perf_counter() - t0

    def run_tuidl(root: str) -> tuple[float, float, int]:
        keras.backend.clear_session()
        q: queue.Queue = queue.Queue()
        counts = {"events": 0}

        def consume() -> None:
            while q.get() is not None:
                counts["events"] += 1

        th = threading.Thread(target=consume, daemon=True)
        th.start()
        timer = FitTimer()
        t0 = time.perf_counter()
        result = train(exp, q.put, runs_dir=root, extra_callbacks=[timer])
        total = time.perf_counter() - t0
        q.put(None)
        th.join()
        assert result.status == "completed", result.error
        return timer.seconds, total, counts["events"]

    rows = []
    with tempfile.TemporaryDirectory() as root:
        run_plain()  # warm-up: first-call tracing and imports, not measured
        run_tuidl(root)
        for i in range(args.pairs):
            order = ("plain", "tuidl") if i % 2 == 0 else ("tuidl", "plain")
            r: dict[str, tuple] = {}
            for arm in order:
                r[arm] = run_plain() if arm == "plain" else run_tuidl(root)
            rows.append((r["plain"], r["tuidl"]))
            print(
                f"pair {i + 1}/{args.pairs} ({'-'.join(order)}): fit plain {r['plain'][0]:.3f} s, "
                f"tuidl {r['tuidl'][0]:.3f} s; total plain {r['plain'][1]:.3f} s, tuidl {r['tuidl'][1]:.3f} s",
                file=sys.stderr,
            )

    per_batch_us = _callback_cost_us()
    fit_p = statistics.median(p[0] for p, _ in rows)
    fit_t = statistics.median(t[0] for _, t in rows)
    tot_p = statistics.median(p[1] for p, _ in rows)
    tot_t = statistics.median(t[1] for _, t in rows)
    ratios_fit = sorted(t[0] / p[0] for p, t in rows)
    events = statistics.median(t[2] for _, t in rows)
    steps = -(-int(round(1797 * (1 - exp.data.validation_split))) // exp.fit.batch_size)
    import tensorflow as tf

    print(
        f"\n(a) Training overhead: {args.preset}, {args.epochs} epochs x {steps} batches, batch_size "
        f"{exp.fit.batch_size}, {args.pairs} interleaved pairs; TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, {os.cpu_count()} CPUs"
    )
    print()
    print("| phase | plain model.fit (median s) | tuidl train() (median s) | ratio tuidl/plain |")
    print("|---|---:|---:|---:|")
    print(f"| fit (on_train_begin -> on_train_end) | {fit_p:.3f} | {fit_t:.3f} | {fit_t / fit_p:.3f} |")
    print(
        f"| total call (data, build, fit; tuidl also writes the run dir and model.keras) "
        f"| {tot_p:.3f} | {tot_t:.3f} | {tot_t / tot_p:.3f} |"
    )
    print()
    batch_ms = fit_p / (args.epochs * steps) * 1000
    print(
        f"per-pair fit ratios (sorted): {', '.join(f'{x:.3f}' for x in ratios_fit)}; "
        f"median of ratios {statistics.median(ratios_fit):.3f}"
    )
    print(
        f"streaming callback on_train_batch_end: {per_batch_us:.2f} us per batch (median of 5 x 100k calls) "
        f"= {per_batch_us / 1000 / batch_ms * 100:.3f} % of a {batch_ms:.2f} ms plain-fit batch "
        "(whole epoch incl. validation / batches)"
    )
    print(f"events per tuidl run (median): {events:.0f}; target: fit ratio <= 1.03")
    return 0


def _callback_cost_us(calls: int = 100_000, repeats: int = 5) -> float:
    """Median cost of one ``on_train_batch_end`` call of the streaming callback, microseconds.

    Logs are Python floats, as Keras's ``CallbackList`` passes them on the
    TensorFlow backend; events are throttled, so most calls emit nothing.
    """
    import types

    from tuidl.engine.train import Control, _callback_class, _Stream

    class _Writer:
        def epoch(self, record):
            pass

    times = []
    for _ in range(repeats):
        state = _Stream("bench", 1, calls, lambda ev: None, Control(), _Writer(), time.time())
        cb = _callback_class()(state)
        cb.set_model(types.SimpleNamespace(stop_training=False))
        logs = {"accuracy": 0.5, "loss": 1.25}
        t0 = time.perf_counter()
        for i in range(calls):
            cb.on_train_batch_end(i, logs)
        times.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
