"""tuidl runs: list the runs in the runs dir without the TUI, as a table or JSON,
and export their metrics as CSV.

Examples:

    tuidl runs                         # table, newest first
    tuidl runs --json                  # one JSON array of run objects, for scripts
    tuidl runs --status completed --filter l2 --sort best_val_loss
    tuidl runs --csv metrics.csv RUN_ID RUN_ID   # per-epoch metrics of these runs

A runs folder that does not exist yet has no runs: the table says so, --json
prints [] (exit 0). In the CSV, epoch is 0-based, as in metrics.jsonl and
Keras's CSVLogger: the row with epoch 0 is the first epoch ("epoch 1" on screen).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tuidl.core.errors import TuidlError
from tuidl.core.text import format_duration


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``runs`` on the ``tuidl`` sub-parsers."""
    from tuidl.core.runs import SORT_COLUMNS, STATUSES

    p = sub.add_parser(
        "runs",
        help="list runs (table or JSON) and export their metrics",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    p.add_argument(
        "run_ids", nargs="*", metavar="RUN", help="only these runs: a run id, a unique id prefix, or a run name"
    )
    p.add_argument("--runs-dir", metavar="DIR", help="the runs folder (default: $TUIDL_RUNS_DIR or ./runs)")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS",
        help=f"only runs with this status (repeatable or comma-separated): {', '.join(STATUSES)}, unreadable, unknown",
    )
    p.add_argument(
        "--filter",
        default="",
        metavar="TEXT",
        help="only runs whose id, name, dataset, optimizer, status or tags contain every word",
    )
    p.add_argument(
        "--sort",
        default="started_ts",
        choices=SORT_COLUMNS,
        metavar="COLUMN",
        help=f"sort by a column ({', '.join(SORT_COLUMNS)}); default: newest first",
    )
    p.add_argument("--reverse", action="store_true", help="reverse the sort order")
    p.add_argument(
        "--csv",
        metavar="FILE",
        help="write the per-epoch metrics of the listed runs to FILE ('-' for stdout); "
        "columns run_id, name, epoch (0-based, as in Keras's CSVLogger), step, "
        "time, then each metric",
    )
    return p


def _fmt(v: Any, spec: str = "") -> str:
    if v is None:
        return "-"
    return format(v, spec) if spec else str(v)


def table(runs: list[Any]) -> str:
    """A plain-text table of :class:`~tuidl.core.runs.RunSummary` rows."""
    head = [
        "RUN",
        "NAME",
        "TAGS",
        "DATASET",
        "PARAMS",
        "OPTIMIZER",
        "STATUS",
        "EPOCHS",
        "BEST VAL_LOSS",
        "BEST METRIC",
        "DURATION",
        "STARTED",
    ]
    rows = []
    for r in runs:
        epochs = f"{r.epochs_done}/{r.epochs_planned}" if r.epochs_planned else str(r.epochs_done)
        metric = f"{r.metric}={r.best_metric:.4g}" if r.best_metric is not None else "-"
        started = (r.started or "-").replace("T", " ")[:19]
        rows.append(
            [
                r.run_id,
                r.name,
                ",".join(r.tags) or "-",
                _fmt(r.dataset),
                _fmt(r.params, ","),
                _fmt(r.optimizer),
                r.status,
                epochs,
                _fmt(r.best_val_loss, ".4g"),
                metric,
                format_duration(r.duration),
                started,
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def select(runs: list[Any], wanted: list[str]) -> list[Any]:
    """Runs named by id, unique id prefix or name, in the order given.

    Raises:
        TuidlError: a name matches no run, or an id prefix matches several.
    """
    out = []
    for w in wanted:
        exact = [r for r in runs if r.run_id == w]
        hits = exact or [r for r in runs if r.run_id.startswith(w)] or [r for r in runs if r.name == w]
        if not hits:
            raise TuidlError(
                f"no run {w!r} in the runs dir", title="Unknown run", hint="'tuidl runs' lists the run ids"
            )
        if len(hits) > 1 and not exact and hits[0].name != w:
            raise TuidlError(
                f"{w!r} matches {len(hits)} runs: {', '.join(r.run_id for r in hits[:5])}",
                title="Ambiguous run",
                hint="give more of the run id",
            )
        out.extend(h for h in hits if h not in out)
    return out


def main(args: argparse.Namespace) -> int:
    """Run ``tuidl runs``; returns the exit code (2 for bad input).

    Output piped into a reader that stops early (``tuidl runs --csv - | head``)
    ends quietly with exit code 1, as Python's documentation recommends for
    ``BrokenPipeError`` (no traceback).
    """
    try:
        rc = _main(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return rc
    except BrokenPipeError:
        import os

        # stdout is gone: point it at devnull so the interpreter's final flush is quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(args: argparse.Namespace) -> int:
    from tuidl.core.runs import STATUSES, export_csv, filter_runs, list_summaries, runs_dir, sort_runs

    root = runs_dir(args.runs_dir)
    if root.exists() and not root.is_dir():
        raise TuidlError(
            f"runs dir {root}: not a folder",
            title="No runs folder",
            hint="give --runs-dir a folder (it may not exist yet)",
        )
    statuses = {s.strip() for v in args.status for s in v.split(",") if s.strip()}
    bad = statuses - set(STATUSES) - {"unknown", "unreadable"}
    if bad:
        raise TuidlError(
            f"--status {', '.join(sorted(bad))}: unknown status",
            title="Bad option",
            hint=f"allowed: {', '.join(STATUSES)}, unreadable, unknown",
        )
    runs = list_summaries(root)
    if args.run_ids:
        runs = select(runs, args.run_ids)
    runs = filter_runs(runs, args.filter, statuses or None)
    runs = sort_runs(runs, args.sort, reverse=args.reverse if args.sort != "started_ts" else not args.reverse)
    if args.csv:
        if not runs:
            raise TuidlError(
                "no runs to export",
                title="Nothing to export",
                hint=f"the runs dir {root} has no runs matching the options",
            )
        skipped: list[str] = []
        if args.csv == "-":
            n = export_csv([r.dir for r in runs], sys.stdout, skipped)
        else:
            n = export_csv([r.dir for r in runs], args.csv, skipped)
            print(f"wrote {n} rows of {len(runs) - len(skipped)} run(s) to {args.csv}", file=sys.stderr)
        for why in skipped:
            print(f"tuidl: left out: {why}", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=2))
    elif not runs:
        print(f"no runs in {root}", file=sys.stderr)
    else:
        print(table(runs))
        problems = notes(runs)
        if problems:
            sys.stdout.flush()
            print(problems, file=sys.stderr)
    return 0


def notes(runs: list[Any]) -> str:
    """What the table cannot show, one line each, for stderr: why an ``unreadable`` run
    cannot be read, and what was skipped while reading a run (its ``notes``)."""
    lines = []
    for r in runs:
        if r.status == "unreadable":
            lines.append(f"unreadable: {r.run_id}: {r.error}")
        for n in r.notes:
            lines.append(f"note: {r.run_id}: {n}")
    return "\n".join(lines)
