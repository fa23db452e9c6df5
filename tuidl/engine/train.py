"""The one training code path: used by the engine process, ``tuidl run`` and the Python API.

:func:`train` loads the data, seeds Keras, builds and compiles the model and
runs the pre-flight checks; only then does it write the run folder (see
:mod:`tuidl.core.runs`), so a run that cannot start leaves nothing on disk. It
calls ``model.fit`` with a streaming callback that emits the events of
:mod:`tuidl.core.events`:

``RunStarted`` -> ``BatchProgress``* (throttled, <= 20 per second, always the
first batch) and ``EpochEnded`` (every epoch, never throttled) -> one of
``RunFinished`` (completed / stopped), ``RunDiverged`` or ``RunFailed``.

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

import contextlib
import gc
import logging
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tuidl.core.errors import TrainError, TuidlError, folder_problem
from tuidl.core.events import (
    BatchProgress,
    EpochEnded,
    Event,
    Finding,
    RunDiverged,
    RunFailed,
    RunFinished,
    RunStarted,
    Summary,
)
from tuidl.core.presets import resolved
from tuidl.core.runs import RunWriter, atomic_write, new_run_id
from tuidl.core.spec import Experiment
from tuidl.core.text import plural

log = logging.getLogger("tuidl.engine")
log.setLevel(logging.INFO)

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


@dataclass
class RunResult:
    """What :func:`train` returns.

    Attributes:
        run_id: the run's id ("" when it failed before the run folder existed).
        run_dir: the run's folder (``None`` likewise).
        status: ``completed``, ``stopped``, ``failed`` or ``diverged``.
        epochs_done: finished epochs (kept in ``metrics.jsonl``).
        history: one dict of logs per finished epoch (floats).
        error: ``{kind, title, message, hint}`` when failed, else ``None``.
        seconds: wall time of the whole run, seconds.
        model_path: ``model.keras`` when saved.
    """

    run_id: str
    run_dir: Path | None
    status: str
    epochs_done: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    error: dict[str, str] | None = None
    seconds: float = 0.0
    model_path: Path | None = None

    @property
    def ok(self) -> bool:
        """``True`` for completed or stopped runs."""
        return self.status in ("completed", "stopped")


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


def fit_callbacks(exp: Experiment) -> list[Any]:
    """Keras callbacks from ``fit.callbacks`` (``{class_name, config}``, allow-listed).

    ``TerminateOnNaN`` is not instantiated: the streaming callback already stops
    at the first non-finite loss and records the run as ``diverged`` (Keras's
    version would also print to stdout).

    Raises:
        BuildError: naming ``fit.callbacks[i]`` when the class is not allowed
            (see ``tuidl.core.catalog.CALLBACKS``) or Keras rejects its config.
    """
    import keras

    from tuidl.core.catalog import CALLBACKS
    from tuidl.core.errors import BuildError
    from tuidl.engine.build import keras_message

    out = []
    for i, ref in enumerate(exp.fit.callbacks):
        if ref.class_name not in CALLBACKS:
            raise BuildError(
                f"fit.callbacks[{i}].class_name = {ref.class_name!r}: not allowed; allowed: {', '.join(CALLBACKS)}"
            )
        if ref.class_name == "TerminateOnNaN":
            continue
        try:
            out.append(getattr(keras.callbacks, ref.class_name)(**ref.config))
        except Exception as e:
            raise BuildError(f"fit.callbacks[{i}] ({ref.class_name}): {keras_message(e)}") from None
    return out


class _RunLog:
    """In-process runs (CLI, API): send Python logging and warnings to ``<run>/engine.log``.

    Records arrive before the run folder exists (loading data, building the
    model); they are held in memory and written out by :meth:`attach` once the
    folder exists. A run that fails before that has no folder and no log file.
    """

    MAX_EARLY = 10_000
    """Records kept before the folder exists (older ones are dropped)."""

    def __init__(self) -> None:
        self.early: list[logging.LogRecord] = []
        self.handler: logging.Handler | None = None
        self.buffer = _Buffer(self.early, self.MAX_EARLY)
        self.root = logging.getLogger()

    def attach(self, run_dir: Path) -> None:
        """Start writing to ``<run_dir>/engine.log``: the held records first, then every new one."""
        handler = _QuietFileHandler(Path(run_dir) / "engine.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for record in self.early:
            handler.handle(record)
        self.early.clear()
        self.root.removeHandler(self.buffer)
        self.root.addHandler(handler)
        self.handler = handler

    def __enter__(self) -> "_RunLog":
        self.root.addHandler(self.buffer)
        logging.captureWarnings(True)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.captureWarnings(False)
        self.root.removeHandler(self.buffer)
        if self.handler is not None:
            self.root.removeHandler(self.handler)
            self.handler.close()


class _QuietFileHandler(logging.FileHandler):
    """``engine.log`` of an in-process run: a record the disk refuses (full disk) is dropped
    instead of printing logging's "--- Logging error ---" traceback on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


