"""The UI's typed plumbing: every engine event type has its handler; no private Textual binding APIs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from tuidl.core import events as ev
from tuidl.ui.app import TuidlApp

UI = Path(__file__).resolve().parents[2] / "tuidl" / "ui"


def test_every_engine_event_type_has_a_handler() -> None:
    kinds = {
        c
        for _, c in inspect.getmembers(ev, inspect.isclass)
        if issubclass(c, ev.Event) and c is not ev.Event and c.__module__ == ev.__name__
    }
    handled = TuidlApp._EVENT_HANDLERS
    assert kinds <= set(handled), sorted(k.__name__ for k in kinds - set(handled))
    for name in handled.values():
        assert callable(getattr(TuidlApp, name, None)), name
        # Textual itself calls ``_on_<event>`` methods (``_on_ready`` for its Ready event): no clashes
        assert name not in ("_on_ready", "_on_mount", "_on_key", "_on_resize"), name


def test_no_private_textual_binding_apis() -> None:
    found = [
        f"{p.name}: {m.group(0)}"
        for p in UI.rglob("*.py")
        for m in re.finditer(r"\._bindings\b|\._replace\(", p.read_text(encoding="utf-8"))
    ]
    assert not found, found
