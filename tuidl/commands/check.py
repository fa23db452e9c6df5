"""``tuidl check PRESET... [--set KEY=VALUE ...]``: pre-flight checks without training.

For each experiment (a preset name, a ``.toml`` file, or a folder of them) it
loads the data, builds the model with Keras (in this process, through
:func:`tuidl.engine.build.summarize`), prints the summary table — each layer's
output shape and parameter count, as ``model.summary()`` — and every finding
with its fix: tuidl's own findings first, then Keras's message for a layer that
no tuidl rule explains.

With ``--json`` each experiment is one ``check`` line (or an ``error`` line), its ``finding``
lines and a ``result`` line, and the last line is ``end`` (``docs/run-format.md``, "Event lines").

Exit codes: 0 when no experiment has an error (warnings allowed), 2 otherwise
(also for a file that cannot be read or data that cannot be loaded).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, Iterator, TextIO


def add_parser(sub: Any) -> None:
    """Register ``check`` on the ``tuidl`` sub-command parser."""
    p = sub.add_parser(
        "check",
        help="pre-flight checks: summary table and every problem, without training",
        description="Build each experiment's model, print its summary (output shape and parameters per "
        "layer) and every pre-flight finding with its fix.",
        epilog="Exit codes: 0 no errors (warnings allowed), 2 at least one error.",
    )
    p.add_argument(
        "presets", nargs="+", metavar="PRESET", help="experiment preset name, .toml file, or folder of .toml files"
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec key by dotted path, e.g. model.layers[0].config.units=8 (repeatable)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per line (events: check, finding, error, result, end) for scripts",
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep TensorFlow's C++ logs (file descriptor 2) off the terminal."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tuidl.commands.run import capture_native_stderr

    with capture_native_stderr():
        yield


def _targets(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        p = Path(item)
        if item.strip() and p.is_dir():  # Path("") is "."; an empty argument is refused by the preset lookup
            found = sorted(str(f) for f in p.glob("*.toml"))
            out.extend(found or [item])
        else:
            out.append(item)
    return out


def summary_table(summary: Any) -> str:
    """The summary as text: one row per layer (name, class, output shape, params) and totals."""
    from tuidl.core.checks import fmt_shape

    rows = [("#", "Layer (type)", "Output Shape", "Param #")]
    for r in summary.rows:
        rows.append((str(r.index + 1), f"{r.name} ({r.class_name})", fmt_shape(r.output_shape), f"{r.params:,}"))
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"{a:>{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d:>{w[3]}}" for a, b, c, d in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("-" * len(lines[0]))
    lines.append(
        f"Total params: {summary.total_params:,}  (trainable {summary.trainable_params:,}, "
        f"non-trainable {summary.non_trainable_params:,})"
    )
    return "\n".join(lines)


def blocking_findings(exp: Any) -> list[Any]:
    """The error findings that make ``tuidl check`` refuse ``exp`` (empty when it has none).

    Loads the data and builds the model with Keras, in this process, as
    :func:`check_one` does (TensorFlow's C++ logs kept off the terminal).

    Raises:
        TuidlError: the data cannot be loaded.
    """
    from tuidl.core.checks import ERROR
    from tuidl.engine.data import load_data

    base = exp.source.parent if exp.source else None
    ds = load_data(exp.data, exp.fit.seed, base)
    with _quiet():
        from tuidl.engine.build import summarize

        summary = summarize(exp, ds)
    return [f for f in summary.findings if f.severity == ERROR]


def check_one(target: str, overrides: list[str], out: TextIO) -> bool:
    """Check one experiment and print the result; returns ``True`` when it has no error."""
    from tuidl.core.checks import ERROR, format_finding
    from tuidl.core.errors import TuidlError
    from tuidl.core.presets import load_experiment, resolved

    try:
        exp = resolved(load_experiment(target, overrides))  # presets resolved once, here where it enters
    except TuidlError as e:
        if e.message.startswith(f"{target}: "):  # the file is named once, as the line's subject
            hint = f"\n  hint: {e.hint}" if e.hint else ""
            print(f"{target}: error: {e.message[len(target) + 2 :]}{hint}", file=out)
        else:
            print(f"{target}: error: {e}", file=out)
        return False
    try:
        from tuidl.engine.data import load_data

        base = exp.source.parent if exp.source else None
        ds = load_data(exp.data, exp.fit.seed, base)
    except TuidlError as e:
        print(f"{target}: error: {e}", file=out)
        return False
    from tuidl.engine.checks import size_errors

    too_large = size_errors(exp, ds)  # refused before Keras would allocate the weights
    if too_large:
        print(
            f"{exp.name} ({target}) · data {exp.data.name}: {len(ds.x_train)} train / {len(ds.x_val)} "
            "validation samples",
            file=out,
        )
        for f in too_large:
            print(f"{target}: {format_finding(f)}", file=out)
        print(f"{len(too_large)} error(s), 0 warning(s): training is blocked until the errors are fixed", file=out)
        return False
    with _quiet():
        from tuidl.engine.build import summarize

        summary = summarize(exp, ds)
    shape = "x".join(str(d) for d in summary.input_shape)
    print(
        f"{exp.name} ({target}) · data {exp.data.name}: {len(ds.x_train)} train / {len(ds.x_val)} validation "
        f"samples · model input ({shape})",
        file=out,
    )
    if summary.rows:
        print(summary_table(summary), file=out)
    from tuidl.engine.checks import is_keras

    errors = [f for f in summary.findings if f.severity == ERROR]
    warnings = [f for f in summary.findings if f.severity != ERROR]
    # tuidl's own findings (errors, then warnings) before any of Keras's text
    for f in sorted(summary.findings, key=lambda f: (is_keras(f), f.severity != ERROR)):
        print(format_finding(f), file=out)
    if not summary.findings:
        print("ok: no problems found", file=out)
    else:
        print(
            f"{len(errors)} error(s), {len(warnings)} warning(s)"
            + (": training is blocked until the errors are fixed" if errors else ""),
            file=out,
        )
    return not errors


def check_one_json(target: str, overrides: list[str], out: TextIO) -> bool:
    """:func:`check_one` as event lines (:mod:`tuidl.core.jsonlines`), each naming ``target``:
    ``check`` (or ``error`` when the experiment or its data cannot be read), one ``finding``
    per finding (tuidl's first, errors before warnings), then ``result``. Returns ``True``
    when it has no error."""
    from tuidl.core.checks import ERROR
    from tuidl.core.errors import TuidlError
    from tuidl.core.jsonlines import event_line, finding_fields
    from tuidl.core.presets import load_experiment, resolved

    def emit(event: str, **fields: Any) -> None:
        print(event_line(event, target=target, **fields), file=out)

    try:
        exp = resolved(load_experiment(target, overrides))
        from tuidl.engine.data import load_data

        ds = load_data(exp.data, exp.fit.seed, exp.source.parent if exp.source else None)
    except TuidlError as e:
        emit("error", **e.to_dict())
        emit("result", ok=False, errors=1, warnings=0)
        return False
    from tuidl.engine.checks import is_keras, size_errors

    facts = {"name": exp.name, "dataset": exp.data.name, "train_samples": len(ds.x_train)}
    facts["validation_samples"] = len(ds.x_val)
    findings = size_errors(exp, ds)  # refused before Keras would allocate the weights
    if findings:
        emit("check", **facts, input_shape=None, params=None, trainable_params=None, layers=[])
    else:
        with _quiet():
            from tuidl.engine.build import summarize

            s = summarize(exp, ds)
        findings = list(s.findings)
        layers = [
            {"index": r.index, "name": r.name, "class_name": r.class_name, "output_shape": r.output_shape}
            | {"params": r.params}
            for r in s.rows
        ]
        emit(
            "check",
            **facts,
            input_shape=s.input_shape,
            params=s.total_params,
            trainable_params=s.trainable_params,
            layers=layers,
        )
    for f in sorted(findings, key=lambda f: (is_keras(f), f.severity != ERROR)):
        emit("finding", **finding_fields(f))
    errors = sum(f.severity == ERROR for f in findings)
    emit("result", ok=not errors, errors=errors, warnings=len(findings) - errors)
    return not errors


def main(args: Any) -> int:
    """Run ``tuidl check``; returns 0 (no errors) or 2.

    Everything printed passes through :func:`tuidl.core.text.printable`: names,
    values and Keras's messages come from files, and an escape sequence in one
    must not drive the terminal.
    """
    from tuidl.core.text import PrintableWriter

    ok = True
    targets = _targets(args.presets)
    if getattr(args, "json", False):  # JSON lines are ASCII with every control character escaped
        failed = sum(not check_one_json(t, args.overrides, sys.stdout) for t in targets)
        from tuidl.core.jsonlines import event_line

        status, code = ("failed", 2) if failed else ("ok", 0)
        print(event_line("end", status=status, exit_code=code, checked=len(targets), failed=failed), flush=True)
        return code
    out = PrintableWriter(sys.stdout)
    for n, target in enumerate(targets):
        if n:
            print(file=out)
        ok = check_one(target, args.overrides, out) and ok
        out.flush()
    return 0 if ok else 2
