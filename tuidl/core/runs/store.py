"""The run store: the only code that writes a run folder's ``run.json`` and ``meta.json``.

:class:`RunWriter` writes a run as training goes (``spec.toml``, ``metrics.jsonl``,
``insight.jsonl``, ``batches.jsonl``, ``run.json``); :func:`rename_run` and :func:`set_tags` write ``meta.json``;
:func:`mark_run_ended` ends a run whose writer died; :func:`delete_run` removes a folder.
Every ``run.json`` written is validated through :class:`~tuidl.core.runs.info.RunInfo`
and carries ``format_version`` :data:`~tuidl.core.runs.info.FORMAT_VERSION`; every write
is atomic (:func:`~tuidl.core.runs.files.atomic_write`). A test scans the code base for
any other writer of these files (``tests/core/test_run_store.py``).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from tuidl.core.runs.files import (
    _O_CLOEXEC,
    _O_NOFOLLOW,
    RunError,
    UnreadableFile,
    _read_json,
    _run_dir,
    _write_all,
    atomic_write,
    read_run_json,
)
from tuidl.core.runs.info import FORMAT_VERSION, STATUSES, RunInfo, iso, spec_facts
from tuidl.core.runs.metrics import MetricsSummary, encode_record, read_metrics
from tuidl.core.runs.procs import pid_alive


def _write_run_json(d: Path, info: dict[str, Any]) -> None:
    """Validate ``info`` through :class:`RunInfo` and write it as ``d/run.json`` atomically.

    Raises:
        ValueError: it does not fit the model. OSError: naming ``run.json``.
    """
    atomic_write(d / "run.json", RunInfo.for_writing(info).to_json())


class _Appender:
    """One append-only JSON-lines file of a run folder, created on first use (``O_EXCL``, no
    link followed). Each :meth:`append` is one ``write`` of whole lines; a write that fails
    part-way is cut off again, so the file keeps only whole records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.size = 0
        self.closed = False

    def append(self, records: list[dict[str, Any]]) -> None:
        """Append ``records`` (encoded by :func:`encode_record`) in one write.

        Raises:
            OSError: naming the file (``ENOSPC`` ...); ``EBADF`` once closed.
        """
        if self.closed:
            raise OSError(errno.EBADF, f"{self.path.name} is closed", str(self.path))
        data = b"".join(encode_record(r) for r in records)
        try:
            if self.fd is None:
                self.fd = os.open(
                    self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _O_NOFOLLOW | _O_CLOEXEC, 0o644
                )
            _write_all(self.fd, data)
        except OSError as e:
            if self.fd is not None:
                try:
                    os.ftruncate(self.fd, self.size)
                except OSError:
                    pass
            raise OSError(e.errno, e.strerror, str(self.path)) from None
        self.size += len(data)

    def close(self) -> None:
        self.closed = True
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


