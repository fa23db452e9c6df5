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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, Sequence, Union

from pydantic import AfterValidator, Field, Strict, TypeAdapter, ValidationError

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

ArgKind = Literal[
    "int",
    "float",
    "bool",
    "choice",
    "activation",
    "int_or_pair",
    "shape",
    "initializer",
    "regularizer",
    "optional_int_or_pair",
    "float_list",
    "int_list",
    "optional_float",
]

ACTIVATIONS: tuple[str, ...] = (
    "linear",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "softmax",
    "relu6",
    "hard_sigmoid",
    "exponential",
    "log_softmax",
    "swish",
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
            "float_list": "a list of numbers",
            "int_list": "a list of integers",
            "optional_float": "a number or unset",
        }[self.kind]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_min else '>='} {_fmt(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.exclusive_max else '<='} {_fmt(self.maximum)}")
        return base + (" " + " and ".join(bounds) if bounds else "")

    def check(self, value: Any) -> str | None:
        """Return ``None`` when ``value`` is allowed, else what is allowed (:meth:`allowed`).

        Validated by pydantic, as the spec's sections are, against the type
        :func:`arg_type` builds from this argument (strict: ``true`` is not a
        number, ``"3"`` not an integer); a number that is not finite gets
        `` (finite)`` added.
        """
        try:
            _adapter(self).validate_python(value)
        except ValidationError as e:
            finite = any(err["type"] == "finite_number" for err in e.errors(include_url=False))
            return self.allowed() + (" (finite)" if finite and self.kind in ("float", "optional_float") else "")
        return None


def _not_nan(v: float) -> float:
    if v != v:
        raise ValueError("not a number")
    return v


def _one_unknown_dim(v: Sequence[int]) -> Sequence[int]:
    if sum(1 for d in v if d == -1) > 1 or any(d < 1 and d != -1 for d in v):
        raise ValueError("dimensions >= 1, or -1 once")
    return v


def _class_name_str(v: dict[Any, Any]) -> dict[Any, Any]:
    if not isinstance(v.get("class_name"), str):
        raise ValueError("a table with class_name")
    return v


def _seq(item: Any, **length: int) -> Any:
    """A list or tuple of ``item`` (TOML gives lists; Python callers may pass tuples)."""
    return Union[Annotated[list[item], Strict(), Field(**length)], Annotated[tuple[item, ...], Field(**length)]]


def arg_type(arg: ArgInfo) -> Any:
    """The pydantic type of the values ``arg`` allows: its kind, bounds and choices, strict.

    ``None`` is allowed where the argument may be unset (``optional_*``,
    components, activations, and arguments without a default).
    """
    bounds: dict[str, float] = {}
    if arg.minimum is not None:
        bounds["gt" if arg.exclusive_min else "ge"] = arg.minimum
    if arg.maximum is not None:
        bounds["lt" if arg.exclusive_max else "le"] = arg.maximum
    k = arg.kind
    int_ = Annotated[int, Strict(), Field(**bounds)]
    t: Any
    if k == "bool":
        t = Annotated[bool, Strict()]
    elif k == "choice":
        t = Literal[arg.choices]  # type: ignore[valid-type]
    elif k == "activation":
        t = Literal[ACTIVATIONS]  # type: ignore[valid-type]
    elif k in ("initializer", "regularizer"):
        t = Union[Annotated[str, Strict()], Annotated[dict[Any, Any], Strict(), AfterValidator(_class_name_str)]]
    elif k == "int":
        t = int_
    elif k in ("float", "optional_float"):
        t = Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]
    elif k == "int_list":
        t = _seq(int_, min_length=1)
    elif k == "float_list":
        t = _seq(Annotated[float, Strict(), Field(**bounds), AfterValidator(_not_nan)], min_length=1)
    elif k in ("int_or_pair", "optional_int_or_pair"):
        t = Union[int_, _seq(int_, min_length=1, max_length=2)]
    else:  # shape
        t = Annotated[_seq(Annotated[int, Strict()], min_length=1), AfterValidator(_one_unknown_dim)]
    unset = (
        k in ("initializer", "regularizer", "optional_int_or_pair", "optional_float", "activation")
        or arg.default is None
    )
    return Optional[t] if unset else t


_ADAPTERS: dict[tuple[Any, ...], TypeAdapter[Any]] = {}


