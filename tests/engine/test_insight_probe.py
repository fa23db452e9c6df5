"""engine.insight: what insight.jsonl and batches.jsonl hold after a tiny run, checked against
numpy and an independent GradientTape on the same probe batch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tuidl.core.insight import PERCENTILE_BANDS
from tuidl.core.runs import read_batches_checked, read_insight_checked, read_metrics
from tuidl.core.spec import loads

pytestmark = pytest.mark.keras  # trains in this process

TINY = """
name = "tiny"

[data]
name = "xor"
validation_split = 0.2
options = { n_samples = 200 }

[[model.layers]]
class_name = "Dense"
config = { units = 8, activation = "relu", kernel_regularizer = { class_name = "L2", config = { l2 = 0.01 } } }

[[model.layers]]
class_name = "BatchNormalization"
config = {}

[[model.layers]]
class_name = "Dropout"
config = { rate = 0.5 }

[[model.layers]]
class_name = "Dense"
config = { units = 1, activation = "sigmoid" }

[compile]
optimizer = "adam"
loss = "binary_crossentropy"

[fit]
epochs = 2
batch_size = 16
seed = 3

[insight]
probe_size = 64
gradient_every_batches = 4
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs of one tiny experiment: with insight, and with ``tuidl run --no-insight``."""
    from tuidl.cli import main
    from tuidl.engine.train import train

    root = tmp_path_factory.mktemp("insight-runs")
    spec = root / "tiny.toml"
    spec.write_text(TINY)
    exp = loads(TINY)
    on = train(exp, runs_dir=root / "on")
    assert on.status == "completed", on.error
    assert main(["run", str(spec), "--runs-dir", str(root / "off"), "--no-insight"]) == 0
    (off,) = (root / "off").iterdir()
    return exp, on.run_dir, off


def _probe(exp):
    """The probe batch rebuilt as the engine draws it (same data pipeline, same indices)."""
    from tuidl.engine.data import fit_to_model, labels_for_loss, load_data
    from tuidl.engine.insight import probe_indices

    ds = load_data(exp.data, exp.fit.seed, None)
    x = fit_to_model(ds.x_train, "Dense")
    y = labels_for_loss(ds.y_train, exp.compile.loss, ds.n_classes)
    idx = probe_indices(len(x), exp.insight.probe_size, exp.fit.seed)
    return np.asarray(x)[idx], np.asarray(y)[idx]


def _at(records, epoch, layer, kind):
    (r,) = [r for r in records if r["epoch"] == epoch and r["layer"] == layer and r["kind"] == kind]
    return r


def _same(rec, values, rel=1e-5):
    v = np.asarray(values, dtype=np.float64).ravel()
    assert rec["size"] == v.size
    for key, want in (("mean", v.mean()), ("std", v.std()), ("min", v.min()), ("max", v.max())):
        assert rec[key] == pytest.approx(want, rel=rel, abs=1e-6), key
    assert rec["norm"] == pytest.approx(np.linalg.norm(v), rel=rel)
    assert rec["zero_fraction"] == pytest.approx(np.mean(v == 0.0), abs=1e-9)
    assert rec["percentiles"] == pytest.approx(list(np.percentile(v, PERCENTILE_BANDS)), rel=rel, abs=1e-6)
    assert sum(rec["counts"]) == v.size and len(rec["edges"]) == 31


def test_records_cover_every_layer_before_training_and_after_each_epoch(runs):
    _, run_dir, _ = runs
    recs, notes = read_insight_checked(run_dir)
    assert notes == []
    assert sorted({r["epoch"] for r in recs}) == [-1, 0, 1]
    kinds = {(r["layer"], r["kind"]) for r in recs if r["epoch"] == 1}
    assert kinds == {
        ("dense", "kernel"),
        ("dense", "activation"),
        ("dense", "gradient"),
        ("batch_normalization", "input"),
        ("batch_normalization", "activation"),
        ("dropout", "activation"),
        ("dense_1", "kernel"),
        ("dense_1", "activation"),
        ("dense_1", "gradient"),
    }
    act = _at(recs, 1, "dense", "activation")
    assert act["shape"] == [8] and "dead_fraction" in act
    assert _at(recs, -1, "dense", "kernel")["step"] == 0


def test_last_epoch_kernel_statistics_equal_the_saved_weights(runs):
    import keras

    _, run_dir, _ = runs
    recs, _ = read_insight_checked(run_dir)
    model = keras.models.load_model(run_dir / "model.keras")
    for name in ("dense", "dense_1"):
        _same(_at(recs, 1, name, "kernel"), model.get_layer(name).kernel.numpy())


def test_activation_and_gradient_statistics_equal_an_independent_computation(runs):
    import keras
    import tensorflow as tf

    exp, run_dir, _ = runs
    recs, _ = read_insight_checked(run_dir)
    model = keras.models.load_model(run_dir / "model.keras")
    x, y = _probe(exp)
    d0, bn, d1 = model.get_layer("dense"), model.get_layer("batch_normalization"), model.get_layer("dense_1")
    w0, b0 = (v.numpy().astype(np.float64) for v in d0.weights)
    a0 = np.maximum(x @ w0 + b0, 0.0)  # numpy, not Keras: Dense + relu
    gamma, beta, mean, var = (v.numpy().astype(np.float64) for v in bn.weights)
    a1 = (a0 - mean) / np.sqrt(var + bn.epsilon) * gamma + beta  # inference-mode BatchNormalization
    w1, b1 = (v.numpy().astype(np.float64) for v in d1.weights)
    out = 1 / (1 + np.exp(-(a1 @ w1 + b1)))
    _same(_at(recs, 1, "dense", "activation"), a0)
    _same(_at(recs, 1, "batch_normalization", "input"), a0)
    _same(_at(recs, 1, "batch_normalization", "activation"), a1)
    _same(_at(recs, 1, "dropout", "activation"), a1)  # training=False: no units dropped
    _same(_at(recs, 1, "dense_1", "activation"), out, rel=1e-4)
    dead = np.mean(np.all(a0 == 0.0, axis=0))
    assert _at(recs, 1, "dense", "activation")["dead_fraction"] == pytest.approx(dead)
    with tf.GradientTape() as tape:
        pred = model(x, training=False)
        loss = keras.losses.BinaryCrossentropy()(y, pred) + 0.01 * tf.reduce_sum(tf.square(d0.kernel))
    g0, g1 = tape.gradient(loss, [d0.kernel, d1.kernel])
    _same(_at(recs, 1, "dense", "gradient"), g0.numpy(), rel=1e-4)
    _same(_at(recs, 1, "dense_1", "gradient"), g1.numpy(), rel=1e-4)


def test_batches_jsonl_every_n_batches(runs):
    exp, run_dir, _ = runs
    rows, notes = read_batches_checked(run_dir)
    info = json.loads((run_dir / "run.json").read_text())
    steps = info["steps_per_epoch"]  # 160 samples / 16 = 10
    per_epoch = steps // exp.insight.gradient_every_batches
    assert notes == [] and len(rows) == per_epoch * exp.fit.epochs
    assert [r["batch"] for r in rows[:per_epoch]] == [4 * k - 1 for k in range(1, per_epoch + 1)]
    assert all(r["step"] == r["epoch"] * steps + r["batch"] + 1 for r in rows)
    assert all(r["learning_rate"] == pytest.approx(0.001) for r in rows)
    assert all(r["gradient_norm"] > 0 and r["loss"] > 0 for r in rows)


def test_no_insight_writes_neither_file_and_training_is_unchanged(runs):
    _, on, off = runs
    assert not (Path(off) / "insight.jsonl").exists() and not (Path(off) / "batches.jsonl").exists()
    assert "enabled = false" in (Path(off) / "spec.toml").read_text()
    with_, without = read_metrics(on / "metrics.jsonl"), read_metrics(Path(off) / "metrics.jsonl")
    for a, b in zip(with_, without, strict=True):
        for key in ("loss", "val_loss"):
            assert a[key] == pytest.approx(b[key], rel=1e-6)


def test_every_epochs_measures_before_training_every_nth_epoch_and_the_last(tmp_path):
    from tuidl.engine.train import train

    exp = loads(TINY).with_overrides(["fit.epochs=3", "insight.every_epochs=2"])
    r = train(exp, runs_dir=tmp_path)
    assert r.status == "completed"
    recs, _ = read_insight_checked(r.run_dir)
    assert sorted({rec["epoch"] for rec in recs}) == [-1, 1, 2]


def test_a_measurement_that_fails_never_fails_the_run(tmp_path, monkeypatch):
    from tuidl.engine.insight import Probe
    from tuidl.engine.train import train

    def broken(self):
        raise RuntimeError("probe broke")

    monkeypatch.setattr(Probe, "gradient_norm", broken)
    r = train(loads(TINY), runs_dir=tmp_path)
    assert r.status == "completed" and r.epochs_done == 2
    assert not (r.run_dir / "batches.jsonl").exists()
    assert {rec["epoch"] for rec in read_insight_checked(r.run_dir)[0]} == {-1}  # measuring stopped there
    assert "insight: measuring failed (RuntimeError: probe broke)" in (r.run_dir / "engine.log").read_text()
