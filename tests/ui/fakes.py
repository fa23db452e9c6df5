"""A fake engine client for pilot tests: plays scripted events, records requests.

It follows ``tuidl.engine.client.EngineClient``'s API (``start``, ``send``,
``recv``, ``alive``, ``close``) without a process: requests are answered from
a script on the calling thread, events go through a queue that the App's
reader worker drains, as with the real client.
"""

from __future__ import annotations

import dataclasses
import json
import math
import queue
import threading
from pathlib import Path
from typing import Any, Callable

from tuidl.core import events as ev
from tuidl.core.protocol import Export, Request, Shutdown, Stop, Summarize, Train
from tuidl.core.runs import RunWriter

RUN_ID = "20250101-000000-digits-mlp-abcd"


def epoch_logs(n: int) -> list[dict[str, float]]:
    """``n`` epochs of falling loss/val_loss and rising accuracy."""
    return [
        {"loss": 2.0 / (i + 1), "accuracy": 0.5 + 0.1 * i, "val_loss": 2.2 / (i + 1), "val_accuracy": 0.45 + 0.1 * i}
        for i in range(n)
    ]


def penalty_epoch_logs(n: int) -> list[dict[str, float]]:
    """:func:`epoch_logs` of a model with a weight penalty: ``regularization_loss`` falling from 0.5,
    the loss and ``val_loss`` including it (as Keras logs them)."""
    out = []
    for i, logs in enumerate(epoch_logs(n)):
        pen = 0.5 / (i + 2)
        out.append({**logs, "loss": logs["loss"] + pen, "val_loss": logs["val_loss"] + pen, "regularization_loss": pen})
    return out