class _Buffer(logging.Handler):
    """Holds log records in a list (at most ``limit``) until a file exists for them."""

    def __init__(self, records: list[logging.LogRecord], limit: int) -> None:
        super().__init__()
        self.records, self.limit = records, limit

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:  # format the traceback now: the exception object will be gone later
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)
        if len(self.records) > self.limit:
            del self.records[0]


def _is_factory(item: Any) -> bool:
    """A plain function (not a Keras callback object) in ``extra_callbacks``: called with the run folder."""
    import keras

    return callable(item) and not isinstance(item, keras.callbacks.Callback)


def _describe(ds: Any) -> dict[str, Any]:
    """``ds.describe()`` without image/point samples (small enough for run.json and events)."""
    return ds.describe(samples=False)


def _write_error(e: OSError, what: str = "") -> TrainError:
    """The error of a run whose folder refused a write: names the file and the OS's reason
    (``.../metrics.jsonl: No space left on device``)."""
    where = e.filename or what
    reason = e.strerror or str(e)
    return TrainError(
        f"{where}: {reason}" if where else reason,
        title="Cannot write the run folder",
        hint="free disk space (or fix the runs folder's permissions) and run again; "
        "the finished epochs are kept in metrics.jsonl",
    )


def finding_record(f: Finding) -> dict[str, Any]:
    """A pre-flight finding as stored in ``run.json``'s ``findings`` list.

    Keys: ``level`` (``"warning"``; errors never reach a run), ``message``,
    ``hint``, ``field`` (the spec path the rule is about, ``""`` if none) and
    ``layer`` (0-based index, or ``None`` for the whole model).
    """
    return {"level": f.severity, "message": f.message, "hint": f.hint, "field": f.field, "layer": f.layer}


def _error_dict(e: BaseException, has_run_dir: bool = True) -> dict[str, str]:
    """The error as ``{kind, title, message, hint}``; the hint points to ``engine.log`` only when
    ``has_run_dir`` (a run that failed before its folder existed has no log file)."""
    if isinstance(e, TuidlError):
        return e.to_dict()
    from tuidl.engine.build import keras_message

    hint = (
        "see engine.log in the run folder for details"
        if has_run_dir
        else "the run never started, so nothing was written; `tuidl check` shows the experiment's problems"
    )
    return TrainError(f"{type(e).__name__}: {keras_message(e)}", hint=hint).to_dict()


