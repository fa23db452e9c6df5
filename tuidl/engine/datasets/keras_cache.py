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
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import pickle
import socket
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.registry import KERAS_CACHE_SOURCES
from tuidl.core.spec import DataSpec
from tuidl.engine.datasets.base import Raw

log = logging.getLogger("tuidl.data")

SOURCES = KERAS_CACHE_SOURCES
"""The datasets this module loads (``keras_cache`` in :data:`tuidl.core.registry.DATASET_TABLE`)."""

GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Keras's download folder for mnist, fashion-mnist, boston, california and imdb."""

PROBE_TIMEOUT = 3.0
"""Seconds to wait for a TCP connection to the download host before giving up."""

DOWNLOAD_SOCKET_TIMEOUT = 30.0
"""Seconds a download may stall (per socket operation) before it fails."""

HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "cifar-10-batches-py-target": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cifar-100-python-target": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
}
"""SHA-256 of the files Keras downloads (from Keras's loaders)."""

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


def keras_home() -> Path:
    """Keras's base folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` if home is read-only)."""
    env = os.environ.get("KERAS_HOME")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def cache_dir() -> Path:
    """Where Keras keeps downloaded datasets: ``keras_home() / "datasets"``."""
    return keras_home() / "datasets"


# ---------------------------------------------------------------- reading files


def _corrupt(path: Path, err: BaseException | str) -> DataError:
    return DataError(
        f"{path}: the cached file is truncated or corrupt ({err})",
        title="Corrupt dataset file",
        hint="delete it so that it is downloaded again, or copy a complete file there",
    )


def _layout(path: Path, what: str, expected: str) -> DataError:
    return DataError(
        f"{path}: {what}; expected {expected} (the layout keras.datasets writes)",
        title="Unexpected dataset file",
        hint="delete it so that it is downloaded again, or replace it with the file Keras downloads",
    )


