"""The UI process and the command line never import TensorFlow or Keras (checked in fresh processes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras")


def _loaded_after(code: str) -> list[str]:
    probe = code + "\nimport sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (HEAVY,)
    p = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert p.returncode == 0, p.stderr
    return eval(p.stdout.strip().splitlines()[-1])


MODULES = [
    "tuidl",
    "tuidl.cli",
    "tuidl.core.spec",
    "tuidl.core.presets",
    "tuidl.engine.client",
    "tuidl.engine.host",
    "tuidl.engine.build",
    "tuidl.engine.train",
    "tuidl.api",
    "tuidl.commands.run",
    "tuidl.ui.app",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_leaves_tensorflow_out(module: str):
    assert _loaded_after(f"import {module}") == []


def test_core_loads_no_textual():
    """tuidl.core is plain Python + pydantic: importing every core module leaves Textual (and TF) out."""
    from pathlib import Path

    import tuidl.core

    names = sorted(
        f"tuidl.core.{p.stem}" for p in Path(tuidl.core.__file__).parent.glob("*.py") if p.stem != "__init__"
    )
    code = "\n".join(f"import {n}" for n in names)
    probe = (
        code
        + "\nimport sys\nprint(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'tensorflow', 'keras'}))"
    )
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]", (names, p.stdout)


def test_help_leaves_tensorflow_out():
    code = (
        "import contextlib, io\nfrom tuidl.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "for cmd in ('run', 'check', 'runs', 'export'):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n            main([cmd, '--help'])\n        except SystemExit:\n            pass\n"
    )
    assert _loaded_after(code) == []


def test_help_runs():
    p = subprocess.run([sys.executable, "-m", "tuidl", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "run" in p.stdout


@pytest.mark.keras
@pytest.mark.slow
def test_engine_client_start_does_not_import_tensorflow_in_the_ui_process():
    code = (
        "from tuidl.engine.client import EngineClient\n"
        "if __name__ == '__main__':\n"
        "    c = EngineClient(); c.start(); c.close(timeout=3.0)\n"
    )
    assert _loaded_after(code) == []
