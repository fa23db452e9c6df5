"""Command palette entries: every active binding with an ``id`` becomes a palette command.

So each action with a key (train, stop, quit, log scale, and whatever other
screens add) can also be found by name with ``ctrl+p``, without a second list
to keep in sync. The ``id`` is the opt-in: a binding hidden from the footer
(``show=False``, for want of room) is still in the palette when it has one.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Iterable, Iterator

from textual.app import SystemCommand
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

__all__ = ["binding_commands", "own_bindings"]


def binding_commands(app: "App[object]", screen: "Screen[object]") -> Iterable[SystemCommand]:
    """One :class:`SystemCommand` per active binding that has an ``id`` and a description
    (shown in the footer or not).

    The command's title is the binding's description, its help the tooltip
    and the key; choosing it runs the binding's action on the node that owns
    the binding (the screen or the App).
    """
    seen: set[str] = set()
    found = [(active.node, active.binding) for active in screen.active_bindings.values()]
    # A screen's own binding whose key the focused widget also binds (enter in a
    # DataTable) is missing from active_bindings; it is still one of the screen's actions.
    found += [(screen, b) for b in own_bindings(screen)]
    for node, b in found:
        if not b.id or not b.description or b.id in seen:
            continue
        seen.add(b.id)
        keys = app.get_key_display(b)
        help_text = f"{b.tooltip} ({keys})" if b.tooltip else f"key: {keys}"
        yield SystemCommand(b.description, help_text, partial(app.run_action, b.action, node))


def own_bindings(screen: "Screen[object]") -> Iterator[Binding]:
    """The screen's own bindings, one per key, from the ``BINDINGS`` of its class and its bases
    (public API: :meth:`Binding.make_bindings`, not the screen's private binding map)."""
    for cls in type(screen).__mro__:
        yield from Binding.make_bindings(cls.__dict__.get("BINDINGS", ()))
