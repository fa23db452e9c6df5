"""Every pydantic error reaches the user in tuidl's words: the field, the value and what is allowed.

Never pydantic's own text ("Input should be ...", "[type=...", its URL). One case per field kind,
given on the command line (``--set``/``--epochs``) and in an experiment file.
"""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tuidl.core.errors import SpecError
from tuidl.core.presets import load_experiment
from tuidl.core.spec import loads
from tuidl.core.validation import StrictBool, StrictFloat, StrictInt, problem_text, pydantic_problems

PYDANTIC_TEXT = ("pydantic", "type=", "http", "Input should", "input_value", "Value error")

# (key, TOML value, the field as named, the value as shown, what is allowed)
CASES = [
    ("fit.epochs", "0", "fit.epochs", "= 0", ">= 1 and <= 100,000"),
    ("fit.epochs", "100001", "fit.epochs", "= 100001", "<= 100,000"),
    ("fit.epochs", "1.5", "fit.epochs", "= 1.5", "must be an integer >= 1"),
    ("fit.epochs", '"3"', "fit.epochs", '= "3"', "must be an integer >= 1"),
    ("fit.epochs", "true", "fit.epochs", "= true", "must be a number >= 1 and <= 100,000"),
    ("fit.batch_size", "-1", "fit.batch_size", "= -1", ">= 1 and <= 1,000,000"),
    ("fit.seed", "-1", "fit.seed", "= -1", ">= 0 and <= 4,294,967,295"),
    ("fit.callbacks", "3", "fit.callbacks", "= 3", "must be a list"),
    ("fit.callbacks", "[3]", "fit.callbacks[0]", "= 3", "must be a table"),
    ("fit.callbacks", "[{ config = {} }]", "fit.callbacks[0].class_name", "", "is required"),
    ("data.validation_split", "1", "data.validation_split", "= 1", ">= 0.0 and < 1.0"),
    ("data.validation_split", "nan", "data.validation_split", "= nan", ">= 0.0 and < 1.0"),
    ("data.validation_split", '"x"', "data.validation_split", '= "x"', "must be a number >= 0.0 and < 1.0"),
    ("data.validation_split", "false", "data.validation_split", "= false", "must be a number >= 0.0"),
    ("data.options.noise", "0.9", "data.options.noise", "= 0.9", ">= 0.0 and <= 0.5"),
    ("data.options.scaling", '"foo"', "data.options.scaling", '= "foo"', 'one of "none", "minmax" or "standardize"'),
    ("data.options.remap_labels", '"yes"', "data.options.remap_labels", '= "yes"', "must be true or false"),
    ("data.options.image_size", "[8, 8, 8]", "data.options.image_size", "= [8, 8, 8]", "at most 2 item(s)"),
    ("data.options.image_size", "[1.5, 2]", "data.options.image_size[0]", "= 1.5", "must be an integer"),
    ("data.options.features", "[]", "data.options.features", "= []", "at least 1 item(s)"),
    ("data.options.n_samples", "5", "data.options.n_samples", "= 5", ">= 10 and <= 1,000,000"),
    ("data.options.bogus", "1", "data.options.bogus", "= 1", "unknown field; allowed: n_samples, noise"),
    ("data.name", "3", "data.name", "= 3", "must be a string"),
    ("data.name", '""', "data.name", '= ""', "must not be empty"),
    ("name", '"a b"', "name", '= "a b"', "a name of letters, digits"),
    ("description", "3", "description", "= 3", "must be a string"),
    ("model.layers", "3", "model.layers", "= 3", "must be a list"),
    ("model.layers[0].class_name", "3", "model.layers[0].class_name", "= 3", "must be a string"),
    ("compile.metrics", '["foo"]', "compile.metrics", '= ["foo"]', "allowed: accuracy"),
    ("compile.optimizer", "3", "compile.optimizer", "= 3", "a preset name (a string) or a table"),
    ("compile.optimizer", "{ class_name = 3 }", "compile.optimizer.class_name", "= 3", "must be a string"),
    ("compile.loss", '"foo"', "compile.loss", '= "foo"', "allowed: mean_squared_error"),
]


def _check(message: str, field: str, shown: str, allowed: str) -> None:
    for text in PYDANTIC_TEXT:
        assert text not in message, f"{text!r} in {message!r}"
    assert f"{field} {shown}:".replace("  ", " ") in message or (not shown and f"{field}:" in message), message
    assert allowed in message, message


