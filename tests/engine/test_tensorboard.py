"""engine.tensorboard: a Keras TensorBoard callback when the optional package is installed."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from tuidl.engine import tensorboard as tb

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
pytestmark = pytest.mark.keras


def test_none_without_the_tensorboard_package(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    assert not tb.tensorboard_available()
    assert tb.tensorboard_callback(tmp_path) is None


def test_writes_event_files_during_fit_when_installed(tmp_path):
    pytest.importorskip("tensorboard", reason="the optional extra: pip install -e '.[tensorboard]'")
    cb = tb.tensorboard_callback(tmp_path)
    import keras

    assert isinstance(cb, keras.callbacks.TensorBoard)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0, callbacks=[cb])
    for split in ("train", "validation"):
        files = list((tmp_path / tb.SUBDIR / split).glob("events.out.tfevents.*"))
        assert files and files[0].stat().st_size > 0, split
