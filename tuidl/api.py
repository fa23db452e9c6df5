"""The public Python API: train an experiment from a script or notebook.

>>> import tuidl
>>> result = tuidl.train("digits-mlp", runs_dir="runs", overrides=["fit.epochs=2"])
>>> result.status, result.epochs_done, result.run_dir

It runs :func:`tuidl.engine.train.train` in-process — the same code path as the
dashboard's engine and ``tuidl run`` — and writes the same run folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable

from tuidl.core.events import Event
from tuidl.core.spec import Experiment

__all__ = ["train"]


def train(
    exp_or_name: Experiment | str | os.PathLike[str],
    runs_dir: str | os.PathLike[str] | None = None,
    overrides: list[str] | dict[str, Any] | None = None,
    on_event: Callable[[Event], Any] | None = None,
    callbacks: Iterable[Any] = (),
    control: Any = None,
    tensorboard: bool = False,
) -> Any:
    """Train an experiment and return its :class:`tuidl.engine.train.RunResult`.

    Args:
        exp_or_name: an :class:`Experiment`, a preset name (``"digits-mlp"``) or a ``.toml`` path.
        runs_dir: runs folder (default: ``$TUIDL_RUNS_DIR`` or ``./runs``).
        overrides: dotted-path overrides, ``["fit.epochs=2"]`` or ``{"fit.epochs": 2}``.
        on_event: called with every event (``RunStarted``, ``EpochEnded``, ...).
        callbacks: extra Keras callbacks passed to ``model.fit``.
        control: a :class:`tuidl.engine.train.Control` to stop the run from another thread.
        tensorboard: also write TensorBoard event files into ``<run>/tensorboard``
            (when the ``tensorboard`` package is installed).

    Returns:
        The ``RunResult`` (``status``, ``epochs_done``, ``history``, ``run_dir``, ``error``).
        Training failures do not raise: see ``status`` and ``error``. A run that
        could not start (data not loadable, a model Keras cannot build, a
        pre-flight error, a runs folder that cannot be written) has
        ``run_dir is None``: nothing was written.

    Raises:
        PresetError, SpecError: unknown preset or invalid experiment/overrides.
    """
    from tuidl.core.presets import check_references, load_experiment, resolved
    from tuidl.core.runs import runs_dir as default_runs_dir
    from tuidl.engine.train import train as _train

    if isinstance(exp_or_name, Experiment):
        exp = exp_or_name.with_overrides(overrides) if overrides else exp_or_name
        check_references(exp)
    else:
        exp = load_experiment(exp_or_name, list(overrides) if isinstance(overrides, list) else None)
        if isinstance(overrides, dict):
            exp = exp.with_overrides(overrides)
    exp = resolved(exp)  # presets resolved once, here where the experiment enters
    root = Path(runs_dir) if runs_dir is not None else default_runs_dir()
    extra = list(callbacks)
    if tensorboard:
        from tuidl.engine.tensorboard import tensorboard_callback

        extra.append(tensorboard_callback)
    return _train(exp, on_event, control, runs_dir=root, extra_callbacks=extra)
