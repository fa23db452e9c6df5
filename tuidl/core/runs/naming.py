"""Run names that say what a run is: :func:`run_name` (the experiment's name plus how it
differs from its preset, e.g. ``digits-mlp sgd l2``) and :func:`folder_safe` (that name in
a run folder's id).

The differences are :func:`tuidl.core.runs.diff.config_diff` rows, each made one short
word: a component's preset name or class (``sgd``, ``l2-strong``, ``he_normal``), a
changed argument as ``key=value`` (``units=512``, ``learning_rate=0.01``), a layer added
(``dropout``) or removed (``no-dropout``). Pure: no files are read here
(:func:`tuidl.core.presets.run_name_for` finds the preset).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tuidl.core.runs.diff import _named_layers, config_diff

__all__ = ["RUN_NAME_MAX", "diff_words", "folder_safe", "run_name"]

RUN_NAME_MAX = 48
"""The longest name :func:`run_name` makes from differences (characters); an experiment
name longer than that is kept whole, with no differences added."""

_WORD_MAX = 24
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._+-]+")
_COMPONENT_ARGS = ("initializer", "regularizer", "constraint")
# order of the words: optimizer class, regularizers, initializers, the layers, the rest of
# compile (optimizer arguments, loss, metrics), fit, data, anything else
_OPTIMIZER, _REGULARIZER, _INITIALIZER, _LAYERS, _COMPILE, _FIT, _DATA, _OTHER = range(8)
# a layer added, removed or of another class: what a lesson changes (dropout, batch_norm); a
# name too long for all its words keeps these first, then the optimizer, regularizers, initializers
_STRUCTURE = -1

# long Keras class names, shortened as the dashboard's layer table shortens them
_SHORT = {"batch_normalization": "batch_norm", "layer_normalization": "layer_norm", "leaky_re_lu": "leaky_relu"}


def _snake(class_name: str) -> str:
    """``HeNormal`` -> ``he_normal``, ``L1L2`` -> ``l1_l2``, ``RMSprop`` -> ``rmsprop``,
    ``BatchNormalization`` -> ``batch_norm``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()
    return _SHORT.get(snake, snake)


def _class_of(text: Any) -> str:
    """The class of a component as :func:`config_diff` shows it (``L2(l2=0.001)`` -> ``L2``)."""
    return str(text).split("(", 1)[0].strip()


def _value(v: Any) -> str | None:
    """A value short and plain enough for a name (``0.01``, ``512``, ``tanh``, ``1e-5``, ``1e6``), else ``None``."""
    if isinstance(v, bool):
        text = str(v).lower()
    elif isinstance(v, float):
        # 1e+06 -> 1e6, 1e-05 -> 1e-5: no "+" (folder_safe makes it "-": 1e+308 read as 1e-308)
        text = re.sub(r"e\+?(-?)0*(?=\d)", r"e\1", f"{v:g}")
    elif isinstance(v, (int, str)):
        text = str(v)
    else:
        return None
    return text if _SAFE_VALUE.fullmatch(text) else None


def _setting(key: str, v: Any) -> str:
    """``key=value`` for a changed setting; just the key when the value is long or not plain
    (a list, a path), ``no-key`` when the run lacks it."""
    if v is None:
        return f"no-{key}"
    text = _value(v)
    word = f"{key}={text}" if text is not None else key
    return word if len(word) <= _WORD_MAX else key


def _label_path(spec: Mapping[str, Any], layer: str, arg: str) -> str | None:
    """The ``preset_labels`` path of argument ``arg`` of the layer the diff calls ``layer``."""
    names = list(_named_layers(dict(spec)) or {})
    if layer not in names:
        return None
    return f"model.layers[{names.index(layer)}].config.{arg}"


