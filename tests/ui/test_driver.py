"""The terminal driver's input thread survives bytes that are not UTF-8 (a legacy mouse report past column 95)."""

from __future__ import annotations

import hashlib
import inspect
import os
import threading
import time
from typing import Any

import pytest
from textual import events
from textual.drivers.linux_driver import LinuxDriver

from tuidl.ui.driver import TEXTUAL_VERSION, TolerantLinuxDriver

X10_MOUSE_PAST_COLUMN_95 = b"\x1b[MC\x80*"
"""``ESC [ M Cb Cx Cy``: button byte ``C``, column byte 0x80 (32 + 96), row byte ``*`` (32 + 10)."""

TEXTUAL_RUN_INPUT_THREAD_SHA256 = "d796af6d69db337d6fa6bd463984f7d17188d991dbb22f60efb92a8a9619507c"
"""sha256 of Textual 8.2.8's ``LinuxDriver.run_input_thread`` source, which ``TolerantLinuxDriver`` copies."""


def _feed(driver_class: type[LinuxDriver], data: bytes) -> tuple[list[Any], BaseException | None]:
    """Run ``driver_class``'s input thread on a pipe holding ``data`` then ``q``.

    Returns the messages it produced and the exception that ended it (``None``:
    it ran until told to stop, after the ``q`` key came through).
    """
    got: list[Any] = []

    class Recording(driver_class):  # type: ignore[valid-type, misc]
        def process_message(self, message: Any) -> None:
            got.append(message)

    # No __init__: it needs a running app (signal handlers, the event loop); the input thread needs only these.
    driver = Recording.__new__(Recording)
    r, w = os.pipe()
    driver.fileno, driver.exit_event, driver._debug = r, threading.Event(), False
    error: list[BaseException] = []

    def target() -> None:
        try:
            driver.run_input_thread()
        except BaseException as e:  # noqa: BLE001 - recorded for the assertion
            error.append(e)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        os.write(w, data + b"q")
        deadline = time.monotonic() + 10
        while (
            thread.is_alive()
            and time.monotonic() < deadline
            and not any(isinstance(m, events.Key) and m.key == "q" for m in got)
        ):
            time.sleep(0.01)
        driver.exit_event.set()
        thread.join(10)
        assert not thread.is_alive(), "the input thread did not stop"
    finally:
        os.close(w)
        os.close(r)
    return got, (error[0] if error else None)


def test_textual_input_thread_dies_on_a_legacy_mouse_report_past_column_95() -> None:
    """Why the override exists: Textual's own driver raises (the app then ends with a traceback)."""
    _, error = _feed(LinuxDriver, X10_MOUSE_PAST_COLUMN_95)
    assert isinstance(error, UnicodeDecodeError)


@pytest.mark.parametrize(
    "data",
    [
        X10_MOUSE_PAST_COLUMN_95,
        b"\x1b[M\x20\xff\xfe",  # both coordinates past the UTF-8 range
        b"\xc3(",  # a broken two-byte sequence typed as text
    ],
)
def test_tolerant_driver_replaces_undecodable_input_and_goes_on(data: bytes) -> None:
    got, error = _feed(TolerantLinuxDriver, data)
    assert error is None
    keys = [m.key for m in got if isinstance(m, events.Key)]
    assert keys[-1] == "q", keys  # input after the bad bytes still arrives
    if data.startswith(b"\x1b[M"):
        assert keys == ["q"], keys  # the mouse report is dropped whole, never typed as keys (C, *, ...)


def test_override_matches_the_textual_it_was_copied_from() -> None:
    """``TolerantLinuxDriver.run_input_thread`` is Textual 8.2.8's with one line changed.

    When Textual changes its input thread this fails: copy the new one, change
    the decoder to ``errors="replace"`` again (unless Textual now does so itself)
    and update ``TEXTUAL_VERSION`` and the hash.
    """
    import textual

    source = inspect.getsource(LinuxDriver.run_input_thread)
    assert hashlib.sha256(source.encode()).hexdigest() == TEXTUAL_RUN_INPUT_THREAD_SHA256, (
        f"Textual {textual.__version__}'s LinuxDriver.run_input_thread changed since {TEXTUAL_VERSION}"
    )
    assert 'getincrementaldecoder("utf-8")().decode' in source
    own = inspect.getsource(TolerantLinuxDriver.run_input_thread)
    assert 'getincrementaldecoder("utf-8")(errors="replace").decode' in own


def test_app_uses_the_tolerant_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual import constants

    from tuidl.core.presets import load_experiment
    from tuidl.ui.app import TuidlApp

    monkeypatch.setattr(constants, "DRIVER", None)
    assert TuidlApp(load_experiment("digits-mlp")).driver_class is TolerantLinuxDriver
