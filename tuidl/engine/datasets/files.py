"""The user's own data: CSV, NPZ, a pair of NPY files, an image folder.

``data.path`` is resolved against ``base_dir`` (the experiment file's folder).

* **csv** — a header row, the label column named by ``data.target``, feature
  columns all others or ``options.columns``. Cells are numbers; a column whose
  cells are mostly text is categorical and one-hot encoded (one feature
  ``column=value`` per distinct value, sorted). Missing cells (empty, ``?``,
  ``NA``, ``N/A``, ``NaN``, ``null``, ``None``) and stray text in a numeric
  column are refused with the line and column named, unless
  ``options.impute`` says how to fill them (``mean``, ``median``,
  ``most_frequent``; categorical columns always use the most frequent value)
  or to ``drop`` such rows. The delimiter (``,``, ``;``, tab, ``|``) is sniffed.
* **npz** — arrays ``x``/``y`` or ``x_train``/``y_train`` (plus optional
  ``x_test``/``y_test``); no pickled objects.
* **npy** — ``data.path`` the features file and ``data.target`` the labels
  file, or ``data.path`` a folder holding ``x.npy`` and ``y.npy``. Read
  memory-mapped, so only the rows used are read.
* **images** — a folder with one subfolder per class, read by
  ``keras.utils.image_dataset_from_directory`` (``.bmp .gif .jpeg .jpg .png``),
  resized to ``options.image_size`` (default 64x64), ``options.color_mode``
  ``rgb`` or ``grayscale``; class names are the subfolder names, sorted.

Task guess (when ``options.task`` is not set): labels that are text, or
integer-valued with at most :data:`MAX_GUESSED_CLASSES` distinct values, mean
classification; anything else regression.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.safeio import Want, fmt_bytes, memory_budget, path_problem, read_regular_file
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets.base import Raw

MISSING = frozenset({"", "?", "na", "n/a", "nan", "null", "none"})
"""Cell texts (stripped, lower-cased) that mean "no value"."""

MAX_GUESSED_CLASSES = 50
"""At most this many distinct integer labels are guessed to be classes."""

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""What ``image_dataset_from_directory`` reads."""


def resolve(spec_path: str, base_dir: Path | None, field: str = "data.path", want: Want = "file or folder") -> Path:
    """``spec_path`` relative to ``base_dir`` (or the working folder), checked to be a ``want`` before any read.

    A device (``/dev/zero``), a named pipe, a socket or a symlink loop is
    refused here, by ``stat``, so nothing blocks on it or reads it forever.

    Raises:
        DataError: the path does not exist or is not a ``want`` (names the
            field, the given value, the absolute path tried and what it is).
    """
    p = Path(spec_path).expanduser()
    if not p.is_absolute():
        p = (base_dir or Path.cwd()) / p
    problem = path_problem(p, want)
    if problem == "does not exist":
        where = f" (relative paths start at the experiment file's folder {base_dir})" if base_dir else ""
        raise DataError(
            f"{field} = {toml_repr(spec_path)}: {p} does not exist{where}",
            title="Data file not found",
            hint="check the name, or give an absolute path",
        )
    if problem is not None:
        raise DataError(
            f"{field} = {toml_repr(spec_path)}: {p} {problem}",
            title="Cannot read the data",
            hint=f"point {field} at a regular {want} (a device, pipe or socket is never read)",
        )
    return p


MAX_CSV_FRACTION = 16
"""A CSV file may take at most 1/16 of the memory budget: its cells become Python strings and lists
(about ten times the file's size) before they are numbers."""


# ------------------------------------------------------------------ labels


def guess_task(y: np.ndarray) -> str:
    """``classification`` for integer-valued labels with few distinct values, else ``regression``."""
    if y.dtype.kind in "biu":
        return "classification" if len(np.unique(y)) <= MAX_GUESSED_CLASSES else "regression"
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return "classification" if len(np.unique(y)) <= MAX_GUESSED_CLASSES else "regression"
    return "regression"


