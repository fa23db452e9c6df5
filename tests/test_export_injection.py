"""`tuidl export` cannot be made to write code: class names only from tuidl's registry, config
keys only argument names, values only as literals, free text escaped (issue 8, item 2).

Each preset below tried to run `touch pwned` through the exported script before the fix."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.cli import main
from tuidl.core.errors import SpecError
from tuidl.core.presets import load_experiment
from tuidl.core.spec import Experiment, from_dict
from tuidl.export import export_problems, script_text, write_script

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}

SHELL = '__import__("os").system("touch pwned")'
CODE_STRING = '"); import os; os.system("touch pwned") #'

HEAD = 'name = "inj"\n[data]\nname = "iris"\n'
DENSE_OUT = '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 3, activation = "softmax" }\n'

CASES = {
    "layer config key": (
        HEAD + '[[model.layers]]\nclass_name = "Dense"\n'
        f"config = {{ 'units=8), {SHELL}, keras.layers.Dense(units' = 3 }}\n" + DENSE_OUT,
        "model.layers[0].config",
    ),
    "layer class_name": (
        HEAD + f"[[model.layers]]\nclass_name = 'Dense({SHELL})'\nconfig = {{ units = 3 }}\n",
        "model.layers[0].class_name",
    ),
    "optimizer class_name": (
        HEAD + DENSE_OUT + f"[compile]\noptimizer = {{ class_name = 'Adam({SHELL})', config = {{}} }}\n",
        "compile.optimizer",
    ),
    "optimizer config key": (
        HEAD + DENSE_OUT + f"[compile]\noptimizer = {{ class_name = 'Adam', config = {{ 'x=1, y={SHELL}' = 1 }} }}\n",
        "compile.optimizer.config",
    ),
    "schedule class_name": (
        HEAD + DENSE_OUT + "[compile]\noptimizer = { class_name = 'Adam', config = { learning_rate = "
        f"{{ class_name = 'ExponentialDecay({SHELL})', config = {{}} }} }} }}\n",
        "compile.optimizer.config.learning_rate.class_name",
    ),
    "callback class_name": (
        HEAD + DENSE_OUT + f"[fit]\ncallbacks = [{{ class_name = 'TerminateOnNaN({SHELL})', config = {{}} }}]\n",
        "fit.callbacks[0].class_name",
    ),
    "callback config key": (
        HEAD
        + DENSE_OUT
        + f"[fit]\ncallbacks = [{{ class_name = 'EarlyStopping', config = {{ 'patience=1, x={SHELL}' = 1 }} }}]\n",
        "fit.callbacks[0].config",
    ),
    "initializer class_name": (
        HEAD + '[[model.layers]]\nclass_name = "Dense"\n'
        f"config = {{ units = 3, kernel_initializer = {{ class_name = 'Zeros({SHELL})', config = {{}} }} }}\n",
        "model.layers[0].config.kernel_initializer.class_name",
    ),
    "regularizer class_name": (
        HEAD + '[[model.layers]]\nclass_name = "Dense"\n'
        f"config = {{ units = 3, kernel_regularizer = {{ class_name = 'L2({SHELL})', config = {{}} }} }}\n",
        "model.layers[0].config.kernel_regularizer.class_name",
    ),
    "loss class_name": (
        HEAD + DENSE_OUT + f"[compile]\nloss = {{ class_name = 'Hinge({SHELL})', config = {{}} }}\n",
        "compile.loss",
    ),
    "name with a newline": ('name = "inj\\nimport os"\n[data]\nname = "iris"\n' + DENSE_OUT, "name"),
    "layer name with a newline": (
        HEAD + f"[[model.layers]]\nclass_name = \"Dense\"\nconfig = {{ units = 3, name = 'd\\n{SHELL}' }}\n",
        "model.layers[0].config.name",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_export_refuses_code_in_a_preset(case: str, tmp_path: Path, monkeypatch, capsys) -> None:
    text, field = CASES[case]
    preset = tmp_path / "inj.toml"
    preset.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.py"
    assert main(["export", str(preset), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err, err
    assert not out.exists() and not (tmp_path / "pwned").exists()


def test_export_problems_name_each_field_and_script_text_refuses_them() -> None:
    exp = Experiment.model_validate(
        {
            "name": "x",
            "model": {
                "layers": [
                    {
                        "class_name": "Dense",
                        "config": {"units": 3, "kernel_initializer": {"class_name": "Evil()", "config": {}}},
                    }
                ]
            },
            "compile": {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.1, "bad key": 1}}},
            "fit": {"callbacks": [{"class_name": "Evil", "config": {}}]},
        }
    )
    problems = export_problems(exp)
    assert any(p.startswith('model.layers[0].config.kernel_initializer.class_name = "Evil()"') for p in problems)
    assert any(p.startswith('compile.optimizer.config: key "bad key"') for p in problems)
    assert any(p.startswith('fit.callbacks[0].class_name = "Evil"') and "EarlyStopping" in p for p in problems)
    with pytest.raises(SpecError) as e:
        script_text(exp)
    assert "3 problems" in str(e.value) and e.value.title == "Export refused"


def _only_fixed_code(text: str) -> None:
    """The script parses, imports only what the template imports, and calls no os.system/eval/exec."""
    tree = ast.parse(text)
    imports = sorted({a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names})
    assert set(imports) <= {"Path", "argparse", "keras", "numpy", "os", "load_iris", "train_test_split"}, imports
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            assert name not in ("system", "eval", "exec", "__import__", "popen"), ast.unparse(n)


def test_free_text_and_string_values_are_written_as_literals(tmp_path: Path) -> None:
    """A description, a preset file name and a pass-through string argument holding Python: kept as
    text (they read back exactly), never as code."""
    exp = from_dict(
        {
            "name": "inj",
            "description": f"{CODE_STRING}\n\"\"\"\\N{{x}} \\''' end\\",
            "data": {"name": "iris"},
            "model": {
                "layers": [
                    {"class_name": "Dense", "config": {"units": 3, "activation": "softmax", "dtype": CODE_STRING}}
                ]
            },
        }
    )
    text = script_text(exp, script_name='o"""; import os; os.system("touch pwned"); """.py')
    _only_fixed_code(text)
    tree = ast.parse(text)
    doc = ast.get_docstring(tree, clean=False)
    assert doc.startswith(f"inj: {CODE_STRING}\n\"\"\"\\N{{x}} \\''' end\\\n")
    assert 'python o"""; import os; os.system("touch pwned"); """.py' in doc
    dense = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "keras.layers.Dense")
    assert {k.arg: ast.literal_eval(k.value) for k in dense.keywords}["dtype"] == CODE_STRING


@pytest.mark.keras
def test_exported_script_with_code_in_its_text_runs_and_runs_nothing_else(tmp_path: Path) -> None:
    preset = tmp_path / 'evil"""; __import__("os").system("touch pwned"); """.toml'
    preset.write_text(
        f'name = "inj"\ndescription = \'{CODE_STRING}\\n"""\\\\\'\n[data]\nname = "iris"\n'
        + DENSE_OUT
        + "[fit]\nepochs = 1\n",
        encoding="utf-8",
    )
    exp = load_experiment(str(preset))
    path = write_script(exp, tmp_path / "out.py")
    _only_fixed_code(path.read_text(encoding="utf-8"))
    proc = subprocess.run(
        [sys.executable, str(path), "--epochs", "1"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "params: 15" in proc.stdout
    assert not (tmp_path / "pwned").exists() and not (ROOT / "pwned").exists()


@pytest.mark.keras
def test_export_refuses_what_check_refuses(tmp_path: Path, capsys) -> None:
    """A Conv2D on flat iris rows: tuidl check reports an error, so export writes nothing."""
    preset = tmp_path / "conv.toml"
    preset.write_text(
        HEAD + '[[model.layers]]\nclass_name = "Conv2D"\nconfig = { filters = 4, kernel_size = 3 }\n' + DENSE_OUT,
        encoding="utf-8",
    )
    out = tmp_path / "conv.py"
    assert main(["export", str(preset), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Export refused" in err and "as tuidl check reports them" in err and "layer 1" in err, err
    assert not out.exists()
