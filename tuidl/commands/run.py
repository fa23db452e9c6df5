"""``tuidl run PRESET``: train an experiment without the TUI.

Uses the same :func:`tuidl.engine.train.train` as the dashboard's engine and
writes the same run folder. Prints a progress bar (redrawn in place on a
terminal) and one line per epoch, then the run folder.

With ``--json`` stdout holds one JSON object per line instead (``finding``, ``start``,
``epoch``, ``end``; see ``docs/run-format.md``, "Event lines"), for scripts.

Exit codes: 0 completed, 130 stopped by Ctrl-C (finished epochs kept),
1 failed or diverged, 2 bad input (unknown preset, invalid file or ``--set``, data
that cannot be loaded, a model Keras cannot build).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO, Iterator, TextIO

from tuidl.core.text import format_duration, plural, printable
from tuidl.terminal import is_tty, output_stream

BAR_WIDTH = 24

BAD_INPUT_KINDS = ("spec", "preset", "data", "build", "runs-dir")
"""Error kinds found before training starts: exit code 2 (bad input), not 1."""


SET_HELP = "override a spec key by dotted path, e.g. fit.batch_size=64 (repeatable; see below)"
"""``--set``'s one-line help (``tuidl run`` and the dashboard)."""

SET_EPILOG = """\
--set KEY=VALUE sets any key of the experiment by its dotted path; VALUE is
written as in the TOML file (numbers, true/false, "strings", [lists]; a bare
word is a string):
  --set fit.batch_size=64 --set compile.optimizer=sgd
  --set 'model.layers[1].config.units=128'
  --set compile.optimizer.config.learning_rate=0.01
A path inside a component given by preset name (compile.optimizer = "adam", a
layer's kernel_initializer or kernel_regularizer, a loss name) first expands
the preset to its { class_name, config }, then sets the key."""
"""How ``--set`` works, with examples (epilog of ``tuidl run --help`` and ``tuidl --help``)."""


