"""The bad-input corpus as data: every case is an argument list, the files it needs, and what the message must say.

Each :class:`Case` runs through ``tuidl.cli.main(argv)`` in a fresh folder (the
working directory), and must end with exit code 2, no traceback, every string
of ``expect`` in the output (the file or ``--set``, the field path, what is
allowed), none of ``reject`` (the misleading words seen before), and nothing
written anywhere in that folder (a refused run leaves no run folder either).

Families (each run through ``tuidl check`` and ``tuidl run``):

* ``SPEC``: an experiment file ``exp.toml`` with one bad field, made by
  :func:`exp_toml` from a small valid digits experiment.
* ``PREFLIGHT``: files that parse but that the pre-flight rules refuse (a
  learning rate < 0, ``units = 2**40`` ...). ``tuidl run`` refuses them before
  Keras loads; ``tuidl check`` builds the model with Keras first (``keras`` cases).
* ``SETS``: ``--set KEY=VALUE`` on the built-in ``digits-mlp``.
* ``DATA``: data files made by the case (NPZ/NPY with crafted headers, FIFOs,
  devices, symlink loops, folders, CSV) named by ``data.path``.
* ``ARGS``: argument lists (empty preset, ``/dev/null`` as the experiment ...).

Nothing here imports TensorFlow; :func:`run_in_process` is also used by the
test that proves the refusals before training never load it.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import numpy as np

Maker = Union[str, bytes, Callable[[Path], None]]
"""A file's content (text or bytes) or a function that makes it at the given path."""


@dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
        id: unique, ``family-command-name``.
        argv: the ``tuidl`` arguments (relative paths start in the case's folder).
        files: name -> content or maker, made in the case's folder first.
        expect: strings the output must contain (stdout and stderr together).
        reject: strings it must not contain (misleading messages seen before).
        keras: the case builds a Keras model before it is refused (``tuidl check``
            prints the summary table first); marked ``keras`` in the test.
    """

    id: str
    argv: tuple[str, ...]
    files: tuple[tuple[str, Maker], ...] = ()
    expect: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()
    keras: bool = False


# ------------------------------------------------------------------ makers


def exp_toml(
    top: str = "",
    data: str = 'name = "digits"\nvalidation_split = 0.2',
    layers: str | None = None,
    compile: str | None = None,
    fit: str = "epochs = 1\nbatch_size = 32\nseed = 0",
    extra: str = "",
) -> str:
    """A small valid digits experiment with one part replaced (each argument is that section's TOML body)."""
    if layers is None:
        layers = (
            '[[model.layers]]\nclass_name = "Flatten"\nconfig = {}\n\n'
            '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 16, activation = "relu" }\n\n'
            '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, activation = "softmax" }'
        )
    if compile is None:
        compile = 'optimizer = "adam"\nloss = "sparse_categorical_crossentropy"\nmetrics = ["accuracy"]'
    return f'name = "bad"\n{top}\n\n[data]\n{data}\n\n{layers}\n\n[compile]\n{compile}\n\n[fit]\n{fit}\n{extra}\n'


def data_toml(name: str, path: str, target: str | None = None, options: str = "") -> str:
    """``exp.toml`` whose ``[data]`` reads the case's own file(s)."""
    body = f'name = "{name}"\npath = "{path}"'
    if target is not None:
        body += f'\ntarget = "{target}"'
    if options:
        body += f"\noptions = {{ {options} }}"
    flat = '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 3, activation = "softmax" }'
    return exp_toml(data=body, layers=flat)


def fifo(path: Path) -> None:
    """A named pipe (a blind read blocks until a writer comes)."""
    os.mkfifo(path)


def symlink_loop(path: Path) -> None:
    """A symlink to itself ("Too many levels of symbolic links")."""
    os.symlink(path.name, path)


def dangling(path: Path) -> None:
    """A symlink to a file that does not exist."""
    os.symlink("nowhere-" + path.name, path)


def folder(path: Path) -> None:
    """An empty folder."""
    path.mkdir()


def npy_bytes(shape: tuple[int, ...], descr: str = "<f8", data: bytes = b"\0" * 64) -> bytes:
    """An ``.npy`` file whose header claims ``shape`` but holds only ``data``."""
    from numpy.lib import format as npf

    buf = io.BytesIO()
    npf.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def npy_of(a: np.ndarray) -> bytes:
    """The ``.npy`` bytes of an array."""
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=True)
    return buf.getvalue()


def npz(**members: bytes) -> Callable[[Path], None]:
    """A maker of a zip with ``<name>.npy`` members given as raw bytes."""

    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(f"{name}.npy", data)

    return make


def npz_arrays(**arrays: np.ndarray) -> Callable[[Path], None]:
    """A maker of an NPZ file of real arrays (``np.savez``)."""
    return npz(**{k: npy_of(v) for k, v in arrays.items()})


GOOD_X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
GOOD_Y = np.arange(12) % 3
HUGE = (2**40, 2**20)
"""A shape of 2**60 values: exabytes; no machine has the memory."""


# ------------------------------------------------------------------ SPEC: one bad field in exp.toml

SPEC: list[tuple[str, dict, tuple[str, ...]]] = [
    # strings, floats and booleans silently taken as numbers (pydantic's lax mode), now refused
    ("epochs-float", {"fit": "epochs = 3.0"}, ("fit.epochs = 3.0", "must be an integer >= 1")),
    ("epochs-string-word", {"fit": 'epochs = "ten"'}, ("fit.epochs", "must be an integer")),
    ("epochs-string-number", {"fit": 'epochs = "3"'}, ("fit.epochs", "must be an integer")),
    ("epochs-bool", {"fit": "epochs = true"}, ("fit.epochs", "number")),
    ("epochs-zero", {"fit": "epochs = 0"}, ("fit.epochs = 0", ">= 1")),
    ("epochs-negative", {"fit": "epochs = -5"}, ("fit.epochs = -5", ">= 1")),
    ("epochs-huge", {"fit": "epochs = 1000000000"}, ("fit.epochs", "<= 100,000")),
    ("epochs-list", {"fit": "epochs = [3]"}, ("fit.epochs", "must be an integer")),
    ("batch-size-zero", {"fit": "batch_size = 0"}, ("fit.batch_size = 0", ">= 1")),
    ("batch-size-float", {"fit": "batch_size = 32.5"}, ("fit.batch_size", "must be an integer")),
    ("batch-size-string", {"fit": 'batch_size = "32"'}, ("fit.batch_size", "must be an integer")),
    ("batch-size-huge", {"fit": "batch_size = 10000000"}, ("fit.batch_size", "<= 1,000,000")),
    ("seed-2-32", {"fit": "seed = 4294967296"}, ("fit.seed = 4294967296", "<= 4,294,967,295")),
    ("seed-int64-max", {"fit": "seed = 9223372036854775807"}, ("fit.seed", "<= 4,294,967,295")),
    ("seed-negative", {"fit": "seed = -1"}, ("fit.seed = -1", ">= 0")),
    ("seed-float", {"fit": "seed = 1.5"}, ("fit.seed", "must be an integer")),
    ("seed-string", {"fit": 'seed = "0"'}, ("fit.seed", "must be an integer")),
    ("fit-unknown-field", {"fit": "epoch = 3"}, ("fit.epoch", "unknown field; allowed: epochs, batch_size")),
    ("callbacks-not-list", {"fit": "callbacks = 3"}, ("fit.callbacks", "must be a list")),
    ("callback-no-class", {"fit": "callbacks = [{ config = {} }]"}, ("fit.callbacks[0].class_name", "is required")),
    (
        "validation-split-string",
        {"data": 'name = "digits"\nvalidation_split = "0.2"'},
        ('data.validation_split = "0.2"', "must be a number >= 0"),
    ),
    (
        "validation-split-one",
        {"data": 'name = "digits"\nvalidation_split = 1.0'},
        ("data.validation_split = 1.0", "< 1"),
    ),
    (
        "validation-split-negative",
        {"data": 'name = "digits"\nvalidation_split = -0.1'},
        ("data.validation_split", ">= 0"),
    ),
    (
        "validation-split-bool",
        {"data": 'name = "digits"\nvalidation_split = true'},
        ("data.validation_split", "number"),
    ),
    ("validation-split-nan", {"data": 'name = "digits"\nvalidation_split = nan'}, ("data.validation_split", "must be")),
    ("validation-split-inf", {"data": 'name = "digits"\nvalidation_split = inf'}, ("data.validation_split", "must be")),
    (
        "remap-labels-yes",
        {"data": 'name = "digits"\noptions = { remap_labels = "yes" }'},
        ('data.options.remap_labels = "yes"', "must be true or false"),
    ),
    (
        "remap-labels-one",
        {"data": 'name = "digits"\noptions = { remap_labels = 1 }'},
        ("data.options.remap_labels = 1", "must be true or false"),
    ),
    (
        "download-string",
        {"data": 'name = "mnist"\noptions = { download = "true" }'},
        ("data.options.download", "must be true or false"),
    ),
    ("subset-zero", {"data": 'name = "digits"\noptions = { subset = 0 }'}, ("data.options.subset", ">= 1")),
    (
        "subset-float",
        {"data": 'name = "digits"\noptions = { subset = 10.0 }'},
        ("data.options.subset", "must be an integer"),
    ),
    (
        "n-samples-string",
        {"data": 'name = "circle"\noptions = { n_samples = "500" }'},
        ("data.options.n_samples", "must be an integer >= 10"),
    ),
    (
        "noise-string",
        {"data": 'name = "circle"\noptions = { noise = "0.1" }'},
        ("data.options.noise", "must be a number >= 0"),
    ),
    ("noise-too-big", {"data": 'name = "circle"\noptions = { noise = 0.9 }'}, ("data.options.noise", "<= 0.5")),
    (
        "scaling-unknown",
        {"data": 'name = "digits"\noptions = { scaling = "zscore" }'},
        ("data.options.scaling", "one of", "standardize"),
    ),
    (
        "task-unknown",
        {"data": 'name = "digits"\noptions = { task = "clustering" }'},
        ("data.options.task", "classification", "regression"),
    ),
    (
        "image-size-three",
        {"data": 'name = "digits"\noptions = { image_size = [1, 2, 3] }'},
        ("data.options.image_size", "at most 2"),
    ),
    (
        "image-size-float",
        {"data": 'name = "digits"\noptions = { image_size = [64.0, 64.0] }'},
        ("data.options.image_size[0]", "must be an integer"),
    ),
    (
        "features-unknown",
        {"data": 'name = "circle"\noptions = { features = ["x3"] }'},
        ("data.options.features", 'unknown feature "x3"; allowed: x1, x2'),
    ),
    (
        "option-unknown",
        {"data": 'name = "digits"\noptions = { colour = "red" }'},
        ("data.options.colour", "unknown field; allowed: n_samples"),
    ),
    ("options-not-table", {"data": 'name = "digits"\noptions = 3'}, ("data.options", "must be a table")),
    ("dataset-unknown", {"data": 'name = "digitz"'}, ('data.name = "digitz"', "allowed: circle, xor")),
    ("dataset-number", {"data": "name = 7"}, ("data.name = 7", "must be a string")),
    ("csv-without-path", {"data": 'name = "csv"\ntarget = "y"'}, ("data.path", "set data.path")),
    ("csv-without-target", {"data": 'name = "csv"\npath = "d.csv"'}, ("data.target", "label column")),
    ("data-path-number", {"data": 'name = "npz"\npath = 3'}, ("data.path = 3", "must be a string")),
    (
        "data-unknown-field",
        {"data": 'name = "digits"\nsplit = 0.2'},
        ("data.split", "unknown field; allowed: name, validation_split"),
    ),
    ("top-unknown-field", {"top": 'colour = "red"'}, ("colour", "unknown field; allowed: name, description")),
    ("top-unknown-section", {"extra": "[training]\nepochs = 3"}, ("training", "unknown field")),
    ("description-number", {"top": "description = 3"}, ("description = 3", "must be a string")),
    (
        "layer-unknown-class",
        {"layers": '[[model.layers]]\nclass_name = "Dense2"\nconfig = {}'},
        ('model.layers[0].class_name = "Dense2"', "allowed: ", "Dense"),
    ),
    (
        "layer-python-class",
        {"layers": '[[model.layers]]\nclass_name = "__import__"\nconfig = {}'},
        ("model.layers[0].class_name", "unknown layer class"),
    ),
    ("layer-no-class", {"layers": "[[model.layers]]\nconfig = {}"}, ("model.layers[0].class_name", "is required")),
    (
        "layer-extra-key",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconf = {}'},
        ("model.layers[0].conf", "unknown field; allowed: class_name, config"),
    ),
    (
        "layer-config-number",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = 3'},
        ("model.layers[0].config", "must be a table"),
    ),
    ("layers-not-list", {"layers": "[model]\nlayers = 3"}, ("model.layers", "must be a list")),
    (
        "units-zero",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 0 }'},
        ("model.layers[0].config.units = 0", "an integer >= 1"),
    ),
    (
        "units-float",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 8.5 }'},
        ("model.layers[0].config.units = 8.5", "an integer"),
    ),
    (
        "units-string",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = "8" }'},
        ('model.layers[0].config.units = "8"', "an integer"),
    ),
    (
        "units-bool",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = true }'},
        ("model.layers[0].config.units = true", "an integer"),
    ),
    (
        "activation-unknown",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 3, activation = "relux" }'},
        ('model.layers[0].config.activation = "relux"', "an activation name: "),
    ),
    (
        "dropout-rate-big",
        {"layers": '[[model.layers]]\nclass_name = "Dropout"\nconfig = { rate = 1.5 }'},
        ("model.layers[0].config.rate = 1.5", "< 1"),
    ),
    (
        "initializer-unknown",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, kernel_initializer = "zeroes" }'},
        ("model.layers[0].config.kernel_initializer", "unknown initializer preset; known: ", "zeros"),
    ),
    (
        "regularizer-unknown",
        {"layers": '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, kernel_regularizer = "l3" }'},
        ("model.layers[0].config.kernel_regularizer", "unknown regularizer preset; known: "),
    ),
    (
        "optimizer-unknown-preset",
        {"compile": 'optimizer = "adamm"'},
        ('compile.optimizer = "adamm"', "unknown optimizer preset; known: ", "adam"),
    ),
    (
        "optimizer-unknown-class",
        {"compile": 'optimizer = { class_name = "Foo" }'},
        ("compile.optimizer", 'unknown optimizer class "Foo"; allowed: SGD, RMSprop, Adam'),
    ),
    (
        "optimizer-python-class",
        {"compile": 'optimizer = { class_name = "os.system", config = {} }'},
        ("compile.optimizer", "unknown optimizer class", "allowed: SGD"),
    ),
    (
        "optimizer-number",
        {"compile": "optimizer = 3"},
        ("compile.optimizer = 3", "a preset name (a string) or a table"),
    ),
    (
        "optimizer-extra-key",
        {"compile": 'optimizer = { class_name = "Adam", cfg = {} }'},
        ("compile.optimizer.cfg", "unknown field; allowed: class_name, config"),
    ),
    ("loss-unknown", {"compile": 'loss = "mse2"'}, ('compile.loss = "mse2"', "allowed: mean_squared_error")),
    (
        "loss-class-unknown",
        {"compile": 'loss = { class_name = "Foo" }'},
        ("compile.loss", 'unknown loss class "Foo"; allowed: MeanSquaredError'),
    ),
    (
        "metrics-unknown",
        {"compile": 'metrics = ["acc"]'},
        ("compile.metrics", 'unknown metric "acc"; allowed: accuracy'),
    ),
    ("metrics-string", {"compile": 'metrics = "accuracy"'}, ("compile.metrics", "must be a list")),
    (
        "compile-unknown-field",
        {"compile": 'optimiser = "adam"'},
        ("compile.optimiser", "unknown field; allowed: optimizer, loss, metrics"),
    ),
]

