"""Pre-flight checks with real Keras: shapes/params vs Keras, Keras defaults, preflight on real data."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tuidl.core.catalog import LAYERS, OPTIMIZERS, SCHEDULES  # noqa: E402
from tuidl.core.checks import infer_shapes  # noqa: E402
from tuidl.core.errors import BuildError  # noqa: E402
from tuidl.core.presets import load_experiment  # noqa: E402
from tuidl.core.spec import from_dict  # noqa: E402
from tuidl.engine.data import Dataset  # noqa: E402

pytestmark = pytest.mark.keras


def digits_like(n: int = 60, onehot: bool = False, seq: bool = False) -> Dataset:
    rng = np.random.default_rng(0)
    shape = (10, 3) if seq else (8, 8, 1)
    x = rng.random((n, *shape), dtype=np.float32)
    y = (np.arange(n) % 10).astype(np.int32)
    if onehot:
        y = np.eye(10, dtype=np.float32)[y]
    return Dataset("digits", x[:48], y[:48], x[48:], y[48:], "classification", 10, [str(i) for i in range(10)])


# every catalog layer in a model whose input it accepts, with non-default arguments
CASES = [
    (
        (8, 8, 1),
        [
            ("Conv2D", {"filters": 3, "kernel_size": [3, 2], "strides": 2, "dilation_rate": 1}),
            ("BatchNormalization", {"center": False}),
            ("LayerNormalization", {}),
            ("AveragePooling2D", {"pool_size": 2, "padding": "same"}),
            ("SpatialDropout2D", {"rate": 0.2}),
            ("MaxPooling2D", {}),
            ("GlobalAveragePooling2D", {"keepdims": True}),
            ("Flatten", {}),
            ("Dense", {"units": 5, "use_bias": False}),
            ("PReLU", {}),
            ("LeakyReLU", {}),
            ("GaussianNoise", {"stddev": 0.1}),
            ("Activation", {"activation": "gelu"}),
            ("Dropout", {"rate": 0.1}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    ),
    (
        (10, 3),
        [
            ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}),
            ("SimpleRNN", {"units": 5, "return_sequences": True}),
            ("LSTM", {"units": 6, "return_sequences": True}),
            ("GRU", {"units": 7}),
            ("GRU", {"units": 3, "reset_after": False}) if False else ("Dense", {"units": 10}),
        ],
    ),
    (
        (10, 3),
        [
            ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}),
            ("Reshape", {"target_shape": [-1]}),
            ("Dense", {"units": 10}),
        ],
    ),
    ((12,), [("Embedding", {"input_dim": 50, "output_dim": 4}), ("Flatten", {}), ("Dense", {"units": 10})]),
]


@pytest.mark.parametrize("input_shape,layers", CASES)
def test_inferred_shapes_and_params_equal_keras(input_shape, layers) -> None:
    from tuidl.engine.build import build_model, layer_rows

    exp = from_dict({"model": {"layers": [{"class_name": c, "config": cfg} for c, cfg in layers]}})
    rows = layer_rows(build_model(exp, input_shape))
    inferred = infer_shapes(exp.model.layers, input_shape)
    for row, inf in zip(rows, inferred):
        assert inf.problem is None
        assert (tuple(inf.output_shape), inf.params, inf.trainable_params) == (
            row.output_shape,
            row.params,
            row.trainable_params,
        ), row


def test_every_catalog_layer_is_covered() -> None:
    covered = {c for _, layers in CASES for c, _ in layers}
    assert covered == set(LAYERS)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_catalog_defaults_are_keras_defaults(name: str) -> None:
    import keras

    params = inspect.signature(getattr(keras.layers, name).__init__).parameters
    for arg in LAYERS[name].args:
        assert arg.name in params, (name, arg.name)
        default = params[arg.name].default
        if default is inspect.Parameter.empty or arg.kind in ("initializer", "regularizer"):
            continue  # Keras has no default (the catalog's starting value), or a string shortcut
        if isinstance(default, tuple):
            default = default[0] if len(set(default)) == 1 else list(default)
        assert default == arg.default, (name, arg.name, default, arg.default)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_defaults_are_keras_defaults(name: str) -> None:
    import keras

    params = inspect.signature(getattr(keras.optimizers, name).__init__).parameters
    for arg in OPTIMIZERS[name].args:
        assert arg.name in params, (name, arg.name)
        assert params[arg.name].default == arg.default, (name, arg.name)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_schedule_in_optimizer_config_builds(schedule: str) -> None:
    from tuidl.engine.build import make_optimizer

    cfg = {a.name: a.default for a in SCHEDULES[schedule].args if a.default is not None}
    exp = from_dict(
        {
            "compile": {
                "optimizer": {
                    "class_name": "Adam",
                    "config": {"learning_rate": {"class_name": schedule, "config": cfg}},
                }
            }
        }
    )
    opt = make_optimizer(exp)
    assert type(opt.learning_rate).__name__ != "float" or schedule is None
    assert type(opt._learning_rate).__name__ == schedule


def test_summarize_includes_preflight_and_keras_message() -> None:
    from tuidl.engine.build import summarize

    ds = digits_like()
    good = summarize(load_experiment("digits-cnn"), ds)
    assert good.findings == () and good.total_params == 13706
    bad = load_experiment("digits-cnn", ['model.layers[4].class_name="Dropout"', "model.layers[4].config={rate=0.1}"])
    msgs = [f.message for f in summarize(bad, ds).findings]
    assert any("4-D tensor" in m and "layer 6 dense (Dense)" in m for m in msgs)
    flat = load_experiment("digits-cnn", ['model.layers[0].class_name="Flatten"', "model.layers[0].config={}"])
    found = summarize(flat, ds).findings
    assert any("flat tensor" in f.message and f.layer == 1 for f in found)


@pytest.mark.parametrize(
    "sets, own",
    [
        (
            ['model.layers[0].class_name="Flatten"', "model.layers[0].config={}"],
            "layer 2 max_pooling2d (MaxPooling2D) needs a (height, width, channels) input but gets the flat tensor",
        ),
        (
            ['model.layers[4].class_name="Reshape"', "model.layers[4].config={target_shape=[7]}"],
            "layer 5 reshape (Reshape) cannot reshape (None, 2, 2, 32)",
        ),
        (
            ["model.layers[0].config.kernel_size=9", 'model.layers[0].config.padding="valid"'],
            "layer 1 conv2d (Conv2D) kernel_size 9x9 is larger than its input 8x8",
        ),
    ],
)
def test_keras_message_left_out_where_a_tuidl_rule_explains_the_layer(sets: list[str], own: str) -> None:
    from tuidl.engine.build import summarize

    found = summarize(load_experiment("digits-cnn", sets), digits_like()).findings
    assert any(own in f.message for f in found), [f.message for f in found]
    layer = next(f.layer for f in found if own in f.message)
    on_layer = [f.message for f in found if f.layer == layer]
    assert len(on_layer) == 1, on_layer  # tuidl's finding only: no second, 0-based Keras message
    assert not any("model.layers[" in f.message or "Keras says" in f.message for f in found)


def test_keras_message_kept_1_based_when_no_tuidl_rule_fires() -> None:
    from tuidl.engine.build import summarize

    exp = load_experiment("digits-cnn", ["model.layers[6].config.groups=2"])  # Keras: unknown argument
    found = summarize(exp, digits_like()).findings
    assert [f.message for f in found] == [
        "layer 7 dense_1 (Dense): Keras says: Unrecognized keyword arguments passed to Dense: {'groups': 2}"
    ]
    assert found[0].layer == 6 and found[0].severity == "error"


def test_merge_findings_order_and_fields() -> None:
    from tuidl.core.events import Finding
    from tuidl.engine.checks import merge_findings

    keras = Finding(
        "error", "model.layers[2] (dense, Dense): boom", "check this layer's arguments", 2, "model.layers[2]"
    )
    preset = Finding(
        "error", "unknown initializer preset 'nope'", "", None, "model.layers[1].config.kernel_initializer"
    )
    own_err = Finding(
        "error",
        "layer 2 dense_1 (Dense): kernel_initializer = 'nope' is not a known preset",
        "",
        1,
        "model.layers[1].config.kernel_initializer",
    )
    own_warn = Finding(
        "warning", "layer 3 dense (Dense): relu on a regression output", "", 2, "model.layers[2].config.activation"
    )
    merged = merge_findings([keras, preset], [own_err, own_warn])
    assert [f.message for f in merged] == [own_err.message, own_warn.message, "layer 3 dense (Dense): Keras says: boom"]


@pytest.mark.parametrize(
    "config, lr",
    [
        ({"learning_rate": 0}, 0.0),
        ({"learning_rate": 1, "beta_1": 0, "epsilon": 1}, 1.0),
        (
            {
                "learning_rate": {
                    "class_name": "PiecewiseConstantDecay",
                    "config": {"boundaries": [10], "values": [1, 0]},
                }
            },
            None,
        ),
    ],
)
def test_integer_learning_rates_build(config: dict, lr: float | None) -> None:
    """TOML writes 0 and 1 as integers; Keras refuses an int learning rate unless tuidl makes it a float."""
    from tuidl.engine.build import make_optimizer, summarize

    exp = from_dict({"compile": {"optimizer": {"class_name": "Adam", "config": config}}})
    opt = make_optimizer(exp)
    if lr is not None:
        assert float(opt.learning_rate) == lr
    full = load_experiment("digits-mlp", ['compile.optimizer={class_name="Adam", config={learning_rate=0}}'])
    found = summarize(full, digits_like()).findings
    assert [(f.severity, f.message) for f in found] == [
        ("warning", "optimizer Adam: learning_rate = 0, so the weights never change")
    ]


def test_label_format_from_real_labels() -> None:
    from tuidl.engine.checks import preflight

    exp = load_experiment("digits-cnn")
    assert preflight(exp, digits_like(onehot=True), None)[0].message.startswith(
        "loss sparse_categorical_crossentropy needs integer class ids"
    )
    assert preflight(exp, digits_like(), None) == []
    cat = load_experiment("digits-cnn", ["compile.loss=categorical_crossentropy"])
    assert preflight(cat, digits_like(onehot=True), None) == []


def test_errors_block_training_warnings_do_not() -> None:
    from tuidl.engine.checks import raise_on_errors

    ds = digits_like()
    bad = load_experiment("digits-cnn", ["model.layers[6].config.units=5"])
    with pytest.raises(BuildError, match="has 5 units but the data has 10 classes"):
        raise_on_errors(bad, ds, None)
    warn = load_experiment("digits-cnn", ["model.layers[0].config.kernel_initializer=zeros"])
    assert [f.severity for f in raise_on_errors(warn, ds, None)] == ["warning"]
