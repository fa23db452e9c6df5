"""Statistics of one tensor as ``insight.jsonl`` stores them (numpy only, no Keras).

The engine (:mod:`tuidl.engine.insight`) measures a model's kernels, layer outputs and
kernel gradients on a fixed probe batch and hands each array to :func:`tensor_stats`;
the run folder keeps the result, one JSON object per (``epoch``, ``layer``, ``kind``)
(format in ``docs/run-format.md``). Kept here, apart from TensorFlow, so the numbers are
tested against plain numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PERCENTILE_BANDS: tuple[float, ...] = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)
"""The percentiles stored for each tensor: TensorBoard's distribution bands (minimum, the
normal distribution's -1.5, -1, -0.5 sigma points, the median, +0.5, +1, +1.5 sigma, maximum)."""

HISTOGRAM_BINS = 30
"""Bins of the stored histogram (TensorBoard's default bucket count)."""

KINDS = ("kernel", "activation", "input", "gradient")
"""What a record measures: a layer's ``kernel``, its output (``activation``), its input
(``input``, stored for ``BatchNormalization`` only) and the gradient of the loss with
respect to its kernel (``gradient``)."""


def _float(v: Any) -> float:
    return float(v)


def tensor_stats(values: Any, *, units: bool = False) -> dict[str, Any]:
    """Summary statistics of one tensor, JSON-ready (Python floats and ints).

    Args:
        values: any array-like of numbers (cast to float64). For ``units=True`` the first
            axis is the batch: shape ``(samples, ...)``.
        units: also compute ``dead_fraction`` (for layer outputs).

    Returns:
        ``{"size", "mean", "std", "min", "max", "norm", "zero_fraction", "nonfinite",
        "percentiles", "edges", "counts"}`` and, with ``units``, ``"dead_fraction"``:

        * ``mean``, ``std`` (population, ``ddof=0``), ``min``, ``max``, ``norm`` (L2 of
          all values) over every value, so a NaN or infinity shows in them;
        * ``zero_fraction``: share of values exactly ``0.0``;
        * ``nonfinite``: count of NaN and infinite values;
        * ``percentiles``: at :data:`PERCENTILE_BANDS` (numpy's linear interpolation),
          over the finite values;
        * ``edges`` (``HISTOGRAM_BINS + 1`` floats) and ``counts`` (``HISTOGRAM_BINS``
          ints): ``numpy.histogram`` of the finite values;
        * ``dead_fraction``: share of units (positions after the batch axis) that are
          exactly ``0.0`` for every sample.

        An empty tensor, or one without finite values, has NaN statistics where none
        exist, NaN percentiles and empty ``edges``/``counts``.
    """
    a = np.asarray(values, dtype=np.float64)
    flat = a.reshape(-1)
    n = int(flat.size)
    finite = flat[np.isfinite(flat)]
    nan = float("nan")
    out: dict[str, Any] = {"size": n}
    if n:
        with np.errstate(all="ignore"):
            out.update(
                mean=_float(flat.mean()),
                std=_float(flat.std()),
                min=_float(flat.min()),
                max=_float(flat.max()),
                norm=_float(np.sqrt(np.sum(flat * flat))),
                zero_fraction=_float(np.count_nonzero(flat == 0.0) / n),
            )
    else:
        out.update(mean=nan, std=nan, min=nan, max=nan, norm=0.0, zero_fraction=nan)
    out["nonfinite"] = n - int(finite.size)
    if finite.size:
        out["percentiles"] = [_float(p) for p in np.percentile(finite, PERCENTILE_BANDS)]
        counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS)
        out["edges"] = [_float(e) for e in edges]
        out["counts"] = [int(c) for c in counts]
    else:
        out["percentiles"] = [nan] * len(PERCENTILE_BANDS)
        out["edges"], out["counts"] = [], []
    if units:
        if a.ndim >= 1 and a.shape[0] and n:
            per_unit = a.reshape(a.shape[0], -1)
            out["dead_fraction"] = _float(np.mean(np.all(per_unit == 0.0, axis=0))) if per_unit.shape[1] else nan
        else:
            out["dead_fraction"] = nan
    return out
