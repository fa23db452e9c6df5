"""`tuidl check`: summary table and findings; exit 0 without errors, 2 with; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.core.presets import builtin_dir

pytestmark = pytest.mark.keras

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def tuidl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuidl", *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=240
    )


BROKEN = {
    "syntax": ("[fit\nepochs = 3\n", "not valid TOML"),
    "unknown-field": ("[fit]\nepoch = 3\n", "fit.epoch"),
    "zero-units": (
        '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 0 }\n',
        "model.layers[0].config.units = 0",
    ),
    "unknown-initializer": (
        '[[model.layers]]\nclass_name = "Flatten"\n\n[[model.layers]]\nclass_name = "Dense"\n'
        'config = { units = 10, activation = "softmax", kernel_initializer = "nope" }\n',
        "unknown initializer preset",
    ),
    "dense-on-4d": (
        '[[model.layers]]\nclass_name = "Conv2D"\nconfig = { filters = 4, kernel_size = 3 }\n\n'
        '[[model.layers]]\nclass_name = "Dense"\nconfig = { units = 10, activation = "softmax" }\n',
        "gets a 4-D tensor",
    ),
    "logits": (
        '[[model.layers]]\nclass_name = "Flatten"\n\n[[model.layers]]\nclass_name = "Dense"\n'
        'config = { units = 10, activation = "softmax" }\n\n[compile]\n'
        'loss = { class_name = "SparseCategoricalCrossentropy", config = { from_logits = true } }\n',
        "applied twice",
    ),
    "no-layers": ("[fit]\nepochs = 1\n", "no layers"),
    "bad-data": ('[data]\nname = "nope"\n', "nope"),
}


def test_broken_presets_print_messages_without_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name, (text, _) in BROKEN.items():
        (folder / f"{name}.toml").write_text(text)
    proc = tuidl("check", str(folder), cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out
    for name, (_, expected) in BROKEN.items():
        assert expected in out, (name, out)


def test_good_preset_prints_table_and_exits_0(tmp_path: Path) -> None:
    proc = tuidl("check", "digits-cnn", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conv2d (Conv2D)" in proc.stdout and "(None, 8, 8, 16)" in proc.stdout
    assert "Total params: 13,706" in proc.stdout and "no problems found" in proc.stdout
    assert proc.stderr.strip() == ""  # TensorFlow's logs stay off the terminal


def test_set_override_and_warning_only(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    proc = tuidl(
        "check",
        str(builtin_dir() / "digits-cnn.toml"),
        "--set",
        "model.layers[5].config.kernel_initializer=zeros",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout
    assert "warning: layer 6 dense (Dense): kernel_initializer = 'zeros'" in proc.stdout
    # the error case in this process (TensorFlow is loaded already; `python -m tuidl` exiting 2 is
    # test_broken_presets_print_messages_without_traceback's): the same command line, through cli.main
    from tuidl.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(["check", "digits-cnn", "--set", "model.layers[6].config.units=3"])
    out = capsys.readouterr().out
    assert code == 2 and "set units = 10" in out


def test_tuidl_findings_print_before_keras_text_and_int_learning_rate_only_warns() -> None:
    import io

    from tuidl.commands.check import check_one

    out = io.StringIO()
    ok = check_one(
        "digits-cnn", ["model.layers[6].config.groups=2", "model.layers[0].config.kernel_initializer=zeros"], out
    )
    text = out.getvalue()
    assert not ok and "Traceback" not in text
    warn = text.index("warning: layer 1 conv2d (Conv2D): kernel_initializer = 'zeros'")
    keras = text.index("error: layer 7 dense_1 (Dense): Keras says: Unrecognized keyword arguments")
    assert warn < keras and "model.layers[" not in text
    # a tuidl rule explains the layer: no Keras text for it at all
    out = io.StringIO()
    assert not check_one(
        "digits-cnn", ["model.layers[0].config.kernel_size=9", 'model.layers[0].config.padding="valid"'], out
    )
    assert "kernel_size 9x9 is larger than its input 8x8" in out.getvalue()
    assert "Keras says" not in out.getvalue() and "Computed output size" not in out.getvalue()
    # learning_rate = 0 written as a TOML integer: a warning, not Keras's "should be float"
    out = io.StringIO()
    assert check_one("digits-mlp", ['compile.optimizer={class_name="Adam", config={learning_rate=0}}'], out)
    assert "warning: optimizer Adam: learning_rate = 0" in out.getvalue()
    assert "should be float" not in out.getvalue()


def test_invalid_file_is_named_once(tmp_path: Path) -> None:
    import io

    from tuidl.commands.check import check_one

    d = tmp_path / "broken"
    d.mkdir()
    (d / "units0.toml").write_text(BROKEN["zero-units"][0])
    out = io.StringIO()
    assert check_one(str(d / "units0.toml"), [], out) is False
    first = out.getvalue().splitlines()[0]
    assert first == f"{d / 'units0.toml'}: error: model.layers[0].config.units = 0: Dense.units must be an integer >= 1"