def class_ids(y: np.ndarray, where: str) -> np.ndarray:
    """Integer-valued labels as int32; refuses fractions and non-finite values.

    Raises:
        DataError: naming ``where`` (file and array/column), the first bad
            value and its index.
    """
    if y.dtype.kind in "biu":
        return y.astype(np.int32)
    bad = ~np.isfinite(y) | (y != np.round(y))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{where}: label {y[i]!r} at sample {i} is not a class id (an integer)",
            hint="classification needs integer class ids; for numeric targets set data.options.task = 'regression'",
        )
    return y.astype(np.int32)


# ------------------------------------------------------------------ CSV


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class _Column:
    """One CSV column's cells, classified as numeric or categorical."""

    def __init__(self, name: str, cells: list[str]) -> None:
        self.name = name
        self.cells = cells
        self.missing = [i for i, c in enumerate(cells) if c.strip().lower() in MISSING]
        miss = set(self.missing)
        self.numbers = [None if i in miss else _number(c) for i, c in enumerate(cells)]
        n_num = sum(v is not None for v in self.numbers)
        n_text = len(cells) - len(self.missing) - n_num
        self.numeric = n_num >= n_text and n_num > 0
        self.stray = [i for i, v in enumerate(self.numbers) if self.numeric and v is None and i not in miss]


def _impute_numeric(v: np.ndarray, strategy: str) -> float:
    """Fill the NaN cells of the float64 column ``v`` in place; returns the fill value.

    scikit-learn's ``SimpleImputer(strategy=...)`` over the column's known
    cells: ``"mean"``, ``"median"`` or ``"most_frequent"`` (on a tie, the
    smallest of the most frequent values). ``v`` has at least one known cell.
    """
    from sklearn.impute import SimpleImputer

    imp = SimpleImputer(strategy=strategy, copy=False)
    v[:] = imp.fit_transform(v[:, None])[:, 0]
    return float(imp.statistics_[0])


def _line_ref(path: Path, lines: list[int], i: int, col: str) -> str:
    return f"{path.name} line {lines[i]} (data row {i + 1}), column {col!r}"


def _sniff(text: str) -> type[csv.Dialect] | str:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        return "excel"


