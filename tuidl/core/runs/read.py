"""Reading run folders whole: one run (:func:`read_run`), every run (:func:`list_runs`), a
run's ``spec.toml`` for showing (:func:`read_spec_dict`) and a live run's history
(:class:`RunFollower`). Reading is forgiving: see ``docs/run-format.md``.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuidl.core.runs.files import UnreadableFile, read_run_json, read_run_text
from tuidl.core.runs.info import UNREADABLE, RunInfo
from tuidl.core.runs.metrics import MetricsFollower, read_metrics_checked


@dataclass
class RunRecord:
    """A run as read back from disk.

    Attributes:
        run_id: folder name.
        dir: the folder.
        info: ``run.json`` contents (``{}`` when missing or unreadable).
        epochs: ``metrics.jsonl`` records in order (non-finite values as floats).
        problem: why ``run.json`` could not be read (``""`` when it could); the
            status is then ``unreadable``.
        notes: what else was skipped while reading (``"metrics.jsonl: last line
            incomplete, ignored"`` ...).
    """

    run_id: str
    dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``run.json``'s status, ``"unreadable"`` when it cannot be read, else ``"unknown"``."""
        if self.problem:
            return UNREADABLE
        return str(self.info.get("status", "unknown"))

    def series(self, key: str) -> list[float]:
        """One metric per epoch (``nan`` where an epoch lacks it)."""
        return [float(e.get(key, float("nan"))) for e in self.epochs]

    @property
    def run_info(self) -> RunInfo:
        """:attr:`info` as a :class:`RunInfo` (:meth:`RunInfo.lenient`: a field of the wrong
        type is left out; an unreadable ``run.json`` gives an empty one, version 1)."""
        return RunInfo.lenient(self.info)[0]


def read_run_info(run_dir: Path | str) -> tuple[RunInfo, tuple[str, ...]]:
    """A run's ``run.json`` as a :class:`RunInfo`, read safely and leniently.

    Returns:
        ``(info, dropped)``: ``dropped`` names the known fields left out because their
        value had the wrong type (see :meth:`RunInfo.lenient`); unknown fields are kept.

    Raises:
        UnreadableFile: ``run.json`` cannot be read (see :func:`read_run_json`).
    """
    return RunInfo.lenient(read_run_json(run_dir, "run.json"))


def read_run(run_dir: Path) -> RunRecord:
    """Read one run folder; never raises: a ``run.json`` that cannot be read gives status
    ``unreadable`` and its reason in ``problem`` (see :func:`read_run_json`)."""
    run_dir = Path(run_dir)
    info: dict[str, Any] = {}
    problem = ""
    try:
        info = read_run_json(run_dir, "run.json")
    except UnreadableFile as e:
        problem = e.message
    epochs, notes = read_metrics_checked(run_dir / "metrics.jsonl")
    return RunRecord(run_dir.name, run_dir, info, epochs, problem, tuple(notes))


def _is_run_entry(d: Path) -> bool:
    """A folder (not a link) holding a ``run.json`` entry of any kind, or a link to a folder
    (listed as unreadable, never followed)."""
    try:
        st = os.lstat(d)
    except OSError:
        return False
    if stat.S_ISLNK(st.st_mode):
        return d.is_dir()  # a stat through the link; nothing in it is read
    if not stat.S_ISDIR(st.st_mode):
        return False
    try:
        os.lstat(d / "run.json")
    except OSError as e:
        return e.errno not in (errno.ENOENT, errno.ENOTDIR)  # e.g. EACCES: list it, unreadable
    return True


def list_runs(root: Path) -> list[RunRecord]:
    """Every run folder under ``root`` (folders with a ``run.json``), newest first.
    A run folder that is a symbolic link is listed, unreadable, and not followed."""
    root = Path(root)
    try:
        names = os.listdir(root)
    except OSError:
        return []
    dirs = [root / n for n in names if _is_run_entry(root / n)]
    return [read_run(d) for d in sorted(dirs, key=lambda d: d.name, reverse=True)]


def read_spec_dict(run_dir: Path | str) -> dict[str, Any]:
    """A run's ``spec.toml`` as a plain dict for showing (``{}`` when missing or invalid).

    Every string in it (keys too) is made printable (:func:`tuidl.core.text.printable_data`):
    this is what the compare table shows. To re-run a spec, load it with
    :func:`tuidl.core.spec.load`, which validates it.
    """
    import tomllib

    from tuidl.core.text import printable_data

    try:
        return printable_data(tomllib.loads(read_run_text(run_dir, "spec.toml")))
    except (UnreadableFile, ValueError, RecursionError):  # ValueError: TOMLDecodeError, an integer of > 4300 digits
        return {}


def _epoch_of(value: Any, default: int) -> int:
    """A ``metrics.jsonl`` record's ``epoch`` as an int: ``default`` (the epochs read so far)
    when it is none, not a number (text, a list, ``null``) or not finite (``NaN``)."""
    try:
        f = float(value)
    except (OverflowError, TypeError, ValueError):
        return default
    return int(f) if math.isfinite(f) else default


class RunFollower:
    """Live view of one run: its :class:`~tuidl.core.history.RunHistory` kept up
    to date by :meth:`poll` as another process appends epochs.

    Args:
        run_dir: the run folder.
        name: legend name (default: the folder name).
    """

    def __init__(self, run_dir: Path | str, name: str | None = None) -> None:
        from tuidl.core.history import RunHistory

        self.dir = Path(run_dir)
        self.history = RunHistory(name=name or self.dir.name)
        self._follower = MetricsFollower(self.dir / "metrics.jsonl")

    def poll(self) -> int:
        """Read new epochs; returns how many were added (a truncated file starts over)."""
        from tuidl.core.history import RunHistory

        restarts = self._follower.restarts
        new = self._follower.poll()
        if self._follower.restarts != restarts:
            self.history = RunHistory(name=self.history.name)
        for i, rec in enumerate(new):
            self.history.add_epoch(
                _epoch_of(rec.get("epoch"), self.history.epochs_done),
                rec,
                rec.get("step"),
                rec.get("time", rec.get("seconds")),
            )
        return len(new)
