"""The engine's summary thread builds only the newest queued Summarize of each requester (no TensorFlow)."""

from __future__ import annotations

from tuidl.core.protocol import DASHBOARD, Summarize
from tuidl.engine.host import latest_per_requester


def _asked(requests: list[tuple[str, int]]) -> list[tuple[str, int]]:
    built = latest_per_requester([Summarize(i, {}, requester=who) for who, i in requests])
    return [(r.requester, r.request_id) for r in built]


def test_newest_per_requester_in_arrival_order() -> None:
    d, b, s = DASHBOARD, "builder", "data-screen"
    assert _asked([(d, 1), (b, 1), (d, 2), (b, 2), (d, 3)]) == [(b, 2), (d, 3)]
    assert _asked([(b, 1), (b, 2), (d, 5)]) == [(b, 2), (d, 5)]
    assert _asked([(d, 4)]) == [(d, 4)]
    assert _asked([(b, 7), (s, 7), (b, 8)]) == [(s, 7), (b, 8)]  # same ids, told apart by requester
    assert _asked([]) == []


def test_requester_is_carried_by_the_request_not_the_id_sign() -> None:
    # the same positive id from two requesters: both are built (the sign of the id means nothing)
    assert _asked([(d := DASHBOARD, 3), ("builder", 3)]) == [(d, 3), ("builder", 3)]
    assert Summarize(1, {}).requester == DASHBOARD
