"""The one training code path: used by the engine process, ``tuidl run`` and the Python API.

:func:`train` loads the data, seeds Keras, builds and compiles the model and
runs the pre-flight checks; only then does it write the run folder (see
:mod:`tuidl.core.runs`), so a run that cannot start leaves nothing on disk. It
calls ``model.fit`` with a streaming callback that emits the events of
:mod:`tuidl.core.events`:

``RunStarted`` -> ``BatchProgress``* (throttled, <= 20 per second, always the
first batch) and ``EpochEnded`` (every epoch, never throttled) -> one of
``RunFinished`` (completed / stopped), ``RunDiverged`` or ``RunFailed``.

The callback and :class:`Control` (how another thread stops a run) are in
:mod:`tuidl.engine.stream`, the ``engine.log`` of in-process runs in
:mod:`tuidl.engine.runlog`, the release of each run's graphs in
:mod:`tuidl.engine.graphs`; their names stay importable from here.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from tuidl.core.errors import TrainError, TuidlError, folder_problem
from tuidl.core.events import (
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
from tuidl.core.enginelog import EVENT_LOGGER
from tuidl.core.text import format_duration, plural
from tuidl.engine.graphs import run_graphs_released
from tuidl.engine.runlog import _RunLog
from tuidl.engine.stream import BATCH_EVENT_INTERVAL, DIVERGENCE_KEYS, Control, _callback_class, _floats, _Stream

__all__ = [
    "RunResult",
    "finding_record",
    "fit_callbacks",
    "train",
    # re-exported from the modules they moved to (stream, graphs)
    "BATCH_EVENT_INTERVAL",
    "DIVERGENCE_KEYS",
    "Control",
    "_Stream",
    "_callback_class",
    "_floats",
    "run_graphs_released",
]

log = logging.getLogger("tuidl.engine")
log.setLevel(logging.INFO)
said_log = logging.getLogger(EVENT_LOGGER)
"""Records an engine event also reports (a run's end, failure, divergence): the dashboard's log pane
leaves them out and writes its own line from the event (:mod:`tuidl.core.enginelog`)."""


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
        seconds: the run's duration, seconds: from its start (``started``, after TensorFlow, the data
            and the model are loaded) to its end, as ``run.json``'s ``duration``; for a run that
            never got a folder, the time until it was refused.
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
    run_name: str | None = None,
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
        run_name: the run's name in ``run.json`` and, made folder-safe, in its id
            (:func:`tuidl.core.presets.run_name_for`: ``digits-mlp sgd l2``); default
            the experiment's name.

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
            return _train(exp, emit, control, runs_dir, base_dir, extra_callbacks, on_run_dir, t0, run_name)
        with _RunLog() as run_log:
            return _train(exp, emit, control, runs_dir, base_dir, extra_callbacks, run_log.attach, t0, run_name)


def _extras(model: Any, exp: Experiment, prep: _Prepared) -> list[Any]:
    """The epoch-extras callback (:mod:`tuidl.engine.epoch_extras`) as a list of zero or one."""
    from tuidl.engine.epoch_extras import epoch_extras

    cb = epoch_extras(model, exp, prep.x_train, prep.y_train)
    return [cb] if cb is not None else []


def _fail_early(e: BaseException, emit: Callable[[Event], Any], t0: float) -> RunResult:
    """Report a run that failed before its folder existed: ``RunFailed("")``, nothing on disk."""
    err = _error_dict(e, has_run_dir=False)
    said_log.error("run not started: %s", err["message"], exc_info=not isinstance(e, TuidlError))
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
    probe: Any = None
    """The :class:`tuidl.engine.insight.Probe` (``None`` when ``insight.enabled`` is off)."""


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
    probe = None
    if exp.insight.enabled and len(x_train):
        from tuidl.engine.insight import Probe

        try:
            probe = Probe(model, exp, x_train, y_train)
        except Exception as e:  # measuring is an extra: a model it cannot probe still trains
            log.warning("insight: cannot probe this model (%s); training without insight.jsonl", e)
    return _Prepared(model, x_train, y_train, x_val, y_val, ds, callbacks, summary, steps, probe)


def _train(
    exp: Experiment,
    emit: Callable[[Event], Any],
    control: Control,
    runs_dir: str | Path,
    base_dir: str | Path | None,
    extra_callbacks: Iterable[Any],
    on_run_dir: Callable[[Path], Any],
    t0: float,
    run_name: str | None = None,
) -> RunResult:
    try:
        spec = resolved(exp)  # once: a no-op for an experiment resolved where it entered (CLI, API)
        prep = _prepare(spec, base_dir)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # report, never raise: failures are events
        return _fail_early(e, emit, t0)
    if control.stop_requested.is_set():  # stopped while loading: the run never started
        said_log.info("run stopped before it started")
        emit(RunFinished("", "stopped", 0, time.time() - t0))
        return RunResult("", None, "stopped", seconds=time.time() - t0)
    name = run_name or exp.name
    run_id = new_run_id(name, t0)
    s = prep.summary
    writer: RunWriter | None = None
    try:
        writer = RunWriter(Path(runs_dir), run_id)
        writer.start(
            spec.to_toml(),
            {
                "name": name,
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
        # metrics.jsonl's `time` counts from the run's start, as run.json's `duration` does
        state = _Stream(run_id, exp.fit.epochs, prep.steps, emit, control, writer, writer.t_start)
        emit(RunStarted(run_id, str(writer.dir), exp.fit.epochs, prep.steps, prep.summary))
        cb = _callback_class()(state)
        if prep.probe is not None:  # after the streaming callback: it writes the epoch's metrics first
            from tuidl.engine.insight import insight_callback

            insight = [insight_callback(prep.probe, exp, state)]
        else:
            insight = []
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
            # epoch extras first: the logs they add (regularization_loss, train_eval_*) reach the stream
            callbacks=[*_extras(model, exp, prep), cb, *insight, *prep.callbacks, *extra],
        )
    except KeyboardInterrupt:
        done = len(state.history) if state else 0
        _finish(writer, "stopped", None, epochs_done=done)
        log.info("run %s: interrupted after %d epochs", run_id, done)
        raise
    except Exception as e:  # report, never raise: failures are events
        err = _error_dict(e)
        done = len(state.history) if state else 0
        said_log.error("run %s failed: %s", run_id, err["message"], exc_info=not isinstance(e, TuidlError))
        _finish(writer, "failed", err, epochs_done=done)
        emit(RunFailed(run_id, err["kind"], err["title"], err["message"], err["hint"], done))
        return RunResult(run_id, writer.dir, "failed", done, state.history if state else [], err, writer.duration)
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
                # where, for the runs browser's chart (0-based, as in metrics.jsonl)
                "epoch": epoch,
                "batch": batch,
                "metric": metric,
                "value": value,
            },
            epochs_done=done,
        )
        # 1-based, as the status line and run.json's message say it
        said_log.warning("run %s diverged: %s = %s at epoch %d batch %d", run_id, metric, value, epoch + 1, batch + 1)
        emit(RunDiverged(run_id, epoch, batch, metric, value, done))
        return RunResult(run_id, writer.dir, "diverged", done, state.history, None, writer.duration)
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
    seconds = writer.duration  # run.json's `duration`: the one every view shows
    said_log.info("run %s %s after %s in %s", run_id, status, plural(done, "epoch"), format_duration(seconds))
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
    said_log.error("run %s failed: %s", writer.run_id, err["message"])
    if write:
        _finish(writer, "failed", err, epochs_done=done)
    else:
        writer.close()
    emit(RunFailed(writer.run_id, err["kind"], err["title"], err["message"], err["hint"], done))
    return RunResult(writer.run_id, writer.dir, "failed", done, history, err, writer.duration, model_path)


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
