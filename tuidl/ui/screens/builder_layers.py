"""The builder's Model tab: layer operations and the layer editor.

:class:`LayerEditing` is a mixin of :class:`~tuidl.ui.screens.builder.BuilderScreen`
(which holds the experiment's undo history, the bindings and the message
handlers): insert, remove, duplicate, move and edit layers; the editor
(:class:`~tuidl.ui.widgets.arg_form.ArgForm`) for the layer under the cursor;
and the fields holding text that is not applied (each an error finding that
names the layer, the argument, the text and what the model keeps).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tuidl.core.catalog import LAYERS, format_arg
from tuidl.core.checks import ERROR, layer_names, where
from tuidl.core.events import Finding
from tuidl.ui.widgets.arg_form import ArgForm

__all__ = ["LayerEditing"]


class LayerEditing:
    """Layer operations and the layer editor (mixed into :class:`~tuidl.ui.screens.builder.BuilderScreen`)."""

    exp: Any
    cursor: int
    presets: dict[str, list[str]]
    findings: tuple[Finding, ...]
    is_mounted: bool
    _invalid: dict[str, Finding]
    _editor_for: tuple[int, str] | None
    query: Any
    query_one: Any
    set_focus: Any
    notify: Any
    apply: Any
    refresh_bindings: Any
    _layers: Any
    _with_layers: Any
    _show_tab: Any
    _refresh_all: Any
    _current_findings: Any
    _show_findings: Any
    _show_totals: Any

    def add_layer(self, class_name: str, at: int | None = None) -> None:
        """Insert a ``class_name`` layer (Keras defaults, required arguments filled) after ``at``."""
        layers = self._layers()
        pos = (self.cursor + 1 if layers else 0) if at is None else at
        layers.insert(pos, {"class_name": class_name, "config": LAYERS[class_name].default_config()})
        self.apply(self._with_layers(layers), cursor=pos)

    def action_remove(self) -> None:
        """Remove the layer under the cursor."""
        layers = self._layers()
        if not layers:
            return
        i = self.cursor
        del layers[i]
        self.apply(self._with_layers(layers), cursor=min(i, len(layers) - 1) if layers else 0)

    def action_duplicate(self) -> None:
        """Insert a copy of the layer under the cursor after it (an explicit name is dropped)."""
        layers = self._layers()
        if not layers:
            return
        i = self.cursor
        copy = {
            "class_name": layers[i]["class_name"],
            "config": {k: v for k, v in layers[i]["config"].items() if k != "name"},
        }
        layers.insert(i + 1, copy)
        self.apply(self._with_layers(layers), cursor=i + 1)

    def action_move(self, delta: int) -> None:
        """Move the layer under the cursor by ``delta`` (-1 up, +1 down)."""
        layers = self._layers()
        i = self.cursor
        j = i + delta
        if not layers or not 0 <= j < len(layers):
            return
        layers[i], layers[j] = layers[j], layers[i]
        self.apply(self._with_layers(layers), cursor=j)

    async def action_edit(self) -> None:
        """Focus the first field of the layer editor.

        The editor is brought up to date with the cursor and mounted first, and
        focus moves at once (``set_focus``), so that keys typed right after
        ``e`` land in the field (see :mod:`tuidl.ui.widgets.typeahead`).
        """
        self._show_tab("tab-model")
        self._show_editor()
        if self._editor_mount is not None:
            await self._editor_mount
        fields = [w for w in self.query("#editor-body ArgForm .form-field") if w.focusable and w.display]
        if fields:
            self.set_focus(fields[0])

    # -- the editor ----------------------------------------------------------------------
    _editor_mount: Any = None
    """The pending mount of the editor's form (awaited by :meth:`action_edit`)."""

    def _show_editor(self, sync: bool = True) -> None:
        """Show the layer under the cursor in the editor.

        The form is rebuilt only when the cursor is on another layer (or the
        layer's class changed); otherwise ``sync`` shows the layer's values in
        place (:meth:`ArgForm.set_values`, which leaves the focused field alone).
        """
        layers = self.exp.model.layers
        title = self.query_one("#editor-title", Static)
        if not layers:
            self._forget_invalid("layer")
            self._editor_for = None
            title.update("No layers yet. Press [b]a[/b] to add one.")
            self.query_one("#editor-body").remove_children()
            return
        i = self.cursor
        layer = layers[i]
        key = (i, layer.class_name)
        name = layer_names(layers)[i]
        hint = "\ne/enter: edit · escape: back" if LAYERS[layer.class_name].args else ""
        title.update(
            Text.assemble(
                f"layer {i + 1} ",
                (layer.class_name, "bold"),
                f" {name}\n",
                (LAYERS[layer.class_name].description, "dim"),
                (hint, "dim italic"),
            )
        )
        if self._editor_for == key:
            if sync:
                for form in self.query("#editor-body ArgForm").results(ArgForm):
                    form.set_values(layer.config)
            return
        self._forget_invalid("layer")
        self._editor_for = key
        body = self.query_one("#editor-body")
        body.remove_children()
        info = LAYERS[layer.class_name]
        if info.args:
            self._editor_mount = body.mount(
                ArgForm(info.args, layer.config, components=self.presets, apply_all=True, form_id=f"layer-{i}")
            )
        else:
            self._editor_mount = body.mount(Static("(no arguments)", classes="dim"))

    # -- fields holding text that is not applied ------------------------------------------
    def _form_label(self, form_id: str) -> tuple[str, int | None]:
        """How a finding names the form ``form_id``: ``("layer 3 dropout (Dropout)", 2)``."""
        if form_id.startswith("layer-"):
            i = int(form_id.split("-", 1)[1])
            layers = self.exp.model.layers
            if i < len(layers):
                return where(i, layer_names(layers)[i], layers[i].class_name), i
            return f"layer {i + 1}", i
        if form_id == "optimizer":
            opt = self.exp.compile.optimizer
            return f"optimizer {opt if isinstance(opt, str) else opt.class_name}", None
        if form_id == "schedule":
            return "learning-rate schedule", None
        if form_id.startswith("cb-"):
            return f"callback {form_id[3:]}", None
        return form_id, None

    def note_invalid(self, event: ArgForm.Invalid) -> None:
        """A field holds text that is not applied (or no longer): an error finding while it does."""
        key = f"{event.form_id}.{event.name}"
        if event.reason is None:
            if self._invalid.pop(key, None) is None:
                return
        else:
            label, layer = self._form_label(event.form_id)
            shown = event.text.strip() or "(empty)"
            field = (
                f"model.layers[{layer}].config.{event.name}" if layer is not None else f"{event.form_id}.{event.name}"
            )
            arg = event.form.arg(event.name)
            kept = event.form.values.get(event.name, arg.default if arg is not None else None)
            kept_text = format_arg(arg, kept) if arg is not None else str(kept)
            self._invalid[key] = Finding(
                ERROR,
                f"{label}: {event.name} = {shown} not applied: {event.reason}",
                f"correct it; until then the model keeps {event.name} = {kept_text or 'unset'}",
                layer,
                field,
            )
        self._refresh_all(sync_editor=False)
        self.refresh_bindings()

    def _forget_invalid(self, which: str) -> None:
        """Drop the invalid texts of the layer editor (``"layer"``), the Compile & fit forms
        (``"training"``) or ``"all"`` because their form goes away — and say so."""
        gone = [k for k in self._invalid if which == "all" or k.startswith("layer-") == (which == "layer")]
        if not gone:
            return
        lost = [self._invalid.pop(k).message.replace(" not applied: ", " was not applied (") + ")" for k in gone]
        self.notify(
            "; ".join(lost) + ". The last valid value is kept.",
            title="Edit discarded",
            severity="warning",
            timeout=10,
            markup=False,
        )
        if self.is_mounted:
            self.findings = self._current_findings()
            self._show_findings()
            self._show_totals()
