"""Hostile numbers from outside (experiment files, ``--set``, run folders, metrics): a clear
message or a plain fallback, never a traceback."""

from __future__ import annotations

import json
import math

import pytest

from runfolders import write_finished_run
from tuidl.cli import main
from tuidl.core.errors import SpecError
from tuidl.core.runs import UnreadableFile, read_run_json, read_spec_dict, spec_facts
from tuidl.core.spec import loads, parse_override
from tuidl.core.text import format_duration
from tuidl.core.ticks import EPOCH_AXIS_MAX, epoch_ticks, fmt_number, nice_ticks, nonfinite_note

# more digits than int() reads from text (Python's limit is 4300): tomllib and json let its ValueError through
HUGE_INT = "9" * 5000
SPEC = '[data]\nname = "digits"\n'


def test_a_set_value_of_thousands_of_digits_is_refused_with_a_message(capsys):
    assert parse_override(f"fit.epochs={HUGE_INT}") == ("fit.epochs", HUGE_INT)  # not TOML: the text as it is
    assert main(["run", "digits-mlp", "--json", "--set", f"fit.epochs={HUGE_INT}"]) == 2
    captured = capsys.readouterr()
    (end,) = [json.loads(line) for line in captured.out.splitlines()]
    assert end["event"] == "end" and end["exit_code"] == 2 and "fit.epochs" in end["error"]["message"]
    assert "Traceback" not in captured.err


def test_an_experiment_file_with_thousands_of_digits_is_a_spec_error():
    with pytest.raises(SpecError, match="more than .* digits"):
        loads(f'name = "big"\n[fit]\nepochs = {HUGE_INT}\n', origin="big.toml")


def test_a_run_folder_with_thousands_of_digits_is_read_without_a_traceback(tmp_path):
    d = write_finished_run(tmp_path, SPEC, [{"epoch": 0, "loss": 1.0}], name="big")
    (d / "spec.toml").write_text(f"[fit]\nepochs = {HUGE_INT}\n")
    assert spec_facts((d / "spec.toml").read_text()) == {}
    assert read_spec_dict(d) == {}
    assert spec_facts("a = " + "[" * 5000 + "]" * 5000) == {}  # nested thousands deep
    (d / "run.json").write_text('{"params": ' + HUGE_INT + "}")
    with pytest.raises(UnreadableFile, match="digits"):
        read_run_json(d, "run.json")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (math.nan, "-"),
        (math.inf, "-"),
        (-math.inf, "-"),
        (-5.0, "-"),
        (1e308, ">99999h"),
        (10**400, "-"),
        (59.94, "59.9s"),
    ],
    ids=["nan", "inf", "-inf", "negative", "1e308", "int-10**400", "plain"],
)
def test_format_duration_of_what_is_no_duration(seconds, text):
    assert format_duration(seconds) == text


def test_runs_table_of_a_run_json_with_a_huge_duration(tmp_path, capsys):
    d = write_finished_run(tmp_path, SPEC, [{"epoch": 0, "loss": 1.0}], name="long")
    info = json.loads((d / "run.json").read_text())
    (d / "run.json").write_text(json.dumps({**info, "duration": 1e308}))
    assert main(["runs", "--runs-dir", str(tmp_path), "--wide"]) == 0
    out = capsys.readouterr().out
    assert ">99999h" in out and "2777777" not in out


# -- chart ticks of what a hostile metrics.jsonl can hold ----------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(-1e308, 1e308), (5e-324, 1e-323), (-1.7e308, 1.7e308), (1e-300, 2e-300)],
    ids=["-1e308..1e308", "subnormal", "near-max", "tiny"],
)
def test_nice_ticks_at_the_ends_of_float(lo, hi):
    for count in (1, 2, 5, 40):
        ticks, labels = nice_ticks(lo, hi, count)
        assert 2 <= len(ticks) <= max(2, count) and len(labels) == len(ticks)
        assert all(math.isfinite(t) and lo <= t <= hi for t in ticks)


def test_epoch_ticks_and_notes_of_absurd_epochs():
    lo, hi, ticks = epoch_ticks(0, 1e308, 40)
    assert lo == 0 and hi == EPOCH_AXIS_MAX and 1 <= len(ticks) <= 40
    assert nonfinite_note([(math.nan, math.inf)]) == "✕ inf at epoch nan"
    assert nonfinite_note([(1e308, math.nan)]) == "✕ nan at epoch 1e+308"
    assert fmt_number(10**400) == "1.000e+400"