SPEC_FILES: list[tuple[str, Maker, tuple[str, ...], tuple[str, ...]]] = [
    # (id, exp.toml content, expect, reject): whole files that exp_toml cannot make
    ("toml-syntax", exp_toml().replace("epochs = 1", "epochs = "), ("not valid TOML", "line"), ()),
    ("toml-deep-arrays", "x = " + "[" * 5000 + "]" * 5000 + "\n", ("nested", "at most 32 levels"), ("Recursion",)),
    (
        "toml-deep-tables",
        "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        ("nested", "at most 32 levels"),
        ("Recursion",),
    ),
    (
        "toml-deep-layer-config",
        exp_toml(
            layers='[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 3, x = ' + "[" * 40 + "]" * 40 + " }"
        ),
        ("model.layers[0].config.x", "deeper than 32 levels"),
        (),
    ),
    ("toml-deep-set-value", exp_toml(), ("--set", "at most 32 levels"), ()),  # argv adds the deep --set
    ("not-utf8", b'name = "\xff\xfe"\n', ("not UTF-8",), ()),
    ("too-large", "# " + "x" * (4 * 1024 * 1024 + 10) + "\n", ("at most 4 MiB",), ()),
    ("name-bad-chars", exp_toml().replace('name = "bad"', 'name = "my exp!"'), ('name = "my exp!"', "letters, digits")),
    ("name-empty", exp_toml().replace('name = "bad"', 'name = ""'), ('name = ""', "must not be empty"), ()),
    ("name-too-long", exp_toml().replace('name = "bad"', f'name = "{"a" * 100}"'), ("name", "at most 80"), ()),
    (
        "name-control-chars",
        exp_toml().replace('name = "bad"', 'name = "a\\u001b]0;x\\u0007"'),
        ("name", "letters, digits"),
        (),
    ),
]
SPEC_FILES = [c if len(c) == 4 else (*c, ()) for c in SPEC_FILES]  # type: ignore[misc]