class RunWriter:
    """Writes one run's folder as training goes.

    Args:
        root: the runs dir.
        run_id: the folder name (see :func:`new_run_id`).

    Raises:
        OSError: the folder cannot be created or written.
    """

    def __init__(self, root: Path, run_id: str) -> None:
        self.run_id = run_id
        self.dir = Path(root) / run_id
        self.dir.mkdir(parents=True, exist_ok=False)
        self.info: dict[str, Any] = {"format_version": FORMAT_VERSION, "run_id": run_id, "status": "running"}
        self._metrics: int | None = None
        self._insight = _Appender(self.dir / "insight.jsonl")
        self._batches = _Appender(self.dir / "batches.jsonl")
        try:
            self._metrics = os.open(
                self.dir / "metrics.jsonl",
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _O_NOFOLLOW | _O_CLOEXEC,
                0o644,
            )
        except OSError:
            self.discard()
            raise
        self._metrics_size = 0
        self._summary = MetricsSummary()
        self.t_start = time.time()
        """When the run started (``time.time()``, set by :meth:`start`): ``started`` in ``run.json``,
        and the origin of ``metrics.jsonl``'s ``time``."""
        self._t0 = time.monotonic()

    def start(self, spec_toml: str, info: dict[str, Any]) -> None:
        """Write ``spec.toml`` and the first ``run.json`` (status ``running``).

        Raises:
            OSError: naming the file (e.g. ``ENOSPC``); nothing half-written is left.
        """
        atomic_write(self.dir / "spec.toml", spec_toml)
        for k, v in spec_facts(spec_toml).items():
            self.info.setdefault(k, v)
        self.info.update(info)
        self.t_start, self._t0 = time.time(), time.monotonic()
        self.info.setdefault("started", iso(self.t_start))
        self.info["pid"] = os.getpid()
        self.write_info()

    def epoch(self, record: dict[str, Any]) -> None:
        """Append one epoch's record to ``metrics.jsonl`` (one ``write`` of one whole line).

        Raises:
            OSError: naming ``metrics.jsonl`` (e.g. ``ENOSPC``). A line written in
                part is cut off again, so the file keeps only whole records.
        """
        if self._metrics is None:
            raise OSError(errno.EBADF, "metrics.jsonl is closed", str(self.dir / "metrics.jsonl"))
        line = encode_record(record)
        try:
            _write_all(self._metrics, line)
        except OSError as e:
            try:
                os.ftruncate(self._metrics, self._metrics_size)
            except OSError:
                pass
            raise OSError(e.errno, e.strerror, str(self.dir / "metrics.jsonl")) from None
        self._metrics_size += len(line)
        self.info["epochs_done"] = int(record.get("epoch", -1)) + 1
        self._summary.add(record)

    def insight(self, records: list[dict[str, Any]]) -> None:
        """Append one measurement's records to ``insight.jsonl`` in one ``write`` (the file is
        created by the first call: a run without insight has none). Records are built by
        :mod:`tuidl.engine.insight`; non-finite values are written as ``metrics.jsonl``'s are.

        Raises:
            OSError: naming ``insight.jsonl``; a line written in part is cut off again.
        """
        self._insight.append(records)

    def batch(self, record: dict[str, Any]) -> None:
        """Append one row to ``batches.jsonl`` (created by the first call), as :meth:`insight`.

        Raises:
            OSError: naming ``batches.jsonl``.
        """
        self._batches.append([record])

    def finish(self, status: str, error: dict[str, Any] | None = None, **extra: Any) -> None:
        """Set the final status, end time and error, write ``run.json`` and close the metrics file.

        Raises:
            OSError: ``run.json`` could not be written (the metrics file is closed anyway).
        """
        assert status in STATUSES, status
        self.info["status"] = status
        self.info["duration"] = self.elapsed()
        self.info["ended"] = iso(self.t_start + self.info["duration"])
        self.info["error"] = error
        self.info["summary"] = self._summary.to_dict()
        self.info.update(extra)
        try:
            self.write_info()
        finally:
            self.close()

    def elapsed(self) -> float:
        """Seconds since :meth:`start` (a monotonic clock), rounded to milliseconds."""
        return round(time.monotonic() - self._t0, 3)

    @property
    def duration(self) -> float:
        """The run's duration (seconds from ``started`` to ``ended``): ``run.json``'s ``duration``
        once :meth:`finish` wrote it, until then the time so far. ``tuidl run``, ``tuidl runs``
        and the screens all show this one number (:func:`tuidl.core.text.format_duration`)."""
        stored = self.info.get("duration")
        return float(stored) if isinstance(stored, (int, float)) else self.elapsed()

    def write_info(self) -> None:
        """Write ``run.json`` atomically (:func:`atomic_write`), validated through
        :meth:`RunInfo.for_writing` (``format_version`` :data:`FORMAT_VERSION`).

        Raises:
            OSError: naming ``run.json`` (the old ``run.json`` stays as it was).
            ValueError: :attr:`info` does not fit :class:`RunInfo` (a bug in the caller;
                nothing is written).
        """
        _write_run_json(self.dir, self.info)

    def close(self) -> None:
        """Close ``metrics.jsonl``, ``insight.jsonl`` and ``batches.jsonl`` (idempotent)."""
        self._insight.close()
        self._batches.close()
        if self._metrics is not None:
            try:
                os.close(self._metrics)
            except OSError:
                pass
            self._metrics = None

    def discard(self) -> None:
        """Remove this run's folder (a run that could not start: nothing worth keeping)."""
        import shutil

        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _write_meta(d: Path, **changes: Any) -> dict[str, Any]:
    """Update ``meta.json`` (an unreadable one is replaced), atomically (:func:`atomic_write`)."""
    meta = _read_json(d / "meta.json")
    meta.update(changes)
    try:
        atomic_write(d / "meta.json", json.dumps(meta, indent=2))
    except OSError as e:
        raise RunError(f"{d / 'meta.json'}: cannot write: {e.strerror}") from e
    return meta


