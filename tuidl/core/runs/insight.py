"""Reading ``insight.jsonl`` (statistics of kernels, layer outputs and gradients on the probe
batch) and ``batches.jsonl`` (every N-th batch's loss, learning rate and gradient norm).

Both files are JSON lines written by :class:`~tuidl.core.runs.store.RunWriter` as
``metrics.jsonl`` is (non-finite values as ``NaN``/``Infinity``); the readers follow the
same rules as :func:`~tuidl.core.runs.metrics.read_metrics_checked`: no symbolic link
followed (neither the file nor its run folder), regular files only, a torn last line
ignored and said, bad lines skipped and counted, and a size cap. Format:
``docs/run-format.md``.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from tuidl.core.runs.files import UnreadableFile, _open_regular, _open_run_dir, _why
from tuidl.core.runs.metrics import MetricsFollower, jsonl_records

MAX_INSIGHT_BYTES = 256 * 1024 * 1024
"""Largest ``insight.jsonl`` or ``batches.jsonl`` a reader opens (256 MiB). A record is about
1.5 KB: a run of 1,000 epochs with 30 layers measured three ways is about 140 MB."""

INSIGHT_FILE = "insight.jsonl"
BATCHES_FILE = "batches.jsonl"


def read_jsonl_checked(
    run_dir: Path | str, name: str, limit: int = MAX_INSIGHT_BYTES
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of the JSON-lines file ``<run_dir>/<name>`` and what was skipped.

    Returns:
        ``(records, notes)``: notes such as ``"insight.jsonl: last line incomplete,
        ignored"``, ``"insight.jsonl: 2 unreadable lines skipped"``, ``"insight.jsonl: a
        symbolic link (not followed)"``, ``"insight.jsonl: 300 MB, over the 256 MiB a reader
        opens"``. A missing file or folder gives ``([], [])``. Keys and text values are made
        printable; non-finite numbers come back as floats.
    """
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        dfd = _open_run_dir(run_dir)
    except OSError as e:
        return out, ([] if e.errno == errno.ENOENT else [f"run folder: {_why(e)}"])
    try:
        fd, st = _open_regular(name, dfd)
    except UnreadableFile as e:
        return out, ([] if e.message.endswith(": missing") else [e.message])
    finally:
        os.close(dfd)
    if st.st_size > limit:
        os.close(fd)
        return out, [f"{name}: {st.st_size / 1e6:.0f} MB, over the {limit // 1024**2} MiB a reader opens"]
    records, bad, torn, error = jsonl_records(fd)
    out.extend(records)
    if torn:
        notes.append(f"{name}: last line incomplete, ignored")
    if error is not None:
        notes.append(f"{name}: {_why(error)}")
    if bad:
        notes.insert(0, f"{name}: {bad} unreadable line{'s' if bad != 1 else ''} skipped")
    return out, notes


def read_insight_checked(run_dir: Path | str) -> tuple[list[dict[str, Any]], list[str]]:
    """``insight.jsonl`` of a run folder: ``(records, notes)`` (see :func:`read_jsonl_checked`).

    Each record is one (``epoch``, ``layer``, ``kind``): ``epoch`` -1 is before training,
    ``kind`` one of :data:`tuidl.core.insight.KINDS`."""
    return read_jsonl_checked(run_dir, INSIGHT_FILE)


def read_batches_checked(run_dir: Path | str) -> tuple[list[dict[str, Any]], list[str]]:
    """``batches.jsonl`` of a run folder: ``(records, notes)`` (see :func:`read_jsonl_checked`).

    Each record has ``step``, ``epoch``, ``batch``, ``loss``, ``learning_rate`` and
    ``gradient_norm``."""
    return read_jsonl_checked(run_dir, BATCHES_FILE)


class JsonlFollower(MetricsFollower):
    """Follows ``insight.jsonl`` or ``batches.jsonl`` while another process appends to it:
    :meth:`poll` returns the new whole records (a torn last line waits for the next poll; a
    file that shrank is read again from the start), by the rules of
    :class:`~tuidl.core.runs.metrics.MetricsFollower`, whose notes name the file followed.

    Args:
        path: ``<run>/insight.jsonl`` or ``<run>/batches.jsonl`` (need not exist yet).
    """
