"""``metrics.jsonl``: one JSON object per finished epoch, encoded, read whole
(:func:`read_metrics_checked`), followed as another process appends
(:class:`MetricsFollower`) and folded into the runs table's best values
(:class:`MetricsSummary`).

Non-finite values are written as the JSON extension tokens ``NaN``, ``Infinity`` and
``-Infinity`` (what Python's :func:`json.dumps` writes and :func:`json.loads` and
``pandas.read_json(path, lines=True)`` read as floats), so every metric column loads as
numbers. Folders written before ``format_version`` 2 hold them as the strings ``"nan"``,
``"inf"``, ``"-inf"``; the readers here turn those back into floats. See
``docs/run-format.md``.
"""

from __future__ import annotations

import errno
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuidl.core.runs.files import UnreadableFile, _open_regular, _open_run_dir, _why
from tuidl.core.text import printable


_AXIS_KEYS = frozenset({"epoch", "step", "time", "seconds"})
_NOT_METRICS = frozenset({"loss", "val_loss", "learning_rate", "lr"}) | _AXIS_KEYS
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "huber", "log_cosh")


def encode_record(record: dict[str, Any]) -> bytes:
    """One ``metrics.jsonl`` line (UTF-8, ending in ``\\n``) for an epoch's record.

    Non-finite floats are written as ``NaN``, ``Infinity``, ``-Infinity`` (JSON's
    extension tokens that Python's :mod:`json` and ``pandas.read_json`` read back as
    floats), so a metric column stays numeric in ``pandas.read_json(path, lines=True)``.

    Raises:
        TypeError: a value JSON cannot hold (e.g. a numpy array).
    """
    return (json.dumps(record, allow_nan=True) + "\n").encode("utf-8")


def _unclean(v: Any) -> Any:
    """A value as read: the strings ``"nan"``, ``"inf"``, ``"-inf"`` (how folders of
    ``format_version`` 1 stored non-finite values) back to floats, other text printable."""
    if v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, str):
        return printable(v)
    return v


def _record(rec: dict[str, Any]) -> dict[str, Any]:
    """One ``metrics.jsonl`` record as read: non-finite values back to floats, keys and
    text made printable (metric names become chart labels and CSV headers)."""
    return {printable(k): _unclean(v) for k, v in rec.items()}


TORN_LINE_NOTE = "metrics.jsonl: last line incomplete, ignored"
"""The note a reader adds when a finished (or abandoned) run's ``metrics.jsonl`` ends in
the middle of a line: the writer died while appending; the whole records before it count."""


def _parse_line(line: bytes) -> dict[str, Any] | None:
    """One ``metrics.jsonl`` line as a record (``None`` when it is not a JSON object)."""
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(rec, dict):
        return None
    return _record(rec)


def _bad_lines_note(n: int) -> str:
    return f"metrics.jsonl: {n} unreadable line{'s' if n != 1 else ''} skipped"


def read_metrics_checked(path: Path | str) -> tuple[list[dict[str, Any]], list[str]]:
    """Read a ``metrics.jsonl`` file and say what was skipped.

    The file is opened without following a symbolic link (neither the file nor
    its run folder) and only when it is a regular file. A last line without its
    newline (a torn write) is ignored; lines that are not JSON objects are
    skipped.

    Returns:
        ``(records, notes)``: notes such as :data:`TORN_LINE_NOTE`,
        ``"metrics.jsonl: 2 unreadable lines skipped"``, ``"metrics.jsonl: a
        symbolic link (not followed)"``. A missing file gives ``([], [])``.
    """
    path = Path(path)
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        dfd = _open_run_dir(path.parent)
    except OSError as e:
        return out, ([] if e.errno == errno.ENOENT else [f"run folder: {_why(e)}"])
    try:
        fd, _ = _open_regular(path.name, dfd)
    except UnreadableFile as e:
        return out, ([] if e.message.endswith(": missing") else [e.message])
    finally:
        os.close(dfd)
    records, bad, torn, error = jsonl_records(fd)
    out.extend(records)
    if torn:
        notes.append(TORN_LINE_NOTE)
    if error is not None:
        notes.append(f"{path.name}: {_why(error)}")
    if bad:
        notes.insert(0, _bad_lines_note(bad))
    return out, notes


