"""The builder's prompts: save as a user preset, open an experiment preset, export a Keras script.

:class:`PresetsAndExport` is a mixin of :class:`~tuidl.ui.screens.builder.BuilderScreen`
(``ctrl+s``, ``ctrl+o``, ``E``); the prompts themselves are in
:mod:`tuidl.ui.modals`. Export is refused, with the reason, while an error
finding stands (what ``tuidl check`` refuses, export refuses), or while the
experiment holds anything the script would not be written from
(:func:`tuidl.core.script.export_problems`). Otherwise the file asked for goes
up to the App as an :class:`~tuidl.ui.messages.ExportRequested`: the engine
process writes the script and loads the data its ``.npz`` needs (the UI
process loads no data), and the App shows the answer.
"""

from __future__ import annotations

import os
from typing import Any

from tuidl.core.checks import ERROR
from tuidl.core.errors import TuidlError
from tuidl.core.script import export_problems
from tuidl.core.spec import Experiment
from tuidl.ui.messages import ExportRequested
from tuidl.ui.modals import NamePrompt, PresetPicker, SavePrompt
from tuidl.ui.widgets.layer_list import brief

__all__ = ["PresetsAndExport", "describe_model"]


def describe_model(exp: Experiment, limit: int = 160) -> str:
    """A one-line description of ``exp``'s model for a saved preset:
    ``"Conv2D 16 3x3 relu → MaxPooling2D → Flatten → Dense 10 softmax, on digits (built in tuidl)"``;
    the middle layers are elided past ``limit`` characters."""
    parts = [f"{l.class_name} {brief(l)}".strip() for l in exp.model.layers] or ["no layers"]
    tail = f", on {exp.data.name} (built in tuidl)"
    text = " → ".join(parts)
    while len(text) + len(tail) > limit and len(parts) > 2:
        mid = len(parts) // 2
        parts = parts[:mid] + parts[mid + 1 :]
        text = " → ".join([*parts[:mid], "…", *parts[mid:]])
    return text + tail


class PresetsAndExport:
    """Save, open and export (mixed into :class:`~tuidl.ui.screens.builder.BuilderScreen`)."""

    exp: Any
    app: Any
    findings: Any
    blocked: bool
    history: Any
    notify: Any
    apply: Any
    _described_model: Any

    def description_for_save(self) -> tuple[str, str]:
        """``(description, note)`` to prefill the save dialog with.

        The experiment's own description while its model is the one that
        description was written for (as opened or last saved); once the layers
        changed, a new one generated from the layers, and a note saying so.
        """
        exp = self.exp
        if exp.model == self._described_model and exp.description:
            return exp.description, ""
        return describe_model(
            exp
        ), "The model changed since its description was written: the description was regenerated."

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
        """Export the experiment as a standalone Python/Keras script (asks for the file; the engine
        writes it, see the module docstring); refused, with the reason, while an error stands
        (what ``tuidl check`` refuses, export refuses)."""
        if self.blocked:
            errors = [f for f in self.findings if f.severity == ERROR]
            self.notify(
                f"{errors[0].message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                title="Export is blocked",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        try:
            problems = export_problems(self.exp)
        except TuidlError as e:
            problems = [e.message]
        if problems:
            self.notify(
                problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                title="Export refused",
                severity="error",
                timeout=8,
                markup=False,
            )
            return

        exp = self.exp

        def chosen(path: str | None) -> None:
            if path:  # absolute: the engine process does not share the UI's idea of "here"
                self.app.post_message(ExportRequested(exp, os.path.abspath(os.path.expanduser(path))))

        self.app.push_screen(NamePrompt("Export as Python script (file):", f"{exp.name}.py"), chosen)
