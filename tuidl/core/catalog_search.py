"""Searching the layer catalog: the builder's ``a`` picker lists :func:`search_layers`'s answer.

The class name ranks first, then the aliases people use for a layer (:data:`LAYER_ALIASES`) and its
category, then its one-line description (:mod:`tuidl.core.search`): ``activation`` lists Activation,
then LeakyReLU and PReLU (category Activation), then Dense (whose description mentions activation).
"""

from __future__ import annotations

from tuidl.core.catalog_layers import LAYERS
from tuidl.core.search import ranked

__all__ = ["LAYER_ALIASES", "layer_keywords", "search_layers"]

LAYER_ALIASES: dict[str, tuple[str, ...]] = {
    "Dense": ("fully connected", "fc", "linear"),
    "Conv1D": ("convolution 1d",),
    "Conv2D": ("convolution 2d",),
    "MaxPooling2D": ("maxpool", "max pool"),
    "AveragePooling2D": ("avgpool", "average pool", "mean pool"),
    "GlobalAveragePooling2D": ("gap", "global avgpool", "global average pool"),
    "BatchNormalization": ("batchnorm", "bn"),
    "LayerNormalization": ("layernorm", "ln"),
    "SimpleRNN": ("rnn", "vanilla rnn"),
    "LSTM": ("rnn", "long short-term memory"),
    "GRU": ("rnn", "gated recurrent unit"),
    "Embedding": ("embed", "lookup"),
}
"""Other names a layer goes by (lowercase), matched after its class name and before its description."""


def layer_keywords(class_name: str) -> tuple[str, ...]:
    """The aliases and the category of layer ``class_name`` (``()`` for a class not in the catalog)."""
    info = LAYERS.get(class_name)
    if info is None:
        return ()
    return (*LAYER_ALIASES.get(class_name, ()), info.category)


def search_layers(query: str) -> list[str]:
    """The class names of the catalog's layers that match ``query``, best first.

    Ranked by :func:`tuidl.core.search.ranked`: the class name (exact, prefix, substring), then
    :func:`layer_keywords`, then the description; ties by name. An empty query lists every layer in
    catalog order (grouped by category).
    """
    return ranked(query, LAYERS, lambda name: (name, layer_keywords(name), LAYERS[name].description))
