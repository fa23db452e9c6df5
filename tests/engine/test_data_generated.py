"""TF Playground 2-D sets and scikit-learn's bundled sets (no TensorFlow needed)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from tuidl.core.errors import SpecError
from tuidl.core.spec import PLAYGROUND_CLASSIFICATION, DataSpec, from_dict
from tuidl.engine.data import load_data, split, split_indices
from tuidl.engine.datasets import playground

CLASSIFY = list(PLAYGROUND_CLASSIFICATION)


@pytest.mark.parametrize("name", CLASSIFY + ["plane", "multi-gauss"])
def test_shapes_dtypes_and_default_sizes(name: str) -> None:
    d = load_data(DataSpec(name=name), seed=0)
    n = 500 if name in CLASSIFY else 1200
    assert len(d.x_train) + len(d.x_val) == n
    assert len(d.x_val) == round(n * 0.2)
    assert d.x_train.shape[1:] == (2,) and d.x_train.dtype == np.float32
    assert d.kind == "points" and d.feature_names == ["x1", "x2"]
    if name in CLASSIFY:
        assert d.task == "classification" and d.n_classes == 2 and d.y_train.dtype == np.int32
        assert set(np.unique(d.y_train)) <= {0, 1}
    else:
        assert d.task == "regression" and d.n_classes is None and d.y_train.dtype == np.float32


@pytest.mark.parametrize("name", CLASSIFY)
def test_classes_balanced_without_noise(name: str) -> None:
    pts, lab = playground.generate(name, 400, 0.0, seed=3)
    assert pts.shape == (400, 2) and lab.shape == (400,)
    pos = int((lab > 0).sum())
    # circle, gauss, spiral: exactly half each; xor: random quadrants, about half
    if name == "xor":
        assert 150 < pos < 250
    else:
        assert pos == 200


def test_determinism_by_seed() -> None:
    a = load_data(DataSpec(name="spiral", options={"noise": 0.2}), seed=5)
    b = load_data(DataSpec(name="spiral", options={"noise": 0.2}), seed=5)
    c = load_data(DataSpec(name="spiral", options={"noise": 0.2}), seed=6)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, c.x_train)


def test_playground_formulas() -> None:
    # circle without noise: inner group inside radius 2.5 labelled +1, ring 3.5..5 labelled -1
    pts, lab = playground.circle(200, 0.0, np.random.default_rng(0))
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.all(r[lab > 0] < 2.5) and np.all((r[lab < 0] >= 3.5) & (r[lab < 0] <= 5))
    # xor: label = sign(x*y), points kept 0.3 off the axes
    pts, lab = playground.xor(300, 0.0, np.random.default_rng(0))
    assert np.all(np.abs(pts) >= 0.3)
    np.testing.assert_array_equal(lab, np.where(pts[:, 0] * pts[:, 1] >= 0, 1, -1))
    # spiral without noise: radius grows linearly 0..5 along each arm
    pts, lab = playground.spiral(100, 0.0, np.random.default_rng(0))
    r = np.hypot(pts[:50, 0], pts[:50, 1])
    np.testing.assert_allclose(r, np.arange(50) / 50 * 5, atol=1e-9)
    # the second arm is the first rotated by pi
    np.testing.assert_allclose(pts[50:], -pts[:50], atol=1e-9)
    # plane without noise: target = (x + y) / 10
    pts, y = playground.plane(100, 0.0, np.random.default_rng(0))
    np.testing.assert_allclose(y, pts.sum(1) / 10)
    assert np.all(np.abs(pts) <= 6)
    # multi-gauss: peak +1 at (-4, 2.5), -1 at (0, 2.5), 0 far away
    pts, y = playground.multi_gauss(2000, 0.0, np.random.default_rng(0))
    assert -1 <= y.min() < -0.8 and 0.8 < y.max() <= 1
    # gauss: noise widens the blobs (variance 0.5 -> 4)
    tight, _ = playground.gauss(2000, 0.0, np.random.default_rng(0))
    wide, _ = playground.gauss(2000, 0.5, np.random.default_rng(0))
    assert np.std(tight[:1000, 0]) == pytest.approx(np.sqrt(0.5), rel=0.1)
    assert np.std(wide[:1000, 0]) == pytest.approx(2.0, rel=0.1)


def test_noise_flips_labels_in_circle() -> None:
    _, clean = playground.circle(1000, 0.0, np.random.default_rng(1))
    _, noisy = playground.circle(1000, 0.5, np.random.default_rng(1))
    assert clean[:500].min() == 1 and (noisy[:500] < 0).sum() > 50


def test_engineered_features_and_label_mapping() -> None:
    spec = DataSpec(name="circle", options={"features": ["sin_x2", "x1", "x1_x2", "x2_squared"], "n_samples": 60})
    d = load_data(spec, seed=0)
    assert d.feature_names == ["x1", "x2_squared", "x1_x2", "sin_x2"]  # Playground's order
    p = d.points_train
    np.testing.assert_allclose(d.x_train[:, 0], p[:, 0], rtol=1e-6)
    np.testing.assert_allclose(d.x_train[:, 1], p[:, 1] ** 2, rtol=1e-5)
    np.testing.assert_allclose(d.x_train[:, 2], p[:, 0] * p[:, 1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.x_train[:, 3], np.sin(p[:, 1]), rtol=1e-5, atol=1e-6)
    # +1 (inside the disc) -> class 1, -1 -> class 0
    r = np.hypot(p[:, 0], p[:, 1])
    assert np.all(d.y_train[r < 2.5] == 1) and np.all(d.y_train[r > 3] == 0)
    assert d.class_names == ["negative (-1)", "positive (+1)"]


def test_option_errors_name_the_field() -> None:
    for opts, field in (
        ({"noise": 0.7}, "data.options.noise"),
        ({"n_samples": 2}, "data.options.n_samples"),
        ({"features": ["x3"]}, "data.options.features"),
        ({"scaling": "log"}, "data.options.scaling"),
    ):
        with pytest.raises(SpecError) as e:
            from_dict({"data": {"name": "spiral", "options": opts}}, origin="p.toml")
        assert field in e.value.message, e.value.message


def test_split_agrees_with_split_indices() -> None:
    x = np.arange(50)
    xt, yt, xv, yv = split(x, x, 0.3, seed=2)
    tr, va = split_indices(50, 0.3, seed=2)
    np.testing.assert_array_equal(xt, tr)
    np.testing.assert_array_equal(xv, va)
    assert len(xv) == 15 and sorted(np.concatenate([xt, xv]).tolist()) == list(range(50))


def test_subset_and_balanced_class_weight() -> None:
    d = load_data(
        DataSpec(name="breast_cancer", validation_split=0.25, options={"subset": 200, "class_weight": "balanced"}),
        seed=0,
    )
    assert len(d.x_train) + len(d.x_val) == 200 and len(d.x_val) == 50
    counts = np.bincount(d.y_train)
    assert d.class_weight is not None
    for c in (0, 1):
        assert d.class_weight[c] == pytest.approx(len(d.y_train) / (2 * counts[c]))


@pytest.mark.parametrize(
    "name,shape,k",
    [
        ("digits", (8, 8, 1), 10),
        ("iris", (4,), 3),
        ("wine", (13,), 3),
        ("breast_cancer", (30,), 2),
        ("diabetes", (10,), None),
    ],
)
def test_sklearn_sets(name: str, shape: tuple[int, ...], k: int | None) -> None:
    d = load_data(DataSpec(name=name), seed=0)
    assert d.input_shape == shape and d.n_classes == k and d.x_train.dtype == np.float32
    if k:
        assert d.y_train.dtype == np.int32 and d.y_train.max() < k and len(d.class_names) == k
    else:
        assert d.task == "regression" and d.y_train.dtype == np.float32
    if name == "digits":
        assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0


def test_scaling_fitted_on_train_only() -> None:
    d = load_data(DataSpec(name="wine", options={"scaling": "standardize"}), seed=0)
    np.testing.assert_allclose(d.x_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(0), 1, atol=1e-4)
    assert not np.allclose(d.x_val.mean(0), 0, atol=1e-3)  # the validation split is not refitted
    m = load_data(DataSpec(name="wine", options={"scaling": "minmax"}), seed=0)
    assert m.x_train.min() == pytest.approx(0) and m.x_train.max() == pytest.approx(1)
    img = load_data(DataSpec(name="digits", options={"scaling": "standardize"}), seed=0)
    assert img.input_shape == (8, 8, 1) and len(img.scaling["offset"]) == 1  # per channel


def test_target_scaling() -> None:
    d = load_data(DataSpec(name="diabetes", options={"target_scaling": "standardize"}), seed=0)
    assert abs(float(d.y_train.mean())) < 1e-4 and float(d.y_train.std()) == pytest.approx(1, rel=1e-3)
    off, sc = d.target_transform
    assert 100 < off < 200 and sc > 10


def test_describe_is_small_and_serializable() -> None:
    pts = load_data(DataSpec(name="spiral", options={"n_samples": 1200}), seed=0).describe()
    assert len(pts["points"]) == 500 and len(pts["point_labels"]) == 500 and pts["point_axes"] == ["x1", "x2"]
    assert len(pts["class_counts"]) == 2 and set(pts["point_labels"]) == {0, 1}
    assert sum(pts["class_counts"]) == pts["n_train"] == 960
    assert 0.4 < pts["baseline_accuracy"] < 0.6
    img = load_data(DataSpec(name="digits"), seed=0).describe()
    assert len(img["images"]) == 16 and len(img["images"][0]) == 8 and len(img["images"][0][0]) == 8
    assert isinstance(img["images"][0][0][0], int) and 0 <= img["images"][0][0][0] <= 255
    assert img["image_labels"][:10] == [str(i) for i in range(10)]  # one per class first
    reg = load_data(DataSpec(name="diabetes"), seed=0).describe()
    assert reg["baseline_mse"] > 0 and reg["target"]["min"] >= 25
    for info in (pts, img, reg):
        assert json.loads(json.dumps(info)) == info
        pickle.dumps(info)
        assert len(json.dumps(info)) < 60_000


def test_ignored_options_are_noted() -> None:
    d = load_data(DataSpec(name="iris", options={"noise": 0.1, "maxlen": 10}), seed=0)
    assert any("data.options.noise" in n and "data.options.maxlen" in n for n in d.notes)


def test_describe_without_samples_and_tiny_image_regression() -> None:
    from tuidl.engine.data import Dataset

    x = np.random.default_rng(0).random((5, 40, 40, 3)).astype(np.float32)
    d = Dataset("npz", x, np.arange(5, dtype=np.float32), x[:0], np.zeros(0, np.float32), "regression", kind="images")
    info = d.describe()
    assert len(info["images"]) == 5 and len(info["images"][0]) == 20  # 40 px subsampled by 2
    assert info["image_labels"][1] == "1" and "baseline_mse" in info
    small = d.describe(samples=False)
    assert "images" not in small and small["n_train"] == 5
