"""The pipeline's scaling, imputing and class weights come from scikit-learn: the same results as the
formulas tuidl wrote by hand before (each old formula is written out here and compared on the same data)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tuidl.core.spec import DataSpec
from tuidl.engine.data import _apply_scaler, _fit_scaler, class_weights, load_data, split_indices
from tuidl.engine.datasets.files import _impute_numeric


def _old_fit_scaler(x: np.ndarray, method: str) -> dict:
    """tuidl's hand-written scaler statistics before scikit-learn (kept here as the reference)."""
    axis = tuple(range(x.ndim - 1)) if x.ndim > 2 else (0,)
    if method == "standardize":
        mean = x.mean(axis=axis, dtype=np.float64)
        std = x.std(axis=axis, dtype=np.float64)
        std = np.where(std > 0, std, 1.0)
        return {"offset": mean.astype(np.float32), "scale": std.astype(np.float32)}
    lo, hi = x.min(axis=axis).astype(np.float64), x.max(axis=axis).astype(np.float64)
    rng = np.where(hi > lo, hi - lo, 1.0)
    return {"offset": lo.astype(np.float32), "scale": rng.astype(np.float32)}


def _old_class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    counts = np.bincount(y.astype(np.int64), minlength=n_classes)[:n_classes]
    n, k = int(counts.sum()), n_classes
    return {c: (float(n / (k * counts[c])) if counts[c] else 1.0) for c in range(k)}


def _data() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    table = rng.normal(3.0, 2.5, size=(257, 5)).astype(np.float32)
    table[:, 2] = 4.0  # a constant column: scale 1, not a division by zero
    table[:, 4] *= 1000.0
    images = rng.integers(0, 256, size=(40, 6, 5, 3)).astype(np.float32) / 255.0
    images[..., 1] = 0.5  # a constant channel
    return [table, images]


