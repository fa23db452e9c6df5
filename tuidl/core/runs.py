"""Runs as files: one folder per run under the runs dir.

Layout of ``<runs_dir>/<run_id>/``:

* ``spec.toml``     the experiment with presets resolved inline (enough to re-run it)
* ``metrics.jsonl`` one JSON object per finished epoch: ``{"epoch": 0, "loss": ..., ...}``
                    (plus ``"step"`` and ``"time"``), flushed as written
* ``run.json``      ``{"run_id", "name", "status", "started", "ended", "error", "dataset",
                    "optimizer", "params", "summary", ...}`` (``summary``: best values, written
                    at the end; see :class:`MetricsSummary`)
* ``meta.json``     what a person set in the runs browser: ``{"display_name", "tags"}``. Kept
                    apart from ``run.json`` because a running writer rewrites ``run.json`` from
                    memory and would undo a rename made meanwhile.
* ``model.keras``   the trained model, when the run ends with weights
* ``engine.log``    the engine's log for this run

Epoch numbering: ``epoch`` is 0-based as in Keras's ``CSVLogger`` (and
``History``): the first epoch's record has ``"epoch": 0``, in ``metrics.jsonl``,
in :func:`export_csv`'s CSV and in ``best_*_epoch``. ``epochs_done`` counts
finished epochs (a run with records for epochs 0..4 has ``epochs_done == 5``).
Screens and the CLI say "epoch N" 1-based, as Keras's progress bar does
(``Epoch 1/20``): a record with ``"epoch": e`` is "epoch e+1", drawn at x = e+1
(:meth:`tuidl.core.history.RunHistory.series`).

``status`` is one of ``running``, ``completed``, ``stopped``, ``failed``,
``diverged``. Times are ISO 8601 strings (UTC) in ``run.json``. Writing
``run.json``, ``meta.json``, ``spec.toml`` and ``model.keras`` is atomic
(:func:`atomic_write`: a unique temporary file, fsync, rename), so a reader never
sees half a file and a failed write leaves no temporary file behind.

Reading is forgiving and never follows a symbolic link out of the runs folder
(:func:`read_run_file`): a run folder that is a link, a file that is a link, a
folder, a device, too large, not UTF-8 or not valid JSON makes that one run
``unreadable`` (``run.json``) or adds a note to it (``meta.json``,
``spec.toml``, ``metrics.jsonl``), never hides the other runs. A reader shows
such a run with the status ``unreadable`` and the reason.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
import stat
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from tuidl.core.errors import TuidlError
from tuidl.core.text import printable

STATUSES = ("running", "completed", "stopped", "failed", "diverged")
"""The statuses a writer stores in ``run.json``."""
UNREADABLE = "unreadable"
"""The status a reader shows for a run whose ``run.json`` cannot be read (the reason is its error)."""
DEFAULT_RUNS_DIR = "runs"

MAX_RUN_FILE_BYTES = 4 * 1024 * 1024
"""Largest ``run.json``, ``meta.json`` or ``spec.toml`` a reader opens (4 MiB). tuidl's own
files are a few KB (a ``spec.toml`` of 1,000 layers is about 200 KB); anything larger was
not written by tuidl and is refused unread rather than loaded into memory."""

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def runs_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The runs folder: ``--runs-dir``, else ``$TUIDL_RUNS_DIR``, else ``./runs``."""
    if cli_value:
        return Path(cli_value)
    return Path(os.environ.get("TUIDL_RUNS_DIR") or DEFAULT_RUNS_DIR)


