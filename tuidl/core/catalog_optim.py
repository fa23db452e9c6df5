"""The compile and fit tables: optimizers, learning-rate schedules and callbacks tuidl offers, with their
editable arguments and Keras's defaults; the initializer and regularizer classes a person may give inline."""

from __future__ import annotations

from tuidl.core.catalog_args import ArgInfo, ClassInfo


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
