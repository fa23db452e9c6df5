"""The builder's live summary: shapes, params and findings of the experiment being edited.

:class:`LiveSummary` is a mixin of :class:`~tuidl.ui.screens.builder.BuilderScreen`.
After each edit (debounced by ``BuilderScreen.DEBOUNCE`` s) it asks for a
:class:`~tuidl.core.events.Summary` through
:class:`~tuidl.ui.summaries.SummaryAsking` and shows the newest answer. Until
the engine's Summary for an edit arrives, the layer list and totals show the
Keras-free estimate of :func:`tuidl.core.checks.estimate_summary` (marked
"estimate"); findings come from the engine's Summary, or from
:func:`tuidl.core.checks.check` while it is not current.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from tuidl.core.checks import ERROR, DataInfo, check, estimate_summary, format_finding
from tuidl.core.events import Finding, RunFailed, Summary
from tuidl.core.spec import Experiment
from tuidl.ui.summaries import SummaryAsking

__all__ = ["LiveSummary"]


def _ordered(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Errors first; tuidl's own findings (with their fix) before Keras's build message
    (the engine keeps Keras's message only for a layer that no tuidl rule explains)."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (f.severity != ERROR, "Keras says: " in f.message or f.message.startswith("model.layers[")),
        )
    )


class LiveSummary(SummaryAsking):
    """The live Summary, estimate and findings (mixed into :class:`~tuidl.ui.screens.builder.BuilderScreen`)."""

    DEBOUNCE: float
    exp: Any
    summary: Summary | None
    findings: tuple[Finding, ...]
    is_mounted: bool
    _timer: Timer | None
    _invalid: dict[str, Finding]
    set_timer: Any
    call_later: Any
    query_one: Any
    _refresh_all: Any

    _shown_exp: Experiment | None = None
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
        if (
            shape
            and shown is not None
            and exp.model.layers
            and shown.model.layers
            and shown.model.layers[0].class_name == exp.model.layers[0].class_name
        ):
            n_classes = data.get("n_classes")
            info = DataInfo(
                tuple(int(d) for d in shape),
                str(data.get("task") or "classification"),
                int(n_classes) if isinstance(n_classes, int) else None,
            )
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
        return (
            self.summary is not None
            and self._shown_exp is not None
            and [l.class_name for l in self._shown_exp.model.layers] == [l.class_name for l in self.exp.model.layers]
        )

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
        if any(f.severity == ERROR and f.field.startswith("model.layers[") and ".config." in f.field for f in local):
            self.pending_id = None  # the engine would only repeat these; show them now
            self._refresh_all()
            return
        self.ask_summary(exp)

    def deliver_summary(self, summary: Summary) -> bool:
        """Show ``summary`` if it answers the latest request; returns whether it was shown."""
        ok, exp = self.take_answer(summary)
        if not ok:
            return False
        self.summary = summary
        self._shown_exp = exp
        if self.is_mounted:
            self._refresh_all()
        else:  # answered synchronously from on_mount: show it once mounted
            self.call_later(self._refresh_all)
        return True

    def deliver_failure(self, failure: RunFailed) -> bool:
        """The engine could not summarize (e.g. the data cannot be loaded): show why."""
        ok, exp = self.take_answer(failure)
        if not ok:
            return False
        self.summary = Summary(
            request_id=failure.request_id,
            findings=(Finding("error", f"{failure.title}: {failure.message}", failure.hint),),
        )
        self._shown_exp = exp
        self._refresh_all()
        return True

    def _show_totals(self) -> None:
        totals = self.query_one("#totals", Static)
        if self._summary_current() and self.summary is not None:
            s = self.summary
            n_err = sum(f.severity == ERROR for f in self.findings)
            shape = "x".join(str(d) for d in s.input_shape) if s.input_shape else "?"
            totals.update(
                Text.assemble(
                    (f"{s.total_params:,}", "bold"),
                    " params",
                    f" ({s.trainable_params:,} trainable, {s.non_trainable_params:,} non-trainable) · input {shape}",
                    ("  ✗ blocked" if n_err else "", "bold red"),
                )
            )
        elif (est := self._estimate_now()) is not None:
            shape = "x".join(str(d) for d in est.input_shape) if est.input_shape else "?"
            totals.update(
                Text.assemble(
                    (f"≈{est.total_params:,}", "bold"),
                    " params",
                    f" ({est.trainable_params:,} trainable) · input {shape}",
                    (" · estimate, Keras's numbers follow", "dim"),
                )
            )
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
