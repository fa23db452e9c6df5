"""``tuidl export PRESET [-o FILE] [--set KEY=VALUE ...]``: write a standalone Keras script.

The script (see :mod:`tuidl.export`) loads the data, builds the same model
(same layers, same parameter count), compiles and fits it with plain Keras.
Before writing, the experiment is checked as ``tuidl check`` checks it (data
loaded, model built with Keras): what check refuses, export refuses. And the
script is written only from tuidl's own classes with plain literal values
(:func:`tuidl.export.export_problems`), so a preset cannot put code into it.

``-o -`` writes the script to standard output (nothing else goes there), for
experiments whose script loads its own data (the data of other sources is
written as ``<script>.npz`` next to the script, which standard output has no
place for: refused, exit 2). Standard output closed, full or gone (a closed
pipe): one line on stderr, exit 1, as for the other commands.

Exit codes: 0 written, 1 standard output could not be written, 2 bad input
(unknown preset, invalid file or value, an experiment with errors or outside
what export writes, file not writable).
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

STDOUT = "-"
"""The ``-o`` value that means standard output."""


def add_parser(sub: Any) -> None:
    """Register ``export`` on the ``tuidl`` sub-command parser."""
    p = sub.add_parser(
        "export",
        help="write an experiment as a standalone Python/Keras script",
        description="Write the experiment as a Python script (data loading, model, compile, fit) that "
        "runs with plain Keras, without tuidl. The experiment is checked first, as by tuidl check.",
        epilog="Run the script with: python FILE [--epochs N]. "
        "Exit codes: 0 written, 1 standard output could not be written, 2 bad input or an experiment with errors.",
    )
    p.add_argument("preset", metavar="PRESET", help="experiment preset name or .toml file")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="script to write (default: <name>.py here); '-' for standard output, when the script "
        "loads its own data (data sets of scikit-learn and Keras's image sets)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec key by dotted path before exporting (repeatable)",
    )


def main(args: Any) -> int:
    """Run ``tuidl export``; returns 0, or raises a TuidlError (exit 2) or, for ``-o -``, the
    OSError of a standard output that is closed, full or gone (exit 1)."""
    from tuidl.core.checks import format_finding
    from tuidl.core.errors import SpecError, folder_problem
    from tuidl.core.presets import load_experiment, resolved
    from tuidl.core.spec import toml_repr
    from tuidl.export import INLINE_SOURCES, check_exportable, data_file, script_text, write_script

    exp = resolved(load_experiment(args.preset, args.overrides))  # presets resolved once, where it enters
    check_exportable(exp, origin=str(exp.source or args.preset))  # before anything is loaded or written
    to_stdout = args.output == STDOUT
    out = Path(f"{exp.name}.py") if to_stdout or not args.output else Path(args.output)
    if to_stdout and data_file(exp, out) is not None:
        raise SpecError(
            f"-o -: data.name = {toml_repr(exp.data.name)}: the script reads these data from a .npz file written "
            "next to it, and standard output has no place for a second file",
            title="Export refused",
            hint="give -o FILE (the script and its .npz are written side by side); "
            f"'-o -' works for the data sets the script loads itself: {', '.join(sorted(INLINE_SOURCES))}",
        )
    if to_stdout and sys.__stdout__ is None:  # closed at start: said now, before the slow checks
        raise OSError(errno.EBADF, "standard output is closed")
    problem = None if to_stdout else folder_problem(out.parent, named=out)  # the OS's reason, e.g. a file in the way
    if problem is not None:
        raise SpecError(
            f"{out}: cannot write the script: {problem}", title="Export failed", hint="choose another -o FILE"
        )
    from tuidl.commands.check import blocking_findings

    errors = blocking_findings(exp)  # what `tuidl check` refuses, export refuses
    if errors:
        raise SpecError(
            f"{args.preset}: {len(errors)} error(s), as tuidl check reports them:\n  "
            + "\n  ".join(format_finding(f).replace("\n", "\n  ") for f in errors),
            title="Export refused",
            hint=f"fix them (tuidl check {args.preset}) and export again",
        )
    if to_stdout:
        _write_stdout(script_text(exp, None, out.name))
        return 0
    path = write_script(exp, out)
    extra = data_file(exp, path)
    print(f"wrote {path}" + (f" (data: {extra})" if extra is not None else ""))
    print(f"run it with: python {path} --epochs 1")
    return 0


def _write_stdout(text: str) -> None:
    """Write ``text`` to standard output and flush it.

    Raises:
        OSError: standard output is full or gone (a closed pipe); the caller
            (``tuidl.cli``) says so in one line, exit 1. Standard output then points at
            ``/dev/null``, so the interpreter's last flush is quiet.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        raise
