"""The presets that reproduce classic experiments (issue 11 item 7).

Each lesson comes as presets that differ in one thing only: the kernel initializer
(CS231n; Glorot & Bengio 2010), BatchNormalization layers (Ioffe & Szegedy 2015),
an L1 or L2 kernel regularizer (CS231n), Dropout layers (Srivastava et al. 2014).
These tests need no TensorFlow; the activation statistics the initializer lesson
rests on are checked with Keras in ``tests/engine/test_lesson_presets.py``.
"""

from __future__ import annotations

import pytest

from tuidl.core.checks import DataInfo, check
from tuidl.core.presets import experiment_presets, load_experiment, resolved
from tuidl.core.runs.diff import config_diff
from tuidl.core.spec import Experiment

DIGITS = DataInfo((8, 8, 1), "classification", 10)
GAUSS = DataInfo((2,), "classification", 2)  # the Playground's two gaussians: one sigmoid unit

LESSONS = {
    "init-small-normal": DIGITS,
    "init-glorot": DIGITS,
    "init-he": DIGITS,
    "bn-none": DIGITS,
    "bn-after-dense": DIGITS,
    "l1-weights": DIGITS,
    "l2-weights": DIGITS,
    "dropout-none": GAUSS,
    "dropout-0.5": GAUSS,
}
SOURCES = {
    "init": ("CS231n", "Glorot & Bengio 2010"),
    "bn": ("Ioffe & Szegedy 2015",),
    "l1": ("CS231n",),
    "l2": ("CS231n",),
    "dropout": ("Srivastava et al. 2014",),
}


def _spec(name: str) -> dict:
    """The experiment as a run's ``spec.toml`` holds it: components resolved inline."""
    return resolved(load_experiment(name)).model_dump(mode="json")


def _dense(exp: Experiment) -> list[dict]:
    return [l.config for l in exp.model.layers if l.class_name == "Dense"]


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_lesson_preset_loads_and_passes_the_checks(name: str) -> None:
    presets = experiment_presets()
    assert name in presets and presets[name].builtin  # what the builder's preset picker lists
    exp = load_experiment(name)
    assert exp.name == name
    findings = check(resolved(exp), LESSONS[name])
    assert not findings, [f"{f.severity}: {f.message}" for f in findings]


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_lesson_preset_says_its_lesson_and_source(name: str) -> None:
    description = load_experiment(name).description
    family = name.split("-")[0]
    assert all(source in description for source in SOURCES[family]), description
    assert "Compare" in description


def test_init_presets_differ_only_in_the_kernel_initializer() -> None:
    names = ["init-small-normal", "init-glorot", "init-he"]
    exps = [load_experiment(n) for n in names]
    dense = _dense(exps[0])
    assert len(dense) >= 7 and all(c["activation"] == "tanh" for c in dense[:-1])  # 6+ tanh layers, then the head
    assert [c["kernel_initializer"] for c in dense] == ["small-normal"] * len(dense)
    assert [_dense(e)[0]["kernel_initializer"] for e in exps] == ["small-normal", "glorot-uniform", "he-normal"]
    rows = config_diff([_spec(n) for n in names])
    assert {key for key, _ in rows} == {f"layers[{n}].kernel_initializer" for n in _layer_names(len(dense))}
    values = dict(rows)["layers[dense].kernel_initializer"]
    assert values[0].startswith("RandomNormal(") and "stddev=0.01" in values[0]
    assert values[1:] == ["GlorotUniform()", "HeNormal()"]


def _layer_names(n: int) -> list[str]:
    return ["dense"] + [f"dense_{i}" for i in range(1, n)]


def test_bn_presets_differ_only_in_batch_normalization_after_each_dense() -> None:
    none, bn = load_experiment("bn-none"), load_experiment("bn-after-dense")
    rows = config_diff([_spec("bn-none"), _spec("bn-after-dense")])
    hidden = [c for c in _dense(none) if c["units"] == 100]
    assert len(hidden) >= 3
    assert {key for key, _ in rows} == {"layers[batch_normalization]"} | {
        f"layers[batch_normalization_{i}]" for i in range(1, len(hidden))
    }
    assert all(values[0] is None and values[1].startswith("BatchNormalization") for _, values in rows)
    kinds = [l.class_name for l in bn.model.layers]
    for i, kind in enumerate(kinds[:-1]):  # each hidden Dense, then BatchNormalization, then its sigmoid
        if kind == "Dense":
            assert kinds[i + 1 : i + 3] == ["BatchNormalization", "Activation"]
            assert bn.model.layers[i + 2].config["activation"] == "sigmoid"


def test_l1_and_l2_presets_differ_only_in_the_kernel_regularizer() -> None:
    rows = config_diff([_spec("l1-weights"), _spec("l2-weights")])
    n = len(_dense(load_experiment("l1-weights")))
    assert {key for key, _ in rows} == {f"layers[{name}].kernel_regularizer" for name in _layer_names(n)}
    assert dict(rows)["layers[dense].kernel_regularizer"] == ["L1(l1=0.001)", "L2(l2=0.001)"]  # the same strength


@pytest.mark.parametrize("typed", ["l1", "l2"])
def test_l1_and_l2_presets_are_found_by_their_penalty(typed: str) -> None:
    assert f"{typed}-weights" in [n for n in experiment_presets() if n.startswith(typed)]


def test_dropout_presets_differ_only_in_dropout_layers() -> None:
    rows = config_diff([_spec("dropout-none"), _spec("dropout-0.5")])
    assert rows == [
        ("layers[dropout]", [None, "Dropout(rate=0.5)"]),
        ("layers[dropout_1]", [None, "Dropout(rate=0.5)"]),
    ]
    exp = load_experiment("dropout-none")
    assert exp.data.options.n_samples is not None and exp.data.options.n_samples <= 500  # small: it overfits
    assert max(c["units"] for c in _dense(exp)) >= 256  # wide
