"""engine.build: presets -> Keras objects -> back, model building, summaries, build errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuidl.core.errors import BuildError, DataError, SpecError
from tuidl.core.presets import FAMILIES, builtin_dir, components, load_experiment, resolve_component
from tuidl.core.spec import LOSS_CLASSES, DataSpec, approx_equal, from_dict
from tuidl.engine import build
from tuidl.engine.data import fit_to_model, load_data

pytestmark = pytest.mark.keras

PRESETS = sorted(p.stem for p in builtin_dir().glob("*.toml"))


@pytest.fixture(scope="module")
def digits():
    return load_data(DataSpec(), seed=0)


def _input_shape(exp, ds):
    return fit_to_model(ds.x_train[:1], exp.model.layers[0].class_name).shape[1:]


CACHED_SHAPES = {
    "mnist": (28, 28, 1),
    "fashion_mnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
    "cifar100": (32, 32, 3),
    "boston_housing": (13,),
    "california_housing": (8,),
}
"""Sample shapes of the Keras-cache datasets (``tuidl.engine.datasets.keras_cache``), to build offline."""


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and an empty Keras cache: cached datasets fail fast with a DataError."""
    monkeypatch.setenv("TUIDL_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def _check_rows_against_keras(rows, model):
    assert len(rows) == len(model.layers)
    for row, layer in zip(rows, model.layers):
        assert row.name == layer.name
        assert row.class_name == type(layer).__name__
        assert row.params == layer.count_params()
        assert row.trainable_params == sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
        assert row.output_shape == tuple(layer.output.shape[1:])


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_builds_and_summary_matches_keras(name, offline):
    exp = load_experiment(name)
    first = exp.model.layers[0].class_name
    try:
        ds = load_data(exp.data, exp.fit.seed, exp.source.parent)
    except DataError as e:  # a Keras-cache dataset that is not downloaded: build from its known shape
        assert exp.data.name in CACHED_SHAPES or exp.data.name == "imdb", e.message
        shape = CACHED_SHAPES.get(exp.data.name) or (exp.data.options.maxlen,)
        model = build.build_model(exp, fit_to_model(np.zeros((1, *shape), np.float32), first).shape[1:])
        _check_rows_against_keras(build.layer_rows(model), model)
        return
    model = build.build_model(exp, _input_shape(exp, ds))
    summary = build.summarize(exp, ds, request_id=7)
    assert summary.request_id == 7
    assert not [f for f in summary.findings if f.severity == "error"], summary.findings
    assert len(summary.rows) == len(exp.model.layers)
    _check_rows_against_keras(summary.rows, model)
    assert summary.total_params == model.count_params()
    assert summary.trainable_params == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert summary.non_trainable_params == sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert summary.input_shape == tuple(model.input_shape[1:])
    assert summary.data["n_train"] == len(ds.x_train) and summary.data["name"] == exp.data.name
    out = model(fit_to_model(ds.x_train[:2], first))
    assert out.shape[0] == 2


def test_digits_mlp_numbers(digits):
    s = build.summarize(load_experiment("digits-mlp"), digits)
    assert [r.output_shape for r in s.rows] == [(64,), (64,), (32,), (10,)]
    assert [r.params for r in s.rows] == [0, 64 * 64 + 64, 64 * 32 + 32, 32 * 10 + 10]
    assert s.total_params == s.trainable_params == 6570


def test_layer_names_are_explicit_and_deterministic():
    exp = load_experiment("digits-cnn")
    names = build.layer_names(exp)
    assert names == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense", "dense_1"]
    m1 = build.build_model(exp, (8, 8, 1))
    m2 = build.build_model(exp, (8, 8, 1))  # Keras's global counter would give conv2d_2 ...
    assert [l.name for l in m1.layers] == [l.name for l in m2.layers] == names


def test_explicit_names_are_kept_and_not_reused():
    exp = from_dict(
        {
            "model": {
                "layers": [
                    {"class_name": "Dense", "config": {"units": 4}},
                    {"class_name": "Dense", "config": {"units": 4, "name": "dense"}},
                ]
            }
        }
    )
    assert build.layer_names(exp) == ["dense_1", "dense"]
    assert build.snake_case("LeakyReLU") == "leaky_re_lu"
    assert build.snake_case("GlobalAveragePooling2D") == "global_average_pooling2d"


@pytest.mark.parametrize("family", FAMILIES)
def test_component_presets_round_trip_through_keras(family):
    import keras

    for name, ref in components(family).items():
        obj = build._component(family, resolve_component(family, name))
        if ref.class_name == "None":
            assert obj is None
            continue
        ser = keras.saving.serialize_keras_object(obj)
        assert ser["class_name"] == ref.class_name, name
        for key, value in ref.config.items():  # floats come back as float32
            assert approx_equal(ser["config"][key], value), (name, key, ser["config"][key], value)
        again = keras.saving.deserialize_keras_object(ser, safe_mode=True)
        assert approx_equal(keras.saving.serialize_keras_object(again)["config"], ser["config"]), name


def test_regularizer_and_initializer_presets_take_effect():
    exp = from_dict(
        {
            "model": {
                "layers": [
                    {
                        "class_name": "Dense",
                        "config": {"units": 200, "kernel_initializer": "small-normal", "kernel_regularizer": "l1l2"},
                    }
                ]
            }
        }
    )
    model = build.build_model(exp, (100,))
    dense = model.layers[0]
    assert type(dense.kernel_regularizer).__name__ == "L1L2"
    assert dense.kernel_regularizer.l1 > 0 and dense.kernel_regularizer.l2 > 0  # never the silent zero
    assert float(np.std(dense.kernel.numpy())) == pytest.approx(0.01, rel=0.1)
    model(np.ones((1, 100), np.float32))
    assert float(sum(model.losses)) > 0
    zeros = from_dict(
        {"model": {"layers": [{"class_name": "Dense", "config": {"units": 3, "kernel_initializer": "zeros"}}]}}
    )
    assert not build.build_model(zeros, (4,)).layers[0].kernel.numpy().any()


@pytest.mark.parametrize("loss", sorted(LOSS_CLASSES))
def test_every_loss_name_builds(loss):
    exp = load_experiment("digits-mlp", [f"compile.loss={loss}"])
    assert type(build.make_loss(exp)).__name__ == LOSS_CLASSES[loss]


def test_optimizer_presets_compile():
    for name in components("optimizers"):
        exp = load_experiment("digits-mlp", [f"compile.optimizer={name}"])
        model = build.compile_model(build.build_model(exp, (8, 8, 1)), exp)
        assert type(model.optimizer).__name__ == components("optimizers")[name].class_name


def test_shape_error_names_layer_and_keras_message(digits):
    exp = load_experiment(
        "digits-mlp", ['model.layers[0].class_name="Conv2D"', "model.layers[0].config={filters=4,kernel_size=9}"]
    )
    with pytest.raises(BuildError) as info:
        build.build_model(exp, (8, 8, 1))
    msg = info.value.message
    assert msg.startswith("model.layers[0] (conv2d, Conv2D)") and "(8, 8, 1)" in msg
    assert "negative" in msg  # Keras's own words: "would be zero or negative"
    s = build.summarize(exp, digits)
    errors = [f for f in s.findings if f.severity == "error"]
    # tuidl's own rule explains it (1-based, with the fix); Keras's text for the same layer is not repeated
    assert errors and errors[0].layer == 0 and errors[0].message.startswith("layer 1 conv2d (Conv2D) kernel_size 9x9")
    assert not any("Keras says" in f.message for f in errors)
    assert s.rows == ()


def test_bad_keras_argument_names_layer(digits):
    exp = from_dict(
        {
            "model": {
                "layers": [
                    {"class_name": "Flatten", "config": {}},
                    {"class_name": "Dense", "config": {"units": 10, "not_an_argument": 1}},
                ]
            }
        }
    )
    with pytest.raises(BuildError, match=r"model\.layers\[1\] \(dense, Dense\): .*not_an_argument"):
        build.build_model(exp, (8, 8, 1))
    s = build.summarize(exp, digits)
    assert [r.name for r in s.rows] == ["flatten"]  # rows up to the failing layer
    # an unrelated tuidl error on the same layer (linear output vs the loss) does not hide Keras's message
    [err] = [f for f in s.findings if f.severity == "error" and "not_an_argument" in f.message]
    assert err.layer == 1 and err.field == "model.layers[1]"
    assert err.message.startswith("layer 2 dense (Dense): Keras says:")


def test_conv_on_flat_input_is_a_finding_not_an_exception(digits):
    exp = load_experiment("digits-cnn", ['model.layers[0].class_name="Dense"', "model.layers[0].config={units=8}"])
    s = build.summarize(exp, digits)  # Dense first -> flat (8,) output -> MaxPooling2D fails
    err = [f for f in s.findings if f.severity == "error"]
    assert err and err[0].message.startswith("layer 2 max_pooling2d (MaxPooling2D) needs a (height, width, channels)")
    assert err[0].layer == 1 and "Reshape" in err[0].hint


def test_empty_model(digits):
    exp = from_dict({"model": {"layers": []}})
    with pytest.raises(BuildError, match="no layers"):
        build.build_model(exp, (64,))
    assert any("no layers" in f.message for f in build.summarize(exp, digits).findings)


def test_bad_optimizer_config_is_reported(digits):
    exp = load_experiment("digits-mlp", ['compile.optimizer={class_name="Adam",config={learnin_rate=0.1}}'])
    with pytest.raises(BuildError, match="compile.optimizer"):
        build.make_optimizer(exp)
    s = build.summarize(exp, digits)
    assert any(f.field.startswith("compile.optimizer") for f in s.findings if f.severity == "error")


def test_unknown_preset_raises_spec_error():
    exp = load_experiment("digits-mlp")
    bad = exp.model_copy(deep=True)
    bad.model.layers[1].config["kernel_initializer"] = "nope"
    with pytest.raises(SpecError, match=r'model\.layers\[1\]\.config\.kernel_initializer = "nope"'):
        build.build_model(bad, (8, 8, 1))


def test_keras_message_unwraps_deserialization_errors():
    err = TypeError(
        "<class 'Dense'> could not be deserialized properly.\n\nconfig={...}.\n\n"
        "Exception encountered: Received an invalid value for `units`, expected a positive integer."
    )
    assert build.keras_message(err) == "Received an invalid value for `units`, expected a positive integer."
    assert math.isfinite(len(build.keras_message(ValueError("x" * 5000))))
    assert len(build.keras_message(ValueError("x" * 5000))) <= 600


def test_build_errors_carry_their_field_and_layer_as_data(digits):
    """A layer Keras refuses is named by the error's own ``field``/``layer``, not found again in its text."""
    spec = load_experiment("digits-mlp").model_dump(mode="python")
    spec["model"]["layers"] = [
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3}},  # on a flat (64,) input
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},
    ]
    exp = from_dict(spec)
    with pytest.raises(BuildError) as e:
        build.build_model(exp, (8, 8, 1))
    assert e.value.layer == 1 and e.value.field == "model.layers[1]"
    s = build.summarize(exp, digits)
    assert any(f.severity == "error" and f.layer == 1 and f.field.startswith("model.layers[1]") for f in s.findings)
