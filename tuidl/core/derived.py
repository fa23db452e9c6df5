"""Series derived from the logged ones, and what the charts call their curves (pure: numpy only).

* The weight penalty apart: Keras's ``loss`` (and ``val_loss``) includes the penalties of the
  kernel/bias/activity regularizers (``model.losses``). When ``metrics.jsonl`` carries
  ``regularization_loss`` (their sum at the epoch's end, docs/run-format.md), the data loss is
  ``data_loss = loss - regularization_loss``, and likewise ``val_data_loss`` and
  ``train_eval_data_loss`` from ``val_loss`` and ``train_eval_loss`` (exact for weight penalties:
  the weights do not change between the epoch's last step, its validation and the penalty).
* ``train_eval_<m>``: ``<m>`` re-evaluated in inference mode on a seeded subset of the training
  data at the epoch's end (BatchNormalization's moving statistics, Dropout off), drawn next to the
  fit-mode ``<m>`` (batch statistics, dropout on).
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

__all__ = [
    "DATA_LOSS",
    "PENALTY",
    "TRAIN_EVAL",
    "curve_labels",
    "derive",
    "derived_keys",
    "includes_penalty",
]

PENALTY = "regularization_loss"
"""The logged key of the weight penalty (sum of ``model.losses`` at the epoch's end)."""
DATA_LOSS = "data_loss"
"""The derived key ``loss - regularization_loss``."""
TRAIN_EVAL = "train_eval_"
"""Prefix of the inference-mode re-evaluation on training data (``train_eval_loss``, ...)."""
_LOSS_PREFIXES = ("", "val_", TRAIN_EVAL)


def derived_keys(keys: Iterable[str]) -> list[str]:
    """The keys :func:`derive` can compute from the logged ``keys`` and that are not logged themselves.

    ``["data_loss", "val_data_loss"]`` for keys ``loss``, ``val_loss``, ``regularization_loss``;
    ``[]`` without ``regularization_loss``.
    """
    have = set(keys)
    if PENALTY not in have:
        return []
    return [f"{p}{DATA_LOSS}" for p in _LOSS_PREFIXES if f"{p}loss" in have and f"{p}{DATA_LOSS}" not in have]


def derive(key: str, column: Callable[[str], np.ndarray]) -> np.ndarray | None:
    """The values of a derived ``key`` (``data_loss``, ``val_data_loss``, ``train_eval_data_loss``).

    Args:
        key: the derived key.
        column: the logged values of a key (float64, one per epoch; NaN where missing).

    Returns:
        ``<prefix>loss - regularization_loss`` as a new float64 array (NaN where either is
        missing), or ``None`` when ``key`` is not a derived key.
    """
    for p in _LOSS_PREFIXES:
        if key == f"{p}{DATA_LOSS}":
            loss = np.asarray(column(f"{p}loss"), dtype=np.float64)
            return loss - np.asarray(column(PENALTY), dtype=np.float64)
    return None


def includes_penalty(metric: str, keys: Iterable[str]) -> bool:
    """True when ``metric``'s curves include a weight penalty: ``metric`` is ``loss`` and the run
    logged ``regularization_loss`` (the model has a regularizer)."""
    return metric == "loss" and PENALTY in set(keys)


def curve_labels(metric: str, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The legend's ``(label, short label)`` per curve role of ``metric`` (``batch``, ``train``,
    ``val``, ``eval``), from the epoch keys logged.

    * ``loss`` of a model with a regularizer says it includes the penalty:
      ``loss (incl. penalty)`` (short ``train+pen``).
    * With ``train_eval_<metric>`` logged, the fit-mode curve says how it was computed:
      ``train (batch stats, dropout on)`` (short ``train``), and the re-evaluation in
      inference mode ``inference mode`` (short ``inference``: the four short labels fit
      the dashboard's chart at 80 columns).
    """
    have = set(keys)
    pen = includes_penalty(metric, have)
    train = f"{metric} (incl. penalty)" if pen else metric
    train_short = "train+pen" if pen else "train"
    if f"{TRAIN_EVAL}{metric}" in have:
        train = "train (batch stats, dropout on)"
    return {
        "batch": (f"batch {metric}", "batch"),
        "train": (train, train_short),
        "val": (f"val_{metric}", "val"),
        "eval": ("inference mode", "inference"),
    }