def rename_run(run_dir: Path | str, display_name: str) -> None:
    """Set a run's display name (in ``meta.json``; the folder keeps its id).
    An empty name goes back to the experiment's name.

    Raises:
        RunError: not a run folder, a name over 120 characters or with a line
            break, or the file cannot be written.
    """
    d = _run_dir(run_dir)
    name = display_name.strip()
    if len(name) > 120 or "\n" in name:
        raise RunError(f"run name {display_name[:40]!r}...: at most 120 characters on one line")
    _write_meta(d, display_name=name or None)


def set_tags(run_dir: Path | str, tags: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """Replace a run's tags (a list, or one string split on commas/spaces); returns them.

    Raises:
        RunError: not a run folder, or a tag over 40 characters.
    """
    d = _run_dir(run_dir)
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    clean: list[str] = []
    for t in tags:
        t = str(t).strip()
        if len(t) > 40:
            raise RunError(f"tag {t[:40]!r}...: at most 40 characters")
        if t and t not in clean:
            clean.append(t)
    _write_meta(d, tags=clean)
    return tuple(clean)


def delete_run(run_dir: Path | str, *, force: bool = False) -> None:
    """Remove a run folder and everything in it.

    A run folder that is a symbolic link loses the link only; what it points to
    is left alone. Links inside the folder are removed, not followed.

    Args:
        force: also delete a run whose writer process is still alive.

    Raises:
        RunError: not a run folder, still running (without ``force``), or the
            folder cannot be removed.
    """
    import shutil

    d = Path(run_dir)
    try:
        is_link = stat.S_ISLNK(os.lstat(d).st_mode)
    except OSError:
        is_link = False
    if is_link:  # a run folder that is a link: remove the link, never what it points to
        try:
            os.unlink(d)
        except OSError as e:
            raise RunError(f"{d}: cannot delete the link: {e.strerror}") from e
        return
    d = _run_dir(d)
    info = _read_json(d / "run.json")
    if not force and info.get("status") == "running" and pid_alive(info.get("pid")):
        raise RunError(
            f"run {d.name} is still running (pid {info.get('pid')})", hint="stop it first, or delete with force"
        )
    try:
        shutil.rmtree(d)  # fd-based on Linux: links inside are removed, not followed
    except OSError as e:
        raise RunError(f"{d}: cannot delete: {e.strerror}") from e


def mark_run_ended(run_dir: str | Path, status: str, error: dict[str, Any] | None = None) -> bool:
    """Mark a run that the engine could not finish (killed or died) in its ``run.json``.

    Only a run still marked ``running`` is changed: its status becomes
    ``status`` (``stopped`` or ``failed``), ``ended`` is set, ``epochs_done``
    counts the finished epochs in ``metrics.jsonl`` (which are kept), and
    ``error`` is stored. Fields this version does not know are kept. Written
    atomically (:func:`atomic_write`) with ``format_version`` :data:`FORMAT_VERSION`.

    Returns:
        ``True`` when the file was changed; ``False`` when it cannot be read, is not
        ``running``, or cannot be written (never raises for a bad folder).
    """
    run_dir = Path(run_dir)
    try:
        info = read_run_json(run_dir, "run.json")
    except UnreadableFile:
        return False
    if info.get("status") != "running":
        return False
    info.update(
        status=status, ended=iso(time.time()), error=error, epochs_done=len(read_metrics(run_dir / "metrics.jsonl"))
    )
    _, dropped = RunInfo.lenient(info)  # a hand-edited field of the wrong type is not ours to keep
    keep = {k: v for k, v in info.items() if k not in dropped}
    try:
        _write_run_json(run_dir, keep)
    except (OSError, ValueError):
        return False
    return True


def end_orphan_run(run_dir: str | Path, status: str, error: dict[str, Any] | None = None) -> bool:
    """:func:`mark_run_ended` for a run whose writing process is gone: a ``running`` run
    whose ``pid`` (:func:`~tuidl.core.runs.procs.pid_alive`) no longer exists. A run that
    cannot be read (not a run, a link, broken JSON ...) is left alone.

    Returns:
        ``True`` when ``run.json`` was changed.
    """
    try:
        info = read_run_json(run_dir, "run.json")
    except UnreadableFile:
        return False
    if info.get("status") != "running" or pid_alive(info.get("pid")):
        return False
    return mark_run_ended(run_dir, status, error)
