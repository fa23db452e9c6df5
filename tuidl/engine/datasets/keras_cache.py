"""``keras.datasets`` read from Keras's own cache folder, offline first.

File names, cache sub-folders and array layouts are those of Keras 3's loaders
(``keras/src/datasets/{mnist,fashion_mnist,cifar10,cifar100,boston_housing,
california_housing,imdb}.py``). The cache folder is ``$KERAS_HOME/datasets``,
or ``~/.keras/datasets`` (``/tmp/.keras/datasets`` when the home folder is not
writable), exactly as ``keras.utils.get_file`` picks it — but read at call
time, so a changed ``KERAS_HOME`` takes effect.

Why not call ``keras.datasets.X.load_data()``: Keras re-downloads a cached file
whose hash differs, and on a machine without network that hangs or fails with
a long traceback. Here a file that is already in the cache is read directly
and checked by its arrays' names, shapes and dtypes (a hash mismatch is only
logged). Only a missing file is downloaded, with ``keras.utils.get_file``,
after a quick reachability check (:data:`PROBE_TIMEOUT` seconds) so that an
offline engine fails fast with a :class:`~tuidl.core.errors.DataError` naming
the file and where to put it.

Layouts returned (before tuidl's pipeline converts to float32):

============== ====================================== =========================
dataset        x                                      y
============== ====================================== =========================
mnist          (n, 28, 28, 1) uint8                   (n,) class 0–9
fashion_mnist  (n, 28, 28, 1) uint8                   (n,) class 0–9
cifar10        (n, 32, 32, 3) uint8 (channels last)   (n,) class 0–9
cifar100       (n, 32, 32, 3) uint8                   (n,) 0–99 fine / 0–19 coarse
boston_housing (n, 13) float                          (n,) price, k$
california_h.  (n, 8) float                           (n,) median house value, $
imdb           (n, maxlen) int32 word ids, pre-padded (n,) 0 negative / 1 positive
============== ====================================== =========================

Keras gives labels of cifar as ``(n, 1)``; tuidl flattens them to ``(n,)``.
Grey images get a channel axis so that every image source is ``(H, W, C)``.

This module holds the loaders (one per dataset); reading and checking the cache
files is :mod:`.keras_files`, the cache folder and the download
:mod:`.keras_fetch`. Their names stay importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tuidl.core.registry import KERAS_CACHE_SOURCES
from tuidl.core.spec import DataSpec
from tuidl.engine.datasets.base import Raw
from tuidl.engine.datasets.keras_fetch import (
    DOWNLOAD_SOCKET_TIMEOUT,
    GCS,
    HASHES,
    PROBE_TIMEOUT,
    _missing,
    _reachable,
    cache_dir,
    fetch,
    keras_home,
)
from tuidl.engine.datasets.keras_files import (
    _ALLOWED_GLOBALS,
    _cifar100_names,
    _cifar_batch,
    _corrupt,
    _expect,
    _idx,
    _layout,
    _note_hash,
    _npy_member,
    _RestrictedUnpickler,
    _same_len,
    read_npz,
)

__all__ = [
    "CLASS_NAMES",
    "SOURCES",
    "load",
    # re-exported from the modules they moved to (keras_fetch, keras_files)
    "DOWNLOAD_SOCKET_TIMEOUT",
    "GCS",
    "HASHES",
    "PROBE_TIMEOUT",
    "_ALLOWED_GLOBALS",
    "_RestrictedUnpickler",
    "_cifar100_names",
    "_cifar_batch",
    "_corrupt",
    "_expect",
    "_idx",
    "_layout",
    "_missing",
    "_note_hash",
    "_npy_member",
    "_reachable",
    "_same_len",
    "cache_dir",
    "fetch",
    "keras_home",
    "read_npz",
]

SOURCES = KERAS_CACHE_SOURCES
"""The datasets this module loads (``keras_cache`` in :data:`tuidl.core.registry.DATASET_TABLE`)."""

CLASS_NAMES = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "imdb": ["negative", "positive"],
}
"""Class names as in the Keras documentation of each dataset."""


# ---------------------------------------------------------------- loaders


def _npz_file(name: str, spec: DataSpec, fname: str) -> Path:
    path = cache_dir() / fname
    if not path.is_file():
        path = fetch(name, spec, fname, GCS + fname, path)
    return path


def _mnist(spec: DataSpec, notes: list[str]) -> Raw:
    path = _npz_file("mnist", spec, "mnist.npz")
    _note_hash(path, "mnist.npz", notes)
    a = read_npz(path)
    lab = "x_train/x_test (n, 28, 28) uint8, y_train/y_test (n,) uint8"
    xt = _expect(path, a, "x_train", (28, 28), "u", label=lab)
    yt = _expect(path, a, "y_train", (), "ui", label=lab)
    xs = _expect(path, a, "x_test", (28, 28), "u", label=lab)
    ys = _expect(path, a, "y_test", (), "ui", label=lab)
    _same_len(path, xt, yt, "x_train", "y_train")
    _same_len(path, xs, ys, "x_test", "y_test")
    return Raw(
        x=xt[..., None],
        y=yt.astype(np.int32),
        x_test=xs[..., None],
        y_test=ys.astype(np.int32),
        task="classification",
        kind="images",
        class_names=CLASS_NAMES["mnist"],
        description=f"Keras MNIST: {len(xt)}+{len(xs)} 28x28 grey handwritten digits, 10 classes",
        source=str(path),
        pixel_scale=255.0,
        check_labels=True,
    )


_FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def _fashion(spec: DataSpec, notes: list[str]) -> Raw:
    folder = cache_dir() / "fashion-mnist"
    paths = []
    for fname in _FASHION_FILES:
        p = folder / fname
        if not p.is_file():
            p = fetch(
                "fashion_mnist", spec, fname, GCS + fname, p, cache_subdir=os.path.join("datasets", "fashion-mnist")
            )
        paths.append(p)
    yt, xt, ys, xs = (_idx(p, images=i % 2 == 1) for i, p in enumerate(paths))
    _same_len(folder, xt, yt, paths[1].name, paths[0].name)
    _same_len(folder, xs, ys, paths[3].name, paths[2].name)
    return Raw(
        x=xt[..., None],
        y=yt.astype(np.int32),
        x_test=xs[..., None],
        y_test=ys.astype(np.int32),
        task="classification",
        kind="images",
        class_names=CLASS_NAMES["fashion_mnist"],
        description=f"Keras Fashion-MNIST: {len(xt)}+{len(xs)} 28x28 grey clothing images, 10 classes",
        source=str(folder),
        pixel_scale=255.0,
        check_labels=True,
    )


def _cifar_folder(spec: DataSpec, name: str, target: str, inner: str, first: str, origin: str) -> Path:
    """The extracted CIFAR folder: Keras 3's ``<target>/<inner>``, or Keras 2's ``<inner>``."""
    base = cache_dir()
    for cand in (base / target / inner, base / inner):
        if (cand / first).is_file():
            return cand
    p = fetch(name, spec, target, origin, base / target / inner / first, extract=True)
    return p / inner


def _cifar10(spec: DataSpec, notes: list[str]) -> Raw:
    folder = _cifar_folder(
        spec,
        "cifar10",
        "cifar-10-batches-py-target",
        "cifar-10-batches-py",
        "data_batch_1",
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    )
    parts = []
    for i in range(1, 6):
        p = folder / f"data_batch_{i}"
        if not p.is_file():
            raise _corrupt(folder, f"data_batch_{i} is missing (an incomplete extraction)")
        parts.append(_cifar_batch(p, "labels"))
    test = folder / "test_batch"
    if not test.is_file():
        raise _corrupt(folder, "test_batch is missing (an incomplete extraction)")
    xs, ys = _cifar_batch(test, "labels")
    xt = np.concatenate([p[0] for p in parts])
    yt = np.concatenate([p[1] for p in parts])
    return Raw(
        x=xt,
        y=yt,
        x_test=xs,
        y_test=ys,
        task="classification",
        kind="images",
        class_names=CLASS_NAMES["cifar10"],
        description=f"Keras CIFAR-10: {len(xt)}+{len(xs)} 32x32 colour images, 10 classes",
        source=str(folder),
        pixel_scale=255.0,
        check_labels=True,
    )


def _cifar100(spec: DataSpec, notes: list[str]) -> Raw:
    mode = spec.options.label_mode or "fine"
    folder = _cifar_folder(
        spec,
        "cifar100",
        "cifar-100-python-target",
        "cifar-100-python",
        "train",
        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    )
    test = folder / "test"
    if not test.is_file():
        raise _corrupt(folder, "'test' is missing (an incomplete extraction)")
    xt, yt = _cifar_batch(folder / "train", f"{mode}_labels")
    xs, ys = _cifar_batch(test, f"{mode}_labels")
    k = 100 if mode == "fine" else 20
    names = _cifar100_names(folder, mode, k)
    return Raw(
        x=xt,
        y=yt,
        x_test=xs,
        y_test=ys,
        task="classification",
        kind="images",
        class_names=names,
        description=f"Keras CIFAR-100 ({mode}): {len(xt)}+{len(xs)} 32x32 colour images, {k} classes",
        source=str(folder),
        pixel_scale=255.0,
        check_labels=True,
    )


def _keras_split(
    x: np.ndarray, y: np.ndarray, test_split: float = 0.2, seed: int = 113
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keras's housing split: ``RandomState(seed)`` shuffle, the last ``test_split`` is test."""
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    x, y = x[idx], y[idx]
    cut = int(len(x) * (1 - test_split))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _housing(spec: DataSpec, notes: list[str], name: str, n_features: int) -> Raw:
    fname = f"{name}.npz"
    path = _npz_file(name, spec, fname)
    _note_hash(path, fname, notes)
    a = read_npz(path)
    lab = f"x (n, {n_features}) float, y (n,) float"
    x = _expect(path, a, "x", (n_features,), "fiu", label=lab)
    y = _expect(path, a, "y", (), "fiu", label=lab)
    _same_len(path, x, y, "x", "y")
    if name == "california_housing" and (spec.options.version or "large") == "small":
        x, y = x[:600], y[:600]
    xt, yt, xs, ys = _keras_split(x.astype(np.float32), y.astype(np.float32))
    if name == "boston_housing":
        feats = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"]
        desc = f"Keras Boston housing: {len(x)} districts, 13 features, median price (k$)"
    else:
        feats = [
            "longitude",
            "latitude",
            "housing_median_age",
            "total_rooms",
            "total_bedrooms",
            "population",
            "households",
            "median_income",
        ]
        desc = f"Keras California housing: {len(x)} districts, 8 features, median house value ($)"
    return Raw(
        x=xt,
        y=yt,
        x_test=xs,
        y_test=ys,
        task="regression",
        kind="table",
        description=desc,
        source=str(path),
        feature_names=feats,
    )


