"""Releasing what TensorFlow keeps of a run's traced graphs, so that a long-lived process can train run after run."""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import Any, Iterator


@contextlib.contextmanager
def run_graphs_released() -> Iterator[None]:
    """Free what TensorFlow would keep of a run's traced graphs once the block (one run) ends.

    ``model.fit`` traces ``train_function``/``test_function`` into graphs. On
    the TensorFlow backend Keras's optimizer all-reduces the gradients through
    ``ReplicaContext.all_reduce`` (also with the default strategy), which
    wraps them in ``tf.custom_gradient``; in graph mode that registers a
    ``CustomGradient-<uid>`` function in TensorFlow's global gradient
    registry, and that function's closure holds the traced graph. Nothing
    ever removes it, so ``keras.backend.clear_session()`` frees the model but
    not its graphs: 2 entries and about 6 MB per digits-mlp run in a
    long-lived process (measured: ``benchmarks/bench_soak.py``; TensorFlow
    issues 97697 and 80895, tf-keras PR 898 does the same purge in
    ``clear_session``). Here the entries registered while the block ran are
    dropped when it ends (the gradient graph is built while tracing; once the
    run is over nothing looks them up), then ``gc.collect()`` frees the
    graphs and the run's dataset iterator with its thread pool
    (``tf_Compute`` threads) at once rather than at some later collection.

    Not for runs in parallel threads of one process (an entry of a run that is
    still tracing could be dropped); tuidl trains one run at a time per
    process. Does nothing to the registry when TensorFlow's private layout is
    not as expected (the collection still runs).
    """
    # TensorFlow is not imported for this: a run refused before training never loads it (and when it
    # is loaded during the block, every CustomGradient entry there was made by this run)
    registry = _gradient_registry() if "tensorflow" in sys.modules else None
    before = set(registry) if registry is not None else set()
    try:
        yield
    finally:
        if registry is None and "tensorflow" in sys.modules:
            registry = _gradient_registry()
        if registry is not None:
            for key in [k for k in list(registry) if k not in before and str(k).startswith("CustomGradient-")]:
                registry.pop(key, None)
        gc.collect()


def _gradient_registry() -> dict[str, Any] | None:
    """TensorFlow's global gradient registry as a dict (private API), or ``None`` when not found."""
    try:
        from tensorflow.python.framework import ops
    except ImportError:
        return None
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None
