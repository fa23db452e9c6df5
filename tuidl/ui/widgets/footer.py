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
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer

__all__ = ["TuidlFooter", "prune_closed_watchers"]


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
    """``textual.widgets.Footer`` that lets go of its old keys when it recomposes (see the module)."""

    async def recompose(self) -> None:
        """Compose the keys again, then drop the removed keys' ``compact`` watchers."""
        await super().recompose()
        prune_closed_watchers(self, "compact")
