"""TF Playground's 2-D datasets, re-implemented in NumPy with a seed.

Source: ``src/dataset.ts`` of github.com/tensorflow/playground (Apache-2.0),
functions ``classifyCircleData``, ``classifyXORData``, ``classifyTwoGaussData``,
``classifySpiralData``, ``regressPlane`` and ``regressGaussian``. The formulas
(radii, paddings, variances, bump centres) are Playground's; the random source
is NumPy's ``default_rng(seed)`` instead of ``seedrandom``, so the points are
not the browser's points, but the distributions are the same.

Labels: Playground classifies as +1 / -1. tuidl uses class ids for Keras's
sparse losses: **+1 -> 1** ("positive", Playground's blue) and **-1 -> 0**
("negative", orange). Regression targets stay in Playground's scale (about
[-1, 1]).

Differences kept deliberately small:

* ``n`` odd: Playground's ``for i < n/2`` loops give ``2*ceil(n/2)`` points;
  here the first group gets ``n - n//2`` and the second ``n//2``, so exactly
  ``n`` points come out.
* Gaussian sampling uses ``rng.normal`` rather than Playground's Marsaglia
  polar method (same distribution).
"""

from __future__ import annotations

import math

import numpy as np

from tuidl.core.registry import PLAYGROUND_CLASSIFICATION, PLAYGROUND_FEATURES
from tuidl.core.spec import DataSpec
from tuidl.engine.datasets.base import Raw

DEFAULT_SAMPLES = {"classification": 500, "regression": 1200}
"""Playground's ``NUM_SAMPLES_CLASSIFY`` and ``NUM_SAMPLES_REGRESS``."""

CLASS_NAMES = ["negative (-1)", "positive (+1)"]
"""Class id -> name: Playground's label -1 is class 0, +1 is class 1."""


