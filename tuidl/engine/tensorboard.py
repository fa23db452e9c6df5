"""TensorBoard event files for a run, when the optional ``tensorboard`` package is installed.

``pip install tuidl[tensorboard]`` adds it. Each run then also writes
``<run>/tensorboard/{train,validation}/events.out.tfevents.*`` through Keras's
own :class:`keras.callbacks.TensorBoard`, so the same runs open in TensorBoard::

    tensorboard --logdir runs/

(TensorBoard names each run by its folder: ``<run_id>/tensorboard/train`` and
``.../validation``.) Without the package, :func:`tensorboard_callback` returns
``None`` and training goes on as before. Keras and TensorFlow are imported
inside the function only.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

SUBDIR = "tensorboard"
"""The folder inside a run that holds the event files."""


def tensorboard_available() -> bool:
    """Whether the ``tensorboard`` package is importable (without importing it)."""
    try:
        return importlib.util.find_spec("tensorboard") is not None
    except (ImportError, ValueError):
        return False


def tensorboard_callback(
    run_dir: str | Path, *, update_freq: str | int = "epoch", histogram_freq: int = 0
) -> Any | None:
    """A :class:`keras.callbacks.TensorBoard` writing into ``<run_dir>/tensorboard``, or ``None``.

    Args:
        run_dir: the run folder (it exists: :class:`~tuidl.core.runs.RunWriter` made it).
        update_freq: Keras's ``update_freq``: ``"epoch"`` (default), ``"batch"``, or
            every N batches.
        histogram_freq: Keras's ``histogram_freq`` (epochs between weight
            histograms; 0 = none, the default, as histograms cost time).

    Returns:
        The callback to pass to ``model.fit(callbacks=...)``, or ``None`` when the
        ``tensorboard`` package is not installed.
    """
    if not tensorboard_available():
        return None
    import keras

    log_dir = Path(run_dir) / SUBDIR
    return keras.callbacks.TensorBoard(
        log_dir=str(log_dir), histogram_freq=histogram_freq, write_graph=False, update_freq=update_freq
    )
