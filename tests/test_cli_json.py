"""``tuidl run --json`` and ``tuidl check --json``: one strict-JSON object per line on stdout."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.cli import main
from tuidl.core.events import EpochEnded, Finding, RunStarted, Summary
from tuidl.core.jsonlines import event_line, json_safe


def _strict(text: str) -> list[dict]:
    """Every line parsed by a parser that refuses NaN/Infinity (as jq and JavaScript do)."""

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no output"
    out = [json.loads(line, parse_constant=refuse) for line in lines]
    assert all(isinstance(o, dict) and next(iter(o)) == "event" for o in out), out
    assert all(line.isascii() for line in lines)
    return out


def test_non_finite_numbers_are_strings_and_text_is_escaped():
    line = event_line("epoch", epoch=0, loss=math.nan, up=math.inf, down=-math.inf, note="\x1b[31mred")
    (o,) = _strict(line)
    assert o == {"event": "epoch", "epoch": 0, "loss": "nan", "up": "inf", "down": "-inf", "note": "\x1b[31mred"}
    assert "\x1b" not in line and "\\u001b" in line
    assert json_safe({"a": (1, 2.5), 3: None}) == {"a": [1, 2.5], "3": None}


def test_run_progress_as_event_lines():
    from tuidl.commands.run import Progress

    out = io.StringIO()
    p = Progress(out, tty=True, json_lines=True)
    finding = Finding("warning", "a warning", "a hint", 0, "model.layers[0]")
    summary = Summary(0, (8, 8, 1), (), 10, 10, 0, {}, (finding,))
    p(RunStarted("r1", "runs/r1", 2, 45, summary))
    p(EpochEnded("r1", 0, {"loss": 0.5, "val_loss": math.nan, "epoch": 9.0}, 1.25, 45))
    p.say("completed 1 epoch in 1.2s")  # the outcome text is not on the JSON output
    events = _strict(out.getvalue())
    assert [e["event"] for e in events] == ["finding", "start", "epoch"]
    assert events[0] == {
        "event": "finding",
        "level": "warning",
        "message": "a warning",
        "hint": "a hint",
        "field": "model.layers[0]",
        "layer": 0,
    }
    assert events[1]["run_id"] == "r1" and events[1]["epochs"] == 2 and events[1]["params"] == 10
    assert events[2] == {"event": "epoch", "epoch": 0, "step": 45, "time": 1.25, "loss": 0.5, "val_loss": "nan"}


def test_run_refused_before_training_ends_with_an_end_line(capsys):
    assert main(["run", "digits-mlp", "--epochs", "0", "--json"]) == 2
    captured = capsys.readouterr()
    (end,) = _strict(captured.out)
    assert end["event"] == "end" and end["status"] == "failed" and end["exit_code"] == 2
    assert end["run_id"] is None and "fit.epochs = 0" in end["error"]["message"]
    assert "fit.epochs = 0" in captured.err  # people still read the message on stderr


def test_check_json_of_an_unknown_preset(capsys):
    assert main(["check", "no-such-preset", "--json"]) == 2
    events = _strict(capsys.readouterr().out)
    assert [e["event"] for e in events] == ["error", "result", "end"]
    assert events[0]["target"] == "no-such-preset" and events[0]["kind"] == "preset"
    assert events[1] == {"event": "result", "target": "no-such-preset", "ok": False, "errors": 1, "warnings": 0}
    assert events[2] == {"event": "end", "status": "failed", "exit_code": 2, "checked": 1, "failed": 1}


@pytest.mark.keras
def test_check_json_lists_layers_and_findings(capsys):
    code = main(["check", "digits-mlp", "--json", "--set", "model.layers[3].config.units=5"])
    events = _strict(capsys.readouterr().out)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "check" and kinds[-2:] == ["result", "end"] and "finding" in kinds
    assert events[0]["name"] == "digits-mlp" and events[0]["input_shape"] == [8, 8, 1]
    assert code == 2 and events[-2]["ok"] is False and events[-1]["exit_code"] == 2
    assert any(e["event"] == "finding" and e["level"] == "error" and e["layer"] == 3 for e in events)


@pytest.mark.keras
@pytest.mark.slow
def test_a_real_run_json_and_one_duration_everywhere(tmp_path: Path):
    """`tuidl run --json`'s end line, run.json, `tuidl runs --json` and the text run's last line
    give the same duration."""
    env_py = [sys.executable, "-m", "tuidl"]
    runs = tmp_path / "runs"
    p = subprocess.run(
        [*env_py, "run", "digits-mlp", "--epochs", "2", "--json", "--runs-dir", str(runs)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    events = _strict(p.stdout)
    assert [e["event"] for e in events] == ["start", "epoch", "epoch", "end"]
    assert [e["epoch"] for e in events[1:3]] == [0, 1]
    end = events[-1]
    assert end["status"] == "completed" and end["exit_code"] == 0 and end["epochs_done"] == 2
    info = json.loads((Path(end["run_dir"]) / "run.json").read_text())
    assert end["duration"] == info["duration"]
    listed = subprocess.run(
        [*env_py, "runs", "--json", "--runs-dir", str(runs)], capture_output=True, text=True, timeout=120
    )
    assert json.loads(listed.stdout)[0]["duration"] == info["duration"]
    from tuidl.core.text import format_duration

    text = subprocess.run(
        [*env_py, "runs", "--runs-dir", str(runs)], capture_output=True, text=True, timeout=120
    ).stdout
    assert f" {format_duration(info['duration'])} " in text