def _adapter(arg: ArgInfo) -> TypeAdapter[Any]:
    """The (cached) pydantic validator of :func:`arg_type`, keyed by what the type depends on."""
    key = (arg.kind, arg.minimum, arg.maximum, arg.exclusive_min, arg.exclusive_max, arg.choices, arg.default is None)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(arg_type(arg))
    return _ADAPTERS[key]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


InputKind = Literal["flat", "structured", "any"]
"""What a layer needs as input; see :attr:`LayerInfo.input_kind`."""


@dataclass(frozen=True)
class LayerInfo:
    """A Keras layer class offered by tuidl.

    Attributes:
        class_name: Keras class name in ``keras.layers``.
        category: group shown in the catalog ("Core", "Convolution", ...).
        args: the editable arguments, in editor order.
        description: one line for the catalog.
        input_ranks: ranks (without the batch axis) of the inputs the layer
            accepts, e.g. ``(3,)`` for Conv2D's ``(height, width, channels)``;
            ``None`` means any rank (>= 1).
        input_kind: ``"flat"``: as a first layer it takes a flat ``(features,)``
            input (the engine and an exported script flatten images before it);
            ``"structured"``: it needs (or makes) an image, a sequence or token
            ids, so it has no place in a model of flat data; ``"any"``: neither.
    """

    class_name: str
    category: str
    args: tuple[ArgInfo, ...] = field(default_factory=tuple)
    description: str = ""
    input_ranks: tuple[int, ...] | None = None
    input_kind: InputKind = "any"

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
    what = name.rsplit("_", 1)[0].replace("_", " ")
    return ArgInfo(name, "initializer", default, help=f"initializer for the {what} weights")


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
_RATE = ArgInfo(
    "rate",
    "float",
    0.5,
    0.0,
    1.0,
    exclusive_max=True,
    required=True,
    help="fraction of inputs dropped while training, in [0, 1)",
)


def _pool(required: bool) -> tuple[ArgInfo, ...]:
    return (
        ArgInfo("pool_size", "int_or_pair", 2, 1, required=required, help="window size"),
        ArgInfo("strides", "optional_int_or_pair", None, 1, help="step; unset = pool_size"),
        ArgInfo(
            "padding",
            "choice",
            "valid",
            choices=("valid", "same"),
            help="valid: no padding; same: pad so that output = ceil(input / strides)",
        ),
    )


def _rnn(gated: bool) -> tuple[ArgInfo, ...]:
    return (
        ArgInfo("units", "int", 32, 1, required=True, help="size of the hidden state"),
        ArgInfo("activation", "activation", "tanh", help="activation of the output / candidate state"),
        *((ArgInfo("recurrent_activation", "activation", "sigmoid", help="activation of the gates"),) if gated else ()),
        _USE_BIAS,
        ArgInfo("return_sequences", "bool", False, help="output the whole sequence, not only the last step"),
        ArgInfo("dropout", "float", 0.0, 0.0, 1.0, exclusive_max=True, help="dropout on the inputs, [0, 1)"),
        ArgInfo(
            "recurrent_dropout",
            "float",
            0.0,
            0.0,
            1.0,
            exclusive_max=True,
            help="dropout on the recurrent state, [0, 1)",
        ),
        *_WEIGHTED[:2],
        _init("recurrent_initializer", "orthogonal"),
        *_WEIGHTED[2:],
        _reg("recurrent_regularizer"),
    )


def _conv(rank: int) -> tuple[ArgInfo, ...]:
    size = "int" if rank == 1 else "int_or_pair"
    pads = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    return (
        ArgInfo("filters", "int", 32, 1, required=True, help="number of output channels"),
        ArgInfo("kernel_size", size, 3, 1, required=True, help="window size" + ("" if rank == 1 else " (n or h,w)")),
        ArgInfo("strides", size, 1, 1, help="step of the window"),
        ArgInfo(
            "padding",
            "choice",
            "valid",
            choices=pads,
            help="valid: no padding; same: keep the size (stride 1)" + ("; causal: no look-ahead" if rank == 1 else ""),
        ),
        ArgInfo("dilation_rate", size, 1, 1, help="spacing between kernel taps"),
        _ACT,
        _USE_BIAS,
        *_WEIGHTED,
    )


