"""Experiment spec: TOML round trips and one error test per validation rule.

Every error must be a SpecError/PresetError whose message names the field path
and the bad value (and never a traceback).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tuidl.core.errors import PresetError, SpecError, TuidlError
from tuidl.core.presets import check_references, experiment_presets, load_experiment, resolved
from tuidl.core.spec import Experiment, KerasRef, approx_equal, from_dict, load, loads, parse_override


@pytest.fixture
def mlp() -> Experiment:
    return load_experiment("digits-mlp")


# -- round trips -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(experiment_presets()))
def test_save_then_load_gives_same_experiment(name: str, tmp_path: Path) -> None:
    exp = load_experiment(name)
    path = exp.save(tmp_path / f"{name}.toml")
    again = load(path)
    assert again == exp
    assert again.to_toml() == exp.to_toml()


@pytest.mark.parametrize("name", sorted(experiment_presets()))
def test_resolved_round_trip(name: str, tmp_path: Path) -> None:
    r = resolved(load_experiment(name))
    again = load(r.save(tmp_path / "spec.toml"))
    assert approx_equal(again.model_dump(), r.model_dump())
    # resolved specs carry no preset names any more
    assert not isinstance(again.compile.optimizer, str)
    for layer in again.model.layers:
        for key in ("kernel_initializer", "kernel_regularizer"):
            assert not isinstance(layer.config.get(key), str)


def test_round_trip_of_inline_components_and_odd_values(tmp_path: Path) -> None:
    exp = from_dict(
        {
            "name": "odd.name_1",
            "description": 'quotes " and \\ and ünïcode',
            "model": {
                "layers": [
                    {
                        "class_name": "Dense",
                        "config": {
                            "units": 3,
                            "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 1e-5, "l2": 0.25}},
                        },
                    },
                ]
            },
            "compile": {
                "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.1, "nesterov": True}},
                "loss": {"class_name": "Huber", "config": {"delta": 2.0}},
                "metrics": [],
            },
            "fit": {"epochs": 1, "batch_size": 7, "seed": 3, "callbacks": []},
        }
    )
    again = loads(exp.to_toml())
    assert again == exp
    assert again.compile.optimizer == KerasRef(class_name="SGD", config={"learning_rate": 0.1, "nesterov": True})


# -- one error test per validation rule ----------------------------------------


def _error(fn) -> TuidlError:
    with pytest.raises(TuidlError) as info:
        fn()
    return info.value


def test_bad_toml_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text('name = "x"\n[fit\nepochs = 1\n', encoding="utf-8")
    e = _error(lambda: load(p))
    assert isinstance(e, SpecError)
    assert "broken.toml" in e.message and "line 2" in e.message


def test_missing_file() -> None:
    e = _error(lambda: load("does-not-exist.toml"))
    assert "does-not-exist.toml" in e.message and "no such file" in e.message


def test_unknown_field(tmp_path: Path) -> None:
    p = tmp_path / "x.toml"
    p.write_text("[fit]\nepochz = 3\n", encoding="utf-8")
    e = _error(lambda: load(p))
    assert "x.toml" in e.message and "fit.epochz" in e.message and "3" in e.message
    assert "unknown field" in e.message


def test_unknown_layer_class(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides({"model.layers[1].class_name": "Dense3"}))
    assert "model.layers[1].class_name" in e.message and '"Dense3"' in e.message
    assert "Conv2D" in e.message  # lists what is allowed


def test_units_below_one(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides({"model.layers[1].config.units": 0}))
    assert "model.layers[1].config.units = 0" in e.message and ">= 1" in e.message


def test_dropout_rate_of_one_or_more() -> None:
    e = _error(
        lambda: from_dict({"model": {"layers": [{"class_name": "Dropout", "config": {"rate": 1.0}}]}}, origin="d.toml")
    )
    assert "d.toml" in e.message and "model.layers[0].config.rate = 1.0" in e.message and "< 1" in e.message


def test_unknown_loss(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides(["compile.loss=foo"]))
    assert 'compile.loss = "foo"' in e.message and "sparse_categorical_crossentropy" in e.message


def test_unknown_metric(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides(['compile.metrics=["acc2"]']))
    assert 'compile.metrics = ["acc2"]' in e.message and '"acc2"' in e.message and "accuracy" in e.message


def test_unknown_optimizer_preset(mlp: Experiment) -> None:
    e = _error(lambda: check_references(mlp.with_overrides(["compile.optimizer=adamx"])))
    assert 'compile.optimizer = "adamx"' in e.message and "sgd-momentum" in e.message


def test_unknown_initializer_preset(mlp: Experiment) -> None:
    e = _error(lambda: check_references(mlp.with_overrides(["model.layers[1].config.kernel_initializer=foo"])))
    assert 'model.layers[1].config.kernel_initializer = "foo"' in e.message and "he-normal" in e.message


def test_unknown_experiment_preset() -> None:
    e = _error(lambda: load_experiment("no-such-preset"))
    assert isinstance(e, PresetError) and "'no-such-preset'" in e.message and "digits-mlp" in e.message


@pytest.mark.parametrize(
    "override, expected",
    [
        ("model.layers[9].config.units=3", "model.layers[9] does not exist"),
        ("fitt.epochs=3", 'unknown section "fitt"'),
        ("fit.epochs", "expected KEY=VALUE"),
        ("fit..epochs=3", "is not a field name"),
    ],
)
def test_bad_set_path(mlp: Experiment, override: str, expected: str) -> None:
    e = _error(lambda: mlp.with_overrides([override]))
    assert expected in e.message


def test_bad_set_value(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides(["fit.epochs=abc"]))
    assert 'fit.epochs = "abc"' in e.message and "integer" in e.message


def test_epochs_below_one(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides(["fit.epochs=0"]))
    assert "fit.epochs = 0" in e.message and ">= 1" in e.message.replace("greater than or equal to", ">=")


@pytest.mark.parametrize("value", ["1.5", "1.0", "-0.1"])
def test_validation_split_out_of_range(mlp: Experiment, value: str) -> None:
    e = _error(lambda: mlp.with_overrides([f"data.validation_split={value}"]))
    assert f"data.validation_split = {value}" in e.message


def test_several_problems_are_all_listed() -> None:
    e = _error(lambda: from_dict({"fit": {"epochs": 0, "batch_size": 0}}, origin="two.toml"))
    assert "2 problems" in e.message and "fit.epochs" in e.message and "fit.batch_size" in e.message


def test_parse_override_values() -> None:
    assert parse_override("fit.batch_size=64") == ("fit.batch_size", 64)
    assert parse_override("compile.optimizer=sgd") == ("compile.optimizer", "sgd")
    assert parse_override('compile.metrics=["accuracy"]') == ("compile.metrics", ["accuracy"])
    assert parse_override("data.validation_split = 0.25") == ("data.validation_split", 0.25)


# -- messages: the file named once, the flag typed, values as TOML writes them --------


def test_file_is_named_once_with_the_field_and_rule(tmp_path: Path) -> None:
    text = load_experiment("digits-mlp").to_toml().replace("units = 64", "units = 0")
    d = tmp_path / "broken"
    d.mkdir()
    (d / "units0.toml").write_text(text, encoding="utf-8")
    e = _error(lambda: load_experiment(str(d / "units0.toml")))
    assert e.message == f"{d / 'units0.toml'}: model.layers[1].config.units = 0: Dense.units must be an integer >= 1"
    assert str(e).count("units0.toml") == 1


def test_values_are_shown_as_toml(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides({"model.layers[1].config.use_bias": "yes"}))
    assert 'use_bias = "yes"' in e.message  # a string in double quotes, as in the file
    e = _error(lambda: mlp.with_overrides({"data.options.noise": True}))
    assert "= true" in e.message and "True" not in e.message
    e = _error(lambda: mlp.with_overrides({"data.options.features": ["x9"]}))
    assert 'unknown feature "x9"' in e.message


def test_unknown_presets_name_the_file_or_the_set_flag(tmp_path: Path) -> None:
    exp = load_experiment("digits-mlp")
    bad = tmp_path / "opt.toml"
    bad.write_text(exp.to_toml().replace('optimizer = "adam"', 'optimizer = "adamm"'), encoding="utf-8")
    e = _error(lambda: load_experiment(str(bad)))
    assert e.message.startswith(f'{bad}: compile.optimizer = "adamm": unknown optimizer preset; known: ')
    reg = tmp_path / "reg.toml"
    reg.write_text(
        exp.to_toml().replace('kernel_regularizer = "none" }', 'kernel_regularizer = "l3" }'), encoding="utf-8"
    )
    e = _error(lambda: load_experiment(str(reg)))
    assert e.message.startswith(f'{reg}: model.layers[1].config.kernel_regularizer = "l3": unknown regularizer')
    # the same name given with --set: the flag is named, not the file
    e = _error(lambda: load_experiment("digits-mlp", ["compile.optimizer=adamm"]))
    assert e.message.startswith('--set: compile.optimizer = "adamm"')
    # a --set that fixes the file's bad name is fine
    assert load_experiment(str(bad), ["compile.optimizer=sgd"]).compile.optimizer == "sgd"


def test_overrides_name_their_flag(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides({"fit.epochs": 0}, origin="--epochs"))
    assert e.message.startswith("--epochs: fit.epochs = 0") and "--epochs" in e.hint


# -- --set inside a component given by preset name ------------------------------------


def test_set_inside_a_named_optimizer_expands_the_preset(mlp: Experiment) -> None:
    assert mlp.compile.optimizer == "adam"
    exp = mlp.with_overrides(["compile.optimizer.config.learning_rate=0.01"])
    adam = resolved(mlp).compile.optimizer
    assert exp.compile.optimizer == KerasRef(class_name="Adam", config={**adam.config, "learning_rate": 0.01})


def test_set_inside_named_initializer_regularizer_and_loss(mlp: Experiment) -> None:
    exp = mlp.with_overrides(
        [
            "model.layers[1].config.kernel_initializer.config.seed=3",
            "model.layers[-1].config.kernel_regularizer=l2",
            "model.layers[-1].config.kernel_regularizer.config.l2=0.5",
            "compile.loss.config.from_logits=true",
        ]
    )
    assert exp.model.layers[1].config["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": 3}}
    assert exp.model.layers[3].config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.5}}
    assert exp.compile.loss == KerasRef(class_name="SparseCategoricalCrossentropy", config={"from_logits": True})


def test_set_inside_no_regularizer_or_a_plain_value_says_why(mlp: Experiment) -> None:
    e = _error(lambda: mlp.with_overrides(["model.layers[1].config.kernel_regularizer.config.l2=0.5"]))
    assert 'kernel_regularizer = "none" means no regularizer' in e.message
    assert "--set model.layers[1].config.kernel_regularizer=l2" in e.hint
    e = _error(lambda: mlp.with_overrides(["compile.optimizer=adamx", "compile.optimizer.config.x=1"]))
    assert 'compile.optimizer = "adamx": unknown optimizer preset' in e.message
    e = _error(lambda: mlp.with_overrides(["fit.epochs.x=1"]))
    assert 'fit.epochs = 20 is not a table, so it has no field "x"' in e.message


@pytest.mark.parametrize(
    "override", ["fit.epochs=true", "fit.batch_size=false", "fit.seed=true", "data.validation_split=true"]
)
def test_booleans_are_not_numbers(mlp: Experiment, override: str) -> None:
    key = override.split("=")[0]
    with pytest.raises(SpecError) as info:
        mlp.with_overrides([override])
    assert f"{key} = " in info.value.message and "true and false are not numbers" in info.value.message
    assert "must be a number >= " in info.value.message  # and the range the number may take


@pytest.mark.parametrize(
    "override",
    [
        'compile.optimizer={class_name="Adam",config={learning_rate=0.001,name="x y"}}',
        'compile.optimizer={class_name="SGD",config={learning_rate={class_name="CosineDecay",'
        'config={initial_learning_rate=0.1,decay_steps=10,name="a:b"}}}}',
    ],
)
def test_object_names_follow_the_scope_name_rule(override: str) -> None:
    """A name TensorFlow refuses as a scope passes Keras's constructor and failed at the first step (exit 1)."""
    with pytest.raises(SpecError) as e:
        load_experiment("digits-mlp", [override])
    assert ".config.name" in e.value.message and "made of" in e.value.message


def test_a_byte_order_mark_at_the_start_of_a_file_is_not_a_toml_error(tmp_path: Path) -> None:
    """Some Windows editors write a UTF-8 BOM; tomllib calls it an invalid statement at line 1."""
    text = (Path(__file__).resolve().parents[2] / "presets" / "iris-mlp.toml").read_text(encoding="utf-8")
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load(p).name == "iris-mlp"


def test_the_control_character_message_says_what_each_field_allows() -> None:
    with pytest.raises(SpecError) as e:
        load_experiment("csv-example", ['data.target="a\\u001bb"'])
    assert "newlines, tabs" in e.value.message and "other than" not in e.value.message
