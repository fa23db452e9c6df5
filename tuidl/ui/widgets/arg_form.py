"""A form that edits a set of Keras arguments described by :class:`tuidl.core.catalog.ArgInfo`.

One row per argument, with a widget that fits its kind:

* numbers, pairs, shapes, lists -> ``Input`` (compact) checked with
  :func:`tuidl.core.catalog.parse_arg` on every keystroke; an invalid value is
  shown in red under the field with what is allowed, and is not applied;
* ``bool`` -> ``Switch``;
* ``choice`` and ``activation`` -> ``Select``;
* ``initializer`` / ``regularizer`` -> ``Select`` of the named presets plus
  "custom…", which opens an ``Input`` for ``Class(key=value, ...)``; with
  ``apply_all`` an "all" button applies the value to every layer that takes it.

The form posts :class:`ArgForm.Changed` (argument name, checked value; ``None``
means "unset, use Keras's default") and :class:`ArgForm.ApplyToAll`. It never
changes the experiment itself (messages up).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch

from tuidl.core.catalog import (
    ACTIVATIONS, INITIALIZER_CLASSES, REGULARIZER_CLASSES, ArgInfo, format_arg, format_ref, parse_arg,
    parse_ref,
)

CUSTOM = "__custom__"
"""Select value of the "custom…" entry of a component field."""


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
    ArgForm Switch { height: 1; border: none; padding: 0; width: 8; }
    ArgForm .arg-field { width: 1fr; }
    ArgForm .arg-all { width: 5; min-width: 5; }
    ArgForm .arg-error { color: $error; height: auto; padding: 0 0 0 2; }
    ArgForm .arg-error.-empty { display: none; }
    ArgForm .arg-custom { margin: 0 0 0 21; height: auto; }
    ArgForm .arg-custom.-hidden { display: none; }
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

    def __init__(self, args: tuple[ArgInfo, ...], values: dict[str, Any], *,
                 components: dict[str, list[str]] | None = None, apply_all: bool = False,
                 form_id: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.args = args
        self.values = dict(values)
        self.components = components or {}
        self.apply_all = apply_all
        self.form_id = form_id
        self._args_by_name = {a.name: a for a in args}

    # -- composition ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        for arg in self.args:
            value = self.values.get(arg.name)
            with Horizontal(classes="arg-row"):
                yield Label(arg.name, classes="arg-name")
                yield self._field(arg, value)
                if self.apply_all and arg.kind in ("initializer", "regularizer"):
                    yield Button("all", id=f"all-{arg.name}", classes="arg-all", compact=True,
                                 tooltip=f"apply this {arg.kind} to every layer that has {arg.name}")
            if arg.kind in ("initializer", "regularizer"):
                custom = isinstance(value, dict) or hasattr(value, "class_name")
                yield Input(format_ref(value) if custom else "", id=f"custom-{arg.name}",
                            placeholder="Class(key=value, ...)", compact=True,
                            classes="arg-custom" + ("" if custom else " -hidden"))
            yield Static("", id=f"err-{arg.name}", classes="arg-error -empty")

    def _field(self, arg: ArgInfo, value: Any) -> Widget:
        wid = f"arg-{arg.name}"
        tip = arg.help or None
        shown = arg.default if value is None else value
        if arg.kind == "bool":
            return Switch(bool(shown), id=wid, classes="arg-field", tooltip=tip)
        if arg.kind in ("choice", "activation"):
            names = arg.choices if arg.kind == "choice" else ACTIVATIONS
            blank = arg.default is None
            current = value if value is not None else (Select.NULL if blank else arg.default)
            if current is not Select.NULL and current not in names:
                names = (*names, current)
            return Select([(n, n) for n in names], value=current, allow_blank=blank, id=wid,
                          prompt="linear (unset)" if arg.kind == "activation" else "unset",
                          classes="arg-field", compact=True, tooltip=tip)
        if arg.kind in ("initializer", "regularizer"):
            family = arg.kind + "s"
            names = list(self.components.get(family, []))
            options = [(n, n) for n in names] + [("custom…", CUSTOM)]
            if isinstance(value, str):
                current: Any = value if value in names else CUSTOM
                if value not in names:
                    options.insert(0, (f"{value} (unknown)", value))
                    current = value
            elif value is None:
                current = Select.NULL
            else:
                current = CUSTOM
            default = "none" if arg.kind == "regularizer" else "default"
            return Select(options, value=current, allow_blank=True, prompt=default, id=wid,
                          classes="arg-field", compact=True, tooltip=tip)
        return Input(format_arg(arg, value), placeholder=format_arg(arg, arg.default) or "unset",
                     id=wid, classes="arg-field", compact=True, tooltip=tip)

    # -- helpers --------------------------------------------------------------------------
    def _error(self, name: str, text: str) -> None:
        err = self.query_one(f"#err-{name}", Static)
        err.update(text)
        err.set_class(not text, "-empty")

    def _emit(self, name: str, value: Any) -> None:
        self._error(name, "")
        self.values[name] = value
        self.post_message(self.Changed(self, name, value))

    def error_text(self, name: str) -> str:
        """The error shown under ``name`` ("" when none)."""
        return str(self.query_one(f"#err-{name}", Static).render())

    # -- events ---------------------------------------------------------------------------
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        wid = event.input.id or ""
        if wid.startswith("custom-"):
            name = wid[len("custom-"):]
            arg = self._args_by_name[name]
            allowed = INITIALIZER_CLASSES if arg.kind == "initializer" else REGULARIZER_CLASSES
            try:
                ref = parse_ref(event.value, allowed)
            except ValueError as e:
                self._error(name, str(e))
                return
            self._emit(name, ref)
            return
        name = wid[len("arg-"):]
        arg = self._args_by_name.get(name)
        if arg is None:
            return
        try:
            value = parse_arg(arg, event.value)
        except ValueError as e:
            self._error(name, str(e))
            return
        if value == self.values.get(name) and not (value is None and name in self.values):
            self._error(name, "")
            return
        self._emit(name, value)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    @on(Switch.Changed)
    def _switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        name = (event.switch.id or "")[len("arg-"):]
        if name in self._args_by_name and self.values.get(name, self._args_by_name[name].default) != event.value:
            self._emit(name, event.value)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = (event.select.id or "")[len("arg-"):]
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
        current = self.values.get(name)
        if value != current and not (current is None and value == arg.default):
            self._emit(name, value)  # (an unset argument's Select shows, and echoes, its default)

    @on(Button.Pressed)
    def _apply_all(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "")[len("all-"):]
        if name in self._args_by_name:
            self.post_message(self.ApplyToAll(self, name, self.values.get(name)))
