"""Event lines for scripts: what ``tuidl run --json`` and ``tuidl check --json`` print on stdout.

One JSON object per line, its first key ``"event"`` naming the kind; the keys of each kind are listed
in ``docs/run-format.md`` ("Event lines") and only grow. JSON has no NaN or infinity: a number that
is not finite is written as the string ``"nan"``, ``"inf"`` or ``"-inf"`` (a diverged loss keeps
what it became; ``null`` stays for "no value"). Every line is strict JSON (``json.loads`` reads it)
and ASCII: text from files, Keras or the user is escaped (``\\u001b``), never sent raw to a terminal.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["event_line", "finding_fields", "json_safe"]


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float as ``"nan"``/``"inf"``/``"-inf"``, tuples as lists,
    NumPy scalars as Python numbers, dict keys as strings, a lone surrogate in text as the six
    characters ``\udcff``, and anything else JSON cannot hold as its ``str``."""
    if isinstance(value, str):
        # a lone surrogate (a file name's undecodable byte, as Python reads argv) is no Unicode
        # text: strict parsers (serde_json, Go) refuse its "\udcff"; written as that text instead
        return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m[0]):04x}", value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {json_safe(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # a NumPy scalar
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def event_line(event: str, **fields: Any) -> str:
    """One event as a line of JSON (no newline): ``{"event": event, **fields}``.

    >>> event_line("epoch", epoch=0, loss=float("nan"))
    '{"event": "epoch", "epoch": 0, "loss": "nan"}'
    """
    return json.dumps({"event": event, **json_safe(fields)}, allow_nan=False, ensure_ascii=True)


def finding_fields(f: Any) -> dict[str, Any]:
    """A pre-flight finding (:class:`tuidl.core.events.Finding`) as the keys of a ``finding`` line,
    the same as ``run.json``'s ``findings``: ``level``, ``message``, ``hint``, ``field`` (spec path
    or ``""``) and ``layer`` (0-based index or ``None``)."""
    return {"level": f.severity, "message": f.message, "hint": f.hint, "field": f.field, "layer": f.layer}
