"""Every dataset preset loads, passes the pre-flight checks and trains; spiral and digits-cnn learn.

Keras datasets are trained on small files planted in a temporary KERAS_HOME.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from tuidl.core.presets import builtin_dir, experiment_presets, load_experiment
from tuidl.core.spec import DATASETS

pytestmark = pytest.mark.keras

DATA_PRESETS = sorted(p for p in experiment_presets() if p not in ("digits-mlp", "digits-cnn"))


def _idx(path: Path, arr: np.ndarray, images: bool) -> None:
    head = (2051 if images else 2049).to_bytes(4, "big") + len(arr).to_bytes(4, "big")
    if images:
        head += (28).to_bytes(4, "big") * 2
    with gzip.open(path, "wb") as f:
        f.write(head + arr.astype(np.uint8).tobytes())


def _cifar_batch(path: Path, n: int, labels: dict[str, list[int]]) -> None:
    rng = np.random.default_rng(0)
    d = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
    d.update({k.encode(): v for k, v in labels.items()})
    path.write_bytes(pickle.dumps(d))


@pytest.fixture
def planted_keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A KERAS_HOME holding small files in the layout of every Keras dataset tuidl reads."""
    root = tmp_path / "keras"
    d = root / "datasets"
    d.mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(root))
    rng = np.random.default_rng(0)
    n = 40
    np.savez(
        d / "mnist.npz",
        x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        y_train=np.arange(n, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )
    f = d / "fashion-mnist"
    f.mkdir()
    _idx(f / "train-labels-idx1-ubyte.gz", np.arange(n) % 10, False)
    _idx(f / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)), True)
    _idx(f / "t10k-labels-idx1-ubyte.gz", np.arange(10) % 10, False)
    _idx(f / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (10, 28, 28)), True)
    c10 = d / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    c10.mkdir(parents=True)
    for i in range(1, 6):
        _cifar_batch(c10 / f"data_batch_{i}", 8, {"labels": list(range(8))})
    _cifar_batch(c10 / "test_batch", 4, {"labels": [0, 1, 2, 3]})
    c100 = d / "cifar-100-python-target" / "cifar-100-python"
    c100.mkdir(parents=True)
    _cifar_batch(c100 / "train", 30, {"fine_labels": list(range(30)), "coarse_labels": [i % 20 for i in range(30)]})
    _cifar_batch(c100 / "test", 5, {"fine_labels": list(range(5)), "coarse_labels": list(range(5))})
    np.savez(d / "boston_housing.npz", x=rng.normal(size=(60, 13)), y=rng.uniform(5, 50, 60))
    np.savez(d / "california_housing.npz", x=rng.normal(size=(60, 8)), y=rng.uniform(1e5, 5e5, 60))
    seqs = np.empty(n, dtype=object)
    for i in range(n):
        seqs[i] = rng.integers(1, 12000, int(rng.integers(5, 300))).tolist()
    np.savez(d / "imdb.npz", x_train=seqs, y_train=np.arange(n) % 2, x_test=seqs[:10], y_test=np.arange(10) % 2)
    return d


def test_a_preset_for_every_dataset() -> None:
    from tuidl.core.spec import load

    names = {load(p.path).data.name for p in experiment_presets().values()}
    missing = set(DATASETS) - names - {"npz", "npy", "images"}  # the user's own files: csv has the example
    assert not missing, f"no preset for {sorted(missing)}"
    assert (builtin_dir() / "data" / "example.csv").is_file()


@pytest.mark.parametrize("preset", DATA_PRESETS)
def test_preset_passes_preflight_and_trains(preset: str, planted_keras_home: Path, tmp_path: Path) -> None:
    from tuidl.engine.build import summarize
    from tuidl.engine.data import load_data
    from tuidl.engine.train import train

    exp = load_experiment(preset, ["fit.epochs=1", "data.options.subset=64"])
    assert exp.source is not None
    ds = load_data(exp.data, exp.fit.seed, exp.source.parent)
    summary = summarize(exp, ds)
    errors = [f for f in summary.findings if f.severity == "error"]
    assert not errors, [f.message for f in errors]
    assert summary.data["name"] == exp.data.name
    result = train(exp, runs_dir=tmp_path / "runs")
    assert result.status == "completed", result.error
    assert result.epochs_done == 1 and np.isfinite(result.history[0]["loss"])


def _history_value(result, key: str) -> list[float]:
    return [h[key] for h in result.history]


def test_spiral_learns(tmp_path: Path) -> None:
    from tuidl.engine.train import train

    exp = load_experiment("spiral-mlp", ["fit.epochs=8", "data.options.n_samples=300"])
    result = train(exp, runs_dir=tmp_path / "runs")
    assert result.status == "completed", result.error
    loss = _history_value(result, "loss")
    assert loss[-1] < loss[0]


def test_digits_cnn_learns(tmp_path: Path) -> None:
    from tuidl.engine.train import train

    exp = load_experiment("digits-cnn", ["fit.epochs=3", "data.options.subset=600"])
    result = train(exp, runs_dir=tmp_path / "runs")
    assert result.status == "completed", result.error
    acc = _history_value(result, "val_accuracy")
    assert acc[-1] > 0.5  # majority-class baseline is about 0.1