class FakeEngineClient:
    """A scripted engine.

    Args:
        epochs: per-epoch logs to play on Train (default: 3 falling epochs).
        steps: batches per epoch (each gets a BatchProgress).
        hold_after: play this many epochs, then wait for Stop/close (``None``: play all).
        fail: a RunFailed to send after RunStarted instead of epochs.
        die_after: after this many epochs, the engine "dies" (EngineExited, not expected).
        ready: send EngineReady on start (``False``: stay "loading" until :meth:`make_ready`;
            as the real engine, Train requests wait until then and a Stop cancels them).
        run_id: the run id RunStarted carries.
        write_run_dir: write a real run folder (run.json, metrics.jsonl) like the engine,
            but with no ``pid`` and without finishing it on close (as if killed).
        ignore_stop: do not answer Stop (a hung engine that has to be killed).
        export_failure: answer Export with this ExportFailed (its ``request_id`` replaced)
            instead of writing the script. By default an Export writes the script's text
            (``tuidl.core.script.script_text``, no data file) and answers Exported; held
            until ready, as the engine's export thread starts then.
        summary_fails: ``spec -> RunFailed | None``: answer a Summarize of that spec with this
            failure (its request id and requester filled in, as the engine does), e.g. data that
            cannot be loaded; ``None`` (or it returns ``None``): a Summary.
    """

    instances: list["FakeEngineClient"] = []

    def __init__(
        self,
        epochs: list[dict[str, float]] | None = None,
        steps: int = 4,
        hold_after: int | None = None,
        fail: ev.RunFailed | None = None,
        die_after: int | None = None,
        ready: bool = True,
        run_id: str = RUN_ID,
        write_run_dir: bool = True,
        ignore_stop: bool = False,
        export_failure: ev.ExportFailed | None = None,
        summary_fails: Callable[[dict[str, Any]], ev.RunFailed | None] | None = None,
    ) -> None:
        self.epochs = epoch_logs(3) if epochs is None else epochs
        self.steps = steps
        self.hold_after = hold_after
        self.fail = fail
        self.die_after = die_after
        self.ready = ready
        self.run_id = run_id
        self.write_run_dir = write_run_dir
        self.ignore_stop = ignore_stop
        self.export_failure = export_failure
        self._held_exports: list[Export] = []
        self.summary_fails = summary_fails
        self.requests: list[Request] = []
        self.started = False
        self.closed = False
        self._q: queue.Queue[ev.Event] = queue.Queue()
        self._alive = False
        self._run: RunWriter | None = None
        self._lock = threading.Lock()
        self._ready_sent = False
        self._held: list[Train] = []
        FakeEngineClient.instances.append(self)

    # -- EngineClient API ----------------------------------------------------------------
    def start(self) -> None:
        self.started = True
        self._alive = True
        self._q.put(ev.LogLine("fake engine: importing tensorflow"))
        if self.ready:
            self.make_ready()

    @property
    def alive(self) -> bool:
        return self._alive

    @property
    def pid(self) -> int | None:
        return None

    def send(self, request: Request) -> bool:
        if not self._alive:
            return False
        with self._lock:
            self.requests.append(request)
            if isinstance(request, Summarize):
                # the answer names its requester, as the engine's does (tuidl.engine.host)
                failed = self.summary_fails(request.spec) if self.summary_fails is not None else None
                answer = self.summary(request.request_id, request.spec) if failed is None else failed
                self._q.put(dataclasses.replace(answer, request_id=request.request_id, requester=request.requester))
            elif isinstance(request, Train):
                if self._ready_sent:
                    self._train(request)
                else:
                    self._held.append(request)
            elif isinstance(request, Export):
                if self._ready_sent:
                    self._export(request)
                else:
                    self._held_exports.append(request)
            elif isinstance(request, Stop):
                if self._held:  # as the engine: a queued Train stopped before it began, no run folder
                    self._held.clear()
                    self._q.put(ev.RunFinished("", "stopped", 0, 0.0))
                elif self._run is not None and not self.ignore_stop:
                    done = self._run.info.get("epochs_done", 0)
                    self._run.finish("stopped")
                    self._run = None
                    self._q.put(ev.RunFinished(self.run_id, "stopped", done, 0.5))
            elif isinstance(request, Shutdown):
                self._exit(0, expected=True)
        return True

    def recv(self, timeout: float | None = None) -> ev.Event | None:
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self, timeout: float = 3.0) -> None:
        if self.closed:
            return
        self.closed = True
        # like a killed engine: a run in progress is left "running" on disk
        self._exit(-9 if self._run is not None else 0, expected=True)

    # -- script --------------------------------------------------------------------------
    def make_ready(self) -> None:
        """Send EngineReady (fixed versions, so snapshots are stable), then start held Train requests."""
        self._q.put(ev.EngineReady({"tensorflow": "2.21.0", "keras": "3.15.1"}, ("CPU:0",), 6.0))
        with self._lock:
            self._ready_sent = True
            held, self._held = self._held, []
            for req in held:
                self._train(req)
            exports, self._held_exports = self._held_exports, []
            for export in exports:
                self._export(export)

    def emit(self, event: ev.Event) -> None:
        """Send any event now."""
        self._q.put(event)

    def summary(self, request_id: int, spec: dict[str, Any]) -> ev.Summary:
        """A Summary with one row per spec layer (``<class>_<i>``, 100 params each)."""
        rows = tuple(
            ev.LayerRow(
                i,
                f"{layer['class_name'].lower()}_{i}",
                layer["class_name"],
                (int(layer["config"].get("units", 64)),),
                100,
                100,
            )
            for i, layer in enumerate(spec["model"]["layers"])
        )
        n = 100 * len(rows)
        data = {
            "name": "digits",
            "input_shape": [8, 8, 1],
            "x_dtype": "float32",
            "n_train": 1437,
            "n_val": 360,
            "n_classes": 10,
        }
        return ev.Summary(request_id, (8, 8, 1), rows, n, n, 0, data)

    def _export(self, req: Export) -> None:
        if self.export_failure is not None:
            self._q.put(dataclasses.replace(self.export_failure, request_id=req.request_id))
            return
        from tuidl.core.script import script_text
        from tuidl.core.spec import from_dict

        Path(req.path).parent.mkdir(parents=True, exist_ok=True)
        Path(req.path).write_text(script_text(from_dict(req.spec), None, Path(req.path).name), encoding="utf-8")
        self._q.put(ev.Exported(req.request_id, req.path))

    def _train(self, req: Train) -> None:
        run_dir = Path(req.runs_dir) / self.run_id
        if self.write_run_dir:
            self._run = RunWriter(Path(req.runs_dir), self.run_id)
            self._run.start("name = 'fake'\n", {"name": "fake"})
            self._run.info["pid"] = None  # as if from an engine that is gone once closed
            self._run.write_info()
        epochs = int(req.spec["fit"]["epochs"])
        self._q.put(ev.RunStarted(self.run_id, str(run_dir), epochs, self.steps, self.summary(0, req.spec)))
        if self.fail is not None:
            if self._run is not None:
                self._run.finish("failed", error={"kind": self.fail.kind, "title": self.fail.title})
                self._run = None
            self._q.put(self.fail)
            return
        n_play = len(self.epochs) if self.hold_after is None else min(self.hold_after, len(self.epochs))
        for e in range(n_play):
            self.play_epoch(e)
            if self.die_after is not None and e + 1 >= self.die_after:
                self._exit(-11, expected=False)
                return
        if self.hold_after is None:
            if self._run is not None:
                self._run.finish("completed")
                self._run = None
            self._q.put(ev.RunFinished(self.run_id, "completed", n_play, 1.5))

    def play_epoch(self, e: int) -> None:
        """Send the batches and the end of epoch ``e`` (0-based) of the script."""
        logs = self.epochs[e]
        for b in range(self.steps):
            loss = logs["loss"] * (1.2 - 0.2 * (b + 1) / self.steps)
            self._q.put(ev.BatchProgress(self.run_id, e, b, self.steps, e * self.steps + b, {"loss": loss}))
        if self._run is not None:
            self._run.epoch({"epoch": e, **logs})
        self._q.put(ev.EpochEnded(self.run_id, e, dict(logs), 0.1 * (e + 1), (e + 1) * self.steps))

    def _exit(self, code: int, expected: bool) -> None:
        if not self._alive:
            return
        self._alive = False
        self._q.put(ev.EngineExited(code, expected))


def read_run_json(run_dir: Path) -> dict[str, Any]:
    """``run.json`` of a run folder as a dict."""
    return json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))


def finite(x: float) -> bool:
    """``True`` for a finite float."""
    return isinstance(x, float) and math.isfinite(x)
