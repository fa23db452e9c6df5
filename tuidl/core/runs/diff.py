"""Comparing experiments: :func:`flatten` and :func:`config_diff` (the settings that differ
between runs' specs, layers matched by name)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts/lists -> ``{"model.layers[0].config.units": 64, ...}`` (spec field paths)."""
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        if not d and prefix:
            out[prefix] = {}
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and any(isinstance(v, (dict, list)) for v in d):
        for i, v in enumerate(d):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, _Component) or isinstance(b, _Component):
        return (
            isinstance(a, _Component)
            and isinstance(b, _Component)
            and a.class_name == b.class_name
            and _same_tree(a.config, b.config)
        )
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return a == b


def _same_tree(a: Any, b: Any) -> bool:
    fa, fb = _flatten_diff(a), _flatten_diff(b)
    return fa.keys() == fb.keys() and all(_same(fa[k], fb[k]) for k in fa)


@dataclass(frozen=True)
class _Component:
    """A Keras-serialized object inside a spec (``{"class_name": ..., "config": {...}}``):
    one setting in the diff, shown as ``L2(l2=0.001)``."""

    class_name: str
    config: dict[str, Any]

    def __str__(self) -> str:
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.config.items() if k != "name")
        return f"{self.class_name}({args})"


def _show(v: Any) -> str:
    """A value as the compare table shows it: ``0.001``, ``relu``, ``L2(l2=0.001)``, ``[1, 2]``."""
    if isinstance(v, dict) and _is_component(v):
        return str(_Component(str(v["class_name"]), dict(v.get("config") or {})))
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_show(x)}" for k, x in v.items()) + "}"
    return str(v)


def _is_component(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and isinstance(v.get("class_name"), str)
        and isinstance(v.get("config", {}), dict)
        and set(v) <= {"class_name", "config", "module", "registered_name"}
    )


