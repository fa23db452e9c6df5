"""tuidl: a terminal experiment dashboard for deep learning.

The public Python API is loaded lazily (PEP 562) so that ``import tuidl`` stays
cheap and never imports TensorFlow, Keras or Textual:

>>> import tuidl
>>> exp = tuidl.load_experiment("digits-mlp")      # core only
>>> result = tuidl.train(exp, runs_dir="runs")     # imports Keras on first call
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Experiment": ("tuidl.core.spec", "Experiment"),
    "load_experiment": ("tuidl.core.presets", "load_experiment"),
    "TuidlError": ("tuidl.core.errors", "TuidlError"),
    "train": ("tuidl.api", "train"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562)."""
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'tuidl' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value
