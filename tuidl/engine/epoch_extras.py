"""What tuidl adds to Keras's epoch logs before they are streamed and written to ``metrics.jsonl``.

* ``regularization_loss``: the weight penalties (kernel/bias/... regularizers) of the weights
  at the epoch's end, the part of Keras's ``loss`` that is not the data loss. Logged whenever the
  model has a regularizer (an activity regularizer's penalty depends on the batch and is not in it).
* ``train_eval_loss``, ``train_eval_<metric>``: the model evaluated in inference mode
  (BatchNormalization's moving statistics, Dropout off) on a seeded subset of the training data
  (:data:`TRAIN_EVAL_SAMPLES` at most), so the train curve compares with ``val_`` (``fit.train_eval``:
  ``"auto"`` turns it on for models with BatchNormalization or Dropout layers).

:func:`epoch_extras` gives the callback, or ``None`` when there is nothing to add; it must come
before tuidl's streaming callback in ``model.fit``'s list (Keras hands every callback the same
``logs`` dict, in order).
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

import numpy as np

from tuidl.core.derived import PENALTY, TRAIN_EVAL
from tuidl.core.spec import Experiment

log = logging.getLogger(__name__)

__all__ = ["TRAIN_EVAL_SAMPLES", "epoch_extras", "has_regularizer", "train_eval_on"]

TRAIN_EVAL_SAMPLES = 1024
"""At most this many training samples are re-evaluated per epoch (all of them when fewer)."""

_INFERENCE_DIFFERS = ("BatchNormalization", "Dropout")
"""Layer classes (and their subclasses, and names ending so: ``SpatialDropout2D``,
``GaussianDropout``) that compute differently in training and in inference mode."""


def _layers(model: Any) -> Iterator[Any]:
    """Every layer of ``model``, nested models' layers included."""
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _layers(layer)


def has_regularizer(model: Any) -> bool:
    """True when a layer of the Keras ``model`` has a weight or activity regularizer."""
    if any(getattr(v, "regularizer", None) is not None for v in model.trainable_weights):
        return True
    return any(getattr(layer, "activity_regularizer", None) is not None for layer in _layers(model))


def train_eval_on(model: Any, setting: str | None) -> bool:
    """Whether to re-evaluate in inference mode: ``fit.train_eval`` ``"on"``/``"off"``, or for
    ``"auto"``/``None`` whether the model has BatchNormalization or Dropout layers."""
    if setting in ("on", "off"):
        return setting == "on"
    return any(any(c.__name__.endswith(_INFERENCE_DIFFERS) for c in type(layer).__mro__) for layer in _layers(model))


def penalty(model: Any) -> float:
    """The sum of the weight penalties of ``model``'s trainable weights as they are now (float).

    The same terms Keras adds to the loss (each trainable variable's ``regularizer`` applied to it).
    """
    import keras

    total = 0.0
    for v in model.trainable_weights:
        r = getattr(v, "regularizer", None)
        if r is not None:
            total += float(keras.ops.convert_to_numpy(r(v)))
    return total


def _subset(x: Any, y: Any, seed: int, n: int = TRAIN_EVAL_SAMPLES) -> tuple[Any, Any]:
    """``n`` samples of ``(x, y)`` drawn without replacement by ``seed`` (in their order), or all."""
    size = len(x)
    if size <= n:
        return x, y
    idx = np.sort(np.random.default_rng(seed).choice(size, size=n, replace=False))
    return x[idx], y[idx]


def epoch_extras(model: Any, exp: Experiment, x_train: Any, y_train: Any) -> Any | None:
    """The Keras callback that adds :data:`~tuidl.core.derived.PENALTY` and ``train_eval_*`` to
    the epoch logs, or ``None`` when the model has no regularizer and ``fit.train_eval`` is off.

    Args:
        model: the compiled Keras model.
        exp: the experiment (``fit.train_eval``, ``fit.seed``, ``fit.batch_size``).
        x_train, y_train: the training arrays as ``model.fit`` gets them (numpy).
    """
    reg = has_regularizer(model)
    evaluate = train_eval_on(model, exp.fit.train_eval) and len(x_train) > 0
    if not reg and not evaluate:
        return None
    import keras

    xs, ys = _subset(x_train, y_train, exp.fit.seed) if evaluate else (None, None)
    batch_size = exp.fit.batch_size

    class EpochExtras(keras.callbacks.Callback):
        """Adds ``regularization_loss`` and ``train_eval_*`` to the epoch logs (in place)."""

        def on_epoch_end(self, epoch, logs=None):
            if logs is None:
                return
            if reg:
                logs[PENALTY] = penalty(self.model)
            if evaluate and not self.model.stop_training:  # not for an epoch cut short (stop, diverged)
                result = self.model.evaluate(xs, ys, batch_size=batch_size, verbose=0, return_dict=True)
                for k, v in result.items():
                    logs[f"{TRAIN_EVAL}{k}"] = v

    log.info("epoch extras: regularization_loss %s, train_eval %s", reg, f"{len(xs)} samples" if evaluate else "off")
    return EpochExtras()
