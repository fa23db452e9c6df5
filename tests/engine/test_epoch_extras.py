"""engine.epoch_extras: regularization_loss and the inference-mode train re-evaluation in metrics.jsonl."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tuidl.core.events import EpochEnded
from tuidl.core.spec import loads

pytestmark = pytest.mark.keras  # trains in this process

L2 = 0.01

_TINY = """
name = "tiny"
[data]
name = "xor"
validation_split = 0.25
[data.options]
n_samples = 80
[[model.layers]]
class_name = "Dense"
config = {{ units = 4, activation = "relu"{reg} }}
{extra}
[[model.layers]]
class_name = "Dense"
config = {{ units = 2, activation = "softmax" }}
[compile]
loss = "sparse_categorical_crossentropy"
metrics = ["accuracy"]
[fit]
epochs = 2
batch_size = 16
{fit}
"""

_REG = f', kernel_regularizer = {{ class_name = "L2", config = {{ l2 = {L2} }} }}'
_DROPOUT = '[[model.layers]]\nclass_name = "Dropout"\nconfig = { rate = 0.5 }'


def _run(tmp: Path, reg: str = "", extra: str = "", fit: str = "") -> tuple[Path, list[dict]]:
    from tuidl.engine.train import train

    events: list = []
    exp = loads(_TINY.format(reg=reg, extra=extra, fit=fit))
    result = train(exp, events.append, runs_dir=tmp)
    assert result.status == "completed", result.error
    records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    streamed = [e.logs for e in events if isinstance(e, EpochEnded)]
    for rec, logs in zip(records, streamed, strict=True):  # the stream and the file carry the same keys
        assert {k for k in rec if k not in ("epoch", "step", "time")} == set(logs)
    return result.run_dir, records


@pytest.fixture(scope="module")
def l2_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """One run of a Dense model with an L2 kernel regularizer and a Dropout layer (train_eval auto: on)."""
    return _run(tmp_path_factory.mktemp("runs"), reg=_REG, extra=_DROPOUT)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """One run without regularizer, BatchNormalization or Dropout."""
    return _run(tmp_path_factory.mktemp("runs"))


def _kernels(model_keras: Path) -> list[np.ndarray]:
    """The Dense kernels saved in ``model.keras`` (read with h5py from its weights file)."""
    import h5py

    out = []
    with zipfile.ZipFile(model_keras) as z, z.open("model.weights.h5") as f, h5py.File(f) as h5:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.ndim == 2:
                out.append(np.asarray(obj, dtype=np.float64))

        h5.visititems(visit)
    return out


def test_regularization_loss_is_the_l2_penalty_of_the_saved_weights(l2_run) -> None:
    run_dir, records = l2_run
    assert all("regularization_loss" in r for r in records)
    kernels = _kernels(run_dir / "model.keras")
    # the regularized Dense kernel is the first one (shape (2, 4)); the head has none
    first = next(k for k in kernels if k.shape == (2, 4))
    expected = L2 * float(np.sum(first**2))
    assert records[-1]["regularization_loss"] == pytest.approx(expected, rel=1e-4)
    assert records[-1]["regularization_loss"] < records[-1]["loss"]


def test_train_eval_on_for_dropout_by_default(l2_run) -> None:
    _, records = l2_run
    for r in records:
        assert {"train_eval_loss", "train_eval_accuracy"} <= set(r)
        assert 0.0 <= r["train_eval_accuracy"] <= 1.0


def test_no_extras_without_regularizer_or_dropout(plain_run) -> None:
    _, records = plain_run
    assert records and not any(k == "regularization_loss" or k.startswith("train_eval_") for r in records for k in r)


def test_train_eval_on_by_setting_without_dropout(tmp_path: Path) -> None:
    _, on = _run(tmp_path, fit='train_eval = "on"')
    assert all("train_eval_loss" in r for r in on)


def test_train_eval_off_with_dropout(tmp_path: Path) -> None:
    _, off = _run(tmp_path, extra=_DROPOUT, fit='train_eval = "off"')
    assert not any(k.startswith("train_eval_") for r in off for k in r)