def load_csv(path: Path, spec: DataSpec) -> Raw:
    """Read a CSV file into a table :class:`Raw` (see the module docstring).

    Raises:
        DataError: unreadable file, bad header, unknown target/feature column,
            ragged rows, missing or non-numeric cells (with line and column).
    """
    try:
        text = read_regular_file(path, memory_budget() // MAX_CSV_FRACTION).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{path}: cannot read as UTF-8 text: {e}", hint="a CSV file is UTF-8 text with a header row"
        ) from None
    except ValueError as e:  # not a regular file, or too large
        raise DataError(f"{path}: {e}", title="Cannot read the data") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    reader = csv.reader(text.splitlines(keepends=True), _sniff(text))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    for row in reader:
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip() for c in row]
            continue
        if len(row) != len(header):
            raise DataError(
                f"{path.name} line {reader.line_num}: {len(row)} cells, but the header has "
                f"{len(header)} ({', '.join(header)})",
                hint="every row needs one cell per column",
            )
        rows.append(row)
        lines.append(reader.line_num)
    if header is None or not rows:
        raise DataError(
            f"{path}: no {'header' if header is None else 'data rows'}",
            hint="the first line names the columns; the rows below hold the values",
        )
    for i, h in enumerate(header):
        if not h:
            raise DataError(f"{path.name}: column {i + 1} of the header has no name")
    dupes = [h for h, c in Counter(header).items() if c > 1]
    if dupes:
        raise DataError(f"{path.name}: column names repeat in the header: {', '.join(dupes)}")
    target = spec.target or ""
    if target not in header:
        raise DataError(
            f"data.target = {toml_repr(target)}: {path.name} has no such column; columns: {', '.join(header)}",
            hint="set data.target to the label column's name",
        )
    feats = list(spec.options.columns or [h for h in header if h != target])
    for f in feats:
        if f not in header:
            raise DataError(f"data.options.columns: {path.name} has no column {f!r}; columns: {', '.join(header)}")
        if f == target:
            raise DataError(
                f"data.options.columns: {f!r} is the target column (data.target)",
                hint="a label cannot also be a feature",
            )
    col_idx = {h: i for i, h in enumerate(header)}
    cols = {h: _Column(h, [r[col_idx[h]] for r in rows]) for h in feats + [target]}
    impute = spec.options.impute

    # stray text in numeric columns: always refused
    for h in feats + [target]:
        c = cols[h]
        if c.stray:
            i = c.stray[0]
            more = (
                f"; {len(c.stray)} such cells (lines {', '.join(str(lines[j]) for j in c.stray[:5])}"
                f"{', ...' if len(c.stray) > 5 else ''})"
                if len(c.stray) > 1
                else ""
            )
            raise DataError(
                f"{_line_ref(path, lines, i, h)}: {c.cells[i].strip()!r} is not a number, "
                f"but the column's other cells are{more}",
                hint="fix the cell, or mark it missing ('?' or empty) and set data.options.impute",
            )
    # missing cells
    keep = np.ones(len(rows), bool)
    for h in feats + [target]:
        c = cols[h]
        if not c.missing:
            continue
        if impute == "drop":
            keep[c.missing] = False
            continue
        if impute is None or h == target:
            i = c.missing[0]
            shown = repr(c.cells[i].strip()) if c.cells[i].strip() else "empty"
            many = (
                f" ({len(c.missing)} missing in this column, lines "
                f"{', '.join(str(lines[j]) for j in c.missing[:5])}{', ...' if len(c.missing) > 5 else ''})"
                if len(c.missing) > 1
                else ""
            )
            hint = (
                "a label cannot be imputed; set data.options.impute = 'drop' to skip such rows"
                if h == target
                else "fill the cell, or set data.options.impute = 'mean', 'median', 'most_frequent' or 'drop'"
            )
            raise DataError(f"{_line_ref(path, lines, i, h)}: missing value ({shown}){many}", hint=hint)
    if not keep.any():
        raise DataError(f"{path.name}: every row has a missing cell; nothing left after data.options.impute = 'drop'")
    notes: list[str] = []
    if not keep.all():
        notes.append(f"dropped {int((~keep).sum())} rows with missing cells")

    # features
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for h in feats:
        c = cols[h]
        miss = set(c.missing)
        if c.numeric:
            v = np.array([np.nan if x is None else x for x in c.numbers], dtype=np.float64)
            if c.missing and impute != "drop":
                if np.isnan(v).all():
                    raise DataError(f"{path.name}: column {h!r} has no values to impute from")
                fill = _impute_numeric(v, impute)
                notes.append(f"{h}: {len(c.missing)} missing cells set to the {impute} {fill:.4g}")
            blocks.append(v[:, None])
            names.append(h)
        else:
            vals = [x.strip() for x in c.cells]
            present = [x for i, x in enumerate(vals) if i not in miss]
            if c.missing and impute != "drop":
                fill_s = Counter(present).most_common(1)[0][0]
                vals = [fill_s if i in miss else x for i, x in enumerate(vals)]
                notes.append(f"{h}: {len(c.missing)} missing cells set to the most frequent {fill_s!r}")
            cats = sorted({x for i, x in enumerate(vals) if keep[i]})
            pos = {k: j for j, k in enumerate(cats)}
            onehot = np.zeros((len(vals), len(cats)))
            for i, x in enumerate(vals):
                if x in pos:
                    onehot[i, pos[x]] = 1.0
            blocks.append(onehot)
            names.extend(f"{h}={k}" for k in cats)
            notes.append(f"{h}: text column, one-hot encoded as {len(cats)} features")
    x = np.concatenate(blocks, 1)[keep].astype(np.float32) if blocks else np.zeros((int(keep.sum()), 0), np.float32)
    if x.shape[1] == 0:
        raise DataError(f"{path.name}: no feature columns besides the target {target!r}")

    # target
    tc = cols[target]
    task = spec.options.task
    class_names: list[str] = []
    check = False
    if tc.numeric:
        yv = np.array([np.nan if v is None else v for v in tc.numbers])[keep]
        task = task or guess_task(yv)
        if task == "classification":
            y = class_ids(yv, f"{path.name} column {target!r}")
            check = True
        else:
            y = yv.astype(np.float32)
    else:
        if task == "regression":
            i = next(i for i, v in enumerate(tc.numbers) if v is None and i not in set(tc.missing))
            raise DataError(
                f"{_line_ref(path, lines, i, target)}: {tc.cells[i].strip()!r} is not a number; "
                "a regression target must be numeric"
            )
        task = "classification"
        labels = [x.strip() for i, x in enumerate(tc.cells) if keep[i]]
        class_names = sorted(set(labels))
        pos = {k: j for j, k in enumerate(class_names)}
        y = np.array([pos[s] for s in labels], dtype=np.int32)
    desc = f"CSV {path.name}: {len(x)} rows, {x.shape[1]} features, target {target!r} ({task})"
    return Raw(
        x=x,
        y=y,
        task=task,
        kind="table",
        class_names=class_names,
        description=desc,
        source=str(path),
        feature_names=names,
        check_labels=check,
        notes=notes,
    )


