"""Run names that say how a run differs from its preset (``tuidl.core.runs.naming``,
``tuidl.core.presets.run_name_for``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tuidl.core.presets import load_experiment, preset_base, resolved, run_name_for
from tuidl.core.runs import RUN_NAME_MAX, diff_words, folder_safe, new_run_id, run_name
from tuidl.core.spec import Experiment

SAFE_ID = re.compile(r"\d{8}-\d{6}-[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{4}")


def _named(overrides: list[str]) -> str:
    return run_name_for(load_experiment("digits-mlp", overrides))


def _with_layers(edit) -> Experiment:  # noqa: ANN001
    exp = load_experiment("digits-mlp")
    d = exp.model_dump()
    edit(d["model"]["layers"])
    out = Experiment.model_validate(d)
    out._source = exp.source
    return out


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], "digits-mlp"),
        (["compile.optimizer=sgd", "model.layers[1].config.kernel_regularizer=l2"], "digits-mlp sgd l2"),
        # the same regularizer on every layer is one word; the optimizer comes first, as said
        (
            [f"model.layers[{i}].config.kernel_regularizer=l2" for i in (1, 2, 3)] + ["compile.optimizer=sgd"],
            "digits-mlp sgd l2",
        ),
        (["compile.optimizer=sgd-momentum"], "digits-mlp sgd-momentum"),
        (["model.layers[1].config.kernel_initializer=he-normal"], "digits-mlp he-normal"),
        (["model.layers[1].config.units=512"], "digits-mlp units=512"),
        (["fit.epochs=50", "fit.batch_size=64"], "digits-mlp epochs=50 batch_size=64"),
        (["compile.optimizer.config.learning_rate=0.01"], "digits-mlp learning_rate=0.01"),
        (["data.validation_split=0.3"], "digits-mlp validation_split=0.3"),
        # a name a person gave wins: no preset has it
        (["name=mine", "compile.optimizer=sgd"], "mine"),
    ],
)
def test_run_name_says_how_the_run_differs_from_its_preset(overrides: list[str], expected: str) -> None:
    assert _named(overrides) == expected


def test_added_and_removed_layers_are_named_by_class_in_model_order() -> None:
    def edit(layers: list) -> None:  # noqa: ANN001
        layers[1]["config"]["units"] = 512
        layers.insert(2, {"class_name": "Dropout", "config": {"rate": 0.3}})

    assert run_name_for(_with_layers(edit)) == "digits-mlp units=512 dropout"

    def drop_flatten(layers: list) -> None:  # noqa: ANN001
        del layers[0]

    assert run_name_for(_with_layers(drop_flatten)) == "digits-mlp no-flatten"


def test_an_inline_component_is_named_by_its_class_and_a_removed_one_with_no() -> None:
    base = resolved(load_experiment("digits-mlp", ["model.layers[1].config.kernel_regularizer=l2"])).to_dict()
    spec = resolved(load_experiment("digits-mlp")).to_dict()
    # no labels: an initializer or optimizer written inline is called by its class
    assert diff_words(spec, base) == ["no-l2"]
    spec2 = resolved(
        load_experiment(
            "digits-mlp",
            [
                'compile.optimizer={class_name = "RMSprop", config = {learning_rate = 0.001}}',
                'model.layers[2].config.kernel_initializer={class_name = "HeNormal", config = {}}',
            ],
        )
    ).to_dict()
    assert diff_words(spec2, resolved(load_experiment("digits-mlp")).to_dict()) == ["rmsprop", "he_normal"]


def test_the_order_is_stable_whatever_order_the_changes_were_made_in() -> None:
    a = _named(["fit.epochs=5", "model.layers[2].config.units=16", "compile.optimizer=sgd"])
    b = _named(["compile.optimizer=sgd", "fit.epochs=5", "model.layers[2].config.units=16"])
    assert a == b == "digits-mlp sgd units=16 epochs=5"


def test_a_long_name_is_cut_at_whole_words_and_counts_what_was_left_out() -> None:
    name = _named(
        [
            "model.layers[1].config.kernel_regularizer=l2-strong",
            "model.layers[1].config.activation=tanh",
            "model.layers[2].config.units=16",
            "data.validation_split=0.3",
            "fit.seed=4",
            "fit.epochs=7",
            "compile.optimizer=nesterov",
        ]
    )
    assert len(name) <= RUN_NAME_MAX
    assert name.startswith("digits-mlp nesterov l2-strong activation=tanh")
    assert re.search(r" \+\d+$", name)
    # a short cap: still the experiment's name, and the count when it fits
    spec = resolved(load_experiment("digits-mlp", ["fit.epochs=7", "fit.seed=4"])).to_dict()
    base = resolved(load_experiment("digits-mlp")).to_dict()
    assert run_name(spec, base, max_len=13) == "digits-mlp +2"
    assert run_name(spec, base, max_len=5) == "digits-mlp"


def test_values_that_are_not_plain_words_are_left_out_of_the_name() -> None:
    spec = resolved(load_experiment("digits-mlp")).to_dict()
    base = {**spec, "fit": {**spec["fit"], "epochs": 9}}
    weird = {**spec, "description": "x"}
    weird["data"] = {**spec["data"], "name": "a b/../\x1b[31m"}
    assert run_name(weird, base) == "digits-mlp epochs=20 data"


def test_names_are_safe_in_folder_names() -> None:
    assert folder_safe("digits-mlp units=512 dropout") == "digits-mlp-units-512-dropout"
    assert folder_safe("digits-mlp sgd l2 +3") == "digits-mlp-sgd-l2-3"
    assert folder_safe("../..") == "run"
    for overrides in ([], ["compile.optimizer=sgd", "fit.epochs=3"], ["model.layers[1].config.units=512"]):
        assert SAFE_ID.fullmatch(new_run_id(_named(overrides))), overrides


def test_the_preset_is_the_file_the_experiment_came_from(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(load_experiment("digits-mlp").model_copy(update={"name": "mine"}).to_toml())
    exp = load_experiment(str(f), ["fit.epochs=3"])
    assert preset_base(exp) is not None
    assert run_name_for(exp) == "mine epochs=3"
    assert run_name_for(load_experiment(str(f))) == "mine"
    f.unlink()  # the file is gone: no preset, the plain name (naming never stops a run)
    assert run_name_for(exp) == "mine"


def test_a_long_name_keeps_the_layers_added_and_the_components_before_settings() -> None:
    """A lesson's run (overfit, then cure) changes many settings and adds Dropout and
    BatchNormalization: the name has no room for every word, and keeps the layers added."""

    def edit(layers: list) -> None:  # noqa: ANN001
        for i in (1, 2):
            layers[i]["config"].update(units=512, activation="linear", use_bias=False)
            layers[i]["config"]["kernel_regularizer"] = {"class_name": "L2", "config": {"l2": 0.01}}
        layers.insert(2, {"class_name": "Dropout", "config": {"rate": 0.3}})
        layers.insert(2, {"class_name": "BatchNormalization", "config": {}})

    name = run_name_for(_with_layers(edit))
    assert len(name) <= RUN_NAME_MAX
    words = name.split()
    assert {"batch_norm", "dropout", "l2"} <= set(words), name
    assert words[-1].startswith("+"), name  # the settings left out are counted
    # said in order: the regularizer first, then the layers in model order
    assert words.index("l2") < words.index("batch_norm") < words.index("dropout"), name
