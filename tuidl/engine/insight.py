"""Seeing inside training: statistics of every layer's kernel, output and kernel gradient on
one fixed probe batch, before training and after each epoch (``insight.jsonl``), and every
N-th batch's loss, learning rate and gradient norm (``batches.jsonl``).

The probe batch is drawn once from the training data (``insight.probe_size`` samples, by a
``numpy`` generator seeded with ``fit.seed``: the global RNGs are not touched) and is the same
every epoch. Measuring never changes training: layers are called with ``training=False``
(no dropout mask drawn, no ``BatchNormalization`` moving statistics updated), gradients come
from a ``tf.GradientTape`` around that call and are never applied, the optimizer is not
used. The gradient is that of a fresh copy of the compiled loss (``compile.loss``) plus the
model's regularization losses, in inference mode (``training=False``: dropout off,
``BatchNormalization`` with its moving statistics) and without class weights, so it is the
gradient of the model as it stands, not of any one training step. Statistics:
:func:`tuidl.core.insight.tensor_stats`; format: ``docs/run-format.md``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from tuidl.core.insight import tensor_stats
from tuidl.core.spec import Experiment

log = logging.getLogger("tuidl.engine")


def probe_indices(n: int, size: int, seed: int) -> np.ndarray:
    """Indices of the probe batch: ``min(size, n)`` distinct rows of ``0..n-1``, sorted, drawn
    by ``numpy.random.default_rng(seed)`` (the global RNGs are left alone)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _kernel(layer: Any) -> Any:
    """A layer's kernel variable (``kernel``, or ``embeddings`` for ``Embedding``), else ``None``."""
    for attr in ("kernel", "embeddings"):
        v = getattr(layer, attr, None)
        if v is not None and hasattr(v, "shape"):
            return v
    return None


class Probe:
    """Measures a compiled Keras model on a fixed probe batch.

    Args:
        model: the compiled, built model (``keras.Sequential`` or functional).
        exp: the resolved experiment (its ``compile.loss`` and ``insight`` settings).
        x, y: the training data as fitted (``x_train``, ``y_train``); the probe batch is taken
            from them by :func:`probe_indices`.

    Layer outputs come from calling the model's own layers in turn (tuidl builds a
    ``keras.Sequential``), inside the tape that also gives the kernels' gradients: one forward
    and one backward pass per measurement. (A functional sub-model over ``layer.output`` is
    refused by Keras once the ``Sequential`` is compiled: its input appears twice.)
    """

    def __init__(self, model: Any, exp: Experiment, x: Any, y: Any) -> None:
        from tuidl.engine.build import make_loss

        self.model = model
        idx = probe_indices(len(x), exp.insight.probe_size, exp.fit.seed)
        self.x = np.asarray(x)[idx]
        self.y = np.asarray(y)[idx]
        self.loss = make_loss(exp)
        self.layers = list(model.layers)
        self.kernels = [(i, k) for i, k in ((i, _kernel(l)) for i, l in enumerate(self.layers)) if k is not None]
        self.trainable = list(model.trainable_variables)
        self._norm_fn: Any = None
        self._xy: tuple[Any, Any] = (None, None)

    def _loss_value(self, pred: Any, y: Any = None) -> Any:
        value = self.loss(self.y if y is None else y, pred)
        extra = self.model.losses  # regularization penalties, computed from the weights as they are
        return value + sum(extra) if extra else value

    def _forward(self) -> tuple[Any, list[tuple[int, str, Any]]]:
        """The model's output on the probe batch and ``(layer index, kind, tensor)`` of each
        layer's output (and a ``BatchNormalization``'s input): the layers of the
        ``Sequential`` called in turn with ``training=False``, which is what the model's own
        call does."""
        a = self.x
        seen: list[tuple[int, str, Any]] = []
        for i, layer in enumerate(self.layers):
            if type(layer).__name__ == "BatchNormalization":
                seen.append((i, "input", a))
            a = layer(a, training=False)
            seen.append((i, "activation", a))
        return a, seen

    def kernel_gradients(self) -> tuple[list[np.ndarray], list[tuple[int, str, np.ndarray]]]:
        """The loss's gradient with respect to each kernel of :attr:`kernels` (numpy arrays),
        and the layer outputs of the same forward pass (see :meth:`_forward`)."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            pred, outputs = self._forward()
            value = self._loss_value(pred)
        grads = tape.gradient(value, [k for _, k in self.kernels])
        kernels = [np.zeros(k.shape) if g is None else np.asarray(g) for (_, k), g in zip(self.kernels, grads)]
        return kernels, [(i, kind, np.asarray(t)) for i, kind, t in outputs]

    def gradient_norm(self) -> float:
        """The global L2 norm of the loss's gradient over all trainable variables on the probe
        batch. Traced once into a ``tf.function`` (called every N batches: about 5 ms instead of
        25 ms eagerly for a small CNN on 256 samples); released with the run's other graphs."""
        import tensorflow as tf

        if self._norm_fn is None:

            def norm(x: Any, y: Any) -> Any:
                with tf.GradientTape() as tape:
                    value = self._loss_value(self.model(x, training=False), y)
                grads = [g for g in tape.gradient(value, self.trainable) if g is not None]
                return tf.linalg.global_norm([tf.cast(g, tf.float64) for g in grads]) if grads else tf.constant(0.0)

            self._norm_fn = tf.function(norm, autograph=False, reduce_retracing=True)
            self._xy = (tf.constant(self.x), tf.constant(self.y))
        return float(self._norm_fn(*self._xy))

    def measure(self, epoch: int, step: int) -> list[dict[str, Any]]:
        """One record per (layer, kind) at ``epoch`` (-1 before training), in layer order:
        ``kernel``, ``input`` (``BatchNormalization``), ``activation``, ``gradient``."""
        by_layer: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(self.layers))}
        grad_list, outputs = self.kernel_gradients()
        grads = dict(zip((i for i, _ in self.kernels), grad_list))
        for i, k in self.kernels:
            by_layer[i].append(self._record(epoch, step, i, "kernel", tensor_stats(np.asarray(k)), k.shape))
        for i, kind, a in outputs:
            by_layer[i].append(self._record(epoch, step, i, kind, tensor_stats(a, units=True), a.shape[1:]))
        for i, g in grads.items():
            by_layer[i].append(self._record(epoch, step, i, "gradient", tensor_stats(g), g.shape))
        return [r for i in sorted(by_layer) for r in by_layer[i]]

    def _record(self, epoch: int, step: int, i: int, kind: str, stats: dict[str, Any], shape: Any) -> dict[str, Any]:
        layer = self.layers[i]
        return {
            "epoch": epoch,
            "step": step,
            "layer": layer.name,
            "index": i,
            "class_name": type(layer).__name__,
            "kind": kind,
            "shape": [int(d) for d in shape],
            **stats,
        }