def _flatten_diff(d: Any, prefix: str = "") -> dict[str, Any]:
    """Like :func:`flatten`, but a Keras-serialized object is one leaf (a :class:`_Component`)."""
    if _is_component(d) and prefix:
        return {prefix: _Component(str(d["class_name"]), dict(d.get("config") or {}))}
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        if not d and prefix:
            out[prefix] = {}
        for k, v in d.items():
            out.update(_flatten_diff(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and any(isinstance(v, (dict, list)) for v in d):
        for i, v in enumerate(d):
            out.update(_flatten_diff(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def _diff_flat(flats: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Rows for keys whose values differ. Components of one class in every spec are
    compared argument by argument (``compile.optimizer.learning_rate``); otherwise a
    component is one value, shown as text."""
    keys: dict[str, None] = {}
    for f in flats:
        for k in f:
            keys.setdefault(k, None)
    out: list[tuple[str, list[Any]]] = []
    for k in keys:
        vals = [f.get(k, _MISSING) for f in flats]
        if all(isinstance(v, _Component) for v in vals):
            if len({v.class_name for v in vals}) == 1:
                sub = _diff_flat([_flatten_diff(v.config, k) for v in vals])
                out.extend((sk, sv) for sk, sv in sub if sk.rsplit(".", 1)[-1] != "name")
                continue
        first = vals[0]
        if any(v is _MISSING for v in vals) or not all(_same(first, v) for v in vals[1:]):
            out.append((k, [None if v is _MISSING else (str(v) if isinstance(v, _Component) else v) for v in vals]))
    return out


def _named_layers(spec: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """``{layer name: {"class_name", **config}}`` in model order, with the names the
    engine gives (:func:`tuidl.core.checks.layer_names`); ``None`` when the spec has
    no list of layers in Keras's ``{class_name, config}`` form."""
    model = spec.get("model")
    layers = model.get("layers") if isinstance(model, dict) else None
    if not isinstance(layers, list) or not all(
        isinstance(l, dict) and isinstance(l.get("class_name"), str) and isinstance(l.get("config", {}), dict)
        for l in layers
    ):
        return None
    from types import SimpleNamespace

    from tuidl.core.checks import layer_names

    objs = [SimpleNamespace(class_name=l["class_name"], config=dict(l.get("config") or {})) for l in layers]
    out: dict[str, dict[str, Any]] = {}
    for name, o in zip(layer_names(objs), objs):  # type: ignore[arg-type]
        out[name] = {"class_name": o.class_name, **{k: v for k, v in o.config.items() if k != "name"}}
    return out


def _merge_order(orders: list[list[str]]) -> list[str]:
    """Union of several name sequences, each new name placed after its predecessor."""
    merged: list[str] = []
    for names in orders:
        prev: str | None = None
        for n in names:
            if n not in merged:
                merged.insert(merged.index(prev) + 1 if prev is not None else 0, n)
            prev = n
    return merged


def config_diff(
    specs: list[dict[str, Any]], *, ignore: tuple[str, ...] = ("name", "description")
) -> list[tuple[str, list[Any]]]:
    """The settings that differ between experiments ("diff only").

    Layers are matched by the name the engine gives them
    (:func:`tuidl.core.checks.layer_names`: ``dense``, ``dense_1``, ``dropout`` ...,
    or the ``name`` in the layer's config), not by position, so a layer inserted in
    one run shows as that one layer and the others still compare with each other:

    * ``layers[dropout]``: a layer some specs lack, shown as ``Dropout(rate=0.3)``
      (``None`` where missing);
    * ``layers[dense].kernel_regularizer``: one argument of a layer all specs have
      (``layers[dense].class_name`` when the classes differ);
    * ``layers (order)``: the layer names in order, when the layers all specs have
      come in a different order.

    A Keras-serialized object (``{"class_name", "config"}``: optimizer, initializer,
    regularizer, callback ...) is one setting shown as text (``L2(l2=0.001)``), or,
    when it is of the same class everywhere, one row per differing argument
    (``compile.optimizer.learning_rate``). Other keys are dotted spec paths
    (``fit.batch_size``; list items as ``[i]``).

    Args:
        specs: spec dicts (e.g. :func:`read_spec_dict` of each selected run).
        ignore: top-level keys left out (the name always differs).

    Returns:
        ``[(key, [value_or_None per spec]), ...]`` for settings whose values are not
        all equal, in spec order (data, model, compile, fit). A key missing in some
        spec counts as different; floats are compared with a relative tolerance of
        1e-6; a Keras-serialized object is returned as its text.
    """
    specs = [{k: v for k, v in s.items() if k not in ignore} for s in specs]
    layer_maps = [_named_layers(s) for s in specs]
    by_name = all(m is not None for m in layer_maps)
    if by_name:
        rest = []
        for s in specs:
            model = {k: v for k, v in s["model"].items() if k != "layers"}
            rest.append({**s, "model": model} if model else {k: v for k, v in s.items() if k != "model"})
    else:
        rest = specs
    rows = _diff_flat([_flatten_diff(s) for s in rest])
    if by_name:
        maps = [m or {} for m in layer_maps]
        layer_rows: list[tuple[str, list[Any]]] = []
        common = [n for n in maps[0] if all(n in m for m in maps)]
        orders = [[n for n in m if n in common] for m in maps]
        if any(o != orders[0] for o in orders[1:]):
            layer_rows.append(("layers (order)", [" → ".join(m) for m in maps]))
        for n in _merge_order([list(m) for m in maps]):
            key = f"layers[{n}]"
            if n in common:
                layer_rows.extend(_diff_flat([_flatten_diff(m[n], key) for m in maps]))
            else:
                layer_rows.append(
                    (
                        key,
                        [
                            str(_Component(m[n]["class_name"], {k: v for k, v in m[n].items() if k != "class_name"}))
                            if n in m
                            else None
                            for m in maps
                        ],
                    )
                )
        # layers go where the model section is in the spec (after data, before compile)
        top_order: list[str] = []
        for s in specs:
            for k in s:
                if k not in top_order:
                    top_order.append(k)
        if "model" not in top_order:
            top_order.append("model")
        rank = {k: i for i, k in enumerate(top_order)}

        def top(key: str) -> int:
            return rank.get(key.split(".", 1)[0].split("[", 1)[0], len(rank))

        merged = [(top(k), 0, i, k, v) for i, (k, v) in enumerate(rows)]
        merged += [(rank["model"], 1, i, k, v) for i, (k, v) in enumerate(layer_rows)]
        rows = [(k, v) for *_, k, v in sorted(merged, key=lambda t: t[:3])]
    return rows
