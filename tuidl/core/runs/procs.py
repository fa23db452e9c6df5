"""Is the process that writes a run still there? (``run.json``'s ``pid``.)"""

from __future__ import annotations

import os
from typing import Any


def pid_alive(pid: Any) -> bool:
    """Whether a process with this id exists on this machine (``False`` for bad ids)."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
