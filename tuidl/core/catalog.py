"""The layer catalog: which Keras layers tuidl offers and their main arguments.

Each :class:`LayerInfo` names a Keras layer class (``keras.layers.<class_name>``)
and the arguments a person edits, with Keras's defaults, valid ranges and
choices. The spec validates layer configs against it (types and ranges only;
shape problems are found by :mod:`tuidl.core.checks`), and the builder screen
draws its editors from it. The same dataclasses describe the optimizers,
learning-rate schedules, callbacks and losses the builder offers.

Defaults are those of Keras 3 (``keras/src/layers/...``), except where Keras
has no default (``Dense.units``, ``Dropout.rate``): there the catalog gives a
sensible starting value, marked ``required=True``.

The catalog is three modules, re-exported here: :mod:`tuidl.core.catalog_args` (the types, pydantic
validation of an argument, the editors' text forms), :mod:`tuidl.core.catalog_layers` (the layer table) and
:mod:`tuidl.core.catalog_optim` (optimizers, schedules, callbacks, inline initializer/regularizer classes).
"""

from __future__ import annotations

from tuidl.core.catalog_args import (
    ACTIVATIONS,
    ArgInfo,
    ArgKind,
    ClassInfo,
    InputKind,
    LayerInfo,
    arg_type,
    format_arg,
    format_ref,
    parse_arg,
    parse_ref,
)
from tuidl.core.catalog_layers import CONSTANT_INITIALIZERS, FLAT_INPUT_LAYERS, LAYERS, STRUCTURED_INPUT_LAYERS
from tuidl.core.catalog_optim import CALLBACKS, INITIALIZER_CLASSES, OPTIMIZERS, REGULARIZER_CLASSES, SCHEDULES
from tuidl.core.registry import LOSS_BY_CLASS, LOSS_INFO, METRIC_CHOICES, LossInfo, loss_info

__all__ = [
    "ACTIVATIONS",
    "CALLBACKS",
    "CONSTANT_INITIALIZERS",
    "FLAT_INPUT_LAYERS",
    "INITIALIZER_CLASSES",
    "LAYERS",
    "OPTIMIZERS",
    "REGULARIZER_CLASSES",
    "SCHEDULES",
    "STRUCTURED_INPUT_LAYERS",
    "ArgInfo",
    "ArgKind",
    "ClassInfo",
    "InputKind",
    "LayerInfo",
    "arg_type",
    "format_arg",
    "format_ref",
    "parse_arg",
    "parse_ref",
    # the loss and metric tables live in tuidl.core.registry; re-exported for the builder
    "LOSS_BY_CLASS",
    "LOSS_INFO",
    "METRIC_CHOICES",
    "LossInfo",
    "loss_info",
]
