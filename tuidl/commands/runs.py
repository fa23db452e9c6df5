"""tuidl runs: list the runs in the runs dir without the TUI, as a table or JSON,
and export their metrics as CSV.

Examples:

    tuidl runs             # table, newest first, fitted to the terminal
    tuidl runs --wide      # every column in full
    tuidl runs --json      # one JSON array of run objects, for scripts
    tuidl runs --status completed --filter l2 --sort best_val_loss
    tuidl runs --csv metrics.csv RUN_ID RUN_ID   # per-epoch metrics

The table fits the terminal's width (COLUMNS when set): long cells are cut
with "…", then columns are left out (started, duration, params, dataset, tags,
epochs, regularizer, initializer, optimizer; stderr says which). Piped or
redirected without COLUMNS it is not cut. --wide shows every column in full.

A runs folder that does not exist yet has no runs: the table says so, --json
prints [] (exit 0). In the CSV, epoch is 0-based, as in metrics.jsonl and
Keras's CSVLogger: the row with epoch 0 is the first epoch ("epoch 1" on
screen).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from rich.cells import cell_len, set_cell_size

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
        "--wide",
        action="store_true",
        help="every column in full, however wide (default: fitted to the terminal's width)",
    )
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
        help="only runs whose id, name, dataset, optimizer, initializer, regularizer, status or tags contain every word",
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


def table(runs: list[Any], width: int | None = None, left_out: list[str] | None = None) -> str:
    """A plain-text table of :class:`~tuidl.core.runs.RunSummary` rows.

    Args:
        runs: the rows.
        width: fit the table into this many columns (:func:`fit_table`); ``None``: every
            column in full.
        left_out: when given, the headers of the columns left out to fit are appended.
    """
    head = [
        "RUN",
        "NAME",
        "TAGS",
        "DATASET",
        "PARAMS",
        "OPTIMIZER",
        "INITIALIZER",
        "REGULARIZER",
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
                _fmt(r.initializer),
                _fmt(r.regularizer),
                r.status,
                epochs,
                _fmt(r.best_val_loss, ".4g"),
                metric,
                format_duration(r.duration),
                started,
            ]
        )
    if width is not None:
        head, rows, gone = fit_table(head, rows, width, compact=[_compact(r) for r in runs])
        if left_out is not None:
            left_out.extend(gone)
    widths = [max([cell_len(h), *(cell_len(row[i]) for row in rows)]) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(head), *(line(row) for row in rows)])


def _compact(r: Any) -> dict[str, str]:
    """Shorter cells of a run for a narrow table: the best metric's value first
    (``0.92 val_accuracy``), the learning rate without ``lr=`` (``Adam 0.001``)."""
    out = {}
    if r.best_metric is not None:
        out["BEST METRIC"] = f"{r.best_metric:.4g} {r.metric}"
    if r.optimizer:
        out["OPTIMIZER"] = r.optimizer.replace(" lr=", " ")
    return out


_SHORT_HEADERS = {
    "BEST VAL_LOSS": "VAL_LOSS",
    "BEST METRIC": "METRIC",
    "OPTIMIZER": "OPTIM",
    "INITIALIZER": "INIT",
    "REGULARIZER": "REG",
}
_CUT_TO = {
    "RUN": 18,
    "NAME": 12,
    "TAGS": 8,
    "DATASET": 8,
    "OPTIMIZER": 8,
    "INITIALIZER": 8,
    "REGULARIZER": 8,
    "BEST METRIC": 8,
    "STARTED": 10,
}
"""The columns :func:`fit_table` may cut, and the fewest characters it cuts each to."""
_LEAVE_OUT = (
    "STARTED",
    "DURATION",
    "PARAMS",
    "DATASET",
    "TAGS",
    "EPOCHS",
    "REGULARIZER",
    "INITIALIZER",
    "OPTIMIZER",
)
"""The columns :func:`fit_table` leaves out, first to last, when cutting is not enough."""
_MIDDLE = {"RUN": 0.5, "NAME": 0.4}
"""Columns cut in the middle, with the share of the start kept: a run id's date and its
unique end, a run name's differences at its end."""


def _clip(text: str, width: int, middle: float | None) -> str:
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if middle is None:
        return set_cell_size(text, width - 1) + "…"
    head = int((width - 1) * middle)
    tail = text
    while cell_len(tail) > width - 1 - head:
        tail = tail[1:]
    return set_cell_size(text, head) + "…" + tail


def fit_table(
    head: list[str], rows: list[list[str]], width: int, compact: list[dict[str, str]] | None = None
) -> tuple[list[str], list[list[str]], list[str]]:
    """Fit a table (columns two spaces apart) into ``width`` characters.

    As it is when it fits. Otherwise short headers (``VAL_LOSS``, ``METRIC``, ``OPTIM``,
    ``INIT``, ``REG``) and the ``compact`` cells (per row, by header); then, while even
    the cut columns would not fit, columns are left out in :data:`_LEAVE_OUT` order
    (run, name, status and the results stay); then the widest cuttable column is cut
    by one character at a time (``…``; run ids and names in the middle), down to
    :data:`_CUT_TO`. A table that still does not fit is printed as wide as that.

    Returns:
        ``(head, rows, left_out)``: the shown headers and cells, the left-out headers.
    """
    natural = lambda i, h, rs: max([cell_len(h), *(cell_len(r[i]) for r in rs)])  # noqa: E731

    def total(ws: list[int]) -> int:
        return sum(ws) + 2 * (len(ws) - 1)

    if total([natural(i, h, rows) for i, h in enumerate(head)]) <= width:
        return head, rows, []
    names = list(head)
    rows = [[(compact[j] if compact else {}).get(h, c) for h, c in zip(names, row)] for j, row in enumerate(rows)]
    keep = list(range(len(names)))
    floors = {i: min(natural(i, names[i], rows), _CUT_TO.get(h, 10**6)) for i, h in enumerate(names)}
    left_out: list[str] = []
    for name in _LEAVE_OUT:
        shown = [_SHORT_HEADERS.get(names[i], names[i]) for i in keep]
        if total([max(floors[i], cell_len(h)) for i, h in zip(keep, shown)]) <= width:
            break
        if name in names:
            keep.remove(names.index(name))
            left_out.append(name)
    heads = [_SHORT_HEADERS.get(names[i], names[i]) for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    widths = [natural(k, h, rows) for k, h in enumerate(heads)]
    mins = [max(floors[i], cell_len(h)) for i, h in zip(keep, heads)]
    while total(widths) > width:
        k = max((k for k in range(len(widths)) if widths[k] > mins[k]), key=lambda k: widths[k], default=None)
        if k is None:
            break
        widths[k] -= 1
    rows = [[_clip(c, w, _MIDDLE.get(names[i])) for c, w, i in zip(row, widths, keep)] for row in rows]
    return heads, rows, left_out


def output_width(wide: bool, stream: Any = None) -> int | None:
    """The width ``tuidl runs`` fits its table into: ``None`` (every column in full) with
    ``--wide``; ``$COLUMNS`` when set to a number; the terminal's width when ``stream``
    (default stdout) is a terminal; else ``None`` (piped or redirected: not cut, so a
    script reading it gets every cell whole)."""
    if wide:
        return None
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return None


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
        left_out: list[str] = []
        width = output_width(args.wide)
        print(table(runs, width, left_out))
        if left_out:
            sys.stdout.flush()
            print(
                f"tuidl: left out {', '.join(c.lower() for c in left_out)} to fit {width} columns; "
                "--wide shows every column",
                file=sys.stderr,
            )
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
