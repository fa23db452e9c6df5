"""Text from outside shown as data, never as markup.

Textual reads a ``str`` given to ``Static``/``Label`` (``update`` too), a
toast, a border title, a tooltip, an ``OptionList``/``Select``/
``SelectionList`` prompt and a ``DataTable`` cell as *markup*: a training
error holding ``[T=DT_FLOAT]`` vanished from the line, and one holding ``[/]``
ended the app with ``MarkupError``. Escaping (``rich.markup.escape`` or
``textual.markup.escape``) is not enough for Textual's own markup parser:
``\\[T=DT_FLOAT]`` still disappears (both escapes only guard ``[`` before a
lowercase letter, ``#``, ``/`` or ``@``). So every string that comes from the
engine, a file, a run folder or a person reaches a widget as a
:class:`rich.text.Text` made here (or through ``markup=False``), and
notifications pass ``markup=False``.

:func:`plain` is the one place outside text passes on its way to the screen
in the UI: it also makes control characters printable (``\\x1b``, see
:func:`tuidl.core.text.printable`; newlines and tabs kept), so an escape code
from a file never reaches the terminal; a test (``tests/ui/test_text_is_data.py``) checks that every
``notify`` call in ``tuidl/ui`` passes ``markup=False``.
"""

from __future__ import annotations

from rich.style import StyleType
from rich.text import Text

from tuidl.core.text import printable

__all__ = ["plain", "styled"]


def plain(value: object, style: StyleType = "") -> Text:
    """``str(value)`` as a :class:`~rich.text.Text` shown exactly as it is (brackets and all).

    Args:
        value: any object; ``None`` gives ``"None"``, as ``str`` does.
        style: a Rich style for the whole text (``"bold"``, ``"dim"``); ``""`` for none.

    Returns:
        A ``Text`` that widgets, table cells and prompts show without reading markup.

    >>> plain("[T=DT_FLOAT] [/]").plain
    '[T=DT_FLOAT] [/]'
    >>> print(plain("a\\x1b[2Jb").plain)
    a\\x1b[2Jb
    """
    return Text(printable(str(value), lines=True), style=style)


def styled(*parts: str | tuple[str, StyleType] | Text) -> Text:
    """Join pieces into one :class:`~rich.text.Text`; a ``(text, style)`` pair is styled,
    a ``str`` is plain. Control characters become printable, as in :func:`plain`; no piece is read as markup (``Text.assemble``, with ``str``
    forced on the text of a pair).

    >>> styled("optimizer ", ("[adam]", "bold")).plain
    'optimizer [adam]'
    """
    return Text.assemble(
        *(
            (printable(str(p[0]), lines=True), p[1])
            if isinstance(p, tuple)
            else printable(p, lines=True)
            if isinstance(p, str)
            else p
            for p in parts
        )
    )