def _imdb(spec: DataSpec, notes: list[str]) -> Raw:
    """IMDB as Keras's ``imdb.load_data(num_words=...)`` then ``pad_sequences(maxlen=...)``.

    Word ids: 1 = start, 2 = out of vocabulary, real words from 3 + index
    (Keras's ``start_char=1, oov_char=2, index_from=3``); 0 is padding.
    Reviews are padded and truncated at the front (``pad_sequences`` defaults).
    """
    path = _npz_file("imdb", spec, "imdb.npz")
    _note_hash(path, "imdb.npz", notes)
    a = read_npz(path)
    lab = "x_train/x_test (n,) object arrays of word-id lists, y_train/y_test (n,) int"
    xt = _expect(path, a, "x_train", None, "Oi", ndim=None, label=lab)
    yt = _expect(path, a, "y_train", (), "iu", label=lab)
    xs = _expect(path, a, "x_test", None, "Oi", ndim=None, label=lab)
    ys = _expect(path, a, "y_test", (), "iu", label=lab)
    _same_len(path, xt, yt, "x_train", "y_train")
    _same_len(path, xs, ys, "x_test", "y_test")
    num_words = spec.options.num_words or 10_000
    maxlen = spec.options.maxlen or 200
    rng = np.random.RandomState(113)
    seqs, labels = [], []
    for x, y in ((xt, yt), (xs, ys)):
        idx = np.arange(len(x))
        rng.shuffle(idx)
        out = []
        for i in idx:
            s = np.asarray(x[i], dtype=np.int64) + 3
            s = np.concatenate([[1], s])
            s[s >= num_words] = 2
            out.append(s)
        seqs.append(out)
        labels.append(np.asarray(y)[idx].astype(np.int32))
    import keras

    pad = [
        keras.utils.pad_sequences(s, maxlen=maxlen, dtype="int32") if s else np.zeros((0, maxlen), np.int32)
        for s in seqs
    ]
    return Raw(
        x=pad[0],
        y=labels[0],
        x_test=pad[1],
        y_test=labels[1],
        task="classification",
        kind="sequences",
        class_names=CLASS_NAMES["imdb"],
        description=f"Keras IMDB: {len(xt)}+{len(xs)} reviews, top {num_words} words, padded to {maxlen}",
        source=str(path),
        feature_names=[],
        check_labels=True,
    )


def load(spec: DataSpec, seed: int) -> Raw:
    """The Keras dataset ``spec.name`` as a :class:`Raw`, read from the cache.

    Raises:
        DataError: missing and not downloadable (names the file and the cache
            folder), truncated/corrupt, or with unexpected arrays.
    """
    notes: list[str] = []
    name = spec.name
    if name == "mnist":
        raw = _mnist(spec, notes)
    elif name == "fashion_mnist":
        raw = _fashion(spec, notes)
    elif name == "cifar10":
        raw = _cifar10(spec, notes)
    elif name == "cifar100":
        raw = _cifar100(spec, notes)
    elif name == "boston_housing":
        raw = _housing(spec, notes, name, 13)
    elif name == "california_housing":
        raw = _housing(spec, notes, name, 8)
    else:
        raw = _imdb(spec, notes)
    raw.notes.extend(notes)
    return raw
