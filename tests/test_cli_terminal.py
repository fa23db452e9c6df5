"""The dashboard without a usable terminal, in a real terminal (a pty), and ``tuidl run`` with closed streams.

Each case runs ``python -m tuidl`` in a fresh process, as a person would.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any, Callable

import pytest

TUIDL = [sys.executable, "-m", "tuidl"]
X10_MOUSE_PAST_COLUMN_95 = b"\x1b[MC\x80*"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env.update(LANG="C.UTF-8", TERM="xterm-256color", TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


class Pty:
    """A pseudo-terminal of ``cols`` x ``rows``; ``slave`` goes to the child, the test reads ``master``."""

    def __init__(self, cols: int = 120, rows: int = 30) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = b""

    def read_until(self, done: Callable[[bytes], bool], proc: subprocess.Popen, timeout: float = 60) -> bool:
        """Read the child's output until ``done(output)`` or the child ends or the deadline passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done(self.output):
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk and proc.poll() is not None:
                    break
                self.output += chunk
            elif proc.poll() is not None:
                break
        return done(self.output)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def _make_controlling_terminal() -> None:
    """In the child (after setsid): make stdin, the pty, its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _popen_in_pty(
    term: Pty,
    args: list[str],
    cwd: Path,
    *,
    controlling: bool = True,
    stdout: Any = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=cwd,
        env=env or _env(),
        stdin=term.slave,
        stdout=term.slave if stdout is None else stdout,
        stderr=term.slave,
        start_new_session=True,
        preexec_fn=_make_controlling_terminal if controlling else None,
    )


# -- no terminal: exit 2 at once with a message that points to `tuidl run` ---------------------------------------


def _assert_refused(rc: int, stderr: str, stdout: str, what: str) -> None:
    assert rc == 2, (rc, stderr)
    assert stderr.startswith("tuidl: the dashboard needs a terminal") and what in stderr, stderr
    assert "tuidl run" in stderr and "Traceback" not in stderr
    assert stderr.count("\n") == 1, stderr  # one line
    assert "\x1b" not in stdout + stderr and stdout == ""


def test_dashboard_with_stdin_from_dev_null_exits_2(tmp_path: Path) -> None:
    p = subprocess.run(
        TUIDL, cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    _assert_refused(p.returncode, p.stderr, p.stdout, "stdin is not one")
    assert not (tmp_path / "runs").exists()


def test_dashboard_with_stdout_in_a_file_exits_2_and_writes_no_escape_codes(tmp_path: Path) -> None:
    term = Pty()
    out = tmp_path / "screen.txt"
    try:
        with out.open("wb") as f:
            proc = _popen_in_pty(term, TUIDL, tmp_path, stdout=f)
            assert term.read_until(lambda b: b"\n" in b, proc), term.output
            rc = proc.wait(timeout=60)
    finally:
        term.close()
    _assert_refused(rc, term.output.decode().replace("\r\n", "\n"), out.read_text(), "stdout is not one")


def test_dashboard_without_a_controlling_terminal_exits_2(tmp_path: Path) -> None:
    """``setsid tuidl`` from a shell: stdin, stdout and stderr are still the terminal, but not this session's."""
    term = Pty()
    try:
        proc = _popen_in_pty(term, TUIDL, tmp_path, controlling=False)
        assert term.read_until(lambda b: b"\n" in b, proc), term.output
        rc = proc.wait(timeout=60)
    finally:
        term.close()
    _assert_refused(rc, term.output.decode().replace("\r\n", "\n"), "", "no controlling terminal")


def test_dashboard_without_any_terminal_exits_2(tmp_path: Path) -> None:
    """``setsid tuidl </dev/null >log 2>&1``, as from cron or a service."""
    log = tmp_path / "log"
    with log.open("wb") as f:
        rc = subprocess.run(
            TUIDL,
            cwd=tmp_path,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=f,
            start_new_session=True,
            timeout=60,
        ).returncode
    _assert_refused(rc, log.read_text(), "", "stdin is not one")


# -- the terminal's encoding ---------------------------------------------------------------------------------------