def new_run_id(name: str, now: float | None = None) -> str:
    """``<yyyymmdd-hhmmss>-<name>-<4 hex>``, sortable by start time."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{stamp}-{name}-{secrets.token_hex(2)}"


def iso(ts: float | None) -> str | None:
    """``time.time()`` seconds -> ISO 8601 UTC string (``None`` stays ``None``)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def _clean(v: Any) -> Any:
    """JSON has no NaN/inf: store them as strings "nan", "inf", "-inf"."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _unclean(v: Any) -> Any:
    if v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, str):
        return printable(v)
    return v


def _record(rec: dict[str, Any]) -> dict[str, Any]:
    """One ``metrics.jsonl`` record as read: non-finite values back to floats, keys and
    text made printable (metric names become chart labels and CSV headers)."""
    return {printable(k): _unclean(v) for k, v in rec.items()}


# --------------------------------------------------------------------------------------------
# Safe file access: no symlink followed out of a run folder, sizes checked before reading,
# every atomic write through one helper
# --------------------------------------------------------------------------------------------


def _why(e: OSError) -> str:
    """An ``OSError`` opening a run file (with ``O_NOFOLLOW``) in words."""
    if e.errno == errno.ELOOP:
        return "a symbolic link (not followed)"
    if e.errno == errno.ENOENT:
        return "missing"
    return e.strerror or str(e)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    return "not a regular file"


def _open_run_dir(run_dir: Path | str) -> int:
    """A descriptor of the run folder itself, refusing a symbolic link (``O_NOFOLLOW``).

    Raises:
        OSError: the folder cannot be opened (``ELOOP`` when it is a symbolic link,
            ``ENOTDIR`` when it is not a folder).
    """
    try:
        return os.open(run_dir, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC)
    except NotADirectoryError:  # Linux says ENOTDIR for a link with O_DIRECTORY | O_NOFOLLOW
        try:
            is_link = stat.S_ISLNK(os.lstat(run_dir).st_mode)
        except OSError:
            is_link = False
        if is_link:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(run_dir)) from None
        raise


def _open_regular(name: str, dir_fd: int | None) -> tuple[int, os.stat_result]:
    """Open ``name`` read-only without following a symbolic link and without blocking
    on a FIFO; only a regular file is kept open.

    Raises:
        UnreadableFile: ``"<name>: <reason>"``.
    """
    try:
        fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, dir_fd=dir_fd)
    except OSError as e:
        raise UnreadableFile(f"{Path(name).name}: {_why(e)}") from None
    try:
        st = os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise UnreadableFile(f"{Path(name).name}: {_why(e)}") from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnreadableFile(f"{Path(name).name}: {_kind(st.st_mode)}")
    return fd, st


def read_run_file(run_dir: Path | str, name: str, limit: int = MAX_RUN_FILE_BYTES) -> bytes:
    """The bytes of ``<run_dir>/<name>``, read safely.

    Neither the run folder nor the file may be a symbolic link (both are opened
    with ``O_NOFOLLOW``, the file relative to the folder's descriptor); the file
    must be a regular file (a FIFO, device or folder is refused before a byte is
    read) of at most ``limit`` bytes (checked with ``fstat`` before reading).

    Raises:
        UnreadableFile: message ``"<name>: <reason>"`` (``"run.json: a symbolic link
            (not followed)"``, ``"run.json: a folder, not a file"``, ``"spec.toml:
            9,000,000 bytes, over the 4,194,304-byte limit"``, ``"meta.json: Permission
            denied"``, ``"run.json: missing"`` ...); for a run folder that is a link,
            ``"run folder: a symbolic link (not followed)"``.
    """
    try:
        dfd = _open_run_dir(run_dir)
    except OSError as e:
        raise UnreadableFile(f"run folder: {_why(e)}") from None
    try:
        fd, st = _open_regular(name, dfd)
    finally:
        os.close(dfd)
    try:
        if st.st_size > limit:
            raise UnreadableFile(f"{name}: {st.st_size:,} bytes, over the {limit:,}-byte limit")
        chunks, left = [], limit + 1
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
    except OSError as e:
        raise UnreadableFile(f"{name}: {_why(e)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # grew while read
        raise UnreadableFile(f"{name}: over the {limit:,}-byte limit")
    return data


def read_run_text(run_dir: Path | str, name: str, limit: int = MAX_RUN_FILE_BYTES) -> str:
    """:func:`read_run_file` decoded as UTF-8.

    Raises:
        UnreadableFile: as :func:`read_run_file`, or ``"<name>: not UTF-8 text (byte
            0xff at offset 12)"``.
    """
    data = read_run_file(run_dir, name, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableFile(f"{name}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
                             ) from None


def read_run_json(run_dir: Path | str, name: str) -> dict[str, Any]:
    """A run folder's JSON object file (``run.json``, ``meta.json``), read safely.

    Raises:
        UnreadableFile: as :func:`read_run_text`, or ``"run.json: not valid JSON (line
            1, column 2: Expecting value)"``, or ``"run.json: not a JSON object"``.
    """
    text = read_run_text(run_dir, name)
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableFile(f"{name}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
                             ) from None
    except RecursionError:
        raise UnreadableFile(f"{name}: not valid JSON (nested too deep)") from None
    if not isinstance(d, dict):
        raise UnreadableFile(f"{name}: not a JSON object")
    return d


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(path: Path | str, data: bytes | str | Callable[[Path], Any], *,
                 suffix: str = "") -> None:
    """Replace ``path`` with new content so that a reader sees the old file or the new
    one, never half of one. Every atomic write of a run folder goes through here.

    The content goes to a temporary file in the same folder with a unique name
    (``<name>.<8 hex>.tmp<suffix>``), created with ``O_CREAT | O_EXCL | O_NOFOLLOW``
    (so an existing file or a planted symbolic link is never opened), relative to
    a descriptor of the folder opened with ``O_NOFOLLOW`` (so a folder that is a
    symbolic link is refused); then it is fsynced and renamed over ``path``
    (``os.replace``: a symbolic link at ``path`` is replaced, not followed). On
    any failure (a full disk: ``ENOSPC``) the temporary file is removed and the
    old ``path`` is left as it was.

    Args:
        path: the file to replace.
        data: the bytes, or text (written as UTF-8), or a function that writes
            the temporary file given its path (``model.save``; the file exists,
            empty, when it is called).
        suffix: the temporary file's name ends with this (Keras needs ``.keras``).

    Raises:
        OSError: with ``filename`` set to ``path`` (``ELOOP`` when the folder is a
            symbolic link; ``ENOSPC`` "No space left on device" ...).
        Exception: whatever ``data(tmp)`` raises (the temporary file is removed).
    """
    path = Path(path)
    try:
        dfd = _open_run_dir(path.parent)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path.parent)) from None
    tmp = f"{path.name}.{secrets.token_hex(4)}.tmp{suffix}"
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o644,
                     dir_fd=dfd)
        created = True
        try:
            if callable(data):
                data(path.parent / tmp)
            else:
                _write_all(fd, data.encode("utf-8") if isinstance(data, str) else data)
            os.fsync(fd)  # the same inode that a writer by path filled
        finally:
            os.close(fd)
        os.replace(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        created = False
        try:
            os.fsync(dfd)  # the rename itself survives a power cut
        except OSError:
            pass
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    finally:
        if created:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
        os.close(dfd)


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
        self.info: dict[str, Any] = {"run_id": run_id, "status": "running"}
        self._metrics: int | None = None
        try:
            self._metrics = os.open(
                self.dir / "metrics.jsonl",
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _O_NOFOLLOW | _O_CLOEXEC, 0o644)
        except OSError:
            self.discard()
            raise
        self._metrics_size = 0
        self._summary = MetricsSummary()

    def start(self, spec_toml: str, info: dict[str, Any]) -> None:
        """Write ``spec.toml`` and the first ``run.json`` (status ``running``).

        Raises:
            OSError: naming the file (e.g. ``ENOSPC``); nothing half-written is left.
        """
        atomic_write(self.dir / "spec.toml", spec_toml)
        for k, v in spec_facts(spec_toml).items():
            self.info.setdefault(k, v)
        self.info.update(info)
        self.info.setdefault("started", iso(time.time()))
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
        line = (json.dumps({k: _clean(v) for k, v in record.items()}) + "\n").encode("utf-8")
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

    def finish(self, status: str, error: dict[str, Any] | None = None, **extra: Any) -> None:
        """Set the final status, end time and error, write ``run.json`` and close the metrics file.

        Raises:
            OSError: ``run.json`` could not be written (the metrics file is closed anyway).
        """
        assert status in STATUSES, status
        self.info["status"] = status
        self.info["ended"] = iso(time.time())
        self.info["error"] = error
        self.info["summary"] = self._summary.to_dict()
        self.info.update(extra)
        try:
            self.write_info()
        finally:
            self.close()

    def write_info(self) -> None:
        """Write ``run.json`` atomically (:func:`atomic_write`).

        Raises:
            OSError: naming ``run.json`` (the old ``run.json`` stays as it was).
        """
        atomic_write(self.dir / "run.json", json.dumps(self.info, indent=2, default=str))

    def close(self) -> None:
        """Close ``metrics.jsonl`` (idempotent)."""
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
    bad = 0
    try:
        with os.fdopen(fd, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    notes.append(TORN_LINE_NOTE)
                    break
                if not line.strip():
                    continue
                rec = _parse_line(line)
                if rec is None:
                    bad += 1
                else:
                    out.append(rec)
    except OSError as e:
        notes.append(f"{path.name}: {_why(e)}")
    if bad:
        notes.insert(0, _bad_lines_note(bad))
    return out, notes


def read_metrics(path: Path | str) -> list[dict[str, Any]]:
    """Read a ``metrics.jsonl`` file: the whole records (see :func:`read_metrics_checked`;
    a torn last line, a bad line or a file that is a symbolic link is skipped)."""
    return read_metrics_checked(path)[0]


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


# --------------------------------------------------------------------------------------------
# Summaries, fast listing, live follow, user edits, config diff and CSV export
# --------------------------------------------------------------------------------------------

_AXIS_KEYS = frozenset({"epoch", "step", "time", "seconds"})
_NOT_METRICS = frozenset({"loss", "val_loss", "learning_rate", "lr"}) | _AXIS_KEYS
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "huber",
                    "log_cosh")


class RunError(TuidlError):
    """A run folder cannot be read, changed or removed."""

    kind = "runs"
    default_title = "Run problem"


class UnreadableFile(RunError):
    """A file of a run folder that a reader refuses or cannot parse; the message is
    ``"<file name>: <reason>"`` (see :func:`read_run_file`)."""

    default_title = "Unreadable run file"


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
                better = (self.best_metric is None
                          or (v > self.best_metric if metric_mode(self.metric) == "max"
                              else v < self.best_metric))
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


def describe_component(v: Any) -> str | None:
    """A short label for a spec component: ``"adam"``, or ``"SGD lr=0.01"`` for ``{class_name, config}``."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        name = str(v.get("class_name", "?"))
        cfg = v.get("config") or {}
        lr = cfg.get("learning_rate") if isinstance(cfg, dict) else None
        return f"{name} lr={lr:g}" if isinstance(lr, (int, float)) else name
    return str(v)


