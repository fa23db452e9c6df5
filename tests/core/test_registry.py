"""One registry of Keras and dataset facts (issue 9 item 3), presets resolved once (3b), no import cycle in core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tuidl
from tuidl.core import catalog, registry, spec
from tuidl.core.checks import DataInfo, check
from tuidl.core.presets import is_resolved, load_experiment, resolved
from tuidl.core.spec import from_dict

PACKAGE = Path(tuidl.__file__).resolve().parent


def test_the_tables_are_views_of_the_registry() -> None:
    assert spec.DATASETS is registry.DATASETS and spec.LOSS_CLASSES is registry.LOSS_CLASSES
    assert spec.LOSSES is registry.LOSSES and spec.METRICS is registry.METRICS
    assert catalog.LOSS_INFO is registry.LOSS_INFO and catalog.METRIC_CHOICES is registry.METRIC_CHOICES
    grouped = [n for _, names in registry.DATASET_GROUPS for n in names]
    assert sorted(grouped) == sorted(registry.DATASETS) and len(grouped) == len(set(grouped))
    assert set(registry.FILE_SOURCES) == {"csv", "npz", "npy", "images"}
    assert registry.REGRESSION_SETS == {"plane", "multi-gauss", "diabetes", "boston_housing", "california_housing"}
    for name, info in registry.LOSS_INFO.items():
        assert registry.LOSS_CLASSES[name] == info.class_name
    assert set(registry.METRIC_CHOICES) <= set(registry.METRICS)
    assert "mean_absolute_error" not in registry.CLASSIFICATION_METRICS
    assert {"accuracy", "auc", "precision"} <= registry.CLASSIFICATION_METRICS


def test_layer_input_facts_live_on_the_catalog() -> None:
    assert catalog.FLAT_INPUT_LAYERS == {
        "Dense",
        "Dropout",
        "GaussianNoise",
        "BatchNormalization",
        "LayerNormalization",
        "Activation",
        "LeakyReLU",
        "PReLU",
    }
    assert catalog.STRUCTURED_INPUT_LAYERS == {
        "Conv1D",
        "Conv2D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "SpatialDropout2D",
        "Reshape",
        "SimpleRNN",
        "LSTM",
        "GRU",
        "Embedding",
    }
    for name, info in catalog.LAYERS.items():  # a layer with a rank rule needs structure
        if info.input_ranks is not None:
            assert name in catalog.STRUCTURED_INPUT_LAYERS


@pytest.mark.parametrize(
    "fact",
    [
        '"sparse_top_k_categorical_accuracy"',  # the metric table
        '"BinaryFocalCrossentropy"',  # the loss table
        "two interleaved spirals",  # the dataset descriptions
        '"GlobalAveragePooling2D", "SpatialDropout2D"',  # a copy of the structured-input layer set
        '"LayerNormalization", "Activation"',  # a copy of the flat-input layer set
    ],
)
def test_each_fact_is_written_once(fact: str) -> None:
    found = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if fact in p.read_text(encoding="utf-8")]
    assert len(found) <= 1, f"{fact} is written in {found}"


def _core_imports(path: Path) -> set[str]:
    """Modules of tuidl.core that ``path`` imports, at top level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tuidl.core."):
            out.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[2] for a in node.names if a.name.startswith("tuidl.core.")}
    return out


def test_core_modules_import_each_other_without_a_cycle() -> None:
    graph = {p.stem: _core_imports(p) for p in (PACKAGE / "core").glob("*.py")}
    done: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, "import cycle: " + " -> ".join(trail[trail.index(node) :] + (node,))
        if node in done:
            return
        for dep in graph.get(node, ()):
            visit(dep, trail + (node,))
        done.add(node)

    for module in graph:
        visit(module, ())


def test_adapt_and_the_registry_load_no_textual() -> None:
    code = (
        "import sys, tuidl.core.adapt, tuidl.core.registry, tuidl.core.spec, tuidl.core.checks; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'keras', 'tensorflow')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_resolved_once_keeps_preset_names_as_labels(monkeypatch) -> None:
    exp = from_dict(
        {
            "name": "t",
            "data": {"name": "iris"},
            "compile": {"optimizer": "sgd"},
            "model": {
                "layers": [
                    {
                        "class_name": "Dense",
                        "config": {
                            "units": 8,
                            "kernel_initializer": "zeros",
                            "kernel_regularizer": "none",
                            "bias_regularizer": "l2",
                        },
                    },
                    {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}},
                ]
            },
        }
    )
    assert not is_resolved(exp) and exp.preset_labels == {}
    r = resolved(exp)
    assert is_resolved(r) and resolved(r) is r  # resolving again is a no-op: done once, where it entered
    assert r.compile.optimizer.class_name == "SGD"
    assert "kernel_regularizer" not in r.model.layers[0].config
    assert r.model.layers[0].config["bias_regularizer"]["class_name"] == "L2"
    assert r.preset_labels == {
        "compile.optimizer": "sgd",
        "model.layers[0].config.kernel_initializer": "zeros",
        "model.layers[0].config.kernel_regularizer": "none",
        "model.layers[0].config.bias_regularizer": "l2",
    }
    data = DataInfo(input_shape=(4,), n_classes=3)
    before = check(exp, data)

    def no_lookup(*_a, **_k):
        raise AssertionError("a preset was looked up below the edge")

    monkeypatch.setattr("tuidl.core.components.components", no_lookup)
    after = check(r, data)  # the checks read the resolved components; findings name the preset as written
    assert [f.message for f in after] == [f.message for f in before]
    assert any("kernel_initializer = 'zeros'" in f.message for f in after)


