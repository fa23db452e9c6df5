"""Errors that tuidl shows to a person: a title, a message and a hint.

Every error that can reach the UI or the command line derives from
:class:`TuidlError`. The CLI prints ``str(err)`` (never a traceback) and exits
with :attr:`TuidlError.exit_code`; the UI shows ``title``, ``message`` and
``hint`` in an error modal.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class TuidlError(Exception):
    """Base class of all errors meant for a person.

    Args:
        message: what is wrong, naming the file, field or layer and the value.
        title: a short heading ("Invalid experiment file").
        hint: what to do about it; may be empty.
    """

    kind = "error"
    default_title = "Error"
    exit_code = 2

    def __init__(
        self, message: str, *, title: str | None = None, hint: str = "", field: str = "", layer: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.title = title or self.default_title
        self.hint = hint
        self.field = field
        """The spec path the error is about (``"model.layers[2]"``, ``"compile.optimizer"``); ``""`` if none."""
        self.layer = layer
        """The 0-based index of the layer the error is about, or ``None``."""

    def __str__(self) -> str:
        text = f"{self.title}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, str]:
        """Plain dict for pipes and ``run.json``: kind, title, message, hint."""
        return {"kind": self.kind, "title": self.title, "message": self.message, "hint": self.hint}


class SpecError(TuidlError):
    """An experiment file or override is invalid (bad field, value or TOML)."""

    kind = "spec"
    default_title = "Invalid experiment"


class PresetError(TuidlError):
    """A preset name is unknown or a preset file is invalid."""

    kind = "preset"
    default_title = "Unknown preset"


class DataError(TuidlError):
    """A dataset cannot be loaded (missing, corrupt or unsuitable file)."""

    kind = "data"
    default_title = "Data problem"


class BuildError(TuidlError):
    """Keras refused to build or compile the model described by the spec."""

    kind = "build"
    default_title = "Cannot build model"


class TrainError(TuidlError):
    """Training failed after it started."""

    kind = "train"
    default_title = "Training failed"
    exit_code = 1


class RunsDirError(TuidlError):
    """The runs folder (``--runs-dir`` / ``TUIDL_RUNS_DIR``) cannot be created or written."""

    kind = "runs-dir"
    default_title = "Cannot use the runs folder"


def check_runs_dir(path: str | os.PathLike[str]) -> None:
    """Check that runs can be written under ``path`` (created later if missing), without creating it.

    Raises:
        RunsDirError: naming the folder and the OS's reason, e.g.
            ``afile/runs: Not a directory (afile is a file)``.
    """
    problem = folder_problem(path)
    if problem is not None:
        raise RunsDirError(f"{path}: {problem}", hint="choose another folder with --runs-dir or TUIDL_RUNS_DIR")


def folder_problem(path: str | os.PathLike[str], named: str | os.PathLike[str] | None = None) -> str | None:
    """Why ``path`` cannot be used as a folder to write in, in the OS's words; ``None`` when it can.

    Nothing is created: a missing folder is fine when its nearest existing
    ancestor is a folder this process may write in (it would be created).
    Examples: ``"Not a directory (afile is a file)"`` for ``afile/runs`` when
    ``afile`` is a file; ``"Not a directory"`` when ``path`` itself is a file;
    ``"Permission denied (/ro)"``; the ``strerror`` of any other failing
    ``stat`` (e.g. ``"Too many levels of symbolic links"``).

    Args:
        path: the folder.
        named: the path the caller's message names (default ``path``); the
            part at fault is added in parentheses when it is another one.
    """
    path = Path(path)
    named = Path(named) if named is not None else path
    p = path
    while True:
        try:
            st = os.stat(p)
            break
        except (FileNotFoundError, NotADirectoryError):
            if p.parent == p:
                return os.strerror(errno.ENOENT)
            p = p.parent  # find the nearest part that exists
        except OSError as e:
            return e.strerror or str(e)
    where = "" if p == named else f" ({p})"
    if not stat.S_ISDIR(st.st_mode):
        return os.strerror(errno.ENOTDIR) + ("" if p == named else f" ({p} is a file)")
    if not os.access(p, os.W_OK | os.X_OK):
        return os.strerror(errno.EACCES) + where
    return None
