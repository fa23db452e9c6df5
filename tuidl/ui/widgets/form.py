"""One form generator for every settings form: a row per :class:`FormField`.

Both the layer/optimizer/fit arguments (:class:`~tuidl.ui.widgets.arg_form.ArgForm`, from
:class:`tuidl.core.catalog.ArgInfo`) and the data settings
(:class:`~tuidl.ui.widgets.data_form.DataForm`, from the pydantic section models) describe their
fields as :class:`FormField` and are thin adapters over :class:`FieldForm`, which builds the rows
and posts the messages. What a field's ``widget`` gives:

* ``input`` -> :class:`FieldInput` (a compact ``Input``), checked with the field's ``parse`` on
  every keystroke;
* ``bool`` -> :class:`OnOff`, a ``Checkbox`` drawn ``[x] on`` / ``[ ] off``: the box and the
  label both state the value, so it reads right without colour (``NO_COLOR``);
* ``select`` -> :class:`FieldSelect` of ``choices`` (type to search while open);
* ``component`` -> :class:`FieldSelect` of named presets plus "custom…", which opens a
  :class:`FieldInput` for ``Class(key=value, ...)``; with ``apply_all`` an "all" button
  asks to apply the value to every layer that takes it (:class:`FieldForm.ApplyToAll`);
* ``features`` -> :class:`CheckList` (a ``SelectionList`` drawn with ``[x]`` / ``[ ]``), at
  least one item chosen.

The form posts :class:`FieldForm.Changed` (field name, checked value; ``None`` means "unset,
use the default"), and :class:`FieldForm.Invalid` whenever a field starts or stops holding
text that cannot be applied. An invalid text is never applied and never replaced: it stays in
its field, with the reason under it, also after the field is left, until it is corrected (or
the form is rebuilt). The form never changes the experiment itself (messages up).

:meth:`FieldForm.set_values` shows new values (undo, apply-to-all) in place, without
rebuilding the form and without touching the field that has focus. Every focusable widget
keeps the order of keys typed in a burst (:mod:`tuidl.ui.widgets.typeahead`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from tuidl.ui.text import plain
from tuidl.ui.widgets.typeahead import TypeAhead

__all__ = [
    "CUSTOM",
    "CheckList",
    "FieldButton",
    "FieldForm",
    "FieldInput",
    "FieldSelect",
    "FormField",
    "OnOff",
    "check_mark",
]

CUSTOM = "__custom__"
"""Select value of the "custom…" entry of a component field."""

WidgetKind = Literal["input", "bool", "select", "component", "features"]


def _text(text: str) -> Any:
    return text.strip() or None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class FormField:
    """One editable field, whatever describes it (an ``ArgInfo``, a pydantic field).

    Attributes:
        name: the key of the form's values and of its messages (``units``, ``options.noise``).
        key: the field's part of widget ids, CSS-safe (``units``, ``options-noise``): the
            widget is ``#{prefix}-{key}`` (the form's ``prefix``), its error ``#err-{prefix}-{key}``,
            a component's custom entry ``#custom-{key}`` and its button ``#all-{key}``.
        label: the text of the name column.
        widget: ``input``, ``bool``, ``select``, ``component`` or ``features`` (module docstring).
        parse: the text of an ``input`` (or a component's custom entry, or the chosen
            ``features`` joined by ``", "``) -> the value (``None``: unset); raises ``ValueError``
            with a message naming the field, the text and what is allowed.
        format: a value -> the text an ``input`` shows (``None`` -> ``""``).
        choices: the values of a ``select``, the preset names of a ``component``, the items of
            ``features``.
        default: what an unset field means, shown by ``bool``, ``select`` and ``features``
            fields (``None``: a ``select`` shows its blank ``prompt``).
        unset_default: a ``bool`` or ``features`` field set back to ``default`` posts ``None``
            (unset) rather than the value.
        prompt: the blank entry of a ``select``/``component``; the placeholder of an ``input``.
        help: the tooltip.
        note: a line shown under the row (``relative to …``).
        custom_example: the text a component's custom entry starts with.
        apply_all: the tooltip of a component field's "all" button ("": no button).
    """

    name: str
    key: str
    label: str
    widget: WidgetKind = "input"
    parse: Callable[[str], Any] = _text
    format: Callable[[Any], str] = _str
    choices: tuple[str, ...] = ()
    default: Any = None
    unset_default: bool = False
    prompt: str = ""
    help: str = ""
    note: str = ""
    custom_example: str = ""
    apply_all: str = ""


def check_mark(on: bool) -> str:
    """The box of a bool that reads without colour: ``[x]`` when on, ``[ ]`` when off."""
    return "[x]" if on else "[ ]"


class FieldInput(TypeAhead, Input):
    """A compact ``Input`` whose editing keys keep their order in a fast burst
    (``ctrl+a ctrl+k 1 2 8`` gives ``128``; see :mod:`tuidl.ui.widgets.typeahead`)."""

    TYPES_TEXT = True


class OnOff(TypeAhead, Checkbox):
    """A ``Checkbox`` drawn ``[x] on`` / ``[ ] off``: box and label both state the value, so it
    reads right without colour; keys keep their order in a burst (:mod:`tuidl.ui.widgets.typeahead`).

    (Textual draws every checkbox ``▐X▌``, on and off alike, and tells them apart by colour only.)
    """

    def __init__(self, value: bool = False, **kwargs: Any) -> None:
        super().__init__("on" if value else "off", value, compact=True, **kwargs)

    @property
    def _button(self) -> Content:
        """``[x]`` or ``[ ]``; only the mark takes the button's colour."""
        style = self.get_visual_style("toggle--button")
        mark = check_mark(self.value)
        return Content.assemble(mark[0], (mark[1], style), mark[2])

    def watch_value(self) -> None:
        super().watch_value()  # the -on class and the Changed message
        self.label = "on" if self.value else "off"