LAYERS: dict[str, LayerInfo] = {
    info.class_name: info
    for info in (
        LayerInfo(
            "Dense",
            "Core",
            (ArgInfo("units", "int", 32, 1, required=True, help="number of output units"), _ACT, _USE_BIAS, *_WEIGHTED),
            "fully connected: y = activation(x W + b)",
            input_kind="flat",
        ),
        LayerInfo(
            "Activation",
            "Core",
            (ArgInfo("activation", "activation", "relu", required=True),),
            "apply an activation",
            input_kind="flat",
        ),
        LayerInfo(
            "Embedding",
            "Core",
            (
                ArgInfo("input_dim", "int", 1000, 1, required=True, help="vocabulary size (largest id + 1)"),
                ArgInfo("output_dim", "int", 32, 1, required=True, help="embedding size"),
                ArgInfo("mask_zero", "bool", False, help="treat id 0 as padding"),
                _init("embeddings_initializer", "random-uniform"),
                _reg("embeddings_regularizer"),
            ),
            "integer ids -> dense vectors",
            input_ranks=(1,),
            input_kind="structured",
        ),
        LayerInfo(
            "Conv1D",
            "Convolution",
            _conv(1),
            "1-D convolution over (steps, channels)",
            input_ranks=(2,),
            input_kind="structured",
        ),
        LayerInfo(
            "Conv2D",
            "Convolution",
            _conv(2),
            "2-D convolution over (height, width, channels)",
            input_ranks=(3,),
            input_kind="structured",
        ),
        LayerInfo(
            "MaxPooling2D", "Pooling", _pool(False), "max over each window", input_ranks=(3,), input_kind="structured"
        ),
        LayerInfo(
            "AveragePooling2D",
            "Pooling",
            _pool(True),
            "mean over each window",
            input_ranks=(3,),
            input_kind="structured",
        ),
        LayerInfo(
            "GlobalAveragePooling2D",
            "Pooling",
            (ArgInfo("keepdims", "bool", False, help="keep (1, 1, channels) instead of (channels,)"),),
            "mean over height and width",
            input_ranks=(3,),
            input_kind="structured",
        ),
        LayerInfo("Flatten", "Reshaping", (), "(batch, ...) -> (batch, n)"),
        LayerInfo(
            "Reshape",
            "Reshaping",
            (
                ArgInfo(
                    "target_shape",
                    "shape",
                    [8, 8, 1],
                    required=True,
                    help="output shape without the batch axis, e.g. 8,8,1",
                ),
            ),
            "change the shape",
            input_kind="structured",
        ),
        LayerInfo("Dropout", "Regularization", (_RATE,), "randomly zero inputs while training", input_kind="flat"),
        LayerInfo(
            "SpatialDropout2D",
            "Regularization",
            (_RATE,),
            "drop whole feature maps",
            input_ranks=(3,),
            input_kind="structured",
        ),
        LayerInfo(
            "GaussianNoise",
            "Regularization",
            (ArgInfo("stddev", "float", 0.1, 0.0, required=True, help="noise standard deviation, >= 0"),),
            "add N(0, stddev) noise while training",
            input_kind="flat",
        ),
        LayerInfo(
            "BatchNormalization",
            "Normalization",
            (
                ArgInfo("momentum", "float", 0.99, 0.0, 1.0, help="of the moving mean and variance, [0, 1]"),
                ArgInfo("epsilon", "float", 0.001, 0.0, exclusive_min=True, help="added to the variance, > 0"),
                ArgInfo("center", "bool", True, help="learn an offset (beta)"),
                ArgInfo("scale", "bool", True, help="learn a scale (gamma)"),
            ),
            "normalize over the batch",
            input_kind="flat",
        ),
        LayerInfo(
            "LayerNormalization",
            "Normalization",
            (
                ArgInfo("epsilon", "float", 0.001, 0.0, exclusive_min=True, help="added to the variance, > 0"),
                ArgInfo("center", "bool", True, help="learn an offset (beta)"),
                ArgInfo("scale", "bool", True, help="learn a scale (gamma)"),
            ),
            "normalize over the features",
            input_kind="flat",
        ),
        LayerInfo(
            "LeakyReLU",
            "Activation",
            (ArgInfo("negative_slope", "float", 0.3, 0.0, help="slope for x < 0, >= 0"),),
            "x if x > 0 else negative_slope * x",
            input_kind="flat",
        ),
        LayerInfo("PReLU", "Activation", (), "leaky ReLU with a learned slope per unit", input_kind="flat"),
        LayerInfo(
            "SimpleRNN",
            "Recurrent",
            _rnn(False),
            "fully connected recurrent layer",
            input_ranks=(2,),
            input_kind="structured",
        ),
        LayerInfo("LSTM", "Recurrent", _rnn(True), "long short-term memory", input_ranks=(2,), input_kind="structured"),
        LayerInfo(
            "GRU",
            "Recurrent",
            (
                *_rnn(True),
                ArgInfo(
                    "reset_after", "bool", True, help="apply the reset gate after the matrix product (Keras 3 default)"
                ),
            ),
            "gated recurrent unit",
            input_ranks=(2,),
            input_kind="structured",
        ),
    )
}
"""All layers tuidl offers, by Keras class name (20 classes of ``keras.layers``)."""

