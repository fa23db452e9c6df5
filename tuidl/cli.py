"""The ``tuidl`` command line.

``tuidl [PRESET]`` opens the dashboard; ``tuidl run``, ``tuidl check``,
``tuidl runs`` and ``tuidl export`` work without the TUI. Bad input prints a
message (no traceback) and exits with code 2. Nothing here imports TensorFlow,
Keras or Textual at module scope.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from tuidl import __version__

SUBCOMMANDS = ("run", "check", "runs", "export")
"""Sub-command names; each is ``tuidl.commands.<name>``."""


USAGE = """\
tuidl [PRESET] [--runs-dir DIR] [--set KEY=VALUE ...] [--no-mouse]
       tuidl COMMAND [options]      (COMMAND: run, check, runs, export)
       tuidl [-h] [--version]"""
"""The usage line of ``tuidl --help``: the dashboard's own form first."""

DESCRIPTION = """\
A terminal experiment dashboard for deep learning: assemble a Keras model,
train it in the background and watch it learn.

Without a COMMAND, tuidl opens the dashboard:
  PRESET                experiment preset name or .toml file (default: digits-mlp)
  --runs-dir DIR        where runs are written (default: $TUIDL_RUNS_DIR or ./runs)
  --set KEY=VALUE       override a spec key by dotted path (repeatable)
  --no-mouse            do not take mouse input (also TUIDL_NO_MOUSE=1)
for example: tuidl digits-cnn --set fit.epochs=5
The dashboard needs a UTF-8 terminal on stdin, stdout and stderr; without one
it exits with code 2 (use 'tuidl run' to train without a terminal)."""


def _parser() -> argparse.ArgumentParser:
    from tuidl.commands.run import SET_EPILOG

    p = argparse.ArgumentParser(
        prog="tuidl",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=SET_EPILOG + "\n\nRun 'tuidl COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"tuidl {__version__}")
    # prog: the sub-commands' usage starts "tuidl run", not the whole multi-line USAGE above
    sub = p.add_subparsers(dest="command", metavar="COMMAND", prog="tuidl")
    for name in SUBCOMMANDS:
        try:
            mod = importlib.import_module(f"tuidl.commands.{name}")
        except ModuleNotFoundError:
            continue
        mod.add_parser(sub)
    return p


def _app_parser() -> argparse.ArgumentParser:
    from tuidl.commands.run import SET_EPILOG, SET_HELP

    p = argparse.ArgumentParser(
        prog="tuidl",
        description="Open the tuidl dashboard. (Run 'tuidl --help' for the commands.)",
        epilog=SET_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "preset", nargs="?", default="digits-mlp", help="experiment preset name or .toml file (default: digits-mlp)"
    )
    p.add_argument("--runs-dir", metavar="DIR", help="where runs are written (default: $TUIDL_RUNS_DIR or ./runs)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=SET_HELP)
    p.add_argument(
        "--no-mouse", action="store_true", help="do not ask the terminal for mouse input (also TUIDL_NO_MOUSE=1)"
    )
    return p


def _say_output_failed(e: OSError) -> None:
    """One line on stderr for an output that could not be written (no traceback); quiet if stderr fails too."""
    from tuidl.core.text import printable

    where = f": {e.filename}" if e.filename else ""
    try:
        print(f"tuidl: cannot write the output{where}: {printable(e.strerror or str(e))}", file=sys.stderr)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tuidl`` script; returns the exit code."""
    from tuidl.core.errors import TuidlError
    from tuidl.core.text import printable  # messages quote file content: no terminal control in them

    from tuidl.terminal import reserve_std_fds, terminal_problem

    reserve_std_fds()  # a closed stdin/stdout/stderr: no file opened later may take its number
    if sys.stderr is None:  # started with stderr closed: messages go nowhere rather than fail
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] and argv[0] in (*SUBCOMMANDS, "-h", "--help", "--version"):
        if sys.stdout is None and argv[0] != "run":  # `tuidl run` sends its progress to stderr then
            sys.stdout = open(os.devnull, "w", encoding="utf-8")
        args = _parser().parse_args(argv)
        try:
            return int(importlib.import_module(f"tuidl.commands.{args.command}").main(args) or 0)
        except TuidlError as e:
            print(f"tuidl: {printable(str(e), lines=True)}", file=sys.stderr)
            return e.exit_code
        except KeyboardInterrupt:
            return 130
        except OSError as e:  # the output itself failed (a full disk behind stdout, a closed pipe): one line
            _say_output_failed(e)
            return 1
    args = _app_parser().parse_args(argv)
    try:
        from tuidl.core.errors import check_runs_dir
        from tuidl.core.presets import load_experiment
        from tuidl.core.runs import runs_dir

        exp = load_experiment(args.preset, args.overrides)
        check_runs_dir(runs_dir(args.runs_dir))  # a bad --runs-dir is said now, not at the first run
    except TuidlError as e:
        print(f"tuidl: {printable(str(e), lines=True)}", file=sys.stderr)
        return e.exit_code
    problem = terminal_problem()  # after the input is checked: a bad preset is said either way
    if problem is not None:  # Textual would spin, or draw into a file, or draw garbage
        print(f"tuidl: {problem}", file=sys.stderr)
        return 2
    from tuidl.ui.app import run_app

    no_mouse = args.no_mouse or os.environ.get("TUIDL_NO_MOUSE", "") not in ("", "0")
    return run_app(exp, runs_dir=args.runs_dir, mouse=not no_mouse)
