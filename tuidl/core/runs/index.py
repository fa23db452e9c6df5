"""The runs table: :class:`RunIndex` (a cached listing that re-reads only what changed),
:class:`RunSummary` rows, and filtering and sorting them."""

from __future__ import annotations

import math
import os
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tuidl.core.runs.files import (
    UnreadableFile,
    _open_regular,
    _open_run_dir,
    _sig,
    _why,
    read_run_json,
    read_run_text,
)
from tuidl.core.runs.info import UNREADABLE, _parse_iso, spec_facts
from tuidl.core.runs.metrics import TORN_LINE_NOTE, MetricsFollower, MetricsSummary, _number
from tuidl.core.runs.procs import pid_alive
from tuidl.core.text import printable


@dataclass
class RunSummary:
    """One row of the runs table.

    Attributes:
        run_id: folder name. dir: the folder.
        name: display name (``meta.json``), else ``run.json`` name, else the id.
        dataset, optimizer: from ``run.json``, else ``spec.toml``.
        initializer, regularizer: the layers' ``kernel_initializer`` / ``kernel_regularizer``
            from ``spec.toml`` (``HeNormal``, ``L2 0.001``; ``mixed`` when layers differ,
            regularizer ``none`` when no layer has one; ``None`` when unknown).
        params: parameter count from ``run.json`` (``None`` when not recorded).
        status: one of :data:`STATUSES` or ``"unknown"``. A ``running`` run whose
            writer process is gone reads as ``failed`` with ``stale=True``.
        epochs_done, epochs_planned: finished / asked-for epochs.
        best_val_loss, metric, best_metric: see :class:`MetricsSummary`.
        duration: seconds from start to end (to now while running), or ``None``: ``run.json``'s
            ``duration`` when it has one (what ``tuidl run`` printed), else ``ended - started``.
        started: ISO 8601 start time (``None`` when unknown); started_ts: as epoch seconds.
        tags: user tags (``meta.json``).
        error: the error's title and message, or ``""``; for an ``unreadable`` run,
            why its ``run.json`` cannot be read.
        notes: what the reader skipped or could not read, e.g.
            ``"metrics.jsonl: last line incomplete, ignored"``, ``"meta.json: not
            valid JSON (line 1, column 2: ...)"`` (the run is still shown).
    """

    run_id: str
    dir: Path
    name: str
    dataset: str | None = None
    optimizer: str | None = None
    initializer: str | None = None
    regularizer: str | None = None
    params: int | None = None
    status: str = "unknown"
    epochs_done: int = 0
    epochs_planned: int | None = None
    best_val_loss: float | None = None
    metric: str | None = None
    best_metric: float | None = None
    duration: float | None = None
    started: str | None = None
    started_ts: float | None = None
    tags: tuple[str, ...] = ()
    error: str = ""
    stale: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``dir`` as a string)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["dir"] = str(self.dir)
        d["tags"] = list(self.tags)
        d["notes"] = list(self.notes)
        return d

    def haystack(self) -> str:
        """Lower-case text a filter matches against."""
        parts = [
            self.run_id,
            self.name,
            self.dataset or "",
            self.optimizer or "",
            self.initializer or "",
            self.regularizer or "",
            self.status,
            *self.tags,
        ]
        return " ".join(parts).lower()


class _Entry:
    __slots__ = (
        "info_sig",
        "meta_sig",
        "info",
        "meta",
        "facts",
        "follower",
        "msum",
        "summary",
        "metrics_sig",
        "problem",
        "meta_problem",
        "spec_problem",
        "tail_notes",
    )

    def __init__(self, d: Path) -> None:
        self.info_sig: Any = None
        self.meta_sig: Any = None
        self.metrics_sig: Any = None
        self.info: dict[str, Any] = {}
        self.meta: dict[str, Any] = {}
        self.facts: dict[str, Any] | None = None
        self.follower = MetricsFollower(d / "metrics.jsonl")
        self.msum = MetricsSummary()
        self.summary: RunSummary | None = None
        self.problem = ""  # run.json cannot be read: the run is unreadable
        self.meta_problem = ""
        self.spec_problem = ""
        self.tail_notes: list[str] = []