# ------------------------------------------------------------------ PREFLIGHT: parsed, then refused by the rules

PREFLIGHT: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "units-2-40",
        exp_toml(
            layers='[[model.layers]]\nclass_name = "Flatten"\nconfig = {}\n\n'
            '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 1099511627776 }\n\n'
            '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, '
            'activation = "softmax" }'
        ),
        ("layer 2 dense (Dense)", "parameters", "at most", "is allowed"),
    ),
    (
        "conv-filters-2-31",
        exp_toml(
            layers='[[model.layers]]\nclass_name = "Conv2D"\nconfig = { filters = 2147483648, '
            'kernel_size = 3 }\n\n[[model.layers]]\nclass_name = "Flatten"\nconfig = {}'
            '\n\n[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, '
            'activation = "softmax" }'
        ),
        ("layer 1 conv2d (Conv2D)", "at most", "is allowed"),
    ),
    (
        "learning-rate-negative",
        exp_toml(
            compile='optimizer = { class_name = "Adam", config = { learning_rate = -1.0 } }'
            '\nloss = "sparse_categorical_crossentropy"'
        ),
        ("learning_rate = -1.0", "negative", "> 0"),
    ),
    (
        "learning-rate-nan",
        exp_toml(
            compile='optimizer = { class_name = "SGD", config = { learning_rate = nan } }'
            '\nloss = "sparse_categorical_crossentropy"'
        ),
        ("learning_rate = nan", "not a finite number"),
    ),
    (
        "output-units-vs-classes",
        exp_toml(
            layers='[[model.layers]]\nclass_name = "Flatten"\nconfig = {}\n\n'
            '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 3, '
            'activation = "softmax" }'
        ),
        ("layer 2 dense (Dense)", "10 classes"),
    ),
    (
        "kernel-larger-than-input",
        exp_toml(
            layers='[[model.layers]]\nclass_name = "Conv2D"\nconfig = { filters = 4, '
            'kernel_size = 30 }\n\n[[model.layers]]\nclass_name = "Flatten"\n'
            'config = {}\n\n[[model.layers]]\nclass_name = "Dense"\n'
            'config = { units = 10, activation = "softmax" }'
        ),
        ("layer 1 conv2d (Conv2D)", "kernel"),
    ),
    (
        "callback-unknown",
        exp_toml(fit='epochs = 1\ncallbacks = [{ class_name = "Foo" }]'),
        ("fit.callbacks[0]", "unknown callback", "allowed: EarlyStopping"),
    ),
]


REFUSED_BEFORE_KERAS = frozenset({"units-2-40", "conv-filters-2-31"})
"""PREFLIGHT cases that ``tuidl check`` also refuses before Keras (a model too large is never built)."""


# ------------------------------------------------------------------ SETS: --set on digits-mlp

