"""Textual's ``Footer`` without its leak on every bindings change (long sessions stay bounded, issue 8).

Textual's ``Footer`` recomposes itself whenever the screen's bindings change
(in tuidl: twice per run, ``t`` dimmed at the start and ``s`` at the end). Each
``FooterKey`` it composes is ``data_bind``-ed to the footer's ``compact``
reactive, which stores ``(key, callback)`` in the *footer's* watcher list;
Textual prunes that list of closed widgets only when ``compact`` changes
(Textual issue 6666, open in 8.2.8). So every recompose left the old keys with
their styles and caches alive: 16 keys, about 0.5 MB per start/stop cycle in
the UI process (``benchmarks/bench_soak.py``). :class:`TuidlFooter` prunes the
list after each recompose, by Textual's own rule (``_closing``).

It also shows some keys only where room permits (:attr:`TuidlFooter.OPTIONAL_ACTIONS`:
``? Help``): such a key that would be cut short by the footer's edge or the
palette key is left out, and comes back when the terminal is wide enough.

In a compact footer Textual gives every key, the docked palette key too, a right margin of
one cell: the keys scrolled behind the palette showed through that last cell (``^p paletteS``,
the ``S`` of ``s Stop``, while a dialog was open at 80 columns). The palette key has no margin here.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

__all__ = ["TuidlFooter", "prune_closed_watchers"]

LAYOUT_TRIES = 20
"""Refreshes to wait for the footer's keys to be laid out before their widths are known."""


def prune_closed_watchers(node: Any, attribute: str) -> int:
    """Drop watchers of ``node.<attribute>`` whose watching widget has closed (been removed).

    The same filter Textual applies when the attribute changes
    (``Reactive._check_watchers``), applied now. Reads Textual's private
    ``__watchers`` map; does nothing when it is not there.

    Returns:
        How many watchers were dropped.
    """
    watchers = getattr(node, "__watchers", {}).get(attribute)
    if not watchers:
        return 0
    kept = [(reactable, callback) for reactable, callback in watchers if not getattr(reactable, "_closing", False)]
    dropped = len(watchers) - len(kept)
    watchers[:] = kept
    return dropped


class TuidlFooter(Footer):
    """``textual.widgets.Footer`` that lets go of its old keys when it recomposes, and shows the
    keys of :attr:`OPTIONAL_ACTIONS` only when they fit whole (see the module)."""

    DEFAULT_CSS = """
    TuidlFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
    }
    """

    OPTIONAL_ACTIONS = frozenset({"help"})
    """Actions whose key is shown only where it fits whole (the others are Textual's: cut at the edge)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left_out: list[str] = []
        """Actions of :attr:`OPTIONAL_ACTIONS` whose key was left out for want of room."""
        self._left_out_at = 0
        """The footer's width when a key was last left out (only a wider footer composes again)."""

    async def recompose(self) -> None:
        """Compose the keys again, then drop the removed keys' ``compact`` watchers, and (once
        laid out) the optional keys that do not fit."""
        await super().recompose()
        prune_closed_watchers(self, "compact")
        self.left_out = []
        self.call_after_refresh(self._leave_out_cut_keys)

    def on_resize(self, event: events.Resize) -> None:
        """Wider: compose again if a key was left out; else check that the keys still fit."""
        if self.left_out:
            if event.size.width > self._left_out_at:
                self.call_after_refresh(self.recompose)
        else:
            self.call_after_refresh(self._leave_out_cut_keys)

    def _leave_out_cut_keys(self, tries: int = LAYOUT_TRIES) -> None:
        """Remove each optional key that ends past the footer's edge or under a docked key (the
        palette's). Keys not laid out yet are looked at again after the next refresh (``tries`` times)."""
        if not self.is_attached:
            return
        keys = [w for w in self.children if isinstance(w, Widget)]
        optional = [w for w in keys if getattr(w, "action", None) in self.OPTIONAL_ACTIONS]
        if not optional:
            return
        if any(not w.virtual_region.width for w in keys):  # not laid out yet
            if tries > 0:
                self.call_after_refresh(self._leave_out_cut_keys, tries - 1)
            return
        docked = [w for w in keys if w.styles.dock != "none"]
        origin = self.content_region.x
        room = min([w.region.x - origin for w in docked if w.region.width] + [self.content_region.width])
        for key in optional:
            action = str(getattr(key, "action", ""))
            if key not in docked and key.virtual_region_with_margin.right > room and action not in self.left_out:
                self.left_out.append(action)
                self._left_out_at = self.size.width
                key.remove()
