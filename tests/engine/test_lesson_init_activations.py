"""The initializer lesson holds at initialization (CS231n 'Weight initialization'; Glorot & Bengio 2010).

One forward pass, no training: in a deep tanh stack, kernels from N(0, 0.01^2)
shrink the activations layer after layer until the last hidden layer's are
nearly zero, while Glorot's scaling keeps their spread.
"""

from __future__ import annotations

import numpy as np
import pytest

from tuidl.core.presets import load_experiment
from tuidl.engine.build import build_model
from tuidl.engine.data import load_data

pytestmark = pytest.mark.keras


def _hidden_activation_stds(name: str) -> list[float]:
    """Std of each hidden Dense layer's output over 256 digits samples, the model freshly built (seeded)."""
    import keras

    exp = load_experiment(name)
    ds = load_data(exp.data, exp.fit.seed)
    keras.utils.set_random_seed(exp.fit.seed)
    model = build_model(exp, ds.x_train.shape[1:])
    x = inputs = keras.Input(shape=ds.x_train.shape[1:], name="samples")
    hidden = []
    for layer in model.layers:  # the built layers, weights as initialized, called on a new input
        x = layer(x)
        if isinstance(layer, keras.layers.Dense):
            hidden.append(x)
    every = keras.Model(inputs, hidden[:-1])  # every hidden Dense layer's output (not the softmax head)
    outputs = every.predict(ds.x_train[:256], verbose=0)
    assert len(outputs) >= 6
    return [float(np.std(o)) for o in outputs]


def test_small_normal_activations_vanish_and_glorot_keeps_them() -> None:
    small = _hidden_activation_stds("init-small-normal")
    glorot = _hidden_activation_stds("init-glorot")
    assert small[0] > 0 and glorot[0] > 0
    assert small[-1] < 0.01 * small[0], small  # each layer shrinks what it passes on (CS231n)
    assert glorot[-1] > 0.10 * glorot[0], glorot  # the spread survives the depth (Glorot & Bengio 2010)
