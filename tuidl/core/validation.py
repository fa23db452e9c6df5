"""Validation in tuidl's words: strict field types, pydantic errors turned into messages, text checks.

Every message names the field path (``model.layers[2].config.units``), the value and what is allowed;
never pydantic's own text. The experiment models (:mod:`tuidl.core.spec`) and the component preset files
(:mod:`tuidl.core.components`) both report through :func:`problem_text`.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Strict, ValidationError

from tuidl.core.errors import SpecError
from tuidl.core.tomlio import toml_repr

MAX_NESTING = 32
"""Deepest nesting of tables and lists in an experiment (a schedule inside an optimizer is 6 deep)."""

StrictInt = Annotated[int, Strict()]
"""An integer field that refuses ``3.0``, ``"3"`` and ``true`` (pydantic's lax mode would take them)."""
StrictFloat = Annotated[float, Strict()]
"""A number field that refuses ``"0.2"`` and ``true`` (integers are numbers and are taken)."""
StrictBool = Annotated[bool, Strict()]
"""A boolean field that refuses ``"yes"``, ``"true"`` and ``1``."""


_NOT_BOOL = "expected a number, got "
_QUOTED_RE = re.compile(r"'([^']*)'")


def _not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is meant (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{_NOT_BOOL}{str(value).lower()}")
    return value


Number = BeforeValidator(_not_bool)
"""Attach to int/float fields: booleans are not numbers in a spec."""


def format_loc(loc: tuple[Any, ...] | list[Any]) -> str:
    """``('model', 'layers', 2, 'config', 'units')`` -> ``model.layers[2].config.units``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "KerasRef", "function-after[_known_loss(), union[str,KerasRef]]"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


_UNION_TAGS = ("str", "KerasRef")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside a field annotation (``X``, ``X | None``, ``list[X]``, ``Union[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, tuple):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _model_at(loc: list[Any], root: type[BaseModel] | None) -> type[BaseModel] | None:
    """The pydantic model class under ``root`` that holds the field at ``loc`` (list indexes and union tags
    skipped); ``None`` when there is none (a dict's key, no root)."""
    names = tuple(p for p in loc[:-1] if isinstance(p, str) and p not in _UNION_TAGS and "[" not in p)
    model = root
    for name in names:
        info = model.model_fields.get(name) if model is not None else None
        model = _model_in(info.annotation) if info is not None else None
    return model


def _bounds(loc: list[Any], root: type[BaseModel] | None) -> str:
    """`` >= 1 and <= 100000`` from the constraints of the field at ``loc``; ``""`` when it has none."""
    model = _model_at(loc, root)
    name = next((p for p in reversed(loc) if isinstance(p, str) and p not in _UNION_TAGS and "[" not in p), None)
    info = model.model_fields.get(name) if model is not None and name else None
    if info is None:
        return ""
    out = []
    for m in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sign} {v:,}" if isinstance(v, int) and abs(v) >= 10_000 else f"{sign} {v}")
    return (" " + " and ".join(out)) if out else ""


def problem_text(e: dict[str, Any], root: type[BaseModel] | None = None) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in tuidl's words: what is allowed.

    Never pydantic's own text: the type of error picks a sentence, the field's
    constraints (``ge``/``le`` ...) and the error's context fill it in, e.g.
    ``"must be an integer >= 1 and <= 100,000 (not 3.0 or a string)"``,
    ``"unknown field; allowed: name, validation_split, path, target, options"``.

    ``root`` is the model that was validated (``Experiment``, ``KerasRef``): the
    field's constraints and its table's allowed fields are read from it.
    """
    t, ctx, loc = e["type"], e.get("ctx") or {}, list(e["loc"])
    # the value itself is neither a name nor a table (not a field inside the table: that one is named)
    union = bool(loc) and (loc[-1] in _UNION_TAGS or (isinstance(loc[-1], str) and "union[" in loc[-1]))
    if union and t in ("string_type", "model_type", "model_attributes_type", "dict_type"):
        return "must be a preset name (a string) or a table { class_name = ..., config = {...} }"
    if t == "value_error":
        msg = str(e.get("msg", ""))
        msg = msg[len("Value error, ") :] if msg.startswith("Value error, ") else msg
        if msg.startswith(_NOT_BOOL):  # `true` where a number goes: say the number's range too
            return f"must be a number{_bounds(loc, root)} (true and false are not numbers)"
        return msg
    if t == "extra_forbidden":
        model = _model_at(loc, root)
        allowed = f"; allowed: {', '.join(model.model_fields)}" if model is not None else ""
        return "unknown field" + allowed
    if t == "missing":
        return "is required"
    bounds = _bounds(loc, root)
    if t in ("int_type", "int_parsing", "int_from_float"):
        return f"must be an integer{bounds} (a whole number without quotes or a decimal point)"
    if t in ("float_type", "float_parsing", "finite_number"):
        return f"must be a {'finite ' if t == 'finite_number' else ''}number{bounds} (without quotes)"
    if t in ("bool_type", "bool_parsing"):
        return "must be true or false (without quotes)"
    if t in ("string_type", "string_sub_type"):
        return "must be a string (in quotes)"
    if t in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"must be{bounds}" if bounds else "is out of range"
    if t in ("literal_error", "enum"):  # pydantic's 'a', 'b' or 'c' -> TOML's "a", "b" or "c"
        expected = _QUOTED_RE.sub(r'"\1"', str(ctx.get("expected", "")))
        return f"must be one of {expected}".rstrip()
    if t in ("list_type", "tuple_type"):
        return "must be a list [ ... ]"
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a table { ... }"
    if t == "too_short":
        return f"must have at least {ctx.get('min_length', 1)} item(s)"
    if t == "too_long":
        return f"must have at most {ctx.get('max_length', '?')} item(s)"
    if t == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else f"must have at least {ctx.get('min_length')} characters"
        )
    if t == "string_too_long":
        return f"must have at most {ctx.get('max_length', '?')} characters"
    if t == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern', '')}".rstrip()
    if t == "multiple_of":
        return f"must be a multiple of {ctx.get('multiple_of', '?')}"
    if t == "none_required":
        return "must be left out"
    return "is not a value this field takes"


def pydantic_problems(err: ValidationError, root: type[BaseModel]) -> list[tuple[str, Any, str]]:
    """(path, value, message in tuidl's words) per pydantic error of validating ``root``, one per field path."""
    seen: dict[str, tuple[str, Any, str]] = {}
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS))]
        path = format_loc(loc)
        # a missing field has no value: pydantic's input is then the table around it
        value = None if e["type"] == "missing" else e.get("input")
        seen.setdefault(path, (path, value, problem_text(e, root)))
    union = problem_text({"type": "string_type", "loc": ("str",)}, root)
    # "a name or a table" for a table whose own fields are named below it says nothing more
    return [
        p for p in seen.values() if not (p[2] == union and any(o.startswith((p[0] + ".", p[0] + "[")) for o in seen))
    ]


