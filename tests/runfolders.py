"""Run folders written whole for tests: :func:`write_finished_run` (with tuidl's own :class:`RunWriter`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuidl.core.runs import STATUSES, RunWriter, new_run_id


def write_finished_run(
    root: Path | str,
    spec_toml: str,
    records: list[dict[str, Any]],
    *,
    status: str = "completed",
    info: dict[str, Any] | None = None,
    run_id: str | None = None,
    name: str = "run",
    error: dict[str, Any] | None = None,
) -> Path:
    """Write a whole run folder at once with :class:`RunWriter` (imports, demos, tests).

    Args:
        root: the runs dir.
        spec_toml: the experiment's TOML text.
        records: ``metrics.jsonl`` records, e.g. ``{"epoch": 0, "loss": 0.9, "val_loss": 1.0}``.
        status: final status, one of :data:`STATUSES` (``running`` leaves it open).
        info: extra ``run.json`` keys (``name``, ``params``, ``started`` ...).
        run_id: folder name (default :func:`new_run_id` of ``name``).

    Returns:
        The run folder.

    Raises:
        ValueError: unknown status. OSError: the folder exists or cannot be written.
    """
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    w = RunWriter(Path(root), run_id or new_run_id(name))
    w.start(spec_toml, {"name": name, **(info or {})})
    for r in records:
        w.epoch(r)
    if status == "running":
        w.write_info()
        w.close()
    else:
        w.finish(status, error)
    return w.dir
