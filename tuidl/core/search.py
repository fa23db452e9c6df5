"""Ranking the matches of a search: a match in the name first, then one in the words around it.

Pure and Keras-free; used by the UI's pickers (the builder's layer catalog, presets). A query is split
into words, each matched case-insensitively as a substring. An entry matches when every word is found
in its name, its keywords (aliases, category) or its text (a description). Its rank is its weakest
word's (the best field each word is found in):

====================  ===================================================
:data:`EXACT`         the word is the name (``activation`` -> Activation)
:data:`PREFIX`        the name starts with it (``batch`` -> BatchNormalization)
:data:`SUBSTRING`     the name contains it (``relu`` -> LeakyReLU)
:data:`KEYWORD`       a keyword contains it (``bn``, category ``Activation``)
:data:`TEXT`          the text contains it (``batch`` in Flatten's ``(batch, ...)``)
====================  ===================================================

The words joined (``conv 2d`` -> ``conv2d``) are also matched against the name, and the better of the two
ranks counts. Entries of equal rank are ordered by name (case-insensitively); an empty query keeps the
given order.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence, TypeVar

__all__ = ["EXACT", "KEYWORD", "PREFIX", "SUBSTRING", "TEXT", "match_rank", "ranked"]

EXACT = 0
"""The query is the name."""
PREFIX = 1
"""The name starts with the query."""
SUBSTRING = 2
"""The name contains the query."""
KEYWORD = 3
"""A keyword (alias, category) contains the query."""
TEXT = 4
"""Only the text (description) contains the query."""

T = TypeVar("T")


def _name_rank(word: str, name: str) -> int | None:
    if word == name:
        return EXACT
    if name.startswith(word):
        return PREFIX
    if word in name:
        return SUBSTRING
    return None


def _word_rank(word: str, name: str, keywords: Sequence[str], text: str) -> int | None:
    rank = _name_rank(word, name)
    if rank is not None:
        return rank
    if any(word in k for k in keywords):
        return KEYWORD
    if word in text:
        return TEXT
    return None


def match_rank(query: str, name: str, keywords: Sequence[str] = (), text: str = "") -> int | None:
    """How well ``name`` (with its ``keywords`` and ``text``) matches ``query``; see the module docstring.

    Args:
        query: what was typed; split into words on whitespace, case-insensitive.
        name: the entry's name (a Keras class name, a preset name).
        keywords: aliases and the category, ranked after the name.
        text: a description, ranked last.

    Returns:
        :data:`EXACT` (0) to :data:`TEXT` (4), lower is better; ``None`` when a word is found nowhere.
        An empty query matches everything with rank :data:`TEXT`.
    """
    words = query.lower().split()
    if not words:
        return TEXT
    name = name.lower()
    keys = [k.lower() for k in keywords]
    text = text.lower()
    ranks = [_word_rank(w, name, keys, text) for w in words]
    if any(r is None for r in ranks):
        return None
    rank = max(r for r in ranks if r is not None)
    if len(words) > 1:
        joined = _name_rank("".join(words), name)
        if joined is not None:
            rank = min(rank, joined)
    return rank


def ranked(query: str, items: Iterable[T], fields: Callable[[T], tuple[str, Sequence[str], str]]) -> list[T]:
    """The ``items`` that match ``query``, best first (ties by name); all of them, in order, for an empty query.

    Args:
        query: what was typed.
        items: the entries, in their usual order.
        fields: ``item -> (name, keywords, text)``, as :func:`match_rank` takes them.
    """
    items = list(items)
    if not query.split():
        return items
    scored = []
    for item in items:
        name, keywords, text = fields(item)
        rank = match_rank(query, name, keywords, text)
        if rank is not None:
            scored.append((rank, name.lower(), name, item))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored]
