"""Every pre-flight rule: one case that fires and one that does not (no Keras)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tuidl.core.catalog import LAYERS
from tuidl.core.checks import (
    DataInfo,
    check,
    estimate_summary,
    has_errors,
    infer_shapes,
    layer_names,
    output_activation,
    snake_case,
)
from tuidl.core.spec import Experiment, LayerSpec, from_dict

IMG = DataInfo((8, 8, 1), "classification", 10)
FLAT = DataInfo((64,), "classification", 10)
REG = DataInfo((4,), "regression", None, label_shape=())
BIN = DataInfo((2,), "classification", 2)


def exp(layers: list[tuple[str, dict[str, Any]]], **sections: Any) -> Experiment:
    """An experiment built without validation of layer ranges (the builder may hold such drafts)."""
    data: dict[str, Any] = {"name": "t", "model": {"layers": []}}
    for key, value in sections.items():
        section, _, field = key.partition("__")
        data.setdefault(section, {})[field] = value
    e = Experiment.model_validate(data)
    e.model.layers = [LayerSpec.model_construct(class_name=c, config=cfg) for c, cfg in layers]
    return e


CNN = [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Flatten", {}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]


def messages(e: Experiment, data: DataInfo | None = IMG) -> str:
    return "\n".join(f"{f.severity}: {f.message} | {f.hint}" for f in check(e, data))


def fires(e: Experiment, text: str, data: DataInfo | None = IMG, severity: str = "error") -> bool:
    return any(text in f.message and f.severity == severity for f in check(e, data))


def test_good_cnn_has_no_findings() -> None:
    assert check(exp(CNN), IMG) == []


def test_no_layers() -> None:
    assert fires(exp([]), "no layers")
    assert not fires(exp(CNN), "no layers")


@pytest.mark.parametrize(
    "cls,arg,bad,good",
    [
        ("Dense", "units", 0, 3),
        ("Dropout", "rate", 1.0, 0.5),
        ("Dropout", "rate", -0.1, 0.0),
        ("Conv2D", "filters", -1, 1),
        ("GaussianNoise", "stddev", -1.0, 0.0),
        ("BatchNormalization", "epsilon", 0.0, 1e-3),
    ],
)
def test_argument_out_of_range(cls: str, arg: str, bad: Any, good: Any) -> None:
    base = dict(LAYERS[cls].default_config())
    layers = [("Flatten", {}), (cls, {**base, arg: bad}), ("Dense", {"units": 10, "activation": "softmax"})]
    if cls == "Conv2D":
        layers = [(cls, {**base, arg: bad}), ("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})]
    at = 0 if cls == "Conv2D" else 1
    found = [f for f in check(exp(layers), IMG) if f.field.endswith(f".config.{arg}")]
    assert found and found[0].severity == "error"
    assert f"{arg} = {bad!r}" in found[0].message and "layer" in found[0].message and found[0].hint
    layers[at] = (cls, {**base, arg: good})
    assert not [f for f in check(exp(layers), IMG) if f.field.endswith(f".config.{arg}")]


def test_required_argument_missing() -> None:
    assert fires(exp([("Flatten", {}), ("Dense", {})]), "units is not set", IMG)
    assert not fires(exp([("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})]), "is not set", IMG)


def test_learning_rate_negative_nan_zero() -> None:
    neg = {"class_name": "Adam", "config": {"learning_rate": -0.1}}
    assert fires(exp(CNN, compile__optimizer=neg), "is negative")
    nan = {"class_name": "SGD", "config": {"learning_rate": float("nan")}}
    assert fires(exp(CNN, compile__optimizer=nan), "not a finite number")
    zero = {"class_name": "SGD", "config": {"learning_rate": 0.0}}
    assert fires(exp(CNN, compile__optimizer=zero), "never change", severity="warning")
    assert not has_errors(check(exp(CNN, compile__optimizer=zero), IMG))
    ok = {"class_name": "SGD", "config": {"learning_rate": 0.01}}
    assert check(exp(CNN, compile__optimizer=ok), IMG) == []


def test_schedule_learning_rates_and_shape() -> None:
    sched = {
        "class_name": "Adam",
        "config": {
            "learning_rate": {
                "class_name": "ExponentialDecay",
                "config": {"initial_learning_rate": -1.0, "decay_steps": 10, "decay_rate": 0.9},
            }
        },
    }
    assert fires(exp(CNN, compile__optimizer=sched), "initial_learning_rate = -1.0 is negative")
    sched["config"]["learning_rate"]["config"]["initial_learning_rate"] = 0.01
    assert check(exp(CNN, compile__optimizer=sched), IMG) == []
    pw = {
        "class_name": "SGD",
        "config": {
            "learning_rate": {
                "class_name": "PiecewiseConstantDecay",
                "config": {"boundaries": [10, 20], "values": [0.1, 0.01]},
            }
        },
    }
    assert fires(exp(CNN, compile__optimizer=pw), "need 3 values")


def test_unknown_component_preset() -> None:
    layers = [("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax", "kernel_initializer": "nope"})]
    assert fires(exp(layers), "not a known initializer preset")
    layers[1][1]["kernel_initializer"] = "he-normal"
    assert check(exp(layers), IMG) == []


def test_kernel_larger_than_input() -> None:
    layers = [
        ("Conv2D", {"filters": 4, "kernel_size": 9}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    msg = messages(exp(layers))
    assert "kernel_size 9x9 is larger than its input 8x8" in msg and "padding = 'same'" in msg
    layers[0][1]["padding"] = "same"
    assert check(exp(layers), IMG) == []
    pool = [
        ("MaxPooling2D", {"pool_size": 3}),
        ("MaxPooling2D", {"pool_size": 3}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    assert fires(exp(pool), "pool_size 3x3 is larger than its input 2x2")
    assert check(exp(pool[1:]), IMG) == []


def test_dense_head_on_4d_tensor() -> None:
    layers = [CNN[0], CNN[1], ("Dense", {"units": 10, "activation": "softmax"})]
    found = [f for f in check(exp(layers), IMG) if "4-D tensor" in f.message]
    assert found and found[0].layer == 2 and "layer 3 dense (Dense)" in found[0].message
    assert "Flatten or GlobalAveragePooling2D" in found[0].hint
    gap = [CNN[0], ("GlobalAveragePooling2D", {}), ("Dense", {"units": 10, "activation": "softmax"})]
    assert check(exp(gap), IMG) == []


def test_conv2d_on_flat_input() -> None:
    layers = [("Flatten", {}), *CNN]
    found = [f for f in check(exp(layers), IMG) if "flat tensor" in f.message]
    assert found and "Reshape with target_shape = [8, 8, 1]" in found[0].hint
    fixed = [("Flatten", {}), ("Reshape", {"target_shape": [8, 8, 1]}), *CNN]
    assert check(exp(fixed), IMG) == []


def test_reshape_size_mismatch() -> None:
    assert fires(
        exp(
            [
                ("Reshape", {"target_shape": [7, 7, 1]}),
                ("Flatten", {}),
                ("Dense", {"units": 10, "activation": "softmax"}),
            ]
        ),
        "cannot reshape",
    )
    assert (
        check(exp([("Reshape", {"target_shape": [-1]}), ("Dense", {"units": 10, "activation": "softmax"})]), IMG) == []
    )


def test_output_units_vs_classes() -> None:
    layers = [("Flatten", {}), ("Dense", {"units": 5, "activation": "softmax"})]
    found = [f for f in check(exp(layers), IMG) if "classes" in f.message]
    assert found and "5 units" in found[0].message and found[0].hint == "set units = 10"
    assert found[0].field == "model.layers[1].config.units"
    layers[1][1]["units"] = 10
    assert check(exp(layers), IMG) == []


def test_softmax_on_one_unit() -> None:
    layers = [("Dense", {"units": 1, "activation": "softmax"})]
    assert fires(exp(layers, compile__loss="binary_crossentropy"), "softmax to 1 unit", BIN)
    layers[0][1]["activation"] = "sigmoid"
    assert check(exp(layers, compile__loss="binary_crossentropy"), BIN) == []


def test_softmax_with_binary_crossentropy() -> None:
    layers = [("Dense", {"units": 2, "activation": "softmax"})]
    assert fires(exp(layers, compile__loss="binary_crossentropy"), "softmax with binary_crossentropy", BIN)
    assert check(exp(layers, compile__loss="sparse_categorical_crossentropy"), BIN) == []


def test_binary_loss_on_many_classes() -> None:
    layers = [("Flatten", {}), ("Dense", {"units": 1, "activation": "sigmoid"})]
    assert fires(exp(layers, compile__loss="binary_crossentropy"), "is for two classes", IMG)


def test_from_logits_mismatch() -> None:
    logits = {"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": True}}
    soft = [("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})]
    assert fires(exp(soft, compile__loss=logits), "applied twice")
    linear = [("Flatten", {}), ("Dense", {"units": 10})]
    assert check(exp(linear, compile__loss=logits), IMG) == []
    assert fires(exp(linear), "not probabilities")  # from_logits false + linear output
    assert check(exp(soft), IMG) == []


def test_label_format_vs_loss() -> None:
    layers = [("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})]
    assert fires(exp(layers, compile__loss="categorical_crossentropy"), "needs one-hot labels", IMG)
    onehot = DataInfo((8, 8, 1), "classification", 10, label_shape=(10,), integer_labels=False)
    assert check(exp(layers, compile__loss="categorical_crossentropy"), onehot) == []
    assert fires(exp(layers), "needs integer class ids", onehot)
    assert check(exp(layers), IMG) == []


def test_classification_loss_on_regression_targets() -> None:
    layers = [("Dense", {"units": 1})]
    assert fires(exp(layers, compile__loss="sparse_categorical_crossentropy"), "is for classification", REG)
    assert check(exp(layers, compile__loss="mean_squared_error"), REG) == []


def test_constant_kernel_initializer_on_hidden_layer_warns() -> None:
    layers = [
        ("Flatten", {}),
        ("Dense", {"units": 8, "activation": "relu", "kernel_initializer": "zeros"}),
        ("Dense", {"units": 10, "activation": "softmax", "kernel_initializer": "zeros"}),
    ]
    found = [f for f in check(exp(layers), IMG) if "same weights" in f.message]
    assert [f.layer for f in found] == [1] and found[0].severity == "warning"  # the output layer is fine
    inline = {"class_name": "Constant", "config": {"value": 0.5}}
    layers[1][1]["kernel_initializer"] = inline
    assert fires(exp(layers), "same weights", severity="warning")
    layers[1][1]["kernel_initializer"] = "he-normal"
    assert check(exp(layers), IMG) == []


def test_relu_on_regression_output_warns() -> None:
    layers = [("Dense", {"units": 8, "activation": "relu"}), ("Dense", {"units": 1, "activation": "relu"})]
    e = exp(layers, compile__loss="mean_squared_error")
    assert fires(e, "cannot predict negative targets", REG, "warning") and not has_errors(check(e, REG))
    layers[1][1].pop("activation")
    assert check(exp(layers, compile__loss="mean_squared_error"), REG) == []


def test_early_stopping_without_validation_warns() -> None:
    cbs = [{"class_name": "EarlyStopping", "config": {"monitor": "val_loss", "patience": 2}}]
    assert fires(exp(CNN, fit__callbacks=cbs, data__validation_split=0.0), "no validation data", severity="warning")
    assert check(exp(CNN, fit__callbacks=cbs), IMG) == []


def test_a_callback_that_watches_a_log_the_run_does_not_write_is_an_error() -> None:
    """Keras refuses an unknown monitor only at the first epoch's end: check says it before training."""
    cbs = [{"class_name": "EarlyStopping", "config": {"monitor": "val_lossx"}}]
    assert fires(exp(CNN, fit__callbacks=cbs), "a log this run does not write", IMG, "error")
    ok = [{"class_name": "ReduceLROnPlateau", "config": {"monitor": "val_accuracy"}}]
    assert check(exp(CNN, fit__callbacks=ok, compile__metrics=["accuracy"]), IMG) == []


