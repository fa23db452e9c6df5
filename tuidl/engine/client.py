"""The UI side of the engine process: start it, send requests, receive events.

This module imports nothing heavy (no TensorFlow, Keras or Textual): the UI
process imports it at start-up. The engine itself (:mod:`tuidl.engine.host`)
runs in a separate process started with multiprocessing's ``spawn`` method, so
TensorFlow is imported there, while the UI is already drawn.

A background thread drains the pipe into a queue, so the engine never blocks
on a slow reader; :meth:`EngineClient.recv` reads from that queue.

Example::

    client = EngineClient(log_path="engine.log")
    client.start()                      # returns at once
    ev = client.recv(timeout=30)        # EngineReady, LogLine, ...
    client.send(Train(spec=exp.model_dump(), runs_dir="runs"))
    ...
    client.close()                      # Stop + Shutdown; kills it after 3 s
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from tuidl.core.events import EngineExited, Event
from tuidl.core.protocol import Request, Shutdown, Stop


class EngineClient:
    """Owns one engine process and its pipe.

    Args:
        log_path: file that the engine appends its whole log to (TensorFlow's
            C++ logs, absl, Python warnings, tuidl's own lines); ``None`` for
            none. Every run's lines also go to ``<run_dir>/engine.log``.

    Thread safety: ``send`` may be called from any thread; ``recv`` from one
    consumer thread.

    If this process dies without :meth:`close` (killed, or its terminal hung
    up), the engine sees its pipe's EOF and ends the run itself: stopped after
    the batch, finished epochs and ``model.keras`` kept, ``run.json`` finished;
    then it exits (see :mod:`tuidl.engine.host`).
    """

    def __init__(self, log_path: str | os.PathLike[str] | None = None) -> None:
        self.log_path = str(Path(log_path)) if log_path is not None else None
        self._proc: Any = None
        self._conn: Any = None
        self._events: queue.Queue[Event] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._shutdown_sent = False
        self._exited: EngineExited | None = None

    def start(self) -> None:
        """Start the engine process and return at once (TensorFlow loads there).

        The engine answers with :class:`~tuidl.core.events.EngineReady` once it
        has imported TensorFlow (seconds later), preceded by ``LogLine`` events.

        Raises:
            RuntimeError: already started.
        """
        if self._proc is not None:
            raise RuntimeError("engine already started")
        from tuidl.engine.host import serve  # stdlib + tuidl.core only at module scope

        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=serve, args=(child, self.log_path), name="tuidl-engine", daemon=True)
        try:
            proc.start()
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._proc, self._conn = proc, parent
        self._reader = threading.Thread(target=self._read, name="tuidl-engine-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        conn = self._conn
        while True:
            try:
                ev = conn.recv()
            except (EOFError, OSError):
                break
            except Exception as e:  # unpicklable event: should not happen; keep reading
                from tuidl.core.events import LogLine

                self._events.put(LogLine(f"tuidl: bad message from the engine: {e!r}"))
                continue
            self._events.put(ev)
        proc = self._proc
        proc.join(timeout=2.0)
        self._exited = EngineExited(proc.exitcode, self._shutdown_sent)
        self._events.put(self._exited)

    @property
    def alive(self) -> bool:
        """``True`` while the engine process runs."""
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        """The engine process id, or ``None`` before :meth:`start`."""
        return self._proc.pid if self._proc is not None else None

    def send(self, request: Request) -> bool:
        """Send a request (see :mod:`tuidl.core.protocol`); never blocks for long, never raises.

        Returns:
            ``True`` when sent, ``False`` when the engine is not running.
        """
        if self._conn is None:
            return False
        if isinstance(request, Shutdown):
            self._shutdown_sent = True
        with self._send_lock:
            try:
                self._conn.send(request)
                return True
            except (OSError, EOFError, ValueError):
                return False

    def recv(self, timeout: float | None = None) -> Event | None:
        """The next event, waiting up to ``timeout`` seconds (``None``: forever).

        Returns:
            An event; ``None`` on timeout; once the process has ended and every
            event before that was read, an :class:`EngineExited` (on every call).
        """
        if self._exited is not None and self._events.empty():
            return self._exited
        if self._proc is None:
            return EngineExited(None, False)
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self, timeout: float = 3.0) -> None:
        """Stop any run, shut the engine down and wait for it; returns within ``timeout`` (+0.5) s.

        Sends :class:`Stop` and :class:`Shutdown`; if the process has not ended
        after ``timeout - 0.5`` s it is terminated, then killed. Safe to call
        twice or before :meth:`start`.
        """
        proc = self._proc
        if proc is None:
            return
        deadline = time.monotonic() + timeout
        if proc.is_alive():
            self.send(Stop())
            self.send(Shutdown())
            proc.join(max(0.1, deadline - time.monotonic() - 0.5))
            if proc.is_alive():
                proc.terminate()
                proc.join(max(0.1, deadline - time.monotonic() - 0.2))
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        if self._reader is not None:
            self._reader.join(max(0.1, deadline - time.monotonic()))
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass

    def __enter__(self) -> "EngineClient":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
