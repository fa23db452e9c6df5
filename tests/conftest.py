"""Shared test setup.

* ``TF_CPP_MIN_LOG_LEVEL=2`` before anything imports TensorFlow.
* Every test sees an empty user preset folder (``TUIDL_PRESETS_DIR``), an
  unset ``TUIDL_RUNS_DIR`` and its own engine log file (``TUIDL_ENGINE_LOG``), so
  the person's own config never leaks in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# pytest-xdist's workers get COLUMNS=80, and `tuidl runs` fits its table to COLUMNS: removed here, before the
# test modules copy os.environ into the environments of their subprocesses; a test that wants a width sets it.
# `import readline` (loaded during a pytest run) writes COLUMNS (80 without a terminal) into the process's own
# environment, not into os.environ, and a subprocess started without env= inherits it: loaded first here, so
# that the unsetenv below removes what it wrote
try:
    import readline  # noqa: F401
except ImportError:  # not on every platform
    pass
os.environ.pop("COLUMNS", None)
os.unsetenv("COLUMNS")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path_factory.mktemp("user-presets")))
    monkeypatch.delenv("TUIDL_RUNS_DIR", raising=False)
    # the dashboard engine's log file: never the person's own
    monkeypatch.setenv("TUIDL_ENGINE_LOG", str(tmp_path_factory.mktemp("engine-log") / "engine.log"))


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """An empty runs folder."""
    d = tmp_path / "runs"
    d.mkdir()
    return d


_HEAVY = ("tensorflow", "keras")


class _NoTensorFlow:
    """A ``sys.meta_path`` finder that refuses TensorFlow and Keras to tests without the ``keras`` mark.

    A test that imports them (directly or through tuidl's engine) without the mark would make the quick
    selection ``-m "not keras and not slow"`` slow and lie about what it needs; with this finder it fails
    with an ImportError that says so. Modules already imported by an earlier keras test in the same process
    are not unloaded, so the guard only bites where TensorFlow is not loaded yet (as in the quick selection).
    """

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.split(".", 1)[0] in _HEAVY:
            raise ImportError(f"{fullname} imported by a test without @pytest.mark.keras (add the mark)")
        return None


def pytest_configure(config: pytest.Config) -> None:
    """In a selection that leaves keras tests out (``-m "not keras ..."``), refuse TensorFlow for the whole session.

    Collection included: a test module that imports Keras at import time fails to collect, naming the module.
    """
    import sys

    if "not keras" in (config.option.markexpr or ""):
        sys.meta_path.insert(0, _NoTensorFlow())


@pytest.fixture(autouse=True)
def _keras_mark_guard(request: pytest.FixtureRequest):
    """Fail an unmarked test that imports TensorFlow/Keras in this process (see :class:`_NoTensorFlow`)."""
    import sys

    if request.node.get_closest_marker("keras") or "tensorflow" in sys.modules:
        yield
        return
    guard = _NoTensorFlow()
    sys.meta_path.insert(0, guard)
    try:
        yield
    finally:
        sys.meta_path.remove(guard)
