"""An experiment as the text of a standalone Python script that runs with plain Keras 3.

The script has four parts, each readable on its own: ``load_data`` (the
dataset and its validation split), ``build_model`` (a ``keras.Sequential``
with every layer written out as its Keras class, component presets resolved
to explicit initializer/regularizer objects), ``compile`` (optimizer object,
learning-rate schedule, loss object, metrics) and ``fit`` (batch size,
epochs, callbacks). It needs only numpy and Keras (plus scikit-learn for its
bundled datasets) — not tuidl.

Data: the scikit-learn sets (``digits``, ``iris``, ``wine``,
``breast_cancer``, ``diabetes``) and Keras's image sets (``mnist``,
``fashion_mnist``, ``cifar10``, ``cifar100``) are loaded by code in the
script. Every other source (TF Playground sets, the user's CSV/NPZ/NPY/image
files, other Keras sets) is written once by tuidl's own pipeline into a
``<script>.npz`` file next to the script, which the script reads
(:func:`tuidl.engine.export.write_script` writes both files: loading data is
the engine's job).

``python script.py --epochs N`` (or ``EPOCHS=N``) overrides the epochs; the
script prints ``params: <count>`` after building the model, which equals
``model.count_params()`` of tuidl's engine for the same experiment.

Nothing here imports Keras, TensorFlow or the engine: the UI checks an
experiment with :func:`export_problems` before it asks the engine to export.

Safety: a preset may come from anyone, and running the script runs what is
written into it. :func:`export_problems` refuses, before a line is written,
every class name outside tuidl's registry (layers, optimizers, schedules,
losses, callbacks, initializers, regularizers), every config key that is not a
Python identifier (an argument name), and every value that is not plain data
(numbers, booleans, strings, lists and tables of them). Values are written
with ``repr``; free text in the docstring (description, file names) is escaped
so that it cannot end the string.
"""

from __future__ import annotations

import keyword
import math
import textwrap
from pathlib import Path
from typing import Any

from tuidl import __version__
from tuidl.core.catalog import (
    CALLBACKS,
    FLAT_INPUT_LAYERS,
    INITIALIZER_CLASSES,
    LAYERS,
    OPTIMIZERS,
    REGULARIZER_CLASSES,
    SCHEDULES,
    loss_info,
)
from tuidl.core.checks import float_optimizer_config, layer_names
from tuidl.core.errors import SpecError
from tuidl.core.presets import resolved
from tuidl.core.registry import COMPONENT_KEYS, LOSS_CLASSES
from tuidl.core.spec import Experiment, toml_repr

__all__ = ["script_text", "export_problems", "check_exportable", "data_file", "INLINE_SOURCES", "REGISTRY"]

_SKLEARN = {
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "diabetes": "load_diabetes",
}
_KERAS_IMAGES = {"mnist", "fashion_mnist", "cifar10", "cifar100"}
INLINE_SOURCES = frozenset(_SKLEARN) | _KERAS_IMAGES
"""Data sources the script loads by itself; others are shipped as ``<script>.npz``."""


def data_file(exp: Experiment, script: str | Path) -> Path | None:
    """The ``<script>.npz`` written next to ``script`` for ``exp``'s data, or ``None`` when the
    script loads its data itself (``exp.data.name`` in :data:`INLINE_SOURCES`)."""
    return None if exp.data.name in INLINE_SOURCES else Path(script).with_suffix(".npz")


def _flat_first(exp: Experiment) -> bool:
    return bool(exp.model.layers) and exp.model.layers[0].class_name in FLAT_INPUT_LAYERS


REGISTRY: dict[str, tuple[str, ...]] = {
    "layers": tuple(LAYERS),
    "optimizers": tuple(OPTIMIZERS),
    "optimizers.schedules": tuple(SCHEDULES),
    "losses": tuple(LOSS_CLASSES.values()),
    "callbacks": tuple(CALLBACKS),
    "initializers": INITIALIZER_CLASSES,
    "regularizers": REGULARIZER_CLASSES,
}
"""The ``keras.<module>`` classes an exported script may name, per module (tuidl's catalog)."""


def _is_arg_name(key: Any) -> bool:
    return isinstance(key, str) and key.isascii() and key.isidentifier() and not keyword.iskeyword(key)


