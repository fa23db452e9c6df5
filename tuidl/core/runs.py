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
``run.json`` is atomic (write then rename), so a reader never sees half a file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuidl.core.errors import TuidlError
from tuidl.core.text import printable

if TYPE_CHECKING:
    from tuidl.core.history import RunHistory

STATUSES = ("running", "completed", "stopped", "failed", "diverged")
DEFAULT_RUNS_DIR = "runs"


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
        self._metrics = open(self.dir / "metrics.jsonl", "a", encoding="utf-8")
        self._summary = MetricsSummary()

    def start(self, spec_toml: str, info: dict[str, Any]) -> None:
        """Write ``spec.toml`` and the first ``run.json`` (status ``running``)."""
        (self.dir / "spec.toml").write_text(spec_toml, encoding="utf-8")
        for k, v in spec_facts(spec_toml).items():
            self.info.setdefault(k, v)
        self.info.update(info)
        self.info.setdefault("started", iso(time.time()))
        self.info["pid"] = os.getpid()
        self.write_info()

    def epoch(self, record: dict[str, Any]) -> None:
        """Append one epoch's record to ``metrics.jsonl`` and flush it."""
        self._metrics.write(json.dumps({k: _clean(v) for k, v in record.items()}) + "\n")
        self._metrics.flush()
        self.info["epochs_done"] = int(record.get("epoch", -1)) + 1
        self._summary.add(record)

    def finish(self, status: str, error: dict[str, Any] | None = None, **extra: Any) -> None:
        """Set the final status, end time and error, and close the metrics file."""
        assert status in STATUSES, status
        self.info["status"] = status
        self.info["ended"] = iso(time.time())
        self.info["error"] = error
        self.info["summary"] = self._summary.to_dict()
        self.info.update(extra)
        self.write_info()
        self._metrics.close()

    def write_info(self) -> None:
        """Write ``run.json`` atomically."""
        tmp = self.dir / "run.json.tmp"
        tmp.write_text(json.dumps(self.info, indent=2, default=str), encoding="utf-8")
        tmp.replace(self.dir / "run.json")


@dataclass
class RunRecord:
    """A run as read back from disk.

    Attributes:
        run_id: folder name.
        dir: the folder.
        info: ``run.json`` contents (``{}`` when missing or unreadable).
        epochs: ``metrics.jsonl`` records in order (non-finite values as floats).
    """

    run_id: str
    dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    epochs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``run.json``'s status, or ``"unknown"``."""
        return str(self.info.get("status", "unknown"))

    def series(self, key: str) -> list[float]:
        """One metric per epoch (``nan`` where an epoch lacks it)."""
        return [float(e.get(key, float("nan"))) for e in self.epochs]


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Read a ``metrics.jsonl`` file; a torn last line (being written) is skipped."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict):
                    out.append(_record(rec))
    except FileNotFoundError:
        pass
    return out


def read_run(run_dir: Path) -> RunRecord:
    """Read one run folder (missing files give empty fields, never an error)."""
    run_dir = Path(run_dir)
    info: dict[str, Any] = {}
    try:
        info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        pass
    return RunRecord(run_dir.name, run_dir, info, read_metrics(run_dir / "metrics.jsonl"))


def list_runs(root: Path) -> list[RunRecord]:
    """Every run folder under ``root`` (folders with a ``run.json``), newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    dirs = [d for d in root.iterdir() if (d / "run.json").is_file()]
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
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


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
        error: the error's title and message, or ``""``.
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``dir`` as a string)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["dir"] = str(self.dir)
        d["tags"] = list(self.tags)
        return d

    def haystack(self) -> str:
        """Lower-case text a filter matches against."""
        parts = [self.run_id, self.name, self.dataset or "", self.optimizer or "", self.status,
                 *self.tags]
        return " ".join(parts).lower()


def _sig(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        d = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


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

    def poll(self) -> list[dict[str, Any]]:
        """New complete records since the last poll (``[]`` when none or no file)."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        if size < self.offset:
            self.offset = 0
            self.restarts += 1
        if size == self.offset:
            return []
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read(size - self.offset)
        except OSError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        out = []
        for line in chunk[:end].split(b"\n"):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                self.bad_lines += 1
                continue
            if isinstance(rec, dict):
                out.append(_record(rec))
            else:
                self.bad_lines += 1
        return out


class _Entry:
    __slots__ = ("info_sig", "meta_sig", "info", "meta", "facts", "follower", "msum", "summary",
                 "metrics_sig")

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


