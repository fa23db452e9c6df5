"""The experiment panel (data, layers table, totals, compile) and the component pickers.

Both are views: the App owns the :class:`~tuidl.core.spec.Experiment`; the
dashboard screen passes it down (:meth:`ExperimentPanel.show_experiment`,
:meth:`Pickers.show_experiment`) and passes the engine's
:class:`~tuidl.core.events.Summary` down when it arrives. The pickers post
:class:`~tuidl.ui.messages.ExperimentChanged` up when a person picks a preset.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Select, Static

from tuidl.core.catalog import LAYERS
from tuidl.core.checks import layer_names
from tuidl.core.events import Summary
from tuidl.core.spec import Experiment, KerasRef
from tuidl.core.text import plural
from tuidl.ui.messages import ExperimentChanged
from tuidl.ui.text import plain, styled

__all__ = ["ExperimentPanel", "Pickers", "component_name", "layer_overrides", "shared_value"]

PICKED_KEYS = {"initializers": "kernel_initializer", "regularizers": "kernel_regularizer"}
"""Layer config key each layer-wide picker sets, by preset family."""

DEFAULTS = {"kernel_initializer": "glorot-uniform", "kernel_regularizer": "none"}
"""Preset name equal to Keras's default when a layer's config lacks the key."""


def component_name(value: Any) -> str:
    """A short display name for a component: the preset name, or the inline class name."""
    if value is None:
        return "none"
    if isinstance(value, KerasRef):
        return value.class_name
    if isinstance(value, dict):
        return str(value.get("class_name", "?"))
    return str(value)


def _layers_taking(exp: Experiment, key: str) -> list[int]:
    return [i for i, layer in enumerate(exp.model.layers) if key in LAYERS[layer.class_name].accepts]


def shared_value(exp: Experiment, key: str) -> str | None:
    """The preset name every layer that takes ``key`` uses, or ``None`` when they differ.

    A layer without ``key`` in its config counts as :data:`DEFAULTS` ``[key]``;
    an inline ``{class_name, config}`` counts as different from any preset.
    """
    values = set()
    for i in _layers_taking(exp, key):
        v = exp.model.layers[i].config.get(key, DEFAULTS.get(key))
        values.add(v if isinstance(v, str) else repr(v))
    if len(values) == 1:
        (v,) = values
        return v if not v.startswith(("{", "KerasRef")) else None
    return None


def layer_overrides(exp: Experiment, key: str, preset: str) -> dict[str, str]:
    """Overrides that set ``key`` to ``preset`` in every layer whose class accepts ``key``.

    Whether a class accepts it comes from ``tuidl.core.catalog.LAYERS[class].accepts``.

    Returns:
        ``{"model.layers[i].config.<key>": preset, ...}`` (empty when no layer takes it).
    """
    return {f"model.layers[{i}].config.{key}": preset for i in _layers_taking(exp, key)}


def _shape(shape: tuple[int | None, ...] | list[int] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


class ExperimentPanel(Vertical):
    """Shows the experiment: dataset and shapes, layers with output shapes and params, totals,
    optimizer and loss, and the engine's findings."""

    DEFAULT_CSS = """
    ExperimentPanel { height: 1fr; }
    ExperimentPanel > DataTable { height: 1fr; min-height: 3; }
    ExperimentPanel > Static { height: auto; }
    ExperimentPanel > #findings { max-height: 6; overflow-y: auto; }
    """

    _shown_summary: object = None
    _exp: Experiment | None = None
    MAX_FINDINGS = 3
    """Findings lines shown; the rest are counted (the builder, ``b``, lists them all)."""

    def compose(self) -> ComposeResult:
        yield Static("data …", id="data-line")
        table: DataTable[str] = DataTable(id="layers", cursor_type="row", zebra_stripes=False)
        table.add_columns("name", "class", "output", "params")
        yield table
        yield Static("params: …", id="totals")
        yield Static("", id="compile-line")
        yield Static("", id="findings")

    def show_experiment(self, exp: Experiment) -> None:
        """Show what the spec says (before the engine has summarized it)."""
        self.border_title = plain(exp.name)
        self._exp = exp
        self._shown_summary = None
        table = self.query_one("#layers", DataTable)
        table.clear()
        names = layer_names(exp.model.layers)
        for i, layer in enumerate(exp.model.layers):
            table.add_row(plain(names[i]), plain(layer.class_name), "…", "…", key=str(i))
        self.query_one("#totals", Static).update("params … (engine summarizing)")
        opt = component_name(exp.compile.optimizer)
        loss = component_name(exp.compile.loss)
        self.query_one("#compile-line", Static).update(
            styled(
                "optimizer ",
                (opt, "bold"),
                f" · {plural(exp.fit.epochs, 'epoch')} · batch {exp.fit.batch_size}\nloss ",
                (loss, "bold"),
            )
        )
        self.query_one("#data-line", Static).update(styled("data ", (exp.data.name, "bold"), " (loading…)"))
        self.query_one("#findings", Static).update("")

    def show_summary(self, summary: Summary) -> None:
        """Fill in shapes, params, totals, data shapes and findings from the engine's Summary."""
        key = (
            summary.input_shape,
            summary.rows,
            summary.total_params,
            summary.non_trainable_params,
            repr(summary.data),
            summary.findings,
        )
        if key == self._shown_summary:
            return  # the same model again (e.g. at the start of a run): no table rebuild
        self._shown_summary = key
        table = self.query_one("#layers", DataTable)
        table.clear()
        table.add_row("input", "", plain(_shape(summary.input_shape)), "", key="input")
        for row in summary.rows:
            table.add_row(
                plain(row.name),
                plain(row.class_name),
                plain(_shape(row.output_shape)),
                f"{row.params:,}",
                key=str(row.index),
            )
        layers = self._exp.model.layers if self._exp is not None else []
        names = layer_names(layers)
        for i in range(len(summary.rows), len(layers)):  # layers the engine could not build: still listed
            table.add_row(plain(names[i]), plain(layers[i].class_name), "?", "?", key=str(i))
        if len(summary.rows) < len(layers):
            totals = styled("params ", ("?", "bold"), " · the model does not build (see below; b opens the builder)")
        else:
            totals = styled(
                "params ", (f"{summary.total_params:,}", "bold"), f" · non-trainable {summary.non_trainable_params:,}"
            )
        self.query_one("#totals", Static).update(totals)
        d = summary.data or {}
        if d:
            rest = f" {_shape(d.get('input_shape'))} {d.get('x_dtype', '')}"
            if d.get("n_classes"):
                rest += f" · {d['n_classes']} classes"
            rest += f" · train {d.get('n_train', '?')} · val {d.get('n_val', '?')}"
            self.query_one("#data-line", Static).update(styled("data ", (str(d.get("name", "?")), "bold"), rest))
        self.show_findings([(f.severity, f.message, f.hint) for f in summary.findings])

    def show_findings(self, items: list[tuple[str, str, str]]) -> None:
        """Show findings as ``severity: message (hint)`` lines; empty clears them."""
        lines = []
        ordered = sorted(items, key=lambda item: item[0] != "error")  # errors first
        for severity, message, hint in ordered[: self.MAX_FINDINGS]:
            mark = "✗ error" if severity == "error" else "! warning"
            lines.append(f"{mark}: {message}" + (f" — {hint}" if hint else ""))
        if len(ordered) > self.MAX_FINDINGS:
            lines.append(f"… {len(ordered) - self.MAX_FINDINGS} more (b: the builder lists them all)")
        widget = self.query_one("#findings", Static)
        widget.update(plain("\n".join(lines)))  # engine messages: "[T=DT_FLOAT]" is data
        widget.set_class(any(s == "error" for s, _, _ in items), "-error")