def spec_facts(spec_toml: str) -> dict[str, Any]:
    """``{"dataset", "optimizer", "epochs_planned"}`` read from spec TOML text; ``{}`` when unreadable."""
    import tomllib

    try:
        d = tomllib.loads(spec_toml)
    except (tomllib.TOMLDecodeError, TypeError):
        return {}
    out: dict[str, Any] = {}
    data, comp, fit = d.get("data"), d.get("compile"), d.get("fit")
    if isinstance(data, dict) and "name" in data:
        out["dataset"] = str(data["name"])
    if isinstance(comp, dict):
        out["optimizer"] = describe_component(comp.get("optimizer", "adam"))
    if isinstance(fit, dict) and isinstance(fit.get("epochs"), int):
        out["epochs_planned"] = fit["epochs"]
    return out


def _parse_iso(s: Any) -> float | None:
    if not isinstance(s, str):
        return None
    try:
        return datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


def pid_alive(pid: Any) -> bool:
    """Whether a process with this id exists on this machine (``False`` for bad ids)."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@dataclass
class RunSummary:
    """One row of the runs table.

    Attributes:
        run_id: folder name. dir: the folder.
        name: display name (``meta.json``), else ``run.json`` name, else the id.
        dataset, optimizer: from ``run.json``, else ``spec.toml``.
        params: parameter count from ``run.json`` (``None`` when not recorded).
        status: one of :data:`STATUSES` or ``"unknown"``. A ``running`` run whose
            writer process is gone reads as ``failed`` with ``stale=True``.
        epochs_done, epochs_planned: finished / asked-for epochs.
        best_val_loss, metric, best_metric: see :class:`MetricsSummary`.
        duration: seconds from start to end (to now while running), or ``None``.
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
        parts = [self.run_id, self.name, self.dataset or "", self.optimizer or "", self.status,
                 *self.tags]
        return " ".join(parts).lower()


