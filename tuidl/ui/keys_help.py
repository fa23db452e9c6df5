"""The key reference (``?`` or ``F1``): every key of the current screen, grouped, in a scrollable modal.

The rows are made from the bindings in force, never from a second list: the
screen's :attr:`~textual.screen.Screen.active_bindings` (the focused widget and
its parents, the screen, the App; keys a focused text field takes for typing
are already left out there, and actions whose ``check_action`` says ``False``
too), plus the screen's own bindings whose key the focused widget binds first
(``enter`` on the runs table: the table's ``Select`` opens the run; not when
the widget is a text field, whose ``enter`` and ``delete`` are its own). A group is
named after the node that owns its keys: the screen (``Builder``, ``Runs``),
a focused widget (``Layer list``, ``Data table``) or ``App``; a node's
``KEYS_GROUP`` class attribute names it otherwise. Keys are written as the
footer writes them (:meth:`App.get_key_display`: ``ctrl+s`` is ``^s``); keys of
one action share a row (``x del``). Descriptions and tooltips are shown as
plain text, never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from tuidl.ui.commands import own_bindings
from tuidl.ui.text import plain, styled

if TYPE_CHECKING:
    from textual.dom import DOMNode

__all__ = ["KeyRow", "KeysHelp", "group_name", "key_groups", "keys_table"]

APP_GROUP = "App"
"""The group of the App's keys (they work on every screen that is not a modal)."""


@dataclass
class KeyRow:
    """One row of the reference: the keys of one action of one node.

    Attributes:
        keys: the keys as shown to people, space-separated (``"x del"``, ``"^s"``).
        description: the binding's description (the footer's label), or its action's name.
        tooltip: the binding's tooltip, ``""`` when it has none.
        enabled: ``False`` when the action is dimmed now (``s`` with nothing running).
    """

    keys: str
    description: str
    tooltip: str
    enabled: bool


def group_name(node: "DOMNode") -> str:
    """The heading of a node's keys: its class's ``KEYS_GROUP`` if set, ``"App"`` for the App,
    else its class name in words, without a screen's ``Screen`` suffix (``BuilderScreen``:
    ``"Builder"``, ``LayerList``: ``"Layer list"``)."""
    named = getattr(type(node), "KEYS_GROUP", "")
    if isinstance(named, str) and named:
        return named
    if isinstance(node, App):
        return APP_GROUP
    name = type(node).__name__
    if isinstance(node, Screen) and name.endswith("Screen") and name != "Screen":
        name = name[: -len("Screen")]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name) or [name]
    return " ".join([words[0]] + [w.lower() if not w.isupper() or len(w) == 1 else w for w in words[1:]])


def key_groups(app: "App[object]", screen: "Screen[object]") -> list[tuple[str, list[KeyRow]]]:
    """The keys in force on ``screen`` now, as ``(group name, rows)``: the screen's group first,
    then the focused widgets' (innermost first), then the App's. The screen's rows are in the
    order its class declares them (Textual's own ``Screen`` keys last), the others in the order
    of ``screen.active_bindings``.

    Public Textual API only: ``Screen.active_bindings``, ``Binding.make_bindings`` (through
    :func:`tuidl.ui.commands.own_bindings`) and ``App.get_key_display``.
    """
    found: list[tuple[DOMNode, Binding, bool]] = []
    active = screen.active_bindings
    for entry in active.values():
        found.append((entry.node, entry.binding, entry.enabled))
    for binding in own_bindings(screen):
        holder = active.get(binding.key)
        if holder is None or holder.node is screen or isinstance(holder.node, App):
            continue  # in force already, or not at all (check_action), or behind an App priority key
        if isinstance(holder.node, Widget) and holder.node.check_consume_key("a", "a"):
            continue  # a text field's editing keys (enter, delete) are its own
        found.append((screen, binding, True))  # a list's enter: its Select reaches the screen's action
    rows: dict[str, dict[tuple[str, str], tuple[list[str], KeyRow]]] = {}  # group -> action -> (keys, row)
    nodes: dict[str, DOMNode] = {}
    for node, binding, enabled in found:
        group = group_name(node)
        nodes.setdefault(group, node)
        description = _description(binding)
        by_action = rows.setdefault(group, {})
        key = app.get_key_display(binding)
        entry = by_action.get((binding.action, description))
        if entry is None:
            by_action[(binding.action, description)] = ([key], KeyRow(key, description, binding.tooltip, enabled))
            continue
        keys, row = entry
        if key not in keys:
            keys.append(key)
            row.keys = " ".join(keys)
        row.enabled = row.enabled or enabled
        row.tooltip = row.tooltip or binding.tooltip
    order = sorted(rows, key=lambda g: _rank(nodes[g], screen))
    declared = {(b.action, _description(b)): i for i, b in reversed(list(enumerate(own_bindings(screen))))}
    groups = []
    for g in order:
        items = list(rows[g].items())
        if nodes[g] is screen:  # as the screen's class declares them; Textual's own Screen keys last
            items.sort(key=lambda item: declared.get(item[0], len(declared)))
        groups.append((g, [row for _, (_, row) in items]))
    return groups


