"""Exporting runs' per-epoch metrics as one CSV table (:func:`export_csv`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuidl.core.runs.files import RunError, _read_json, _run_dir
from tuidl.core.runs.metrics import _AXIS_KEYS, read_metrics
from tuidl.core.text import printable


def export_csv(run_dirs: list[Path | str], dest: Any, skipped: list[str] | None = None) -> int:
    """Write the per-epoch metrics of several runs as one wide CSV table.

    Columns: ``run_id, name, epoch, step, time`` and then every metric key seen
    in any run (sorted; empty where a run lacks it; NaN/inf as ``nan``/``inf``).
    ``epoch`` is 0-based, as in ``metrics.jsonl`` and Keras's ``CSVLogger`` (the
    screens' "epoch 1" is the row with ``epoch`` 0); ``step`` is the global
    batch count at the epoch's end; ``time`` is seconds since the run started.
    Rows are in the order of ``run_dirs``, then by epoch.

    A folder that is not a run of its own (a symbolic link, no ``run.json``) does
    not stop the others: it is left out and its reason appended to ``skipped``
    (when given); only when no folder is left does the export fail.

    Args:
        run_dirs: run folders.
        skipped: a list that receives one ``"<folder>: <reason>"`` per folder left out.
        dest: a path or a text file object.

    Returns:
        The number of data rows written.

    Raises:
        RunError: a folder is not a run, or the file cannot be written.
    """
    import csv

    runs = []
    problems: list[RunError] = []
    for rd in run_dirs:
        try:
            d = _run_dir(rd)
        except RunError as e:  # one broken folder never hides the others
            problems.append(e)
            continue
        info = _read_json(d / "run.json")
        meta = _read_json(d / "meta.json")
        runs.append(
            (
                printable(d.name),
                printable(meta.get("display_name") or info.get("name") or d.name),
                read_metrics(d / "metrics.jsonl"),
            )
        )
    if problems and not runs:
        raise problems[0]
    if skipped is not None:
        skipped.extend(printable(e.message) for e in problems)
    keys = sorted({k for _, _, recs in runs for r in recs for k in r} - _AXIS_KEYS)
    header = ["run_id", "name", "epoch", "step", "time", *keys]

    def write(f: Any) -> int:
        w = csv.writer(f)
        w.writerow(header)
        n = 0
        for run_id, name, recs in runs:
            for r in recs:
                w.writerow(
                    [
                        run_id,
                        name,
                        r.get("epoch", ""),
                        r.get("step", ""),
                        r.get("time", r.get("seconds", "")),
                        *[r.get(k, "") for k in keys],
                    ]
                )
                n += 1
        return n

    if hasattr(dest, "write"):
        return write(dest)
    try:
        with open(dest, "w", encoding="utf-8", newline="") as f:
            return write(f)
    except OSError as e:
        raise RunError(f"{dest}: cannot write CSV: {e.strerror}", title="Export failed") from e
