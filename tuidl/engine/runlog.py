"""The ``engine.log`` of an in-process run (``tuidl run``, the Python API).

Records that arrive before the run folder exists are held in memory and written
out once it does; a run that fails before that has no folder and no log file.
"""

from __future__ import annotations

import logging
from pathlib import Path


class _RunLog:
    """In-process runs (CLI, API): send Python logging and warnings to ``<run>/engine.log``.

    Records arrive before the run folder exists (loading data, building the
    model); they are held in memory and written out by :meth:`attach` once the
    folder exists. A run that fails before that has no folder and no log file.
    """

    MAX_EARLY = 10_000
    """Records kept before the folder exists (older ones are dropped)."""

    def __init__(self) -> None:
        self.early: list[logging.LogRecord] = []
        self.handler: logging.Handler | None = None
        self.buffer = _Buffer(self.early, self.MAX_EARLY)
        self.root = logging.getLogger()

    def attach(self, run_dir: Path) -> None:
        """Start writing to ``<run_dir>/engine.log``: the held records first, then every new one."""
        handler = _QuietFileHandler(Path(run_dir) / "engine.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for record in self.early:
            handler.handle(record)
        self.early.clear()
        self.root.removeHandler(self.buffer)
        self.root.addHandler(handler)
        self.handler = handler

    def __enter__(self) -> "_RunLog":
        self.root.addHandler(self.buffer)
        logging.captureWarnings(True)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.captureWarnings(False)
        self.root.removeHandler(self.buffer)
        if self.handler is not None:
            self.root.removeHandler(self.handler)
            self.handler.close()


class _QuietFileHandler(logging.FileHandler):
    """``engine.log`` of an in-process run: a record the disk refuses (full disk) is dropped
    instead of printing logging's "--- Logging error ---" traceback on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


class _Buffer(logging.Handler):
    """Holds log records in a list (at most ``limit``) until a file exists for them."""

    def __init__(self, records: list[logging.LogRecord], limit: int) -> None:
        super().__init__()
        self.records, self.limit = records, limit

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:  # format the traceback now: the exception object will be gone later
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)
        if len(self.records) > self.limit:
            del self.records[0]