@pytest.mark.parametrize("method", ["standardize", "minmax"])
def test_scaler_statistics_same_as_the_hand_written_ones(method: str) -> None:
    for x in _data():
        new, old = _fit_scaler(x, method), _old_fit_scaler(x, method)
        assert new["offset"].dtype == np.float32 and new["scale"].dtype == np.float32
        assert new["offset"].shape == old["offset"].shape == (x.shape[-1],)
        np.testing.assert_allclose(new["offset"], old["offset"], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(new["scale"], old["scale"], rtol=1e-6)
        a, b = x.copy(), x.copy()
        _apply_scaler(a, new)
        _apply_scaler(b, {"offset": old["offset"], "scale": old["scale"]})
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # and it still scales: the training split ends up standardised / in [0, 1] per column
    table = _data()[0]
    s = _fit_scaler(table, method)
    _apply_scaler(table, s)
    if method == "standardize":
        np.testing.assert_allclose(table[:, [0, 1, 3, 4]].mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(table[:, [0, 1, 3, 4]].std(axis=0), 1.0, atol=1e-4)
    else:
        assert table.min() == pytest.approx(0.0, abs=1e-6) and table.max() == pytest.approx(1.0, abs=1e-6)


def test_fit_scaler_does_not_change_the_training_array() -> None:
    x = _data()[1]
    before = x.copy()
    _fit_scaler(x, "standardize")
    _fit_scaler(x, "minmax")
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    "y, k",
    [
        (np.array([0, 0, 0, 1]), 3),  # a class absent from the training split
        (np.array([0, 1, 1, 2, 2, 2, 2, 2, 1, 0, 3]), 4),
        (np.random.default_rng(1).integers(0, 10, 999), 10),
        (np.array([2, 2, 2]), 3),
    ],
)
def test_class_weights_same_as_the_hand_written_ones(y: np.ndarray, k: int) -> None:
    new, old = class_weights(y, k), _old_class_weights(y, k)
    assert new.keys() == old.keys() == set(range(k))
    for c in range(k):
        assert new[c] == pytest.approx(old[c], rel=1e-12), c


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_impute_same_as_the_hand_written_fill(strategy: str) -> None:
    rng = np.random.default_rng(3)
    v = rng.integers(0, 6, size=60).astype(np.float64)
    v[:5] = 4.0  # 4.0 is the single most frequent value (no tie)
    v[[7, 19, 33, 50]] = np.nan
    known = v[~np.isnan(v)]
    old = {
        "mean": known.mean(),
        "median": np.median(known),
        "most_frequent": Counter(known.tolist()).most_common(1)[0][0],
    }[strategy]
    expect = v.copy()
    expect[np.isnan(expect)] = old
    fill = _impute_numeric(v, strategy)
    assert fill == pytest.approx(old, rel=1e-12)
    np.testing.assert_allclose(v, expect, rtol=1e-12)


def test_impute_most_frequent_tie_takes_the_smallest_value() -> None:
    # scikit-learn's rule; the hand-written Counter took the one met first (row order), which it no longer does
    v = np.array([5.0, 5.0, 2.0, 2.0, np.nan, 9.0])
    assert _impute_numeric(v, "most_frequent") == 2.0 and v[4] == 2.0


def test_csv_through_the_pipeline_imputes_and_scales(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b,label\n1,10,0\n,20,1\n3,,0\n5,40,1\n", encoding="utf-8")
    spec = DataSpec(
        name="csv",
        path="d.csv",
        target="label",
        validation_split=0.0,
        options={"impute": "median", "scaling": "minmax", "class_weight": "balanced"},
    )
    d = load_data(spec, seed=0, base_dir=tmp_path)
    assert any("a: 1 missing cells set to the median 3" in n for n in d.notes)
    assert any("b: 1 missing cells set to the median 20" in n for n in d.notes)
    assert d.x_train.min() == pytest.approx(0.0) and d.x_train.max() == pytest.approx(1.0)
    assert d.class_weight == {0: pytest.approx(1.0), 1: pytest.approx(1.0)}


# -- the validation split: stratified for classes (scikit-learn's train_test_split) ------------------------


def test_split_is_stratified_for_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [300, 60, 40])  # imbalanced
    rng.shuffle(y)
    for seed in (0, 1, 5):
        tr, va = split_indices(len(y), 0.25, seed, y=y)
        assert len(va) == 100 and len(tr) == 300
        assert sorted(np.concatenate([tr, va]).tolist()) == list(range(len(y)))
        # every class keeps its share in both parts (300:60:40 -> 75:15:10 held out)
        assert np.bincount(y[va], minlength=3).tolist() == [75, 15, 10]
        assert np.bincount(y[tr], minlength=3).tolist() == [225, 45, 30]
        again = split_indices(len(y), 0.25, seed, y=y)
        np.testing.assert_array_equal(tr, again[0])
        np.testing.assert_array_equal(va, again[1])
    assert not np.array_equal(split_indices(len(y), 0.25, 0, y=y)[1], split_indices(len(y), 0.25, 1, y=y)[1])


def test_split_without_classes_or_when_it_cannot_stratify_is_the_plain_shuffle() -> None:
    plain = split_indices(50, 0.3, seed=2)
    np.testing.assert_array_equal(plain[1], np.random.default_rng(2).permutation(50)[35:])
    y_single = np.array([0] * 49 + [1])  # class 1 has one sample: scikit-learn cannot stratify it
    for got, want in zip(split_indices(50, 0.3, 2, y=y_single), plain):
        np.testing.assert_array_equal(got, want)
    y_many = np.arange(50) % 25  # 25 classes but 15 validation rows
    for got, want in zip(split_indices(50, 0.3, 2, y=y_many), plain):
        np.testing.assert_array_equal(got, want)


def test_split_with_subset_stratifies_within_the_subset() -> None:
    y = np.repeat([0, 1], [900, 100])
    tr, va = split_indices(1000, 0.2, 3, subset=200, y=y)
    assert len(tr) + len(va) == 200 and len(va) == 40
    kept = np.random.default_rng(3).permutation(1000)[:200]
    assert set(np.concatenate([tr, va]).tolist()) == set(kept.tolist())
    share = np.bincount(y[kept], minlength=2) / 200
    assert abs(np.bincount(y[va], minlength=2)[1] / 40 - share[1]) <= 1 / 40


def test_load_data_holds_out_each_class_in_proportion() -> None:
    d = load_data(DataSpec(name="wine", validation_split=0.3), seed=4)  # 59/71/48 wines
    counts = np.bincount(d.y_val, minlength=3)
    assert counts.sum() == round(178 * 0.3)
    np.testing.assert_allclose(counts, np.array([59, 71, 48]) * 0.3, atol=1)


def test_exported_script_splits_as_the_pipeline() -> None:
    """The exported script's load_data (sklearn digits: no Keras needed) holds out the same rows."""
    from tuidl.core.presets import load_experiment
    from tuidl.core.script import _data_code

    exp = load_experiment("digits-mlp").with_overrides({"data.validation_split": 0.25, "fit.seed": 7})
    ns: dict = {"np": np, "VALIDATION_SPLIT": 0.25, "Path": Path}
    exec(_data_code(exp, None), ns)
    x_train, y_train, x_val, y_val, info = ns["load_data"](7)
    d = load_data(exp.data, seed=7)
    assert info["n_classes"] == d.n_classes == 10
    np.testing.assert_array_equal(y_train, d.y_train)
    np.testing.assert_array_equal(y_val, d.y_val)
    np.testing.assert_allclose(x_val, d.x_val)