def _description(binding: Binding) -> str:
    """The binding's description, else its action's name in words."""
    return binding.description or binding.action.replace("_", " ")


def _rank(node: "DOMNode", screen: "Screen[object]") -> int:
    """Screen first, then widgets (in the order found: the focused one first), then the App
    (``sorted`` is stable)."""
    if node is screen:
        return 0
    if isinstance(node, App):
        return 2
    return 1


NOT_NOW = " (not now)"
"""After the description of a key whose action is dimmed now."""


def keys_table(rows: Iterable[KeyRow], key_width: int = 0, description_width: int = 0) -> Table:
    """A grid of key, description and tooltip (the tooltip wraps); a dimmed row says ``(not now)``.

    ``key_width`` and ``description_width`` (cells) line the columns of several tables up."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("key", no_wrap=True, style="bold", min_width=key_width)
    table.add_column("description", no_wrap=True, min_width=description_width)
    table.add_column("tooltip", ratio=1)
    for row in rows:
        description = plain(row.description) if row.enabled else styled(row.description, (NOT_NOW, "italic"))
        table.add_row(plain(row.keys), description, plain(row.tooltip, "italic"), style="" if row.enabled else "dim")
    return table


class KeysHelp(ModalScreen[None]):
    """The key reference of one screen (see the module). ``escape``, ``?``, ``F1`` or ``q`` closes it.

    Args:
        screen_name: the screen's group name, for the title (``"Builder"``).
        groups: what :func:`key_groups` returned for that screen.
    """

    DEFAULT_CSS = """
    KeysHelp { align: center middle; }
    KeysHelp > Vertical {
        width: 100%; max-width: 120; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    KeysHelp > Vertical { border-title-style: bold; border-subtitle-color: $text-muted; }
    KeysHelp #keys-body { height: auto; }
    KeysHelp #keys-body:focus { background-tint: $foreground 0%; }
    """

    BINDINGS = [
        Binding("escape,question_mark,f1,q", "close", "Close", id="keys.close", tooltip="Close the key reference"),
    ]

    LINE_UP_MAX = 24
    """Key and description columns are lined up across groups up to this many cells; a group with
    a longer one (an ``Input``'s "Move cursor right or accept the completion suggestion") widens
    only its own column, so the tooltips elsewhere keep their room at 80 columns."""

    def __init__(self, screen_name: str, groups: list[tuple[str, list[KeyRow]]]) -> None:
        super().__init__(id="keys-help")
        self.screen_name = screen_name
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical() as frame:
            frame.border_title = plain(f"Keys: {self.screen_name}")
            frame.border_subtitle = plain("esc ? F1 q close · ↑ ↓ pgup pgdn scroll")
            with VerticalScroll(id="keys-body"):
                yield Static(self.body(), id="keys-table")

    def body(self) -> Group:
        """Each group's heading and its table, the columns lined up across the tables."""
        rows = [row for _, group in self.groups for row in group]
        key_width = min(self.LINE_UP_MAX, max((cell_len(r.keys) for r in rows), default=0))
        description_width = min(
            self.LINE_UP_MAX, max((cell_len(r.description + ("" if r.enabled else NOT_NOW)) for r in rows), default=0)
        )
        parts: list[Text | Table] = []
        for i, (name, group) in enumerate(self.groups):
            if i:
                parts.append(Text(""))
            parts.append(plain(name, "bold underline"))
            parts.append(keys_table(group, key_width, description_width))
        return Group(*parts)

    def on_mount(self) -> None:
        self.query_one("#keys-body").focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The box is as tall as its keys, up to the screen's height (then it scrolls)."""
        self.query_one("#keys-body").styles.max_height = max(1, self.size.height - 2)  # less the border

    def action_close(self) -> None:
        """Close the reference."""
        self.dismiss(None)
