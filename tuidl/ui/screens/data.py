"""The data screen: choose the dataset, set its options, and see what the model will be fed.

Opened with ``d`` from the dashboard. Left: the dataset chooser (every id of
:data:`tuidl.core.registry.DATASETS`, grouped: TF Playground's generated 2-D
sets, scikit-learn's bundled sets, Keras's cached sets, your own files) with
the highlighted one's description, and the settings that apply to the chosen
source (:class:`~tuidl.ui.widgets.data_form.DataForm`, generated from
``DataSpec``/``DataOptions``). Right: the engine's state, the pre-flight
findings of the model on this data (``output layer ... has 10 units but the
data has 2 classes``), and the :class:`~tuidl.ui.widgets.data_panel.DataPanel`
(source, shapes, dtypes, samples per split, class histogram with the
majority baseline, drawn samples).

====================  ==========================================================
``enter``             choose the highlighted dataset
``a``                 adapt the model to the data: output units (and activation,
                      and a loss of the wrong task) and, for flat data, drop the
                      layers that need images or sequences — an explicit action
``escape``            apply: the edited experiment becomes the App's
``t``                 apply and train (in place of the dashboard's ``t``)
====================  ==========================================================

Every change is validated at once (the problem is shown under the field,
naming ``data.options.noise``, the value and what is allowed). ``escape`` with
a setting not applied does not leave: it says which (field, value, what is
allowed), what leaving would keep instead, and that a second ``escape`` leaves
without it (then a toast says what was not applied). A valid change asks
the engine for a :class:`~tuidl.core.events.Summary` of the modified
experiment after :attr:`DataScreen.DEBOUNCE` s of quiet. Answers to older
requests are dropped. Asking goes through :class:`tuidl.ui.summaries.SummaryAsking`,
as for the builder: the App sends a ``Summarize`` with requester
``"data-screen"`` and routes the answer here (``deliver_summary`` /
``deliver_failure``); a failure
(a missing file, a corrupt cache) shows as the panel's error.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tuidl.core.adapt import adapt_model, data_problems
from tuidl.core.checks import ERROR, format_finding
from tuidl.core.events import Finding, RunFailed, Summary
from tuidl.core.registry import DATASET_GROUPS, DATASETS, FILE_SOURCES
from tuidl.core.spec import Experiment
from tuidl.ui.summaries import SummaryAsking, SummarySource
from tuidl.ui.text import plain
from tuidl.ui.widgets.data_form import DataForm, applicable_fields, default_text, field_info, format_value, get_path
from tuidl.ui.widgets.data_panel import DataPanel
from tuidl.ui.widgets.footer import TuidlFooter

__all__ = ["DataScreen"]


def _option(name: str, current: str) -> Option:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if name == current else "  ", style="bold")
    text.append(name, style="bold" if name == current else "")
    return Option(text, id=f"ds-{name}")


class DataScreen(SummaryAsking, Screen[Experiment | None]):
    """Choose and configure the experiment's data.

    Args:
        exp: the experiment to start from (not modified; edits make copies).
        summary_source: who computes summaries (default: the engine, through the App,
            with answers delivered to :meth:`deliver_summary` / :meth:`deliver_failure`;
            see :class:`~tuidl.ui.summaries.SummaryAsking`).

    The screen is dismissed with the edited :class:`~tuidl.core.spec.Experiment`
    (``escape``); :attr:`train_after` is set when ``t`` asked to train it.
    """

    DEBOUNCE = 0.25
    """Seconds of quiet after an edit before a Summary is requested."""

    DEFAULT_CSS = """
    DataScreen #data-main { height: 1fr; }
    DataScreen #data-left { width: 36; border-right: solid $primary; }
    DataScreen #datasets { height: 1fr; min-height: 5; border: none; padding: 0; }
    DataScreen #dataset-help { height: auto; max-height: 3; color: $text-muted; padding: 0 1; }
    DataScreen #options-title { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    DataScreen #options { height: 1fr; padding: 0 1; }
    DataScreen #data-right { width: 1fr; }
    DataScreen #data-state { height: 1; padding: 0 1; background: $boost; }
    DataScreen #data-findings { height: auto; max-height: 6; padding: 0 1; }
    DataScreen #data-findings.-empty { display: none; }
    DataScreen #leave-warning { height: auto; max-height: 6; padding: 0 1; color: $text-warning; }
    DataScreen #leave-warning.-empty { display: none; }
    """

    BINDINGS = [
        Binding(
            "a",
            "adapt",
            "Adapt model",
            id="data.adapt",
            tooltip="Fit the model to the data: output units/activation (and loss), flat input for flat data",
        ),
        Binding(
            "t",
            "apply_train",
            "Apply+train",
            id="data.apply_train",
            tooltip="Use this data and train now (instead of the experiment the dashboard had)",
        ),
        Binding("escape", "apply", "Apply", id="data.apply", tooltip="Back; the chosen data is kept"),
    ]

    def __init__(self, exp: Experiment, summary_source: SummarySource | None = None) -> None:
        super().__init__(id="data-screen")
        self.exp: Experiment = exp
        """The experiment with the last valid data settings (and any adapted model)."""
        self.draft: dict[str, Any] = exp.data.model_dump(mode="python")
        """The ``data`` section as edited (may be invalid; see :attr:`problems`)."""
        self.problems: list[tuple[str, str]] = []
        """``(path inside data, message)`` of the draft's invalid fields."""
        self.summary_source = summary_source
        self.summary: Summary | None = None
        """The last Summary shown."""
        self.summary_exp: Experiment | None = None
        """The experiment the shown Summary (or failure) was computed for."""
        self.failure: RunFailed | None = None
        """The last failure shown (instead of a Summary)."""
        self.train_after = False
        self._requested_at = 0.0
        self._timer: Timer | None = None
        self._warned_invalid: tuple[tuple[str, str], ...] | None = None
        """The settings not applied that the last ``escape`` warned about (a second one leaves without them)."""
        self._marked: set[str] = set()
        self._adapt_shown: bool | None = None
        self._generation = 0

    # -- composition ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="data-main"):
            with Vertical(id="data-left"):
                yield OptionList(*self._options(), id="datasets")
                yield Static("", id="dataset-help")
                yield Static("", id="options-title")
                with VerticalScroll(id="options", can_focus=False):  # tab goes to its fields
                    yield DataForm(self.draft["name"], self.draft, base_dir=self._base_dir(), id="data-form")
            with Vertical(id="data-right"):
                yield Static("", id="data-state")
                yield Static("", id="leave-warning", classes="-empty")
                yield Static("", id="data-findings", classes="-empty")
                yield DataPanel(id="data-panel")
        yield TuidlFooter()

    def _options(self) -> list[Option | None]:
        out: list[Option | None] = []
        for title, names in DATASET_GROUPS:
            out.append(Option(Text(title, style="bold underline"), id=f"group-{title}", disabled=True))
            out += [_option(n, self.draft["name"]) for n in names]
        return out

    def on_mount(self) -> None:
        self.title = "tuidl data"
        self.sub_title = self.exp.name
        datasets = self.query_one("#datasets", OptionList)
        datasets.highlighted = datasets.get_option_index(f"ds-{self.draft['name']}")
        datasets.focus()
        self._show_title()
        self._show_help(self.draft["name"])
        self.set_interval(0.5, self._show_state, name="data-state")
        self._show_state()
        self._request_summary()

    def _composed(self) -> bool:
        """The widgets exist (``is_mounted`` is still false while ``on_mount`` runs)."""
        return bool(self.query("#data-state"))

    def _base_dir(self) -> str | None:
        """The folder relative data paths start from: the experiment file's (as the App sends it)."""
        return str(self.exp.source.parent) if self.exp.source else None

    # -- state shown -----------------------------------------------------------------------
    @property
    def panel(self) -> DataPanel:
        """The data panel."""
        return self.query_one(DataPanel)

    @property
    def form(self) -> DataForm:
        """The settings form of the chosen dataset."""
        return self.query_one(DataForm)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The pre-flight findings shown (errors first)."""
        if self.summary is None or self.failure is not None:
            return ()
        return tuple(sorted(self.summary.findings, key=lambda f: f.severity != ERROR))

    def findings_text(self) -> str:
        """The findings shown, as plain text."""
        return "\n".join(format_finding(f) for f in self.findings)

    @property
    def invalid(self) -> list[tuple[str, str]]:
        """Every setting that is not applied now: ``(path inside data, message)``.

        The draft's validation problems, and values the form refused (not a
        number, out of range) — those keep the last good value meanwhile.
        """
        out = list(self.problems)
        seen = {p for p, _ in out}
        if self.query(DataForm):
            out += [(p, m) for p, m in self.form.errors.items() if p not in seen]
        return out

    @property
    def state_text(self) -> str:
        """The one-line engine/data state shown above the panel."""
        return str(self.query_one("#data-state", Static).render())

    def _show_title(self) -> None:
        self.query_one("#options-title", Static).update(plain(f"{self.draft['name']} settings"))

    def _show_help(self, name: str) -> None:
        text = Text()
        text.append(name, style="bold")
        text.append(f": {DATASETS.get(name, '')}")
        self.query_one("#dataset-help", Static).update(text)

    def _show_state(self) -> None:
        if not self._composed():
            return
        app = self.app
        if (
            self.pending_id is not None
            and self.summary_source is None
            and getattr(app, "generation", 0) != self._generation
            and getattr(app, "engine_ready", False)
        ):
            self._request_summary()  # the engine died and a fresh one is ready: ask it again
            return
        adapt = self._summary_for_current_data()
        if adapt != self._adapt_shown:
            self._adapt_shown = adapt
            self.refresh_bindings()  # 'a' is dimmed until the data is loaded
        name = self.draft["name"]
        invalid = self.invalid
        if invalid:
            text = Text.assemble(
                ("✗ ", "bold red"),
                invalid[0][1] if len(invalid) == 1 else f"{name}: {len(invalid)} settings to fix on the left",
            )
        elif self.pending_id is not None:
            waited = time.monotonic() - self._requested_at
            if not getattr(app, "engine_ready", True):
                why = "engine loading (TensorFlow is importing); the data follows"
            elif getattr(app, "training", False):
                why = f"loading {name}… (the engine is also training a run, so this can take longer)"
            else:
                why = f"loading {name}…"
            text = Text.assemble(("… ", "bold yellow"), why, (f"  {waited:.0f} s" if waited >= 1 else "", "dim"))
        elif self.failure is not None:
            text = Text.assemble(("✗ ", "bold red"), f"cannot load {name}: {self.failure.title}")
        elif self.summary is not None:
            d = self.summary.data
            n_err = sum(f.severity == ERROR for f in self.summary.findings)
            shape = "×".join(str(s) for s in self.summary.input_shape) or "?"
            text = Text.assemble(
                ("✓ " if not n_err else "! ", "bold green" if not n_err else "bold yellow"),
                (f"{n_err} problem{'s' if n_err > 1 else ''} (a adapts the model) · " if n_err else "", "bold"),
                f"{d.get('name', name)}: train {d.get('n_train', 0)} · val {d.get('n_val', 0)} · input {shape}",
                ("" if n_err else " · the model fits", "dim"),
            )
        else:
            text = Text("")
        self.query_one("#data-state", Static).update(text)
        self._show_leave_warning()

    def _show_findings(self) -> None:
        box = self.query_one("#data-findings", Static)
        findings = self.findings
        box.set_class(not findings, "-empty")
        text = Text()
        for f in findings:
            style = "bold red" if f.severity == ERROR else "yellow"
            text.append("✗ " if f.severity == ERROR else "! ", style=style)
            text.append(f.message)
            if f.hint:
                text.append(f"  → {f.hint}", style="dim")
            text.append("\n")
        text.rstrip()
        box.update(text)

    # -- choosing and editing --------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#datasets")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        oid = event.option.id or ""
        if oid.startswith("ds-"):
            self._show_help(oid[3:])

    @on(OptionList.OptionSelected, "#datasets")
    async def _selected(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if oid.startswith("ds-"):
            await self.choose(oid[3:])

    async def choose(self, name: str) -> None:
        """Make ``name`` the dataset: keep the settings that apply to it, drop the others.

        Raises:
            KeyError: ``name`` is not in ``DATASETS``.
        """
        if name not in DATASETS:
            raise KeyError(f"unknown dataset {name!r}; allowed: {', '.join(DATASETS)}")
        if name == self.draft["name"]:
            return
        old = self.draft
        keep = set(applicable_fields(name))
        options = {k: v for k, v in (old.get("options") or {}).items() if f"options.{k}" in keep and v is not None}
        same_kind = name in FILE_SOURCES and old["name"] == name
        self.draft = {
            "name": name,
            "validation_split": old.get("validation_split", 0.2),
            "path": old.get("path") if same_kind else None,
            "target": old.get("target") if same_kind else None,
            "options": options,
        }
        datasets = self.query_one("#datasets", OptionList)
        highlighted = datasets.highlighted
        datasets.clear_options()
        datasets.add_options(self._options())
        datasets.highlighted = highlighted
        self._show_title()
        self._show_help(name)
        box = self.query_one("#options", VerticalScroll)
        await box.remove_children()
        self._marked.clear()
        await box.mount(DataForm(name, self.draft, base_dir=self._base_dir(), id="data-form"))
        self._changed()

    @on(DataForm.Invalid)
    def _form_invalid(self, event: DataForm.Invalid) -> None:
        event.stop()
        self._show_state()

    @on(DataForm.Changed)
    def _form_changed(self, event: DataForm.Changed) -> None:
        event.stop()
        self.set_field(event.path, event.value)

    def set_field(self, path: str, value: Any) -> None:
        """Set ``path`` inside ``data`` (``options.noise``, ``validation_split``) to ``value`` (``None``: unset)."""
        if path.startswith("options."):
            opts = dict(self.draft.get("options") or {})
            key = path.split(".", 1)[1]
            if value is None:
                opts.pop(key, None)
            else:
                opts[key] = value
            self.draft = {**self.draft, "options": opts}
        else:
            self.draft = {**self.draft, path: value}
        self._changed()

    def _changed(self) -> None:
        """Validate the draft; when valid it becomes :attr:`exp` and a Summary is scheduled."""
        dumped = self.exp.model_dump(mode="python")
        dumped["data"] = self.draft
        form = self.form if self.query(DataForm) else None
        try:
            exp = Experiment.model_validate(dumped)
        except ValidationError as e:
            self.problems = data_problems(e)
        else:
            self.problems = []
            exp._source = self.exp.source
            self.exp = exp
        if form is not None:
            for path in self._marked - {p for p, _ in self.problems}:
                form.show_error(path, "")
            for path, msg in self.problems:
                form.show_error(path, msg)
            self._marked = {p for p, _ in self.problems}
        self.sub_title = f"{self.exp.name} · {self.draft['name']}"
        if self.problems:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.pending_id = None
            self.panel.update_data(
                {
                    "name": self.draft["name"],
                    "error": {
                        "title": "Data settings incomplete",
                        "message": "\n".join(m for _, m in self.problems),
                        "hint": "fix the field on the left (escape twice leaves with the last valid data)",
                    },
                }
            )
            self.summary, self.failure = None, None
            self._show_findings()
            self._show_state()
            return
        self._schedule_summary()
        self._show_state()

    # -- summary -------------------------------------------------------------------------
    def _schedule_summary(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._request_summary, name="data-summary")

    def _request_summary(self) -> None:
        """Ask for a Summary of :attr:`exp` (the answer goes to :meth:`deliver_summary`)."""
        self._timer = None
        if self.problems:
            return
        self._requested_at = time.monotonic()
        self._generation = getattr(self.app, "generation", 0)
        self.ask_summary(self.exp)
        self._show_state()

    def deliver_summary(self, summary: Summary) -> bool:
        """Show ``summary`` if it answers the latest request; returns whether it was shown."""
        ok, exp = self.take_answer(summary)
        if not ok:
            return False
        self.summary, self.failure, self.summary_exp = summary, None, exp
        if self._composed():
            self.panel.update_data(summary.data)
            self._show_findings()
            self._show_state()
        return True

    def deliver_failure(self, failure: RunFailed) -> bool:
        """The engine could not load the data (or summarize): show why in the panel."""
        ok, exp = self.take_answer(failure)
        if not ok:
            return False
        self.failure, self.summary_exp = failure, exp
        if self._composed():
            self.panel.update_data(
                {
                    "name": self.draft["name"],
                    "error": {"title": failure.title, "message": failure.message, "hint": failure.hint},
                }
            )
            self._show_findings()
            self._show_state()
        return True

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim ``a`` until a Summary of the current data is shown."""
        if action == "adapt":
            return True if self._summary_for_current_data() else None
        return True

    def _summary_for_current_data(self) -> bool:
        return (
            self.summary is not None
            and self.failure is None
            and self.summary_exp is not None
            and self.summary_exp.data == self.exp.data
            and not self.problems
        )

    def action_adapt(self) -> None:
        """Fit the model's output (and, for flat data, its input layers) to the data shown."""
        if not self._summary_for_current_data():
            self.notify("wait until the data is loaded", severity="warning", markup=False)
            return
        assert self.summary is not None
        new, changes = adapt_model(self.exp, self.summary.data)
        if not changes:
            self.notify("the model's output already fits the data", markup=False)
            return
        self.exp = new
        self.notify("\n".join(changes), title="Model adapted to the data", timeout=8, markup=False)
        self._schedule_summary()
        self._show_state()

    # -- leaving with settings not applied ---------------------------------------------------
    def _kept(self, path: str) -> str:
        """What leaving keeps in place of the value not applied at ``path``."""
        data = self.exp.data
        if data.name != self.draft["name"] or path not in applicable_fields(data.name):
            return f"the data stays {data.name}"
        value = get_path(data.model_dump(mode="python"), path)
        if value is None:
            return f"data.{path} stays unset ({default_text(path, data.name)})"
        info = field_info(path)
        return f"data.{path} stays {format_value(info, value)}{' %' if info.kind == 'percent' else ''}"

    def leave_warning(self) -> str:
        """Why ``escape`` does not leave now and how to leave anyway ("" when every setting is applied).

        Names each setting not applied (field, value, what is allowed: the form's and the spec's
        messages), what leaving would keep instead, and that a second ``escape`` leaves without them.
        """
        invalid = self.invalid
        if not invalid:
            return ""
        lines = [m for _, m in invalid]
        kept = list(dict.fromkeys(self._kept(p) for p, _ in invalid))
        it = "it" if len(invalid) == 1 else "them"
        lines.append(f"fix {it}, or press escape again to leave without {it}: {'; '.join(kept)}")
        return "\n".join(lines)

    def _show_leave_warning(self) -> None:
        """Show the warning of the last ``escape`` while the same settings are not applied; else forget it."""
        if not self._composed():
            return
        warned = self._warned_invalid is not None and self._warned_invalid == tuple(self.invalid)
        if not warned:
            self._warned_invalid = None
        box = self.query_one("#leave-warning", Static)
        box.update(plain(self.leave_warning()) if warned else "")
        box.set_class(not warned, "-empty")

    def _leave(self) -> bool:
        """Whether ``escape`` (or ``t``) may leave: the first press with settings not applied says why not.

        A second press with the same settings not applied leaves without them (the last valid data),
        and a toast on the screen left to says what was not applied.
        """
        invalid = tuple(self.invalid)
        if not invalid:
            self._stop_timer()
            return True
        if invalid != self._warned_invalid:
            self._warned_invalid = invalid
            n = len(invalid)
            self.notify(
                self.leave_warning(),
                title=f"Not leaving: {n} setting{'s' if n > 1 else ''} not applied",
                severity="warning",
                timeout=10,
                markup=False,
            )
            self._show_state()
            return False
        self.notify(
            "\n".join(m for _, m in invalid) + f"\nleft with the last valid data ({self.exp.data.name})",
            title="Not applied",
            severity="warning",
            timeout=8,
            markup=False,
        )
        self._stop_timer()
        return True

    def _stop_timer(self) -> None:
        """Leaving: no Summary is asked for any more (a debounced one pending is dropped)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def action_apply(self) -> None:
        """Leave with the edited experiment (the App makes it current)."""
        if self._leave():
            self.dismiss(self.exp)

    def action_apply_train(self) -> None:
        """Leave with the edited experiment and train it."""
        if self._leave():
            self.train_after = True
            self.dismiss(self.exp)
