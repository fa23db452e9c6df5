"""Small helpers for text shown to a person (CLI output, status lines, messages)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, the word in plural unless ``n`` is 1.

    >>> plural(1, "epoch"), plural(2, "epoch"), plural(0, "batch", "batches")
    ('1 epoch', '2 epochs', '0 batches')
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"
