"""A modal that shows an error's title, message and hint; Enter or Escape closes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tuidl.core.text import printable

__all__ = ["ErrorModal"]


class ErrorModal(ModalScreen[None]):
    """Shows a :class:`~tuidl.core.errors.TuidlError`-like error (or a ``RunFailed`` event).

    Args:
        title: short heading ("Training failed").
        message: what went wrong, naming the field/layer/value.
        hint: what to do about it (may be empty).
    """

    DEFAULT_CSS = """
    ErrorModal { align: center middle; }
    ErrorModal > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ErrorModal #error-title { text-style: bold; color: $text-error; width: 1fr; }
    ErrorModal VerticalScroll { height: auto; max-height: 16; }
    ErrorModal #error-hint { color: $text-muted; margin-top: 1; }
    ErrorModal Button { margin-top: 1; }
    """

    BINDINGS = [Binding("escape,enter", "dismiss_modal", "Close", id="error.close")]

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__()
        # errors quote files, values and Keras: no terminal control characters on screen
        self.error_title = printable(title)
        self.message = printable(message, lines=True)
        self.hint = printable(hint, lines=True)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"✗ {self.error_title}", id="error-title", markup=False)
            with VerticalScroll():
                yield Static(self.message, id="error-message", markup=False)
                if self.hint:
                    yield Static(f"hint: {self.hint}", id="error-hint", markup=False)
            yield Button("OK", id="error-ok", variant="error")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_modal(self) -> None:
        """Close the modal."""
        self.dismiss(None)