FLAT_INPUT_LAYERS: frozenset[str] = frozenset(n for n, i in LAYERS.items() if i.input_kind == "flat")
"""First layers that take a flat ``(features,)`` input: the engine flattens images ``(n, H, W, C)`` to
``(n, H*W*C)`` before such a layer, and an exported script does the same."""

STRUCTURED_INPUT_LAYERS: frozenset[str] = frozenset(n for n, i in LAYERS.items() if i.input_kind == "structured")
"""Layers that need an image, a sequence or token ids, not a flat ``(features,)`` vector (convolutions,
pooling, recurrent, Reshape, Embedding): adapting a model to flat data removes them."""

CONSTANT_INITIALIZERS = frozenset({"Zeros", "Ones", "Constant"})
"""Initializer classes that give every unit the same weights (symmetry is never broken)."""


# --- compile and fit -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """A Keras class (optimizer, schedule, loss, callback) and its editable arguments.

    Attributes:
        class_name: Keras class name (``keras.optimizers.Adam``).
        args: editable constructor arguments, with Keras's defaults.
        description: one line for pickers.
    """

    class_name: str
    args: tuple[ArgInfo, ...] = ()
    description: str = ""

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` named ``name``, or ``None``."""
        return next((a for a in self.args if a.name == name), None)


_LR = ArgInfo("learning_rate", "float", 0.001, 0.0, help="step size (or a schedule below)")
_WD = ArgInfo("weight_decay", "optional_float", None, 0.0, help="decoupled weight decay; unset = none")
_CLIP = ArgInfo(
    "clipnorm",
    "optional_float",
    None,
    0.0,
    exclusive_min=True,
    help="clip each gradient to this norm; unset = no clipping",
)
_EPS = ArgInfo("epsilon", "float", 1e-7, 0.0, exclusive_min=True, help="numerical stability term")
_B1 = ArgInfo("beta_1", "float", 0.9, 0.0, 1.0, exclusive_max=True, help="decay of the 1st moment, [0, 1)")
_B2 = ArgInfo("beta_2", "float", 0.999, 0.0, 1.0, exclusive_max=True, help="decay of the 2nd moment, [0, 1)")

OPTIMIZERS: dict[str, ClassInfo] = {
    c.class_name: c
    for c in (
        ClassInfo(
            "SGD",
            (
                ArgInfo("learning_rate", "float", 0.01, 0.0, help="step size"),
                ArgInfo("momentum", "float", 0.0, 0.0, help="velocity decay, >= 0"),
                ArgInfo("nesterov", "bool", False, help="Nesterov momentum"),
                _WD,
                _CLIP,
            ),
            "stochastic gradient descent",
        ),
        ClassInfo(
            "RMSprop",
            (
                _LR,
                ArgInfo("rho", "float", 0.9, 0.0, 1.0, help="decay of the squared-gradient mean"),
                ArgInfo("momentum", "float", 0.0, 0.0),
                _EPS,
                ArgInfo("centered", "bool", False),
                _WD,
                _CLIP,
            ),
            "RMSprop",
        ),
        ClassInfo(
            "Adam", (_LR, _B1, _B2, _EPS, ArgInfo("amsgrad", "bool", False), _WD, _CLIP), "Adam (Kingma & Ba 2014)"
        ),
        ClassInfo(
            "AdamW",
            (
                _LR,
                ArgInfo("weight_decay", "float", 0.004, 0.0, help="decoupled weight decay"),
                _B1,
                _B2,
                _EPS,
                ArgInfo("amsgrad", "bool", False),
                _CLIP,
            ),
            "Adam with decoupled weight decay (Loshchilov & Hutter 2017)",
        ),
        ClassInfo(
            "Adagrad", (_LR, ArgInfo("initial_accumulator_value", "float", 0.1, 0.0), _EPS, _WD, _CLIP), "Adagrad"
        ),
        ClassInfo("Nadam", (_LR, _B1, _B2, _EPS, _WD, _CLIP), "Adam with Nesterov momentum"),
    )
}
"""Optimizer classes of ``keras.optimizers`` the UI edits, with Keras's defaults."""

