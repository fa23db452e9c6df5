"""TOML text for experiments and messages: values as written in a file, and the experiment layout.

Pure helpers over plain data (``tomli_w`` writes the scalars); :mod:`tuidl.core.spec` uses them to save
an experiment, and every message that quotes a value uses :func:`toml_repr`.
"""

from __future__ import annotations

import re
from typing import Any


def _toml_value(v: Any) -> str:
    """One TOML value; tables are written inline (``{ a = 1, b = "x" }``)."""
    import tomli_w

    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return tomli_w.dumps({"v": v})[len("v = ") :].rstrip("\n")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def toml_repr(value: Any) -> str:
    """A value as it would be written in the TOML file, for messages.

    ``True`` -> ``true``, ``"adam"`` -> ``"adam"`` (double quotes), ``0.01`` ->
    ``0.01``, ``[1, 2]`` -> ``[1, 2]``, a dict -> an inline table. Values TOML
    cannot hold (``None``, objects) fall back to Python's ``repr``.
    """
    try:
        return _toml_value(value)
    except Exception:  # tomli_w refuses it: not a TOML value
        return repr(value)


def dumps_toml(data: dict[str, Any]) -> str:
    """Write an experiment dict as TOML: top-level scalars, then one section per table.

    ``model.layers`` becomes ``[[model.layers]]`` blocks. Nested tables below a
    section are written inline so that each layer reads as one block.
    """
    lines: list[str] = []
    for k, v in data.items():
        if not isinstance(v, dict):
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in data.items():
        if not isinstance(v, dict):
            continue
        if k == "model":
            extra = {kk: vv for kk, vv in v.items() if kk != "layers"}
            if extra:
                lines += ["", "[model]"] + [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in extra.items()]
            for layer in v.get("layers", []):
                lines += ["", "[[model.layers]]"]
                lines += [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in layer.items()]
            continue
        lines += ["", f"[{_toml_key(k)}]"]
        lines += [f"{_toml_key(a)} = {_toml_value(b)}" for a, b in v.items()]
    return "\n".join(lines) + "\n"


def drop_none(obj: Any) -> Any:
    """``obj`` with ``None`` values left out of every dict, at any depth (TOML has no null)."""
    if isinstance(obj, dict):
        return {k: drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [drop_none(v) for v in obj]
    return obj
