"""Runs as files: one folder per run under the runs dir.

Layout of ``<runs_dir>/<run_id>/``:

* ``spec.toml``     the experiment with presets resolved inline (enough to re-run it)
* ``metrics.jsonl`` one JSON object per finished epoch: ``{"epoch": 0, "loss": ..., ...}``
                    (plus ``"step"`` and ``"time"``), flushed as written
* ``run.json``      ``{"run_id", "name", "status", "started", "ended", "error", ...}``
* ``model.keras``   the trained model, when the run ends with weights
* ``engine.log``    the engine's log for this run

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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
    return v


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

    def start(self, spec_toml: str, info: dict[str, Any]) -> None:
        """Write ``spec.toml`` and the first ``run.json`` (status ``running``)."""
        (self.dir / "spec.toml").write_text(spec_toml, encoding="utf-8")
        self.info.update(info)
        self.info.setdefault("started", iso(time.time()))
        self.info["pid"] = os.getpid()
        self.write_info()

    def epoch(self, record: dict[str, Any]) -> None:
        """Append one epoch's record to ``metrics.jsonl`` and flush it."""
        self._metrics.write(json.dumps({k: _clean(v) for k, v in record.items()}) + "\n")
        self._metrics.flush()
        self.info["epochs_done"] = int(record.get("epoch", -1)) + 1

    def finish(self, status: str, error: dict[str, Any] | None = None, **extra: Any) -> None:
        """Set the final status, end time and error, and close the metrics file."""
        assert status in STATUSES, status
        self.info["status"] = status
        self.info["ended"] = iso(time.time())
        self.info["error"] = error
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
                out.append({k: _unclean(v) for k, v in rec.items()})
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
