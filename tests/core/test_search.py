"""Search ranking (core): the class name first, then aliases and category, then the description."""

from __future__ import annotations

from tuidl.core.catalog_layers import LAYERS
from tuidl.core.catalog_search import LAYER_ALIASES, layer_keywords, search_layers
from tuidl.core.search import EXACT, KEYWORD, PREFIX, SUBSTRING, TEXT, match_rank, ranked


def test_match_rank_tiers() -> None:
    assert match_rank("activation", "Activation") == EXACT
    assert match_rank("ACTIVATION", "activation") == EXACT  # case-insensitive
    assert match_rank("batch", "BatchNormalization") == PREFIX
    assert match_rank("relu", "LeakyReLU") == SUBSTRING
    assert match_rank("bn", "BatchNormalization", ("batchnorm", "bn")) == KEYWORD
    assert match_rank("batch", "Flatten", ("Reshaping",), "(batch, ...) -> (batch, n)") == TEXT
    assert match_rank("nothing", "Flatten", ("Reshaping",), "(batch, ...)") is None


def test_match_rank_words() -> None:
    # every word must be found; the weakest word decides
    assert match_rank("batch norm", "BatchNormalization") == PREFIX  # joined: "batchnorm" is a prefix
    assert match_rank("conv 2d", "Conv2D") == EXACT
    assert match_rank("leaky slope", "LeakyReLU", (), "x if x > 0 else negative_slope * x") == TEXT
    assert match_rank("leaky missing", "LeakyReLU", (), "x if x > 0") is None
    assert match_rank("", "anything") == TEXT
    assert match_rank("   ", "anything") == TEXT


def test_ranked_ties_by_name_and_empty_query_keeps_order() -> None:
    items = [("zeta", (), "a"), ("Beta", (), "a"), ("alpha", (), "a")]
    assert ranked("a", items, lambda i: i) == [("alpha", (), "a"), ("Beta", (), "a"), ("zeta", (), "a")]
    assert ranked("", items, lambda i: i) == items
    assert ranked("q", items, lambda i: i) == []


def test_layer_search_ranks_the_class_name_first() -> None:
    assert search_layers("activation") == ["Activation", "LeakyReLU", "PReLU", "Dense"]
    assert search_layers("Activation")[0] == "Activation"
    batch = search_layers("batch")
    assert batch[0] == "BatchNormalization" and batch.index("BatchNormalization") < batch.index("Flatten")
    assert search_layers("leaky")[0] == "LeakyReLU"
    assert search_layers("relu") == ["LeakyReLU", "PReLU"]
    assert search_layers("dense")[0] == "Dense"
    assert search_layers("conv2d") == ["Conv2D"]
    assert search_layers("maxpool") == ["MaxPooling2D"]
    assert search_layers("bn") == ["BatchNormalization"]
    assert search_layers("rnn") == ["SimpleRNN", "GRU", "LSTM"]  # name first, then the aliases
    assert search_layers("pool") == ["AveragePooling2D", "GlobalAveragePooling2D", "MaxPooling2D"]
    assert search_layers("") == list(LAYERS)  # catalog order, grouped by category
    assert search_layers("no such layer") == []


def test_aliases_name_catalogued_layers() -> None:
    assert set(LAYER_ALIASES) <= set(LAYERS)
    assert all(a == a.lower() for aliases in LAYER_ALIASES.values() for a in aliases)
    assert layer_keywords("BatchNormalization") == ("batchnorm", "bn", "Normalization")
    assert layer_keywords("Flatten") == ("Reshaping",)
    assert layer_keywords("NoSuchLayer") == ()