def test_rank_rules_for_sequences() -> None:
    assert fires(
        exp([("LSTM", {"units": 4}), ("Dense", {"units": 10, "activation": "softmax"})]),
        "needs a (steps, features) input",
        FLAT,
    )
    seq = DataInfo((10, 3), "classification", 10)
    assert check(exp([("LSTM", {"units": 4}), ("Dense", {"units": 10, "activation": "softmax"})]), seq) == []


def test_names_follow_keras() -> None:
    assert snake_case("MaxPooling2D") == "max_pooling2d" and snake_case("LSTM") == "lstm"
    assert snake_case("PReLU") == "p_re_lu"
    e = exp([("Dense", {"units": 1}), ("Dense", {"units": 1, "name": "dense_1"}), ("Dense", {"units": 1})])
    assert layer_names(e.model.layers) == ["dense", "dense_1", "dense_2"]


def test_output_activation_skips_dropout() -> None:
    e = exp([("Dense", {"units": 3, "activation": "softmax"}), ("Dropout", {"rate": 0.1})])
    assert output_activation(e.model.layers) == (0, "softmax")


def test_infer_params_of_digits_cnn() -> None:
    e = from_dict({"model": {"layers": [{"class_name": c, "config": cfg} for c, cfg in CNN]}})
    rows = infer_shapes(e.model.layers, (8, 8, 1))
    assert [r.params for r in rows] == [40, 0, 0, 64 * 10 + 10]
    s = estimate_summary(e, IMG, request_id=7)
    assert s.request_id == 7 and s.total_params == 40 + 650 and s.findings == ()


