"""Export an experiment as a standalone Python script that runs with plain Keras 3.

The names of the old ``tuidl.export`` module, from where they live now: the
script's text and what it refuses in :mod:`tuidl.core.script` (pure: the UI
checks with it), the writing of the script and its data file in
:mod:`tuidl.engine.export` (loads data: the engine process and ``tuidl
export`` call it). The UI imports neither this module nor the engine's.
"""

from __future__ import annotations

from tuidl.core.script import (
    INLINE_SOURCES,
    REGISTRY,
    check_exportable,
    data_file,
    export_problems,
    script_text,
)
from tuidl.engine.export import write_script

__all__ = [
    "script_text",
    "write_script",
    "export_problems",
    "check_exportable",
    "data_file",
    "INLINE_SOURCES",
    "REGISTRY",
]