def _sig(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a changed file: mtime, size, inode and type (of the entry itself: a
    symbolic link is not followed)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino, stat.S_IFMT(st.st_mode))


def _read_json(path: Path) -> dict[str, Any]:
    """A run file's JSON object, ``{}`` when it cannot be read (see :func:`read_run_json`)."""
    try:
        return read_run_json(path.parent, path.name)
    except UnreadableFile:
        return {}


class MetricsFollower:
    """Reads a ``metrics.jsonl`` that another process appends to, new bytes only.

    :meth:`poll` stats the file; when it grew, it reads from the last complete
    line onward and returns the new records. A torn last line (the writer is in
    the middle of it) is left for the next poll. A file that shrank or was
    replaced (size below the offset) is read again from the start and
    :attr:`restarts` is incremented. Undecodable lines are skipped and counted
    in :attr:`bad_lines`. Non-finite values stored as ``"nan"``/``"inf"`` come
    back as floats.

    Args:
        path: the ``metrics.jsonl`` file (need not exist yet).
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
        if self.bad_lines:
            out.append(_bad_lines_note(self.bad_lines))
        if self.torn and not live:
            out.append(TORN_LINE_NOTE)
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


class _Entry:
    __slots__ = ("info_sig", "meta_sig", "info", "meta", "facts", "follower", "msum", "summary",
                 "metrics_sig", "problem", "meta_problem", "spec_problem", "tail_notes")

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


def _number(v: Any) -> float | int | None:
    """A finite int/float from a file (``None`` for anything else, booleans included)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if math.isfinite(v) else None


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
        if entry.facts is None and not all(k in info for k in ("dataset", "optimizer")):
            try:
                entry.facts = spec_facts(read_run_text(d, "spec.toml"))
            except UnreadableFile as ex:
                entry.facts = {}
                entry.spec_problem = "" if ex.message.endswith(": missing") else ex.message
        facts = {**(entry.facts or {}), **info}
        started_ts = _parse_iso(info.get("started"))
        ended_ts = _parse_iso(info.get("ended"))
        if started_ts is not None and ended_ts is not None:
            duration: float | None = max(0.0, ended_ts - started_ts)
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
            done = max(msum.epochs, epochs_done if isinstance(epochs_done, int)
                       and not isinstance(epochs_done, bool) else 0)
        dataset = facts.get("dataset")
        if isinstance(dataset, dict):  # the engine stores the dataset's description dict
            dataset = dataset.get("name")
        planned = facts.get("epochs_planned", info.get("epochs"))
        # every text from the folder's files is made printable here, at the read boundary:
        # a crafted run.json/meta.json must not drive the terminal of `tuidl runs` or the UI
        started = info.get("started")
        notes = tuple(printable(n) for n in (entry.meta_problem, entry.spec_problem, *metric_notes) if n)
        entry.summary = RunSummary(
            run_id=printable(d.name), dir=d,
            name=printable(entry.meta.get("display_name") or info.get("name") or d.name),
            dataset=None if dataset is None else printable(dataset),
            optimizer=None if facts.get("optimizer") is None else printable(facts["optimizer"]),
            params=int(params) if params is not None else None,
            status="failed" if stale else printable(status),
            epochs_done=done,
            epochs_planned=planned if isinstance(planned, int) and not isinstance(planned, bool) else None,
            best_val_loss=msum.best_val_loss, metric=None if msum.metric is None else printable(msum.metric),
            best_metric=msum.best_metric, duration=duration,
            started=printable(started) if isinstance(started, str) else None, started_ts=started_ts,
            tags=tuple(printable(t) for t in tags if str(t)), error=printable(err_text), stale=stale, notes=notes,
        )
        return entry.summary