def _u(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    """``randUniform(a, b)``: n samples of U(a, b)."""
    return rng.uniform(a, b, n)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disc of radius 2.5 (label +1) inside a ring 3.5..5 (label -1).

    The label is taken at the point jittered by ``U(-5, 5) * noise`` in x and
    y, so with noise some points carry the other class's label.

    Returns:
        ``(points (n, 2) float64, labels (n,) in {-1, +1})``.
    """
    radius = 5.0
    parts = []
    for count, (r0, r1) in ((n - n // 2, (0.0, radius * 0.5)), (n // 2, (radius * 0.7, radius))):
        r = _u(rng, r0, r1, count)
        angle = _u(rng, 0.0, 2 * math.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx, ny = _u(rng, -radius, radius, count) * noise, _u(rng, -radius, radius, count) * noise
        label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1, -1)
        parts.append((np.stack([x, y], 1), label))
    return np.concatenate([p for p, _ in parts]), np.concatenate([lab for _, lab in parts])


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-5, 5]² pushed 0.3 away from the axes; label = sign(x·y) (>= 0 -> +1).

    The label uses the point jittered by ``U(-5, 5) * noise``.
    """
    pad = 0.3
    x = _u(rng, -5, 5, n)
    x = x + np.where(x > 0, pad, -pad)
    y = _u(rng, -5, 5, n)
    y = y + np.where(y > 0, pad, -pad)
    nx, ny = _u(rng, -5, 5, n) * noise, _u(rng, -5, 5, n) * noise
    label = np.where((x + nx) * (y + ny) >= 0, 1, -1)
    return np.stack([x, y], 1), label


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs: centre (2, 2) -> +1, (-2, -2) -> -1.

    The variance maps noise 0..0.5 linearly to 0.5..4 (``d3.scaleLinear``).
    """
    variance = 0.5 + (noise / 0.5) * 3.5
    sd = math.sqrt(variance)
    parts = []
    for count, c, lab in ((n - n // 2, 2.0, 1), (n // 2, -2.0, -1)):
        parts.append((rng.normal(c, sd, (count, 2)), np.full(count, lab)))
    return np.concatenate([p for p, _ in parts]), np.concatenate([lab for _, lab in parts])


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals: ``r = 5 i/m``, ``t = 1.75 · 2π i/m`` (+π for the second).

    ``m`` is the number of points per spiral; each coordinate gets
    ``U(-1, 1) * noise``. Spiral 1 is +1, spiral 2 (shifted by π) is -1.
    """
    parts = []
    for count, delta, lab in ((n - n // 2, 0.0, 1), (n // 2, math.pi, -1)):
        m = max(count, 1)
        i = np.arange(count, dtype=np.float64)
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + delta
        x = r * np.sin(t) + _u(rng, -1, 1, count) * noise
        y = r * np.cos(t) + _u(rng, -1, 1, count) * noise
        parts.append((np.stack([x, y], 1), np.full(count, lab)))
    return np.concatenate([p for p, _ in parts]), np.concatenate([lab for _, lab in parts])


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: x, y ~ U(-6, 6); target ``(x' + y') / 10`` (``[-10, 10] -> [-1, 1]``).

    ``x', y'`` are jittered by ``U(-6, 6) * noise``; the target is not clamped.
    """
    radius = 6.0
    x, y = _u(rng, -radius, radius, n), _u(rng, -radius, radius, n)
    nx, ny = _u(rng, -radius, radius, n) * noise, _u(rng, -radius, radius, n) * noise
    return np.stack([x, y], 1), ((x + nx) + (y + ny)) / 10.0


_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))
"""Playground ``regressGaussian`` centres and signs."""


def multi_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: six signed bumps; target = the bump value largest in magnitude.

    Each bump gives ``sign * max(0, 1 - dist/2)`` (``d3`` scale ``[0, 2] ->
    [1, 0]`` clamped); x, y ~ U(-6, 6), evaluated at the point jittered by
    ``U(-6, 6) * noise``.
    """
    radius = 6.0
    x, y = _u(rng, -radius, radius, n), _u(rng, -radius, radius, n)
    nx, ny = _u(rng, -radius, radius, n) * noise, _u(rng, -radius, radius, n) * noise
    px, py = x + nx, y + ny
    label = np.zeros(n)
    for cx, cy, sign in _BUMPS:
        v = sign * np.clip(1 - np.hypot(px - cx, py - cy) / 2, 0, 1)
        label = np.where(np.abs(v) > np.abs(label), v, label)
    return np.stack([x, y], 1), label


GENERATORS = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "plane": plane,
    "multi-gauss": multi_gauss,
}
"""Dataset id -> generator(n, noise, rng) -> (points (n, 2), labels (n,))."""

_FEATURES = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1_squared": lambda p: p[:, 0] ** 2,
    "x2_squared": lambda p: p[:, 1] ** 2,
    "x1_x2": lambda p: p[:, 0] * p[:, 1],
    "sin_x1": lambda p: np.sin(p[:, 0]),
    "sin_x2": lambda p: np.sin(p[:, 1]),
}


def features(points: np.ndarray, names: list[str]) -> np.ndarray:
    """Playground's input features of ``points`` (n, 2): ``(n, len(names))`` float32.

    Names are from :data:`~tuidl.core.spec.PLAYGROUND_FEATURES`: ``x1``, ``x2``,
    ``x1_squared``, ``x2_squared``, ``x1_x2``, ``sin_x1``, ``sin_x2``
    (``playground.ts`` ``INPUTS``: x, y, xSquared, ySquared, xTimesY, sinX, sinY).
    """
    return np.stack([_FEATURES[f](points) for f in names], 1).astype(np.float32)


def generate(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n`` points of Playground dataset ``name``.

    Returns:
        ``(points (n, 2) float64, labels (n,))``: labels ±1 for classification
        (Playground's form), float for regression.
    """
    return GENERATORS[name](n, noise, np.random.default_rng(seed))


def load(spec: DataSpec, seed: int) -> Raw:
    """The Playground set ``spec.name`` as a :class:`Raw` (points kind).

    Uses ``options.n_samples`` (default 500 / 1200), ``options.noise``
    (default 0) and ``options.features`` (default ``["x1", "x2"]``).
    """
    o = spec.options
    task = "classification" if spec.name in PLAYGROUND_CLASSIFICATION else "regression"
    n = o.n_samples or DEFAULT_SAMPLES[task]
    noise = o.noise or 0.0
    names = list(o.features or ["x1", "x2"])
    names = [f for f in PLAYGROUND_FEATURES if f in names]  # Playground's order
    pts, lab = generate(spec.name, n, noise, seed)
    x = features(pts, names)
    if task == "classification":
        y = (lab > 0).astype(np.int32)  # +1 -> 1, -1 -> 0
    else:
        y = lab.astype(np.float32)
    return Raw(
        x=x,
        y=y,
        task=task,
        kind="points",
        class_names=list(CLASS_NAMES) if task == "classification" else [],
        description=f"TF Playground {spec.name}: {n} points, noise {noise:.0%}, features {', '.join(names)}",
        source=f"generated (TF Playground src/dataset.ts formulas, seed {seed})",
        feature_names=names,
        points=pts.astype(np.float32),
    )
