"""A Linux/macOS terminal driver that survives input it cannot decode.

Textual 8.2.8's :class:`~textual.drivers.linux_driver.LinuxDriver` decodes
what the terminal sends with a strict UTF-8 decoder in its input thread. A
legacy X10 mouse report carries each coordinate as one raw byte (32 + column
+ 1), so a click past column 95 sends a byte >= 0x80 (``ESC [ M C 0x80 *``)
that is not UTF-8: the decoder raises :class:`UnicodeDecodeError`, the input
thread dies and the app ends with a traceback. Terminals that ignore the SGR
mouse mode Textual asks for (1006) send exactly that; so can line noise on a
flaky link.

:class:`TolerantLinuxDriver` is the same driver with one change: its input
thread decodes with ``errors="replace"``, so an undecodable byte becomes
U+FFFD and input goes on. Textual's parser takes ``ESC [ M`` and the three
characters after it as one mouse report; it only understands SGR reports, so
the legacy one is dropped as a whole (it does not turn into key presses).

:meth:`TolerantLinuxDriver.run_input_thread` is a copy of Textual 8.2.8's
(``textual/drivers/linux_driver.py``) with only the decoder changed; compare
it with Textual's when upgrading (``tests/ui/test_driver.py`` runs it on the
real bytes and pins the version it was checked against).
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

__all__ = ["TEXTUAL_VERSION", "TolerantLinuxDriver"]

TEXTUAL_VERSION = "8.2.8"
"""The Textual version whose ``LinuxDriver.run_input_thread`` the override copies."""


class TolerantLinuxDriver(LinuxDriver):
    """:class:`LinuxDriver` whose input thread replaces undecodable bytes instead of dying."""

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual 8.2.8's loop, decoding with ``errors="replace"``)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)

        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        # The one change: Textual uses getincrementaldecoder("utf-8")() (errors="strict").
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]],
            final: bool = False,
        ) -> None:
            for last, (_selector_key, mask) in loop_last(selector_events):
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        # This can occur if the stdin is piped
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)

        finally:
            selector.close()
            try:
                for event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass
