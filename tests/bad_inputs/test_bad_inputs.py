"""The bad-input corpus (``bad_input_cases.py``): every case exits 2 with tuidl's own message, and writes nothing.

Most cases run in-process through ``tuidl.cli.main`` (one TensorFlow import for
the few ``keras`` cases instead of one per subprocess); a handful run through
a real ``python -m tuidl`` process, and one fresh process runs every case that
is refused before training to prove none of them loads TensorFlow.
"""

from __future__ import annotations

import faulthandler
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bad_input_cases import CASES, Case, make_files, run_in_process, snapshot

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

TRACEBACK_MARKERS = (
    "Traceback (most recent call last)",
    "RecursionError",
    "MemoryError",
    "ValidationError",
    "Input should be",
    "pydantic",
    "[type=",
    "input_value=",
    "For further information visit",
)
"""Never in a message: a traceback, a raw Python error, or pydantic's own text."""


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.keras] if c.keras else []) for c in cases]


def _check_output(case: Case, code: int, out: str) -> None:
    assert code == 2, f"exit {code}, expected 2 (bad input):\n{out}"
    for marker in TRACEBACK_MARKERS:
        assert marker not in out, f"{marker!r} in the output:\n{out}"
    for text in case.expect:
        assert text in out, f"{text!r} missing from the output:\n{out}"
    for text in case.reject:
        assert text not in out, f"misleading {text!r} in the output:\n{out}"
    assert "engine.log" not in out, f"a hint points to an engine.log that was never written:\n{out}"


KERAS_CONFIG = ("home", "home/.keras", "home/.keras/keras.json")
"""Keras itself writes ``~/.keras/keras.json`` when it is first imported (the ``keras`` cases); not tuidl."""


def _written(before: dict, after: dict) -> dict:
    """Entries added or changed between two snapshots, Keras's own config file aside."""
    return {k: v for k, v in after.items() if before.get(k) != v and k not in KERAS_CONFIG}


@pytest.fixture
def case_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "case"
    d.mkdir()
    monkeypatch.chdir(d)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # nothing may land in the home folder either
    faulthandler.dump_traceback_later(60, exit=True)  # a hang (a FIFO read, /dev/zero) fails the run
    yield d
    faulthandler.cancel_dump_traceback_later()


def test_corpus_size() -> None:
    assert len(CASES) >= 150
    commands = {c.argv[0] for c in CASES}
    assert {"check", "run"} <= commands and any("--set" in c.argv for c in CASES)


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_input(case: Case, case_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    make_files(case, case_dir)
    before = snapshot(case_dir.parent)
    code, _ = run_in_process(case.argv)
    captured = capfd.readouterr()
    _check_output(case, code, captured.out + captured.err)
    assert _written(before, snapshot(case_dir.parent)) == {}, "a refused input wrote files"


SUBPROCESS = [
    "args-run-dev-null",
    "args-run-fifo",
    "data-run-npz-huge-header",
    "spec-run-toml-deep-arrays",
    "set-run-seed-2-32",
    "data-check-csv-dev-zero",
    "spec-check-epochs-float",
]
"""Cases also run as a person would, through ``python -m tuidl`` in a fresh process."""


@pytest.mark.parametrize("case", _params([c for c in CASES if c.id in SUBPROCESS]))
def test_bad_input_real_process(case: Case, case_dir: Path) -> None:
    make_files(case, case_dir)
    before = snapshot(case_dir.parent)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.run(
        [sys.executable, "-m", "tuidl", *case.argv],
        cwd=case_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    _check_output(case, p.returncode, p.stdout + p.stderr)
    assert _written(before, snapshot(case_dir.parent)) == {}


def test_refusals_before_training_never_load_tensorflow(tmp_path: Path) -> None:
    """Every case but the ``keras`` ones, in one fresh process: all exit 2 and TensorFlow is never imported."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r})\n"
        "from pathlib import Path\n"
        "from bad_input_cases import CASES, run_all_quietly\n"
        f"res = run_all_quietly([c for c in CASES if not c.keras], Path({str(tmp_path)!r}))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(json.dumps({'results': res, 'heavy': heavy}))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "HOME": str(tmp_path / "home"),
    }
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL
    )
    assert p.returncode == 0, p.stderr[-3000:]
    report = json.loads(p.stdout.strip().splitlines()[-1])
    assert [r for r in report["results"] if r[1] != 2] == []
    assert report["heavy"] == []
