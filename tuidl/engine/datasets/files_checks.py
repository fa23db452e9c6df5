"""What every file source shares: the path check before any read, NPY/NPZ header checks, the task guess.

Nothing here trusts a size or a header before checking it: a path is checked by
``stat`` to be a regular file or folder (never a device, pipe or socket), and an
array's header is checked against the bytes the file holds and the memory
budget before the array is allocated.

Task guess (when ``options.task`` is not set): labels that are text, or
integer-valued with at most :data:`MAX_GUESSED_CLASSES` distinct values, mean
classification; anything else regression.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.safeio import Want, fmt_bytes, memory_budget, path_problem
from tuidl.core.spec import toml_repr

MAX_GUESSED_CLASSES = 50
"""At most this many distinct integer labels are guessed to be classes."""


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
