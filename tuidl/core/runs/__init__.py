"""Runs as files: one folder per run under the runs dir. The format of a run folder
(every file, every ``run.json`` field, ``format_version``, what readers do with torn or
unreadable files, the symbolic-link rules) is documented in one place:
``docs/run-format.md``.

Layout of ``<runs_dir>/<run_id>/``:

* ``spec.toml``     the experiment with presets resolved inline (enough to re-run it)
* ``metrics.jsonl`` one JSON object per finished epoch: ``{"epoch": 0, "loss": ..., ...}``
                    (plus ``"step"`` and ``"time"``), flushed as written
* ``run.json``      :class:`~tuidl.core.runs.info.RunInfo` (``format_version`` 2)
* ``meta.json``     what a person set in the runs browser: ``{"display_name", "tags"}``. Kept
                    apart from ``run.json`` because a running writer rewrites ``run.json`` from
                    memory and would undo a rename made meanwhile.
* ``insight.jsonl`` statistics of kernels, layer outputs and gradients on a fixed probe batch,
                    one JSON object per (epoch, layer, kind); absent when insight is off
* ``batches.jsonl`` every N-th batch: loss, learning rate, gradient norm
* ``model.keras``   the trained model, when the run ends with weights
* ``engine.log``    the engine's log for this run

Epoch numbering: ``epoch`` is 0-based as in Keras's ``CSVLogger`` (and
``History``): the first epoch's record has ``"epoch": 0``, in ``metrics.jsonl``,
in :func:`export_csv`'s CSV and in ``best_*_epoch``. ``epochs_done`` counts
finished epochs (a run with records for epochs 0..4 has ``epochs_done == 5``).
Screens and the CLI say "epoch N" 1-based, as Keras's progress bar does
(``Epoch 1/20``): a record with ``"epoch": e`` is "epoch e+1", drawn at x = e+1
(:meth:`tuidl.core.history.RunHistory.series`).

One module per job:

* :mod:`.files`   safe reading (no link followed out of a run folder, sizes checked) and
                  :func:`atomic_write`, the one way a run file is replaced
* :mod:`.info`    the ``run.json`` model :class:`RunInfo`, statuses, run ids, times
* :mod:`.metrics` ``metrics.jsonl``: encoding, reading, following, best values
* :mod:`.insight` reading ``insight.jsonl`` and ``batches.jsonl``
* :mod:`.store`   the only writer of ``run.json`` and ``meta.json``: :class:`RunWriter`,
                  rename, tags, delete, :func:`mark_run_ended`
* :mod:`.read`    reading whole runs (:func:`read_run`, :func:`list_runs`, :class:`RunFollower`)
* :mod:`.index`   the runs table (:class:`RunIndex`, :class:`RunSummary`, filter, sort)
* :mod:`.diff`    :func:`config_diff` between runs' specs
* :mod:`.export`  :func:`export_csv`
* :mod:`.procs`   :func:`pid_alive`

Everything public is importable from ``tuidl.core.runs``.
"""

from __future__ import annotations

from tuidl.core.runs.diff import config_diff, flatten
from tuidl.core.runs.export import export_csv
from tuidl.core.runs.files import (
    MAX_RUN_FILE_BYTES,
    RunError,
    UnreadableFile,
    atomic_write,
    read_run_file,
    read_run_json,
    read_run_text,
)
from tuidl.core.runs.index import (
    SORT_COLUMNS,
    RunIndex,
    RunSummary,
    filter_runs,
    list_summaries,
    sort_runs,
)
from tuidl.core.runs.info import (
    DEFAULT_RUNS_DIR,
    FORMAT_VERSION,
    STATUSES,
    UNREADABLE,
    ErrorInfo,
    FindingInfo,
    RunInfo,
    SummaryInfo,
    describe_component,
    iso,
    new_run_id,
    runs_dir,
    spec_facts,
)
from tuidl.core.runs.insight import (
    MAX_INSIGHT_BYTES,
    JsonlFollower,
    read_batches_checked,
    read_insight_checked,
    read_jsonl_checked,
)
from tuidl.core.runs.metrics import (
    TORN_LINE_NOTE,
    MetricsFollower,
    MetricsSummary,
    encode_record,
    metric_mode,
    read_metrics,
    read_metrics_checked,
)
from tuidl.core.runs.naming import RUN_NAME_MAX, diff_words, folder_safe, run_name
from tuidl.core.runs.procs import pid_alive
from tuidl.core.runs.read import RunFollower, RunRecord, list_runs, read_run, read_run_info, read_spec_dict
from tuidl.core.runs.store import (
    RunWriter,
    delete_run,
    end_orphan_run,
    mark_run_ended,
    rename_run,
    set_tags,
)

__all__ = [
    "DEFAULT_RUNS_DIR",
    "FORMAT_VERSION",
    "MAX_INSIGHT_BYTES",
    "MAX_RUN_FILE_BYTES",
    "RUN_NAME_MAX",
    "SORT_COLUMNS",
    "STATUSES",
    "TORN_LINE_NOTE",
    "UNREADABLE",
    "ErrorInfo",
    "FindingInfo",
    "JsonlFollower",
    "MetricsFollower",
    "MetricsSummary",
    "RunError",
    "RunFollower",
    "RunIndex",
    "RunInfo",
    "RunRecord",
    "RunSummary",
    "RunWriter",
    "SummaryInfo",
    "UnreadableFile",
    "atomic_write",
    "config_diff",
    "delete_run",
    "describe_component",
    "diff_words",
    "encode_record",
    "end_orphan_run",
    "export_csv",
    "filter_runs",
    "flatten",
    "folder_safe",
    "iso",
    "list_runs",
    "list_summaries",
    "mark_run_ended",
    "metric_mode",
    "new_run_id",
    "pid_alive",
    "read_batches_checked",
    "read_insight_checked",
    "read_jsonl_checked",
    "read_metrics",
    "read_metrics_checked",
    "read_run",
    "read_run_file",
    "read_run_info",
    "read_run_json",
    "read_run_text",
    "read_spec_dict",
    "rename_run",
    "run_name",
    "runs_dir",
    "set_tags",
    "sort_runs",
    "spec_facts",
]
