"""What the command line checks about the terminal and the standard streams (stdlib only).

* :func:`terminal_problem`: the dashboard needs a real terminal (stdin, stdout
  and stderr TTYs, a controlling terminal) that takes UTF-8. Without one,
  Textual 8.2.8 does not fail: with stdin at end of file its input thread spins
  (most of a core), with output in a file it writes escape codes there, and with
  an ASCII stream encoding it draws ``\\u2500`` for every line. tuidl says what
  is wrong and exits 2 instead.
* :func:`reserve_std_fds`: a closed descriptor 0, 1 or 2 is opened on
  ``/dev/null``, so that no file tuidl (or TensorFlow) opens later gets that
  number and receives stray output meant for the terminal.
"""

from __future__ import annotations

import codecs
import os
import sys

__all__ = ["NO_TERMINAL_HINT", "is_tty", "output_stream", "reserve_std_fds", "terminal_problem"]

NO_TERMINAL_HINT = "to train without the dashboard, use 'tuidl run PRESET' (see 'tuidl run --help')"
"""The second half of every "no terminal" message."""


def is_tty(stream: object) -> bool:
    """Whether ``stream`` (a file object or ``None``) is an open terminal."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError):  # closed
        return False


def _has_controlling_terminal() -> bool:
    """Whether ``/dev/tty`` opens (it does not after ``setsid`` or in a service)."""
    if os.name == "nt":
        return True
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def terminal_problem() -> str | None:
    """Why the dashboard cannot run in this process's terminal, or ``None`` when it can.

    Checked, in this order: stdin, stdout and stderr are terminals (Textual reads
    stdin and draws on stderr; stdout redirected means the output is meant for a
    file); there is a controlling terminal; the encoding Python writes to stdout
    and stderr is UTF-8. Python itself writes UTF-8 in the C/POSIX locale (PEP 538
    and PEP 540), so ``LANG=C`` or ``LC_ALL=C`` passes; a Latin-1 locale,
    ``PYTHONIOENCODING=ascii`` or ``LC_ALL=C PYTHONUTF8=0`` does not.

    Returns:
        One line for stderr (without the ``tuidl:`` prefix).
    """
    for name in ("stdin", "stdout", "stderr"):
        if not is_tty(getattr(sys, f"__{name}__")):
            return f"the dashboard needs a terminal, but {name} is not one (redirected or closed); " + NO_TERMINAL_HINT
    if not _has_controlling_terminal():
        return (
            "the dashboard needs a terminal, but this process has no controlling terminal "
            "(started with setsid, or from a service?); " + NO_TERMINAL_HINT
        )
    for stream in (sys.__stdout__, sys.__stderr__):
        encoding = getattr(stream, "encoding", None) or "unknown"
        try:
            utf8 = codecs.lookup(encoding).name == "utf-8"
        except LookupError:
            utf8 = False
        if not utf8:
            return (
                f"the terminal's encoding is {encoding}, not UTF-8, so the dashboard cannot draw; "
                "set LANG=C.UTF-8 (or another UTF-8 locale) and unset PYTHONIOENCODING"
            )
    return None


def reserve_std_fds() -> None:
    """Open ``/dev/null`` on each of the descriptors 0, 1 and 2 that is closed.

    ``sys.stdin``/``sys.stdout``/``sys.stderr`` stay as Python set them (``None``
    for a stream closed at start); only the descriptor numbers are taken.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            except OSError:
                return
            if null != fd:  # descriptors are handed out lowest first, so this is rare
                os.dup2(null, fd)
                os.close(null)


def output_stream() -> object | None:
    """Where ``tuidl run`` writes progress: stdout if it is open, else stderr, else ``None``."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            if not stream.closed:
                return stream
        except (AttributeError, ValueError):
            continue
    return None