def train(
    exp: Experiment,
    emit: Callable[[Event], Any] | None = None,
    control: Control | None = None,
    runs_dir: str | Path = "runs",
    base_dir: str | Path | None = None,
    extra_callbacks: Iterable[Any] = (),
    on_run_dir: Callable[[Path], Any] | None = None,
) -> RunResult:
    """Train ``exp`` and write its run folder, streaming events to ``emit``. Never raises for bad input.

    The data are loaded, the model built and compiled and the pre-flight checks
    run *before* the run folder is created: a run that cannot start (unknown
    preset, missing file, bad cell, a layer Keras refuses, a pre-flight error,
    a stop asked meanwhile) leaves nothing on disk. Only a run that starts
    training gets ``<runs_dir>/<run_id>/``.

    Args:
        exp: the experiment (preset names are resolved; ``spec.toml`` stores them inline).
        emit: called with each event, on the training thread; must be quick.
        control: a :class:`Control` whose ``stop_requested`` stops the run
            after the current batch (status ``stopped``).
        runs_dir: the runs folder; the run is ``<runs_dir>/<run_id>/``.
        base_dir: folder that relative data paths are resolved against
            (default: the folder of ``exp.source``).
        extra_callbacks: more Keras callbacks for ``model.fit``; an item that is a
            function instead is called with the run folder and may return a
            callback or ``None`` (e.g. ``tuidl.engine.tensorboard.tensorboard_callback``).
        on_run_dir: called with the run folder once it exists. When given, the
            caller owns ``engine.log`` (the engine process tees its captured
            output there); otherwise Python logging and warnings of the run are
            written to ``<run>/engine.log``.

    Returns:
        A :class:`RunResult`. Failures (bad preset, data, build, pre-flight,
        Keras errors) are reported as ``RunFailed`` and ``status="failed"``
        (``run_id`` ``""`` and ``run_dir`` ``None`` when the run never
        started); a non-finite ``loss`` gives ``RunDiverged`` and
        ``status="diverged"``; a stop before the first batch gives
        ``RunFinished(status="stopped")`` with no folder.

    When it returns, the run's model, traced graphs and dataset threads are
    freed (see :func:`run_graphs_released`), so a long-lived process can train
    run after run without growing.

    Raises:
        KeyboardInterrupt: re-raised after the run is marked ``stopped``.
    """
    emit = emit or (lambda ev: None)
    control = control or Control()
    t0 = time.time()
    with run_graphs_released():  # a long-lived engine runs many: keep each run's graphs from piling up
        if on_run_dir is not None:
            return _train(exp, emit, control, runs_dir, base_dir, extra_callbacks, on_run_dir, t0)
        with _RunLog() as run_log:
            return _train(exp, emit, control, runs_dir, base_dir, extra_callbacks, run_log.attach, t0)


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


def _fail_early(e: BaseException, emit: Callable[[Event], Any], t0: float) -> RunResult:
    """Report a run that failed before its folder existed: ``RunFailed("")``, nothing on disk."""
    err = _error_dict(e, has_run_dir=False)
    log.error("run not started: %s", err["message"], exc_info=not isinstance(e, TuidlError))
    emit(RunFailed("", err["kind"], err["title"], err["message"], err["hint"]))
    return RunResult("", None, "failed", error=err, seconds=time.time() - t0)


@dataclass
class _Prepared:
    """Everything a run needs before ``model.fit``: arrays, compiled model, summary."""

    model: Any
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    dataset: Any
    callbacks: list[Any]
    summary: Summary
    steps: int


def _prepare(exp: Experiment, base_dir: str | Path | None) -> _Prepared:
    """Load the data, build and compile the model, run the pre-flight checks (no files written).

    ``exp`` is resolved (:func:`tuidl.core.presets.resolved`): building, compiling,
    the loss's labels and the checks all read its components inline.

    Raises:
        TuidlError: bad data, a model Keras cannot build, a pre-flight error.
        Exception: anything else Keras raises (reported as a training failure).
    """
    log.info("loading data %r", exp.data.name)
    from tuidl.engine.checks import raise_on_errors
    from tuidl.engine.data import fit_to_model, labels_for_loss, load_data

    if base_dir is None and exp.source is not None:
        base_dir = exp.source.parent
    ds = load_data(exp.data, exp.fit.seed, Path(base_dir) if base_dir is not None else None)
    # tuidl's own rules first, on inferred shapes: a refused run never loads Keras, and a model too
    # large for memory (size_findings) is never allocated
    raise_on_errors(exp, ds, None)
    import keras

    from tuidl.engine.build import build_model, compile_model, layer_rows

    first = exp.model.layers[0].class_name if exp.model.layers else None
    x_train, x_val = fit_to_model(ds.x_train, first), fit_to_model(ds.x_val, first)
    y_train = labels_for_loss(ds.y_train, exp.compile.loss, ds.n_classes)  # one-hot, (n, 1), ids
    y_val = labels_for_loss(ds.y_val, exp.compile.loss, ds.n_classes)
    keras.utils.set_random_seed(exp.fit.seed)
    model = compile_model(build_model(exp, tuple(x_train.shape[1:])), exp)
    callbacks = fit_callbacks(exp)
    rows = tuple(layer_rows(model))
    warnings = raise_on_errors(exp, ds, rows)  # pre-flight errors block training (issue 3)
    trainable = sum(r.trainable_params for r in rows)
    total = int(model.count_params())
    # the warnings travel with RunStarted (printed by `tuidl run`) and into run.json's `findings`
    summary = Summary(
        0,
        tuple(int(d) for d in x_train.shape[1:]),
        rows,
        total,
        trainable,
        total - trainable,
        _describe(ds),
        tuple(warnings),
    )
    steps = max(1, math.ceil(len(x_train) / exp.fit.batch_size))
    return _Prepared(model, x_train, y_train, x_val, y_val, ds, callbacks, summary, steps)


