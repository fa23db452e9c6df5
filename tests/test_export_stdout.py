"""``tuidl export -o -``: the script on standard output, and nothing else there; an output that
is closed, full or gone is one line on stderr and exit 1, as for the other commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.cli import main
from tuidl.core.presets import load_experiment, resolved
from tuidl.core.script import script_text

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


@pytest.fixture
def no_keras_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tuidl check``'s part of export (data loaded, model built with Keras) finds nothing."""
    monkeypatch.setattr("tuidl.commands.check.blocking_findings", lambda exp: [])


def test_dash_writes_the_script_to_stdout_and_nothing_else(tmp_path, monkeypatch, capsys, no_keras_checks) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "digits-mlp", "-o", "-", "--set", "fit.epochs=2"]) == 0
    out, err = capsys.readouterr()
    exp = resolved(load_experiment("digits-mlp", ["fit.epochs=2"]))
    assert out == script_text(exp, None, "digits-mlp.py") and "EPOCHS = 2" in out
    assert err == ""
    assert list(tmp_path.iterdir()) == []  # no file named "-", no .npz


def test_dash_refuses_data_that_need_a_file_next_to_the_script(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    rc = main(
        ["export", "digits-mlp", "-o", "-", "--set", "data.name=circle", "--set", "model.layers[3].config.units=2"]
    )
    assert rc == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith('tuidl: Export refused: -o -: data.name = "circle": the script reads these data from a .npz')
    assert "give -o FILE" in err and "digits" in err
    assert list(tmp_path.iterdir()) == []


def test_a_closed_pipe_is_one_line_and_exit_1(monkeypatch, capsys, no_keras_checks) -> None:
    r, w = os.pipe()
    os.close(r)  # the reader went away (as `| head -0`)
    out = os.fdopen(w, "w")
    monkeypatch.setattr(sys, "stdout", out)
    try:
        assert main(["export", "digits-mlp", "-o", "-"]) == 1
    finally:
        out.close()  # nothing is left to flush: the descriptor now points at /dev/null
    err = capsys.readouterr().err
    assert err == "tuidl: cannot write the output: Broken pipe\n"


@pytest.mark.skipif(
    not os.path.exists("/dev/full"), reason="/dev/full (a device that is always full) exists on Linux only"
)
def test_a_full_device_is_one_line_and_exit_1(monkeypatch, capsys, no_keras_checks) -> None:
    out = open("/dev/full", "w")
    monkeypatch.setattr(sys, "stdout", out)
    try:
        assert main(["export", "digits-mlp", "-o", "-"]) == 1
    finally:
        out.close()
    assert capsys.readouterr().err == "tuidl: cannot write the output: No space left on device\n"


def test_stdout_closed_at_start_is_said_before_the_slow_checks(tmp_path: Path) -> None:
    """No TensorFlow is imported: the closed output is found before the model is built."""
    p = subprocess.run(
        ["sh", "-c", f"exec {sys.executable} -m tuidl export digits-mlp -o - >&-"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (p.returncode, p.stderr) == (1, "tuidl: cannot write the output: standard output is closed\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("redirect", ["| true", ">/dev/full"])
def test_end_to_end_output_failures_leave_no_traceback(tmp_path: Path, redirect: str) -> None:
    if "full" in redirect and not os.path.exists("/dev/full"):
        pytest.skip("/dev/full (a device that is always full) exists on Linux only")
    cmd = f"{sys.executable} -m tuidl export digits-mlp -o - 2>err {redirect}; echo $? >rc"
    if redirect.startswith("|"):  # the exit code of the first command of the pipe
        cmd = f"( {sys.executable} -m tuidl export digits-mlp -o - 2>err; echo $? >rc ) | true"
    subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=ENV, timeout=300, check=False)
    err = (tmp_path / "err").read_text()
    assert (tmp_path / "rc").read_text().strip() == "1", err
    assert err.count("\n") == 1 and err.startswith("tuidl: cannot write the output: "), err


def test_export_help_is_clean(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(["export", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tuidl export [-h] [-o FILE] [--set KEY=VALUE] PRESET\n"), out
    assert "COMMAND" not in out and "--no-mouse" not in out
    assert "'-' for standard output" in " ".join(out.split())
    assert "Exit codes: 0 written, 1 standard output could not be written, 2" in " ".join(out.split())