@pytest.mark.parametrize(("key", "value", "field", "shown", "allowed"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_an_override_names_field_value_and_what_is_allowed(key, value, field, shown, allowed):
    with pytest.raises(SpecError) as info:
        load_experiment("digits-mlp", [f"{key}={value}"])
    _check(str(info.value), field, shown, allowed)


def _toml(key: str, value: str) -> str:
    """digits-mlp as an experiment file, with ``key = value`` written into it."""
    import re
    import tomllib

    from tuidl.core.tomlio import dumps_toml

    data = load_experiment("digits-mlp").to_dict()
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", key)]
    node = data
    for p in parts[:-1]:
        node = node[p] if isinstance(p, int) else node.setdefault(p, {})
    node[parts[-1]] = tomllib.loads(f"v = {value}")["v"]
    if key == "model.layers":  # the writer lays layers out as [[model.layers]]: write this one by hand
        return f'name = "x"\n[model]\nlayers = {value}\n'
    return dumps_toml(data)


@pytest.mark.parametrize(("key", "value", "field", "shown", "allowed"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_a_file_field_names_field_value_and_what_is_allowed(key, value, field, shown, allowed):
    text = _toml(key, value)
    with pytest.raises(SpecError) as info:
        loads(text, origin="exp.toml")
    _check(str(info.value), field, shown, allowed)


class _Kinds(BaseModel):
    """One field per pydantic error kind a spec meets."""

    model_config = ConfigDict(extra="forbid")
    i: StrictInt = Field(default=1, ge=1, le=10)
    f: StrictFloat = Field(default=0.5, gt=0.0, lt=1.0)
    b: StrictBool = True
    s: str = Field(default="a", min_length=1, max_length=3)
    lit: Literal["x", "y"] = "x"
    items: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=2)
    need: int
    pat: str = Field(default="a", pattern=r"^[a-z]+$")
    mult: int = Field(default=2, multiple_of=2)


MISSING = object()
"""A field left out."""

BAD = [
    ({"i": 0}, "i", ">= 1 and <= 10"),
    ({"i": 11}, "i", "<= 10"),
    ({"i": "x"}, "i", "must be an integer >= 1 and <= 10"),
    ({"i": 1.5}, "i", "must be an integer"),
    ({"f": 0.0}, "f", "> 0.0 and < 1.0"),
    ({"f": "x"}, "f", "must be a number > 0.0 and < 1.0"),
    ({"f": float("inf")}, "f", "< 1.0"),
    ({"b": "yes"}, "b", "must be true or false"),
    ({"s": 3}, "s", "must be a string"),
    ({"s": ""}, "s", "must not be empty"),
    ({"s": "abcd"}, "s", "at most 3 characters"),
    ({"lit": "z"}, "lit", 'one of "x" or "y"'),
    ({"items": []}, "items", "at least 1 item"),
    ({"items": [1, 2, 3]}, "items", "at most 2 item"),
    ({"items": 3}, "items", "must be a list"),
    ({"items": ["a"]}, "items[0]", "must be an integer"),
    ({"other": 1}, "other", "unknown field; allowed: i, f, b"),
    ({"need": MISSING}, "need", "is required"),
    ({"pat": "A"}, "pat", "must match the pattern ^[a-z]+$"),
    ({"mult": 3}, "mult", "a multiple of 2"),
]


@pytest.mark.parametrize(("data", "field", "allowed"), BAD, ids=[f"{b[1]}-{n}" for n, b in enumerate(BAD)])
def test_each_pydantic_error_kind_has_tuidls_words(data, field, allowed):
    with pytest.raises(ValidationError) as info:
        _Kinds.model_validate({k: v for k, v in {"need": 1, **data}.items() if v is not MISSING})
    problems = pydantic_problems(info.value, _Kinds)
    assert [p[0] for p in problems] == [field], problems
    message = problems[0][2]
    assert allowed in message, message
    for text in PYDANTIC_TEXT:
        assert text not in message, message
    for e in info.value.errors():  # the raw pydantic message never comes back
        assert problem_text(e, _Kinds) != e["msg"]


def test_an_unknown_error_kind_is_still_said_without_pydantic_text():
    message = problem_text({"type": "json_invalid", "loc": ("x",), "msg": "Invalid JSON", "input": "{"})
    assert message == "is not a value this field takes"


def test_epochs_zero_on_the_command_line(capsys):
    from tuidl.cli import main

    assert main(["run", "digits-mlp", "--epochs", "0"]) == 2
    err = capsys.readouterr().err
    assert "--epochs: fit.epochs = 0: must be >= 1 and <= 100,000" in err
    for text in PYDANTIC_TEXT:
        assert text not in err


def test_a_component_preset_file_names_the_value(tmp_path, monkeypatch):
    from tuidl.core import components
    from tuidl.core.errors import PresetError

    bad = tmp_path / "optimizers.toml"
    bad.write_text('[fast]\nclass_name = "Adam"\nconfig = 3\n', encoding="utf-8")
    with pytest.raises(PresetError) as info:
        components._read_family(bad, "optimizers")
    message = str(info.value)
    assert "[fast]: config = 3: must be a table" in message, message
    for text in PYDANTIC_TEXT:
        assert text not in message


def test_the_builders_settings_are_refused_in_tuidls_words():
    from tuidl.ui.widgets.training_form import settings_of, with_settings

    exp = load_experiment("digits-mlp")
    settings = settings_of(exp)
    settings["fit"]["epochs"] = 0
    with pytest.raises(SpecError) as info:
        with_settings(exp, settings)
    assert "fit.epochs = 0: must be >= 1" in str(info.value)