def _train(
    exp: Experiment,
    emit: Callable[[Event], Any],
    control: Control,
    runs_dir: str | Path,
    base_dir: str | Path | None,
    extra_callbacks: Iterable[Any],
    on_run_dir: Callable[[Path], Any],
    t0: float,
) -> RunResult:
    try:
        spec = resolved(exp)  # once: a no-op for an experiment resolved where it entered (CLI, API)
        prep = _prepare(spec, base_dir)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # report, never raise: failures are events
        return _fail_early(e, emit, t0)
    if control.stop_requested.is_set():  # stopped while loading: the run never started
        log.info("run stopped before it started")
        emit(RunFinished("", "stopped", 0, time.time() - t0))
        return RunResult("", None, "stopped", seconds=time.time() - t0)
    run_id = new_run_id(exp.name, t0)
    s = prep.summary
    writer: RunWriter | None = None
    try:
        writer = RunWriter(Path(runs_dir), run_id)
        writer.start(
            spec.to_toml(),
            {
                "name": exp.name,
                "epochs": exp.fit.epochs,
                "batch_size": exp.fit.batch_size,
                "seed": exp.fit.seed,
                "dataset": s.data,
                "params": s.total_params,
                "trainable_params": s.trainable_params,
                "steps_per_epoch": prep.steps,
                "epochs_done": 0,
                "findings": [finding_record(f) for f in s.findings],
            },
        )
    except OSError as e:
        if writer is not None:  # a run that cannot start leaves nothing on disk
            writer.discard()
        problem = folder_problem(runs_dir)  # name the runs folder when it is the culprit
        if problem:
            text = f"{runs_dir}: {problem}"
        else:
            where = Path(e.filename).name if e.filename else "the run folder"
            text = f"{runs_dir}: {e.strerror or e} (writing {where} of run {run_id}; nothing was kept)"
        return _fail_early(
            TrainError(
                text, title="Cannot write the run folder", hint="check --runs-dir / TUIDL_RUNS_DIR and free disk space"
            ),
            emit,
            t0,
        )
    try:
        on_run_dir(writer.dir)
    except OSError as e:  # e.g. engine.log cannot be opened: train anyway, the log stays in memory
        log.error("run %s: cannot open engine.log: %s", run_id, e)
    return _fit(exp, prep, emit, control, writer, extra_callbacks, t0)