def _metrics_tail_notes(d: Path) -> list[str]:
    """Notes about a finished run's ``metrics.jsonl`` without reading it: a symbolic link
    or other non-file, or a last byte that is not a newline (a torn last line)."""
    try:
        dfd = _open_run_dir(d)
    except OSError:
        return []
    try:
        fd, st = _open_regular("metrics.jsonl", dfd)
    except UnreadableFile as e:
        return [] if e.message.endswith(": missing") else [e.message]
    finally:
        os.close(dfd)
    try:
        last = os.pread(fd, 1, st.st_size - 1) if st.st_size else b"\n"
    except OSError as e:
        return [f"metrics.jsonl: {_why(e)}"]
    finally:
        os.close(fd)
    return [] if last == b"\n" else [TORN_LINE_NOTE]


def _unreadable_summary(d: Path, reason: str, notes: tuple[str, ...] = ()) -> RunSummary:
    """The row of a run that cannot be read: status ``unreadable``, the reason as its error."""
    return RunSummary(run_id=d.name, dir=d, name=d.name, status=UNREADABLE, error=reason, notes=notes)


class RunIndex:
    """A cached view of every run under ``root`` for the runs table.

    :meth:`refresh` lists the folders and re-reads only what changed since the
    last call (``run.json`` and ``meta.json`` by mtime and size; ``metrics.jsonl``
    by its new bytes only, via :class:`MetricsFollower`). A finished run whose
    ``run.json`` carries a ``summary`` never reads ``metrics.jsonl`` (only its
    last byte, to tell a torn last line); one without it (an older writer, a
    killed process) reads it once. So a first listing of 500 finished runs reads
    500 small JSON files, and later ones only stat them.

    Nothing is followed out of the runs folder: a run folder that is a symbolic
    link is listed as ``unreadable`` and not read; files are read with
    :func:`read_run_file`'s rules. A run that cannot be read is listed as
    ``unreadable`` with the reason and never hides the others.

    Args:
        root: the runs dir (need not exist).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._cache: dict[str, _Entry] = {}

    def refresh(self) -> list[RunSummary]:
        """Every run (a folder with a ``run.json``, or a link to a folder), newest start
        first. Never raises for a bad run: it shows with status ``unreadable`` and the
        reason in ``error`` (what else was skipped is in ``notes``)."""
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            self._cache.clear()
            return []
        out: list[RunSummary] = []
        seen = set()
        now = time.time()
        for e in entries:
            try:
                link, is_dir = e.is_symlink(), e.is_dir()  # is_dir: a stat through a link, no read
            except OSError:
                continue
            if not is_dir:
                continue
            d = Path(e.path)
            if link:
                out.append(_unreadable_summary(d, "run folder: a symbolic link (not followed)"))
                continue
            try:
                st = os.lstat(d / "run.json")
            except (FileNotFoundError, NotADirectoryError):
                continue  # not a run
            except OSError as ex:
                out.append(_unreadable_summary(d, f"run folder: {_why(ex)}"))
                continue
            sig = (st.st_mtime_ns, st.st_size, st.st_ino, stat.S_IFMT(st.st_mode))
            seen.add(e.name)
            entry = self._cache.get(e.name)
            if entry is None:
                entry = self._cache[e.name] = _Entry(d)
            try:
                out.append(self._update(entry, d, sig, now))
            except Exception as ex:  # a file of unexpected shape: this run only, never the list
                self._cache.pop(e.name, None)
                out.append(_unreadable_summary(d, f"run.json: unexpected content ({type(ex).__name__}: {ex})"))
        for k in list(self._cache):
            if k not in seen:
                del self._cache[k]
        ids: set[str] = set()
        for i, r in enumerate(out):  # a folder "a\x1b" (ESC) and one named "a\\x1b" show alike
            if r.run_id in ids:
                n = 2
                while f"{r.run_id}#{n}" in ids:
                    n += 1
                out[i] = replace(r, run_id=f"{r.run_id}#{n}")
            ids.add(out[i].run_id)
        out.sort(key=lambda r: (r.started_ts or 0.0, r.run_id), reverse=True)
        return out

    def _update(self, entry: _Entry, d: Path, sig: tuple[int, ...], now: float) -> RunSummary:
        changed = False
        if sig != entry.info_sig:
            try:
                entry.info, entry.problem = read_run_json(d, "run.json"), ""
            except UnreadableFile as ex:
                entry.info, entry.problem = {}, ex.message
            entry.info_sig = sig
            changed = True
        msig = _sig(d / "meta.json")
        if msig != entry.meta_sig:
            entry.meta, entry.meta_problem = {}, ""
            if msig:
                try:
                    entry.meta = read_run_json(d, "meta.json")
                except UnreadableFile as ex:
                    entry.meta_problem = ex.message
            entry.meta_sig = msig
            changed = True
        info = entry.info
        status = UNREADABLE if entry.problem else str(info.get("status", "unknown"))
        stale = status == "running" and "pid" in info and not pid_alive(info["pid"])
        live = status == "running" and not stale
        stored = info.get("summary") if status not in ("running", UNREADABLE) else None
        if isinstance(stored, dict):
            msum = MetricsSummary.from_dict(stored)
            if changed:
                entry.tail_notes = _metrics_tail_notes(d)
            metric_notes = entry.tail_notes
        else:
            msig2 = _sig(d / "metrics.jsonl")
            if msig2 != entry.metrics_sig:
                entry.metrics_sig = msig2
                restarts = entry.follower.restarts
                new = entry.follower.poll()
                if entry.follower.restarts != restarts:
                    entry.msum = MetricsSummary()
                for rec in new:
                    entry.msum.add(rec)
                changed = True
            msum = entry.msum
            metric_notes = entry.follower.notes(live)
        if not changed and entry.summary is not None and status != "running":
            return entry.summary
        if entry.facts is None and not all(k in info for k in ("dataset", "optimizer", "regularizer")):
            try:
                entry.facts = spec_facts(read_run_text(d, "spec.toml"))
            except UnreadableFile as ex:
                entry.facts = {}
                entry.spec_problem = "" if ex.message.endswith(": missing") else ex.message
        facts = {**(entry.facts or {}), **info}
        started_ts = _parse_iso(info.get("started"))
        ended_ts = _parse_iso(info.get("ended"))
        stored_duration = info.get("duration")
        if (
            isinstance(stored_duration, (int, float))
            and not isinstance(stored_duration, bool)
            and math.isfinite(stored_duration)
            and stored_duration >= 0
            and status != "running"
        ):  # run.json's own number (format 2 writers since it was added): the one `tuidl run` printed
            duration: float | None = float(stored_duration)
        elif started_ts is not None and ended_ts is not None:  # older runs: `started`/`ended`, to the second
            duration = max(0.0, ended_ts - started_ts)
        elif status == "running" and not stale and started_ts is not None:
            duration = max(0.0, now - started_ts)
        else:
            duration = msum.last_time
        err = info.get("error")
        err_text = ""
        if entry.problem:
            err_text = entry.problem
        elif isinstance(err, dict):
            err_text = ": ".join(str(err[k]) for k in ("title", "message") if err.get(k))
        elif stale:
            err_text = "the process writing this run is gone"
        tags = entry.meta.get("tags") or info.get("tags") or ()
        if not isinstance(tags, (list, tuple)):
            tags = ()
        params = _number(info.get("params"))
        epochs_done = info.get("epochs_done")
        if status in ("running", UNREADABLE):  # the finished epochs are the records on disk
            done = msum.epochs
        else:
            done = max(
                msum.epochs, epochs_done if isinstance(epochs_done, int) and not isinstance(epochs_done, bool) else 0
            )
        dataset = facts.get("dataset")
        if isinstance(dataset, dict):  # the engine stores the dataset's description dict
            dataset = dataset.get("name")
        planned = facts.get("epochs_planned", info.get("epochs"))
        # every text from the folder's files is made printable here, at the read boundary:
        # a crafted run.json/meta.json must not drive the terminal of `tuidl runs` or the UI
        started = info.get("started")
        notes = tuple(printable(n) for n in (entry.meta_problem, entry.spec_problem, *metric_notes) if n)
        entry.summary = RunSummary(
            run_id=printable(d.name),
            dir=d,
            name=printable(entry.meta.get("display_name") or info.get("name") or d.name),
            dataset=None if dataset is None else printable(dataset),
            optimizer=None if facts.get("optimizer") is None else printable(facts["optimizer"]),
            initializer=None if facts.get("initializer") is None else printable(str(facts["initializer"])),
            regularizer=None if facts.get("regularizer") is None else printable(str(facts["regularizer"])),
            params=int(params) if params is not None else None,
            status="failed" if stale else printable(status),
            epochs_done=done,
            epochs_planned=planned if isinstance(planned, int) and not isinstance(planned, bool) else None,
            best_val_loss=msum.best_val_loss,
            metric=None if msum.metric is None else printable(msum.metric),
            best_metric=msum.best_metric,
            duration=duration,
            started=printable(started) if isinstance(started, str) else None,
            started_ts=started_ts,
            tags=tuple(printable(t) for t in tags if str(t)),
            error=printable(err_text),
            stale=stale,
            notes=notes,
        )
        return entry.summary


def list_summaries(root: Path | str) -> list[RunSummary]:
    """Every run under ``root`` as a :class:`RunSummary`, newest first (uncached;
    hold a :class:`RunIndex` to refresh cheaply)."""
    return RunIndex(root).refresh()


def filter_runs(
    runs: list[RunSummary], text: str = "", statuses: set[str] | frozenset[str] | tuple[str, ...] | None = None
) -> list[RunSummary]:
    """Runs whose text matches every word of ``text`` (case-insensitive, over id,
    name, dataset, optimizer, initializer, regularizer, status and tags) and whose status is in ``statuses``
    (``None`` or empty: any)."""
    words = text.lower().split()
    out = []
    for r in runs:
        if statuses and r.status not in statuses:
            continue
        hay = r.haystack()
        if all(w in hay for w in words):
            out.append(r)
    return out


SORT_COLUMNS: tuple[str, ...] = (
    "name",
    "tags",
    "dataset",
    "params",
    "optimizer",
    "initializer",
    "regularizer",
    "status",
    "epochs_done",
    "best_val_loss",
    "best_metric",
    "duration",
    "started_ts",
)
"""Attributes of :class:`RunSummary` the runs table can sort by."""


def sort_runs(runs: list[RunSummary], column: str, reverse: bool = False) -> list[RunSummary]:
    """Sorted by one :data:`SORT_COLUMNS` attribute; runs lacking the value (or tags) go last
    either way.

    Raises:
        ValueError: unknown column.
    """
    if column not in SORT_COLUMNS:
        raise ValueError(f"cannot sort by {column!r}; allowed: {', '.join(SORT_COLUMNS)}")

    def lacks(r: RunSummary) -> bool:
        v = getattr(r, column)
        return v is None or v == ()  # no value, or no tags

    have = [r for r in runs if not lacks(r)]
    missing = [r for r in runs if lacks(r)]

    def key(r: RunSummary) -> Any:
        v = getattr(r, column)
        if isinstance(v, tuple):  # tags
            return tuple(t.lower() for t in v)
        return v.lower() if isinstance(v, str) else v

    return sorted(have, key=key, reverse=reverse) + missing
