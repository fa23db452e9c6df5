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
and shows it when it comes back, dropping answers to older requests. Who
answers:

1. ``summary_source`` given to the constructor (tests, fast paths): called as
   ``summary_source(exp, request_id)``; it may return the Summary at once,
   return an awaitable of it, or return ``None`` and deliver later with
   :meth:`BuilderScreen.deliver_summary`.
2. else ``app.request_summary(exp) -> request_id`` when the App has it (the
   tuidl App sends a ``Summarize`` to the engine and forwards the Summary to
   :meth:`deliver_summary`; a failure to :meth:`deliver_failure`);
3. else the screen posts :class:`BuilderScreen.SummaryRequested` to the App.

Instant first paint: until the engine's Summary for an edit arrives, the
layer list and totals show the Keras-free estimate of
:func:`tuidl.core.checks.estimate_summary` (shapes and params by Keras's
formulas, marked "estimate"), fed with the data's shape from the last engine
Summary; the engine's numbers replace it when they come (also while a run
trains: the engine answers summaries on its own thread). No estimate when
the first layer's class changed (the model's input shape may change with it).

Argument ranges are checked here at once (no engine needed); everything else
comes from the engine. The screen is dismissed with the edited
:class:`~tuidl.core.spec.Experiment` (``escape``), which the App makes current.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any, Awaitable, Callable, Union

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from tuidl.core.catalog import LAYERS, format_arg
from tuidl.core.checks import ERROR, DataInfo, check, estimate_summary, format_finding, layer_names, where
from tuidl.core.errors import TuidlError
from tuidl.core.events import Finding, RunFailed, Summary
from tuidl.core.presets import preset_names
from tuidl.core.spec import Experiment
from tuidl.core.undo import History
from tuidl.ui.widgets.arg_form import ArgForm
from tuidl.ui.widgets.catalog_picker import CatalogPicker, NamePrompt, PresetPicker, SavePrompt
from tuidl.ui.widgets.footer import TuidlFooter
from tuidl.ui.widgets.layer_list import LayerList, brief
from tuidl.ui.widgets.training_form import TrainingForm, with_settings

__all__ = ["BuilderScreen", "SummarySource"]

SummarySource = Callable[[Experiment, int], Union[Summary, Awaitable[Summary], None]]
"""``(experiment, request_id) -> Summary | awaitable | None`` (see the module docstring)."""


def describe_model(exp: Experiment, limit: int = 160) -> str:
    """A one-line description of ``exp``'s model for a saved preset:
    ``"Conv2D 16 3x3 relu → MaxPooling2D → Flatten → Dense 10 softmax, on digits (built in tuidl)"``;
    the middle layers are elided past ``limit`` characters."""
    parts = [f"{l.class_name} {brief(l)}".strip() for l in exp.model.layers] or ["no layers"]
    tail = f", on {exp.data.name} (built in tuidl)"
    text = " → ".join(parts)
    while len(text) + len(tail) > limit and len(parts) > 2:
        mid = len(parts) // 2
        parts = parts[:mid] + parts[mid + 1:]
        text = " → ".join([*parts[:mid], "…", *parts[mid:]])
    return text + tail