def test_random_edit_sequences_never_crash() -> None:
    """Any sequence of add/remove/move gives findings or a clean model, never an exception."""
    rng = random.Random(1234)
    names = list(LAYERS)
    for _ in range(300):
        layers: list[tuple[str, dict[str, Any]]] = []
        for _ in range(rng.randint(0, 12)):
            op = rng.choice(["add", "add", "remove", "move"])
            if op == "add":
                cls = rng.choice(names)
                layers.insert(rng.randint(0, len(layers)), (cls, dict(LAYERS[cls].default_config())))
            elif op == "remove" and layers:
                layers.pop(rng.randrange(len(layers)))
            elif op == "move" and len(layers) > 1:
                i = rng.randrange(len(layers) - 1)
                layers[i], layers[i + 1] = layers[i + 1], layers[i]
        e = exp(layers)
        for data in (IMG, FLAT, REG, None):
            findings = check(e, data)
            assert all(f.severity in ("error", "warning") and f.message for f in findings)
            if data is not None:
                estimate_summary(e, data)


def test_float_optimizer_config_makes_integers_floats() -> None:
    from tuidl.core.checks import float_optimizer_config

    ref = {
        "class_name": "SGD",
        "config": {
            "learning_rate": {
                "class_name": "PiecewiseConstantDecay",
                "config": {"boundaries": [10, 20], "values": [1, 0, 0.5]},
            },
            "momentum": 0,
            "nesterov": True,
        },
    }
    out = float_optimizer_config(ref)
    lr = out["config"]["learning_rate"]["config"]
    assert lr["values"] == [1.0, 0.0, 0.5] and all(type(v) is float for v in lr["values"])
    assert lr["boundaries"] == [10, 20] and type(lr["boundaries"][0]) is int  # steps stay integers
    assert type(out["config"]["momentum"]) is float and out["config"]["nesterov"] is True
    assert ref["config"]["momentum"] == 0 and type(ref["config"]["momentum"]) is int  # a copy
    assert (
        type(float_optimizer_config({"class_name": "Adam", "config": {"learning_rate": 0}})["config"]["learning_rate"])
        is float
    )
    assert float_optimizer_config(None) is None
