"""A form that edits a set of Keras arguments described by :class:`tuidl.core.catalog.ArgInfo`.

One row per argument, with a widget that fits its kind:

* numbers, pairs, shapes, lists -> :class:`ArgInput` (a compact ``Input``)
  checked with :func:`tuidl.core.catalog.parse_arg` on every keystroke;
* ``bool`` -> :class:`OnOff` (a ``Checkbox`` labelled "on"/"off", readable
  without colour);
* ``choice`` and ``activation`` -> ``Select`` (type to search while open);
* ``initializer`` / ``regularizer`` -> ``Select`` of the named presets plus
  "custom…", which opens an ``Input`` for ``Class(key=value, ...)``; with
  ``apply_all`` an "all" button applies the value to every layer that takes it.

The form posts :class:`ArgForm.Changed` (argument name, checked value; ``None``
means "unset, use Keras's default"), :class:`ArgForm.ApplyToAll`, and
:class:`ArgForm.Invalid` whenever a field starts or stops holding text that
cannot be applied. An invalid text is never applied and never replaced: it
stays in its field, with the reason in red under it, also after the field is
left, until it is corrected (or the form is rebuilt, which the screen
announces). It never changes the experiment itself (messages up).

:meth:`ArgForm.set_values` shows new values (undo, apply-to-all) in place,
without rebuilding the form and without touching the field that has focus.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.css.query import NoMatches
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tuidl.core.catalog import (
    ACTIVATIONS,
    INITIALIZER_CLASSES,
    REGULARIZER_CLASSES,
    ArgInfo,
    format_arg,
    format_ref,
    parse_arg,
    parse_ref,
)
from tuidl.ui.text import plain
from tuidl.ui.widgets.typeahead import TypeAhead

__all__ = ["ArgButton", "ArgForm", "ArgInput", "ArgSelect", "OnOff", "CUSTOM"]

CUSTOM = "__custom__"
"""Select value of the "custom…" entry of a component field."""


class ArgInput(TypeAhead, Input):
    """A compact ``Input`` whose editing keys keep their order in a fast burst
    (``ctrl+a ctrl+k 1 2 8`` gives ``128``; see :mod:`tuidl.ui.widgets.typeahead`)."""

    TYPES_TEXT = True


class OnOff(TypeAhead, Checkbox):
    """A ``Checkbox`` whose label says its state: "on" or "off" (no colour needed);
    keys keep their order in a burst (:mod:`tuidl.ui.widgets.typeahead`)."""

    def __init__(self, value: bool = False, **kwargs: Any) -> None:
        super().__init__("on" if value else "off", value, compact=True, **kwargs)

    def watch_value(self) -> None:
        super().watch_value()  # the -on class and the Changed message
        self.label = "on" if self.value else "off"


class ArgSelect(TypeAhead, Select):  # type: ignore[type-arg]
    """A ``Select`` whose keys keep their order in a burst (``tab`` then typing goes on
    in the next field; see :mod:`tuidl.ui.widgets.typeahead`)."""


class ArgButton(TypeAhead, Button):
    """A ``Button`` whose keys keep their order in a burst."""


def _reason(message: str) -> str:
    """The "what is allowed" part of :func:`parse_arg`'s message
    (``"rate = '1.5': must be a number >= 0 and < 1"`` -> ``"must be a number >= 0 and < 1"``)."""
    if message.split(" ", 2)[1:2] == ["is"] and ": " in message:  # "units is required: an integer >= 1"
        head, rest = message.split(": ", 1)
        return f"{head.split(' ', 2)[2]}: must be {rest}"
    return message.split(": ", 1)[1] if ": " in message else message


class ArgForm(Vertical):
    """Edit ``values`` for ``args``.

    Args:
        args: the arguments, in display order.
        values: current values by argument name (missing = unset / Keras default).
        components: preset names by family (``initializers``, ``regularizers``)
            for component fields.
        apply_all: show an "all" button next to component fields.
        form_id: echoed in messages so that one handler can serve several forms.
    """

    DEFAULT_CSS = """
    ArgForm { height: auto; }
    ArgForm .arg-row { height: auto; }
    ArgForm .arg-name { width: 21; padding: 0; }
    ArgForm .arg-field { width: 1fr; }
    ArgForm OnOff.arg-field { width: auto; }
    ArgForm .arg-all { width: 5; min-width: 5; }
    ArgForm .arg-error { color: $error; height: auto; padding: 0 0 0 2; }
    ArgForm .arg-error.-empty { display: none; }
    ArgForm .arg-custom { margin: 0 0 0 21; height: auto; }
    ArgForm .arg-custom.-hidden { display: none; }
    ArgForm SelectOverlay { max-height: 8; }
    """

    class Changed(Message):
        """An argument got a new, checked value (``None``: unset)."""

        def __init__(self, form: "ArgForm", name: str, value: Any) -> None:
            super().__init__()
            self.form = form
            self.form_id = form.form_id
            self.name = name
            self.value = value

        @property
        def control(self) -> "ArgForm":
            """The form that changed."""
            return self.form

    class ApplyToAll(Message):
        """Apply ``value`` of component argument ``name`` to every layer that has it."""

        def __init__(self, form: "ArgForm", name: str, value: Any) -> None:
            super().__init__()
            self.form = form
            self.name = name
            self.value = value

    class Invalid(Message):
        """Field ``name`` now holds ``text`` that is not applied because of ``reason``
        (``reason is None``: it holds nothing invalid any more)."""

        def __init__(self, form: "ArgForm", name: str, text: str, reason: str | None) -> None:
            super().__init__()
            self.form = form
            self.form_id = form.form_id
            self.name = name
            self.text = text
            self.reason = reason

    def __init__(
        self,
        args: tuple[ArgInfo, ...],
        values: dict[str, Any],
        *,
        components: dict[str, list[str]] | None = None,
        apply_all: bool = False,
        form_id: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.args = args
        self.values = dict(values)
        self.components = components or {}
        self.apply_all = apply_all
        self.form_id = form_id
        self._args_by_name = {a.name: a for a in args}
        self.invalid: dict[str, tuple[str, str]] = {}
        """Fields holding text that is not applied: name -> (text, reason)."""

    # -- composition ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        for arg in self.args:
            value = self.values.get(arg.name)
            with Horizontal(classes="arg-row"):
                yield Label(arg.name, classes="arg-name")
                yield self._field(arg, value)
                if self.apply_all and arg.kind in ("initializer", "regularizer"):
                    yield ArgButton(
                        "all",
                        id=f"all-{arg.name}",
                        classes="arg-all",
                        compact=True,
                        tooltip=f"apply this {arg.kind} to every layer that has {arg.name}",
                    )
            if arg.kind in ("initializer", "regularizer"):
                custom = isinstance(value, dict) or hasattr(value, "class_name")
                yield ArgInput(
                    format_ref(value) if custom else "",
                    id=f"custom-{arg.name}",
                    placeholder="Class(key=value, ...)",
                    compact=True,
                    classes="arg-custom" + ("" if custom else " -hidden"),
                )
            yield Static("", id=f"err-{arg.name}", classes="arg-error -empty")

    def _select_options(self, arg: ArgInfo, value: Any) -> tuple[list[tuple[Text, Any]], Any]:
        """``(options, current)`` of the Select for a choice/activation/component argument."""
        if arg.kind in ("choice", "activation"):
            names = arg.choices if arg.kind == "choice" else ACTIVATIONS
            blank = arg.default is None
            current = value if value is not None else (Select.NULL if blank else arg.default)
            if current is not Select.NULL and current not in names:
                names = (*names, current)
            return [(plain(n), n) for n in names], current  # a value from a file may hold "[...]"
        family = arg.kind + "s"
        names = list(self.components.get(family, []))
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

    def _field(self, arg: ArgInfo, value: Any) -> Widget:
        wid = f"arg-{arg.name}"
        tip = arg.help or None
        shown = arg.default if value is None else value
        if arg.kind == "bool":
            return OnOff(bool(shown), id=wid, classes="arg-field", tooltip=tip)
        if arg.kind in ("choice", "activation", "initializer", "regularizer"):
            options, current = self._select_options(arg, value)
            if arg.kind in ("choice", "activation"):
                blank = arg.default is None
                prompt = "linear (unset)" if arg.kind == "activation" else "unset"
            else:
                blank = True
                prompt = "none" if arg.kind == "regularizer" else "default"
            return ArgSelect(
                options,
                value=current,
                allow_blank=blank,
                id=wid,
                prompt=prompt,
                classes="arg-field",
                compact=True,
                tooltip=tip,
            )
        return ArgInput(
            format_arg(arg, value),
            placeholder=format_arg(arg, arg.default) or "unset",
            id=wid,
            classes="arg-field",
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
        for arg in self.args:
            name = arg.name
            new = values.get(name)
            if new == self.values.get(name) and (name in values) == (name in self.values):
                continue
            fields = self.query(f"#arg-{name}")
            if not fields:
                continue
            field = fields.first()
            if field is focused or name in self.invalid:
                continue
            if new is None:
                self.values.pop(name, None)
            else:
                self.values[name] = new
            shown = arg.default if new is None else new
            if isinstance(field, OnOff):
                field.value = bool(shown)
            elif isinstance(field, Select):
                options, current = self._select_options(arg, new)
                try:
                    field.set_options(options)
                except NoMatches:
                    # the form was just built (the cursor moved fast through the layers) and this
                    # Select has not composed its option list yet: show its value once it has
                    self.values.pop(name, None)
                    self.call_after_refresh(self.set_values, dict(values))
                    continue
                field.value = current
                if arg.kind in ("initializer", "regularizer"):
                    custom = self.query_one(f"#custom-{name}", Input)
                    is_custom = current == CUSTOM
                    custom.set_class(not is_custom, "-hidden")
                    if is_custom and custom is not focused:
                        custom.value = format_ref(new)
            elif isinstance(field, Input):
                field.value = format_arg(arg, new)

    # -- helpers --------------------------------------------------------------------------
    def _error(self, name: str, text: str) -> None:
        err = self.query_one(f"#err-{name}", Static)
        err.update(plain(text))  # it quotes what was typed: data, not markup
        err.set_class(not text, "-empty")

    def _set_invalid(self, name: str, text: str, message: str) -> None:
        self._error(name, message)
        entry = (text, _reason(message))
        if self.invalid.get(name) != entry:
            self.invalid[name] = entry
            self.post_message(self.Invalid(self, name, text, entry[1]))

    def _clear_invalid(self, name: str) -> None:
        self._error(name, "")
        if self.invalid.pop(name, None) is not None:
            self.post_message(self.Invalid(self, name, "", None))

    def _emit(self, name: str, value: Any) -> None:
        self._clear_invalid(name)
        self.values[name] = value
        self.post_message(self.Changed(self, name, value))

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` of argument ``name`` (``None`` when the form has no such argument)."""
        return self._args_by_name.get(name)

    def error_text(self, name: str) -> str:
        """The error shown under ``name`` ("" when none)."""
        return str(self.query_one(f"#err-{name}", Static).render())

    # -- events ---------------------------------------------------------------------------
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        wid = event.input.id or ""
        if wid.startswith("custom-"):
            name = wid[len("custom-") :]
            arg = self._args_by_name[name]
            allowed = INITIALIZER_CLASSES if arg.kind == "initializer" else REGULARIZER_CLASSES
            try:
                ref = parse_ref(event.value, allowed)
            except ValueError as e:
                self._set_invalid(name, event.value, f"{name} = {event.value!r}: {e}")
                return
            if ref == self.values.get(name):
                self._clear_invalid(name)
                return
            self._emit(name, ref)
            return
        name = wid[len("arg-") :]
        arg = self._args_by_name.get(name)
        if arg is None:
            return
        try:
            value = parse_arg(arg, event.value)
        except ValueError as e:
            self._set_invalid(name, event.value, str(e))
            return
        if value == self.values.get(name) and not (value is None and name in self.values):
            self._clear_invalid(name)
            return
        self._emit(name, value)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    @on(Checkbox.Changed)
    def _switch_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        name = (event.checkbox.id or "")[len("arg-") :]
        if name in self._args_by_name and self.values.get(name, self._args_by_name[name].default) != event.value:
            self._emit(name, event.value)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = (event.select.id or "")[len("arg-") :]
        arg = self._args_by_name.get(name)
        if arg is None:
            return
        value = None if event.value is Select.NULL else event.value
        if arg.kind in ("initializer", "regularizer"):
            custom = self.query_one(f"#custom-{name}", Input)
            custom.set_class(value != CUSTOM, "-hidden")
            if value == CUSTOM:
                if not custom.value:
                    custom.value = "RandomNormal(stddev=0.05)" if arg.kind == "initializer" else "L2(l2=0.001)"
                else:
                    self._input_changed(Input.Changed(custom, custom.value))
                return
            self._clear_invalid(name)  # a preset chosen: the custom text no longer counts
        current = self.values.get(name)
        if value != current and not (current is None and value == arg.default):
            self._emit(name, value)  # (an unset argument's Select shows, and echoes, its default)

    @on(Button.Pressed)
    def _apply_all(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "")[len("all-") :]
        if name in self._args_by_name:
            self.post_message(self.ApplyToAll(self, name, self.values.get(name)))