def _ordered(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Errors first; tuidl's own findings (with their fix) before Keras's build message
    (the engine keeps Keras's message only for a layer that no tuidl rule explains)."""
    return tuple(sorted(findings, key=lambda f: (f.severity != ERROR, "Keras says: " in f.message
                                                 or f.message.startswith("model.layers["))))


class BuilderScreen(Screen[Experiment | None]):
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
    BuilderScreen #left { width: 1fr; }
    BuilderScreen #editor { width: 40; border-left: solid $primary; padding: 0 0 0 1; }
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
        Binding("K", "move(-1)", "Move up", id="builder.move_up", tooltip="Move the layer up",
                group=Binding.Group("Move")),
        Binding("J", "move(1)", "Move down", id="builder.move_down", tooltip="Move the layer down",
                group=Binding.Group("Move")),
        Binding("e", "edit", "Edit", id="builder.edit", tooltip="Edit the layer's arguments (enter too)"),
        Binding("ctrl+z", "undo", "Undo", id="builder.undo", tooltip="Undo the last edit"),
        Binding("ctrl+y", "redo", "Redo", id="builder.redo", tooltip="Redo the last undone edit"),
        Binding("c", "show_tab('tab-training')", "Fit", id="builder.settings",
                tooltip="Optimizer, schedule, loss, metrics, fit and callbacks"),
        Binding("m", "show_tab('tab-model')", "Model", id="builder.model", tooltip="The layers"),
        Binding("t", "train", "Train", id="builder.train",
                tooltip="Use this experiment and train it now (blocked while an error stands)"),
        Binding("ctrl+s", "save", "Save", id="builder.save", tooltip="Save as a named user preset"),
        Binding("ctrl+o", "open", "Open", id="builder.open", tooltip="Open an experiment preset"),
        Binding("E", "export", "Export", id="builder.export", tooltip="Write a standalone Keras script"),
        Binding("escape", "done", "Back", id="builder.done",
                tooltip="Back: from the editor to the list, from the list to the dashboard (the edits are kept)"),
    ]

    class SummaryRequested(Message):
        """Asks the App for a Summary of ``exp``; answer with :meth:`BuilderScreen.deliver_summary`."""

        def __init__(self, exp: Experiment, request_id: int) -> None:
            super().__init__()
            self.exp = exp
            self.request_id = request_id

    def __init__(self, exp: Experiment, summary_source: SummarySource | None = None,
                 presets: dict[str, list[str]] | None = None) -> None:
        super().__init__(id="builder")
        self.history: History[Experiment] = History(exp)
        self.summary_source = summary_source
        self.presets = presets if presets is not None else preset_names()
        self.summary: Summary | None = None
        """The last Summary shown (for the current experiment, or an older one while waiting)."""
        self.findings: tuple[Finding, ...] = ()
        """Findings shown now."""
        self.pending_id: int | None = None
        """The request whose answer is awaited (older answers are dropped)."""
        self._next_id = 0
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
                    bindings[key] = active._replace(binding=dataclasses.replace(active.binding, show=False))
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

    def apply(self, exp: Experiment, key: str | None = None, cursor: int | None = None,
              rebuild_editor: bool = True) -> None:
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
                self.exp.compile, self.exp.fit, self.exp.data.validation_split):
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

    _shown_exp: Experiment | None = None
    _pending_exp: Experiment | None = None
    _estimate: Summary | None = None
    _estimate_exp: Experiment | None = None

    def _estimate_now(self) -> Summary | None:
        """The Keras-free estimate for the current experiment, or ``None`` (see the module docstring).

        Needs the data's model input shape from an earlier engine Summary for a
        model with the same first layer class; costs about 2 ms for 50 layers.
        """
        exp = self.exp
        if self._estimate_exp == exp:
            return self._estimate
        est = None
        shown, data = self._shown_exp, (self.summary.data if self.summary is not None else {})
        shape = data.get("model_input_shape") if isinstance(data, dict) else None
        if (shape and shown is not None and exp.model.layers and shown.model.layers
                and shown.model.layers[0].class_name == exp.model.layers[0].class_name):
            n_classes = data.get("n_classes")
            info = DataInfo(tuple(int(d) for d in shape), str(data.get("task") or "classification"),
                            int(n_classes) if isinstance(n_classes, int) else None)
            try:
                est = estimate_summary(exp, info)
            except Exception:  # noqa: BLE001 - an estimate is optional; the engine's numbers follow
                est = None
            if est is not None and not est.rows:
                est = None
        self._estimate, self._estimate_exp = est, exp
        return est

    def shown_for(self) -> str:
        """What the layer list and totals show: ``"engine"`` (Keras's Summary for exactly
        this experiment), ``"estimate"`` (tuidl's Keras-free estimate) or ``"none"`` (waiting)."""
        if self._summary_current():
            return "engine"
        return "estimate" if self._estimate_now() is not None else "none"

    def _summary_current(self) -> bool:
        """The Summary shown was computed for exactly the current experiment."""
        return self.summary is not None and self._shown_exp == self.exp

    def _same_layout(self) -> bool:
        """The last Summary's layers have the classes of the current ones (its rows still line up)."""
        return (self.summary is not None and self._shown_exp is not None
                and [l.class_name for l in self._shown_exp.model.layers]
                == [l.class_name for l in self.exp.model.layers])

    def _rows(self) -> Any:
        if self._summary_current():
            return self.summary.rows  # type: ignore[union-attr]
        est = self._estimate_now()
        if est is not None:
            return est.rows
        if self._same_layout():
            return self.summary.rows  # type: ignore[union-attr]
        return None

    def _current_findings(self) -> tuple[Finding, ...]:
        """Invalid field texts first (they block training), then the experiment's findings."""
        return tuple(self._invalid.values()) + _ordered(self._findings_now())

    def _findings_now(self) -> tuple[Finding, ...]:
        if self._summary_current():
            return tuple(self.summary.findings)  # type: ignore[union-attr]
        local = tuple(check(self.exp, None))
        if any(f.severity == ERROR for f in local) or not self._same_layout():
            return local
        return tuple(self.summary.findings)  # type: ignore[union-attr]

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
        copy = {"class_name": layers[i]["class_name"],
                "config": {k: v for k, v in layers[i]["config"].items() if k != "name"}}
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
        fields = [w for w in self.query("#editor-body ArgForm .arg-field") if w.focusable and w.display]
        if fields:
            self.set_focus(fields[0])

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
            self.notify(f"{errors[0].message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                        title="Training is blocked", severity="error", timeout=8, markup=False)
            return
        self.train_after = True
        self.dismiss(self.exp)

    def description_for_save(self) -> tuple[str, str]:
        """``(description, note)`` to prefill the save dialog with.

        The experiment's own description while its model is the one that
        description was written for (as opened or last saved); once the layers
        changed, a new one generated from the layers, and a note saying so.
        """
        exp = self.exp
        if exp.model == self._described_model and exp.description:
            return exp.description, ""
        return describe_model(exp), "The model changed since its description was written: the description was regenerated."

    def action_save(self) -> None:
        """Save the experiment as a user preset under a name and description asked for."""
        from tuidl.core.presets import save_user_preset

        def validate(name: str) -> str | None:
            try:
                Experiment(name=name)
            except Exception:  # noqa: BLE001 - pydantic says why; we say it shorter
                return "a name of letters, digits, '.', '-' and '_' (starting with a letter or digit)"
            return None

        def chosen(answer: tuple[str, str] | None) -> None:
            if not answer:
                return
            name, description = answer
            try:
                renamed = self.exp.model_copy(update={"name": name, "description": description})
                renamed._source = self.exp.source
                path = save_user_preset(renamed, name)
            except TuidlError as e:
                self.notify(e.message, title=e.title, severity="error", markup=False)
                return
            if (name, description) != (self.exp.name, self.exp.description):
                self.apply(renamed)
            self._described_model = renamed.model
            self.notify(f"saved preset {name!r} to {path}", title="Saved", markup=False)

        description, note = self.description_for_save()
        self.app.push_screen(SavePrompt(self.exp.name, description, validate, note), chosen)

    def action_open(self) -> None:
        """Open an experiment preset (undoable)."""
        from tuidl.core.presets import experiment_presets, load_experiment

        try:
            presets = experiment_presets()
        except TuidlError as e:
            self.notify(e.message, title=e.title, severity="error", markup=False)
            return
        items = [(p.name, "built-in" if p.builtin else str(p.path)) for p in presets.values()]

        def chosen(name: str | None) -> None:
            if not name:
                return
            try:
                exp = load_experiment(name)
            except TuidlError as e:
                self.notify(e.message, title=e.title, severity="error", timeout=10, markup=False)
                return
            self.apply(exp, cursor=0)
            self._described_model = exp.model
            self.notify(f"opened {name}", markup=False)

        self.app.push_screen(PresetPicker(items), chosen)

    def action_export(self) -> None:
        """Write the experiment as a standalone Python/Keras script (asks for the file); refused,
        with the reason, while an error stands (what ``tuidl check`` refuses, export refuses)."""
        if self.blocked:
            errors = [f for f in self.findings if f.severity == ERROR]
            self.notify(f"{errors[0].message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                        title="Export is blocked", severity="error", timeout=8, markup=False)
            return
        from tuidl.export import export_problems

        try:
            problems = export_problems(self.exp)
        except TuidlError as e:
            problems = [e.message]
        if problems:
            self.notify(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                        title="Export refused", severity="error", timeout=8, markup=False)
            return

        def chosen(path: str | None) -> None:
            if path:
                self._export(Path(path).expanduser(), self.exp)

        self.app.push_screen(NamePrompt("Export as Python script (file):", f"{self.exp.name}.py"), chosen)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, path: Path, exp: Experiment) -> None:
        from tuidl.export import write_script

        try:
            write_script(exp, path)
        except TuidlError as e:
            self.app.call_from_thread(self.notify, e.message, title=e.title, severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, f"wrote {path}; run it with: python {path}", title="Exported",
                                  markup=False)

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
        hint = ("\ne/enter: edit · escape: back" if LAYERS[layer.class_name].args else "")
        title.update(Text.assemble(f"layer {i + 1} ", (layer.class_name, "bold"), f" {name}\n",
                                   (LAYERS[layer.class_name].description, "dim"), (hint, "dim italic")))
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
            self._editor_mount = body.mount(ArgForm(info.args, layer.config, components=self.presets,
                                                    apply_all=True, form_id=f"layer-{i}"))
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

    @on(ArgForm.Invalid)
    def _arg_invalid(self, event: ArgForm.Invalid) -> None:
        """A field holds text that is not applied (or no longer): an error finding while it does."""
        event.stop()
        key = f"{event.form_id}.{event.name}"
        if event.reason is None:
            if self._invalid.pop(key, None) is None:
                return
        else:
            label, layer = self._form_label(event.form_id)
            shown = event.text.strip() or "(empty)"
            field = (f"model.layers[{layer}].config.{event.name}" if layer is not None
                     else f"{event.form_id}.{event.name}")
            arg = event.form.arg(event.name)
            kept = event.form.values.get(event.name, arg.default if arg is not None else None)
            kept_text = format_arg(arg, kept) if arg is not None else str(kept)
            self._invalid[key] = Finding(
                ERROR, f"{label}: {event.name} = {shown} not applied: {event.reason}",
                f"correct it; until then the model keeps {event.name} = {kept_text or 'unset'}",
                layer, field)
        self._refresh_all(sync_editor=False)
        self.refresh_bindings()

    def _forget_invalid(self, which: str) -> None:
        """Drop the invalid texts of the layer editor (``"layer"``), the Compile & fit forms
        (``"training"``) or ``"all"`` because their form goes away — and say so."""
        gone = [k for k in self._invalid
                if which == "all" or k.startswith("layer-") == (which == "layer")]
        if not gone:
            return
        lost = [self._invalid.pop(k).message.replace(" not applied: ", " was not applied (") + ")"
                for k in gone]
        self.notify("; ".join(lost) + ". The last valid value is kept.", title="Edit discarded",
                    severity="warning", timeout=10, markup=False)
        if self.is_mounted:
            self.findings = self._current_findings()
            self._show_findings()
            self._show_totals()

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
        except ValueError as e:  # pydantic's ValidationError: said, never a traceback
            self.notify(str(e), title="Setting not applied", severity="error", markup=False)
            return
        self.apply(exp, key=event.key, rebuild_editor=False)

    # -- summary -------------------------------------------------------------------------
    def _schedule_summary(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._request_summary, name="builder-summary")

    def _request_summary(self) -> None:
        """Ask for a Summary of the current experiment (unless its arguments are already wrong)."""
        self._timer = None
        exp = self.exp
        local = check(exp, None)
        if any(f.severity == ERROR and f.field.startswith("model.layers[") and ".config." in f.field
               for f in local):
            self.pending_id = None  # the engine would only repeat these; show them now
            self._refresh_all()
            return
        if self.summary_source is not None:
            self._next_id += 1
            rid = self._next_id
            self.pending_id = rid
            self._pending_exp = exp
            result = self.summary_source(exp, rid)
            if inspect.isawaitable(result):
                self._await_summary(result)
            elif isinstance(result, Summary):
                self.deliver_summary(result)
            return
        request = getattr(self.app, "request_summary", None)
        if callable(request):
            self.pending_id = request(exp)
            self._pending_exp = exp
            return
        self._next_id += 1
        self.pending_id = self._next_id
        self._pending_exp = exp
        self.app.post_message(self.SummaryRequested(exp, self._next_id))

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def _await_summary(self, result: Awaitable[Summary]) -> None:
        summary = await result
        self.deliver_summary(summary)

    def deliver_summary(self, summary: Summary) -> bool:
        """Show ``summary`` if it answers the latest request; returns whether it was shown."""
        if self.pending_id is None or summary.request_id != self.pending_id:
            return False
        self.summary = summary
        self._shown_exp = self._pending_exp
        self.pending_id = None
        if self.is_mounted:
            self._refresh_all()
        else:  # answered synchronously from on_mount: show it once mounted
            self.call_later(self._refresh_all)
        return True

    def deliver_failure(self, failure: RunFailed) -> bool:
        """The engine could not summarize (e.g. the data cannot be loaded): show why."""
        if self.pending_id is None or failure.request_id != self.pending_id:
            return False
        self.summary = Summary(request_id=failure.request_id, findings=(
            Finding("error", f"{failure.title}: {failure.message}", failure.hint),))
        self._shown_exp = self._pending_exp
        self.pending_id = None
        self._refresh_all()
        return True

    def _show_totals(self) -> None:
        totals = self.query_one("#totals", Static)
        if self._summary_current() and self.summary is not None:
            s = self.summary
            n_err = sum(f.severity == ERROR for f in self.findings)
            shape = "x".join(str(d) for d in s.input_shape) if s.input_shape else "?"
            totals.update(Text.assemble(
                (f"{s.total_params:,}", "bold"), " params",
                f" ({s.trainable_params:,} trainable, {s.non_trainable_params:,} non-trainable)"
                f" · input {shape}", ("  ✗ blocked" if n_err else "", "bold red")))
        elif (est := self._estimate_now()) is not None:
            shape = "x".join(str(d) for d in est.input_shape) if est.input_shape else "?"
            totals.update(Text.assemble(
                (f"≈{est.total_params:,}", "bold"), " params",
                f" ({est.trainable_params:,} trainable) · input {shape}",
                (" · estimate, Keras's numbers follow", "dim")))
        else:
            totals.update(Text("computing shapes…", style="dim"))

    def _show_findings(self) -> None:
        box = self.query_one("#findings", Static)
        if not self.findings:
            box.update(Text("✓ no problems found", style="green") if self._shown_exp == self.exp else "")
            return
        text = Text()
        for f in self.findings:
            style = "bold red" if f.severity == ERROR else "yellow"
            text.append("✗ " if f.severity == ERROR else "! ", style=style)
            text.append(f.message)
            if f.hint:
                text.append(f"  → {f.hint}", style="dim")
            text.append("\n")
        box.update(text)

    @property
    def blocked(self) -> bool:
        """True when an error finding blocks training."""
        return any(f.severity == ERROR for f in self.findings)

    def findings_text(self) -> str:
        """All findings shown, as plain text (for tests and logs)."""
        return "\n".join(format_finding(f) for f in self.findings)