# ------------------------------------------------------------------ arrays


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


NPY_MAGIC = b"\x93NUMPY"
"""First bytes of an ``.npy`` file (``numpy.lib.format.MAGIC_PREFIX``)."""

ZIP_MAGIC = b"PK\x03\x04"
"""First bytes of a zip archive (an ``.npz`` file is one)."""


def _read_header(fp: Any) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from an ``.npy`` header at ``fp``'s position (nothing else is read).

    Raises:
        ValueError: not an NPY header (numpy's words).
    """
    from numpy.lib import format as npf

    version = npf.read_magic(fp)
    if version == (1, 0):
        shape, _, dtype = npf.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, _, dtype = npf.read_array_header_2_0(fp)
    else:  # (3, 0): a UTF-8 header, read the same way
        shape, _, dtype = npf._read_array_header(fp, version)
    return tuple(int(d) for d in shape), dtype


def check_array_header(where: str, shape: tuple[int, ...], dtype: np.dtype, available: int) -> None:
    """Refuse an array whose header asks for more than the file holds or memory allows, before allocating it.

    Args:
        where: file (and member) for messages.
        shape, dtype: from the header.
        available: bytes of data the file (or zip member) holds after the header.

    Raises:
        DataError: object (pickled) arrays; a shape whose size exceeds
            ``available`` (truncated or crafted) or :func:`tuidl.core.safeio.memory_budget`.
    """
    if dtype.hasobject:
        raise DataError(
            f"{where}: an object (pickled) array, which tuidl does not load",
            hint="save plain numeric arrays (np.save / np.savez with int/float arrays)",
        )
    nbytes = math.prod(shape) * dtype.itemsize
    budget = memory_budget()
    if nbytes > budget:
        raise DataError(
            f"{where}: its header says shape {shape} of {dtype}, {fmt_bytes(nbytes)}; at most "
            f"{fmt_bytes(budget)} is loaded (half this machine's memory, or TUIDL_MEMORY_BUDGET)",
            title="Data too large",
            hint="use a smaller array, or data.options.subset on a smaller file",
        )
    if nbytes > available:
        raise DataError(
            f"{where}: its header says shape {shape} of {dtype}, {fmt_bytes(nbytes)}, but the file "
            f"holds only {fmt_bytes(available)} of data (truncated or corrupt)",
            title="Corrupt data file",
            hint="write it again with np.save / np.savez",
        )


def check_npz_headers(path: Path) -> None:
    """Check that ``path`` is a zip of ``.npy`` members and every member's header fits (see :func:`check_array_header`).

    Raises:
        DataError: not a zip archive (an NPY file or anything else, said as
            such), a member that is not an NPY array, or a header that does not fit.
    """
    import zipfile

    with open(path, "rb") as f:
        head = f.read(len(NPY_MAGIC))
    if head.startswith(NPY_MAGIC):
        raise DataError(
            f"{path}: an NPY file (one array), not an NPZ archive",
            hint="set data.name = 'npy' with data.target for the labels file, or save both arrays "
            "with np.savez(path, x=features, y=labels)",
        )
    if not head.startswith(ZIP_MAGIC):
        raise DataError(
            f"{path}: not an NPZ file (a zip archive of .npy arrays, as np.savez writes)",
            title="Corrupt data file",
            hint="save with np.savez(path, x=features, y=labels)",
        )
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                where = f"{path.name} array {info.filename[:-4]!r}"
                with z.open(info) as m:
                    try:
                        shape, dtype = _read_header(m)
                    except ValueError as e:
                        raise DataError(
                            f"{where}: not an NPY array ({e})",
                            title="Corrupt data file",
                            hint="write it again with np.savez",
                        ) from None
                    offset = m.tell()
                check_array_header(where, shape, dtype, info.file_size - offset)
    except DataError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        raise DataError(
            f"{path}: truncated or not an NPZ file ({e})",
            title="Corrupt data file",
            hint="write it again with np.savez / np.savez_compressed",
        ) from None


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


# ------------------------------------------------------------------ images


def load_images(folder: Path, spec: DataSpec, seed: int) -> Raw:
    """Read an image folder with one subfolder per class (``image_dataset_from_directory``).

    Images are resized to ``options.image_size`` (default ``[64, 64]``) and
    kept as uint8 ``(n, H, W, C)``, C = 3 (rgb) or 1 (grayscale).

    Raises:
        DataError: not a folder, no class subfolders or no images, or an image
            that cannot be decoded (named).
    """
    if not folder.is_dir():
        raise DataError(
            f"data.path = {toml_repr(spec.path)}: {folder} is a file; images needs a folder "
            "with one subfolder per class"
        )
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    counts = {p.name: sum(1 for f in p.rglob("*") if f.suffix.lower() in IMAGE_EXTENSIONS) for p in subs}
    if not subs or sum(counts.values()) == 0:
        raise DataError(
            f"{folder}: no class subfolders with images ({', '.join(IMAGE_EXTENSIONS)})",
            hint=f"lay it out as {folder.name}/<class name>/<image>.png, one subfolder per class",
        )
    empty = [k for k, v in counts.items() if v == 0]
    if empty:
        raise DataError(
            f"{folder}: class subfolder(s) without images: {', '.join(empty)}", hint="remove them or add images"
        )
    size = tuple(spec.options.image_size or (64, 64))
    mode = spec.options.color_mode or "rgb"
    import keras

    try:
        ds = keras.utils.image_dataset_from_directory(
            str(folder),
            labels="inferred",
            label_mode="int",
            color_mode=mode,
            image_size=size,
            batch_size=64,
            shuffle=False,
            seed=seed,
            verbose=False,
        )
        class_names = list(ds.class_names)
        xs, ys = [], []
        for xb, yb in ds.as_numpy_iterator():
            xs.append(np.clip(np.round(xb), 0, 255).astype(np.uint8))
            ys.append(yb.astype(np.int32))
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 - TF raises several kinds; find the bad file
        bad = _find_bad_image(folder)
        if bad is not None:
            raise DataError(
                f"{bad}: cannot be decoded as an image ({bad.suffix} file)",
                title="Bad image file",
                hint="remove or replace it",
            ) from None
        raise DataError(f"{folder}: cannot read the images: {str(e).splitlines()[0]}") from None
    x, y = np.concatenate(xs), np.concatenate(ys)
    return Raw(
        x=x,
        y=y,
        task="classification",
        kind="images",
        class_names=class_names,
        description=f"image folder {folder.name}: {len(x)} images of {size[0]}x{size[1]} {mode}, "
        f"{len(class_names)} classes",
        source=str(folder),
        pixel_scale=255.0,
    )


def _find_bad_image(folder: Path) -> Path | None:
    """The first image under ``folder`` that TensorFlow cannot decode, if any."""
    import tensorflow as tf

    for f in sorted(folder.rglob("*")):
        if f.suffix.lower() in IMAGE_EXTENSIONS:
            try:
                tf.io.decode_image(tf.io.read_file(str(f)), expand_animations=False)
            except Exception:  # noqa: BLE001
                return f
    return None


def load(spec: DataSpec, seed: int, base_dir: Path | None) -> Raw:
    """The user's file source ``spec.name`` (csv, npz, npy, images) as a :class:`Raw`."""
    want: Want = {"csv": "file", "npz": "file", "npy": "file or folder"}.get(spec.name, "folder")
    path = resolve(spec.path or "", base_dir, "data.path", want)
    if spec.name == "csv":
        if path.is_dir():
            raise DataError(f"data.path = {toml_repr(spec.path)}: {path} is a folder; csv needs a .csv file")
        return load_csv(path, spec)
    if spec.name == "npz":
        return load_npz(path, spec)
    if spec.name == "npy":
        return load_npy(path, spec, base_dir)
    return load_images(path, spec, seed)
