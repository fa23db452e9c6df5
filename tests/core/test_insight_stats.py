"""Insight without Keras: the statistics of one tensor, the ``[insight]`` section, and the
run store's ``insight.jsonl`` / ``batches.jsonl`` writer and readers."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from tuidl.core.errors import SpecError
from tuidl.core.insight import HISTOGRAM_BINS, PERCENTILE_BANDS, tensor_stats
from tuidl.core.runs import RunWriter, read_batches_checked, read_insight_checked, read_jsonl_checked
from tuidl.core.spec import Experiment, InsightSpec, loads


def test_tensor_stats_equal_numpy():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(7, 5)).astype(np.float32)
    a[0, 0] = 0.0
    s = tensor_stats(a)
    f = a.astype(np.float64).ravel()
    assert s["size"] == 35 and s["nonfinite"] == 0
    assert s["mean"] == pytest.approx(f.mean(), rel=1e-12)
    assert s["std"] == pytest.approx(f.std(), rel=1e-12)
    assert (s["min"], s["max"]) == (f.min(), f.max())
    assert s["norm"] == pytest.approx(np.linalg.norm(f), rel=1e-12)
    assert s["zero_fraction"] == pytest.approx(1 / 35)
    assert s["percentiles"] == pytest.approx(list(np.percentile(f, PERCENTILE_BANDS)), rel=1e-12)
    counts, edges = np.histogram(f, bins=HISTOGRAM_BINS)
    assert s["counts"] == counts.tolist() and s["edges"] == pytest.approx(edges.tolist())
    assert len(s["counts"]) == 30 and len(s["edges"]) == 31 and sum(s["counts"]) == 35
    assert "dead_fraction" not in s


def test_dead_fraction_counts_units_zero_for_every_sample():
    a = np.ones((4, 3, 2))
    a[:, 0, 1] = 0.0  # one unit of six dead
    a[1, 2, 0] = 0.0  # zero for one sample only: alive
    s = tensor_stats(a, units=True)
    assert s["dead_fraction"] == pytest.approx(1 / 6)
    assert s["zero_fraction"] == pytest.approx(5 / 24)


def test_non_finite_values_show_in_the_moments_not_in_the_histogram():
    s = tensor_stats([1.0, float("nan"), 3.0, float("inf")])
    assert s["nonfinite"] == 2 and math.isnan(s["mean"])
    assert sum(s["counts"]) == 2 and s["percentiles"][0] == 1.0 and s["percentiles"][-1] == 3.0
    empty = tensor_stats(np.zeros((0, 3)), units=True)
    assert empty["size"] == 0 and empty["counts"] == [] and math.isnan(empty["dead_fraction"])


def test_insight_section_defaults_validation_and_toml():
    assert Experiment().insight == InsightSpec(enabled=True, probe_size=256, every_epochs=1, gradient_every_batches=10)
    assert "[insight]" not in Experiment().to_toml()  # defaults: the file stays as it was
    off = Experiment().with_overrides(["insight.enabled=false", "insight.probe_size=64"])
    assert "[insight]" in off.to_toml() and loads(off.to_toml()) == off
    with pytest.raises(SpecError) as e:
        loads('[insight]\nprobe_size = 0\nenabled = "yes"\nevery = 2\n')
    text = str(e.value)
    assert "insight.probe_size = 0: must be >= 1 and <= 4096" in text
    assert "insight.enabled" in text and "true or false" in text
    assert "insight.every = 2: unknown field; allowed: enabled, probe_size, every_epochs" in text


def test_no_insight_option_of_tuidl_run():
    from tuidl.cli import _parser as build_parser

    args = build_parser().parse_args(["run", "digits-mlp", "--no-insight"])
    assert args.no_insight is True
    assert build_parser().parse_args(["run", "digits-mlp"]).no_insight is False


def _writer(tmp_path) -> RunWriter:
    w = RunWriter(tmp_path, "r1")
    return w


def test_writer_appends_insight_and_batches_and_readers_read_them(tmp_path):
    w = _writer(tmp_path)
    assert not (w.dir / "insight.jsonl").exists() and not (w.dir / "batches.jsonl").exists()
    w.insight([{"epoch": -1, "layer": "dense", "kind": "kernel", "mean": float("nan"), "edges": [0.0, 1.0]}])
    w.insight([{"epoch": 0, "layer": "dense", "kind": "kernel", "mean": 1.5, "edges": [float("inf")]}])
    w.batch({"step": 10, "epoch": 0, "batch": 9, "loss": 0.5, "learning_rate": 0.001, "gradient_norm": 2.0})
    w.close()
    text = (w.dir / "insight.jsonl").read_text()
    assert "NaN" in text and "Infinity" in text  # as metrics.jsonl writes them
    recs, notes = read_insight_checked(w.dir)
    assert notes == [] and [r["epoch"] for r in recs] == [-1, 0]
    assert math.isnan(recs[0]["mean"]) and recs[1]["edges"] == [float("inf")]
    rows, notes = read_batches_checked(w.dir)
    assert notes == [] and rows[0]["gradient_norm"] == 2.0
    with pytest.raises(OSError):
        w.batch({"step": 20})


def test_reader_skips_a_torn_last_line_and_bad_lines(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "insight.jsonl").write_bytes(b'{"epoch": -1}\nnot json\n[1]\n{"epoch": 0}\n{"epoch": 1, "me')
    recs, notes = read_insight_checked(d)
    assert [r["epoch"] for r in recs] == [-1, 0]
    assert notes == ["insight.jsonl: 2 unreadable lines skipped", "insight.jsonl: last line incomplete, ignored"]
    assert read_batches_checked(d) == ([], [])  # missing: nothing, no note


def test_reader_refuses_symbolic_links_and_files_too_large(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    target = tmp_path / "elsewhere.jsonl"
    target.write_text('{"epoch": 0}\n')
    os.symlink(target, d / "insight.jsonl")
    assert read_insight_checked(d) == ([], ["insight.jsonl: a symbolic link (not followed)"])
    link = tmp_path / "linked-run"
    os.symlink(d, link)
    recs, notes = read_insight_checked(link)
    assert recs == [] and notes == ["run folder: a symbolic link (not followed)"]
    (d / "batches.jsonl").write_text('{"step": 10}\n' * 100)
    recs, notes = read_jsonl_checked(d, "batches.jsonl", limit=100)
    assert recs == [] and "over the" in notes[0]


def test_the_training_form_keeps_the_insight_section():
    from tuidl.ui.widgets.training_form import settings_of, with_settings

    exp = Experiment().with_overrides(["insight.enabled=false", "insight.every_epochs=5"])
    settings = settings_of(exp)
    settings["fit"]["epochs"] = 3
    out = with_settings(exp, settings)
    assert out.fit.epochs == 3 and out.insight == exp.insight


def test_a_follower_reads_insight_lines_as_they_are_appended(tmp_path):
    from tuidl.core.runs import JsonlFollower

    w = _writer(tmp_path)
    f = JsonlFollower(w.dir / "insight.jsonl")
    assert f.poll() == [] and f.notes(live=True) == []
    w.insight([{"epoch": -1, "kind": "kernel"}, {"epoch": -1, "kind": "activation"}])
    assert [r["kind"] for r in f.poll()] == ["kernel", "activation"]
    with open(w.dir / "insight.jsonl", "ab") as fh:
        fh.write(b'{"epoch": 0, "ki')
    assert f.poll() == [] and f.notes(live=False) == ["insight.jsonl: last line incomplete, ignored"]


def test_insight_settings_are_no_word_of_a_run_name():
    from tuidl.core.presets import load_experiment, resolved, run_name_for

    exp = resolved(load_experiment("digits-mlp", ["insight.enabled=false", "insight.probe_size=64", "fit.epochs=3"]))
    assert run_name_for(exp) == "digits-mlp epochs=3"
