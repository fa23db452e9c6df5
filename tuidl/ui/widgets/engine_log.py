"""The dashboard's engine log pane: follows new output, no horizontal scroll bar.

Textual's ``Log(auto_scroll=True)`` scrolls to the end after a write only when
it was at the end *before* the write. When the pane got shorter (a resize, or
the horizontal scroll bar appearing under a first long line) its old position
was no longer the end, and it stopped following for good: at 80x24 the pane
showed its first lines while the engine wrote on. :class:`EngineLog` uses
Textual's anchor instead (``Widget.anchor``): the compositor keeps it at the
end after every layout, until the person scrolls up; scrolling back to the end
anchors it again.

Long lines are cut at the pane's edge (``scrollbar-size-horizontal: 0``: the
three-line pane at 80x24 lost one line to the horizontal scroll bar); with the
pane focused, ``right``/``left`` still scroll sideways, and the whole line is
in the run's ``engine.log``.
"""

from __future__ import annotations

from textual.widgets import Log

__all__ = ["EngineLog"]


class EngineLog(Log):
    """A ``textual.widgets.Log`` that stays at its end unless the person scrolled up (see the module)."""

    DEFAULT_CSS = """
    EngineLog { scrollbar-size-horizontal: 0; }
    """

    def on_mount(self) -> None:
        """Anchor the pane to its end."""
        self.anchor()
