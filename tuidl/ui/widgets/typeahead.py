"""Keys handled in the order they were typed, also in a fast burst (type-ahead).

Why: Textual hands every key from the terminal to the widget that has focus
*when the App reads the key*, and runs key bindings later, when the key has
bubbled back up to the App. In a burst (tmux ``send-keys``, a fast typist, a
slow moment of the UI) that reorders keys in two ways:

1. a binding that moves focus (``e`` opens the layer editor) runs after the
   keys typed behind it were already handed to the old widget, which drops
   them (``e 1 2 8`` lost the digits);
2. in an ``Input``, letters are inserted at once but editing keys are
   bindings (``ctrl+a``, ``ctrl+k``, ``backspace``), so ``ctrl+a ctrl+k 1 2 8``
   typed ``128`` first and then deleted it.

:class:`TypeAhead`, mixed into a focusable widget, fixes both for that widget:

* a key that reaches it after focus has moved on goes to the widget that has
  focus now (keys follow the focus, in order);
* a key bound by this widget, its parents, the screen or the App (``tab``)
  runs its binding at once, in this widget's turn, instead of after the keys
  behind it (priority bindings are already run first by the App).

The actions such a key runs must move focus synchronously
(``screen.set_focus``), not with ``widget.focus()``, which is deferred.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget

__all__ = ["TypeAhead", "redirect_key"]

MAX_REQUEUE = 200
"""How often a key may be queued again while a new screen mounts (each time is one trip
through the App's message queue)."""


def redirect_key(event: events.Key, target: Widget) -> None:
    """Stop ``event`` here and deliver a copy of it to ``target`` (which has focus)."""
    event.stop()
    event.prevent_default()
    copy = events.Key(event.key, event.character)
    copy.set_sender(event._sender)  # noqa: SLF001 - keep the App as the sender, as the driver sets it
    target._forward_event(copy)  # noqa: SLF001 - Textual's own way to hand a key to a widget


class TypeAhead:
    """Mixin for a focusable widget (put it before the widget class): see the module docstring.

    ``TYPES_TEXT``: printable keys are the widget's own text (an ``Input``),
    so only non-printable keys are looked up as bindings here.
    """

    TYPES_TEXT = False

    async def _on_key(self, event: events.Key) -> None:  # type: ignore[override]
        widget: Widget = self  # type: ignore[assignment]
        app = widget.app
        if widget.screen is not app.screen:
            # the key was handed to us before a binding switched screens (``ctrl+s`` opens the save
            # prompt): queue it again for the App, which gives it to the new screen once that has
            # mounted and focused its field. Bounded, should a screen never take focus.
            bounces = getattr(event, "_tuidl_bounces", 0)
            if bounces < MAX_REQUEUE:
                event.stop()
                event.prevent_default()
                copy = events.Key(event.key, event.character)
                copy._tuidl_bounces = bounces + 1  # type: ignore[attr-defined]
                copy.set_sender(event._sender)  # noqa: SLF001 - as the driver sets it
                app.post_message(copy)
                return
        focused = app.focused
        if focused is not None and focused is not widget and widget not in focused.ancestors:
            # focus moved on after this key was handed to us: it follows the focus. A key that
            # bubbled up from a focused child (the open list of a Select) is not ours to re-send:
            # sending it back down would bubble it up here again, for ever.
            redirect_key(event, focused)
            return
        if focused is widget and not (self.TYPES_TEXT and event.is_printable):
            active = widget.screen.active_bindings.get(event.key)
            if active is not None and not active.binding.priority:
                event.stop()
                event.prevent_default()
                if active.enabled:
                    await app.run_action(active.binding.action, active.node)
                return
        await super()._on_key(event)  # type: ignore[misc]
