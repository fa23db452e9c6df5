"""``tuidl --help`` and ``tuidl COMMAND --help``: a short usage line that starts with the command."""

from __future__ import annotations

import pytest

from tuidl.cli import main


def _help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


def _usage(out: str) -> list[str]:
    """The usage block: the lines up to the first blank line."""
    return out.split("\n\n", 1)[0].splitlines()


@pytest.mark.parametrize("command", ["run", "check", "runs", "export"])
def test_a_command_help_starts_with_its_own_usage(capsys, command):
    out = _help(capsys, [command, "--help"])
    usage = _usage(out)
    assert usage[0].startswith(f"usage: tuidl {command} [-h]"), usage
    assert len(usage) <= 4, usage  # short: not the dashboard's three-line usage in front of it
    assert "[PRESET]" not in "\n".join(usage) and "COMMAND" not in "\n".join(usage)
    assert all(len(line) <= 80 for line in usage), usage  # wrapped for an 80-column terminal
    assert all(len(line) <= 80 for line in out.splitlines()), out


def test_the_top_help_keeps_the_dashboard_usage_first(capsys):
    usage = _usage(_help(capsys, ["--help"]))
    assert usage[0].startswith("usage: tuidl [PRESET]") and len(usage) == 3


def test_run_usage_names_its_arguments_as_the_help_does(capsys):
    usage = " ".join(_usage(_help(capsys, ["run", "--help"])))
    assert "--epochs N" in usage and "PRESET" in usage and "--runs-dir DIR" in usage


def test_epochs_that_is_not_a_number_is_said_in_tuidls_words(capsys):
    with pytest.raises(SystemExit) as done:
        main(["run", "digits-mlp", "--epochs", "x"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("usage: tuidl run [-h]")
    assert "'x' is not a whole number" in err and "1 to 100,000" in err and "invalid int value" not in err
