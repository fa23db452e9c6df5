"""core.derived: the data loss apart from the weight penalty, and the curves' labels (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuidl.core.derived import curve_labels, derive, derived_keys, includes_penalty
from tuidl.core.history import RunHistory


def _history(*records: dict) -> RunHistory:
    return RunHistory.from_records([{"epoch": i, "step": i + 1, "time": 0.1 * i, **r} for i, r in enumerate(records)])


def test_data_loss_is_loss_less_the_penalty() -> None:
    h = _history(
        {"loss": 1.5, "val_loss": 1.7, "regularization_loss": 0.5},
        {"loss": 1.0, "val_loss": 1.2, "regularization_loss": 0.25},
    )
    assert "data_loss" in h.keys() and "val_data_loss" in h.keys()
    xs, ys = h.series("data_loss")
    assert xs.tolist() == [1.0, 2.0] and ys.tolist() == pytest.approx([1.0, 0.75])
    assert h.series("val_data_loss")[1].tolist() == pytest.approx([1.2, 0.95])
    assert h.last("data_loss") == pytest.approx(0.75)
    assert h.best("val_data_loss") == (1, pytest.approx(0.95))


def test_no_data_loss_without_a_penalty() -> None:
    h = _history({"loss": 1.0, "val_loss": 1.1})
    assert "data_loss" not in h.keys() and h.last("data_loss") is None
    assert derived_keys(["loss", "val_loss"]) == []


def test_derived_keys_and_missing_values() -> None:
    keys = ["loss", "regularization_loss", "train_eval_loss"]
    assert derived_keys(keys) == ["data_loss", "train_eval_data_loss"]
    cols = {"loss": np.array([2.0, math.nan]), "regularization_loss": np.array([0.5, 0.5])}
    ys = derive("data_loss", cols.__getitem__)
    assert ys[0] == 1.5 and math.isnan(ys[1])
    assert derive("accuracy", cols.__getitem__) is None


def test_labels_say_the_loss_includes_the_penalty() -> None:
    keys = ["loss", "val_loss", "regularization_loss"]
    assert includes_penalty("loss", keys) and not includes_penalty("data_loss", keys)
    assert curve_labels("loss", keys)["train"] == ("loss (incl. penalty)", "train+pen")
    assert curve_labels("data_loss", keys)["train"] == ("data_loss", "train")
    assert curve_labels("loss", ["loss"])["train"] == ("loss", "train")


def test_labels_of_the_inference_mode_re_evaluation() -> None:
    labels = curve_labels("accuracy", ["accuracy", "train_eval_accuracy"])
    assert labels["train"] == ("train (batch stats, dropout on)", "train")
    assert labels["eval"] == ("inference mode", "inference")
    assert curve_labels("accuracy", ["accuracy"])["train"] == ("accuracy", "train")
