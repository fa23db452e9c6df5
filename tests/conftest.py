"""Shared test setup.

* ``TF_CPP_MIN_LOG_LEVEL=2`` before anything imports TensorFlow.
* Every test sees an empty user preset folder (``TUIDL_PRESETS_DIR``) and an
  unset ``TUIDL_RUNS_DIR``, so the person's own config never leaks in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path_factory.mktemp("user-presets")))
    monkeypatch.delenv("TUIDL_RUNS_DIR", raising=False)


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """An empty runs folder."""
    d = tmp_path / "runs"
    d.mkdir()
    return d

