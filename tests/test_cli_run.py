"""``tuidl run`` end to end, in a fresh process as a person would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tuidl(*args: str, cwd: Path, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {})}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # tuidl run must keep the terminal clean by itself
    return subprocess.run(
        [sys.executable, "-m", "tuidl", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.keras
@pytest.mark.slow
def test_run_with_set_writes_run_folder(tmp_path: Path):
    runs = tmp_path / "out"
    p = _tuidl(
        "run",
        "digits-mlp",
        "--epochs",
        "2",
        "--set",
        "fit.batch_size=64",
        "--set",
        "compile.optimizer=sgd",
        "--runs-dir",
        str(runs),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "epoch 1/2" in out and "epoch 2/2" in out and "val_loss" in out and "loss" in out
    assert "2 epochs x 23 batches" in out  # ceil(1438 / 64)
    assert "Traceback" not in p.stdout + p.stderr
    # TensorFlow's C++/absl logs do not reach the terminal
    assert "I0000" not in p.stderr and "absl" not in p.stderr and p.stderr.strip() == ""
    (run_dir,) = list(runs.iterdir())
    assert str(run_dir) in out
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and info["epochs_done"] == 2
    spec = (run_dir / "spec.toml").read_text()
    assert "batch_size = 64" in spec and 'class_name = "SGD"' in spec and "epochs = 2" in spec
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 2
    assert (run_dir / "model.keras").is_file()
    assert "completed after 2 epochs" in (run_dir / "engine.log").read_text()
    # named by how it differs from the preset; the folder name is that, folder-safe
    assert info["name"] == "digits-mlp sgd epochs=2 batch_size=64"
    assert "-digits-mlp-sgd-epochs-2-batch_size-64-" in run_dir.name


@pytest.mark.keras
@pytest.mark.slow
def test_runs_dir_from_environment_and_tensorboard(tmp_path: Path):
    runs = tmp_path / "env-runs"
    p = _tuidl("run", "digits-mlp", "--epochs", "1", "--tensorboard", cwd=tmp_path, env={"TUIDL_RUNS_DIR": str(runs)})
    assert p.returncode == 0, p.stderr
    (run_dir,) = list(runs.iterdir())
    assert not (tmp_path / "runs").exists()
    assert "run " in p.stdout and ": 1 epoch x 45 batches" in p.stdout and "completed 1 epoch in" in p.stdout
    pytest.importorskip("tensorboard", reason="the optional extra: pip install -e '.[tensorboard]'")
    assert list((run_dir / "tensorboard").rglob("events.out.tfevents.*"))


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--set", "fit.batch_size=zero"], 'fit.batch_size = "zero"'),  # TOML-style, as in the file
        (["--set", "fit.nope=1"], "fit.nope = 1: unknown field"),
        (["--set", "nonsense"], "expected KEY=VALUE"),
        (["--epochs", "0"], "--epochs: fit.epochs = 0"),  # the flag typed, not --set
        (["--set", "compile.optimizer=adamx"], '--set: compile.optimizer = "adamx"'),
        (["--set", "fit.train_eval=yes"], '--set: fit.train_eval = "yes": must be one of "auto", "on" or "off"'),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, args: list[str], expected: str):
    p = _tuidl("run", "digits-mlp", *args, "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert expected in p.stderr and "Traceback" not in p.stdout + p.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["--set", "compile.optimizer=sgd", "--set", "model.layers[1].config.kernel_regularizer=l2"],
            "digits-mlp sgd l2",
        ),
        (["--epochs", "5"], "digits-mlp epochs=5"),
        ([], "digits-mlp"),
        (["--set", "name=mine", "--set", "compile.optimizer=sgd"], "mine"),  # a name given wins
    ],
)
def test_run_is_named_by_how_it_differs_from_its_preset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
):
    from tuidl import cli
    from tuidl.commands import run as run_cmd

    got = {}

    def fake_run(exp, root, tensorboard=False, target="", run_name=None, json_lines=False):  # noqa: ANN001, ANN202
        got["name"] = run_name
        return 0, None

    monkeypatch.setattr(run_cmd, "_run", fake_run)
    assert cli.main(["run", "digits-mlp", *args, "--runs-dir", str(tmp_path / "runs")]) == 0
    assert got["name"] == expected


def test_unknown_preset_exits_2(tmp_path: Path):
    p = _tuidl("run", "no-such-preset", cwd=tmp_path, timeout=60)
    assert p.returncode == 2 and "no-such-preset" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.keras
@pytest.mark.slow
def test_diverged_run_exits_1(tmp_path: Path):
    p = _tuidl(
        "run",
        "digits-mlp",
        "--epochs",
        "2",
        "--set",
        'compile.optimizer={class_name="SGD",config={learning_rate=1e6}}',
        "--runs-dir",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert p.returncode == 1, p.stdout + p.stderr
    assert "diverged" in p.stderr and "Traceback" not in p.stdout + p.stderr
    assert "Invalid loss" not in p.stdout  # Keras's TerminateOnNaN print stays out of stdout


@pytest.mark.keras
@pytest.mark.slow
def test_ctrl_c_stops_and_keeps_finished_epochs(tmp_path: Path):
    import signal
    import threading

    runs = tmp_path / "runs"
    env = {**os.environ}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuidl", "run", "digits-mlp", "--epochs", "500", "--runs-dir", str(runs)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(180, proc.kill)  # a hang fails the test instead of blocking the suite
    guard.start()
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("epoch 2/500"):
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=60)
    finally:
        guard.cancel()
    out = "".join(lines) + out
    assert proc.returncode == 130, out + err
    assert "stopped after" in out and "Traceback" not in out + err
    (run_dir,) = list(runs.iterdir())
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "stopped" and info["epochs_done"] >= 2
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == info["epochs_done"]
    assert (run_dir / "model.keras").is_file()


def test_runs_dir_under_a_file_exits_2_before_tensorflow(tmp_path: Path):
    """A --runs-dir that cannot be created is bad input, said in one line before TensorFlow loads."""
    (tmp_path / "afile").write_text("not a folder")
    code = (
        "import sys\n"
        "from tuidl.cli import main\n"
        "rc = main(['run', 'digits-mlp', '--runs-dir', 'afile/runs'])\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
        "sys.exit(rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    first = p.stderr.splitlines()[0]
    assert first == "tuidl: Cannot use the runs folder: afile/runs: Not a directory (afile is a file)"
    assert p.stderr.count("Not a directory") == 1 and "Traceback" not in p.stderr
    # the dashboard says so too, before opening
    p = _tuidl("--runs-dir", "afile/runs", cwd=tmp_path, timeout=60)
    assert p.returncode == 2 and "afile/runs: Not a directory (afile is a file)" in p.stderr


@pytest.mark.keras
@pytest.mark.slow
def test_run_that_cannot_start_writes_no_folder(tmp_path: Path):
    runs = tmp_path / "runs"
    p = _tuidl("run", "csv-example", "--set", "data.path=nope.csv", "--runs-dir", str(runs), cwd=tmp_path, timeout=120)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "nope.csv" in p.stderr and "Traceback" not in p.stderr
    assert "run folder:" not in p.stderr and "(no run folder)" not in p.stdout + p.stderr
    assert not runs.exists()  # nothing for `tuidl runs` to list as failed


def test_help_shows_the_dashboard_usage_and_set_inside_presets(capsys):
    from tuidl.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tuidl [PRESET] [--runs-dir DIR] [--set KEY=VALUE ...]")
    assert "tuidl COMMAND" in out and "compile.optimizer.config.learning_rate=0.01" in out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--set compile.optimizer.config.learning_rate=0.01" in out and "expands" in out
