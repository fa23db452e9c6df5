"""The builder screen: assemble a model layer by layer, set compile and fit, see shapes and findings live.

Keyboard first (every key is a :class:`~textual.binding.Binding` with an id,
shown in the footer and the command palette; letters act while the layer list
has focus):

====================  ==========================================================
``a``                 add a layer after the cursor, from the searchable catalog
``x`` / ``delete``    remove the layer under the cursor
``d``                 duplicate it
``K`` / ``J``         move it up / down
``e`` / ``enter``     edit it (focus the editor; ``escape`` comes back)
``ctrl+z/ctrl+y``     undo / redo (every edit; typing in one field is one step)
``c`` / ``m``         compile & fit settings / model
``ctrl+s``            save as a named user preset;  ``ctrl+o`` open a preset
``E``                 export as a standalone Keras script
``escape``            done: return the edited experiment
====================  ==========================================================

Live summary: after each edit (debounced by :attr:`BuilderScreen.DEBOUNCE` s,
so typing never waits) the screen asks for a
:class:`~tuidl.core.events.Summary` — shapes, params and pre-flight findings —
and shows it when it comes back, dropping answers to older requests. Asking
goes through :class:`tuidl.ui.summaries.SummaryAsking` (as on the data
screen): the ``summary_source`` given to the constructor answers (tests, fast
paths), else the App sends a ``Summarize`` with requester ``"builder"`` to
the engine and hands the answer to :meth:`BuilderScreen.deliver_summary`
(a failure to :meth:`BuilderScreen.deliver_failure`).

Instant first paint: until the engine's Summary for an edit arrives, the
layer list and totals show the Keras-free estimate of
:func:`tuidl.core.checks.estimate_summary` (shapes and params by Keras's
formulas, marked "estimate"), fed with the data's shape from the last engine
Summary; the engine's numbers replace it when they come (also while a run
trains: the engine answers summaries on its own thread). No estimate when
the first layer's class changed (the model's input shape may change with it).

The screen's parts: :mod:`~tuidl.ui.screens.builder_layers` (the Model tab:
layer operations and the layer editor), :mod:`~tuidl.ui.screens.builder_summary`
(the live Summary, estimate and findings) and
:mod:`~tuidl.ui.screens.builder_files` (save, open, export); the Compile & fit
tab is :class:`~tuidl.ui.widgets.training_form.TrainingForm`.

Argument ranges are checked here at once (no engine needed); everything else
comes from the engine. The screen is dismissed with the edited
:class:`~tuidl.core.spec.Experiment` (``escape``), which the App makes current.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from tuidl.core.catalog import LAYERS
from tuidl.core.checks import ERROR
from tuidl.core.errors import TuidlError
from tuidl.core.events import Finding, Summary
from tuidl.core.presets import preset_names
from tuidl.core.spec import Experiment
from tuidl.core.text import printable
from tuidl.core.undo import History
from tuidl.ui.modals import CatalogPicker
from tuidl.ui.screens.builder_files import PresetsAndExport
from tuidl.ui.screens.builder_layers import LayerEditing
from tuidl.ui.screens.builder_summary import LiveSummary
from tuidl.ui.summaries import SummarySource
from tuidl.ui.widgets.arg_form import ArgForm
from tuidl.ui.widgets.footer import TuidlFooter
from tuidl.ui.widgets.layer_list import LayerList
from tuidl.ui.widgets.training_form import TrainingForm, with_settings

__all__ = ["BuilderScreen", "SummarySource"]


class BuilderScreen(LayerEditing, LiveSummary, PresetsAndExport, Screen[Experiment | None]):
    """Edit an experiment's model, compile and fit settings.

    Args:
        exp: the experiment to start from (not modified; edits make copies).
        summary_source: who computes summaries (see the module docstring).
        presets: component preset names by family; default: read from disk.
    """

    DEBOUNCE = 0.15
    """Seconds of quiet after an edit before a summary is requested."""

    DEFAULT_CSS = """
    BuilderScreen #model-pane { height: 1fr; }
    BuilderScreen #left { width: 1fr; max-width: 64; }
    BuilderScreen #editor { width: 1fr; min-width: 40; border-left: solid $primary; padding: 0 0 0 1; }
    BuilderScreen #editor-title { text-style: bold; }
    BuilderScreen #totals { height: auto; padding: 0 1; background: $boost; }
    BuilderScreen #findings { height: auto; max-height: 7; border-top: solid $primary; padding: 0 1; }
    BuilderScreen #training-scroll { padding: 0 1; }
    BuilderScreen TabbedContent, BuilderScreen ContentSwitcher, BuilderScreen TabPane { height: 1fr; }
    BuilderScreen TabPane { padding: 0; }
    BuilderScreen Footer.-compact FooterLabel { margin: 0 1 0 0; }
    """

    COMPACT_FOOTER_BELOW = 100
    """Below this many columns the footer is compact, and descriptions short, so that the keys fit."""

    NARROW_HIDDEN = frozenset({"builder.duplicate", "builder.redo", "builder.edit"})
    """Binding ids left out of the compact footer (still keys, and in the palette)."""

    _LAYER_ACTIONS = frozenset({"add", "remove", "duplicate", "move", "edit"})
    """Actions on the layer under the cursor: only while the Model tab is shown."""

    BINDINGS = [
        Binding("a", "add", "Add", id="builder.add", tooltip="Add a layer after the cursor"),
        Binding("x,delete", "remove", "Del", id="builder.remove", tooltip="Remove the layer under the cursor"),
        Binding("d", "duplicate", "Dup", id="builder.duplicate", tooltip="Duplicate the layer under the cursor"),
        Binding(
            "K", "move(-1)", "Move up", id="builder.move_up", tooltip="Move the layer up", group=Binding.Group("Move")
        ),
        Binding(
            "J",
            "move(1)",
            "Move down",
            id="builder.move_down",
            tooltip="Move the layer down",
            group=Binding.Group("Move"),
        ),
        Binding("e", "edit", "Edit", id="builder.edit", tooltip="Edit the layer's arguments (enter too)"),
        Binding("ctrl+z", "undo", "Undo", id="builder.undo", tooltip="Undo the last edit"),
        Binding("ctrl+y", "redo", "Redo", id="builder.redo", tooltip="Redo the last undone edit"),
        Binding(
            "c",
            "show_tab('tab-training')",
            "Fit",
            id="builder.settings",
            tooltip="Optimizer, schedule, loss, metrics, fit and callbacks",
        ),
        Binding("m", "show_tab('tab-model')", "Model", id="builder.model", tooltip="The layers"),
        Binding(
            "t",
            "train",
            "Train",
            id="builder.train",
            tooltip="Use this experiment and train it now (blocked while an error stands)",
        ),
        Binding("ctrl+s", "save", "Save", id="builder.save", tooltip="Save as a named user preset"),
        Binding("ctrl+o", "open", "Open", id="builder.open", tooltip="Open an experiment preset"),
        Binding("E", "export", "Export", id="builder.export", tooltip="Write a standalone Keras script"),
        Binding(
            "escape",
            "done",
            "Back",
            id="builder.done",
            tooltip="Back: from the editor to the list, from the list to the dashboard (the edits are kept)",
        ),
    ]

    def __init__(
        self, exp: Experiment, summary_source: SummarySource | None = None, presets: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(id="builder")
        self.history: History[Experiment] = History(exp)
        self.summary_source = summary_source
        self.presets = presets if presets is not None else preset_names()
        self.summary: Summary | None = None
        """The last Summary shown (for the current experiment, or an older one while waiting)."""
        self.findings: tuple[Finding, ...] = ()
        """Findings shown now."""
        self._timer: Timer | None = None
        self._last_key: str | None = None
        self._editor_for: tuple[int, str] | None = None
        self._invalid: dict[str, Finding] = {}
        """Fields holding text that is not applied, by ``form_id.argument``: error findings."""
        self._described_model = exp.model
        """The model that ``exp.description`` was written for (see :meth:`action_save`)."""
        self.train_after = False
        """Set when ``t`` asked to train the experiment the screen is dismissed with."""

    # -- state ---------------------------------------------------------------------------
    @property
    def exp(self) -> Experiment:
        """The experiment as edited so far."""
        return self.history.current

    @property
    def cursor(self) -> int:
        """Index of the layer under the cursor (0 when there are none)."""
        table = self.query_one(LayerList)
        return max(0, min(table.cursor_row, len(self.exp.model.layers) - 1))

    # -- composition ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="tab-model"):
            with TabPane("Model", id="tab-model"):
                with Horizontal(id="model-pane"):
                    with Vertical(id="left"):
                        yield LayerList(id="layers")
                        yield Static("", id="totals")
                    with VerticalScroll(id="editor", can_focus=False):  # tab goes to its fields
                        yield Static("", id="editor-title")
                        yield Vertical(id="editor-body")
            with TabPane("Compile & fit", id="tab-training"):
                with VerticalScroll(id="training-scroll", can_focus=False):
                    yield TrainingForm(self.exp, self.presets.get("optimizers", []), id="training-form")
        yield Static("", id="findings")
        yield TuidlFooter()

    def on_mount(self) -> None:
        self.title = "tuidl builder"
        self.sub_title = self.exp.name
        self._refresh_all(cursor=0)
        self.query_one(LayerList).focus()
        self._fit_footer()
        self._request_summary()

    def on_resize(self) -> None:
        self._fit_footer()

    def _fit_footer(self) -> None:
        """Compact footer below :attr:`COMPACT_FOOTER_BELOW` columns, so that every key fits at 80."""
        footers = self.query(Footer)
        if footers:  # a Resize can come before the screen is composed
            footers.first().compact = self.size.width < self.COMPACT_FOOTER_BELOW
            self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings; below :attr:`COMPACT_FOOTER_BELOW` columns those in
        :attr:`NARROW_HIDDEN` are not shown in the footer (their keys work, the palette lists them)."""
        bindings = super().active_bindings
        if self.size.width < self.COMPACT_FOOTER_BELOW:
            hidden = self.NARROW_HIDDEN | ({"builder.done"} if self._list_has_focus() else set())
            for key, active in bindings.items():
                if active.binding.id in hidden and active.binding.show:
                    bindings[key] = ActiveBinding(
                        active.node, dataclasses.replace(active.binding, show=False), active.enabled, active.tooltip
                    )
        return bindings

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()  # the layer keys apply on the Model tab only

    # -- editing -------------------------------------------------------------------------
    def _layers(self) -> list[dict[str, Any]]:
        return [l.model_dump(mode="python") for l in self.exp.model.layers]

    def _with_layers(self, layers: list[dict[str, Any]]) -> Experiment:
        data = self.exp.model_dump(mode="python")
        data["model"]["layers"] = layers
        exp = Experiment.model_validate(data)
        exp._source = self.exp.source
        return exp

    def apply(
        self, exp: Experiment, key: str | None = None, cursor: int | None = None, rebuild_editor: bool = True
    ) -> None:
        """Make ``exp`` current (one undo step; edits with the same ``key`` in a row coalesce).

        An ``exp`` equal to the current one is ignored (widgets echo their
        values when they are mounted).
        """
        if exp == self.exp and exp.name == self.exp.name:
            return
        if key is not None and key == self._last_key:
            self.history.replace(exp)
        else:
            self.history.push(exp)
        self._last_key = key
        self._after_change(cursor, rebuild_editor)

    def _after_change(self, cursor: int | None, rebuild_editor: bool = True) -> None:
        """Show the current experiment. ``rebuild_editor``: the change did not come from the
        editor's own fields (add, undo, open ...), so show it there too — in place where the
        form is the same, and never over a field that has focus."""
        self.sub_title = self.exp.name
        self._refresh_all(cursor, sync_editor=rebuild_editor)
        form = self.query_one(TrainingForm)
        old = form.exp
        form.exp = self.exp  # always: the form builds its next change on the layers shown here
        if rebuild_editor and (old.compile, old.fit, old.data.validation_split) != (
            self.exp.compile,
            self.exp.fit,
            self.exp.data.validation_split,
        ):
            self._forget_invalid("training")
            form.refresh(recompose=True)
        self.refresh_bindings()
        self._schedule_summary()

    def _refresh_all(self, cursor: int | None = None, sync_editor: bool = True) -> None:
        """Show the experiment, summary and findings. ``sync_editor=False``: the change came
        from the editor's own field, which already shows it (typing is never overwritten)."""
        self.findings = self._current_findings()
        self.query_one(LayerList).show(self.exp.model.layers, self._rows(), self.findings, cursor)
        self._show_totals()
        self._show_findings()
        self._show_editor(sync=sync_editor)

    # -- operations (actions) --------------------------------------------------------------
    def _list_has_focus(self) -> bool:
        return isinstance(self.focused, LayerList)

    def _tab(self) -> str:
        try:
            return self.query_one(TabbedContent).active
        except Exception:  # noqa: BLE001 - not composed yet
            return "tab-model"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Layer operations only on the Model tab with the layer list focused (hidden, and
        inactive, on Compile & fit and in the editor);
        ``c``/``m`` show the key of the other tab; undo/redo dimmed when there is nothing to do.
        (``t`` stays active while an error stands: pressing it says why training is blocked.)"""
        model_tab = self._tab() == "tab-model"
        if action in self._LAYER_ACTIONS and not (model_tab and self._list_has_focus()):
            return False  # on Compile & fit, or typing in the editor (x on a checkbox is not "remove")
        if action == "show_tab":
            return (parameters[0] != self._tab()) or False
        if action in ("remove", "duplicate", "move", "edit") and not self.exp.model.layers:
            return None
        if action == "undo":
            return True if self.history.can_undo else None
        if action == "redo":
            return True if self.history.can_redo else None
        return True

    async def action_add(self) -> None:
        """Pick a layer class from the catalog and insert it after the cursor.

        The picker adds the layer the moment it is chosen (``on_choose``), so
        that keys typed right after ``enter`` (``e`` ...) act on the new layer.
        """
        self._show_tab("tab-model")
        await self.app.push_screen(CatalogPicker(on_choose=self.add_layer))  # focused before the next key

    def action_undo(self) -> None:
        """Undo the last edit."""
        if self.history.undo() is not None:
            self._last_key = None
            self._after_change(None)

    def action_redo(self) -> None:
        """Redo the last undone edit."""
        if self.history.redo() is not None:
            self._last_key = None
            self._after_change(None)

    def action_show_tab(self, tab: str) -> None:
        """Show the Model or the Compile & fit tab, with focus in it."""
        self._show_tab(tab)
        if tab == "tab-model":
            self.set_focus(self.query_one(LayerList))
        else:
            first = [w for w in self.query_one(TrainingForm).query("*") if w.focusable and w.display]
            self.set_focus(first[0] if first else None)

    def _show_tab(self, tab: str) -> None:
        content = self.query_one(TabbedContent)
        if content.active != tab:
            content.active = tab
            self.refresh_bindings()

    def action_done(self) -> None:
        """Leave the editor (back to the list), or leave the builder with the edited experiment."""
        self._last_key = None  # leaving a field ends its undo step
        if self.query_one(TabbedContent).active != "tab-model" or not self._list_has_focus():
            self.action_show_tab("tab-model")
            return
        self._forget_invalid("all")
        self.dismiss(self.exp)

    def action_train(self) -> None:
        """Leave with the edited experiment and train it; refused (with the reason) while an error stands."""
        if self.blocked:
            errors = [f for f in self.findings if f.severity == ERROR]
            self.notify(
                f"{errors[0].message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                title="Training is blocked",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        self.train_after = True
        self.dismiss(self.exp)

    @on(ArgForm.Invalid)
    def _arg_invalid(self, event: ArgForm.Invalid) -> None:
        """A field holds text that is not applied (or no longer): an error finding while it does."""
        event.stop()
        self.note_invalid(event)

    @on(DataTable.RowHighlighted, "#layers")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_editor()

    @on(DataTable.RowSelected, "#layers")
    async def _row_selected(self, event: DataTable.RowSelected) -> None:
        await self.action_edit()  # a click on the row under the cursor (enter runs edit in order)

    @on(ArgForm.Changed)
    def _layer_arg_changed(self, event: ArgForm.Changed) -> None:
        if not event.form_id.startswith("layer-"):
            return
        event.stop()
        i = int(event.form_id.split("-", 1)[1])
        layers = self._layers()
        if i >= len(layers):
            return
        cfg = layers[i]["config"]
        if event.value is None:
            cfg.pop(event.name, None)
        else:
            cfg[event.name] = event.value
        self.apply(self._with_layers(layers), key=f"layer{i}.{event.name}", cursor=i, rebuild_editor=False)

    @on(ArgForm.ApplyToAll)
    def _apply_all(self, event: ArgForm.ApplyToAll) -> None:
        event.stop()
        layers = self._layers()
        n = 0
        for layer in layers:
            if event.name in LAYERS[layer["class_name"]].accepts:
                n += 1
                if event.value is None:
                    layer["config"].pop(event.name, None)
                else:
                    layer["config"][event.name] = event.value
        self.apply(self._with_layers(layers), cursor=self.cursor)
        shown = event.value if isinstance(event.value, str) or event.value is None else event.value["class_name"]
        self.notify(f"{event.name} = {shown or 'default'} on {n} layers", markup=False)

    @on(TrainingForm.Changed)
    def _training_changed(self, event: TrainingForm.Changed) -> None:
        event.stop()
        if event.key in ("compile.optimizer", "compile.optimizer.schedule"):
            self._forget_invalid("training")  # the form recomposes for the new optimizer/schedule
        # only the form's own sections change: the layers stay the ones edited here (issue 8)
        try:
            exp = with_settings(self.exp, event.settings)
        except TuidlError as e:  # in tuidl's words (field, value, what is allowed), never pydantic's
            self.notify(printable(e.message, lines=True), title="Setting not applied", severity="error", markup=False)
            return
        self.apply(exp, key=event.key, rebuild_editor=False)