def add_parser(sub: Any) -> None:
    """Register ``run`` on the ``tuidl`` sub-command parser."""
    p = sub.add_parser(
        "run",
        help="train an experiment headless (no TUI)",
        description="Train an experiment preset or .toml file without the TUI, through the same\n"
        "training code as the dashboard, and write runs/<run-id>/.",
        epilog=SET_EPILOG + "\n\nExit codes: 0 completed, 130 stopped (Ctrl-C), 1 failed or diverged,\n"
        "2 bad input (also a --runs-dir that cannot be written).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("preset", metavar="PRESET", help="experiment preset name (e.g. digits-mlp) or .toml file")
    p.add_argument("--epochs", type=_epochs, metavar="N", help="number of epochs (same as --set fit.epochs=N)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=SET_HELP)
    p.add_argument("--runs-dir", metavar="DIR", help="where runs are written (default: $TUIDL_RUNS_DIR or ./runs)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per line on stdout (events: finding, start, epoch, end) instead of "
        "the progress text, for scripts; messages still go to stderr",
    )
    p.add_argument(
        "--no-insight",
        action="store_true",
        help="do not measure inside the model (no insight.jsonl or batches.jsonl; same as --set insight.enabled=false)",
    )
    p.add_argument(
        "--tensorboard",
        action="store_true",
        help="also write TensorBoard event files into <run>/tensorboard (needs the tensorboard "
        "package; also on with TUIDL_TENSORBOARD=1)",
    )


def _epochs(text: str) -> int:
    """``--epochs N``: a whole number (its range is checked with the experiment, as ``fit.epochs``)."""
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number; allowed: an integer from 1 to 100,000 (fit.epochs)"
        ) from None


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _print_err(text: str) -> None:
    """Print a line on stderr; a stderr that is closed or cannot be written is skipped."""
    if sys.stderr is None:
        return
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class Progress:
    """Prints training events: an in-place bar on a terminal, one line per epoch.

    Output never stops training: when ``out`` cannot be written (a full disk,
    ``/dev/full``, a closed pipe) progress stops, a note goes to stderr once, and
    the descriptor is pointed at ``/dev/null`` so that nothing fails again at exit.

    Args:
        out: where to write (stdout; stderr when stdout is closed; ``None``: nowhere).
        tty: redraw the bar in place (``\\r``); without a terminal no bar is drawn.
        json_lines: write event lines (:mod:`tuidl.core.jsonlines`) instead of text and bar.
    """

    def __init__(self, out: TextIO | None, tty: bool, json_lines: bool = False) -> None:
        self.out, self.tty, self.json_lines = out, tty, json_lines
        self.epochs = 0
        self.bar_shown = False
        self.failed = False
        """A write to ``out`` failed; output stopped."""
        self.t_epoch = time.monotonic()

    def write(self, text: str, flush: bool = True) -> None:
        """Write ``text`` to the output, if it is still writable."""
        if self.out is None:
            return
        try:
            self.out.write(text)
            if flush:
                self.out.flush()
        except (OSError, ValueError) as e:
            out, self.out, self.failed = self.out, None, True
            _discard(out)
            if out is not sys.stderr:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                _print_err(
                    f"tuidl: cannot write progress to {getattr(out, 'name', 'the output')} ({reason}); training goes on"
                )

    def say(self, line: str) -> None:
        """Write one line (the run's outcome); on stderr when the output failed before, and with
        ``json_lines`` (the output holds JSON only)."""
        if self.json_lines or (self.out is None and self.failed):
            _print_err(line)
        else:
            self.write(line + "\n")

    def _clear_bar(self) -> None:
        if self.bar_shown:
            self.write("\r\x1b[2K", flush=False)
            self.bar_shown = False

    def event(self, event: str, **fields: Any) -> None:
        """Write one event line (``--json``)."""
        from tuidl.core.jsonlines import event_line

        self.write(event_line(event, **fields) + "\n")

    def _json_event(self, ev: Any) -> None:
        from tuidl.core.events import EpochEnded, RunStarted
        from tuidl.core.jsonlines import finding_fields

        if isinstance(ev, RunStarted):
            s = ev.summary
            for f in s.findings if s is not None else ():
                self.event("finding", **finding_fields(f))
            self.event(
                "start",
                run_id=ev.run_id,
                run_dir=ev.run_dir,
                epochs=ev.epochs,
                steps_per_epoch=ev.steps_per_epoch,
                params=s.total_params if s is not None else None,
                trainable_params=s.trainable_params if s is not None else None,
            )
        elif isinstance(ev, EpochEnded):  # a metrics.jsonl record: epoch 0-based, time since the start
            fixed = {"epoch": ev.epoch, "step": ev.step, "time": round(ev.seconds, 4)}
            self.event("epoch", **fixed, **{k: v for k, v in ev.logs.items() if k not in (*fixed, "event")})

    def __call__(self, ev: Any) -> None:
        from tuidl.core.events import BatchProgress, EpochEnded, RunStarted

        if self.json_lines:
            self._json_event(ev)
        elif isinstance(ev, RunStarted):
            self.epochs = ev.epochs
            s = ev.summary
            if s is not None and s.findings:  # the same pre-flight warnings `tuidl check` prints, before training
                from tuidl.core.checks import format_finding

                for f in s.findings:
                    self.out.write(format_finding(f) + "\n")
            params = f", {s.total_params:,} params" if s is not None else ""
            self.write(
                f"run {ev.run_id}: {plural(ev.epochs, 'epoch')} x "
                f"{plural(ev.steps_per_epoch, 'batch', 'batches')}{params}\n"
            )
            self.t_epoch = time.monotonic()
        elif isinstance(ev, BatchProgress) and self.tty:
            frac = (ev.batch + 1) / max(1, ev.steps)
            fill = int(round(frac * BAR_WIDTH))
            loss = ev.logs.get("loss")
            text = (
                f"epoch {ev.epoch + 1}/{self.epochs} [{'#' * fill}{'.' * (BAR_WIDTH - fill)}] "
                f"{ev.batch + 1}/{ev.steps}" + (f" loss={_fmt(loss)}" if loss is not None else "")
            )
            self.write("\r\x1b[2K" + text)
            self.bar_shown = True
        elif isinstance(ev, EpochEnded):
            self._clear_bar()
            now = time.monotonic()
            logs = ev.logs
            parts = [f"epoch {ev.epoch + 1}/{self.epochs}"]
            for key in ("loss", "val_loss"):
                if key in logs:
                    parts.append(f"{key}={_fmt(logs[key])}")
            for key, v in logs.items():
                if key not in ("loss", "val_loss", "learning_rate"):
                    parts.append(f"{printable(key)}={_fmt(v)}")
            parts.append(f"{now - self.t_epoch:.1f}s")
            self.t_epoch = now
            self.write(" ".join(parts) + "\n")

    def end(self) -> None:
        """Remove a half-drawn bar."""
        self._clear_bar()
        self.write("")


def _discard(stream: TextIO | None) -> None:
    """Point ``stream``'s descriptor at ``/dev/null`` and drop what it still buffers.

    After a failed write Python keeps the unwritten text and tries again when the
    interpreter exits ("Exception ignored ... No space left on device", exit 120);
    writing it into ``/dev/null`` instead ends that.
    """
    if stream is None:
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
        stream.flush()
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def capture_native_stderr() -> Iterator[BinaryIO]:
    """Send file descriptor 2 (TensorFlow's C++ and absl logs) to a temporary file.

    Python's ``sys.stderr`` keeps writing to the terminal (through a duplicate
    of the original descriptor), so tuidl's own messages and tracebacks still
    show. Yields the temporary file; its content is the captured log.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all
        with tempfile.TemporaryFile() as f:
            yield f
        return
    old_stderr = sys.stderr
    with tempfile.TemporaryFile() as f:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(f.fileno(), 2)
        sys.stderr = open(saved, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        try:
            yield f
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            sys.stderr = old_stderr


def _append_log(captured: BinaryIO, run_dir: Path | None) -> None:
    """Append the captured native log to ``<run_dir>/engine.log``."""
    if run_dir is None:
        return
    captured.flush()
    captured.seek(0)
    data = captured.read()
    if data:
        try:
            with open(Path(run_dir) / "engine.log", "ab") as f:
                f.write(data)
        except OSError as e:  # a full disk: the log is lost, the run's result is already printed
            print(
                f"tuidl: {Path(run_dir) / 'engine.log'}: cannot write the native log: {e.strerror or e}",
                file=sys.stderr,
            )


def main(args: argparse.Namespace) -> int:
    """Run ``tuidl run``; returns the exit code.

    Raises:
        TuidlError: bad preset, file or override (the CLI prints it, exit 2).
    """
    from tuidl.core.errors import check_runs_dir
    from tuidl.core.presets import load_experiment, resolved, run_name_for
    from tuidl.core.runs import runs_dir

    from tuidl.core.errors import TuidlError

    json_lines = bool(getattr(args, "json", False))
    try:
        exp = load_experiment(args.preset, list(args.overrides))  # TuidlError -> message, exit 2
        if args.epochs is not None:
            exp = exp.with_overrides({"fit.epochs": args.epochs}, origin="--epochs")
        exp = resolved(exp)  # presets resolved once, here where the experiment enters; training reads them inline
        name = run_name_for(exp)  # how it differs from its preset: "digits-mlp sgd l2"
        if getattr(args, "no_insight", False):  # after the name: measuring or not is no difference in the model
            exp = exp.with_overrides({"insight.enabled": False}, origin="--no-insight")
        root = runs_dir(args.runs_dir)
        check_runs_dir(root)  # before TensorFlow loads: a bad --runs-dir is bad input (exit 2)
    except TuidlError as e:
        if json_lines:  # a script gets its `end` line too; the message goes to stderr as always
            Progress(output_stream(), False, json_lines=True).event(
                "end",
                status="failed",
                exit_code=e.exit_code,
                run_id=None,
                run_dir=None,
                epochs_done=0,
                duration=None,
                error=e.to_dict(),
            )
        raise

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tensorboard = args.tensorboard or os.environ.get("TUIDL_TENSORBOARD", "") not in ("", "0")
    if tensorboard:
        from tuidl.engine.tensorboard import tensorboard_available

        if not tensorboard_available():
            print(
                "tuidl: the tensorboard package is not installed (pip install 'tuidl[tensorboard]'); "
                "training without TensorBoard files",
                file=sys.stderr,
            )
    with capture_native_stderr() as captured:
        code, run_dir = _run(exp, root, tensorboard, target=args.preset, run_name=name, json_lines=json_lines)
        _append_log(captured, run_dir)
    return code


def _run(
    exp: Any,
    root: Path,
    tensorboard: bool = False,
    target: str = "",
    run_name: str | None = None,
    json_lines: bool = False,
) -> tuple[int, Path | None]:
    """Train with progress output; returns (exit code, run folder).

    ``target`` (the preset argument) is named in the message of a run refused before training;
    ``run_name`` is the run's name (default the experiment's); ``json_lines``: event lines on the
    output instead of text, the last one ``end``.
    """
    progress = Progress(output_stream(), False, json_lines=True) if json_lines else None
    code, run_dir, result = _train_with_progress(exp, root, tensorboard, target, progress, run_name)
    if progress is not None:
        err = result.error
        if result.status == "diverged" and run_dir is not None:  # run.json says what became non-finite
            err = _stored_error(run_dir)
        progress.event(
            "end",
            status=result.status,
            exit_code=code,
            run_id=result.run_id or None,
            run_dir=None if run_dir is None else str(run_dir),
            epochs_done=result.epochs_done,
            duration=round(result.seconds, 3) if run_dir is not None else None,
            error=err,
        )
    return code, run_dir


def _stored_error(run_dir: Path) -> dict[str, Any] | None:
    """``run.json``'s ``error`` (``None`` when it has none or cannot be read)."""
    from tuidl.core.runs import UnreadableFile, read_run_json

    try:
        err = read_run_json(run_dir, "run.json").get("error")
    except UnreadableFile:
        return None
    return err if isinstance(err, dict) else None


