"""CSV files: a header row, the label column named by ``data.target``, numeric or one-hot encoded text columns.

Feature columns are all others or ``options.columns``. Cells are numbers; a
column whose cells are mostly text is categorical and one-hot encoded (one
feature ``column=value`` per distinct value, sorted). Missing cells (empty,
``?``, ``NA``, ``N/A``, ``NaN``, ``null``, ``None``) and stray text in a numeric
column are refused with the line and column named, unless ``options.impute``
says how to fill them (``mean``, ``median``, ``most_frequent``; categorical
columns always use the most frequent value) or to ``drop`` such rows. The
delimiter (``,``, ``;``, tab, ``|``) is sniffed.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.safeio import memory_budget, read_regular_file
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets.base import Raw
from tuidl.engine.datasets.files_checks import class_ids, guess_task

MISSING = frozenset({"", "?", "na", "n/a", "nan", "null", "none"})
"""Cell texts (stripped, lower-cased) that mean "no value"."""


MAX_CSV_FRACTION = 16
"""A CSV file may take at most 1/16 of the memory budget: its cells become Python strings and lists
(about ten times the file's size) before they are numbers."""


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