class Pickers(Horizontal):
    """Three compact pickers: the optimizer, and the initializer and regularizer of all layers.

    Options are the component presets (``tuidl.core.presets.components``). A
    pick posts :class:`~tuidl.ui.messages.ExperimentChanged` with the overrides.
    """

    DEFAULT_CSS = """
    Pickers { height: 1; }
    Pickers > Label { padding: 0 0 0 1; }
    Pickers > Select { min-width: 6; }
    Pickers > #pick-optimizers { width: 4fr; }
    Pickers > #pick-initializers { width: 5fr; }
    Pickers > #pick-regularizers { width: 3fr; }
    """
    FAMILIES = (
        ("optimizers", "opt", "(custom)", "optimizer (compile.optimizer)"),
        ("initializers", "init", "(mixed)", "kernel_initializer of every layer that takes one"),
        ("regularizers", "reg", "(mixed)", "kernel_regularizer of every layer that takes one"),
    )
    """Per picker: preset family, label, prompt when the experiment's value is not a preset, tooltip.
    Widths are shared in proportion to the longest preset names (12, 14 and 9 characters), so the
    three fit at 80 columns."""

    def __init__(self, presets: dict[str, list[str]], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._presets = presets
        self._exp: Experiment | None = None

    def compose(self) -> ComposeResult:
        for family, label, prompt, tooltip in self.FAMILIES:
            yield Label(label)
            select: Select[str] = Select(
                [(plain(n), n) for n in self._presets.get(family, [])],
                prompt=prompt,
                compact=True,
                id=f"pick-{family}",
                allow_blank=True,
            )
            select.tooltip = tooltip
            yield select

    def show_experiment(self, exp: Experiment) -> None:
        """Set each picker to the experiment's current preset (blank when custom or mixed)."""
        self._exp = exp
        opt = exp.compile.optimizer
        values = {
            "optimizers": opt if isinstance(opt, str) else None,
            "initializers": shared_value(exp, PICKED_KEYS["initializers"]),
            "regularizers": shared_value(exp, PICKED_KEYS["regularizers"]),
        }
        for family, value in values.items():
            sel = self.query_one(f"#pick-{family}", Select)
            target = value if value in self._presets.get(family, []) else Select.NULL
            if sel.value != target:
                with sel.prevent(Select.Changed):
                    sel.value = target

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        event.stop()
        if self._exp is None or event.value is Select.NULL or event.select.id is None:
            return
        family = event.select.id.removeprefix("pick-")
        value = str(event.value)
        if family == "optimizers":
            if self._exp.compile.optimizer == value:
                return
            self.post_message(ExperimentChanged({"compile.optimizer": value}, f"optimizer → {value}"))
            return
        key = PICKED_KEYS[family]
        if shared_value(self._exp, key) == value:
            return
        overrides = layer_overrides(self._exp, key, value)
        if overrides:
            self.post_message(ExperimentChanged(overrides, f"{key} → {value} on {len(overrides)} layers"))
