"""Safe file access for run folders: no symbolic link followed out of a run folder, sizes
checked before reading, and every atomic write through one helper (:func:`atomic_write`).

This module reads and writes bytes; what the files mean is elsewhere (:mod:`.info`,
:mod:`.metrics`); who may write ``run.json`` and ``meta.json`` is :mod:`.store`. The rules
are in ``docs/run-format.md`` ("Reading and writing safely").
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Callable

from tuidl.core.errors import TuidlError


MAX_RUN_FILE_BYTES = 4 * 1024 * 1024
"""Largest ``run.json``, ``meta.json`` or ``spec.toml`` a reader opens (4 MiB). tuidl's own
files are a few KB (a ``spec.toml`` of 1,000 layers is about 200 KB); anything larger was
not written by tuidl and is refused unread rather than loaded into memory."""
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class RunError(TuidlError):
    """A run folder cannot be read, changed or removed."""

    kind = "runs"
    default_title = "Run problem"


class UnreadableFile(RunError):
    """A file of a run folder that a reader refuses or cannot parse; the message is
    ``"<file name>: <reason>"`` (see :func:`read_run_file`)."""

    default_title = "Unreadable run file"


def _why(e: OSError) -> str:
    """An ``OSError`` opening a run file (with ``O_NOFOLLOW``) in words."""
    if e.errno == errno.ELOOP:
        return "a symbolic link (not followed)"
    if e.errno == errno.ENOENT:
        return "missing"
    return e.strerror or str(e)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    return "not a regular file"


def _open_run_dir(run_dir: Path | str) -> int:
    """A descriptor of the run folder itself, refusing a symbolic link (``O_NOFOLLOW``).

    Raises:
        OSError: the folder cannot be opened (``ELOOP`` when it is a symbolic link,
            ``ENOTDIR`` when it is not a folder).
    """
    try:
        return os.open(run_dir, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC)
    except NotADirectoryError:  # Linux says ENOTDIR for a link with O_DIRECTORY | O_NOFOLLOW
        try:
            is_link = stat.S_ISLNK(os.lstat(run_dir).st_mode)
        except OSError:
            is_link = False
        if is_link:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(run_dir)) from None
        raise


def _open_regular(name: str, dir_fd: int | None) -> tuple[int, os.stat_result]:
    """Open ``name`` read-only without following a symbolic link and without blocking
    on a FIFO; only a regular file is kept open.

    Raises:
        UnreadableFile: ``"<name>: <reason>"``.
    """
    try:
        fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, dir_fd=dir_fd)
    except OSError as e:
        raise UnreadableFile(f"{Path(name).name}: {_why(e)}") from None
    try:
        st = os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise UnreadableFile(f"{Path(name).name}: {_why(e)}") from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnreadableFile(f"{Path(name).name}: {_kind(st.st_mode)}")
    return fd, st


def read_run_file(run_dir: Path | str, name: str, limit: int = MAX_RUN_FILE_BYTES) -> bytes:
    """The bytes of ``<run_dir>/<name>``, read safely.

    Neither the run folder nor the file may be a symbolic link (both are opened
    with ``O_NOFOLLOW``, the file relative to the folder's descriptor); the file
    must be a regular file (a FIFO, device or folder is refused before a byte is
    read) of at most ``limit`` bytes (checked with ``fstat`` before reading).

    Raises:
        UnreadableFile: message ``"<name>: <reason>"`` (``"run.json: a symbolic link
            (not followed)"``, ``"run.json: a folder, not a file"``, ``"spec.toml:
            9,000,000 bytes, over the 4,194,304-byte limit"``, ``"meta.json: Permission
            denied"``, ``"run.json: missing"`` ...); for a run folder that is a link,
            ``"run folder: a symbolic link (not followed)"``.
    """
    try:
        dfd = _open_run_dir(run_dir)
    except OSError as e:
        raise UnreadableFile(f"run folder: {_why(e)}") from None
    try:
        fd, st = _open_regular(name, dfd)
    finally:
        os.close(dfd)
    try:
        if st.st_size > limit:
            raise UnreadableFile(f"{name}: {st.st_size:,} bytes, over the {limit:,}-byte limit")
        chunks, left = [], limit + 1
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
    except OSError as e:
        raise UnreadableFile(f"{name}: {_why(e)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # grew while read
        raise UnreadableFile(f"{name}: over the {limit:,}-byte limit")
    return data


def read_run_text(run_dir: Path | str, name: str, limit: int = MAX_RUN_FILE_BYTES) -> str:
    """:func:`read_run_file` decoded as UTF-8.

    Raises:
        UnreadableFile: as :func:`read_run_file`, or ``"<name>: not UTF-8 text (byte
            0xff at offset 12)"``.
    """
    data = read_run_file(run_dir, name, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableFile(f"{name}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


def read_run_json(run_dir: Path | str, name: str) -> dict[str, Any]:
    """A run folder's JSON object file (``run.json``, ``meta.json``), read safely.

    Raises:
        UnreadableFile: as :func:`read_run_text`, or ``"run.json: not valid JSON (line
            1, column 2: Expecting value)"``, or ``"run.json: not a JSON object"``.
    """
    text = read_run_text(run_dir, name)
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableFile(f"{name}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise UnreadableFile(f"{name}: not valid JSON (nested too deep)") from None
    except ValueError:  # int()'s limit: a whole number of thousands of digits
        raise UnreadableFile(f"{name}: not valid JSON (a number thousands of digits long)") from None
    if not isinstance(d, dict):
        raise UnreadableFile(f"{name}: not a JSON object")
    return d


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(path: Path | str, data: bytes | str | Callable[[Path], Any], *, suffix: str = "") -> None:
    """Replace ``path`` with new content so that a reader sees the old file or the new
    one, never half of one. Every atomic write of a run folder goes through here.

    The content goes to a temporary file in the same folder with a unique name
    (``<name>.<8 hex>.tmp<suffix>``), created with ``O_CREAT | O_EXCL | O_NOFOLLOW``
    (so an existing file or a planted symbolic link is never opened), relative to
    a descriptor of the folder opened with ``O_NOFOLLOW`` (so a folder that is a
    symbolic link is refused); then it is fsynced and renamed over ``path``
    (``os.replace``: a symbolic link at ``path`` is replaced, not followed). On
    any failure (a full disk: ``ENOSPC``) the temporary file is removed and the
    old ``path`` is left as it was.

    Args:
        path: the file to replace.
        data: the bytes, or text (written as UTF-8), or a function that writes
            the temporary file given its path (``model.save``; the file exists,
            empty, when it is called).
        suffix: the temporary file's name ends with this (Keras needs ``.keras``).

    Raises:
        OSError: with ``filename`` set to ``path`` (``ELOOP`` when the folder is a
            symbolic link; ``ENOSPC`` "No space left on device" ...).
        Exception: whatever ``data(tmp)`` raises (the temporary file is removed).
    """
    path = Path(path)
    try:
        dfd = _open_run_dir(path.parent)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path.parent)) from None
    tmp = f"{path.name}.{secrets.token_hex(4)}.tmp{suffix}"
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o644, dir_fd=dfd)
        created = True
        try:
            if callable(data):
                data(path.parent / tmp)
            else:
                _write_all(fd, data.encode("utf-8") if isinstance(data, str) else data)
            os.fsync(fd)  # the same inode that a writer by path filled
        finally:
            os.close(fd)
        os.replace(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        created = False
        try:
            os.fsync(dfd)  # the rename itself survives a power cut
        except OSError:
            pass
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    finally:
        if created:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
        os.close(dfd)


def _sig(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a changed file: mtime, size, inode and type (of the entry itself: a
    symbolic link is not followed)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino, stat.S_IFMT(st.st_mode))


def _read_json(path: Path) -> dict[str, Any]:
    """A run file's JSON object, ``{}`` when it cannot be read (see :func:`read_run_json`)."""
    try:
        return read_run_json(path.parent, path.name)
    except UnreadableFile:
        return {}


def _run_dir(run_dir: Path | str) -> Path:
    """``run_dir`` when it is a run folder of its own: a real folder (not a symbolic link)
    with a ``run.json`` entry (readable or not: a broken run can still be renamed or
    deleted).

    Raises:
        RunError: a symbolic link (never followed), not a folder, or no ``run.json``.
    """
    d = Path(run_dir)
    try:
        st = os.lstat(d)
    except OSError as e:
        raise RunError(f"{d}: not a run folder ({_why(e)})", hint="pick a folder under the runs dir") from None
    if stat.S_ISLNK(st.st_mode):
        raise RunError(
            f"{d}: the run folder is a symbolic link; tuidl does not follow links out of the runs folder",
            hint="delete removes the link itself, not what it points to",
        )
    if not stat.S_ISDIR(st.st_mode) or _sig(d / "run.json") is None:
        raise RunError(f"{d}: not a run folder (no run.json)", hint="pick a folder under the runs dir")
    return d