SCHEDULES: dict[str, ClassInfo] = {
    c.class_name: c
    for c in (
        ClassInfo(
            "ExponentialDecay",
            (
                ArgInfo("initial_learning_rate", "float", 0.001, 0.0, required=True),
                ArgInfo("decay_steps", "int", 1000, 1, required=True, help="steps (batches) per decay"),
                ArgInfo(
                    "decay_rate", "float", 0.96, 0.0, exclusive_min=True, required=True, help="factor per decay_steps"
                ),
                ArgInfo("staircase", "bool", False, help="decay in steps, not smoothly"),
            ),
            "lr * decay_rate ^ (step / decay_steps)",
        ),
        ClassInfo(
            "CosineDecay",
            (
                ArgInfo("initial_learning_rate", "float", 0.001, 0.0, required=True),
                ArgInfo("decay_steps", "int", 1000, 1, required=True, help="steps (batches) to decay over"),
                ArgInfo("alpha", "float", 0.0, 0.0, 1.0, help="final lr as a fraction of the initial one"),
                ArgInfo("warmup_target", "optional_float", None, 0.0, help="lr reached after warmup; unset = none"),
                ArgInfo("warmup_steps", "int", 0, 0, help="linear warmup steps"),
            ),
            "cosine from the initial lr down to alpha * lr (Loshchilov & Hutter 2016)",
        ),
        ClassInfo(
            "PiecewiseConstantDecay",
            (
                ArgInfo(
                    "boundaries",
                    "int_list",
                    [1000, 2000],
                    0,
                    required=True,
                    help="steps where the lr changes, increasing",
                ),
                ArgInfo(
                    "values",
                    "float_list",
                    [0.001, 0.0005, 0.0001],
                    0.0,
                    required=True,
                    help="one more lr than boundaries",
                ),
            ),
            "constant lr between step boundaries",
        ),
    )
}
"""Learning-rate schedules of ``keras.optimizers.schedules``; stored as the optimizer's
``learning_rate = {class_name, config}`` (Keras's serialized form)."""

_MONITORS = ("val_loss", "loss", "val_accuracy", "accuracy")
CALLBACKS: dict[str, ClassInfo] = {
    c.class_name: c
    for c in (
        ClassInfo(
            "EarlyStopping",
            (
                ArgInfo("monitor", "choice", "val_loss", choices=_MONITORS, help="the log to watch"),
                ArgInfo("patience", "int", 0, 0, help="epochs without improvement before stopping"),
                ArgInfo("min_delta", "float", 0.0, 0.0, help="smallest change that counts as improvement"),
                ArgInfo("restore_best_weights", "bool", False, help="end with the best epoch's weights"),
            ),
            "stop when the monitored log stops improving",
        ),
        ClassInfo(
            "ReduceLROnPlateau",
            (
                ArgInfo("monitor", "choice", "val_loss", choices=_MONITORS, help="the log to watch"),
                ArgInfo(
                    "factor",
                    "float",
                    0.1,
                    0.0,
                    1.0,
                    exclusive_min=True,
                    exclusive_max=True,
                    help="new lr = lr * factor, in (0, 1)",
                ),
                ArgInfo("patience", "int", 10, 0, help="epochs without improvement before reducing"),
                ArgInfo("min_delta", "float", 0.0001, 0.0),
                ArgInfo("min_lr", "float", 0.0, 0.0, help="lower bound of the lr"),
            ),
            "reduce the lr when the monitored log stops improving",
        ),
        ClassInfo("TerminateOnNaN", (), "stop at once when the loss becomes NaN or inf"),
    )
}
"""Callbacks of ``keras.callbacks`` offered in ``fit.callbacks`` (``{class_name, config}``)."""


