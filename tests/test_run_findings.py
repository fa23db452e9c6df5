"""``tuidl run`` is never quieter than ``tuidl check``: the pre-flight warnings are printed before training
and stored in ``run.json`` (``findings``); a run refused before its folder existed points to no ``engine.log``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuidl.cli import main

ZEROS = 'kernel_initializer = "zeros"'


def _zeros_preset(tmp_path: Path) -> Path:
    from tuidl.core.presets import experiment_presets

    text = experiment_presets()["digits-mlp"].path.read_text(encoding="utf-8")
    text = text.replace(
        'units = 64, activation = "relu", kernel_initializer = "glorot-uniform"',
        f'units = 64, activation = "relu", {ZEROS}',
        1,
    )
    assert ZEROS in text
    path = tmp_path / "zeros.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _warnings(text: str) -> list[str]:
    """The ``warning: ...`` lines with their ``fix:`` lines, in order."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("warning: "):
            fix = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith("  fix: ") else ""
            out.append(line + "\n" + fix)
    return out


@pytest.mark.keras
def test_run_prints_and_stores_the_warnings_check_gives(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    preset = _zeros_preset(tmp_path)
    lr0 = "compile.optimizer.config.learning_rate=0"
    assert main(["check", str(preset), "--set", lr0]) == 0
    checked = _warnings(capfd.readouterr().out)
    assert len(checked) == 2 and any("kernel_initializer = 'zeros'" in w for w in checked)
    assert any("learning_rate = 0" in w for w in checked)

    assert main(["run", str(preset), "--epochs", "1", "--set", lr0, "--runs-dir", "runs"]) == 0
    out = capfd.readouterr().out
    assert _warnings(out) == checked
    assert out.index("warning: ") < out.index("epoch 1/1")  # before training
    (run_dir,) = (tmp_path / "runs").iterdir()
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    stored = info["findings"]
    assert [f"warning: {f['message']}\n  fix: {f['hint']}" for f in stored] == checked
    zeros = next(f for f in stored if "zeros" in f["message"])
    assert zeros == {
        "level": "warning",
        "message": zeros["message"],
        "hint": zeros["hint"],
        "field": "model.layers[1].config.kernel_initializer",
        "layer": 1,
    }


def test_early_failure_hint_names_no_engine_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error before the run folder exists: no hint to an engine.log that was never written."""
    import tuidl.engine.data as data

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(data, "load_data", broken)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "digits-mlp", "--epochs", "1", "--runs-dir", "runs"])
    err = capfd.readouterr().err
    assert code == 1 and "RuntimeError: disk on fire" in err
    assert "engine.log" not in err and "never started" in err
    assert not (tmp_path / "runs").exists()