class RunIndex:
    """A cached view of every run under ``root`` for the runs table.

    :meth:`refresh` lists the folders and re-reads only what changed since the
    last call (``run.json`` and ``meta.json`` by mtime and size; ``metrics.jsonl``
    by its new bytes only, via :class:`MetricsFollower`). A finished run whose
    ``run.json`` carries a ``summary`` never opens ``metrics.jsonl``; one
    without it (an older writer, a killed process) reads it once. So a first
    listing of 500 finished runs reads 500 small JSON files, and later ones
    only stat them.

    Args:
        root: the runs dir (need not exist).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._cache: dict[str, _Entry] = {}

    def refresh(self) -> list[RunSummary]:
        """Every run (a folder with ``run.json``), newest start first. Never raises
        for unreadable runs: they show with status ``unknown``."""
        try:
            dirs = [e for e in os.scandir(self.root) if e.is_dir()]
        except OSError:
            self._cache.clear()
            return []
        out: list[RunSummary] = []
        seen = set()
        now = time.time()
        for e in dirs:
            d = Path(e.path)
            sig = _sig(d / "run.json")
            if sig is None:
                continue
            seen.add(e.name)
            entry = self._cache.get(e.name)
            if entry is None:
                entry = self._cache[e.name] = _Entry(d)
            out.append(self._update(entry, d, sig, now))
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

    def _update(self, entry: _Entry, d: Path, sig: tuple[int, int], now: float) -> RunSummary:
        changed = False
        if sig != entry.info_sig:
            entry.info = _read_json(d / "run.json")
            entry.info_sig = sig
            changed = True
        msig = _sig(d / "meta.json")
        if msig != entry.meta_sig:
            entry.meta = _read_json(d / "meta.json") if msig else {}
            entry.meta_sig = msig
            changed = True
        info = entry.info
        status = str(info.get("status", "unknown"))
        stored = info.get("summary") if status != "running" else None
        if isinstance(stored, dict):
            msum = MetricsSummary.from_dict(stored)
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
        if not changed and entry.summary is not None and status != "running":
            return entry.summary
        if entry.facts is None and not all(k in info for k in ("dataset", "optimizer")):
            try:
                entry.facts = spec_facts((d / "spec.toml").read_text(encoding="utf-8"))
            except OSError:
                entry.facts = {}
        facts = {**(entry.facts or {}), **info}
        stale = status == "running" and "pid" in info and not pid_alive(info["pid"])
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
        if isinstance(err, dict):
            err_text = ": ".join(str(err[k]) for k in ("title", "message") if err.get(k))
        elif stale:
            err_text = "the process writing this run is gone"
        tags = entry.meta.get("tags") or info.get("tags") or ()
        params = info.get("params")
        epochs_done = info.get("epochs_done")
        dataset = facts.get("dataset")
        if isinstance(dataset, dict):  # the engine stores the dataset's description dict
            dataset = dataset.get("name")
        planned = facts.get("epochs_planned", info.get("epochs"))
        # every text from the folder's files is made printable here, at the read boundary:
        # a crafted run.json/meta.json must not drive the terminal of `tuidl runs` or the UI
        started = info.get("started")
        entry.summary = RunSummary(
            run_id=printable(d.name), dir=d,
            name=printable(entry.meta.get("display_name") or info.get("name") or d.name),
            dataset=None if dataset is None else printable(dataset),
            optimizer=None if facts.get("optimizer") is None else printable(facts["optimizer"]),
            params=int(params) if isinstance(params, (int, float)) else None,
            status="failed" if stale else printable(status),
            epochs_done=max(msum.epochs, epochs_done if isinstance(epochs_done, int) else 0),
            epochs_planned=planned if isinstance(planned, int) else None,
            best_val_loss=msum.best_val_loss, metric=None if msum.metric is None else printable(msum.metric),
            best_metric=msum.best_metric, duration=duration,
            started=started if started is None else printable(started), started_ts=started_ts,
            tags=tuple(printable(t) for t in tags if str(t)) if isinstance(tags, (list, tuple)) else (),
            error=printable(err_text), stale=stale,
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
    d = Path(run_dir)
    if not (d / "run.json").is_file():
        raise RunError(f"{d}: not a run folder (no run.json)", hint="pick a folder under the runs dir")
    return d


def _write_meta(d: Path, **changes: Any) -> dict[str, Any]:
    meta = _read_json(d / "meta.json")
    meta.update(changes)
    tmp = d / "meta.json.tmp"
    try:
        tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        tmp.replace(d / "meta.json")
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

    Args:
        force: also delete a run whose writer process is still alive.

    Raises:
        RunError: not a run folder, still running (without ``force``), or the
            folder cannot be removed.
    """
    import shutil

    d = _run_dir(run_dir)
    info = _read_json(d / "run.json")
    if not force and info.get("status") == "running" and pid_alive(info.get("pid")):
        raise RunError(f"run {d.name} is still running (pid {info.get('pid')})",
                       hint="stop it first, or delete with force")
    try:
        shutil.rmtree(d)
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
        return printable_data(tomllib.loads((Path(run_dir) / "spec.toml").read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
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


def load_history(run_dir: Path | str, name: str | None = None) -> "RunHistory":
    """A run's ``metrics.jsonl`` as a :class:`~tuidl.core.history.RunHistory`."""
    from tuidl.core.history import RunHistory

    d = Path(run_dir)
    return RunHistory.from_records(read_metrics(d / "metrics.jsonl"), name=name or d.name)


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
        w._metrics.close()
    else:
        w.finish(status, error)
    return w.dir