class CheckList(TypeAhead, SelectionList):  # type: ignore[type-arg]
    """A ``SelectionList`` whose items are drawn ``[x] name`` / ``[ ] name`` (readable without
    colour, like :class:`OnOff`); keys keep their order in a burst."""

    def render_line(self, y: int) -> Strip:
        """Textual's line with its ``▐X▌`` button (the first three segments) drawn as ``[x]``/``[ ]``."""
        strip = super().render_line(y)
        segments = list(strip)
        option = self.scroll_offset.y + y
        if len(segments) < 4 or option >= self.option_count:
            return strip
        selected = self.get_option_at_index(option).value in self.selected
        mark = check_mark(selected)
        around = segments[3].style  # the space after the button: the line's own colours
        button = segments[1].style
        fixed = [Segment(mark[0], around), Segment(mark[1], button), Segment(mark[2], around)]
        return Strip([*fixed, *segments[3:]], strip.cell_length)


class FieldSelect(TypeAhead, Select):  # type: ignore[type-arg]
    """A ``Select`` whose keys keep their order in a burst (``tab`` then typing goes on
    in the next field; see :mod:`tuidl.ui.widgets.typeahead`)."""


class FieldButton(TypeAhead, Button):
    """A ``Button`` whose keys keep their order in a burst."""


def _reason(message: str) -> str:
    """The "what is allowed" part of a parse error
    (``"rate = '1.5': must be a number >= 0 and < 1"`` -> ``"must be a number >= 0 and < 1"``)."""
    if message.split(" ", 2)[1:2] == ["is"] and ": " in message:  # "units is required: an integer >= 1"
        head, rest = message.split(": ", 1)
        return f"{head.split(' ', 2)[2]}: must be {rest}"
    return message.split(": ", 1)[1] if ": " in message else message


