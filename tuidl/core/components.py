"""Component presets: named Keras objects (optimizers, initializers, regularizers) and their store.

A component preset names a Keras object in its serialized form ``{class_name, config}``
(:class:`KerasRef`), per family: ``optimizers``, ``initializers`` and ``regularizers``
(``components/<family>.toml``, one table per preset). Built-in presets ship inside the
package (``tuidl/_builtin_presets`` in a wheel, the repository's ``presets/`` in a
checkout); the user's own live in ``platformdirs.user_config_path("tuidl") / "presets"``
(same layout) and are merged over the built-ins; ``TUIDL_PRESETS_DIR`` overrides that folder.

This module imports nothing of the experiment spec: the spec (``--set`` into a preset)
and :mod:`tuidl.core.presets` (experiment files, resolving a whole experiment) build on it.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tuidl.core.errors import PresetError, SpecError
from tuidl.core.registry import COMPONENT_KEYS, ComponentFamily
from tuidl.core.tomlio import toml_repr
from tuidl.core.validation import pydantic_problems

__all__ = [
    "COMPONENT_KEYS",
    "FAMILIES",
    "NONE_CLASS",
    "Component",
    "Family",
    "KerasRef",
    "builtin_dir",
    "components",
    "preset_names",
    "resolve_component",
    "user_dir",
]


class KerasRef(BaseModel):
    """A Keras object in serialized form: ``{class_name, config}``.

    This is what ``keras.saving.serialize_keras_object`` writes, minus
    ``module`` and ``registered_name``; the engine rebuilds it with Keras's own
    ``get``/``deserialize_keras_object`` in safe mode.
    """

    model_config = ConfigDict(extra="forbid")
    class_name: str = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)


Component = Union[str, KerasRef]
"""A preset name (``"he-normal"``) or an inline :class:`KerasRef`."""

Family = ComponentFamily
FAMILIES: tuple[Family, ...] = ("optimizers", "initializers", "regularizers")

NONE_CLASS = "None"
"""``class_name`` of the "no regularizer" preset; the engine passes ``None``."""


def builtin_dir() -> Path:
    """Folder of the built-in presets (installed wheel or source checkout)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_builtin_presets"
    if packaged.is_dir():
        return packaged
    return here.parent / "presets"


def user_dir() -> Path:
    """Folder of the user's presets: ``$TUIDL_PRESETS_DIR`` or the user config dir."""
    env = os.environ.get("TUIDL_PRESETS_DIR")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_config_path("tuidl") / "presets"


def _dirs() -> list[Path]:
    return [builtin_dir(), user_dir()]


def _read_family(path: Path, family: str) -> dict[str, KerasRef]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # ValueError: TOMLDecodeError, or an integer of > 4300 digits
        raise PresetError(f"{path}: cannot read {family} presets: {e}", title="Invalid preset file") from None
    out = {}
    for name, table in data.items():
        if not isinstance(table, dict) or not isinstance(table.get("class_name"), str):
            raise PresetError(
                f"{path}: [{name}] needs class_name (a Keras class) and config (a table)", title="Invalid preset file"
            )
        try:
            out[name] = KerasRef.model_validate(table)
        except ValidationError as e:
            problems = "; ".join(
                f"{path or name}{'' if value is None else ' = ' + toml_repr(value)}: {msg}"
                for path, value, msg in pydantic_problems(e, KerasRef)
            )
            raise PresetError(f"{path}: [{name}]: {problems}", title="Invalid preset file") from None
    return out


@lru_cache(maxsize=8)
def _components_cached(family: str, key: tuple[tuple[str, float], ...]) -> dict[str, KerasRef]:
    merged: dict[str, KerasRef] = {}
    for d in _dirs():
        p = d / "components" / f"{family}.toml"
        if p.is_file():
            merged.update(_read_family(p, family))
    return merged


def components(family: Family) -> dict[str, KerasRef]:
    """Component presets of one family by name (built-ins, then the user's).

    Raises:
        PresetError: a preset file is not valid TOML or lacks ``class_name``.
    """
    if family not in FAMILIES:
        raise PresetError(f"unknown preset family {family!r}; allowed: {', '.join(FAMILIES)}")
    key = []
    for d in _dirs():
        p = d / "components" / f"{family}.toml"
        key.append((str(p), p.stat().st_mtime if p.is_file() else 0.0))
    return dict(_components_cached(family, tuple(key)))


def resolve_component(
    family: Family, value: str | KerasRef | dict[str, Any] | None, where: str = ""
) -> dict[str, Any] | None:
    """Turn a preset name or inline ref into ``{class_name, config}`` (``None`` for no regularizer).

    Args:
        family: which preset family the name belongs to.
        value: a preset name, a :class:`KerasRef`, a dict, or ``None``.
        where: field path for messages (``model.layers[1].config.kernel_regularizer``).

    Raises:
        SpecError: unknown preset name (the message lists the known ones).
    """
    if value is None:
        return None
    if isinstance(value, KerasRef):
        ref = value.model_dump()
    elif isinstance(value, dict):
        ref = {"class_name": value.get("class_name"), "config": dict(value.get("config") or {})}
    else:
        known = components(family)
        if value not in known:
            raise SpecError(
                f"{where or family} = {toml_repr(value)}: unknown {family[:-1]} preset; known: {', '.join(known)}",
                hint="use a preset name or an inline table { class_name = ..., config = {...} }",
                field=where or "",
            )
        ref = known[value].model_dump()
    if ref["class_name"] == NONE_CLASS:
        return None
    return ref


def preset_names() -> dict[str, list[str]]:
    """Component preset names per family, for pickers: ``{"optimizers": ["sgd", ...], ...}``.

    A family whose preset file is broken lists no names here (the error is
    reported where an experiment refers to one of its presets).
    """
    out: dict[str, list[str]] = {}
    for family in FAMILIES:
        try:
            out[family] = list(components(family))
        except PresetError:
            out[family] = []
    return out
