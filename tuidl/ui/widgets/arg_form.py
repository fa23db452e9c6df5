"""A form that edits a set of Keras arguments described by :class:`tuidl.core.catalog.ArgInfo`.

A thin adapter over :class:`~tuidl.ui.widgets.form.FieldForm` (rows, messages, invalid text
kept in its field, :meth:`~tuidl.ui.widgets.form.FieldForm.set_values` in place): each argument
becomes a :class:`~tuidl.ui.widgets.form.FormField`:

* numbers, pairs, shapes, lists -> an ``input`` checked with :func:`tuidl.core.catalog.parse_arg`
  on every keystroke, shown with :func:`~tuidl.core.catalog.format_arg`;
* ``bool`` -> ``[x] on`` / ``[ ] off``;
* ``choice`` and ``activation`` -> a ``select``;
* ``initializer`` / ``regularizer`` -> a ``component``: the named presets plus "custom…"
  (``Class(key=value, ...)``, :func:`~tuidl.core.catalog.parse_ref`); with ``apply_all`` an
  "all" button applies the value to every layer that takes it.

The messages are the form's: :class:`ArgForm.Changed` (argument name, checked value; ``None``
means "unset, use Keras's default"), :class:`ArgForm.ApplyToAll` and :class:`ArgForm.Invalid`
are :class:`FieldForm`'s (the same classes).
"""

from __future__ import annotations

from typing import Any

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
from tuidl.ui.widgets.form import CUSTOM, FieldButton, FieldForm, FieldInput, FieldSelect, FormField, OnOff

__all__ = ["ArgButton", "ArgForm", "ArgInput", "ArgSelect", "OnOff", "CUSTOM", "arg_field"]

ArgInput = FieldInput
ArgSelect = FieldSelect
ArgButton = FieldButton


def arg_field(arg: ArgInfo, components: dict[str, list[str]], apply_all: bool = False) -> FormField:
    """The :class:`FormField` that edits ``arg``.

    Args:
        arg: the argument.
        components: preset names by family (``initializers``, ``regularizers``).
        apply_all: a component argument gets an "all" button.
    """
    common: dict[str, Any] = {"name": arg.name, "key": arg.name, "label": arg.name, "help": arg.help}
    if arg.kind == "bool":
        return FormField(**common, widget="bool", default=arg.default)
    if arg.kind in ("choice", "activation"):
        return FormField(
            **common,
            widget="select",
            choices=arg.choices if arg.kind == "choice" else ACTIVATIONS,
            default=arg.default,
            prompt="linear (unset)" if arg.kind == "activation" else "unset",
        )
    if arg.kind in ("initializer", "regularizer"):
        allowed = INITIALIZER_CLASSES if arg.kind == "initializer" else REGULARIZER_CLASSES
        return FormField(
            **common,
            widget="component",
            parse=lambda text: parse_ref(text, allowed),
            format=format_ref,
            choices=tuple(components.get(arg.kind + "s", [])),
            prompt="none" if arg.kind == "regularizer" else "default",
            custom_example="RandomNormal(stddev=0.05)" if arg.kind == "initializer" else "L2(l2=0.001)",
            apply_all=f"apply this {arg.kind} to every layer that has {arg.name}" if apply_all else "",
        )
    return FormField(
        **common,
        parse=lambda text: parse_arg(arg, text),
        format=lambda value: format_arg(arg, value),
        default=arg.default,
        prompt=format_arg(arg, arg.default) or "unset",
    )


class ArgForm(FieldForm):
    """Edit ``values`` for ``args``.

    Args:
        args: the arguments, in display order.
        values: current values by argument name (missing = unset / Keras default).
        components: preset names by family (``initializers``, ``regularizers``)
            for component fields.
        apply_all: show an "all" button next to component fields.
        form_id: echoed in messages so that one handler can serve several forms.
    """

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
        self.args = args
        self.components = components or {}
        self.apply_all = apply_all
        self._args_by_name = {a.name: a for a in args}
        fields = [arg_field(a, self.components, apply_all) for a in args]
        super().__init__(fields, values, prefix="arg", label_width=21, form_id=form_id, id=id, classes=classes)

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` of argument ``name`` (``None`` when the form has no such argument)."""
        return self._args_by_name.get(name)
