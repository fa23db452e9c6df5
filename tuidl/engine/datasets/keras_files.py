"""Reading the files of Keras's dataset cache: NPZ archives, gzip IDX files, pickled CIFAR batches.

Each file is checked before it is trusted: the arrays' names, shapes and dtypes
against the layout ``keras.datasets`` writes, an ``.npz`` member's header
against the memory budget before it is inflated, pickles through an unpickler
that builds only numpy arrays and plain containers. A SHA-256 that differs from
Keras's is only logged.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import pickle
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from tuidl.core.errors import DataError
from tuidl.engine.datasets.keras_fetch import HASHES

log = logging.getLogger("tuidl.data")


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
    from tuidl.engine.datasets.files_checks import _read_header, check_array_header

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
