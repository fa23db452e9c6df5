"""Keras datasets read from a temporary KERAS_HOME with small planted files; no network."""

from __future__ import annotations

import gzip
import pickle
import socket
from pathlib import Path

import numpy as np
import pytest

from tuidl.core.errors import DataError
from tuidl.core.spec import DataSpec
from tuidl.engine.data import load_data
from tuidl.engine.datasets import keras_cache, keras_fetch


@pytest.fixture
def keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "keras-home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv("TUIDL_OFFLINE", raising=False)
    return home / "datasets"


def _offline(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Make every TCP connection fail at once, recording the attempts."""
    calls: list[tuple] = []

    def refuse(address, timeout=None, *a, **k):  # noqa: ANN001
        calls.append((address, timeout))
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


def plant_mnist(d: Path, n: int = 30, m: int = 10) -> Path:
    rng = np.random.default_rng(0)
    p = d / "mnist.npz"
    np.savez_compressed(
        p,
        x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        y_train=(np.arange(n) % 10).astype(np.uint8),
        x_test=rng.integers(0, 256, (m, 28, 28), dtype=np.uint8),
        y_test=(np.arange(m) % 10).astype(np.uint8),
    )
    return p


def test_cache_dir_follows_keras_home(keras_home: Path) -> None:
    assert keras_cache.cache_dir() == keras_home


def test_mnist_from_cache(keras_home: Path) -> None:
    plant_mnist(keras_home)
    d = load_data(DataSpec(name="mnist", validation_split=0.2), seed=0)
    assert d.x_train.shape == (24, 28, 28, 1) and d.x_val.shape == (6, 28, 28, 1)
    assert d.x_test.shape == (10, 28, 28, 1) and d.y_test.dtype == np.int32
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert d.n_classes == 10 and d.kind == "images"
    assert any("SHA-256 differs" in n for n in d.notes)  # a planted file: noted, not refused
    info = d.describe()
    assert info["n_test"] == 10 and len(info["images"]) == 16


def test_truncated_mnist(keras_home: Path) -> None:
    p = plant_mnist(keras_home)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist"), seed=0)
    assert "mnist.npz" in e.value.message and "truncated or corrupt" in e.value.message
    assert e.value.title == "Corrupt dataset file" and "delete it" in e.value.hint


def test_mnist_wrong_layout(keras_home: Path) -> None:
    np.savez(
        keras_home / "mnist.npz",
        x_train=np.zeros((5, 28), np.uint8),
        y_train=np.zeros(5, np.uint8),
        x_test=np.zeros((2, 28, 28), np.uint8),
        y_test=np.zeros(2, np.uint8),
    )
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist"), seed=0)
    assert "'x_train' is uint8 (5, 28)" in e.value.message and "(n, 28, 28)" in e.value.message
    np.savez(keras_home / "mnist.npz", x=np.zeros((5, 28, 28), np.uint8))
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist"), seed=0)
    assert "no array 'x_train'" in e.value.message


def test_missing_file_with_download_off(keras_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _offline(monkeypatch)
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist", options={"download": False}), seed=0)
    msg = e.value.message
    assert str(keras_home / "mnist.npz") in msg and "downloading is off" in msg
    assert "mnist.npz" in e.value.hint and "KERAS_HOME" in e.value.hint
    assert calls == []  # no connection attempted


@pytest.mark.parametrize(
    "name,fname",
    [
        ("mnist", "mnist.npz"),
        ("imdb", "imdb.npz"),
        ("fashion_mnist", "train-labels-idx1-ubyte.gz"),
        ("cifar10", "cifar-10-batches-py"),
        ("boston_housing", "boston_housing.npz"),
    ],
)
def test_missing_file_offline_fails_fast(
    keras_home: Path, monkeypatch: pytest.MonkeyPatch, name: str, fname: str
) -> None:
    calls = _offline(monkeypatch)
    with pytest.raises(DataError) as e:  # no hang: the probe's timeout is passed to the connection
        load_data(DataSpec(name=name), seed=0)
    assert fname in e.value.message and "cannot be reached" in e.value.message
    assert calls and calls[0][1] == keras_cache.PROBE_TIMEOUT
    assert e.value.title == "Dataset not downloaded"


def _idx(path: Path, arr: np.ndarray, images: bool) -> None:
    head = (2051 if images else 2049).to_bytes(4, "big") + len(arr).to_bytes(4, "big")
    if images:
        head += (28).to_bytes(4, "big") * 2
    with gzip.open(path, "wb") as f:
        f.write(head + arr.astype(np.uint8).tobytes())


def plant_fashion(d: Path, n: int = 20, m: int = 8) -> Path:
    f = d / "fashion-mnist"
    f.mkdir()
    _idx(f / "train-labels-idx1-ubyte.gz", np.arange(n) % 10, False)
    _idx(f / "train-images-idx3-ubyte.gz", np.full((n, 28, 28), 7), True)
    _idx(f / "t10k-labels-idx1-ubyte.gz", np.arange(m) % 10, False)
    _idx(f / "t10k-images-idx3-ubyte.gz", np.full((m, 28, 28), 9), True)
    return f


def test_fashion_mnist(keras_home: Path) -> None:
    plant_fashion(keras_home)
    d = load_data(DataSpec(name="fashion_mnist", validation_split=0.25), seed=0)
    assert d.x_train.shape == (15, 28, 28, 1) and d.x_test.shape == (8, 28, 28, 1)
    assert d.class_names[9] == "Ankle boot"
    assert float(d.x_train[0, 0, 0, 0]) == pytest.approx(7 / 255)


def test_fashion_truncated_gzip(keras_home: Path) -> None:
    f = plant_fashion(keras_home)
    p = f / "train-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:40])
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="fashion_mnist"), seed=0)
    assert "train-images-idx3-ubyte.gz" in e.value.message and "truncated or corrupt" in e.value.message


def _batch(path: Path, n: int, label_keys: dict[str, list[int]]) -> None:
    d = {b"data": np.arange(n * 3072, dtype=np.int64).astype(np.uint8).reshape(n, 3072)}
    d.update({k.encode(): v for k, v in label_keys.items()})
    with open(path, "wb") as f:
        pickle.dump(d, f)


def test_cifar10_layout_channels_last(keras_home: Path) -> None:
    folder = keras_home / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        _batch(folder / f"data_batch_{i}", 4, {"labels": [0, 1, 2, i]})
    _batch(folder / "test_batch", 3, {"labels": [9, 8, 7]})
    d = load_data(DataSpec(name="cifar10", validation_split=0.0), seed=0)
    assert d.x_train.shape == (20, 32, 32, 3) and d.x_test.shape == (3, 32, 32, 3)
    # channels last: pixel (0, 0) of image 0 holds data[0], data[1024], data[2048]
    first = np.arange(3072).astype(np.uint8)
    img = np.round(d.x_test[0] * 255).astype(np.uint8)
    assert img[0, 0].tolist() == [first[0], first[1024], first[2048]]
    assert d.class_names[0] == "airplane"


def test_cifar10_corrupt_batch(keras_home: Path) -> None:
    folder = keras_home / "cifar-10-batches-py"  # Keras 2's location is read too
    folder.mkdir(parents=True)
    for i in range(1, 6):
        _batch(folder / f"data_batch_{i}", 2, {"labels": [0, 1]})
    _batch(folder / "test_batch", 2, {"labels": [0, 1]})
    p = folder / "data_batch_3"
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="cifar10"), seed=0)
    assert "data_batch_3" in e.value.message and "truncated or corrupt" in e.value.message


def test_cifar100_fine_and_coarse(keras_home: Path) -> None:
    folder = keras_home / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    _batch(folder / "train", 6, {"fine_labels": [0, 1, 2, 3, 4, 99], "coarse_labels": [0, 1, 2, 3, 4, 19]})
    _batch(folder / "test", 2, {"fine_labels": [5, 6], "coarse_labels": [5, 6]})
    fine = load_data(DataSpec(name="cifar100", validation_split=0.0), seed=0)
    assert fine.n_classes == 100 and fine.y_train.max() == 99
    coarse = load_data(DataSpec(name="cifar100", validation_split=0.0, options={"label_mode": "coarse"}), seed=0)
    assert coarse.n_classes == 20 and coarse.y_train.max() == 19


def test_housing_follows_keras_split(keras_home: Path) -> None:
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    y = np.arange(50, dtype=np.float64)
    np.savez(keras_home / "boston_housing.npz", x=x, y=y)
    d = load_data(DataSpec(name="boston_housing", validation_split=0.0), seed=0)
    assert d.task == "regression" and len(d.x_train) == 40 and len(d.x_test) == 10
    idx = np.arange(50)
    np.random.RandomState(113).shuffle(idx)  # keras.datasets.boston_housing's split
    assert sorted(d.y_test.tolist()) == sorted(y[idx[40:]].tolist())
    np.savez(keras_home / "california_housing.npz", x=np.ones((700, 8)), y=np.arange(700.0))
    small = load_data(DataSpec(name="california_housing", options={"version": "small"}), seed=0)
    assert len(small.x_train) + len(small.x_val) + len(small.x_test) == 600


@pytest.mark.keras
def test_imdb_padded_sequences(keras_home: Path) -> None:
    seqs = np.empty(6, dtype=object)
    for i in range(6):
        seqs[i] = list(range(1, 4 + i * 3))
    test = np.empty(2, dtype=object)
    test[0], test[1] = [5, 6], [20000, 7]
    np.savez(keras_home / "imdb.npz", x_train=seqs, y_train=np.array([0, 1] * 3), x_test=test, y_test=np.array([1, 0]))
    d = load_data(DataSpec(name="imdb", validation_split=0.0, options={"num_words": 100, "maxlen": 8}), seed=0)
    assert d.kind == "sequences" and d.x_train.shape == (6, 8) and d.x_train.dtype == np.int32
    assert d.class_names == ["negative", "positive"]
    rows = {tuple(r) for r in d.x_test.tolist()}
    # start char 1, word ids + 3 (index_from), out-of-vocabulary -> 2, padded at the front
    assert (0, 0, 0, 0, 0, 1, 8, 9) in rows and (0, 0, 0, 0, 0, 1, 2, 10) in rows
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="imdb", options={"scaling": "minmax"}), seed=0)
    assert "data.options.scaling" in e.value.message


@pytest.mark.keras
def test_missing_file_is_fetched_with_keras_get_file(keras_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    # the probe lives with the download (keras_fetch.fetch looks it up there)
    monkeypatch.setattr(keras_fetch, "_reachable", lambda url, timeout=keras_cache.PROBE_TIMEOUT: None)
    seen: dict = {}

    def fake_get_file(fname, origin, cache_dir, cache_subdir, extract, file_hash):  # noqa: ANN001
        seen.update(fname=fname, origin=origin, cache_dir=cache_dir, cache_subdir=cache_subdir, hash=file_hash)
        return str(plant_mnist(Path(cache_dir) / cache_subdir))

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    d = load_data(DataSpec(name="mnist"), seed=0)
    assert len(d.x_train) + len(d.x_val) == 30
    assert seen["fname"] == "mnist.npz" and seen["origin"].endswith("tf-keras-datasets/mnist.npz")
    assert Path(seen["cache_dir"]) == keras_home.parent and seen["cache_subdir"] == "datasets"
    assert seen["hash"] == keras_cache.HASHES["mnist.npz"]

    def failing_get_file(*a, **k):  # noqa: ANN002, ANN003
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- timed out")

    (keras_home / "mnist.npz").unlink()
    monkeypatch.setattr(keras.utils, "get_file", failing_get_file)
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist"), seed=0)
    assert "the download failed" in e.value.message and "timed out" in e.value.message


def test_probe_gives_up_on_a_hanging_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    release = threading.Event()

    def hang(address, timeout=None, *a, **k):  # noqa: ANN001 - like a DNS lookup that never answers
        release.wait(30)
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", hang)
    try:  # the probe gives up after its timeout (a hang would end in "released" after 30 s)
        why = keras_cache._reachable("https://storage.googleapis.com/x", timeout=0.2)
    finally:
        release.set()
    assert why == "storage.googleapis.com cannot be reached (no answer within 0.2 s)"


def test_cached_npz_with_a_huge_header_is_refused_before_allocating(keras_home: Path) -> None:
    """A cached mnist.npz whose x_train header claims 2**60 values: refused from the header, no MemoryError."""
    import io
    import zipfile

    from numpy.lib import format as npf

    buf = io.BytesIO()
    npf.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False, "shape": (2**40, 2**10, 2**10)})
    with zipfile.ZipFile(keras_home / "mnist.npz", "w") as z:
        z.writestr("x_train.npy", buf.getvalue() + b"\0" * 64)
    with pytest.raises(DataError) as e:
        load_data(DataSpec(name="mnist"), seed=0)
    assert "mnist.npz array 'x_train'" in e.value.message and "header says shape" in e.value.message