def _plain_problem(value: Any) -> str | None:
    """Why ``value`` cannot be written as a Python literal, or ``None`` (plain data)."""
    if value is None or isinstance(value, (bool, int, str)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "a finite number (nan and inf have no literal)"
    if isinstance(value, (list, tuple)):
        return next((p for p in map(_plain_problem, value) if p), None)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "a table with text keys"
        return next((p for p in map(_plain_problem, value.values()) if p), None)
    return f"plain data (numbers, true/false, text, lists, tables), not {type(value).__name__}"


def _ref_problems(module: str, ref: Any, path: str) -> list[str]:
    """Problems of one ``{class_name, config}`` written as ``keras.<module>.<class>(...)``."""
    if not isinstance(ref, dict) or not isinstance(ref.get("class_name"), str):
        return [f"{path} = {toml_repr(ref)}: a table {{ class_name, config }}"]
    out = []
    cls = ref["class_name"]
    if cls not in REGISTRY[module]:
        out.append(
            f"{path}.class_name = {toml_repr(cls)}: not a keras.{module} class tuidl exports; "
            f"allowed: {', '.join(REGISTRY[module])}"
        )
    config = ref.get("config") or {}
    if not isinstance(config, dict):
        return out + [f"{path}.config = {toml_repr(config)}: a table of argument = value"]
    for k, v in config.items():
        out += _arg_problems(
            k,
            v,
            f"{path}.config",
            nested="optimizers.schedules" if module == "optimizers" and k == "learning_rate" else None,
        )
    return out


def _arg_problems(key: Any, value: Any, where: str, nested: str | None = None) -> list[str]:
    """Problems of ``key = value`` written as a keyword argument."""
    if not _is_arg_name(key):
        return [f"{where}: key {toml_repr(key)}: not an argument name (a Python identifier: letters, digits and '_')"]
    if nested is not None and isinstance(value, dict):
        return _ref_problems(nested, value, f"{where}.{key}")
    problem = _plain_problem(value)
    return [f"{where}.{key} = {toml_repr(value)}: must be {problem}"] if problem else []


def export_problems(exp: Experiment) -> list[str]:
    """Everything in ``exp`` (presets resolved) that :func:`script_text` would refuse to write.

    One line per problem, naming the field path, the value and what is allowed:
    a class outside :data:`REGISTRY`, a config key that is not a Python
    identifier, a value that is not plain data.

    Raises:
        SpecError: an unknown component preset name (from resolving presets).
    """
    r = resolved(exp)
    out: list[str] = []
    for i, layer in enumerate(r.model.layers):
        where = f"model.layers[{i}]"
        if layer.class_name not in LAYERS:
            out.append(f"{where}.class_name = {toml_repr(layer.class_name)}: allowed: {', '.join(LAYERS)}")
        for k, v in layer.config.items():
            family = COMPONENT_KEYS.get(k) if isinstance(k, str) else None
            if family is not None and isinstance(v, dict):
                out += _ref_problems(family, v, f"{where}.config.{k}")
            else:
                out += _arg_problems(k, v, f"{where}.config")
    opt = r.compile.optimizer
    out += _ref_problems("optimizers", opt.model_dump() if hasattr(opt, "model_dump") else opt, "compile.optimizer")
    if not isinstance(r.compile.loss, str):
        out += _ref_problems("losses", r.compile.loss.model_dump(), "compile.loss")
    for i, cb in enumerate(r.fit.callbacks):
        out += _ref_problems("callbacks", cb.model_dump(), f"fit.callbacks[{i}]")
    return out


def check_exportable(exp: Experiment, origin: str = "export") -> None:
    """Raise when :func:`export_problems` finds anything.

    Raises:
        SpecError: ``"<origin>: <problem>"``, every problem listed (exit code 2 in the CLI).
    """
    problems = export_problems(exp)
    if problems:
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems:\n  " + "\n  ".join(problems)
        raise SpecError(
            f"{origin}: {head}",
            title="Export refused",
            hint="the script is written only from tuidl's own classes and plain values; "
            "fix the preset and export again",
        )


def _py(value: Any) -> str:
    """A Python literal for plain data (lists, numbers, bools, strings, dicts; see :func:`_plain_problem`)."""
    problem = _plain_problem(value)
    if problem is not None:  # export_problems refuses these first; never write anything else
        raise SpecError(f"export: {toml_repr(value)}: must be {problem}", title="Export refused")
    return repr(value)


def _doc_text(text: str) -> str:
    """``text`` for the inside of a triple-quoted docstring: backslashes and double quotes escaped,
    so no file name or description can end the string (the docstring reads back as ``text``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _obj(module: str, ref: dict[str, Any] | None) -> str:
    """``{class_name, config}`` -> ``keras.<module>.<Class>(k=v, ...)``; nested refs too."""
    if ref is None:
        return "None"
    if ref.get("class_name") not in REGISTRY[module]:  # export_problems refuses these first
        raise SpecError(
            f"export: {toml_repr(ref.get('class_name'))} is not a keras.{module} class tuidl exports",
            title="Export refused",
        )
    args = ", ".join(f"{_key(k)}={_value(k, v)}" for k, v in (ref.get("config") or {}).items())
    return f"keras.{module}.{ref['class_name']}({args})"


def _key(k: Any) -> str:
    if not _is_arg_name(k):  # export_problems refuses these first
        raise SpecError(f"export: key {toml_repr(k)} is not an argument name", title="Export refused")
    return str(k)


def _value(key: str, v: Any) -> str:
    if key == "learning_rate" and isinstance(v, dict):
        return _obj("optimizers.schedules", v)
    return _py(v)


def _layer_code(class_name: str, config: dict[str, Any], name: str) -> str:
    if class_name not in LAYERS:  # export_problems refuses these first
        raise SpecError(f"export: {toml_repr(class_name)} is not a layer tuidl exports", title="Export refused")
    parts = []
    for k, v in config.items():
        if k == "name":
            continue
        family = COMPONENT_KEYS.get(k)
        if family is not None and isinstance(v, dict):
            parts.append(f"{_key(k)}={_obj(family, v)}")
        else:
            parts.append(f"{_key(k)}={_py(v)}")
    parts.append(f"name={_py(name)}")
    return f"keras.layers.{class_name}({', '.join(parts)})"


def _labels_code(exp: Experiment) -> str:
    """Code that turns integer class ids into what the loss wants (as tuidl's pipeline does)."""
    info, _ = loss_info(exp.compile.loss)
    if info is None or info.task != "classification":
        return "    return y\n"
    if info.labels == "sparse":
        return '    return y.astype("int32")\n'
    if info.labels == "onehot":
        return '    return keras.utils.to_categorical(y, n_classes).astype("float32")\n'
    return (
        "    if n_classes > 2:\n"
        '        return keras.utils.to_categorical(y, n_classes).astype("float32")\n'
        '    return y.astype("float32").reshape(-1, 1)\n'
    )


def _data_code(exp: Experiment, npz_name: str | None) -> str:
    d = exp.data
    opts = d.options.model_dump(exclude_none=True) if hasattr(d.options, "model_dump") else dict(d.options or {})
    if npz_name is not None:
        return textwrap.dedent(f'''\
            def load_data(seed):
                """The arrays tuidl's pipeline made for data.name = {d.name!r} (saved next to this script)."""
                with np.load(Path(__file__).with_name({npz_name!r})) as f:
                    k = int(f["n_classes"])
                    return f["x_train"], f["y_train"], f["x_val"], f["y_val"], {{"n_classes": k if k >= 0 else None}}
            ''')
    if d.name in _SKLEARN:
        fn = _SKLEARN[d.name]
        if d.name == "digits":
            xcode = 'x = (ds.images.astype("float32") / 16.0).reshape(-1, 8, 8, 1)  # 8x8 grey, [0, 1]'
        else:
            xcode = 'x = ds.data.astype("float32")'
        ycode = 'y = ds.target.astype("float32")' if d.name == "diabetes" else 'y = ds.target.astype("int32")'
        n_classes = "None" if d.name == "diabetes" else "int(y.max()) + 1"
        load = f"""\
            from sklearn.datasets import {fn}

            ds = {fn}()  # scikit-learn's bundled copy: no download
            {xcode}
            {ycode}"""
    else:
        load = f"""\
            (x, y), (x_test, y_test) = keras.datasets.{d.name}.load_data()  # downloads on first use
            x = x.astype("float32") / 255.0
            if x.ndim == 3:
                x = x[..., None]  # (H, W) -> (H, W, 1)
            y = y.reshape(-1).astype("int32")"""
        n_classes = "int(y.max()) + 1"
    subset = opts.get("subset")
    scaling = opts.get("scaling")
    body = textwrap.dedent(load) + "\n"
    body += f"n_classes = {n_classes}\n"
    body += textwrap.dedent("""\
        idx = np.random.default_rng(seed).permutation(len(x))
        """)
    if subset:
        body += f"idx = idx[:{int(subset)}]\n"
    body += textwrap.dedent("""\
        n_val = int(round(len(idx) * VALIDATION_SPLIT))
        tr, va = idx[: len(idx) - n_val], idx[len(idx) - n_val:]
        """)
    if n_classes != "None":  # classes: a stratified hold-out where every class has two samples or more
        body += textwrap.dedent("""\
            counts = np.unique(y[idx], return_counts=True)[1]
            if 0 < n_val < len(idx) and counts.min() >= 2 and len(counts) <= n_val <= len(idx) - len(counts):
                from sklearn.model_selection import train_test_split

                tr, va = train_test_split(idx, test_size=n_val, random_state=seed % 2**32, stratify=y[idx])
            """)
    body += "x_train, y_train, x_val, y_val = x[tr], y[tr], x[va], y[va]\n"
    if scaling == "minmax":
        body += textwrap.dedent("""\
            lo, hi = x_train.min(axis=0), x_train.max(axis=0)
            span = np.where(hi > lo, hi - lo, 1.0)
            x_train, x_val = (x_train - lo) / span, (x_val - lo) / span
            """)
    elif scaling == "standardize":
        body += textwrap.dedent("""\
            mean, std = x_train.mean(axis=0), x_train.std(axis=0)
            std = np.where(std > 0, std, 1.0)
            x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
            """)
    body += 'return x_train, y_train, x_val, y_val, {"n_classes": n_classes}\n'
    return (
        "def load_data(seed):\n"
        f'    """data.name = {d.name!r}: load, shuffle with the seed, hold out VALIDATION_SPLIT."""\n'
        + textwrap.indent(body, "    ")
    )


def script_text(exp: Experiment, npz_name: str | None = None, script_name: str | None = None) -> str:
    """The Python source of the standalone script for ``exp``.

    Args:
        exp: the experiment (preset names are resolved here).
        npz_name: file name (next to the script) of the saved arrays, for data
            sources not in :data:`INLINE_SOURCES`; ``None`` loads inline.
        script_name: the script's file name, for the usage line of its
            docstring (default ``<exp.name>.py``).

    Raises:
        SpecError: an unknown component preset name, or anything :func:`export_problems`
            finds (class names outside the registry, keys that are not argument names,
            values that are not plain data).
    """
    r = resolved(exp)  # once: a no-op for an experiment resolved where it entered (tuidl export, the builder's E)
    check_exportable(r)
    names = layer_names(r.model.layers)
    layers = ",\n".join(f"        {_layer_code(l.class_name, l.config, n)}" for l, n in zip(r.model.layers, names))
    opt = r.compile.optimizer
    opt_ref = float_optimizer_config(opt.model_dump() if hasattr(opt, "model_dump") else opt)
    loss = r.compile.loss
    if isinstance(loss, str):
        loss_code = f"keras.losses.{LOSS_CLASSES[loss]}()"
    else:
        loss_code = _obj("losses", loss.model_dump())
    callbacks = ", ".join(_obj("callbacks", cb.model_dump()) for cb in r.fit.callbacks)
    flatten = (
        "    # the first layer wants flat input: (n, H, W, C) -> (n, H*W*C)\n"
        "    x_train, x_val = x_train.reshape(len(x_train), -1), x_val.reshape(len(x_val), -1)\n"
        if _flat_first(r)
        else ""
    )
    source = _doc_text(str(exp.source.name) if exp.source else "the tuidl builder")
    usage = _doc_text(script_name or f"{exp.name}.py")
    doc = _doc_text(exp.description or "")
    return f'''#!/usr/bin/env python
"""{exp.name}: {doc}

Exported by tuidl {__version__} from {source}. Needs only numpy and Keras 3
(scikit-learn for its bundled datasets):

    python {usage} [--epochs N]      # or EPOCHS=N python {usage}
"""

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402

SEED = {r.fit.seed}
VALIDATION_SPLIT = {r.data.validation_split!r}
EPOCHS = {r.fit.epochs}
BATCH_SIZE = {r.fit.batch_size}


{_data_code(r, npz_name)}

def fit_labels(y, n_classes):
    """Labels in the form the loss expects."""
    if n_classes is None:
        return y
{_labels_code(r)}

def build_model(input_shape):
    """The model: keras.Sequential with every layer written out."""
    return keras.Sequential([
        keras.Input(shape=input_shape, name="input"),
{layers},
    ], name={exp.name!r})


def main():
    parser = argparse.ArgumentParser(description={exp.name!r} + ": train the exported model")
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", EPOCHS)))
    args = parser.parse_args()

    keras.utils.set_random_seed(SEED)
    x_train, y_train, x_val, y_val, info = load_data(SEED)
{flatten}    y_train, y_val = fit_labels(y_train, info["n_classes"]), fit_labels(y_val, info["n_classes"])

    model = build_model(x_train.shape[1:])
    model.compile(
        optimizer={_obj("optimizers", opt_ref)},
        loss={loss_code},
        metrics={list(r.compile.metrics)!r},
    )
    model.summary()
    print(f"params: {{model.count_params()}}", flush=True)
    model.fit(
        x_train, y_train,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        validation_data=(x_val, y_val) if len(x_val) else None,
        callbacks=[{callbacks}],
        verbose=2,
    )


if __name__ == "__main__":
    main()
'''
