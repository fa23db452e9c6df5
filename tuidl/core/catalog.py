"""The layer catalog: which Keras layers tuidl offers and their main arguments.

Each :class:`LayerInfo` names a Keras layer class (``keras.layers.<class_name>``)
and the arguments a person edits, with Keras's defaults, valid ranges and
choices. The spec validates layer configs against it (types and ranges only;
shape problems are found by the engine), and the builder screen draws its
editor from it.

Defaults are those of Keras 3 (``keras/src/layers/...``), except where Keras
has no default (``Dense.units``, ``Dropout.rate``): there the catalog gives a
sensible starting value, marked ``required=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ArgKind = Literal[
    "int", "float", "bool", "choice", "activation", "int_or_pair", "shape",
    "initializer", "regularizer", "optional_int_or_pair",
]

ACTIVATIONS: tuple[str, ...] = (
    "linear", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
    "sigmoid", "tanh", "softplus", "softsign", "softmax", "relu6", "hard_sigmoid",
    "exponential", "log_softmax", "swish",
)
"""Activation names accepted by ``keras.activations.get`` that tuidl offers."""


@dataclass(frozen=True)
class ArgInfo:
    """One editable layer argument.

    Attributes:
        name: the Keras argument name (``units``, ``kernel_size``).
        kind: how it is validated and edited (see :data:`ArgKind`).
        default: Keras's default (``None`` means "not set").
        minimum: smallest allowed value for numbers (inclusive unless
            ``exclusive_min``); also applies to every element of a pair/shape.
        maximum: largest allowed value (inclusive unless ``exclusive_max``).
        choices: allowed strings for ``choice``.
        help: one line shown in the editor.
    """

    name: str
    kind: ArgKind
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    required: bool = False

    def allowed(self) -> str:
        """Human description of the allowed values, e.g. ``"an integer >= 1"``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "activation":
            return "an activation name: " + ", ".join(ACTIVATIONS)
        if self.kind in ("initializer", "regularizer"):
            return f"a {self.kind} preset name or a table {{class_name, config}}"
        base = {
            "int": "an integer",
            "float": "a number",
            "int_or_pair": "an integer or a pair of integers",
            "optional_int_or_pair": "an integer, a pair of integers, or unset",
            "shape": "a list of positive integers (-1 allowed once)",
        }[self.kind]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_min else '>='} {_fmt(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.exclusive_max else '<='} {_fmt(self.maximum)}")
        return base + (" " + " and ".join(bounds) if bounds else "")

    def check(self, value: Any) -> str | None:
        """Return ``None`` when ``value`` is allowed, else what is allowed."""
        k = self.kind
        if value is None:
            return None if (k in ("initializer", "regularizer", "optional_int_or_pair")
                            or (k == "activation") or self.default is None) else self.allowed()
        if k == "bool":
            return None if isinstance(value, bool) else self.allowed()
        if k == "choice":
            return None if value in self.choices else self.allowed()
        if k == "activation":
            return None if value in ACTIVATIONS else self.allowed()
        if k in ("initializer", "regularizer"):
            if isinstance(value, str):
                return None  # preset names are checked against the registry
            if isinstance(value, dict) and isinstance(value.get("class_name"), str):
                return None
            return self.allowed()
        if k == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return self.allowed()
            return None if self._in_range(value) else self.allowed()
        if k == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return self.allowed()
            if value != value or value in (float("inf"), float("-inf")):
                return self.allowed() + " (finite)"
            return None if self._in_range(value) else self.allowed()
        if k in ("int_or_pair", "optional_int_or_pair"):
            items = value if isinstance(value, (list, tuple)) else [value]
            if isinstance(value, (list, tuple)) and len(value) not in (1, 2):
                return self.allowed()
            for v in items:
                if isinstance(v, bool) or not isinstance(v, int) or not self._in_range(v):
                    return self.allowed()
            return None
        if k == "shape":
            if not isinstance(value, (list, tuple)) or not value:
                return self.allowed()
            if sum(1 for v in value if v == -1) > 1:
                return self.allowed()
            for v in value:
                if isinstance(v, bool) or not isinstance(v, int) or (v < 1 and v != -1):
                    return self.allowed()
            return None
        return None  # pragma: no cover

    def _in_range(self, v: float) -> bool:
        if self.minimum is not None:
            if v < self.minimum or (self.exclusive_min and v == self.minimum):
                return False
        if self.maximum is not None:
            if v > self.maximum or (self.exclusive_max and v == self.maximum):
                return False
        return True


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class LayerInfo:
    """A Keras layer class offered by tuidl.

    Attributes:
        class_name: Keras class name in ``keras.layers``.
        category: group shown in the catalog ("Core", "Convolution", ...).
        args: the editable arguments, in editor order.
        description: one line for the catalog.
    """

    class_name: str
    category: str
    args: tuple[ArgInfo, ...] = field(default_factory=tuple)
    description: str = ""

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` named ``name``, or ``None``."""
        for a in self.args:
            if a.name == name:
                return a
        return None

    def default_config(self) -> dict[str, Any]:
        """Config with the required arguments filled with their starting values."""
        return {a.name: a.default for a in self.args if a.required}

    @property
    def accepts(self) -> frozenset[str]:
        """Names of all catalogued arguments."""
        return frozenset(a.name for a in self.args)


def _init(name: str, default: str) -> ArgInfo:
    return ArgInfo(name, "initializer", default, help=f"initializer for the {name.split('_')[0]} weights")


def _reg(name: str) -> ArgInfo:
    return ArgInfo(name, "regularizer", None, help="penalty added to the loss")


_WEIGHTED = (
    _init("kernel_initializer", "glorot-uniform"),
    _init("bias_initializer", "zeros"),
    _reg("kernel_regularizer"),
    _reg("bias_regularizer"),
    _reg("activity_regularizer"),
)
_ACT = ArgInfo("activation", "activation", None, help="applied to the output; unset = linear")
_USE_BIAS = ArgInfo("use_bias", "bool", True, help="add a bias vector")
_RATE = ArgInfo("rate", "float", 0.5, 0.0, 1.0, exclusive_max=True, required=True,
                help="fraction of inputs dropped while training, in [0, 1)")
_POOL = (
    ArgInfo("pool_size", "int_or_pair", 2, 1, required=True, help="window size"),
    ArgInfo("strides", "optional_int_or_pair", None, 1, help="step; unset = pool_size"),
    ArgInfo("padding", "choice", "valid", choices=("valid", "same")),
)
_RNN = (
    ArgInfo("units", "int", 32, 1, required=True, help="size of the hidden state"),
    ArgInfo("activation", "activation", "tanh"),
    ArgInfo("return_sequences", "bool", False, help="output the whole sequence, not only the last step"),
    ArgInfo("dropout", "float", 0.0, 0.0, 1.0, exclusive_max=True),
    ArgInfo("recurrent_dropout", "float", 0.0, 0.0, 1.0, exclusive_max=True),
    *_WEIGHTED,
)

LAYERS: dict[str, LayerInfo] = {
    info.class_name: info
    for info in (
        LayerInfo("Dense", "Core", (
            ArgInfo("units", "int", 32, 1, required=True, help="number of output units"),
            _ACT, _USE_BIAS, *_WEIGHTED), "fully connected: y = activation(x W + b)"),
        LayerInfo("Activation", "Core", (
            ArgInfo("activation", "activation", "relu", required=True),), "apply an activation"),
        LayerInfo("Embedding", "Core", (
            ArgInfo("input_dim", "int", 1000, 1, required=True, help="vocabulary size"),
            ArgInfo("output_dim", "int", 32, 1, required=True, help="embedding size"),
            ArgInfo("mask_zero", "bool", False),
            _init("embeddings_initializer", "random-uniform"),
            _reg("embeddings_regularizer")), "integer ids -> dense vectors"),
        LayerInfo("Conv1D", "Convolution", (
            ArgInfo("filters", "int", 32, 1, required=True),
            ArgInfo("kernel_size", "int_or_pair", 3, 1, required=True),
            ArgInfo("strides", "int_or_pair", 1, 1),
            ArgInfo("padding", "choice", "valid", choices=("valid", "same", "causal")),
            _ACT, _USE_BIAS, *_WEIGHTED), "1-D convolution over (steps, channels)"),
        LayerInfo("Conv2D", "Convolution", (
            ArgInfo("filters", "int", 32, 1, required=True),
            ArgInfo("kernel_size", "int_or_pair", 3, 1, required=True),
            ArgInfo("strides", "int_or_pair", 1, 1),
            ArgInfo("padding", "choice", "valid", choices=("valid", "same")),
            _ACT, _USE_BIAS, *_WEIGHTED), "2-D convolution over (height, width, channels)"),
        LayerInfo("MaxPooling2D", "Pooling", _POOL, "max over each window"),
        LayerInfo("AveragePooling2D", "Pooling", _POOL, "mean over each window"),
        LayerInfo("GlobalAveragePooling2D", "Pooling", (), "mean over height and width"),
        LayerInfo("Flatten", "Reshaping", (), "(batch, ...) -> (batch, n)"),
        LayerInfo("Reshape", "Reshaping", (
            ArgInfo("target_shape", "shape", [8, 8, 1], required=True,
                    help="output shape without the batch axis"),), "change the shape"),
        LayerInfo("Dropout", "Regularization", (_RATE,), "randomly zero inputs while training"),
        LayerInfo("SpatialDropout2D", "Regularization", (_RATE,), "drop whole feature maps"),
        LayerInfo("GaussianNoise", "Regularization", (
            ArgInfo("stddev", "float", 0.1, 0.0, required=True),), "add N(0, stddev) noise while training"),
        LayerInfo("BatchNormalization", "Normalization", (
            ArgInfo("momentum", "float", 0.99, 0.0, 1.0),
            ArgInfo("epsilon", "float", 0.001, 0.0, exclusive_min=True),
            ArgInfo("center", "bool", True), ArgInfo("scale", "bool", True)),
         "normalize over the batch"),
        LayerInfo("LayerNormalization", "Normalization", (
            ArgInfo("epsilon", "float", 0.001, 0.0, exclusive_min=True),
            ArgInfo("center", "bool", True), ArgInfo("scale", "bool", True)),
         "normalize over the features"),
        LayerInfo("LeakyReLU", "Activation", (
            ArgInfo("negative_slope", "float", 0.3, 0.0),), "x if x > 0 else negative_slope * x"),
        LayerInfo("PReLU", "Activation", (), "leaky ReLU with a learned slope"),
        LayerInfo("SimpleRNN", "Recurrent", _RNN, "fully connected recurrent layer"),
        LayerInfo("LSTM", "Recurrent", _RNN, "long short-term memory"),
        LayerInfo("GRU", "Recurrent", _RNN, "gated recurrent unit"),
    )
}
"""All layers tuidl offers, by Keras class name."""

COMPONENT_ARG_KINDS = ("initializer", "regularizer")