def _fit(
    exp: Experiment,
    prep: _Prepared,
    emit: Callable[[Event], Any],
    control: Control,
    writer: RunWriter,
    extra_callbacks: Iterable[Any],
    t0: float,
) -> RunResult:
    run_id = writer.run_id
    state: _Stream | None = None
    model = prep.model
    try:
        log.info(
            "run %s: %s, %d params, x_train %s, x_val %s, %d steps per epoch",
            run_id,
            exp.name,
            prep.summary.total_params,
            prep.x_train.shape,
            prep.x_val.shape,
            prep.steps,
        )
        state = _Stream(run_id, exp.fit.epochs, prep.steps, emit, control, writer, time.time())
        emit(RunStarted(run_id, str(writer.dir), exp.fit.epochs, prep.steps, prep.summary))
        cb = _callback_class()(state)
        extra = [c for c in (x(writer.dir) if _is_factory(x) else x for x in extra_callbacks) if c is not None]
        model.fit(
            prep.x_train,
            prep.y_train,
            batch_size=exp.fit.batch_size,
            epochs=exp.fit.epochs,
            verbose=0,
            validation_data=(prep.x_val, prep.y_val) if len(prep.x_val) else None,
            shuffle=True,
            class_weight=getattr(prep.dataset, "class_weight", None),
            callbacks=[cb, *prep.callbacks, *extra],
        )
    except KeyboardInterrupt:
        done = len(state.history) if state else 0
        _finish(writer, "stopped", None, epochs_done=done)
        log.info("run %s: interrupted after %d epochs", run_id, done)
        raise
    except Exception as e:  # report, never raise: failures are events
        err = _error_dict(e)
        done = len(state.history) if state else 0
        log.error("run %s failed: %s", run_id, err["message"], exc_info=not isinstance(e, TuidlError))
        _finish(writer, "failed", err, epochs_done=done)
        emit(RunFailed(run_id, err["kind"], err["title"], err["message"], err["hint"], done))
        return RunResult(run_id, writer.dir, "failed", done, state.history if state else [], err, time.time() - t0)
    seconds = time.time() - t0
    done = len(state.history)
    if state.write_error is not None:
        return _failed(writer, emit, _write_error(state.write_error), done, state.history, t0)
    if state.diverged is not None:
        epoch, batch, metric, value = state.diverged
        _finish(
            writer,
            "diverged",
            {
                "kind": "diverged",
                "title": "Training diverged",
                "message": f"{metric} became {value} in epoch {epoch + 1}, batch {batch + 1}",
                "hint": "lower the learning rate or use a smaller initializer",
            },
            epochs_done=done,
        )
        log.warning("run %s diverged: %s = %s at epoch %d batch %d", run_id, metric, value, epoch, batch)
        emit(RunDiverged(run_id, epoch, batch, metric, value, done))
        return RunResult(run_id, writer.dir, "diverged", done, state.history, None, seconds)
    status = "completed" if done >= exp.fit.epochs else "stopped"
    model_path = None
    if done >= 1:  # before run.json says the run ended
        try:
            model_path = _save(model, writer)
        except Exception as e:
            err = (
                _write_error(e)
                if isinstance(e, OSError)
                else TrainError(
                    f"{writer.dir / 'model.keras'}: {_error_dict(e)['message']}",
                    title="Cannot save the model",
                    hint="see engine.log in the run folder",
                )
            )
            return _failed(writer, emit, err, done, state.history, t0)
    final = _finish(writer, status, None, epochs_done=done, **({"model": model_path.name} if model_path else {}))
    if final is not None:  # run.json does not say how the run ended: not completed
        return _failed(writer, emit, _write_error(final), done, state.history, t0, model_path, write=False)
    log.info("run %s %s after %s in %.1f s", run_id, status, plural(done, "epoch"), seconds)
    emit(RunFinished(run_id, status, done, seconds))
    return RunResult(run_id, writer.dir, status, done, state.history, None, seconds, model_path)


def _failed(
    writer: RunWriter,
    emit: Callable[[Event], Any],
    error: TuidlError,
    done: int,
    history: list[dict[str, float]],
    t0: float,
    model_path: Path | None = None,
    *,
    write: bool = True,
) -> RunResult:
    """End a run that trained but could not be written as ``failed``: ``run.json`` says so
    when the disk still takes it (``write``), ``RunFailed`` goes out, the result says ``failed``."""
    err = error.to_dict()
    log.error("run %s failed: %s", writer.run_id, err["message"])
    if write:
        _finish(writer, "failed", err, epochs_done=done)
    else:
        writer.close()
    emit(RunFailed(writer.run_id, err["kind"], err["title"], err["message"], err["hint"], done))
    return RunResult(writer.run_id, writer.dir, "failed", done, history, err, time.time() - t0, model_path)


def _finish(writer: RunWriter, status: str, error: dict[str, Any] | None, **extra: Any) -> OSError | None:
    """``writer.finish`` that logs instead of raising when the disk refuses; returns that error
    (``None`` when ``run.json`` was written)."""
    try:
        writer.finish(status, error, **extra)
    except OSError as e:
        log.error("run %s: cannot write run.json: %s", writer.run_id, e)
        return e
    return None


def _save(model: Any, writer: RunWriter) -> Path:
    """Save ``model.keras`` atomically (:func:`tuidl.core.runs.atomic_write`: a kill or a
    full disk leaves no half file and no temporary file).

    Raises:
        OSError: naming ``model.keras`` (``ENOSPC`` ...). Exception: Keras cannot save the model.
    """
    path = writer.dir / "model.keras"
    try:
        atomic_write(path, lambda tmp: model.save(tmp), suffix=".keras")
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    return path
