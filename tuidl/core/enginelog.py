"""The engine log as the dashboard's log pane shows it: each message once, TensorFlow's start-up folded.

The engine process forwards every line written to its stdout/stderr (TensorFlow's C++ and absl logs,
Python warnings, tuidl's own log records) to the UI, and writes them all to its log file. The pane
shows them through :class:`EngineLogFolder`:

- TensorFlow's start-up noise (:data:`TF_STARTUP_NOISE`: oneDNN, no CUDA driver, absl's
  ``InitializeLog``, TF-TRT, the CPU-instructions notice, cuInit on a machine without a GPU ...) becomes
  one line, ``TensorFlow started (N lines in engine.log)``. Only these known lines fold: any other
  warning or error (a real problem) is shown as it came.
- tuidl's own records (``2024-01-01 12:00:00,123 INFO tuidl.engine: message``) are shown as
  ``engine: message`` (``engine WARNING: ...`` above INFO), without the time stamp.
- records of :data:`EVENT_LOGGER` are left out, with their traceback (only lines shaped as one: a
  native warning that follows is shown): an
  engine event carries the same news (the engine is ready, a run ended or failed) and the App
  writes its own ``tuidl: ...`` line for it. The log file keeps them all.

Pure functions over text lines; no Textual, no TensorFlow.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "EVENT_LOGGER",
    "EngineLogFolder",
    "engine_log_path",
    "TF_STARTUP_NOISE",
    "fold_engine_log",
    "is_tf_startup_noise",
    "parse_record",
]

EVENT_LOGGER = "tuidl.engine.events"
"""The logger of the engine's records that an engine event also reports (engine ready, a run's end):
in the log file, not in the pane (the App says them from the event)."""

TF_STARTUP_NOISE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"oneDNN custom operations are on",
        r"Could not find cuda drivers",
        r"absl::InitializeLog\(\)",
        r"TF-TRT Warning",
        r"cpu_feature_guard\.cc",
        r"This TensorFlow binary is optimized to use available CPU instructions",
        r"To enable the following instructions: .*rebuild TensorFlow",
        r"rebuild TensorFlow with the appropriate compiler flags",
        r"failed call to cuInit",
        r"cuda_diagnostics\.cc",
        r"Unable to register cu(DNN|FFT|BLAS) factory",
        r"computation placer already registered",
        # information and warnings of the CUDA libraries' loaders; their errors (a cuDNN version that
        # does not match, the reason the GPU goes unused) stay in the pane
        r"(^|\s)[IW]\d{4} [\d:.]+\s+\d+ cuda_(dnn|fft|blas)\.cc|: [IW] \S*cuda_(dnn|fft|blas)\.cc",
        r"Attempting to register factory for plugin",
        r"XLA service 0x[0-9a-f]+ initialized for platform",
        r"StreamExecutor device \(\d+\): ",
        r"Compiled cluster using XLA!",
        r"Created device /job:localhost",
        r"Unable to retrieve CUDA diagnostic information|kernel driver does not appear to be running",
    )
)
"""Lines TensorFlow writes when it loads (and when it first compiles), none of them a problem:
folded into one line in the pane (:class:`EngineLogFolder`)."""

_RECORD_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)


def engine_log_path() -> Path:
    """The dashboard engine's log file: ``$TUIDL_ENGINE_LOG``, else ``engine.log`` in the user's log
    folder (``platformdirs.user_log_path("tuidl")``, e.g. ``~/.local/state/tuidl/log/engine.log``).
    Every line the engine writes goes there; each run's lines also go to its own ``engine.log``."""
    env = os.environ.get("TUIDL_ENGINE_LOG")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_log_path("tuidl") / "engine.log"


def is_tf_startup_noise(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's known start-up lines (:data:`TF_STARTUP_NOISE`)."""
    return any(p.search(line) for p in TF_STARTUP_NOISE)


def parse_record(line: str) -> tuple[str, str, str] | None:
    """``(level, logger, message)`` of a Python log record line as the engine formats them
    (``%(asctime)s %(levelname)s %(name)s: %(message)s``); ``None`` for any other line."""
    m = _RECORD_RE.match(line)
    return (m["level"], m["logger"], m["message"]) if m else None


@dataclass
class EngineLogFolder:
    """Turns engine log lines, as they arrive, into the pane's lines (see the module docstring).

    Start-up noise is held and counted; the first other line (or :meth:`flush`) puts the one
    ``TensorFlow started (N lines in <log_name>)`` line out before it.

    Args:
        log_name: how the fold line names the engine's log file.
    """

    log_name: str = "engine.log"
    held: int = 0
    """Start-up lines counted and not yet said."""
    folds: int = 0
    """Fold lines said so far (the first says "started", later ones "more")."""
    _skipping: bool = field(default=False, repr=False)
    _traceback: bool = field(default=False, repr=False)

    def feed(self, line: str) -> list[str]:
        """The pane lines for one engine log line (often none, sometimes the fold line first)."""
        if is_tf_startup_noise(line):
            self.held += 1
            self._skipping = False
            return []
        record = parse_record(line)
        if record is None and self._skipping and self._in_traceback(line):  # under a left-out record
            return []
        out = self.flush()
        self._skipping = False
        if record is None:
            return [*out, line]
        level, logger, message = record
        if logger == EVENT_LOGGER or logger.startswith(EVENT_LOGGER + "."):
            self._skipping, self._traceback = True, False
            return out
        if logger == "tuidl" or logger.startswith("tuidl."):
            return [*out, f"engine: {message}" if level == "INFO" else f"engine {level}: {message}"]
        return [*out, f"{logger} {level}: {message}"]

    def _in_traceback(self, line: str) -> bool:
        """Whether ``line`` belongs to the traceback of the left-out record before it: its first
        line, indented lines, the exception line that ends it, and what chains two tracebacks.
        Anything else (a native TensorFlow warning) is a line of its own: shown, skipping ends."""
        if line.startswith("Traceback (most recent call last)"):
            self._traceback = True
            return True
        if not line.strip() or line.startswith((" ", "\t", "During handling of the above", "The above exception")):
            return True
        if self._traceback:  # "ValueError: boom", the traceback's last line
            self._traceback = False
            return True
        return False

    def flush(self) -> list[str]:
        """The fold line for the start-up lines held so far (``[]`` when none are held)."""
        if not self.held:
            return []
        n, self.held = self.held, 0
        self.folds += 1
        what = "line" if n == 1 else "lines"
        if self.folds == 1:
            return [f"TensorFlow started ({n} {what} in {self.log_name})"]
        return [f"TensorFlow: {n} more start-up {what} (in {self.log_name})"]


def fold_engine_log(lines: list[str], log_name: str = "engine.log") -> list[str]:
    """The pane's lines for a whole list of engine log lines (:class:`EngineLogFolder`, flushed)."""
    folder = EngineLogFolder(log_name)
    out: list[str] = []
    for line in lines:
        out += folder.feed(line)
    return out + folder.flush()
