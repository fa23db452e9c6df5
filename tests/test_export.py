"""Export: the script runs with plain Keras for one tiny epoch and has the engine's parameter count."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.core.presets import load_experiment
from tuidl.export import script_text, write_script

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def run_script(path: Path) -> str:
    proc = subprocess.run(
        [sys.executable, str(path), "--epochs", "1"],
        cwd=path.parent,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout


def params_of(stdout: str) -> int:
    m = re.search(r"^params: (\d+)$", stdout, re.M)
    assert m, stdout[-2000:]
    return int(m.group(1))


def test_script_is_plain_keras() -> None:
    text = script_text(load_experiment("digits-mlp"))
    assert "tuidl" not in text.split('"""', 2)[2]  # no tuidl import after the docstring
    compile(text, "digits-mlp.py", "exec")
    assert "keras.layers.Dense(units=64" in text and "keras.initializers.GlorotUniform()" in text
    assert "keras.callbacks.TerminateOnNaN()" in text


@pytest.mark.keras
def test_exported_digits_cnn_runs_with_same_params(tmp_path: Path) -> None:
    sched = (
        'compile.optimizer={class_name="Adam", config={learning_rate={class_name="ExponentialDecay", '
        "config={initial_learning_rate=0.002, decay_steps=50, decay_rate=0.9}}}}"
    )
    exp = load_experiment(
        "digits-cnn",
        [
            sched,
            "model.layers[5].config.kernel_regularizer=l2",
            'fit.callbacks=[{class_name="EarlyStopping", config={patience=1, restore_best_weights=true}}]',
        ],
    )
    out = run_script(write_script(exp, tmp_path / "cnn.py"))
    assert params_of(out) == 13706
    assert "val_loss" in out


@pytest.mark.keras
def test_exported_npz_source_runs(tmp_path: Path) -> None:
    """A source the script cannot load by itself is shipped as <script>.npz."""
    exp = load_experiment(
        "digits-mlp",
        ["data.name=circle", "data.options={n_samples=100}", "model.layers[3].config.units=2", "fit.batch_size=16"],
    )
    path = write_script(exp, tmp_path / "circle.py")
    assert path.with_suffix(".npz").is_file()
    from tuidl.engine.build import summarize
    from tuidl.engine.data import load_data

    expected = summarize(exp, load_data(exp.data, exp.fit.seed)).total_params
    assert params_of(run_script(path)) == expected


@pytest.mark.keras  # export builds the model first, as tuidl check does
def test_cli_export(tmp_path: Path) -> None:
    from tuidl.cli import main

    out = tmp_path / "mlp.py"
    assert main(["export", "digits-mlp", "-o", str(out), "--set", "fit.epochs=2"]) == 0
    assert "EPOCHS = 2" in out.read_text()
    assert main(["export", "no-such-preset", "-o", str(out)]) == 2


def test_cli_export_under_a_file_names_the_real_reason(tmp_path: Path, monkeypatch, capsys) -> None:
    """`-o afile/x.py` with afile a file: the OS's reason is "Not a directory", not "File exists"."""
    from tuidl.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("a file")
    assert main(["export", "digits-mlp", "-o", "afile/x.py"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "tuidl: Export failed: afile/x.py: cannot write the script: Not a directory (afile is a file)"
    )
    assert "File exists" not in err
    assert main(["export", "digits-mlp", "-o", "afile/sub/x.py"]) == 2
    assert "afile/sub/x.py: cannot write the script: Not a directory (afile is a file)" in capsys.readouterr().err


def test_integer_learning_rate_is_written_as_float() -> None:
    exp = load_experiment("digits-mlp", ['compile.optimizer={class_name="SGD", config={learning_rate=1, momentum=0}}'])
    text = script_text(exp)
    assert "keras.optimizers.SGD(learning_rate=1.0, momentum=0.0)" in text


def test_docstring_names_the_output_file(tmp_path: Path) -> None:
    path = write_script(load_experiment("digits-cnn"), tmp_path / "cnn.py")
    doc = path.read_text().split('"""', 2)[1]
    assert "python cnn.py [--epochs N]" in doc and "EPOCHS=N python cnn.py" in doc
    assert "digits-cnn.py" not in doc
