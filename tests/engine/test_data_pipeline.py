"""Label forms for losses, class weights, fit_to_model and the tf.data pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from tuidl.core.errors import DataError
from tuidl.engine.data import check_labels, class_weights, fit_to_model, labels_for_loss


def test_labels_for_loss() -> None:
    y = np.array([0, 2, 1, 2], np.int32)
    sparse = labels_for_loss(y, "sparse_categorical_crossentropy", 3)
    assert sparse.dtype == np.int32 and sparse.shape == (4,)
    onehot = labels_for_loss(y, "categorical_crossentropy", 3)
    assert onehot.dtype == np.float32 and onehot.tolist()[1] == [0, 0, 1]
    assert labels_for_loss(y, {"class_name": "CategoricalCrossentropy", "config": {}}, 3).shape == (4, 3)
    binary = labels_for_loss(np.array([0, 1, 1]), "binary_crossentropy", 2)
    assert binary.shape == (3, 1) and binary.dtype == np.float32
    assert labels_for_loss(np.array([0, 1]), "mean_squared_error", 2).tolist() == [[0.0], [1.0]]
    assert labels_for_loss(y, "mean_squared_error", 3).shape == (4, 3)
    reg = labels_for_loss(np.array([1.5, 2.0]), "huber", None)
    assert reg.dtype == np.float32 and reg.shape == (2,)
    with pytest.raises(DataError) as e:
        labels_for_loss(np.array([1.5]), "sparse_categorical_crossentropy", None)
    assert "compile.loss" in e.value.message
    with pytest.raises(DataError):
        labels_for_loss(np.array([0, 3]), "categorical_crossentropy", 3)


def test_class_weights_balanced() -> None:
    w = class_weights(np.array([0, 0, 0, 1]), 3)
    assert w[0] == pytest.approx(4 / 9) and w[1] == pytest.approx(4 / 3) and w[2] == 1.0


def test_check_labels() -> None:
    y = np.array([0, 1, 2, 1])
    out, _, names = check_labels(y, "f")
    assert out is y and names == ["0", "1", "2"]
    with pytest.raises(DataError) as e:
        check_labels(np.array([-1, 1, 1]), "f.npz array 'y'")
    assert "negative labels -1 (1 samples)" in e.value.message and "-1 -> 0, 1 -> 1" in e.value.hint
    with pytest.raises(DataError) as e:
        check_labels(np.array([0, 10]), "mnist.npz", n_classes=10)
    assert "10 (1 samples) are outside 0..9" in e.value.message
    yr, ytr, names = check_labels(np.array([5, 9, 5]), "f", np.array([7]), remap=True)
    assert yr.tolist() == [0, 2, 0] and ytr.tolist() == [1] and names == ["5", "7", "9"]


def test_fit_to_model() -> None:
    x = np.zeros((3, 4, 4, 1), np.float32)
    flat = fit_to_model(x, "Dense")
    assert flat.shape == (3, 16) and np.shares_memory(flat, x)
    assert fit_to_model(x, "Conv2D") is x