LAYER_NAME_RE = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\\>-]*")
"""What a layer ``name`` may be: Keras 3 refuses ``/`` (``Operation.__init__``), and its
TensorFlow backend opens a name scope per layer, which must match
``[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*`` (``tf.name_scope``); ``"a b"`` or ``"a:b"`` build but fail
at the first training step."""

LAYER_NAME_ALLOWED = (
    "letters A-Z/a-z, digits, '_', '.', '-', '>' and '\\', starting with a letter, a digit "
    "or '.' (Keras's rule for its TensorFlow name scopes; no '/')"
)
"""The rule of :data:`LAYER_NAME_RE` in words, for messages."""


def arg_name_problem(key: Any) -> str | None:
    """Why ``key`` cannot be a Keras constructor argument name, or ``None``."""
    import keyword

    if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key) or not key.isascii():
        return "not a Keras argument name: argument names are Python identifiers (letters, digits and '_')"
    return None


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_TEXT_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def control_problems(data: Any, path: str = "") -> list[tuple[str, Any, str]]:
    """Strings (values and keys) holding terminal control characters, by field path.

    C0/C1 controls, DEL, lone surrogates and bidi overrides have no use in a spec
    and would drive the terminal of whoever shows it (``tuidl check``, the
    builder, a run's ``spec.toml`` in the runs screen); ``description`` may hold
    newlines and tabs.
    """
    out: list[tuple[str, Any, str]] = []
    if isinstance(data, str):
        pattern = _CONTROL_IN_TEXT_RE if path == "description" else _CONTROL_RE
        if pattern.search(data):
            out.append(
                (
                    path,
                    data,
                    (
                        "text without control characters (escape codes, DEL, U+0080-U+009F, bidi overrides "
                        "U+202A-U+202E/U+2066-U+2069); newlines and tabs are allowed here"
                        if path == "description"
                        else "text without control characters (escape codes, newlines, tabs, DEL, U+0080-U+009F, "
                        "bidi overrides U+202A-U+202E/U+2066-U+2069)"
                    ),
                )
            )
    elif isinstance(data, dict):
        for k, v in data.items():
            sub = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and _CONTROL_RE.search(k):
                out.append((path or "(top level)", None, f"key {toml_repr(k)}: a name without control characters"))
                continue
            out += control_problems(v, sub)
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out += control_problems(v, f"{path}[{i}]")
    return out


MAX_PROBLEMS_SHOWN = 20
"""The most problem lines one :func:`spec_error` lists (the last says how many more there are)."""


def spec_error(origin: str, problems: list[tuple[str, Any, str]]) -> SpecError:
    """One :class:`SpecError` listing ``(path, value, message)`` problems as ``origin: path = value: message``
    (at most :data:`MAX_PROBLEMS_SHOWN` lines, paths and values cut to 80 characters)."""
    lines = []
    for path, value, msg in problems:
        text = toml_repr(value)
        if len(text) > 80:
            text = text[:77] + "..."
        shown = "" if value is None or isinstance(value, dict) and len(text) > 60 else f" = {text}"
        if len(path) > 80:  # a key of a hostile file can be any length
            path = path[:77] + "..."
        lines.append(f"{path or '(top level)'}{shown}: {msg}")
    if len(lines) > MAX_PROBLEMS_SHOWN:  # a wrong file can have thousands: a screenful, then the count
        left = len(lines) - MAX_PROBLEMS_SHOWN + 1
        lines[MAX_PROBLEMS_SHOWN - 1 :] = [f"... and {left} more"]
    n = len(problems)
    head = lines[0] if n == 1 else f"{n} problems:\n  " + "\n  ".join(lines)
    hint = (
        f"fix the {origin} value and try again"
        if origin.startswith("--")
        else "fix the field in the file (or the --set value) and try again"
    )
    return SpecError(f"{origin}: {head}", hint=hint)
