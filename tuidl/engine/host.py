"""The engine process: imports TensorFlow, serves summarize/train requests, streams events.

Started by :class:`tuidl.engine.client.EngineClient` with multiprocessing's
``spawn`` method; :func:`serve` is its whole life:

1. Before TensorFlow is imported: ``TF_CPP_MIN_LOG_LEVEL=1`` (unless set) and
   file descriptors 1 and 2 are redirected (``os.dup2``) into a pipe, so
   TensorFlow's C++ logs, absl and Python warnings never reach the terminal.
   A thread reads that pipe and writes each line to the engine log file, to
   the current run's ``engine.log`` and, as a ``LogLine`` event, to the UI.
2. TensorFlow and Keras are imported; ``EngineReady`` reports versions,
   devices and the import time.
3. A reader thread takes requests: ``Stop`` acts at once (sets the running
   run's stop flag, so it works while training); ``Train`` requests are
   queued and run one at a time on the main thread; ``Summarize`` requests
   are queued for a separate summary thread, so a summary is answered while a
   run trains (the builder's live summary, issue 3); ``Export`` requests (the
   builder's ``E``) are queued for an export thread, which loads the data
   and writes the script and its ``.npz`` (:mod:`tuidl.engine.export`), so
   the UI process never loads data; ``Shutdown`` (or the UI's end of the
   pipe closing) stops any run and ends the process.

The UI gone, however it died (killed, or its terminal closed: SSH drop,
``tmux kill-session``): the engine ignores SIGINT and SIGHUP, so the terminal's
signals do not kill it; its reader thread sees the pipe's EOF and acts as on
``Shutdown``: the run stops after the batch, ``run.json`` is finished (status
``stopped``, the finished epochs kept), ``model.keras`` saved, and the process
exits.

Summaries next to a run: building a throwaway model in another thread is safe
in TF2 eager (Keras's global state is thread-local, layers get explicit names
from ``tuidl.core.checks.layer_names``, symbolic calls use a thread-local
scratch graph). The one global step is ``keras.backend.clear_session()``
before each run, which replaces Keras's state for every thread; it and every
summary build hold ``_Host.keras_lock``, so the two never interleave (a run
waits at most one summary build before it starts; fit itself never takes the
lock). Of several queued Summarize requests only the newest per requester is
built (the UI's ids are positive, the builder's negative; an answer to an
older request would be dropped by the UI anyway).

With ``TUIDL_TENSORBOARD=1`` in the environment every run also writes
TensorBoard event files (see :mod:`tuidl.engine.tensorboard`).

All sends go through one lock (``Connection.send`` is not thread-safe).
Module scope imports only the standard library and ``tuidl.core``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from tuidl.core.enginelog import EVENT_LOGGER
from tuidl.core.errors import TuidlError
from tuidl.core.events import EngineReady, Event, ExportFailed, Exported, LogLine, RunFailed, RunFinished
from tuidl.core.protocol import Export, Request, Shutdown, Stop, Summarize, Train

log = logging.getLogger("tuidl.engine")

_SYNC = "\x00tuidl-log-sync"


class _Host:
    """State of the engine process (one instance per process)."""

    def __init__(self, conn: Any, log_path: str | None) -> None:
        self.conn = conn
        self.send_lock = threading.Lock()
        self.work: queue.Queue[Any] = queue.Queue()
        self.summaries: queue.Queue[Summarize | None] = queue.Queue()
        self.exports: queue.Queue[Export | None] = queue.Queue()
        self.keras_lock = threading.Lock()  # clear_session vs. summary builds (see the module docstring)
        self.controls: list[Any] = []  # Control of the queued and running Train requests
        self.controls_lock = threading.Lock()
        self.shutdown = threading.Event()
        self.ready = threading.Event()
        self.log_file: BinaryIO | None = _open_log(log_path) if log_path else None
        self.run_log: BinaryIO | None = None
        self.log_lock = threading.Lock()
        self.synced = threading.Event()
        self.data_cache: dict[str, Any] = {}

    # -- sending -------------------------------------------------------------
    def send(self, ev: Event) -> None:
        """Send one event; a closed pipe (UI gone) means shut down."""
        with self.send_lock:
            try:
                self.conn.send(ev)
            except (OSError, EOFError, ValueError):
                self.shutdown.set()
                self._stop_all()
                self.work.put(None)
                self.summaries.put(None)
                self.exports.put(None)

    # -- log capture ---------------------------------------------------------
    def capture_output(self) -> None:
        """Redirect fds 1 and 2 into a pipe read by a forwarding thread."""
        r, w = os.pipe()
        os.dup2(w, 1)
        os.dup2(w, 2)
        os.close(w)
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        threading.Thread(target=self._forward, args=(r,), name="tuidl-engine-log", daemon=True).start()

    def _forward(self, fd: int) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                if raw.endswith(_SYNC.encode()):  # may follow output that had no newline
                    raw = raw[: -len(_SYNC)]
                    if raw:
                        self._log_line(raw)
                    self.synced.set()
                    continue
                self._log_line(raw)

    def _log_line(self, raw: bytes) -> None:
        with self.log_lock:
            for f in (self.log_file, self.run_log):
                if f is not None:
                    try:
                        f.write(raw + b"\n")
                        f.flush()
                    except (OSError, ValueError):
                        pass
        text = raw.decode("utf-8", "replace").rstrip("\r")
        if text:
            self.send(LogLine(text))

    def sync_log(self, timeout: float = 1.0) -> None:
        """Wait until everything written to fd 2 so far has been forwarded."""
        self.synced.clear()
        try:
            sys.stderr.flush()
            os.write(2, (_SYNC + "\n").encode())
        except OSError:
            return
        self.synced.wait(timeout)

    def set_run_log(self, run_dir: Path | None) -> None:
        """Tee forwarded lines into ``<run_dir>/engine.log`` (``None``: stop teeing)."""
        if run_dir is None:
            self.sync_log()
        with self.log_lock:
            if self.run_log is not None:
                self.run_log.close()
                self.run_log = None
            if run_dir is not None:
                self.run_log = open(Path(run_dir) / "engine.log", "ab")

    # -- requests ------------------------------------------------------------
    def _stop_all(self) -> None:
        with self.controls_lock:
            for c in self.controls:
                c.stop()

    def read_requests(self) -> None:
        """Reader thread: act on Stop/Shutdown at once, queue the rest."""
        from tuidl.engine.train import Control

        while not self.shutdown.is_set():
            try:
                req: Request = self.conn.recv()
            except (EOFError, OSError):
                req = Shutdown()  # the UI is gone
            except Exception as e:  # unpicklable request
                log.error("bad request: %r", e)
                continue
            if isinstance(req, Stop):
                self._stop_all()
            elif isinstance(req, Shutdown):
                self.shutdown.set()
                self._stop_all()
                self.work.put(None)
                self.summaries.put(None)
                self.exports.put(None)
                if not self.ready.is_set():  # still importing TensorFlow: nothing to save
                    self._exit(0)
                return
            elif isinstance(req, Train):
                control = Control()
                with self.controls_lock:
                    self.controls.append(control)
                self.work.put((req, control))
            elif isinstance(req, Summarize):
                self.summaries.put(req)
            elif isinstance(req, Export):
                self.exports.put(req)
            else:
                self.work.put((req, None))

    def _exit(self, code: int) -> None:
        with self.log_lock:
            for f in (self.run_log, self.log_file):
                if f is not None:
                    try:
                        f.flush()
                    except (OSError, ValueError):
                        pass
        os._exit(code)

    def dataset(self, spec: Any, seed: int, base_dir: str | None) -> Any:
        """Load data through ``tuidl.engine.data.load_data``; built-in sets are cached
        (the newest one; the summary and export threads both ask)."""
        from tuidl.engine.data import load_data

        key = f"{spec.model_dump_json()}|{seed}|{base_dir}"
        cached = self.data_cache.get(key) if spec.path is None else None  # one read: another thread may replace it
        if cached is not None:
            return cached
        ds = load_data(spec, seed, Path(base_dir) if base_dir else None)
        if spec.path is None:
            self.data_cache = {key: ds}
        return ds

    def summarize(self, req: Summarize) -> None:
        """Answer one Summarize with a Summary, or a RunFailed carrying its ``request_id`` and ``requester``."""
        from tuidl.core.spec import from_dict
        from tuidl.engine.build import summarize

        try:
            exp = from_dict(req.spec, origin="experiment")
            ds = self.dataset(exp.data, exp.fit.seed, req.base_dir)
            with self.keras_lock:
                summary = summarize(exp, ds, req.request_id)
            self.send(dataclasses.replace(summary, requester=req.requester))
        except TuidlError as e:
            d = e.to_dict()
            self.send(
                RunFailed(
                    "",
                    d["kind"],
                    d["title"],
                    d["message"],
                    d["hint"],
                    request_id=req.request_id,
                    requester=req.requester,
                )
            )
        except Exception as e:
            log.exception("summarize failed")
            self.send(
                RunFailed(
                    "",
                    "build",
                    "Cannot summarize",
                    f"{type(e).__name__}: {e}",
                    request_id=req.request_id,
                    requester=req.requester,
                )
            )

    def export(self, req: Export) -> None:
        """Answer one Export: write the script (and its ``.npz``) with
        :func:`tuidl.engine.export.write_script`, the data loaded through :meth:`dataset`
        (cached, as for summaries); an :class:`Exported`, or an :class:`ExportFailed`
        naming the field or file."""
        from tuidl.core.script import data_file
        from tuidl.core.spec import from_dict
        from tuidl.engine.export import write_script

        try:
            exp = from_dict(req.spec, origin="experiment")
            if req.source:
                exp._source = Path(req.source)  # named in the script's docstring
            path = write_script(exp, req.path, req.base_dir, load=self.dataset)
            npz = data_file(exp, path)
            self.send(Exported(req.request_id, str(path), str(npz) if npz is not None else ""))
        except TuidlError as e:
            d = e.to_dict()
            self.send(ExportFailed(req.request_id, d["kind"], d["title"], d["message"], d["hint"]))
        except Exception as e:
            log.exception("export failed")
            self.send(ExportFailed(req.request_id, "engine", "Export failed", f"{type(e).__name__}: {e}"))

    def serve_exports(self) -> None:
        """Export thread: answer Export requests one by one, also while the main thread trains."""
        while not self.shutdown.is_set():
            req = self.exports.get()
            if req is None or self.shutdown.is_set():
                return
            self.export(req)

    def train(self, req: Train, control: Any) -> None:
        import keras

        from tuidl.core.spec import from_dict
        from tuidl.engine.train import train

        try:
            try:
                exp = from_dict(req.spec, origin="experiment")
            except TuidlError as e:
                d = e.to_dict()
                self.send(RunFailed("", d["kind"], d["title"], d["message"], d["hint"]))
                return
            if control.stop_requested.is_set():  # stopped before it began: no run folder
                self.send(RunFinished("", "stopped", 0, 0.0))
                return
            with self.keras_lock:  # never while the summary thread builds a model
                keras.backend.clear_session()  # free the previous run's graphs and name counters
            extra = []
            if os.environ.get("TUIDL_TENSORBOARD", "") not in ("", "0"):
                from tuidl.engine.tensorboard import tensorboard_callback

                extra.append(tensorboard_callback)  # called with the run folder; None if not installed
            train(
                exp,
                self.send,
                control,
                req.runs_dir,
                req.base_dir,
                extra_callbacks=extra,
                on_run_dir=self.set_run_log,
                run_name=req.run_name,
            )
        except Exception as e:  # train() reports its own failures; this is a last resort
            log.exception("train request failed")
            self.send(RunFailed("", "engine", "Engine problem", f"{type(e).__name__}: {e}"))
        finally:
            if self.run_log is not None:
                self.set_run_log(None)
            with self.controls_lock:
                if control in self.controls:
                    self.controls.remove(control)

    def serve_forever(self) -> None:
        while not self.shutdown.is_set():
            item = self.work.get()
            if item is None or self.shutdown.is_set():
                break
            req, control = item
            if isinstance(req, Summarize):  # not queued here since the summary thread exists
                self.summarize(req)
            elif isinstance(req, Train):
                self.train(req, control)
            else:
                log.warning("unknown request %r", type(req).__name__)

    def serve_summaries(self) -> None:
        """Summary thread: answer Summarize requests, also while the main thread trains.

        Takes every request queued so far and builds only the newest of each
        requester (``Summarize.requester``), oldest requester first.
        """
        while not self.shutdown.is_set():
            first = self.summaries.get()
            batch = [first]
            while True:
                try:
                    batch.append(self.summaries.get_nowait())
                except queue.Empty:
                    break
            if any(r is None for r in batch) or self.shutdown.is_set():
                return
            for req in latest_per_requester(batch):  # type: ignore[arg-type]
                if self.shutdown.is_set():
                    return
                try:
                    self.summarize(req)
                except Exception:  # summarize reports its own failures; keep the thread alive
                    log.exception("summary thread")


MAX_LOG_BYTES = 8 * 1024 * 1024
"""An engine log file larger than this when an engine starts is started afresh (it is appended to
by every session)."""


def _open_log(path: str) -> BinaryIO | None:
    """Open the engine's log file for appending (its folder made, a file over :data:`MAX_LOG_BYTES`
    started afresh); ``None`` when it cannot be written (the engine runs without it)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        big = os.path.getsize(path) > MAX_LOG_BYTES if os.path.exists(path) else False
        return open(path, "wb" if big else "ab")
    except OSError:
        return None


