"""``--set KEY=VALUE`` overrides: parse one, and apply it to an experiment's dict by dotted path.

A path that goes inside a component given by preset name expands the preset first
(:func:`tuidl.core.components.resolve_component`), so ``--set
compile.optimizer.config.learning_rate=0.01`` works while ``compile.optimizer = "adam"``.
"""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

from tuidl.core.components import resolve_component
from tuidl.core.errors import SpecError
from tuidl.core.registry import COMPONENT_KEYS, LOSS_CLASSES
from tuidl.core.tomlio import toml_repr
from tuidl.core.validation import MAX_NESTING


_PATH_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[-?\d+\])*)")


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"fit.epochs=3"`` into ``("fit.epochs", 3)``.

    The value is parsed as a TOML value (numbers, booleans, ``"strings"``,
    arrays, inline tables); anything that is not valid TOML is taken as a bare
    string, so ``compile.optimizer=sgd`` works.

    Raises:
        SpecError: no ``=`` or an empty key.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SpecError(f"--set {text}: expected KEY=VALUE, e.g. fit.batch_size=64")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except ValueError:  # not TOML (TOMLDecodeError), or an integer too long for int() (> 4300 digits)
        value = raw
    except RecursionError:
        raise SpecError(
            f"--set {key}: the value nests lists or tables thousands deep; at most {MAX_NESTING} levels"
        ) from None
    return key, value


_COMPONENT_AT = re.compile(r"model\.layers\[-?\d+\]\.config\.([A-Za-z_]+)")


def _expand_component(trail: str, name: Any, key: str) -> dict[str, Any] | None:
    """``{class_name, config}`` for a component given by name at ``trail``, or ``None`` if none is there.

    Lets ``--set compile.optimizer.config.learning_rate=0.01`` work when the
    optimizer is the preset ``"adam"``: the preset is expanded first.

    Raises:
        SpecError: an unknown preset name, or the ``none`` regularizer (nothing to set a key in).
    """
    if not isinstance(name, str):
        return None
    if trail == "compile.loss":
        if name in LOSS_CLASSES:
            return {"class_name": LOSS_CLASSES[name], "config": {}}
        return None
    if trail == "compile.optimizer":
        family = "optimizers"
    else:
        m = _COMPONENT_AT.fullmatch(trail)
        if not m or m.group(1) not in COMPONENT_KEYS:
            return None
        family = COMPONENT_KEYS[m.group(1)]
    ref = resolve_component(family, name, f"--set {key}: {trail}")  # type: ignore[arg-type]
    if ref is None:
        raise SpecError(
            f"--set {key}: {trail} = {toml_repr(name)} means no {family[:-1]}: there is no config to set",
            hint=f"choose one first, e.g. --set {trail}=l2",
        )
    return ref


def set_path(data: dict[str, Any], key: str, value: Any, sections: tuple[str, ...]) -> None:
    """Set ``data`` at the dotted path ``key`` (``model.layers[0].config.units``) to a copy of ``value``.

    Missing tables on the way are created (a first part outside ``sections``, the
    experiment's top-level fields, is refused); a component given by preset name
    on the way is expanded to ``{class_name, config}`` first.

    Raises:
        SpecError: a part that is not a field name, a value on the way that is
            not a table, a list index out of range, an unknown section or preset.
    """
    parts = key.split(".")
    node: Any = data
    trail = ""

    def child(container: Any, slot: Any, trail: str) -> Any:
        """``container[slot]``, a named component there expanded to ``{class_name, config}``."""
        ref = _expand_component(trail, container[slot], key)
        if ref is not None:
            container[slot] = ref
        return container[slot]

    for n, part in enumerate(parts):
        m = _PATH_RE.fullmatch(part)
        if not m:
            raise SpecError(f"--set {key}: {toml_repr(part)} is not a field name")
        # an index of thousands of digits is past int()'s limit, and past any list: 10**20 says "does not exist"
        idx = [
            int(i) if len(i) <= 20 else -(10**20) if i[0] == "-" else 10**20 for i in re.findall(r"-?\d+", m.group(2))
        ]
        name = m.group(1)
        last = n == len(parts) - 1 and not idx
        if not isinstance(node, dict):
            raise SpecError(
                f"--set {key}: {trail} = {toml_repr(node)} is not a table, so it has no field {toml_repr(name)}"
            )
        trail += ("." if trail else "") + name
        if last:
            node[name] = copy.deepcopy(value)
            return
        if name not in node or node[name] is None:
            if n == 0 and name not in sections:
                raise SpecError(f"--set {key}: unknown section {toml_repr(name)}; allowed: " + ", ".join(sections))
            node[name] = {}
        node = child(node, name, trail)
        for j, i in enumerate(idx):
            if not isinstance(node, list) or not -len(node) <= i < len(node):
                size = len(node) if isinstance(node, list) else 0
                raise SpecError(f"--set {key}: {trail}[{i}] does not exist ({trail} has {size} items)")
            trail += f"[{i}]"
            if n == len(parts) - 1 and j == len(idx) - 1:
                node[i] = copy.deepcopy(value)
                return
            node = node[i]
