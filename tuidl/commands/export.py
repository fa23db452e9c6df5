"""``tuidl export PRESET [-o FILE] [--set KEY=VALUE ...]``: write a standalone Keras script.

The script (see :mod:`tuidl.export`) loads the data, builds the same model
(same layers, same parameter count), compiles and fits it with plain Keras.
Before writing, the experiment is checked as ``tuidl check`` checks it (data
loaded, model built with Keras): what check refuses, export refuses. And the
script is written only from tuidl's own classes with plain literal values
(:func:`tuidl.export.export_problems`), so a preset cannot put code into it.

Exit codes: 0 written, 2 bad input (unknown preset, invalid file or value,
an experiment with errors or outside what export writes, file not writable).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``export`` on the ``tuidl`` sub-command parser."""
    p = sub.add_parser(
        "export",
        help="write an experiment as a standalone Python/Keras script",
        description="Write the experiment as a Python script (data loading, model, compile, fit) that "
        "runs with plain Keras, without tuidl.",
        epilog="Run the script with `python FILE [--epochs N]`.",
    )
    p.add_argument("preset", help="experiment preset name or .toml file")
    p.add_argument("-o", "--output", metavar="FILE", help="script to write (default: <name>.py here)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec key by dotted path before exporting (repeatable)",
    )


def main(args: Any) -> int:
    """Run ``tuidl export``; returns 0, or raises a TuidlError (exit 2)."""
    from tuidl.core.checks import format_finding
    from tuidl.core.errors import SpecError, folder_problem
    from tuidl.core.presets import load_experiment, resolved
    from tuidl.export import check_exportable, write_script

    exp = resolved(load_experiment(args.preset, args.overrides))  # presets resolved once, where it enters
    check_exportable(exp, origin=str(exp.source or args.preset))  # before anything is loaded or written
    out = Path(args.output) if args.output else Path(f"{exp.name}.py")
    problem = folder_problem(out.parent, named=out)  # the OS's reason for the failing part, e.g. a file in the way
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
    path = write_script(exp, out)
    extra = path.with_suffix(".npz")
    print(f"wrote {path}" + (f" (data: {extra})" if extra.exists() and exp.data.name else ""))
    print(f"run it with: python {path} --epochs 1")
    return 0