SETS: list[tuple[str, str, tuple[str, ...]]] = [
    ("epochs-float", "fit.epochs=3.0", ("fit.epochs = 3.0", "must be an integer")),
    ("epochs-string", 'fit.epochs="3"', ('fit.epochs = "3"', "must be an integer")),
    ("epochs-word", "fit.epochs=ten", ('fit.epochs = "ten"', "must be an integer")),
    ("epochs-zero", "fit.epochs=0", ("fit.epochs = 0", ">= 1")),
    ("epochs-bool", "fit.epochs=true", ("fit.epochs = true", "number")),
    ("batch-size-list", "fit.batch_size=[1]", ("fit.batch_size = [1]", "must be an integer")),
    ("seed-2-32", "fit.seed=4294967296", ("fit.seed = 4294967296", "<= 4,294,967,295")),
    ("seed-negative", "fit.seed=-1", ("fit.seed = -1", ">= 0")),
    ("validation-split-string", 'data.validation_split="0.2"', ('data.validation_split = "0.2"', "must be a number")),
    ("validation-split-one", "data.validation_split=1", ("data.validation_split = 1", "< 1")),
    ("remap-labels-yes", 'data.options.remap_labels="yes"', ("data.options.remap_labels", "true or false")),
    ("remap-labels-bare-yes", "data.options.remap_labels=yes", ("data.options.remap_labels", "true or false")),
    ("noise-string", 'data.options.noise="0.1"', ("data.options.noise", "must be a number")),
    ("scaling-bare-word", "data.options.scaling=zscore", ("data.options.scaling", "one of")),
    ("image-size-three", "data.options.image_size=[1,2,3]", ("data.options.image_size", "at most 2")),
    ("features-unknown", 'data.options.features=["x9"]', ("data.options.features", "allowed: x1")),
    ("dataset-unknown", "data.name=digitz", ("data.name", "allowed: circle")),
    ("optimizer-unknown-preset", "compile.optimizer=adamm", ("compile.optimizer", "known: ")),
    ("optimizer-unknown-class", 'compile.optimizer={class_name="Foo"}', ("compile.optimizer", "allowed: SGD")),
    ("loss-unknown", "compile.loss=mse2", ("compile.loss", "allowed: ")),
    ("metrics-unknown", 'compile.metrics=["acc"]', ("compile.metrics", "allowed: accuracy")),
    ("metrics-number", "compile.metrics=3", ("compile.metrics = 3", "must be a list")),
    ("layer-out-of-range", "model.layers[9].config.units=3", ("model.layers[9] does not exist", "4 items")),
    ("units-float", "model.layers[1].config.units=8.5", ("model.layers[1].config.units = 8.5", "an integer")),
    ("units-string", 'model.layers[1].config.units="8"', ("model.layers[1].config.units", "an integer")),
    ("layer-class-unknown", "model.layers[1].class_name=Dense2", ("model.layers[1].class_name", "allowed: ")),
    ("initializer-unknown", "model.layers[1].config.kernel_initializer=zeroes", ("kernel_initializer", "known: ")),
    (
        "regularizer-none-config",
        "model.layers[1].config.kernel_regularizer.config.l2=0.1",
        ("kernel_regularizer", "means no regularizer", "--set"),
    ),
    ("unknown-field", "fit.nope=1", ("fit.nope = 1", "unknown field; allowed: epochs")),
    ("unknown-section", "training.epochs=1", ("unknown section", "allowed: name")),
    ("not-a-table", "fit.epochs.x=1", ("fit.epochs", "is not a table")),
    ("no-equals", "nonsense", ("--set nonsense", "expected KEY=VALUE")),
    ("empty-key", "=3", ("expected KEY=VALUE",)),
    ("bad-index", "model.layers[x].config.units=1", ("is not a field name",)),
    ("name-bad", 'name="my exp!"', ("name", "letters, digits")),
    ("callbacks-number", "fit.callbacks=3", ("fit.callbacks = 3", "must be a list")),
]


# ------------------------------------------------------------------ DATA: files made by the case