def test_an_inline_none_regularizer_is_not_resolved_yet() -> None:
    exp = from_dict(
        {
            "model": {
                "layers": [
                    {
                        "class_name": "Dense",
                        "config": {"units": 3, "kernel_regularizer": {"class_name": "None", "config": {}}},
                    }
                ]
            },
            "compile": {"optimizer": {"class_name": "Adam", "config": {}}},
        }
    )
    assert not is_resolved(exp)
    assert "kernel_regularizer" not in resolved(exp).model.layers[0].config


def test_the_cli_resolves_where_the_experiment_enters(monkeypatch, tmp_path: Path) -> None:
    from tuidl.commands import export as export_cmd

    seen = []
    monkeypatch.setattr(
        "tuidl.export.check_exportable", lambda exp, origin="": seen.append(exp) or (_ for _ in ()).throw(SystemExit(0))
    )
    with pytest.raises(SystemExit):
        export_cmd.main(type("A", (), {"preset": "digits-mlp", "overrides": [], "output": str(tmp_path / "x.py")})())
    assert len(seen) == 1 and is_resolved(seen[0]) and seen[0].preset_labels
    assert load_experiment("digits-mlp").compile.optimizer == seen[0].preset_labels["compile.optimizer"]


def _arg(kind: str, **kw):
    return catalog.ArgInfo("a", kind, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "arg, value, ok",
    [
        (_arg("int", default=1, minimum=1), 3, True),
        (_arg("int", default=1, minimum=1), 0, False),
        (_arg("int", default=1, minimum=1), True, False),  # a boolean is not a number
        (_arg("int", default=1, minimum=1), 3.0, False),
        (_arg("int", default=1, minimum=1), None, False),  # has a default: cannot be unset
        (_arg("int", minimum=1), None, True),  # no default: may be unset
        (_arg("float", default=0.5, minimum=0.0, maximum=1.0, exclusive_max=True), 0.5, True),
        (_arg("float", default=0.5, minimum=0.0, maximum=1.0, exclusive_max=True), 1, False),
        (_arg("float", default=0.5, minimum=0.0), 2, True),  # integers are numbers
        (_arg("float", default=0.5, minimum=0.0), "0.5", False),
        (_arg("optional_float"), None, True),
        (_arg("bool", default=True), 1, False),
        (_arg("choice", default="valid", choices=("valid", "same")), "same", True),
        (_arg("choice", default="valid", choices=("valid", "same")), "full", False),
        (_arg("activation"), "relu", True),
        (_arg("activation"), "relu6x", False),
        (_arg("initializer"), "he-normal", True),
        (_arg("initializer"), {"class_name": "Zeros", "config": {}}, True),
        (_arg("initializer"), {"class_name": 1}, False),
        (_arg("int_or_pair", default=1, minimum=1), [2, 3], True),
        (_arg("int_or_pair", default=1, minimum=1), (2,), True),
        (_arg("int_or_pair", default=1, minimum=1), [1, 2, 3], False),
        (_arg("int_or_pair", default=1, minimum=1), [0, 2], False),
        (_arg("shape", default=[8, 8, 1]), [-1, 4], True),
        (_arg("shape", default=[8, 8, 1]), [-1, -1], False),
        (_arg("shape", default=[8, 8, 1]), [0, 2], False),
        (_arg("shape", default=[8, 8, 1]), [], False),
        (_arg("float_list", default=[0.1]), [1, 2.5], True),
        (_arg("float_list", default=[0.1]), [float("nan")], False),
        (_arg("float_list", default=[0.1]), [True], False),
        (_arg("int_list", default=[1]), [1, 2.5], False),
    ],
)
def test_layer_arguments_are_validated_by_pydantic(arg, value, ok: bool) -> None:
    """ArgInfo.check is pydantic (strict types from arg_type), with the same answers as the hand-written check."""
    from pydantic import TypeAdapter, ValidationError

    assert (arg.check(value) is None) == ok
    if not ok:
        assert arg.check(value).startswith(arg.allowed())
    try:
        TypeAdapter(catalog.arg_type(arg)).validate_python(value)
        assert ok
    except ValidationError:
        assert not ok


def test_a_number_that_is_not_finite_says_so() -> None:
    arg = _arg("float", default=0.5, minimum=0.0)
    assert arg.check(float("inf")) == "a number >= 0 (finite)"
    assert arg.check(-1.0) == "a number >= 0"