_PROBE = [sys.executable, "-c", "from tuidl.terminal import terminal_problem; print(terminal_problem())"]


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"LANG": "C.UTF-8"}, "None"),
        ({"LANG": "C"}, "None"),  # PEP 538: Python coerces the C locale to C.UTF-8
        ({"LC_ALL": "C"}, "None"),  # PEP 540: in the C locale Python writes UTF-8 (its UTF-8 mode)
        ({"LC_ALL": "POSIX"}, "None"),
        ({"LC_ALL": "C", "PYTHONUTF8": "0"}, "the terminal's encoding is ascii, not UTF-8"),
        ({"PYTHONIOENCODING": "latin-1"}, "the terminal's encoding is iso8859-1, not UTF-8"),
    ],
)
def test_terminal_encoding_as_python_writes_it(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    term = Pty()
    try:
        proc = _popen_in_pty(term, _PROBE, tmp_path, env={**_env(), **env})
        term.read_until(lambda b: b"\n" in b, proc)
        proc.wait(timeout=60)
    finally:
        term.close()
    assert term.output.decode().strip().startswith(expected), term.output


def test_dashboard_on_a_terminal_that_is_not_utf8_says_what_to_set(tmp_path: Path) -> None:
    term = Pty()
    try:
        proc = _popen_in_pty(term, TUIDL, tmp_path, env=_env(LC_ALL="C", PYTHONUTF8="0"))
        term.read_until(lambda b: b"\n" in b, proc)
        rc = proc.wait(timeout=60)
    finally:
        term.close()
    text = term.output.decode()
    assert rc == 2, text
    assert text.strip() == (
        "tuidl: the terminal's encoding is ascii, not UTF-8, so the dashboard cannot draw; "
        "set LANG=C.UTF-8 (or another UTF-8 locale) and unset PYTHONIOENCODING"
    )


# -- in a real terminal: input the terminal sends never kills the app ---------------------------------------------


@pytest.mark.keras  # the dashboard starts its engine process, which imports TensorFlow
@pytest.mark.slow
@pytest.mark.parametrize("mouse", ["on", "--no-mouse", "TUIDL_NO_MOUSE=1"])
def test_dashboard_survives_a_legacy_mouse_report_and_quits_on_ctrl_q(tmp_path: Path, mouse: str) -> None:
    args = TUIDL + ["--runs-dir", str(tmp_path / "runs")] + (["--no-mouse"] if mouse == "--no-mouse" else [])
    env = _env(TUIDL_NO_MOUSE="1") if mouse.startswith("TUIDL_") else _env()
    term = Pty(cols=120, rows=30)
    try:
        proc = _popen_in_pty(term, args, tmp_path, env=env)
        try:
            assert term.read_until(lambda b: b"Train" in b, proc), term.output[-2000:]  # the footer is drawn
            mouse_on = b"\x1b[?1000h" in term.output
            assert mouse_on == (mouse == "on")
            os.write(term.master, X10_MOUSE_PAST_COLUMN_95)
            os.write(term.master, b"\x10")  # ctrl+p: the command palette proves input still flows
            assert term.read_until(lambda b: b"Search for commands" in b, proc), term.output[-2000:]
            assert proc.poll() is None
            os.write(term.master, b"\x1b")  # close the palette
            os.write(term.master, b"\x11")  # ctrl+q
            term.read_until(lambda b: False, proc, timeout=30)  # drain until it exits
            rc = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        term.close()
    text = term.output.decode(errors="replace")
    assert rc == 0, text[-2000:]
    assert "Traceback" not in text and "UnicodeDecodeError" not in text


# -- `tuidl run` with closed or failing streams --------------------------------------------------------------------


def _run_with(redirect: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path]:
    runs = tmp_path / "runs"
    cmd = " ".join(
        ["exec", *map(_quote, TUIDL), "run", "digits-mlp", "--epochs", "1", "--runs-dir", _quote(str(runs)), redirect]
    )
    p = subprocess.run(["sh", "-c", cmd], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    return p, runs


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def _completed_run(runs: Path) -> dict[str, Any]:
    (run_dir,) = list(runs.iterdir())
    assert (run_dir / "model.keras").is_file()
    return json.loads((run_dir / "run.json").read_text())


@pytest.mark.keras
@pytest.mark.slow
def test_run_with_stdin_closed_trains(tmp_path: Path) -> None:
    p, runs = _run_with("<&-", tmp_path)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "epoch 1/1" in p.stdout and "completed 1 epoch" in p.stdout
    assert _completed_run(runs)["status"] == "completed"


@pytest.mark.keras
@pytest.mark.slow
def test_run_with_stdout_closed_writes_progress_to_stderr(tmp_path: Path) -> None:
    p, runs = _run_with("<&- >&-", tmp_path)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "epoch 1/1" in p.stderr and "completed 1 epoch" in p.stderr  # progress goes where it can
    assert _completed_run(runs)["status"] == "completed"


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_run_with_stdout_on_a_full_device_trains_and_says_so_once(tmp_path: Path) -> None:
    p, runs = _run_with(">/dev/full", tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert p.stderr.count("cannot write progress to <stdout> (No space left on device); training goes on") == 1
    assert "completed 1 epoch" in p.stderr  # the outcome still shows
    assert _completed_run(runs)["status"] == "completed"


def test_progress_survives_an_output_that_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """A write error (here a pipe nobody reads) stops progress with one note, never training."""
    from tuidl.commands.run import Progress
    from tuidl.core.events import EpochEnded

    r, w = os.pipe()
    os.close(r)
    out = os.fdopen(w, "w")
    try:
        progress = Progress(out, tty=False)
        for epoch in range(3):
            progress(EpochEnded(run_id="r", epoch=epoch, logs={"loss": 1.0}, seconds=1.0, step=epoch + 1))
        progress.say("completed 3 epochs")
        progress.end()
    finally:
        out.close()  # nothing is left to flush: the descriptor now points at /dev/null
    err = capsys.readouterr().err
    assert err.count("cannot write progress to") == 1 and "(Broken pipe); training goes on" in err
    assert err.rstrip().endswith("completed 3 epochs")


def test_closed_standard_descriptors_are_never_reused_for_files(tmp_path: Path) -> None:
    """With fd 1 closed, the next file opened would become "stdout" for native code (TensorFlow's logs)."""
    probe = (
        "import os, sys; from tuidl.terminal import reserve_std_fds; reserve_std_fds(); "
        "fd = os.open(os.devnull, os.O_RDONLY); print(fd, sys.stdout is None, file=sys.stderr)"
    )
    p = subprocess.run(
        ["sh", "-c", f"exec {_quote(sys.executable)} -c {_quote(probe)} <&- >&-"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    fd, stdout_none = p.stderr.split()
    assert int(fd) > 2 and stdout_none == "True", p.stderr
