"""The layer table: which Keras layers tuidl offers and their main arguments.

Each :class:`LayerInfo` names a Keras layer class (``keras.layers.<class_name>``)
and the arguments a person edits, with Keras's defaults, valid ranges and
choices. Defaults are those of Keras 3 (``keras/src/layers/...``), except where Keras
has no default (``Dense.units``, ``Dropout.rate``): there the catalog gives a
sensible starting value, marked ``required=True``.
"""

from __future__ import annotations

from tuidl.core.catalog_args import ArgInfo, LayerInfo


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
