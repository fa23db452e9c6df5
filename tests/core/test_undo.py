"""Undo/redo history."""

from tuidl.core.undo import History


def test_undo_redo_and_limit() -> None:
    h = History(0, limit=3)
    for i in range(1, 6):
        h.push(i)
    assert h.current == 5
    assert [h.undo(), h.undo(), h.undo(), h.undo()] == [4, 3, 2, None]
    assert h.redo() == 3 and h.current == 3
    h.push(9)
    assert h.redo() is None and not h.can_redo
    h.replace(10)
    assert h.current == 10 and h.undo() == 3
