"""Small helpers for text shown to a person (CLI output, status lines, messages).

Text that comes from outside (a run folder, a preset file, the engine, Keras's
messages) passes through :func:`printable` before it reaches a terminal, so an
escape sequence in a crafted ``run.json`` (``\\x1b]0;title\\x07`` retitles the
terminal, ``\\x1b[2J`` clears it) is shown as the four characters ``\\x1b``
instead of being obeyed.
"""

from __future__ import annotations

import math
import re
from typing import Any

# C0 controls, DEL and C1 controls (Unicode category Cc), lone surrogates (Cs: a
# str read with errors="surrogateescape" or from JSON "\udXXX"), and the bidi
# embedding/override/isolate marks, which reorder what is shown (CVE-2021-42574).
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}]")
_UNSAFE_KEEP_LINES_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}]")  # \t \n kept


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c <= 0xFF else f"\\u{c:04x}"


def printable(text: Any, *, lines: bool = False) -> str:
    """``text`` (made a ``str``) with every character a terminal could obey written as an escape.

    C0 controls (``\\x00``-``\\x1f``: ESC, BEL, CR, backspace, ...), DEL
    (``\\x7f``), C1 controls (``\\x80``-``\\x9f``; ``\\x9b`` is a one-byte CSI on
    many terminals), lone surrogates (``\\ud800``-``\\udfff``) and the bidi
    override/isolate marks (``\\u202a``-``\\u202e``, ``\\u2066``-``\\u2069``)
    become ``\\x1b``/``\\u202e`` style text. Everything else (letters of any
    script, emoji, ``[brackets]``) is kept: this is about terminal control, not
    markup (see ``rich.markup.escape`` for that).

    Args:
        text: any value; ``str()`` is applied to non-strings.
        lines: keep newline and tab (for multi-line messages and log panes);
            otherwise they are escaped too, for one-line cells.

    >>> printable("run\\x1b]0;pwned\\x07")
    'run\\\\x1b]0;pwned\\\\x07'
    >>> printable("a\\tb\\nc"), printable("a\\tb\\nc", lines=True)
    ('a\\\\x09b\\\\x0ac', 'a\\tb\\nc')
    """
    s = text if isinstance(text, str) else str(text)
    return (_UNSAFE_KEEP_LINES_RE if lines else _UNSAFE_RE).sub(_escape, s)


def printable_data(value: Any) -> Any:
    """:func:`printable` applied to every string in nested dicts/lists/tuples (keys too).

    Numbers, booleans and ``None`` are returned as they are; a dict stays a dict
    and a list stays a list, so the result can still be written as JSON.
    """
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k) if isinstance(k, str) else k: printable_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(printable_data(v) for v in value)
    return value


class PrintableWriter:
    """A text stream that passes everything written through :func:`printable` (newlines and tabs kept).

    For command output made of outside text only (``tuidl check``'s report):
    ``print(..., file=PrintableWriter(sys.stdout))``. Not for output that draws
    with escape codes on purpose (``tuidl run``'s in-place progress bar).

    Args:
        stream: the text stream written to (``sys.stdout``).
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` made printable; returns the length of ``text`` (as ``TextIO.write``)."""
        self.stream.write(printable(text, lines=True))
        return len(text)

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.stream.flush()

    def isatty(self) -> bool:
        """Whether the underlying stream is a terminal."""
        return bool(getattr(self.stream, "isatty", lambda: False)())


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, the word in plural unless ``n`` is 1.

    >>> plural(1, "epoch"), plural(2, "epoch"), plural(0, "batch", "batches")
    ('1 epoch', '2 epochs', '0 batches')
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"


_MAX_HOURS = 99_999


def format_duration(seconds: float | None) -> str:
    """A duration in seconds as ``"1h02m"``, ``"3m05s"`` or ``"12.3s"``; ``"-"`` for ``None``
    and for what is no duration (negative, NaN, infinite: a run folder can say anything);
    ``">99999h"`` past that many hours (eleven years), so a cell stays short.

    One format for ``tuidl runs``, ``tuidl run`` and the screens."""
    if seconds is None:
        return "-"
    try:
        s = float(seconds)
    except (OverflowError, TypeError, ValueError):
        return "-"
    if not math.isfinite(s) or s < 0:
        return "-"
    if s >= _MAX_HOURS * 3600:
        return f">{_MAX_HOURS}h"
    if s < 59.95:  # 59.97 is not "60.0s"
        return f"{s:.1f}s"
    m, s = divmod(max(60, int(s)), 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"
