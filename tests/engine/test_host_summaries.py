"""The engine's summary thread builds only the newest queued Summarize of each requester (no TensorFlow)."""

from __future__ import annotations

from tuidl.core.protocol import Summarize
from tuidl.engine.host import latest_per_requester


def _ids(ids: list[int]) -> list[int]:
    return [r.request_id for r in latest_per_requester([Summarize(i, {}) for i in ids])]


def test_newest_per_requester_in_arrival_order() -> None:
    assert _ids([1, -1, 2, -2, 3]) == [-2, 3]
    assert _ids([-1, -2, 5]) == [-2, 5]
    assert _ids([4]) == [4]
    assert _ids([0, 1, 0]) == [1, 0]
    assert _ids([]) == []
