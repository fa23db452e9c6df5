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

One module per format: :mod:`.files_csv`, :mod:`.files_arrays` (npz, npy),
:mod:`.files_images`; the checks they share (the path before any read, NPY/NPZ
headers, the task guess) in :mod:`.files_checks`. Their names stay importable
from here.
"""

from __future__ import annotations

from pathlib import Path

from tuidl.core.errors import DataError
from tuidl.core.safeio import Want
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets.base import Raw
from tuidl.engine.datasets.files_arrays import _arrays_raw, _npy, load_npy, load_npz
from tuidl.engine.datasets.files_checks import (
    MAX_GUESSED_CLASSES,
    NPY_MAGIC,
    ZIP_MAGIC,
    _read_header,
    check_array_header,
    check_npz_headers,
    class_ids,
    guess_task,
    resolve,
)
from tuidl.engine.datasets.files_csv import MAX_CSV_FRACTION, MISSING, _Column, _impute_numeric, load_csv
from tuidl.engine.datasets.files_images import IMAGE_EXTENSIONS, _find_bad_image, load_images

__all__ = [
    "load",
    # re-exported from the modules they moved to (files_checks, files_csv, files_arrays, files_images)
    "IMAGE_EXTENSIONS",
    "MAX_CSV_FRACTION",
    "MAX_GUESSED_CLASSES",
    "MISSING",
    "NPY_MAGIC",
    "ZIP_MAGIC",
    "_Column",
    "_arrays_raw",
    "_find_bad_image",
    "_impute_numeric",
    "_npy",
    "_read_header",
    "check_array_header",
    "check_npz_headers",
    "class_ids",
    "guess_task",
    "load_csv",
    "load_images",
    "load_npy",
    "load_npz",
    "resolve",
]


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
