"""Checks before tuidl reads a file a person named: what it is, and whether it fits in memory.

A path from a preset or the command line may name anything: a folder, a
character device (``/dev/zero`` never ends, ``/dev/null`` is always empty), a
named pipe (a read blocks until a writer comes), a socket, a symlink loop. Read
blindly, these hang tuidl or exhaust its memory. :func:`path_problem` says what
is wrong in plain words before anything is opened; :func:`read_regular_file`
opens with ``O_NONBLOCK`` and checks the opened file again (a path can be
swapped between the check and the open), then reads at most a given size.

:func:`memory_budget` is the bound that array headers and model sizes are
checked against before anything is allocated.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Literal

Want = Literal["file", "folder", "file or folder"]

MEMORY_FRACTION = 0.5
"""Share of the machine's physical memory one array or model may take (the rest is for TensorFlow,
its copies of the data, the other process and the system)."""

FALLBACK_MEMORY = 8 * 1024**3
"""Physical memory assumed when the system does not say (bytes)."""


def memory_budget() -> int:
    """Bytes one dataset array (or a model's weights with their training state) may take.

    ``TUIDL_MEMORY_BUDGET`` (bytes) overrides it; by default it is
    :data:`MEMORY_FRACTION` of the physical memory (``os.sysconf``).
    """
    env = os.environ.get("TUIDL_MEMORY_BUDGET", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = FALLBACK_MEMORY
    return int(max(total, 1) * MEMORY_FRACTION)


def fmt_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``; binary units up to EiB, then plain powers."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"  # pragma: no cover


def kind_of(mode: int) -> str:
    """What a ``st_mode`` is, in words: ``"a regular file"``, ``"a folder"``, ``"a character device"`` ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def path_problem(path: str | os.PathLike[str], want: Want = "file") -> str | None:
    """Why ``path`` cannot be read as ``want``, in words; ``None`` when it can.

    Symlinks are followed (a loop is reported as such, in the OS's words:
    "Too many levels of symbolic links"). Examples: ``"does not exist"``,
    ``"is a character device, not a regular file"``, ``"is a folder, not a
    file"``, ``"Permission denied"``.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"is a symbolic link to {os.readlink(path)!r}, which does not exist"
        return "does not exist"
    except OSError as e:
        return e.strerror or os.strerror(e.errno or errno.EIO)
    mode = st.st_mode
    if want == "folder":
        return None if stat.S_ISDIR(mode) else f"is {kind_of(mode)}, not a folder"
    if stat.S_ISREG(mode) or (want == "file or folder" and stat.S_ISDIR(mode)):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return f"is {kind_of(mode)}, not a regular file"


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """Read a regular file of at most ``limit`` bytes without ever blocking on it.

    Opened with ``O_NONBLOCK`` (a FIFO or device opened by mistake does not
    block the open) and checked with ``fstat`` on the open descriptor.

    Raises:
        OSError: the OS refused; its ``strerror`` says why.
        ValueError: not a regular file, or larger than ``limit`` (the message says which).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise ValueError(f"is {fmt_bytes(st.st_size)}; at most {fmt_bytes(limit)} is read")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise ValueError(f"is larger than {fmt_bytes(limit)}, the most that is read")
        return data
    finally:
        os.close(fd)


def nested_depth_problem(data: object, limit: int) -> tuple[str, int] | None:
    """The first path (as ``a.b[2]``) where ``data`` nests tables/lists deeper than ``limit``, or ``None``.

    Walks iteratively, so a document nested thousands deep is measured without
    recursion. Returns ``(path, depth)``.
    """
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > limit:
            return where or "(top level)", depth
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, (list, tuple)):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(node))
    return None