def jsonl_records(fd: int) -> tuple[list[dict[str, Any]], int, bool, OSError | None]:
    """The JSON-object lines of the open file ``fd`` (read from where it stands, then closed).

    Returns:
        ``(records, bad, torn, error)``: the objects of the whole lines; how many non-blank lines
        were not a JSON object; whether the last line has no newline (a writer mid-append: not
        read); the error that stopped reading, or ``None``.
    """
    out: list[dict[str, Any]] = []
    bad = 0
    try:
        with os.fdopen(fd, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    return out, bad, True, None
                if not line.strip():
                    continue
                rec = _parse_line(line)
                if rec is None:
                    bad += 1
                else:
                    out.append(rec)
    except OSError as e:
        return out, bad, False, e
    return out, bad, False, None


def read_metrics(path: Path | str) -> list[dict[str, Any]]:
    """Read a ``metrics.jsonl`` file: the whole records (see :func:`read_metrics_checked`;
    a torn last line, a bad line or a file that is a symbolic link is skipped)."""
    return read_metrics_checked(path)[0]


def metric_mode(key: str) -> str:
    """``"min"`` for losses and errors, ``"max"`` for accuracy-like metrics (by name)."""
    k = key.lower()
    return "min" if any(t in k for t in _LOWER_IS_BETTER) else "max"


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _number(v: Any) -> float | int | None:
    """A finite int/float from a file (``None`` for anything else, booleans included)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if math.isfinite(v) else None


@dataclass
class MetricsSummary:
    """What the runs table needs from ``metrics.jsonl``, updated one epoch at a time.

    Attributes:
        epochs: epoch records seen.
        best_val_loss: lowest finite ``val_loss`` (``None`` when never logged).
        best_val_loss_epoch: its 0-based epoch.
        metric: the headline metric key: the first ``val_<metric>`` that is not
            ``val_loss``, else the first training metric (``accuracy``...), else ``None``.
        best_metric: its best finite value (max for accuracy-like, min for errors;
            see :func:`metric_mode`).
        best_metric_epoch: its 0-based epoch.
        last_time: the last record's ``time`` (seconds since the run started).
        nonfinite: epochs with a non-finite ``loss`` or ``val_loss``.
    """

    epochs: int = 0
    best_val_loss: float | None = None
    best_val_loss_epoch: int | None = None
    metric: str | None = None
    best_metric: float | None = None
    best_metric_epoch: int | None = None
    last_time: float | None = None
    nonfinite: int = 0

    def add(self, record: dict[str, Any]) -> None:
        """Fold one ``metrics.jsonl`` record in."""
        epoch = int(_finite(record.get("epoch")) or self.epochs)
        self.epochs += 1
        t = _finite(record.get("time", record.get("seconds")))
        if t is not None:
            self.last_time = t
        for k in ("loss", "val_loss"):
            if k in record and _finite(record[k]) is None:
                self.nonfinite += 1
                break
        vl = _finite(record.get("val_loss"))
        if vl is not None and (self.best_val_loss is None or vl < self.best_val_loss):
            self.best_val_loss, self.best_val_loss_epoch = vl, epoch
        if self.metric is None:
            keys = [k for k in record if k not in _NOT_METRICS]
            vals = [k for k in keys if k.startswith("val_")]
            self.metric = (vals or keys or [None])[0]
        if self.metric is not None:
            v = _finite(record.get(self.metric))
            if v is not None:
                better = self.best_metric is None or (
                    v > self.best_metric if metric_mode(self.metric) == "max" else v < self.best_metric
                )
                if better:
                    self.best_metric, self.best_metric_epoch = v, epoch

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stored as ``run.json["summary"]``)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MetricsSummary":
        """Inverse of :meth:`to_dict`; unknown keys and values of the wrong type (from a
        hand-edited or foreign ``run.json``) are ignored."""
        out = cls()
        for k in cls.__dataclass_fields__:
            v = d.get(k)
            if k == "metric":
                if isinstance(v, str):
                    out.metric = v
            elif k in ("epochs", "nonfinite") or k.endswith("_epoch"):
                if isinstance(v, int) and not isinstance(v, bool):
                    setattr(out, k, v)
            elif _number(v) is not None:
                setattr(out, k, float(v))
        return out


class MetricsFollower:
    """Reads a ``metrics.jsonl`` that another process appends to, new bytes only.

    :meth:`poll` stats the file; when it grew, it reads from the last complete
    line onward and returns the new records. A torn last line (the writer is in
    the middle of it) is left for the next poll. A file that shrank or was
    replaced (size below the offset) is read again from the start and
    :attr:`restarts` is incremented. Undecodable lines are skipped and counted
    in :attr:`bad_lines`. Non-finite values come back as floats (written as
    ``NaN``/``Infinity``, or as the strings ``"nan"``/``"inf"`` by older writers).

    Args:
        path: the ``metrics.jsonl`` file (need not exist yet); ``insight.jsonl`` and
            ``batches.jsonl`` are followed the same way (:class:`~tuidl.core.runs.insight.JsonlFollower`),
            their notes naming them.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0
        self.restarts = 0
        self.bad_lines = 0
        self.size = 0
        self.problem = ""

    @property
    def torn(self) -> bool:
        """Whether the file ends in the middle of a line (bytes after the last newline)."""
        return self.size > self.offset

    def notes(self, live: bool) -> list[str]:
        """What this follower skipped, for a reader to show: the file's problem (a
        symbolic link, not a regular file ...), bad lines, and a torn last line
        (only when ``live`` is false: a live writer may be in the middle of it)."""
        out = [self.problem] if self.problem else []
        name = self.path.name
        if self.bad_lines:
            out.append(_bad_lines_note(self.bad_lines).replace("metrics.jsonl", name, 1))
        if self.torn and not live:
            out.append(TORN_LINE_NOTE.replace("metrics.jsonl", name, 1))
        return out

    def poll(self) -> list[dict[str, Any]]:
        """New complete records since the last poll (``[]`` when none or no file).

        The file is opened without following a symbolic link, its run folder
        likewise, and only when it is a regular file; otherwise :attr:`problem`
        says why and nothing is read."""
        try:
            dfd = _open_run_dir(self.path.parent)
        except OSError as e:
            self.problem = "" if e.errno == errno.ENOENT else f"run folder: {_why(e)}"
            return []
        try:
            fd, st = _open_regular(self.path.name, dfd)
        except UnreadableFile as e:
            self.problem = "" if e.message.endswith(": missing") else e.message
            return []
        finally:
            os.close(dfd)
        self.problem = ""
        try:
            size = self.size = st.st_size
            if size < self.offset:
                self.offset = 0
                self.restarts += 1
            if size == self.offset:
                return []
            try:
                chunk = os.pread(fd, size - self.offset, self.offset)
            except OSError:
                return []
        finally:
            os.close(fd)
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        out = []
        for line in chunk[:end].split(b"\n"):
            if not line.strip():
                continue
            rec = _parse_line(line)
            if rec is None:
                self.bad_lines += 1
            else:
                out.append(rec)
        return out