def _learning_rate(model: Any) -> float | None:
    try:
        return float(model.optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


def insight_callback(probe: Probe, exp: Experiment, state: Any) -> Any:
    """The Keras callback that writes ``insight.jsonl`` and ``batches.jsonl`` through
    ``state.writer`` (a :class:`tuidl.engine.stream._Stream`: its ``aborted`` epochs are not
    measured, and a refused write ends the run as ``failed`` through ``state.write_error``,
    as for ``metrics.jsonl``)."""
    import keras

    every, grad_every, epochs, steps = (
        exp.insight.every_epochs,
        exp.insight.gradient_every_batches,
        exp.fit.epochs,
        state.steps,
    )

    class InsightCallback(keras.callbacks.Callback):
        """Measures on the probe batch; see :mod:`tuidl.engine.insight`."""

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.measured = -2  # the last epoch measured
            self.off = False  # a measurement failed: training goes on without insight

        def _write(self, fn: Any, measure: Any) -> None:
            if self.off or state.write_error is not None:
                return
            try:
                value = measure()
            except Exception as e:  # measuring is an extra: never the reason a run fails
                self.off = True
                log.warning("insight: measuring failed (%s: %s); training goes on without it", type(e).__name__, e)
                return
            try:
                fn(value)
            except OSError as e:  # a full disk: the run ends as failed, as for metrics.jsonl
                state.write_error = e
                self.model.stop_training = True

        def _measure(self, epoch: int) -> None:
            self.measured = epoch
            self._write(state.writer.insight, lambda: probe.measure(epoch, (epoch + 1) * steps))

        def on_train_begin(self, logs=None):
            self._measure(-1)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if state.aborted or (batch + 1) % grad_every:
                return
            loss = (logs or {}).get("loss")
            epoch = self.epoch
            self._write(
                state.writer.batch,
                lambda: {
                    "step": epoch * steps + batch + 1,
                    "epoch": epoch,
                    "batch": batch,
                    "loss": None if loss is None else float(loss),
                    "learning_rate": _learning_rate(self.model),
                    "gradient_norm": probe.gradient_norm(),
                },
            )

        def on_epoch_end(self, epoch, logs=None):
            if state.aborted or state.diverged is not None or ((epoch + 1) % every and epoch + 1 != epochs):
                return
            self._measure(epoch)

        def on_train_end(self, logs=None):
            # a run that ended early (EarlyStopping, a stop between epochs) gets its last epoch measured
            done = len(state.history)
            if done and self.measured != done - 1 and not state.aborted and state.diverged is None:
                self._measure(done - 1)

    return InsightCallback()