def latest_per_requester(requests: list[Summarize]) -> list[Summarize]:
    """The newest request of each requester, in arrival order.

    Requesters are told apart by ``Summarize.requester`` (the dashboard, or
    the id of the screen that asked). Example: ``dashboard 1, builder 1,
    dashboard 2, builder 2, dashboard 3`` -> ``builder 2, dashboard 3``.
    """
    newest: dict[str, int] = {}
    for i, r in enumerate(requests):
        newest[r.requester] = i
    return [requests[i] for i in sorted(newest.values())]


def _import_tensorflow() -> EngineReady:
    t0 = time.perf_counter()
    import numpy
    import tensorflow as tf
    import keras

    seconds = time.perf_counter() - t0
    devices = []
    try:
        devices = [d.name.replace("/device:", "") for d in tf.config.list_logical_devices()]
    except Exception as e:  # a broken driver must not stop the engine
        log.warning("cannot list devices: %s", e)
    versions = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
        "backend": keras.backend.backend(),
    }
    return EngineReady(versions, tuple(devices), round(seconds, 3))


def serve(conn: Any, log_path: str | None = None) -> None:
    """Run the engine process until Shutdown or until the UI's end of ``conn`` closes.

    Args:
        conn: this process's end of a duplex ``multiprocessing.Pipe``; receives
            :mod:`tuidl.core.protocol` requests, sends :mod:`tuidl.core.events`.
        log_path: file to append the whole engine log to, or ``None``.

    Never returns normally: ends the process with ``os._exit(0)`` after
    flushing the logs (TensorFlow's own teardown can hang).
    """
    # The terminal's signals are the UI's: Ctrl-C, and the hangup sent to every process of the
    # terminal when it goes away (SSH drop, `tmux kill-session`). The engine outlives the UI long
    # enough to stop the run after the batch, save it and exit, on its pipe's EOF (see read_requests).
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    host = _Host(conn, log_path)
    host.capture_output()
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.captureWarnings(True)
    threading.Thread(target=host.read_requests, name="tuidl-engine-requests", daemon=True).start()
    log.info("process %d: importing TensorFlow", os.getpid())
    try:
        ready = _import_tensorflow()
    except Exception as e:
        log.exception("cannot import TensorFlow")
        host.send(
            RunFailed(
                "",
                "engine",
                "Cannot load TensorFlow",
                f"{type(e).__name__}: {e}",
                hint="check the TensorFlow installation (see the engine log)",
            )
        )
        host.sync_log()
        host._exit(1)
        return
    # in the log file; the pane says it from EngineReady
    logging.getLogger(EVENT_LOGGER).info(
        "engine ready in %.1f s: %s on %s", ready.seconds, ready.versions, ", ".join(ready.devices)
    )
    host.sync_log()  # TensorFlow's start-up lines reach the UI before EngineReady (the pane folds them)
    host.ready.set()
    host.send(ready)
    threading.Thread(target=host.serve_summaries, name="tuidl-engine-summaries", daemon=True).start()
    threading.Thread(target=host.serve_exports, name="tuidl-engine-exports", daemon=True).start()
    try:
        host.serve_forever()
    finally:
        host.sync_log(0.5)
        host._exit(0)