DATA: list[tuple[str, str, tuple[tuple[str, Maker], ...], tuple[str, ...], tuple[str, ...]]] = [
    # (id, exp.toml, files, expect, reject)
    (
        "csv-dev-zero",
        data_toml("csv", "/dev/zero", "y"),
        (),
        ('data.path = "/dev/zero"', "character device", "regular file"),
        (),
    ),
    (
        "csv-dev-null",
        data_toml("csv", "/dev/null", "y"),
        (),
        ('data.path = "/dev/null"', "character device"),
        ("is a folder",),
    ),
    (
        "csv-fifo",
        data_toml("csv", "pipe.csv", "y"),
        (("pipe.csv", fifo),),
        ("pipe.csv", "named pipe (FIFO)", "regular file"),
        (),
    ),
    (
        "csv-folder",
        data_toml("csv", "sub", "y"),
        (("sub", folder),),
        ('data.path = "sub"', "is a folder, not a file"),
        (),
    ),
    (
        "csv-symlink-loop",
        data_toml("csv", "loop.csv", "y"),
        (("loop.csv", symlink_loop),),
        ("loop.csv", "Too many levels of symbolic links"),
        ("does not exist", "no such file"),
    ),
    (
        "csv-dangling-symlink",
        data_toml("csv", "gone.csv", "y"),
        (("gone.csv", dangling),),
        ("gone.csv", "symbolic link", "does not exist"),
        (),
    ),
    ("csv-missing", data_toml("csv", "nope.csv", "y"), (), ('data.path = "nope.csv"', "does not exist"), ()),
    ("csv-header-only", data_toml("csv", "d.csv", "y"), (("d.csv", "a,b,y\n"),), ("d.csv", "no data rows"), ()),
    ("csv-not-utf8", data_toml("csv", "d.csv", "y"), (("d.csv", b"a,y\n\xff\xfe,1\n"),), ("d.csv", "UTF-8"), ()),
    (
        "csv-no-target",
        data_toml("csv", "d.csv", "label"),
        (("d.csv", "a,b,y\n1,2,0\n3,4,1\n"),),
        ('data.target = "label"', "columns: a, b, y"),
        (),
    ),
    (
        "csv-text-in-numbers",
        data_toml("csv", "d.csv", "y"),
        (("d.csv", "a,y\n1,0\n2,1\nx,0\n3,1\n4,0\n"),),
        ("d.csv line 4", "'x' is not a number"),
        (),
    ),
    ("npz-dev-zero", data_toml("npz", "/dev/zero"), (), ('data.path = "/dev/zero"', "character device"), ()),
    ("npz-fifo", data_toml("npz", "p.npz"), (("p.npz", fifo),), ("p.npz", "named pipe"), ()),
    (
        "npz-symlink-loop",
        data_toml("npz", "l.npz"),
        (("l.npz", symlink_loop),),
        ("l.npz", "Too many levels of symbolic links"),
        ("no such file",),
    ),
    (
        "npz-huge-header",
        data_toml("npz", "h.npz"),
        (("h.npz", npz(x=npy_bytes(HUGE), y=npy_of(GOOD_Y))),),
        ("h.npz array 'x'", "header says shape (1099511627776, 1048576)", "at most"),
        (),
    ),
    (
        "npz-header-beyond-data",
        data_toml("npz", "t.npz"),
        (("t.npz", npz(x=npy_bytes((1000, 100)), y=npy_of(GOOD_Y))),),
        ("t.npz array 'x'", "holds only", "truncated or corrupt"),
        (),
    ),
    (
        "npz-not-zip",
        data_toml("npz", "n.npz"),
        (("n.npz", b"this is not a zip file at all\n"),),
        ("n.npz", "not an NPZ file", "zip archive of .npy arrays"),
        ("pickled",),
    ),
    (
        "npz-is-npy",
        data_toml("npz", "one.npz"),
        (("one.npz", npy_of(GOOD_X)),),
        ("one.npz", "an NPY file", "data.name = 'npy'"),
        ("pickled",),
    ),
    (
        "npz-zero-samples",
        data_toml("npz", "z.npz"),
        (("z.npz", npz_arrays(x=np.zeros((0, 4), np.float32), y=np.zeros(0, np.int64))),),
        ("z.npz", "0 samples", "at least 1 sample"),
        (),
    ),
    (
        "npz-object-array",
        data_toml("npz", "o.npz"),
        (("o.npz", npz(x=npy_of(np.array([[1], [2, 3]], dtype=object)), y=npy_of(GOOD_Y[:2]))),),
        ("o.npz array 'x'", "pickled", "numeric arrays"),
        (),
    ),
    (
        "npz-wrong-names",
        data_toml("npz", "w.npz"),
        (("w.npz", npz_arrays(a=GOOD_X, b=GOOD_Y)),),
        ("w.npz", "arrays a, b; expected x and y"),
        (),
    ),
    (
        "npz-truncated",
        data_toml("npz", "c.npz"),
        (("c.npz", b"PK\x03\x04" + b"\0" * 40),),
        ("c.npz", "truncated or not an NPZ file"),
        (),
    ),
    (
        "npz-length-mismatch",
        data_toml("npz", "m.npz"),
        (("m.npz", npz_arrays(x=GOOD_X, y=GOOD_Y[:5])),),
        ("m.npz", "'x' has 12 samples but 'y' has 5"),
        (),
    ),
    (
        "npz-nan",
        data_toml("npz", "nan.npz"),
        (("nan.npz", npz_arrays(x=np.full((12, 4), np.nan, np.float32), y=GOOD_Y)),),
        ("nan.npz", "NaN or inf"),
        (),
    ),
    (
        "npz-one-based-labels",
        data_toml("npz", "ob.npz"),
        (("ob.npz", npz_arrays(x=GOOD_X, y=GOOD_Y + 1)),),
        ("ob.npz", "1-based", "data.options.remap_labels = true"),
        (),
    ),
    (
        "npz-string-dtype",
        data_toml("npz", "s.npz"),
        (("s.npz", npz_arrays(x=np.array(["a"] * 12), y=GOOD_Y)),),
        ("s.npz", "dtype", "expected numbers"),
        (),
    ),
    (
        "npy-huge-header",
        data_toml("npy", "x.npy", "y.npy"),
        (("x.npy", npy_bytes(HUGE)), ("y.npy", npy_of(GOOD_Y))),
        ("x.npy", "header says shape", "at most"),
        (),
    ),
    (
        "npy-header-beyond-data",
        data_toml("npy", "x.npy", "y.npy"),
        (("x.npy", npy_bytes((100000, 10))), ("y.npy", npy_of(GOOD_Y))),
        ("x.npy", "holds only"),
        (),
    ),
    (
        "npy-zero-samples",
        data_toml("npy", "x.npy", "y.npy"),
        (("x.npy", npy_of(np.zeros((0, 3)))), ("y.npy", npy_of(np.zeros(0)))),
        ("x.npy", "0 samples"),
        (),
    ),
    (
        "npy-not-npy",
        data_toml("npy", "x.npy", "y.npy"),
        (("x.npy", b"\x00" * 64), ("y.npy", npy_of(GOOD_Y))),
        ("x.npy", "not an NPY file"),
        (),
    ),
    (
        "npy-target-fifo",
        data_toml("npy", "x.npy", "y.npy"),
        (("x.npy", npy_of(GOOD_X)), ("y.npy", fifo)),
        ('data.target = "y.npy"', "named pipe"),
        (),
    ),
    (
        "npy-target-dev-zero",
        data_toml("npy", "x.npy", "/dev/zero"),
        (("x.npy", npy_of(GOOD_X)),),
        ('data.target = "/dev/zero"', "character device"),
        (),
    ),
    (
        "npy-folder-without-y",
        data_toml("npy", "arr"),
        (("arr", folder), ("arr/x.npy", npy_of(GOOD_X))),
        ('data.path = "arr"', "no y.npy"),
        (),
    ),
    (
        "npy-folder-fifo-x",
        data_toml("npy", "arr"),
        (("arr", folder), ("arr/x.npy", fifo), ("arr/y.npy", npy_of(GOOD_Y))),
        ('data.path = "arr"', "x.npy", "named pipe"),
        (),
    ),
    (
        "npy-dev-null",
        data_toml("npy", "/dev/null", "y.npy"),
        (("y.npy", npy_of(GOOD_Y)),),
        ('data.path = "/dev/null"', "character device"),
        ("is a folder",),
    ),
    (
        "images-file",
        data_toml("images", "img.png"),
        (("img.png", b"\x89PNG\r\n"),),
        ('data.path = "img.png"', "not a folder"),
        (),
    ),
    ("images-dev-zero", data_toml("images", "/dev/zero"), (), ('data.path = "/dev/zero"', "not a folder"), ()),
]


