"""Write the standalone Keras script of an experiment, and the data it cannot load itself.

The one code path that writes an export: ``tuidl export`` calls
:func:`write_script` in its own process, and the engine process calls it for
the builder's ``E`` (an :class:`~tuidl.core.protocol.Export` request), so the
UI process never loads data. The script's text is
:func:`tuidl.core.script.script_text`; this module adds the data: for a
source outside :data:`~tuidl.core.script.INLINE_SOURCES` the arrays made by
tuidl's pipeline (:func:`tuidl.engine.data.load_data`) are saved as
``<script>.npz`` next to the script.

Nothing here imports Keras or TensorFlow (loading a folder of images does,
through the data pipeline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from tuidl.core.errors import SpecError, TuidlError, folder_problem
from tuidl.core.script import data_file, script_text
from tuidl.core.spec import DataSpec, Experiment

__all__ = ["write_script"]

DataLoader = Callable[[DataSpec, int, "str | None"], Any]
"""``(data spec, seed, base folder or None) -> Dataset``, as :func:`tuidl.engine.data.load_data`."""


def _load(spec: DataSpec, seed: int, base_dir: str | None) -> Any:
    from tuidl.engine.data import load_data

    return load_data(spec, seed, Path(base_dir) if base_dir else None)


def write_script(
    exp: Experiment,
    path: str | Path,
    base_dir: str | Path | None = None,
    load: DataLoader | None = None,
) -> Path:
    """Write the standalone script for ``exp`` to ``path`` (and ``<path>.npz`` when needed).

    Args:
        exp: the experiment (presets resolved where it entered; see
            :func:`tuidl.core.script.script_text`).
        path: the script file; missing folders are made; an existing file is replaced.
        base_dir: the folder relative ``data.path`` values start from (default:
            the folder of ``exp.source``, else the current folder).
        load: loads the data for the ``.npz`` (default: :func:`tuidl.engine.data.load_data`;
            the engine passes its cached loader). The file holds ``x_train, y_train,
            x_val, y_val`` as the pipeline made them and ``n_classes`` (int64, -1 for
            regression). Not called for :data:`~tuidl.core.script.INLINE_SOURCES`.

    Returns:
        ``path``. The data file, if any, is :func:`tuidl.core.script.data_file`.

    Raises:
        SpecError: unknown preset names, anything :func:`tuidl.core.script.export_problems`
            finds, or the file cannot be written (the OS's reason).
        DataError: the data cannot be loaded (only for ``.npz`` sources).
    """
    path = Path(path)
    if base_dir is None and exp.source is not None:
        base_dir = exp.source.parent
    npz = data_file(exp, path)
    try:
        text = script_text(exp, npz.name if npz else None, path.name)  # refuses before anything is written
        path.parent.mkdir(parents=True, exist_ok=True)
        if npz is not None:
            import numpy as np

            ds = (load or _load)(exp.data, exp.fit.seed, str(base_dir) if base_dir is not None else None)
            np.savez_compressed(
                npz,
                x_train=ds.x_train,
                y_train=ds.y_train,
                x_val=ds.x_val,
                y_val=ds.y_val,
                n_classes=np.int64(ds.n_classes if ds.n_classes is not None else -1),
            )
        path.write_text(text, encoding="utf-8")
    except TuidlError:
        raise
    except OSError as e:  # the OS's reason for the failing part: "Not a directory (afile is a file)", not "File exists"
        why = folder_problem(path.parent, named=path) or e.strerror or str(e)
        raise SpecError(f"{path}: cannot write the script: {why}", title="Export failed") from None
    return path
