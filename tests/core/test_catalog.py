"""The catalog: the issue's layers and activations, ranges, editor text forms."""

from __future__ import annotations

import pytest

from tuidl.core.catalog import (
    ACTIVATIONS,
    CALLBACKS,
    LAYERS,
    LOSS_INFO,
    OPTIMIZERS,
    SCHEDULES,
    format_arg,
    format_ref,
    loss_info,
    parse_arg,
    parse_ref,
)
from tuidl.core.spec import LOSSES, from_dict

ISSUE_LAYERS = (
    "Dense Conv1D Conv2D MaxPooling2D AveragePooling2D GlobalAveragePooling2D Flatten Reshape "
    "Dropout SpatialDropout2D GaussianNoise BatchNormalization LayerNormalization Activation "
    "LeakyReLU PReLU Embedding SimpleRNN LSTM GRU"
).split()
ISSUE_ACTIVATIONS = ("linear relu leaky_relu elu selu gelu silu mish sigmoid tanh softplus softsign softmax").split()


def test_issue_layers_and_activations_offered() -> None:
    assert set(ISSUE_LAYERS) <= set(LAYERS)
    assert set(ISSUE_ACTIVATIONS) <= set(ACTIVATIONS)
    assert set(SCHEDULES) == {"ExponentialDecay", "CosineDecay", "PiecewiseConstantDecay"}
    assert {"EarlyStopping", "ReduceLROnPlateau", "TerminateOnNaN"} == set(CALLBACKS)
    assert {"SGD", "Adam", "AdamW", "RMSprop"} <= set(OPTIMIZERS)
    assert {
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_focal_crossentropy",
        "hinge",
    } == set(LOSS_INFO)
    assert set(LOSS_INFO) <= set(LOSSES)


@pytest.mark.parametrize("name", ISSUE_LAYERS)
def test_default_config_is_a_valid_spec(name: str) -> None:
    exp = from_dict({"model": {"layers": [{"class_name": name, "config": LAYERS[name].default_config()}]}})
    assert exp.model.layers[0].class_name == name
    for arg in LAYERS[name].args:
        assert arg.check(arg.default) is None, (name, arg.name)


def test_ranges_and_messages() -> None:
    units = LAYERS["Dense"].arg("units")
    assert units.check(0) == "an integer >= 1" and units.check(True) is not None and units.check(3) is None
    rate = LAYERS["Dropout"].arg("rate")
    assert rate.check(1.0) == "a number >= 0 and < 1" and rate.check(0.0) is None
    assert rate.check(float("nan")) is not None
    act = LAYERS["Dense"].arg("activation")
    assert act.check("swishy") is not None and act.check("gelu") is None and act.check(None) is None


def test_parse_and_format_arguments() -> None:
    ks = LAYERS["Conv2D"].arg("kernel_size")
    assert parse_arg(ks, "3") == 3 and parse_arg(ks, "3, 5") == [3, 5] and format_arg(ks, [3, 5]) == "3, 5"
    with pytest.raises(ValueError, match="kernel_size = '0'"):
        parse_arg(ks, "0")
    with pytest.raises(ValueError, match="an integer"):
        parse_arg(LAYERS["Dense"].arg("units"), "many")
    assert parse_arg(LAYERS["Reshape"].arg("target_shape"), "8x8x1") == [8, 8, 1]
    assert parse_arg(LAYERS["MaxPooling2D"].arg("strides"), "") is None
    with pytest.raises(ValueError, match="required"):
        parse_arg(LAYERS["Dense"].arg("units"), "")
    lr = OPTIMIZERS["Adam"].arg("learning_rate")
    assert parse_arg(lr, "1e-3") == 0.001 and format_arg(lr, 0.001) == "0.001"


def test_parse_and_format_refs() -> None:
    ref = parse_ref("RandomNormal(mean=0.0, stddev=0.02)", ("RandomNormal",))
    assert ref == {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.02}}
    assert parse_ref(format_ref(ref)) == ref
    assert parse_ref("HeNormal") == {"class_name": "HeNormal", "config": {}}
    with pytest.raises(ValueError, match="not one of"):
        parse_ref("Nope(a=1)", ("L1", "L2"))
    with pytest.raises(ValueError, match="key=value"):
        parse_ref("L2(l2=)")


def test_loss_info() -> None:
    info, logits = loss_info({"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": True}})
    assert info is LOSS_INFO["sparse_categorical_crossentropy"] and logits
    assert loss_info("mean_squared_error") == (LOSS_INFO["mean_squared_error"], False)
    assert loss_info("poisson") == (None, False)