# ------------------------------------------------------------------ ARGS: argument lists

ARGS: list[tuple[str, tuple[str, ...], tuple[tuple[str, Maker], ...], tuple[str, ...], tuple[str, ...]]] = [
    ("run-empty-preset", ("run", ""), (), ("preset argument is empty", "known presets"), ("is a folder",)),
    ("check-empty-preset", ("check", ""), (), ("preset argument is empty",), ("is a folder",)),
    ("run-blank-preset", ("run", "  "), (), ("preset argument is empty",), ("is a folder",)),
    ("run-dev-null", ("run", "/dev/null"), (), ("/dev/null", "character device", ".toml file"), ("is a folder",)),
    ("check-dev-null", ("check", "/dev/null"), (), ("/dev/null", "character device"), ("is a folder",)),
    ("run-dev-zero", ("run", "/dev/zero"), (), ("/dev/zero", "character device"), ()),
    ("run-fifo", ("run", "pipe.toml"), (("pipe.toml", fifo),), ("pipe.toml", "named pipe"), ()),
    ("check-fifo", ("check", "pipe.toml"), (("pipe.toml", fifo),), ("pipe.toml", "named pipe"), ()),
    (
        "run-symlink-loop",
        ("run", "loop.toml"),
        (("loop.toml", symlink_loop),),
        ("loop.toml", "Too many levels of symbolic links"),
        ("no such file",),
    ),
    (
        "check-symlink-loop",
        ("check", "loop.toml"),
        (("loop.toml", symlink_loop),),
        ("loop.toml", "Too many levels of symbolic links"),
        ("no such file",),
    ),
    ("run-dangling", ("run", "gone.toml"), (("gone.toml", dangling),), ("gone.toml", "does not exist"), ()),
    ("run-missing-file", ("run", "nope.toml"), (), ("nope.toml", "no such file"), ()),
    ("run-unknown-preset", ("run", "digits-mlpp"), (), ("no experiment preset named 'digits-mlpp'", "known: ")),
    ("run-folder", ("run", "sub/"), (("sub", folder),), ("sub", "is a folder"), ()),
    ("check-empty-folder", ("check", "sub"), (("sub", folder),), ("sub", "is a folder"), ()),
    ("run-epochs-zero", ("run", "digits-mlp", "--epochs", "0"), (), ("--epochs", "fit.epochs = 0", ">= 1"), ()),
    (
        "run-epochs-word",
        ("run", "digits-mlp", "--epochs", "x"),
        (),
        ("--epochs", "'x' is not a whole number", "1 to 100,000"),
        ("invalid int value",),
    ),
    (
        "run-json-epochs-zero",
        ("run", "digits-mlp", "--epochs", "0", "--json"),
        (),
        ('{"event": "end", "status": "failed", "exit_code": 2', "fit.epochs = 0: must be >= 1"),
        (),
    ),
    (
        "check-json-unknown-preset",
        ("check", "no-such-preset", "--json"),
        (),
        ('{"event": "error", "target": "no-such-preset"', '"event": "end", "status": "failed"'),
        (),
    ),
    ("run-epochs-bool-set", ("run", "digits-mlp", "--set", "fit.epochs=true"), (), ("fit.epochs = true", ">= 1"), ()),
    (
        "run-scaling-unknown",
        ("run", "digits-mlp", "--set", "data.options.scaling=foo"),
        (),
        ('data.options.scaling = "foo"', 'one of "none", "minmax" or "standardize"'),
        ("'none'",),
    ),
    (
        "run-callback-no-class",
        ("run", "digits-mlp", "--set", "fit.callbacks=[{config={}}]"),
        (),
        ("fit.callbacks[0].class_name: is required",),
        ("class_name = {",),
    ),
    (
        "run-runs-dir-file",
        ("run", "digits-mlp", "--runs-dir", "afile/runs"),
        (("afile", "x"),),
        ("afile/runs", "Not a directory"),
        (),
    ),
    ("run-unknown-flag", ("run", "digits-mlp", "--bogus"), (), ("unrecognized arguments: --bogus",), ()),
    ("check-no-preset", ("check",), (), ("the following arguments are required: PRESET",), ()),
]
ARGS = [c if len(c) == 5 else (*c, ()) for c in ARGS]  # type: ignore[misc]