def list_summaries(root: Path | str) -> list[RunSummary]:
    """Every run under ``root`` as a :class:`RunSummary`, newest first (uncached;
    hold a :class:`RunIndex` to refresh cheaply)."""
    return RunIndex(root).refresh()


def filter_runs(runs: list[RunSummary], text: str = "",
                statuses: set[str] | frozenset[str] | tuple[str, ...] | None = None) -> list[RunSummary]:
    """Runs whose text matches every word of ``text`` (case-insensitive, over id,
    name, dataset, optimizer, status and tags) and whose status is in ``statuses``
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


SORT_COLUMNS: tuple[str, ...] = ("name", "tags", "dataset", "params", "optimizer", "status",
                                 "epochs_done", "best_val_loss", "best_metric", "duration", "started_ts")
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


def _run_dir(run_dir: Path | str) -> Path:
    """``run_dir`` when it is a run folder of its own: a real folder (not a symbolic link)
    with a ``run.json`` entry (readable or not: a broken run can still be renamed or
    deleted).

    Raises:
        RunError: a symbolic link (never followed), not a folder, or no ``run.json``.
    """
    d = Path(run_dir)
    try:
        st = os.lstat(d)
    except OSError as e:
        raise RunError(f"{d}: not a run folder ({_why(e)})", hint="pick a folder under the runs dir") from None
    if stat.S_ISLNK(st.st_mode):
        raise RunError(f"{d}: the run folder is a symbolic link; tuidl does not follow links out of "
                       "the runs folder", hint="delete removes the link itself, not what it points to")
    if not stat.S_ISDIR(st.st_mode) or _sig(d / "run.json") is None:
        raise RunError(f"{d}: not a run folder (no run.json)", hint="pick a folder under the runs dir")
    return d


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
        raise RunError(f"run {d.name} is still running (pid {info.get('pid')})",
                       hint="stop it first, or delete with force")
    try:
        shutil.rmtree(d)  # fd-based on Linux: links inside are removed, not followed
    except OSError as e:
        raise RunError(f"{d}: cannot delete: {e.strerror}") from e


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
    except (UnreadableFile, tomllib.TOMLDecodeError, RecursionError):
        return {}


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts/lists -> ``{"model.layers[0].config.units": 64, ...}`` (spec field paths)."""
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        if not d and prefix:
            out[prefix] = {}
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and any(isinstance(v, (dict, list)) for v in d):
        for i, v in enumerate(d):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, _Component) or isinstance(b, _Component):
        return (isinstance(a, _Component) and isinstance(b, _Component) and a.class_name == b.class_name
                and _same_tree(a.config, b.config))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return a == b


