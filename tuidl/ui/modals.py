"""Every modal of the tuidl UI, in one place.

* :class:`ErrorModal`: an error's title, message and hint (Enter or Escape closes it).
* :class:`InputModal`: one line of text (the runs screen's rename, tags, fixed y range).
* :class:`ConfirmModal`: yes or no (deleting runs).
* The builder's pickers and prompts: :class:`CatalogPicker` (the searchable
  layer catalog), :class:`PresetPicker` (experiment presets), :class:`NamePrompt`
  (a file or preset name) and :class:`SavePrompt` (name and description).

Each is a :class:`~textual.screen.ModalScreen` dismissed with its answer
(``None`` on ``escape``). Text from outside (run names, paths, errors) is shown
as plain text, never markup.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tuidl.core.catalog import LAYERS
from tuidl.core.catalog_search import layer_keywords
from tuidl.core.search import ranked
from tuidl.core.text import printable
from tuidl.ui.text import plain, styled
from tuidl.ui.widgets.typeahead import TypeAhead

__all__ = [
    "CatalogPicker",
    "ConfirmModal",
    "ErrorModal",
    "InputModal",
    "NamePrompt",
    "PresetPicker",
    "SavePrompt",
    "SearchPicker",
]


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


class InputModal(ModalScreen[str | None]):
    """Asks for one line of text; Enter gives it, Escape gives ``None``."""

    DEFAULT_CSS = """
    InputModal { align: center middle; }
    InputModal > Vertical { width: 70; max-width: 95%; height: auto; border: thick $accent;
                            background: $surface; padding: 0 1; }
    InputModal Label { width: 100%; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

    def __init__(self, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="modal-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Asks yes or no: ``y`` / the Yes button confirm, ``n`` / Escape cancel."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical { width: 70; max-width: 95%; height: auto; border: thick $error;
                              background: $surface; padding: 0 1; }
    ConfirmModal Horizontal { height: auto; margin-top: 1; }
    ConfirmModal Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.message, markup=False)
            with Horizontal():
                yield Button("Yes (y)", id="confirm-yes", variant="error")
                yield Button("No (n)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class PromptInput(TypeAhead, Input):
    """A text field of a prompt (name, description): keys keep their order in a burst, so
    ``ctrl+s ctrl+a ctrl+k mycnn enter`` typed at once saves ``mycnn``."""

    TYPES_TEXT = True


class SearchInput(TypeAhead, Input):
    """The search field: keys keep their order in a burst, and ``enter`` chooses at once with
    the text typed so far (``a conv2d enter e`` adds Conv2D, then edits it). ``up``/``down`` move
    the picker's highlight (an ``Input`` binds them to scrolling itself), and the focus stays here."""

    TYPES_TEXT = True

    BINDINGS = [
        Binding("down", "move_highlight(1)", "Down", show=False),
        Binding("up", "move_highlight(-1)", "Up", show=False),
    ]

    def action_move_highlight(self, step: int) -> None:
        """Move the picker's highlight ``step`` options down (negative: up)."""
        screen = self.screen
        if isinstance(screen, SearchPicker):
            screen.action_down() if step > 0 else screen.action_up()

    async def action_submit(self) -> None:
        screen = self.screen
        if isinstance(screen, SearchPicker):
            screen.choose(self.value)
        else:  # pragma: no cover - only used in pickers
            await super().action_submit()


class SearchPicker(ModalScreen[str | None]):
    """Pick one of ``items`` (``(value, label, detail)``) with a search field.

    The search matches every word, case-insensitively, in the label, the item's
    ``keywords`` or the value and detail, and lists the label's matches first
    (:func:`tuidl.core.search.ranked`: exact, prefix, substring; then keywords;
    then the rest; ties by label). ``up``/``down`` move the highlight while the
    focus stays in the search field; ``enter`` chooses the highlighted item. The
    border's subtitle says so (``hint``).
    """

    DEFAULT_CSS = """
    SearchPicker { align: center middle; }
    SearchPicker > Vertical { width: 70; max-width: 95%; height: auto; max-height: 90%;
                              border: round $accent; background: $surface; padding: 0 1; }
    SearchPicker OptionList { height: auto; max-height: 18; }
    SearchPicker Input { margin: 0 0 1 0; }
    SearchPicker Label { width: 100%; }
    SearchPicker > Vertical { border-subtitle-color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "down", "Down", show=False),
        Binding("up", "up", "Up", show=False),
    ]

    def __init__(
        self,
        title: str,
        items: Sequence[tuple[str, str, str]],
        placeholder: str = "type to search",
        on_choose: Callable[[str], None] | None = None,
        *,
        hint: str = "↑↓ move · enter chooses · esc cancels",
        keywords: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.items = list(items)
        self.placeholder = placeholder
        self.hint = hint
        """The keys, shown in the border under the list (the placeholder goes once typing starts)."""
        self.keywords: Mapping[str, Sequence[str]] = keywords or {}
        """Per value: words ranked after the label and before the detail (aliases, a category)."""
        self._shown_query = ""
        self.on_choose = on_choose
        """Called with the choice at once, before the picker closes (then dismissed with ``None``),
        so that keys typed after ``enter`` see its effect; without it the choice is the result."""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_subtitle = plain(self.hint)
            yield Label(plain(self.title_text))
            yield SearchInput(placeholder=self.placeholder, id="search", compact=True)
            yield OptionList(*self._options(""), id="options")

    def _options(self, query: str) -> list[Option]:
        matches = ranked(
            query, self.items, lambda item: (item[1], self.keywords.get(item[0], ()), f"{item[0]} {item[2]}")
        )
        # labels and details can be file names (user presets): plain and printable, never markup
        return [Option(styled((label, "bold"), "  ", (detail, "dim")), id=value) for value, label, detail in matches]

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#search", Input))  # at once: keys typed right after "a" land here
        ol = self.query_one(OptionList)
        if ol.option_count:
            ol.highlighted = 0

    @on(Input.Changed, "#search")
    def _filter(self, event: Input.Changed) -> None:
        self._sync()

    def _sync(self) -> OptionList:
        """List the matches of the search field's text now, highlighting the best, unless they are
        listed already: in a burst (``relu down enter``) the field's ``Changed`` messages come after
        the keys typed behind them, and must not undo a move of the highlight made meanwhile."""
        ol = self.query_one(OptionList)
        query = self.query_one("#search", Input).value
        if query != self._shown_query:
            self._shown_query = query
            ol.clear_options()
            ol.add_options(self._options(query))
            if ol.option_count:
                ol.highlighted = 0
        return ol

    def choose(self, query: str) -> None:
        """Dismiss with the highlighted match of ``query`` (the first match when the list
        still shows an older query's matches); nothing when nothing matches."""
        ol = self._sync()
        matches = [o.id for o in self._options(query)]
        if not matches:
            return
        shown = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        pick = shown[ol.highlighted] if shown == matches and ol.highlighted is not None else matches[0]
        self._finish(pick)

    def _finish(self, value: str) -> None:
        if self.on_choose is not None:
            self.on_choose(value)
            value = None  # type: ignore[assignment]
        self.dismiss(value)  # not awaited: this may run in the search field's turn, which the pop removes

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._finish(event.option.id)

    def action_down(self) -> None:
        """Move the highlight down (in the matches of what is typed now)."""
        self._sync().action_cursor_down()

    def action_up(self) -> None:
        """Move the highlight up (in the matches of what is typed now)."""
        self._sync().action_cursor_up()

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class CatalogPicker(SearchPicker):
    """The layer catalog: every Keras layer class tuidl offers, searchable."""

    def __init__(self, on_choose: Callable[[str], None] | None = None) -> None:
        super().__init__(
            "Add a layer after the cursor",
            [(name, name, f"{info.category} · {info.description}") for name, info in LAYERS.items()],
            placeholder="type to search: class name, alias, category, description",
            on_choose=on_choose,
            hint="↑↓ move · enter adds the highlighted layer · esc cancels",
            keywords={name: layer_keywords(name) for name in LAYERS},
        )


class PresetPicker(SearchPicker):
    """Experiment presets (built-in and the user's) by name."""

    def __init__(self, presets: Sequence[tuple[str, str]]) -> None:
        super().__init__(
            "Open an experiment preset",
            [(name, name, where) for name, where in presets],
            hint="↑↓ move · enter opens the highlighted preset · esc cancels",
        )


class NamePrompt(ModalScreen[str | None]):
    """Ask for a name (save as preset); dismissed with the text, ``None`` on escape."""

    DEFAULT_CSS = """
    NamePrompt { align: center middle; }
    NamePrompt > Vertical { width: 60; max-width: 95%; height: auto; border: round $accent;
                            background: $surface; padding: 0 1; }
    NamePrompt #name-error { color: $error; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", validate: object = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self._validate = validate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text))
            yield PromptInput(self.value, id="name", compact=True)
            yield Label("", id="name-error")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if callable(self._validate):
            problem = self._validate(text)
            if problem:
                self.query_one("#name-error", Label).update(plain(problem))
                return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without a name."""
        self.dismiss(None)


class SavePrompt(ModalScreen[tuple[str, str] | None]):
    """Ask for a preset's name and description (save as preset).

    Dismissed with ``(name, description)``, ``None`` on escape. ``enter`` in
    either field saves (when ``validate(name)`` finds no problem), ``tab``
    moves between them.
    """

    DEFAULT_CSS = """
    SavePrompt { align: center middle; }
    SavePrompt > Vertical { width: 76; max-width: 95%; height: auto; border: round $accent;
                            background: $surface; padding: 0 1; }
    SavePrompt Label { width: 100%; }
    SavePrompt .note { color: $text-muted; }
    SavePrompt #save-error { color: $error; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save.cancel")]

    def __init__(self, name: str, description: str, validate: object = None, note: str = "") -> None:
        super().__init__()
        self.name_value = name
        self.description = description
        self.note = note
        self._validate = validate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Save as preset — name (letters, digits, '.', '-', '_'):")
            yield PromptInput(self.name_value, id="save-name", compact=True)
            yield Label("description:")
            yield PromptInput(self.description, id="save-description", compact=True)
            yield Label(plain(self.note), classes="note")
            yield Label("", id="save-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#save-name", Input))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#save-name", Input).value.strip()
        description = " ".join(self.query_one("#save-description", Input).value.split())
        if callable(self._validate):
            problem = self._validate(name)
            if problem:
                self.query_one("#save-error", Label).update(plain(problem))
                self.set_focus(self.query_one("#save-name", Input))
                return
        self.dismiss((name, description))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