# ------------------------------------------------------------------ the cases


def _run_argv(target: str, *more: str) -> tuple[str, ...]:
    return ("run", target, *more, "--runs-dir", "runs")


def build_cases() -> list[Case]:
    """Every case of the corpus (ids unique)."""
    cases: list[Case] = []
    for cid, parts, expect in SPEC:
        text = exp_toml(**parts)
        for cmd in ("check", "run"):
            argv = ("check", "exp.toml") if cmd == "check" else _run_argv("exp.toml")
            cases.append(Case(f"spec-{cmd}-{cid}", argv, (("exp.toml", text),), ("exp.toml", *expect)))
    deep_set = "fit.epochs=" + "[" * 3000 + "]" * 3000
    for cid, content, expect, reject in SPEC_FILES:
        for cmd in ("check", "run"):
            more = ("--set", deep_set) if cid == "toml-deep-set-value" else ()
            argv = ("check", "exp.toml", *more) if cmd == "check" else _run_argv("exp.toml", *more)
            named = "--set" if more else "exp.toml"  # a --set error names the flag, not the file (design note)
            cases.append(Case(f"spec-{cmd}-{cid}", argv, (("exp.toml", content),), (named, *expect), reject))
    for cid, content, expect in PREFLIGHT:
        cases.append(
            Case(f"preflight-run-{cid}", _run_argv("exp.toml"), (("exp.toml", content),), ("exp.toml", *expect))
        )
        cases.append(
            Case(
                f"preflight-check-{cid}",
                ("check", "exp.toml"),
                (("exp.toml", content),),
                ("exp.toml", *expect),
                keras=cid not in REFUSED_BEFORE_KERAS,
            )
        )
    for cid, setting, expect in SETS:
        cases.append(Case(f"set-run-{cid}", _run_argv("digits-mlp", "--set", setting), (), ("--set", *expect)))
        cases.append(Case(f"set-check-{cid}", ("check", "digits-mlp", "--set", setting), (), ("--set", *expect)))
    for cid, content, files, expect, reject in DATA:
        for cmd in ("check", "run"):
            argv = ("check", "exp.toml") if cmd == "check" else _run_argv("exp.toml")
            cases.append(
                Case(f"data-{cmd}-{cid}", argv, (("exp.toml", content), *files), ("exp.toml", *expect), reject)
            )
    for cid, argv, files, expect, reject in ARGS:
        cases.append(Case(f"args-{cid}", argv, files, expect, reject))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def make_files(case: Case, where: Path) -> None:
    """Create the case's files under ``where``."""
    for name, maker in case.files:
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(maker):
            maker(path)
        elif isinstance(maker, bytes):
            path.write_bytes(maker)
        else:
            path.write_text(maker, encoding="utf-8")


def snapshot(where: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``where`` (symlinks not followed): relative path -> (mode, size)."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(where, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, where)] = (st.st_mode, st.st_size)
    return out


def run_in_process(argv: tuple[str, ...] | list[str]) -> tuple[int, str]:
    """``tuidl.cli.main(argv)``; returns (exit code, stdout + stderr) when Python-level streams are captured
    by the caller, else (exit code, "") — argparse's ``SystemExit`` is turned into its code."""
    from tuidl.cli import main

    try:
        return int(main(list(argv)) or 0), ""
    except SystemExit as e:
        return (e.code if isinstance(e.code, int) else 2), ""


def run_all_quietly(cases: list[Case], root: Path) -> list[tuple[str, int]]:
    """Run ``cases`` one after another in folders under ``root``, output discarded; ``[(id, exit code)]``."""
    results = []
    cwd = os.getcwd()
    for n, case in enumerate(cases):
        d = root / f"c{n}"
        d.mkdir()
        make_files(case, d)
        os.chdir(d)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code, _ = run_in_process(case.argv)
        finally:
            os.chdir(cwd)
        results.append((case.id, code))
    return results


CASES = build_cases()
"""The corpus."""