class FieldForm(Vertical):
    """Edit ``values`` of ``fields``, one row each.

    Args:
        fields: the fields, in display order.
        values: current values by field name (missing or ``None``: unset, the default).
        prefix: the first part of each field widget's id (``arg`` -> ``#arg-units``).
        label_width: cells of the name column.
        form_id: echoed in messages so that one handler can serve several forms.
    """

    DEFAULT_CSS = """
    FieldForm { height: auto; }
    FieldForm .form-row { height: auto; }
    FieldForm .form-name { padding: 0; }
    FieldForm .form-field { width: 1fr; }
    FieldForm OnOff.form-field { width: auto; }
    FieldForm CheckList { height: auto; max-height: 8; border: none; padding: 0; }
    FieldForm .form-all { width: 5; min-width: 5; }
    FieldForm .form-help { color: $text-muted; height: auto; padding: 0 0 0 2; }
    FieldForm .form-error { color: $error; height: auto; padding: 0 0 0 2; }
    FieldForm .form-error.-empty { display: none; }
    FieldForm .form-custom { height: auto; }
    FieldForm .form-custom.-hidden { display: none; }
    FieldForm SelectOverlay { max-height: 8; }
    """

    class Changed(Message):
        """Field ``name`` got a new, checked ``value`` (``None``: unset)."""

        def __init__(self, form: "FieldForm", name: str, value: Any) -> None:
            super().__init__()
            self.form = form
            self.form_id = form.form_id
            self.name = name
            self.value = value

        @property
        def path(self) -> str:
            """The field's name (the data form's dotted path inside ``data``, ``options.noise``)."""
            return self.name

        @property
        def control(self) -> "FieldForm":
            """The form that changed."""
            return self.form

    class ApplyToAll(Message):
        """Apply ``value`` of component field ``name`` to every layer that has it."""

        def __init__(self, form: "FieldForm", name: str, value: Any) -> None:
            super().__init__()
            self.form = form
            self.name = name
            self.value = value

    class Invalid(Message):
        """Field ``name`` now holds ``text`` that is not applied because of ``reason``
        (``reason is None``: it holds nothing invalid any more); ``message`` is the whole
        message shown under the field (names the field, the text and what is allowed)."""

        def __init__(self, form: "FieldForm", name: str, text: str, reason: str | None, message: str = "") -> None:
            super().__init__()
            self.form = form
            self.form_id = form.form_id
            self.name = name
            self.text = text
            self.reason = reason
            self.message = message

        @property
        def path(self) -> str:
            """The field's name (the data form's dotted path inside ``data``)."""
            return self.name

    def __init__(
        self,
        fields: tuple[FormField, ...] | list[FormField],
        values: dict[str, Any],
        *,
        prefix: str,
        label_width: int,
        form_id: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.fields = tuple(fields)
        self.values = dict(values)
        self.prefix = prefix
        self.label_width = label_width
        self.form_id = form_id
        self._by_name = {f.name: f for f in self.fields}
        self._by_id = {self.widget_id(f): f for f in self.fields}
        self._by_key = {f.key: f for f in self.fields}
        self.invalid: dict[str, tuple[str, str]] = {}
        """Fields holding text that is not applied: name -> (text, reason)."""
        self.errors: dict[str, str] = {}
        """The problem shown under each field now, by name (refused text, or one shown by :meth:`show_error`)."""

    def widget_id(self, f: FormField) -> str:
        """The id of field ``f``'s widget (``arg-units``, ``df-options-noise``)."""
        return f"{self.prefix}-{f.key}"

    # -- composition ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        for f in self.fields:
            value = self.values.get(f.name)
            with Horizontal(classes="form-row"):
                label = Label(plain(f.label), classes="form-name")
                label.styles.width = self.label_width
                yield label
                yield self._field(f, value)
                if f.apply_all and f.widget == "component":
                    yield FieldButton(
                        "all",
                        id=f"all-{f.key}",
                        classes="form-all",
                        compact=True,
                        tooltip=f.apply_all,
                    )
            if f.widget == "component":
                custom = value is not None and not isinstance(value, str)
                entry = FieldInput(
                    f.format(value) if custom else "",
                    id=f"custom-{f.key}",
                    placeholder="Class(key=value, ...)",
                    compact=True,
                    classes="form-custom" + ("" if custom else " -hidden"),
                )
                entry.styles.margin = (0, 0, 0, self.label_width)
                yield entry
            yield Static("", id=f"err-{self.widget_id(f)}", classes="form-error -empty")
            if f.note:
                yield Static(plain(f.note), classes="form-help")

    def _select_options(self, f: FormField, value: Any) -> tuple[list[tuple[Text, Any]], Any]:
        """``(options, current)`` of the Select of a ``select`` or ``component`` field."""
        if f.widget == "select":
            names = f.choices
            current = value if value is not None else (Select.NULL if f.default is None else f.default)
            if current is not Select.NULL and current not in names:
                names = (*names, current)
            return [(plain(n), n) for n in names], current  # a value from a file may hold "[...]"
        names = f.choices
        options: list[tuple[Text, Any]] = [(plain(n), n) for n in names] + [(plain("custom…"), CUSTOM)]
        if isinstance(value, str):
            current = value
            if value not in names:
                options.insert(0, (plain(f"{value} (unknown)"), value))
        elif value is None:
            current = Select.NULL
        else:
            current = CUSTOM
        return options, current

    def _field(self, f: FormField, value: Any) -> Widget:
        wid = self.widget_id(f)
        tip = f.help or None
        if f.widget == "bool":
            return OnOff(bool(f.default if value is None else value), id=wid, classes="form-field", tooltip=tip)
        if f.widget in ("select", "component"):
            options, current = self._select_options(f, value)
            return FieldSelect(
                options,
                value=current,
                allow_blank=f.widget == "component" or f.default is None,
                id=wid,
                prompt=f.prompt,
                classes="form-field",
                compact=True,
                tooltip=tip,
            )
        if f.widget == "features":
            chosen = list(value) if value else list(f.default or ())
            checklist = CheckList(*[(n, n, n in chosen) for n in f.choices], id=wid, classes="form-field", compact=True)
            checklist.tooltip = tip
            return checklist
        return FieldInput(
            f.format(value),
            placeholder=f.prompt,
            id=wid,
            classes="form-field",
            compact=True,
            tooltip=tip,
        )

    # -- showing new values in place ---------------------------------------------------------
    def set_values(self, values: dict[str, Any]) -> None:
        """Show ``values`` (the model's, after undo or apply-to-all) without rebuilding the form.

        The field that has focus is left alone (the person is typing in it),
        and so is a field that holds invalid text.
        """
        focused = self.app.focused
        for f in self.fields:
            name = f.name
            new = values.get(name)
            if new == self.values.get(name) and (name in values) == (name in self.values):
                continue
            fields = self.query(f"#{self.widget_id(f)}")
            if not fields:
                continue
            field = fields.first()
            if field is focused or name in self.invalid:
                continue
            if new is None:
                self.values.pop(name, None)
            else:
                self.values[name] = new
            shown = f.default if new is None else new
            if isinstance(field, OnOff):
                field.value = bool(shown)
            elif isinstance(field, CheckList):
                field.deselect_all()
                for item in shown or ():
                    field.select(item)
            elif isinstance(field, Select):
                options, current = self._select_options(f, new)
                try:
                    field.set_options(options)
                except NoMatches:
                    # the form was just built (the cursor moved fast through the layers) and this
                    # Select has not composed its option list yet: show its value once it has
                    self.values.pop(name, None)
                    self.call_after_refresh(self.set_values, dict(values))
                    continue
                field.value = current
                if f.widget == "component":
                    custom = self.query_one(f"#custom-{f.key}", Input)
                    is_custom = current == CUSTOM
                    custom.set_class(not is_custom, "-hidden")
                    if is_custom and custom is not focused:
                        custom.value = f.format(new)
            elif isinstance(field, Input):
                field.value = f.format(new)

    # -- errors ---------------------------------------------------------------------------
    def show_error(self, name: str, text: str) -> None:
        """Show ``text`` under field ``name`` ("" clears it); unknown names are ignored."""
        if text:
            self.errors[name] = text
        else:
            self.errors.pop(name, None)
        f = self._by_name.get(name)
        if f is None or not self.is_mounted:
            return
        for w in self.query(f"#err-{self.widget_id(f)}").results(Static):
            w.update(plain(text))  # it quotes what was typed: data, not markup
            w.set_class(not text, "-empty")

    def clear_errors(self) -> None:
        """Clear every problem shown."""
        for name in list(self.errors):
            self.show_error(name, "")

    def error_text(self, name: str) -> str:
        """The problem shown under field ``name`` ("" when none)."""
        return self.errors.get(name, "")

    def field(self, name: str) -> FormField | None:
        """The :class:`FormField` named ``name`` (``None`` when the form has none)."""
        return self._by_name.get(name)

    def _set_invalid(self, name: str, text: str, message: str) -> None:
        self.show_error(name, message)
        entry = (text, _reason(message))
        if self.invalid.get(name) != entry:
            self.invalid[name] = entry
            self.post_message(self.Invalid(self, name, text, entry[1], message))

    def _clear_invalid(self, name: str) -> None:
        self.show_error(name, "")
        if self.invalid.pop(name, None) is not None:
            self.post_message(self.Invalid(self, name, "", None))

    def _emit(self, name: str, value: Any) -> None:
        self._clear_invalid(name)
        self.values[name] = value
        self.post_message(self.Changed(self, name, value))

    # -- events ---------------------------------------------------------------------------
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        wid = event.input.id or ""
        if wid.startswith("custom-"):
            f = self._by_key[wid[len("custom-") :]]
            try:
                ref = f.parse(event.value)
            except ValueError as e:
                self._set_invalid(f.name, event.value, f"{f.name} = {event.value!r}: {e}")
                return
            if ref == self.values.get(f.name):
                self._clear_invalid(f.name)
                return
            self._emit(f.name, ref)
            return
        f = self._by_id.get(wid)
        if f is None:
            return
        try:
            value = f.parse(event.value)
        except ValueError as e:
            self._set_invalid(f.name, event.value, str(e))
            return
        if value == self.values.get(f.name) and not (value is None and f.name in self.values):
            self._clear_invalid(f.name)
            return
        self._emit(f.name, value)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def _toggled(self, f: FormField, new: Any) -> None:
        """A ``bool`` or ``features`` field now shows ``new``: post it unless it is the value in force."""
        current = self.values.get(f.name)
        if (f.default if current is None else current) == new:
            self._clear_invalid(f.name)
            return
        self._emit(f.name, None if f.unset_default and new == f.default else new)

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        f = self._by_id.get(event.checkbox.id or "")
        if f is not None:
            self._toggled(f, event.value)

    @on(SelectionList.SelectedChanged)
    def _checklist_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        f = self._by_id.get(event.selection_list.id or "")
        if f is None:
            return
        chosen = [n for n in f.choices if n in event.selection_list.selected]
        text = ", ".join(chosen)
        try:
            value = f.parse(text)
        except ValueError as e:
            self._set_invalid(f.name, text, str(e))
            return
        self._toggled(f, value)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        f = self._by_id.get(event.select.id or "")
        if f is None:
            return
        value = None if event.value is Select.NULL else event.value
        if f.widget == "component":
            custom = self.query_one(f"#custom-{f.key}", Input)
            custom.set_class(value != CUSTOM, "-hidden")
            if value == CUSTOM:
                if not custom.value:
                    custom.value = f.custom_example
                else:
                    self._input_changed(Input.Changed(custom, custom.value))
                return
            self._clear_invalid(f.name)  # a preset chosen: the custom text no longer counts
        current = self.values.get(f.name)
        if value != current and not (current is None and value == f.default):
            self._emit(f.name, value)  # (an unset field's Select shows, and echoes, its default)

    @on(Button.Pressed)
    def _apply_all(self, event: Button.Pressed) -> None:
        event.stop()
        f = self._by_key.get((event.button.id or "")[len("all-") :])
        if f is not None:
            self.post_message(self.ApplyToAll(self, f.name, self.values.get(f.name)))