def _same_tree(a: Any, b: Any) -> bool:
    fa, fb = _flatten_diff(a), _flatten_diff(b)
    return fa.keys() == fb.keys() and all(_same(fa[k], fb[k]) for k in fa)


@dataclass(frozen=True)
class _Component:
    """A Keras-serialized object inside a spec (``{"class_name": ..., "config": {...}}``):
    one setting in the diff, shown as ``L2(l2=0.001)``."""

    class_name: str
    config: dict[str, Any]

    def __str__(self) -> str:
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.config.items() if k != "name")
        return f"{self.class_name}({args})"


def _show(v: Any) -> str:
    """A value as the compare table shows it: ``0.001``, ``relu``, ``L2(l2=0.001)``, ``[1, 2]``."""
    if isinstance(v, dict) and _is_component(v):
        return str(_Component(str(v["class_name"]), dict(v.get("config") or {})))
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_show(x)}" for k, x in v.items()) + "}"
    return str(v)


def _is_component(v: Any) -> bool:
    return (isinstance(v, dict) and isinstance(v.get("class_name"), str)
            and isinstance(v.get("config", {}), dict)
            and set(v) <= {"class_name", "config", "module", "registered_name"})


def _flatten_diff(d: Any, prefix: str = "") -> dict[str, Any]:
    """Like :func:`flatten`, but a Keras-serialized object is one leaf (a :class:`_Component`)."""
    if _is_component(d) and prefix:
        return {prefix: _Component(str(d["class_name"]), dict(d.get("config") or {}))}
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        if not d and prefix:
            out[prefix] = {}
        for k, v in d.items():
            out.update(_flatten_diff(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and any(isinstance(v, (dict, list)) for v in d):
        for i, v in enumerate(d):
            out.update(_flatten_diff(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def _diff_flat(flats: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Rows for keys whose values differ. Components of one class in every spec are
    compared argument by argument (``compile.optimizer.learning_rate``); otherwise a
    component is one value, shown as text."""
    keys: dict[str, None] = {}
    for f in flats:
        for k in f:
            keys.setdefault(k, None)
    out: list[tuple[str, list[Any]]] = []
    for k in keys:
        vals = [f.get(k, _MISSING) for f in flats]
        if all(isinstance(v, _Component) for v in vals):
            if len({v.class_name for v in vals}) == 1:
                sub = _diff_flat([_flatten_diff(v.config, k) for v in vals])
                out.extend((sk, sv) for sk, sv in sub if sk.rsplit(".", 1)[-1] != "name")
                continue
        first = vals[0]
        if any(v is _MISSING for v in vals) or not all(_same(first, v) for v in vals[1:]):
            out.append((k, [None if v is _MISSING else (str(v) if isinstance(v, _Component) else v)
                            for v in vals]))
    return out


def _named_layers(spec: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """``{layer name: {"class_name", **config}}`` in model order, with the names the
    engine gives (:func:`tuidl.core.checks.layer_names`); ``None`` when the spec has
    no list of layers in Keras's ``{class_name, config}`` form."""
    model = spec.get("model")
    layers = model.get("layers") if isinstance(model, dict) else None
    if not isinstance(layers, list) or not all(
            isinstance(l, dict) and isinstance(l.get("class_name"), str)
            and isinstance(l.get("config", {}), dict) for l in layers):
        return None
    from types import SimpleNamespace

    from tuidl.core.checks import layer_names

    objs = [SimpleNamespace(class_name=l["class_name"], config=dict(l.get("config") or {}))
            for l in layers]
    out: dict[str, dict[str, Any]] = {}
    for name, o in zip(layer_names(objs), objs):  # type: ignore[arg-type]
        out[name] = {"class_name": o.class_name, **{k: v for k, v in o.config.items() if k != "name"}}
    return out


def _merge_order(orders: list[list[str]]) -> list[str]:
    """Union of several name sequences, each new name placed after its predecessor."""
    merged: list[str] = []
    for names in orders:
        prev: str | None = None
        for n in names:
            if n not in merged:
                merged.insert(merged.index(prev) + 1 if prev is not None else 0, n)
            prev = n
    return merged


def config_diff(specs: list[dict[str, Any]], *, ignore: tuple[str, ...] = ("name", "description")
                ) -> list[tuple[str, list[Any]]]:
    """The settings that differ between experiments ("diff only").

    Layers are matched by the name the engine gives them
    (:func:`tuidl.core.checks.layer_names`: ``dense``, ``dense_1``, ``dropout`` ...,
    or the ``name`` in the layer's config), not by position, so a layer inserted in
    one run shows as that one layer and the others still compare with each other:

    * ``layers[dropout]``: a layer some specs lack, shown as ``Dropout(rate=0.3)``
      (``None`` where missing);
    * ``layers[dense].kernel_regularizer``: one argument of a layer all specs have
      (``layers[dense].class_name`` when the classes differ);
    * ``layers (order)``: the layer names in order, when the layers all specs have
      come in a different order.

    A Keras-serialized object (``{"class_name", "config"}``: optimizer, initializer,
    regularizer, callback ...) is one setting shown as text (``L2(l2=0.001)``), or,
    when it is of the same class everywhere, one row per differing argument
    (``compile.optimizer.learning_rate``). Other keys are dotted spec paths
    (``fit.batch_size``; list items as ``[i]``).

    Args:
        specs: spec dicts (e.g. :func:`read_spec_dict` of each selected run).
        ignore: top-level keys left out (the name always differs).

    Returns:
        ``[(key, [value_or_None per spec]), ...]`` for settings whose values are not
        all equal, in spec order (data, model, compile, fit). A key missing in some
        spec counts as different; floats are compared with a relative tolerance of
        1e-6; a Keras-serialized object is returned as its text.
    """
    specs = [{k: v for k, v in s.items() if k not in ignore} for s in specs]
    layer_maps = [_named_layers(s) for s in specs]
    by_name = all(m is not None for m in layer_maps)
    if by_name:
        rest = []
        for s in specs:
            model = {k: v for k, v in s["model"].items() if k != "layers"}
            rest.append({**s, "model": model} if model else {k: v for k, v in s.items() if k != "model"})
    else:
        rest = specs
    rows = _diff_flat([_flatten_diff(s) for s in rest])
    if by_name:
        maps = [m or {} for m in layer_maps]
        layer_rows: list[tuple[str, list[Any]]] = []
        common = [n for n in maps[0] if all(n in m for m in maps)]
        orders = [[n for n in m if n in common] for m in maps]
        if any(o != orders[0] for o in orders[1:]):
            layer_rows.append(("layers (order)", [" → ".join(m) for m in maps]))
        for n in _merge_order([list(m) for m in maps]):
            key = f"layers[{n}]"
            if n in common:
                layer_rows.extend(_diff_flat([_flatten_diff(m[n], key) for m in maps]))
            else:
                layer_rows.append((key, [str(_Component(m[n]["class_name"],
                                                        {k: v for k, v in m[n].items() if k != "class_name"}))
                                         if n in m else None for m in maps]))
        # layers go where the model section is in the spec (after data, before compile)
        top_order: list[str] = []
        for s in specs:
            for k in s:
                if k not in top_order:
                    top_order.append(k)
        if "model" not in top_order:
            top_order.append("model")
        rank = {k: i for i, k in enumerate(top_order)}

        def top(key: str) -> int:
            return rank.get(key.split(".", 1)[0].split("[", 1)[0], len(rank))

        merged = [(top(k), 0, i, k, v) for i, (k, v) in enumerate(rows)]
        merged += [(rank["model"], 1, i, k, v) for i, (k, v) in enumerate(layer_rows)]
        rows = [(k, v) for *_, k, v in sorted(merged, key=lambda t: t[:3])]
    return rows


def export_csv(run_dirs: list[Path | str], dest: Any) -> int:
    """Write the per-epoch metrics of several runs as one wide CSV table.

    Columns: ``run_id, name, epoch, step, time`` and then every metric key seen
    in any run (sorted; empty where a run lacks it; NaN/inf as ``nan``/``inf``).
    ``epoch`` is 0-based, as in ``metrics.jsonl`` and Keras's ``CSVLogger`` (the
    screens' "epoch 1" is the row with ``epoch`` 0); ``step`` is the global
    batch count at the epoch's end; ``time`` is seconds since the run started.
    Rows are in the order of ``run_dirs``, then by epoch.

    Args:
        run_dirs: run folders.
        dest: a path or a text file object.

    Returns:
        The number of data rows written.

    Raises:
        RunError: a folder is not a run, or the file cannot be written.
    """
    import csv

    runs = []
    for rd in run_dirs:
        d = _run_dir(rd)
        info = _read_json(d / "run.json")
        meta = _read_json(d / "meta.json")
        runs.append((printable(d.name), printable(meta.get("display_name") or info.get("name") or d.name),
                     read_metrics(d / "metrics.jsonl")))
    keys = sorted({k for _, _, recs in runs for r in recs for k in r} - _AXIS_KEYS)
    header = ["run_id", "name", "epoch", "step", "time", *keys]

    def write(f: Any) -> int:
        w = csv.writer(f)
        w.writerow(header)
        n = 0
        for run_id, name, recs in runs:
            for r in recs:
                w.writerow([run_id, name, r.get("epoch", ""), r.get("step", ""),
                            r.get("time", r.get("seconds", "")), *[r.get(k, "") for k in keys]])
                n += 1
        return n

    if hasattr(dest, "write"):
        return write(dest)
    try:
        with open(dest, "w", encoding="utf-8", newline="") as f:
            return write(f)
    except OSError as e:
        raise RunError(f"{dest}: cannot write CSV: {e.strerror}", title="Export failed") from e


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
            self.history.add_epoch(int(rec.get("epoch", self.history.epochs_done)), rec,
                                   rec.get("step"), rec.get("time", rec.get("seconds")))
        return len(new)


def write_finished_run(root: Path | str, spec_toml: str, records: list[dict[str, Any]], *,
                       status: str = "completed", info: dict[str, Any] | None = None,
                       run_id: str | None = None, name: str = "run",
                       error: dict[str, Any] | None = None) -> Path:
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