def _word(key: str, old: Any, new: Any, spec: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[int, str] | None:
    """One diff row as ``(order group, word)``; ``None`` for a row that says nothing new."""
    if key == "compile.optimizer":
        return _OPTIMIZER, labels.get(key) or _class_of(new).lower()
    if key.startswith("compile.optimizer."):
        label = labels.get("compile.optimizer")
        # a preset of the same class (sgd -> sgd-momentum) is its name; an edited one its arguments
        return (_OPTIMIZER, label) if label else (_COMPILE, _setting(key.rsplit(".", 1)[-1], new))
    m = re.fullmatch(r"layers\[(?P<layer>[^\]]+)\](?:\.(?P<rest>.+))?", key)
    if m:
        layer, rest = m["layer"], m["rest"]
        if rest is None:  # a layer some runs lack
            return _STRUCTURE, f"no-{_snake(_class_of(old))}" if new is None else _snake(_class_of(new))
        arg = rest.split(".", 1)[0]
        if rest == "class_name":
            return _STRUCTURE, _snake(str(new))
        if arg.endswith(_COMPONENT_ARGS):
            group = _REGULARIZER if arg.endswith("regularizer") else _INITIALIZER
            path = _label_path(spec, layer, arg)
            label = labels.get(path) if path else None
            if label:
                return group, label
            if "." in rest:  # one argument of a component of the same class: l2=0.01
                return group, _setting(rest.rsplit(".", 1)[-1], new)
            return group, f"no-{_snake(_class_of(old))}" if new is None else _snake(_class_of(new))
        return _LAYERS, _setting(rest.rsplit(".", 1)[-1], new)
    if key == "layers (order)":
        return _LAYERS, "reordered"
    top, _, rest = key.partition(".")
    if top == "insight":  # what tuidl measures while training is no difference in the run
        return None
    leaf = re.sub(r"\[\d+\]", "", (rest or top).rsplit(".", 1)[-1])
    if key == "data.name":
        leaf = "data"
    group = {"compile": _COMPILE, "fit": _FIT, "data": _DATA}.get(top, _OTHER)
    return group, _setting(leaf, new)


def diff_words(spec: Mapping[str, Any], base: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> list[str]:
    """How ``spec`` differs from ``base``, as short words in a stable order.

    Args:
        spec: the run's experiment as a dict, components inline
            (``resolved(exp).to_dict()``).
        base: its preset's experiment, the same way.
        labels: ``spec``'s :attr:`~tuidl.core.spec.Experiment.preset_labels` (field path ->
            component preset name): a component that came from a preset is called by
            that name (``l2-strong``), else by its class (``l2``, ``he_normal``).

    Returns:
        Each word once: layers added, removed or of another class, in model order
        (``dropout``, ``no-dropout``, ``batch_norm``), the optimizer's class or preset,
        regularizers, initializers, the layers' arguments in model order (``units=512``), then compile, fit and data settings (``learning_rate=0.01``,
        ``epochs=50``, ``batch_size=64``); ``[]`` when they are the same.
    """
    labels = labels or {}
    return [word for _, word in _ranked_words(spec, base, labels)]


def _ranked_words(spec: Mapping[str, Any], base: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[int, str]]:
    """:func:`diff_words` with each word's rank for a name too short for all of them (lower
    is kept first: layers added or removed, then the optimizer, regularizers, ...)."""
    rows = config_diff([dict(base), dict(spec)])
    words: list[tuple[int, int, int, str]] = []
    for i, (key, (old, new)) in enumerate(rows):
        w = _word(key, old, new, spec, labels)
        if w is not None:
            rank = w[0]
            group = _LAYERS if rank == _STRUCTURE else rank
            words.append((group, i, rank, w[1]))
    out: list[tuple[int, str]] = []
    for _, _, rank, word in sorted(words):
        if word not in (w for _, w in out):
            out.append((rank, word))
    return out


def run_name(
    spec: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    labels: Mapping[str, str] | None = None,
    *,
    max_len: int = RUN_NAME_MAX,
) -> str:
    """The name of a run of ``spec``: its experiment's name, then how it differs from its preset.

    ``digits-mlp`` for the preset as it is; ``digits-mlp sgd l2`` with another optimizer and
    an L2 penalty; ``digits-mlp units=512 dropout``. Words that would make the name longer
    than ``max_len`` are left out and counted (``digits-mlp sgd l2 +3``): layer settings,
    compile, fit and data settings before layers added or removed, the optimizer,
    regularizers and initializers.

    Args:
        spec, labels: see :func:`diff_words`; ``spec["name"]`` is the experiment's name.
        base: the preset ``spec`` came from, or ``None`` when it has none. A ``spec``
            whose name is not the preset's was named by a person: its name is kept as it is.
        max_len: the longest name made (characters).

    Returns:
        Words separated by single spaces, made only of letters, digits and ``._+=-``
        (:func:`folder_safe` turns it into a run id part).
    """
    name = str(spec.get("name") or "experiment")
    if base is None or base.get("name") != name:
        return name
    ranked = _ranked_words(spec, base, labels or {})
    # keep words by rank while the name (with the count of the words left out) fits; say them in order
    by_rank = sorted(range(len(ranked)), key=lambda i: ranked[i][0])
    kept: set[int] = set()
    length = len(name)
    for i in by_rank:
        word = ranked[i][1]
        left = len(ranked) - len(kept) - 1
        more = len(f" +{left}") if left else 0
        if length + 1 + len(word) + more > max_len:
            continue
        kept.add(i)
        length += 1 + len(word)
    words = [word for i, (_, word) in enumerate(ranked) if i in kept]
    out = " ".join([name, *words])
    left = len(ranked) - len(kept)
    if left and len(out) + len(f" +{left}") <= max_len:
        out += f" +{left}"
    return out


def folder_safe(name: str) -> str:
    """``name`` as a part of a run folder's name: letters, digits, ``.``, ``-`` and ``_``, the
    rest (spaces, ``=``, ``+``) as ``-`` (``digits-mlp units=512`` -> ``digits-mlp-units-512``);
    ``run`` when nothing is left."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "run"
