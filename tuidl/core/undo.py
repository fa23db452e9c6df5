"""A bounded undo/redo history of immutable states.

The builder keeps every edited :class:`~tuidl.core.spec.Experiment` as a
snapshot (a model of 50 layers is a few kilobytes), so undo and redo are exact
and cannot drift from the edits that made them.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class History(Generic[T]):
    """Undo/redo over snapshots.

    Args:
        initial: the starting state.
        limit: most undo steps kept (oldest dropped first), >= 1.

    ``push`` records a new current state and clears the redo list; ``undo``
    and ``redo`` move through the snapshots and return the new current state,
    or ``None`` when there is nothing to undo/redo.
    """

    def __init__(self, initial: T, limit: int = 200) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self._past: list[T] = []
        self._future: list[T] = []
        self._current = initial
        self._limit = limit

    @property
    def current(self) -> T:
        """The current state."""
        return self._current

    @property
    def can_undo(self) -> bool:
        """There is an earlier state."""
        return bool(self._past)

    @property
    def can_redo(self) -> bool:
        """There is an undone state to go back to."""
        return bool(self._future)

    def push(self, state: T) -> None:
        """Make ``state`` current; the previous one becomes undoable, redo is cleared."""
        self._past.append(self._current)
        if len(self._past) > self._limit:
            del self._past[0]
        self._future.clear()
        self._current = state

    def replace(self, state: T) -> None:
        """Change the current state in place (no new undo step): coalesces typing in one field."""
        self._current = state
        self._future.clear()

    def undo(self) -> T | None:
        """Go back one state; ``None`` when there is none."""
        if not self._past:
            return None
        self._future.append(self._current)
        self._current = self._past.pop()
        return self._current

    def redo(self) -> T | None:
        """Re-apply the last undone state; ``None`` when there is none."""
        if not self._future:
            return None
        self._past.append(self._current)
        self._current = self._future.pop()
        return self._current
