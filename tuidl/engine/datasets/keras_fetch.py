"""Where Keras keeps its datasets, and downloading a missing file there, failing fast offline.

The cache folder is ``$KERAS_HOME/datasets``, or ``~/.keras/datasets``
(``/tmp/.keras/datasets`` when the home folder is not writable), exactly as
``keras.utils.get_file`` picks it — but read at call time, so a changed
``KERAS_HOME`` takes effect. Only a missing file is downloaded, with
``keras.utils.get_file``, after a quick reachability check
(:data:`PROBE_TIMEOUT` seconds) so that an offline engine fails fast with a
:class:`~tuidl.core.errors.DataError` naming the file and where to put it.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from tuidl.core.errors import DataError
from tuidl.core.spec import DataSpec

GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Keras's download folder for mnist, fashion-mnist, boston, california and imdb."""

PROBE_TIMEOUT = 3.0
"""Seconds to wait for a TCP connection to the download host before giving up."""

DOWNLOAD_SOCKET_TIMEOUT = 30.0
"""Seconds a download may stall (per socket operation) before it fails."""

HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "cifar-10-batches-py-target": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cifar-100-python-target": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
}
"""SHA-256 of the files Keras downloads (from Keras's loaders)."""


def keras_home() -> Path:
    """Keras's base folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` if home is read-only)."""
    env = os.environ.get("KERAS_HOME")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def cache_dir() -> Path:
    """Where Keras keeps downloaded datasets: ``keras_home() / "datasets"``."""
    return keras_home() / "datasets"


def _missing(name: str, where: Path, url: str, why: str) -> DataError:
    return DataError(
        f"{name}: {where} is not in the Keras cache and {why}",
        title="Dataset not downloaded",
        hint=f"on a machine with internet download {url} and copy it to {where} "
        f"(the cache is $KERAS_HOME/datasets, else ~/.keras/datasets); or set data.name to a "
        "bundled dataset (digits, iris, ...)",
    )


def _reachable(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """``None`` when a TCP connection to the URL's host opens within ``timeout`` s, else the reason.

    The probe runs in a daemon thread so that a slow DNS lookup (which
    ``socket`` timeouts do not cover) cannot hold the engine longer either.
    """
    import threading

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result: list[str | None] = []

    def probe() -> None:
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                result.append(None)
        except OSError as e:
            result.append(f"{parts.hostname} cannot be reached ({e.strerror or e})")

    t = threading.Thread(target=probe, name="tuidl-net-probe", daemon=True)
    t.start()
    t.join(timeout + 0.5)
    if not result:
        return f"{parts.hostname} cannot be reached (no answer within {timeout:g} s)"
    return result[0]


def fetch(
    name: str,
    spec: DataSpec,
    fname: str,
    origin: str,
    where: Path,
    *,
    cache_subdir: str = "datasets",
    extract: bool = False,
) -> Path:
    """Download a missing dataset file with ``keras.utils.get_file``, failing fast offline.

    Args:
        name: dataset id for messages.
        spec: ``options.download = false`` (or env ``TUIDL_OFFLINE=1``) forbids downloading.
        fname, origin, cache_subdir, extract: as ``keras.utils.get_file``.
        where: the path that is missing (shown in the message).

    Raises:
        DataError: downloading is off, the host is unreachable within
            :data:`PROBE_TIMEOUT` s, or the download fails.
    """
    if spec.options.download is False or os.environ.get("TUIDL_OFFLINE", "") not in ("", "0"):
        raise _missing(name, where, origin, "downloading is off (data.options.download = false or TUIDL_OFFLINE)")
    why = _reachable(origin)
    if why is not None:
        raise _missing(name, where, origin, why)
    import keras

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_SOCKET_TIMEOUT)
    try:
        path = keras.utils.get_file(
            fname,
            origin=origin,
            cache_dir=str(keras_home()),
            cache_subdir=cache_subdir,
            extract=extract,
            file_hash=HASHES.get(fname),
        )
    except Exception as e:  # noqa: BLE001 - any network/IO failure becomes one message
        raise _missing(name, where, origin, f"the download failed: {e}") from None
    finally:
        socket.setdefaulttimeout(old)
    return Path(path)
