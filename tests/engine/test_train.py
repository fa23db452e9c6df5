"""engine.train: the one training path, on real digits data with tiny runs."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from tuidl.core.events import BatchProgress, EpochEnded, RunDiverged, RunFailed, RunFinished, RunStarted
from tuidl.core.presets import load_experiment, resolved
from tuidl.core.runs import read_run
from tuidl.core.spec import approx_equal, load
from tuidl.engine.train import BATCH_EVENT_INTERVAL, Control, train

pytestmark = pytest.mark.keras  # trains in this process


def _mlp(*overrides: str):
    return load_experiment("digits-mlp", ["fit.epochs=2", *overrides])


class _Recorder:
    """emit(): keeps events with the monotonic time they arrived."""

    def __init__(self, on_event=None) -> None:
        self.events, self.times, self.on_event = [], [], on_event

    def __call__(self, ev) -> None:
        self.events.append(ev)
        self.times.append(time.monotonic())
        if self.on_event is not None:
            self.on_event(ev)

    def of(self, cls):
        return [e for e in self.events if isinstance(e, cls)]


def _BatchCounter():  # noqa: N802 - used like the class it makes
    """A Keras callback that counts the batches it sees (``.batches``); Keras imported here, not at collection."""
    import keras

    class BatchCounter(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1

    return BatchCounter()


def test_two_epochs_events_and_run_folder(runs_dir: Path):
    exp = _mlp()
    rec = _Recorder()
    result = train(exp, rec, runs_dir=runs_dir)
    assert result.status == "completed" and result.epochs_done == 2 and result.error is None

    kinds = [type(e).__name__ for e in rec.events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert set(kinds[1:-1]) == {"BatchProgress", "EpochEnded"}
    started = rec.events[0]
    assert started.epochs == 2 and started.steps_per_epoch == math.ceil(1438 / 32)
    assert started.summary.total_params == 6570 and Path(started.run_dir) == result.run_dir
    first_batch = rec.of(BatchProgress)[0]
    assert (first_batch.epoch, first_batch.batch, first_batch.step) == (0, 0, 0)
    assert all(isinstance(v, float) for b in rec.of(BatchProgress) for v in b.logs.values())
    epochs = rec.of(EpochEnded)
    assert [e.epoch for e in epochs] == [0, 1]
    assert [e.step for e in epochs] == [45, 90]
    for e in epochs:
        assert {"loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"} <= set(e.logs)
        assert all(math.isfinite(v) for v in e.logs.values())
    assert epochs[1].logs["loss"] < epochs[0].logs["loss"]
    # batch events of an epoch come before its EpochEnded
    i_end0 = rec.events.index(epochs[0])
    assert all(b.epoch == 0 for b in rec.of(BatchProgress) if rec.events.index(b) < i_end0)
    fin = rec.events[-1]
    assert (fin.status, fin.epochs_done, fin.run_id) == ("completed", 2, result.run_id)

    d = result.run_dir
    assert {"spec.toml", "metrics.jsonl", "run.json", "model.keras", "engine.log"} <= {p.name for p in d.iterdir()}
    lines = [json.loads(l) for l in (d / "metrics.jsonl").read_text().splitlines()]
    assert [l["epoch"] for l in lines] == [0, 1]
    for rec_line, ev in zip(lines, epochs):
        assert {"epoch", "step", "time", "loss", "val_loss", "accuracy", "val_accuracy"} <= set(rec_line)
        assert rec_line["loss"] == pytest.approx(ev.logs["loss"])
        assert rec_line["time"] >= 0
    info = json.loads((d / "run.json").read_text())
    assert info["status"] == "completed" and info["error"] is None
    assert info["started"] and info["ended"] and info["epochs_done"] == 2 and info["params"] == 6570
    assert info["dataset"]["name"] == "digits"
    assert read_run(d).status == "completed"
    # spec.toml re-loads, presets resolved inline
    again = load(d / "spec.toml")
    assert approx_equal(again.model_dump(), resolved(exp).model_dump())
    assert not isinstance(again.compile.optimizer, str)
    # model.keras is the trained model
    import keras

    model = keras.saving.load_model(d / "model.keras")
    assert [l.name for l in model.layers] == ["flatten", "dense", "dense_1", "dense_2"]
    assert model.count_params() == 6570
    assert "completed after 2 epochs" in (d / "engine.log").read_text()


def test_batch_events_are_throttled(runs_dir: Path):
    rec = _Recorder()
    counter = _BatchCounter()
    result = train(_mlp("fit.epochs=1", "fit.batch_size=4"), rec, runs_dir=runs_dir, extra_callbacks=[counter])
    assert result.status == "completed"
    batch_times = [t for e, t in zip(rec.events, rec.times) if isinstance(e, BatchProgress)]
    assert counter.batches == 360 and 1 <= len(batch_times) < counter.batches
    gaps = [b - a for a, b in zip(batch_times, batch_times[1:])]
    assert all(g >= BATCH_EVENT_INTERVAL * 0.99 for g in gaps), min(gaps)


def test_stop_after_first_batch_ends_within_one_batch(runs_dir: Path):
    control = Control()
    counter = _BatchCounter()
    rec = _Recorder(lambda ev: isinstance(ev, BatchProgress) and control.stop())
    result = train(_mlp("fit.epochs=3"), rec, control, runs_dir=runs_dir, extra_callbacks=[counter])
    assert result.status == "stopped" and result.epochs_done == 0
    assert counter.batches == 1  # the stop asked during batch 0's event took effect right after it
    assert not rec.of(EpochEnded)
    assert rec.events[-1] == RunFinished(result.run_id, "stopped", 0, rec.events[-1].seconds)
    info = json.loads((result.run_dir / "run.json").read_text())
    assert info["status"] == "stopped" and info["epochs_done"] == 0
    assert (result.run_dir / "metrics.jsonl").read_text() == ""
    assert not (result.run_dir / "model.keras").exists()  # no finished epoch, no weights worth keeping


def test_stop_mid_run_keeps_finished_epochs(runs_dir: Path):
    control = Control()
    counter = _BatchCounter()

    def on_event(ev):
        if isinstance(ev, BatchProgress) and ev.epoch == 1:
            control.stop()

    rec = _Recorder(on_event)
    result = train(_mlp("fit.epochs=5"), rec, control, runs_dir=runs_dir, extra_callbacks=[counter])
    assert result.status == "stopped" and result.epochs_done == 1
    assert counter.batches == 45 + 1
    assert [e.epoch for e in rec.of(EpochEnded)] == [0]  # the unfinished epoch is dropped
    assert len((result.run_dir / "metrics.jsonl").read_text().splitlines()) == 1
    assert (result.run_dir / "model.keras").is_file()
    assert json.loads((result.run_dir / "run.json").read_text())["status"] == "stopped"


def test_diverging_optimizer_ends_diverged(runs_dir: Path):
    exp = _mlp('compile.optimizer={class_name="SGD",config={learning_rate=1e6}}')
    rec = _Recorder()
    result = train(exp, rec, runs_dir=runs_dir)
    assert result.status == "diverged"
    div = rec.events[-1]
    assert isinstance(div, RunDiverged) and div.metric == "loss" and div.value in ("nan", "inf")
    assert div.epochs_done == result.epochs_done == 0 and not rec.of(RunFinished)
    info = json.loads((result.run_dir / "run.json").read_text())
    assert info["status"] == "diverged" and "loss became" in info["error"]["message"]
    assert not (result.run_dir / "model.keras").exists()


def test_divergence_in_second_epoch_keeps_first(runs_dir: Path):
    import keras

    class Blowup(keras.callbacks.Callback):  # a huge weight at epoch 1: the loss overflows at once
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                k = self.model.layers[-1].kernel
                k.assign(k * 1e38)

    counter = _BatchCounter()
    rec = _Recorder()
    result = train(_mlp("fit.epochs=4"), rec, runs_dir=runs_dir, extra_callbacks=[Blowup(), counter])
    assert result.status == "diverged" and result.epochs_done == 1
    assert counter.batches == 45 + 1  # stopped at the first non-finite batch
    div = rec.of(RunDiverged)[0]
    assert (div.epoch, div.batch) == (1, 0)
    # run.json says where (0-based, as metrics.jsonl), for the runs browser's chart; the engine
    # log says it 1-based, as the status line and the error message do
    error = json.loads((result.run_dir / "run.json").read_text())["error"]
    assert (error["epoch"], error["batch"], error["metric"]) == (1, 0, "loss") and error["value"] in ("nan", "inf")
    assert "in epoch 2, batch 1" in error["message"]
    assert "at epoch 2 batch 1" in (result.run_dir / "engine.log").read_text()
    lines = [json.loads(l) for l in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 1 and math.isfinite(lines[0]["loss"])


def test_build_error_is_reported_not_raised_and_writes_nothing(runs_dir: Path):
    exp = _mlp('model.layers[0].class_name="Conv2D"', "model.layers[0].config={filters=4,kernel_size=9}")
    rec = _Recorder()
    result = train(exp, rec, runs_dir=runs_dir)
    assert result.status == "failed" and result.error["kind"] == "build"
    assert result.run_id == "" and result.run_dir is None
    (failed,) = rec.events
    assert isinstance(failed, RunFailed) and failed.kind == "build" and failed.run_id == ""
    # tuidl's own rule refuses it (before Keras builds anything), naming the layer 1-based as `tuidl check` does
    assert "layer 1 conv2d (Conv2D) kernel_size 9x9 is larger than its input" in failed.message and failed.hint
    assert list(runs_dir.iterdir()) == []  # a run that never started has no folder


@pytest.mark.parametrize(
    "overrides, kind, words",
    [
        # pre-flight: a two-class loss on ten classes
        (
            [
                'compile.loss="binary_crossentropy"',
                "model.layers[3].config.units=1",
                'model.layers[3].config.activation="sigmoid"',
            ],
            "build",
            "Pre-flight",
        ),
        # the user's CSV file is missing
        (['data.name="csv"', 'data.path="no-such.csv"', 'data.target="label"'], "data", "no-such.csv"),
    ],
)
def test_runs_that_cannot_start_leave_no_folder(overrides, kind: str, words: str, runs_dir: Path, tmp_path: Path):
    rec = _Recorder()
    result = train(_mlp(*overrides), rec, runs_dir=runs_dir, base_dir=tmp_path)
    assert result.status == "failed" and result.run_dir is None and result.error["kind"] == kind
    (failed,) = rec.events
    assert isinstance(failed, RunFailed) and failed.kind == kind and failed.run_id == ""
    assert words in failed.title + failed.message, failed
    assert list(runs_dir.iterdir()) == []


def test_stop_while_loading_starts_no_run(runs_dir: Path):
    control = Control()
    control.stop()  # asked before the first batch: nothing has been trained, nothing to keep
    rec = _Recorder()
    result = train(_mlp(), rec, control, runs_dir=runs_dir)
    assert result.status == "stopped" and result.run_dir is None and result.epochs_done == 0
    (fin,) = rec.events
    assert isinstance(fin, RunFinished) and fin.status == "stopped" and fin.run_id == ""
    assert list(runs_dir.iterdir()) == []


def test_run_json_counts_epochs_as_they_finish(runs_dir: Path):
    """run.json never lies: epochs_done follows metrics.jsonl, and dataset is an object from the first write."""
    seen: list[dict] = []

    def on_event(ev):
        if isinstance(ev, (RunStarted, EpochEnded)):
            d = Path(ev.run_dir) if isinstance(ev, RunStarted) else runs_dir / ev.run_id
            seen.append(json.loads((d / "run.json").read_text()))

    result = train(_mlp("fit.epochs=3"), _Recorder(on_event), runs_dir=runs_dir)
    assert result.status == "completed"
    assert [i["epochs_done"] for i in seen] == [0, 1, 2, 3]
    assert all(i["status"] == "running" for i in seen)
    assert all(isinstance(i["dataset"], dict) and i["dataset"]["name"] == "digits" for i in seen)
    final = json.loads((result.run_dir / "run.json").read_text())
    assert final["epochs_done"] == 3 and final["model"] == "model.keras" and isinstance(final["dataset"], dict)


def test_unexpected_exception_is_a_train_failure(runs_dir: Path):
    import keras

    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom at the end of epoch")

    rec = _Recorder()
    result = train(_mlp(), rec, runs_dir=runs_dir, extra_callbacks=[Boom()])
    assert result.status == "failed"
    failed = rec.events[-1]
    assert isinstance(failed, RunFailed) and failed.kind == "train"
    assert failed.message == "RuntimeError: boom at the end of epoch" and "Traceback" not in failed.message
    assert failed.epochs_done == 1  # the streaming callback ran before Boom
    log_text = (result.run_dir / "engine.log").read_text()
    assert "Traceback" in log_text and "boom" in log_text  # details go to the log


def test_unknown_preset_fails_before_run_folder(runs_dir: Path):
    exp = _mlp()
    bad = exp.model_copy(deep=True)
    bad.compile.optimizer = "nope"
    rec = _Recorder()
    result = train(bad, rec, runs_dir=runs_dir)
    assert result.status == "failed" and result.run_dir is None and result.error["kind"] == "spec"
    assert isinstance(rec.events[0], RunFailed) and 'compile.optimizer = "nope"' in rec.events[0].message
    assert list(runs_dir.iterdir()) == []


def test_early_stopping_ends_stopped(runs_dir: Path):
    exp = _mlp(
        "fit.epochs=6",
        'fit.callbacks=[{class_name="EarlyStopping",config={monitor="loss",patience=0,min_delta=100.0}}]',
    )
    result = train(exp, None, runs_dir=runs_dir)
    # epoch 0 sets the baseline, epoch 1 does not improve by 100: Keras stops after it
    assert result.status == "stopped" and result.epochs_done == 2


def test_python_api(runs_dir: Path):
    import tuidl

    seen = []
    result = tuidl.train("digits-mlp", runs_dir=runs_dir, overrides={"fit.epochs": 1}, on_event=seen.append)
    assert result.ok and result.epochs_done == 1 and result.run_dir.parent == runs_dir
    assert isinstance(seen[0], RunStarted) and isinstance(seen[-1], RunFinished)
    assert len(result.history) == 1 and "val_loss" in result.history[0]


def test_unwritable_runs_dir_is_reported(tmp_path: Path):
    not_a_dir = tmp_path / "runs"
    not_a_dir.write_text("a file, not a folder")
    rec = _Recorder()
    result = train(_mlp(), rec, runs_dir=not_a_dir)
    assert result.status == "failed" and result.run_dir is None
    failed = rec.events[-1]
    assert isinstance(failed, RunFailed) and failed.title == "Cannot write the run folder"
    # the path and the OS's reason, said once (the title is not repeated in the message)
    assert failed.message == f"{not_a_dir}: Not a directory", failed.message


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("xor-mlp", []),  # binary_crossentropy: labels as (n, 1) floats
        ("diabetes-regression", []),  # regression targets
        ("csv-example", []),  # the user's CSV, path relative to the preset
        ("digits-mlp", ["compile.loss=categorical_crossentropy"]),  # one-hot labels
    ],
)
def test_presets_of_other_data_and_losses_train(name: str, overrides: list[str], runs_dir: Path):
    exp = load_experiment(name, ["fit.epochs=1", *overrides])
    result = train(exp, None, runs_dir=runs_dir)
    assert result.status == "completed", result.error
    assert math.isfinite(result.history[0]["loss"])


def test_callback_factories_get_the_run_folder(runs_dir: Path):
    seen = []

    def factory(run_dir: Path):
        seen.append(run_dir)
        return _BatchCounter()

    result = train(_mlp("fit.epochs=1"), None, runs_dir=runs_dir, extra_callbacks=[factory, lambda d: None])
    assert result.status == "completed" and seen == [result.run_dir]


def test_a_resolved_experiment_trains_without_looking_up_a_preset(runs_dir: Path, monkeypatch):
    """Presets are resolved once, where the experiment enters; training, compiling, the loss and the
    checks read the components inline (issue 9 item 3b)."""
    exp = resolved(load_experiment("iris-mlp", ["fit.epochs=1"]))

    def no_lookup(*_a, **_k):
        raise AssertionError("a preset was looked up during training")

    monkeypatch.setattr("tuidl.core.components.components", no_lookup)
    result = train(exp, _Recorder(), runs_dir=runs_dir)
    assert result.status == "completed", result.error
    assert approx_equal(load(Path(result.run_dir) / "spec.toml").model_dump(), exp.model_dump())
