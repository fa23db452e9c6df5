"""Holes a hostile try found after issue 8's first pass: a preset file name with escape codes in the Open
dialog, commands with a closed or full stdout/stderr, an empty preset argument to check, and a symlinked run
folder in a CSV export."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import OptionList

from runfolders import write_finished_run
from tuidl.core.runs import export_csv
from tuidl.ui.modals import PresetPicker

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
HOSTILE = "esc\x1b]0;PWN\x07\x1b[2Jx"


async def test_preset_picker_shows_a_hostile_file_name_as_text() -> None:
    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(PresetPicker([(HOSTILE, f"/tmp/{HOSTILE}.toml")]))

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        prompt = options.get_option_at_index(0).prompt
        text = prompt.plain if hasattr(prompt, "plain") else str(prompt)
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b]0;PWN\\x07" in text


def _runs(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    write_finished_run(root, 'name = "a"\n', [{"epoch": 0, "loss": 1.0}], run_id="20240101-000000-a-0001")
    return root


@pytest.mark.parametrize(
    "redirect",
    ["stdout closed", "stdout full", "stderr closed", "both closed"],
)
def test_runs_command_with_a_closed_or_full_output_never_shows_a_traceback(tmp_path: Path, redirect: str) -> None:
    root = _runs(tmp_path)
    code = "import sys; from tuidl.cli import main; sys.exit(main(['runs', '--runs-dir', sys.argv[1]]))"
    shell = {
        "stdout closed": '"$0" -c "$1" "$2" >&-',
        "stdout full": '"$0" -c "$1" "$2" >/dev/full',
        "stderr closed": '"$0" -c "$1" "$2" 2>&-',
        "both closed": '"$0" -c "$1" "$2" >&- 2>&-',
    }[redirect]
    err_file = tmp_path / "err.txt"
    with open(err_file, "w") as err:
        p = subprocess.run(
            ["bash", "-c", shell, sys.executable, code, str(root)],
            env=ENV,
            stdout=subprocess.DEVNULL if "stdout" not in redirect else None,
            stderr=err if "stderr" not in redirect and redirect != "both closed" else None,
            timeout=120,
        )
    err_text = err_file.read_text()
    assert "Traceback" not in err_text
    if redirect == "stdout full":
        assert p.returncode == 1 and "No space left on device" in err_text
    else:
        assert p.returncode == 0, err_text


def test_check_with_an_empty_preset_argument_checks_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text('name = "other"\n', encoding="utf-8")  # would be checked as "."
    code = "import sys; from tuidl.cli import main; sys.exit(main(['check', '']))"
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "No experiment given" in p.stdout + p.stderr, p.stdout + p.stderr
    assert "other.toml" not in p.stdout + p.stderr


def test_a_symlinked_run_folder_does_not_stop_a_csv_export_of_the_others(tmp_path: Path) -> None:
    root = _runs(tmp_path)
    elsewhere = write_finished_run(tmp_path / "elsewhere", 'name = "b"\n', [{"epoch": 0, "loss": 2.0}])
    link = root / "zz-link"
    link.symlink_to(elsewhere)
    out = tmp_path / "out.csv"
    skipped: list[str] = []
    n = export_csv([root / "20240101-000000-a-0001", link], out, skipped)
    assert n == 1 and len(skipped) == 1 and "symbolic link" in skipped[0]
    assert "20240101-000000-a-0001" in out.read_text() and "zz-link" not in out.read_text()


@pytest.mark.keras
@pytest.mark.slow
def test_check_and_run_with_stderr_closed_do_their_work(tmp_path: Path) -> None:
    """TensorFlow's native log capture used to fail on a closed stderr: nothing was checked or trained (exit 1)."""
    runs = tmp_path / "runs"
    for args in (["check", "iris-mlp"], ["run", "iris-mlp", "--epochs", "1", "--runs-dir", str(runs)]):
        code = f"import sys; from tuidl.cli import main; sys.exit(main({args!r}))"
        p = subprocess.run(
            ["bash", "-c", '"$0" -c "$1" >/dev/null 2>&-', sys.executable, code], env=ENV, cwd=tmp_path, timeout=300
        )
        assert p.returncode == 0, args
    assert len(list(runs.iterdir())) == 1