INITIALIZER_CLASSES: tuple[str, ...] = (
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Orthogonal",
    "Zeros",
    "Ones",
    "Constant",
    "Identity",
)
"""Classes of ``keras.initializers`` a person may give inline as ``Class(key=value, ...)``."""

REGULARIZER_CLASSES: tuple[str, ...] = ("L1", "L2", "L1L2", "OrthogonalRegularizer")
"""Classes of ``keras.regularizers`` a person may give inline."""


# --- text forms for editors ------------------------------------------------------------------


def format_arg(arg: ArgInfo, value: Any) -> str:
    """The text an editor shows for ``value`` (``[3, 3]`` -> ``"3, 3"``, ``None`` -> ``""``)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_num(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt_num(value)
    if isinstance(value, dict):
        return format_ref(value)
    return str(value)


def _fmt_num(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


def parse_arg(arg: ArgInfo, text: str) -> Any:
    """Parse an editor's text into a value for ``arg`` and check it.

    ``""`` is "unset" (``None``) where the argument allows it; pairs, shapes and
    lists are comma-separated (``"3, 3"``; a single number stays a number for
    ``int_or_pair``).

    Raises:
        ValueError: naming the argument, the text and what is allowed.
    """
    text = text.strip()
    k = arg.kind
    value: Any
    try:
        if text == "":
            value = None
        elif k == "int":
            value = int(text)
        elif k in ("float", "optional_float"):
            value = float(text)
        elif k == "bool":
            value = {"true": True, "false": False}[text.lower()]
        elif k in ("int_or_pair", "optional_int_or_pair", "shape", "int_list"):
            parts = [int(p) for p in re.split(r"[\s,x]+", text.strip("()[] ")) if p]
            value = parts[0] if len(parts) == 1 and k in ("int_or_pair", "optional_int_or_pair") else parts
        elif k == "float_list":
            value = [float(p) for p in re.split(r"[\s,]+", text.strip("()[] ")) if p]
        else:
            value = text
    except (ValueError, KeyError):
        raise ValueError(f"{arg.name} = {text!r}: must be {arg.allowed()}") from None
    if value is None and arg.required:
        raise ValueError(f"{arg.name} is required: {arg.allowed()}")
    problem = arg.check(value)
    if problem is not None:
        raise ValueError(f"{arg.name} = {text!r}: must be {problem}")
    return value


_REF_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)


def parse_ref(text: str, allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """Parse ``"RandomNormal(mean=0.0, stddev=0.02)"`` into ``{class_name, config}``.

    Argument values are TOML values (numbers, ``true``/``false``, ``"text"``).

    Raises:
        ValueError: bad syntax, or a class outside ``allowed`` (when given).
    """
    import tomllib

    m = _REF_RE.match(text)
    if not m:
        raise ValueError(f"{text!r}: expected Class(key=value, ...), e.g. RandomNormal(stddev=0.02)")
    cls, body = m.group(1), (m.group(2) or "").strip()
    if allowed and cls not in allowed:
        raise ValueError(f"{cls!r} is not one of: {', '.join(allowed)}")
    config: dict[str, Any] = {}
    if body:
        try:
            config = tomllib.loads("v = {" + body.replace("=", " = ") + "}")["v"]
        except tomllib.TOMLDecodeError:
            raise ValueError(
                f"{text!r}: arguments must be key=value pairs with numbers, true/false "
                'or "text", e.g. RandomNormal(stddev=0.02)'
            ) from None
    return {"class_name": cls, "config": config}


def format_ref(ref: Any) -> str:
    """``{class_name: "L2", config: {l2: 0.01}}`` -> ``"L2(l2=0.01)"`` (inverse of :func:`parse_ref`)."""
    if hasattr(ref, "class_name"):
        cls, cfg = ref.class_name, ref.config
    else:
        cls, cfg = ref.get("class_name", "?"), ref.get("config") or {}
    if not cfg:
        return f"{cls}()"
    parts = []
    for key, v in cfg.items():
        if isinstance(v, bool):
            parts.append(f"{key}={'true' if v else 'false'}")
        elif isinstance(v, str):
            parts.append(f'{key}="{v}"')
        else:
            parts.append(f"{key}={v!r}")
    return f"{cls}({', '.join(parts)})"
