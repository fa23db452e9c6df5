"""NumPy files: an NPZ archive, or a pair of NPY files (features and labels).

* **npz** — arrays ``x``/``y`` or ``x_train``/``y_train`` (plus optional
  ``x_test``/``y_test``); no pickled objects.
* **npy** — ``data.path`` the features file and ``data.target`` the labels
  file, or ``data.path`` a folder holding ``x.npy`` and ``y.npy``. Read
  memory-mapped, so only the rows used are read.

Every array's header is checked (:mod:`tuidl.engine.datasets.files_checks`)
before the array is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.safeio import path_problem
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets.base import Raw
from tuidl.engine.datasets.files_checks import (
    NPY_MAGIC,
    _read_header,
    check_array_header,
    check_npz_headers,
    class_ids,
    guess_task,
    resolve,
)


def _arrays_raw(
    path: Path,
    spec: DataSpec,
    x: np.ndarray,
    y: np.ndarray,
    xn: str,
    yn: str,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    what: str = "",
) -> Raw:
    """Check and shape feature/label arrays from NPZ/NPY files."""
    for a, n in ((x, xn), (y, yn)):
        if a.dtype.kind not in "biuf":
            raise DataError(
                f"{path.name}: array {n!r} has dtype {a.dtype}; expected numbers (bool, int, uint or float)"
            )
    if x.ndim == 0 or y.ndim == 0:
        raise DataError(
            f"{path.name}: {xn!r} and {yn!r} need a first axis of samples; got shapes {x.shape} and {y.shape}"
        )
    if len(x) == 0 or len(y) == 0:
        raise DataError(
            f"{path.name}: {xn!r} has shape {x.shape} and {yn!r} {y.shape}: 0 samples; at least 1 sample is needed",
            hint="the first axis counts samples; save non-empty arrays",
        )
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise DataError(
            f"{path.name}: array {yn!r} has shape {y.shape}; expected (n,) labels or targets "
            "(one-hot labels: store the class ids instead)"
        )
    if len(x) != len(y):
        raise DataError(
            f"{path.name}: {xn!r} has {len(x)} samples but {yn!r} has {len(y)}",
            hint="features and labels need one row per sample, in the same order",
        )
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    kind, scale = "table", None
    if x.ndim == 3 or (x.ndim == 4 and x.shape[-1] in (1, 3, 4)):
        kind = "images"
        if x.dtype == np.uint8:
            scale = 255.0
        if x.ndim == 3:
            x = x[..., None]
            if x_test is not None and x_test.ndim == 3:
                x_test = x_test[..., None]
    elif x.ndim > 2:
        kind = "table"
    if x.dtype.kind == "f":
        bad = ~np.isfinite(x.reshape(len(x), -1)).all(1)
        if bad.any():
            raise DataError(
                f"{path.name}: array {xn!r} has NaN or inf values in {int(bad.sum())} samples "
                f"(first: sample {int(np.argmax(bad))})",
                hint="clean or drop those samples",
            )
    task = spec.options.task or guess_task(np.asarray(y))
    check = False
    if task == "classification":
        y = class_ids(np.asarray(y), f"{path.name} array {yn!r}")
        if y_test is not None:
            y_test = class_ids(np.asarray(y_test).reshape(-1), f"{path.name} array 'y_test'")
        check = True
    else:
        y = np.asarray(y, dtype=np.float32)
        if y_test is not None:
            y_test = np.asarray(y_test, dtype=np.float32).reshape(-1)
    if x_test is not None and tuple(x_test.shape[1:]) != tuple(x.shape[1:]):
        raise DataError(f"{path.name}: 'x_test' samples are {x_test.shape[1:]} but training samples are {x.shape[1:]}")
    if x_test is not None and y_test is not None and len(x_test) != len(y_test):
        raise DataError(f"{path.name}: 'x_test' has {len(x_test)} samples but 'y_test' has {len(y_test)}")
    shape = "x".join(map(str, x.shape[1:]))
    return Raw(
        x=x,
        y=y,
        x_test=x_test,
        y_test=y_test,
        task=task,
        kind=kind,
        description=f"{what or path.name}: {len(x)} samples of {shape}"
        + (f" (+{len(x_test)} test)" if x_test is not None else "")
        + f", {task}",
        source=str(path),
        pixel_scale=scale,
        check_labels=check,
        feature_names=[f"x{i}" for i in range(x.shape[1])] if x.ndim == 2 and x.shape[1] <= 64 else [],
    )


def load_npz(path: Path, spec: DataSpec) -> Raw:
    """Read ``x``/``y`` or ``x_train``/``y_train`` (+ ``x_test``/``y_test``) from an NPZ file.

    Raises:
        DataError: not a (complete) NPZ file, object arrays, missing or
            mismatched arrays.
    """
    import zipfile
    import zlib

    if path.is_dir():
        raise DataError(f"data.path: {path} is a folder; npz needs a .npz file")
    check_npz_headers(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = list(f.files)
            names = ("x", "y") if "x" in keys and "y" in keys else ("x_train", "y_train")
            if names[0] not in keys or names[1] not in keys:
                raise DataError(
                    f"{path.name}: arrays {', '.join(keys) or 'none'}; expected x and y, or "
                    "x_train and y_train (optionally x_test and y_test)",
                    hint="save with np.savez(path, x=features, y=labels)",
                )
            x, y = f[names[0]], f[names[1]]
            has_test = names[0] == "x_train" and "x_test" in keys and "y_test" in keys
            xt = f["x_test"] if has_test else None
            yt = f["y_test"] if has_test else None
    except DataError:
        raise
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise DataError(
                f"{path.name}: holds pickled Python objects, which tuidl does not load",
                hint="save plain numeric arrays (np.savez with int/float arrays)",
            ) from None
        raise DataError(f"{path}: not a readable NPZ file ({e})", title="Corrupt data file") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise DataError(
            f"{path}: truncated or not an NPZ file ({e})",
            title="Corrupt data file",
            hint="write it again with np.savez / np.savez_compressed",
        ) from None
    return _arrays_raw(path, spec, x, y, names[0], names[1], xt, yt, what=f"NPZ {path.name}")


def _npy(path: Path) -> np.ndarray:
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if not f.read(len(NPY_MAGIC)).startswith(NPY_MAGIC):
                raise DataError(
                    f"{path}: not an NPY file (np.save writes one array per file)",
                    title="Corrupt data file",
                    hint="write it again with np.save",
                )
            f.seek(0)
            shape, dtype = _read_header(f)
            check_array_header(path.name, shape, dtype, size - f.tell())
    except DataError:
        raise
    except (OSError, EOFError, ValueError) as e:
        raise DataError(
            f"{path}: truncated or not an NPY file ({e})", title="Corrupt data file", hint="write it again with np.save"
        ) from None
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e) or "Object arrays" in str(e):
            raise DataError(
                f"{path.name}: an object (pickled) array, which tuidl does not load",
                hint="save a plain numeric array with np.save",
            ) from None
        raise DataError(
            f"{path}: truncated or not an NPY file ({e})", title="Corrupt data file", hint="write it again with np.save"
        ) from None
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read as an NPY file ({e})", title="Corrupt data file") from None


def load_npy(path: Path, spec: DataSpec, base_dir: Path | None) -> Raw:
    """Read a features NPY and a labels NPY (``data.target``), or ``x.npy``/``y.npy`` in a folder.

    Raises:
        DataError: missing files, unreadable arrays, mismatched lengths.
    """
    if path.is_dir():
        xp, yp = path / "x.npy", path / "y.npy"
        for p in (xp, yp):
            problem = path_problem(p, "file")
            if problem is not None and problem != "does not exist":
                raise DataError(f"data.path = {toml_repr(spec.path)}: {p} {problem}", title="Cannot read the data")
            if problem is not None:
                raise DataError(
                    f"data.path = {toml_repr(spec.path)}: the folder has no {p.name}",
                    hint="put x.npy (features) and y.npy (labels) in it, or point data.path "
                    "at the features file and data.target at the labels file",
                )
    else:
        if not spec.target:
            raise DataError(
                f"data.target: npy needs the labels file next to data.path = {toml_repr(spec.path)}",
                hint="set data.target = 'y.npy' (or point data.path at a folder with x.npy and y.npy)",
            )
        xp, yp = path, resolve(spec.target, base_dir, "data.target", "file")
    x, y = _npy(xp), _npy(yp)
    return _arrays_raw(xp, spec, x, y, xp.name, yp.name, what=f"NPY {xp.name} + {yp.name}")