_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only numpy arrays and plain containers (as Keras's ``npz_utils``)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _npy_member(raw: bytes) -> np.ndarray:
    """One ``.npy`` member; object arrays (imdb's lists) via the restricted unpickler."""
    fp = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        else:
            np.lib.format.read_array_header_2_0(fp)
        return _RestrictedUnpickler(fp).load()


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` file (object arrays through a restricted unpickler).

    Raises:
        DataError: the file is not a complete zip of ``.npy`` members.
    """
    from tuidl.core.safeio import fmt_bytes, memory_budget
    from tuidl.engine.datasets.files import _read_header, check_array_header

    arrays: dict[str, np.ndarray] = {}
    budget = memory_budget()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                where = f"{path.name} array {info.filename[:-4]!r}"
                if info.file_size > budget:  # checked before the member is inflated into memory
                    raise DataError(
                        f"{where}: {fmt_bytes(info.file_size)} unpacked; at most {fmt_bytes(budget)} is loaded",
                        title="Data too large",
                        hint="replace the cached file",
                    )
                with archive.open(info) as m:
                    shape, dtype = _read_header(m)
                    offset = m.tell()
                if not dtype.hasobject:  # imdb's object arrays go through the restricted unpickler
                    check_array_header(where, shape, dtype, info.file_size - offset)
                arrays[info.filename[:-4]] = _npy_member(archive.read(info))
    except DataError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, pickle.UnpicklingError, zlib.error) as e:
        raise _corrupt(path, e) from None
    return arrays


def _expect(
    path: Path,
    arrays: dict[str, np.ndarray],
    name: str,
    trailing: tuple[int, ...] | None,
    kinds: str,
    ndim: int | None = None,
    label: str = "",
) -> np.ndarray:
    """Check array ``name`` exists with ``shape[1:] == trailing`` and dtype kind in ``kinds``."""
    if name not in arrays:
        raise _layout(path, f"no array {name!r} (has {', '.join(sorted(arrays)) or 'none'})", f"arrays {label}")
    a = arrays[name]
    want_ndim = ndim if ndim is not None else (1 + len(trailing) if trailing is not None else None)
    bad_shape = (want_ndim is not None and a.ndim != want_ndim) or (
        trailing is not None and tuple(a.shape[1:]) != trailing
    )
    if bad_shape or a.dtype.kind not in kinds:
        shape = "(n, " + ", ".join(map(str, trailing)) + ")" if trailing else f"{want_ndim}-D"
        if trailing == ():
            shape = "(n,)"
        kind_names = {"u": "unsigned int", "i": "int", "f": "float", "O": "object"}
        dt = " or ".join(kind_names[k] for k in kinds)
        raise _layout(path, f"array {name!r} is {a.dtype} {a.shape}", f"{shape} {dt}")
    return a


def _same_len(path: Path, x: np.ndarray, y: np.ndarray, xn: str, yn: str) -> None:
    if len(x) != len(y):
        raise _layout(path, f"{xn!r} has {len(x)} rows but {yn!r} has {len(y)}", "as many labels as samples")


def _note_hash(path: Path, key: str, notes: list[str]) -> None:
    """Log (never fail) when a cached single file's SHA-256 differs from Keras's."""
    want = HASHES.get(key)
    if want is None or not path.is_file() or path.stat().st_size > 256 * 2**20:
        return
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != want:
        msg = f"{path.name}: SHA-256 differs from the file Keras downloads (read anyway; arrays checked)"
        log.info("%s (%s)", msg, path)
        notes.append(msg)


# ---------------------------------------------------------------- fetching


def _missing(name: str, where: Path, url: str, why: str) -> DataError:
    return DataError(
        f"{name}: {where} is not in the Keras cache and {why}",
        title="Dataset not downloaded",
        hint=f"on a machine with internet download {url} and copy it to {where} "
        f"(the cache is $KERAS_HOME/datasets, else ~/.keras/datasets); or set data.name to a "
        "bundled dataset (digits, iris, ...)",
    )


def _reachable(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """``None`` when a TCP connection to the URL's host opens within ``timeout`` s, else the reason.

    The probe runs in a daemon thread so that a slow DNS lookup (which
    ``socket`` timeouts do not cover) cannot hold the engine longer either.
    """
    import threading

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result: list[str | None] = []

    def probe() -> None:
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                result.append(None)
        except OSError as e:
            result.append(f"{parts.hostname} cannot be reached ({e.strerror or e})")

    t = threading.Thread(target=probe, name="tuidl-net-probe", daemon=True)
    t.start()
    t.join(timeout + 0.5)
    if not result:
        return f"{parts.hostname} cannot be reached (no answer within {timeout:g} s)"
    return result[0]


def fetch(
    name: str,
    spec: DataSpec,
    fname: str,
    origin: str,
    where: Path,
    *,
    cache_subdir: str = "datasets",
    extract: bool = False,
) -> Path:
    """Download a missing dataset file with ``keras.utils.get_file``, failing fast offline.

    Args:
        name: dataset id for messages.
        spec: ``options.download = false`` (or env ``TUIDL_OFFLINE=1``) forbids downloading.
        fname, origin, cache_subdir, extract: as ``keras.utils.get_file``.
        where: the path that is missing (shown in the message).

    Raises:
        DataError: downloading is off, the host is unreachable within
            :data:`PROBE_TIMEOUT` s, or the download fails.
    """
    if spec.options.download is False or os.environ.get("TUIDL_OFFLINE", "") not in ("", "0"):
        raise _missing(name, where, origin, "downloading is off (data.options.download = false or TUIDL_OFFLINE)")
    why = _reachable(origin)
    if why is not None:
        raise _missing(name, where, origin, why)
    import keras

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_SOCKET_TIMEOUT)
    try:
        path = keras.utils.get_file(
            fname,
            origin=origin,
            cache_dir=str(keras_home()),
            cache_subdir=cache_subdir,
            extract=extract,
            file_hash=HASHES.get(fname),
        )
    except Exception as e:  # noqa: BLE001 - any network/IO failure becomes one message
        raise _missing(name, where, origin, f"the download failed: {e}") from None
    finally:
        socket.setdefaulttimeout(old)
    return Path(path)


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


def _idx(path: Path, images: bool) -> np.ndarray:
    """One gzip IDX file (LeCun's format, as fashion-mnist ships): labels or 28x28 images."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise _corrupt(path, e) from None
    head = 16 if images else 8
    if len(data) < head:
        raise _corrupt(path, f"{len(data)} bytes, shorter than the IDX header")
    magic, count = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
    want_magic = 2051 if images else 2049
    if magic != want_magic:
        raise _layout(path, f"IDX magic number {magic}", f"{want_magic} ({'images' if images else 'labels'})")
    arr = np.frombuffer(data, np.uint8, offset=head)
    size = count * (28 * 28 if images else 1)
    if arr.size != size:
        raise _corrupt(path, f"header says {count} items but the data holds {arr.size} bytes, expected {size}")
    return arr.reshape(count, 28, 28) if images else arr


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


def _cifar_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR python batch (pickled dict): ``(n, 32, 32, 3) uint8, (n,) labels``."""
    try:
        with open(path, "rb") as f:
            d = _RestrictedUnpickler(f, encoding="bytes").load()
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
    ) as e:
        raise _corrupt(path, e) from None
    if not isinstance(d, dict):
        raise _layout(path, f"a pickled {type(d).__name__}", "a pickled dict with b'data' and labels")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise _layout(path, f"keys {sorted(d)}", f"keys 'data' and {label_key!r}")
    data = np.asarray(d["data"])
    labels = np.asarray(d[label_key])
    if data.ndim != 2 or data.shape[1] != 3072 or data.dtype != np.uint8:
        raise _layout(path, f"'data' is {data.dtype} {data.shape}", "(n, 3072) uint8")
    if labels.shape != (len(data),) or labels.dtype.kind not in "ui":
        raise _layout(path, f"{label_key!r} is {labels.dtype} {labels.shape}", f"({len(data)},) integers")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels.astype(np.int32)


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


def _cifar100_names(folder: Path, mode: str, k: int) -> list[str]:
    """Class names from the archive's ``meta`` file when present, else numbers."""
    try:
        with open(folder / "meta", "rb") as f:
            meta = _RestrictedUnpickler(f, encoding="bytes").load()
        key = b"fine_label_names" if mode == "fine" else b"coarse_label_names"
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta[key]]
        if len(names) == k:
            return names
    except Exception:  # noqa: BLE001 - names are cosmetic
        pass
    return [str(i) for i in range(k)]


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