def _train_with_progress(
    exp: Any, root: Path, tensorboard: bool, target: str, progress: "Progress | None", run_name: str | None = None
) -> tuple[int, Path | None, Any]:
    """Train; returns (exit code, run folder, :class:`~tuidl.engine.train.RunResult`). Text progress
    and outcome lines unless ``progress`` (a ``--json`` one) is given."""
    from tuidl.engine.train import Control, train

    extra = []
    if tensorboard:
        from tuidl.engine.tensorboard import tensorboard_callback

        extra.append(tensorboard_callback)

    if progress is None:
        out = output_stream()  # stdout, or stderr when stdout is closed (``>&-``), or nowhere
        progress = Progress(out, is_tty(out))
    control = Control()

    def on_sigint(signum: int, frame: Any) -> None:
        if control.stop_requested.is_set():
            raise KeyboardInterrupt
        control.stop()
        _print_err("\nstopping after this batch (Ctrl-C again to abort)")

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = train(exp, progress, control, runs_dir=root, extra_callbacks=extra, run_name=run_name)
    finally:
        signal.signal(signal.SIGINT, old)
        progress.end()
    where = f": {result.run_dir}" if result.run_dir is not None else " (no run folder was written)"
    done = plural(result.epochs_done, "epoch")
    if result.status == "completed":
        progress.say(f"completed {done} in {format_duration(result.seconds)}{where}")
        return 0, result.run_dir, result
    if result.status == "stopped":
        progress.say(f"stopped after {done}{where}")
        return (130 if control.stop_requested.is_set() else 0), result.run_dir, result
    if result.status == "diverged":
        _print_err(f"diverged after {plural(result.epochs_done, 'finished epoch')} (loss became non-finite){where}")
        return 1, result.run_dir, result
    err = result.error or {}
    bad_input = err.get("kind") in BAD_INPUT_KINDS
    subject = f"{target}: " if bad_input and target else ""  # which experiment was refused
    # the message quotes files and Keras (whose own text holds escape codes): printable only
    _print_err(
        printable(f"tuidl: {subject}{err.get('title', 'Training failed')}: {err.get('message', '')}", lines=True)
    )
    if err.get("hint"):
        _print_err(printable(f"  hint: {err['hint']}", lines=True))
    if result.run_dir is not None:  # a run that never started has no folder (nothing was written)
        _print_err(f"run folder: {result.run_dir}")
    return (2 if bad_input else 1), result.run_dir, result
