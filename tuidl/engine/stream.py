"""The streaming Keras callback of a run, and :class:`Control`, the way to stop it.

The callback emits the events of :mod:`tuidl.core.events` during ``model.fit``:
``BatchProgress`` (throttled, <= 20 per second, always the first batch) and
``EpochEnded`` (every epoch, never throttled); :func:`tuidl.engine.train.train`
sends the others (``RunStarted``, ``RunFinished``, ``RunDiverged``, ``RunFailed``).

Stopping is cooperative: ``control.stop_requested`` (a ``threading.Event``) is
checked after every batch and sets ``model.stop_training``, so a stop takes
effect within one batch; the unfinished epoch is dropped (its validation pass
is cut short) and the finished ones are kept.

Per-batch cost: on the TensorFlow backend Keras's ``CallbackList`` already
turns batch logs into Python floats before callbacks see them, so the
callback does only a clock read, a flag check and a finiteness check per
batch; events are built only when emitted.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

from tuidl.core.events import BatchProgress, EpochEnded, Event
from tuidl.core.runs import RunWriter

BATCH_EVENT_INTERVAL = 0.05
"""Seconds between two ``BatchProgress`` events (<= 20 per second)."""

DIVERGENCE_KEYS = ("loss", "val_loss")
"""Logs whose non-finite value means the run diverged."""


class Control:
    """Shared between the trainer and whoever may stop it (another thread).

    Attributes:
        stop_requested: set it (``stop()``) to stop after the current batch.
    """

    def __init__(self) -> None:
        self.stop_requested = threading.Event()

    def stop(self) -> None:
        """Ask the run to stop after the batch in progress."""
        self.stop_requested.set()


def _floats(logs: dict[str, Any] | None) -> dict[str, float]:
    """Log values as Python floats (tensors/numpy converted; others dropped)."""
    out = {}
    for k, v in (logs or {}).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


class _Stream:
    """State of one run's streaming callback (the Keras class wraps it).

    Kept apart from Keras so that the hot path is plain Python attributes.
    """

    def __init__(
        self,
        run_id: str,
        epochs: int,
        steps: int,
        emit: Callable[[Event], Any],
        control: Control,
        writer: RunWriter,
        t0: float,
    ) -> None:
        self.run_id, self.epochs, self.steps = run_id, epochs, steps
        self.emit, self.stop_flag, self.writer, self.t0 = emit, control.stop_requested, writer, t0
        self.last_emit = -1.0
        self.epoch = 0
        self.aborted = False  # stop/diverge mid-epoch: drop the unfinished epoch
        self.stopped = False
        self.diverged: tuple[int, int, str, str] | None = None
        self.write_error: OSError | None = None  # the run folder refused a write: the run fails
        self.history: list[dict[str, float]] = []


def _callback_class() -> type:
    """The Keras callback class (created on first use so Keras loads lazily)."""
    global _CALLBACK
    if _CALLBACK is not None:
        return _CALLBACK
    import keras

    class StreamingCallback(keras.callbacks.Callback):
        """Streams tuidl events from ``model.fit`` and applies stop requests."""

        def __init__(self, state: _Stream) -> None:
            super().__init__()
            self.s = state

        def on_epoch_begin(self, epoch, logs=None):
            self.s.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            s = self.s
            loss = logs.get("loss") if logs else None
            if loss is not None and not math.isfinite(loss):
                s.diverged = (s.epoch, batch, "loss", str(float(loss)))
                s.aborted = True
                self.model.stop_training = True
                return
            now = time.monotonic()
            if now - s.last_emit >= BATCH_EVENT_INTERVAL or s.last_emit < 0:
                s.last_emit = now
                s.emit(BatchProgress(s.run_id, s.epoch, batch, s.steps, s.epoch * s.steps + batch, _floats(logs)))
            if s.stop_flag.is_set():  # after emit: a stop asked while emitting counts now
                s.stopped = s.aborted = True
                self.model.stop_training = True

        def on_test_batch_end(self, batch, logs=None):
            if self.s.aborted:  # cut the validation pass of an unfinished epoch short
                self.model.stop_evaluating = True

        def on_epoch_end(self, epoch, logs=None):
            s = self.s
            if s.aborted:
                return
            values = _floats(logs)
            if "learning_rate" not in values:
                try:
                    values["learning_rate"] = float(self.model.optimizer.learning_rate)
                except (AttributeError, TypeError, ValueError):
                    pass
            for key in DIVERGENCE_KEYS:
                v = values.get(key)
                if v is not None and not math.isfinite(v):
                    s.diverged = (epoch, s.steps - 1, key, str(v))
                    self.model.stop_training = True
                    return
            seconds = time.time() - s.t0
            step = (epoch + 1) * s.steps
            try:
                s.writer.epoch({"epoch": epoch, "step": step, "time": round(seconds, 4), **values})
            except OSError as e:  # a full disk: the epoch is not kept, the run ends as failed
                s.write_error = e
                self.model.stop_training = True
                return
            try:  # run.json's epochs_done follows metrics.jsonl (a small atomic rewrite per epoch)
                s.writer.write_info()
            except OSError as e:  # the epoch is on disk in metrics.jsonl; the run ends as failed
                s.write_error = e
                self.model.stop_training = True
            s.history.append(values)
            s.emit(EpochEnded(s.run_id, epoch, values, seconds, step))
            if s.write_error is not None:
                return
            if s.stop_flag.is_set():  # asked during validation: this epoch is complete, stop now
                s.stopped = True
                self.model.stop_training = True

    _CALLBACK = StreamingCallback
    return StreamingCallback


_CALLBACK: type | None = None
