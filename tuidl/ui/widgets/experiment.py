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

__all__ = [
    "ExperimentPanel",
    "Pickers",
    "column_widths",
    "component_name",
    "layer_overrides",
    "shared_value",
    "shorten",
]

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


ABBREVIATIONS = (
    ("normalization", "norm"),
    ("Normalization", "Norm"),
    ("regularization", "reg"),
    ("Regularization", "Reg"),
    ("pooling", "pool"),
    ("Pooling", "Pool"),
    ("average", "avg"),
    ("Average", "Avg"),
    ("maximum", "max"),
    ("Maximum", "Max"),
    ("re_lu", "relu"),
    ("convolution", "conv"),
    ("Convolution", "Conv"),
)
"""Words of Keras layer names and classes, and the short forms a narrow layer table uses
(``batch_normalization_1`` -> ``batch_norm_1``, ``GlobalAveragePooling2D`` -> ``GlobalAvgPool2D``)."""


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: as is when it fits, else with the words of
    :data:`ABBREVIATIONS` shortened, else cut in the middle with ``…`` keeping a trailing
    ``_N`` (``batch_n…_1``), so layers of one class stay apart.

    Args:
        text: a layer name or class name (plain text).
        width: cells available (>= 1).

    Returns:
        The text, at most ``width`` characters long.
    """
    width = max(1, width)
    if len(text) <= width:
        return text
    for long, short in ABBREVIATIONS:  # "batch_normalization" and "BatchNormalization" alike
        text = text.replace(long, short)
    if len(text) <= width:
        return text
    stem, sep, tail = text.rpartition("_")
    suffix = sep + tail if stem and tail.isdigit() and len(tail) + 3 <= width else ""
    keep = width - 1 - len(suffix)
    return (text[: len(text) - len(suffix)][:keep] + "…" + suffix) if keep > 0 else text[: width - 1] + "…"


def column_widths(rows: list[tuple[str, str, str, str]], width: int) -> tuple[int, int, int, int]:
    """Widths of the layer table's columns (name, class, output, params) within ``width`` cells.

    The output shape and the parameter count keep their full width (the numbers are
    never cut); the name and the class share what is left, the name first, each at
    least its header's width where there is room (shortened with :func:`shorten`).

    Args:
        rows: the cells as text.
        width: cells of the table for the columns' contents (less the gaps between them).

    Returns:
        ``(name, class, output, params)`` content widths.
    """
    longest = [max([len(header), *(len(r[i]) for r in rows)]) for i, header in enumerate(LAYER_COLUMNS)]
    out, params = longest[2], longest[3]
    rest = max(0, width - out - params)
    if longest[0] + longest[1] <= rest:  # room for all: each as wide as its text (the rest stays blank)
        return longest[0], longest[1], out, params
    # shared in proportion to what the abbreviated texts need, each at least its header
    need = [max([len(LAYER_COLUMNS[i]), *(len(shorten(r[i], 10**6)) for r in rows)]) for i in (0, 1)]
    if need[0] + need[1] <= rest:
        return need[0] + (rest - need[0] - need[1]), need[1], out, params
    name = max(len(LAYER_COLUMNS[0]), rest * need[0] // (need[0] + need[1]))
    return name, max(1, rest - name), out, params


LAYER_COLUMNS = ("name", "class", "output", "params")
"""The dashboard's layer table's columns."""


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
    ExperimentPanel.-short > #data-line, ExperimentPanel.-short > #compile-line,
    ExperimentPanel.-short > #findings { max-height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    _shown_summary: object = None
    _exp: Experiment | None = None
    MAX_FINDINGS = 3
    """Findings lines shown; the rest are counted (the builder, ``b``, lists them all)."""
    # On a panel too short for everything (class ``-short``) the data, compile and findings
    # lines take one row each: at 80x24 the findings and the wrapped data line left the layer
    # table one row (:meth:`_fit`).

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._rows: list[tuple[str, str, str, str]] = []
        self._findings: list[tuple[str, str, str]] = []
        self._data_text = "data …"
        self._table_width = 0

    def compose(self) -> ComposeResult:
        yield Static("data …", id="data-line")
        table: DataTable[str] = DataTable(id="layers", cursor_type="row", zebra_stripes=False)
        table.add_columns(*LAYER_COLUMNS)
        yield table
        yield Static("params: …", id="totals")
        yield Static("", id="compile-line")
        yield Static("", id="findings")

    def show_experiment(self, exp: Experiment) -> None:
        """Show what the spec says (before the engine has summarized it)."""
        self.border_title = plain(exp.name)
        self._exp = exp
        self._shown_summary = None
        names = layer_names(exp.model.layers)
        self._set_rows([(names[i], layer.class_name, "…", "…", str(i)) for i, layer in enumerate(exp.model.layers)])
        self.query_one("#totals", Static).update("params … (engine summarizing)")
        self._show_compile()
        self._data_text = f"data {exp.data.name} (loading…)"
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
        rows = [("input", "", _shape(summary.input_shape), "", "input")]
        for row in summary.rows:
            rows.append((row.name, row.class_name, _shape(row.output_shape), f"{row.params:,}", str(row.index)))
        layers = self._exp.model.layers if self._exp is not None else []
        names = layer_names(layers)
        for i in range(len(summary.rows), len(layers)):  # layers the engine could not build: still listed
            rows.append((names[i], layers[i].class_name, "?", "?", str(i)))
        self._set_rows(rows)
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
            self._data_text = f"data {d.get('name', '?')}{rest}"
            self.query_one("#data-line", Static).update(styled("data ", (str(d.get("name", "?")), "bold"), rest))
        self.show_findings([(f.severity, f.message, f.hint) for f in summary.findings])

    def show_summary_failure(self, kind: str, title: str, message: str, hint: str) -> None:
        """The engine could not summarize the experiment shown (a ``RunFailed`` of a Summarize).

        Nothing says "loading…" any more: the data line says the data did not load (``kind``
        ``"data"``) or that there is no summary (any other kind: spec, build, engine), the shapes
        and params are ``?``, and the error is the first finding. ``title``, ``message`` and
        ``hint`` come from the engine: shown as plain text.
        """
        self._shown_summary = None
        exp = self._exp
        name = exp.data.name if exp is not None else "?"
        what = "not loaded" if kind == "data" else "no summary"
        self.query_one("#data-line", Static).update(
            styled("data ", (name, "bold"), " · ", (f"✗ {what}", "bold red"), " (see below)")
        )
        if exp is not None:
            table = self.query_one("#layers", DataTable)
            table.clear()
            names = layer_names(exp.model.layers)
            for i, layer in enumerate(exp.model.layers):
                table.add_row(plain(names[i]), plain(layer.class_name), "?", "?", key=str(i))
        self.query_one("#totals", Static).update(styled("params ", ("?", "bold"), " · no summary"))
        self.show_findings([("error", f"{title}: {message}", hint)])

    def show_findings(self, items: list[tuple[str, str, str]]) -> None:
        """Show findings as ``severity: message (hint)`` lines; empty clears them.

        On a short panel (``-short``) one line: the first finding (errors first) and how many
        more (``✗ error +4 more (b): …``), cut with ``…``, so the layer table keeps its rows."""
        if list(items) != self._findings:
            self._findings = list(items)
            self._fit()  # may change -short, which shows them again
        lines = []
        ordered = sorted(items, key=lambda item: item[0] != "error")  # errors first
        if self.has_class("-short") and ordered:
            severity, message, hint = ordered[0]
            mark = "✗ error" if severity == "error" else "! warning"
            more = f" +{len(ordered) - 1} more (b)" if len(ordered) > 1 else ""
            lines.append(f"{mark}{more}: {message}" + (f" — {hint}" if hint else ""))
        else:
            for severity, message, hint in ordered[: self.MAX_FINDINGS]:
                mark = "✗ error" if severity == "error" else "! warning"
                lines.append(f"{mark}: {message}" + (f" — {hint}" if hint else ""))
            if len(ordered) > self.MAX_FINDINGS:
                lines.append(f"… {len(ordered) - self.MAX_FINDINGS} more (b: the builder lists them all)")
        widget = self.query_one("#findings", Static)
        widget.update(plain("\n".join(lines)))  # engine messages: "[T=DT_FLOAT]" is data
        widget.display = bool(lines)  # an empty Static still took a row from the layer table
        widget.set_class(any(s == "error" for s, _, _ in items), "-error")

    def _show_compile(self) -> None:
        """The optimizer, epochs, batch size and loss: two lines, or one on a short panel."""
        exp = self._exp
        if exp is None:
            return
        opt = component_name(exp.compile.optimizer)
        loss = component_name(exp.compile.loss)
        if self.has_class("-short"):
            text = styled((opt, "bold"), f" · {exp.fit.epochs} ep · batch {exp.fit.batch_size} · loss ", (loss, "bold"))
        else:
            text = styled(
                "optimizer ",
                (opt, "bold"),
                f" · {plural(exp.fit.epochs, 'epoch')} · batch {exp.fit.batch_size}\nloss ",
                (loss, "bold"),
            )
        self.query_one("#compile-line", Static).update(text)

    def _set_rows(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        """Show the layer table's rows: ``(name, class, output, params, row key)``, as plain text."""
        self._rows = [r[:4] for r in rows]
        self._keys = [r[4] for r in rows]
        self._fill_table()
        self._fit()

    def _fill_table(self) -> None:
        """(Re)build the table for its width: the output shape and params always whole, the
        name and class shortened (:func:`shorten`) to what is left."""
        table = self.query_one("#layers", DataTable)
        # no cell padding: one cell after each column instead of one on each side (4 cells
        # more for the names at 80 columns), and 2 cells kept for a vertical scroll bar
        width = table.size.width or max(40, self.size.width)
        self._table_width = width
        widths = column_widths(self._rows, width - 4 - 2)
        table.cell_padding = 0
        cursor = table.cursor_row
        table.clear(columns=True)
        for label, w in zip(LAYER_COLUMNS, widths):
            table.add_column(label, width=w + 1, key=label)
        for (name, cls, out, params), key in zip(self._rows, self._keys):
            table.add_row(
                plain(shorten(name, widths[0])),
                plain(shorten(cls, widths[1])),
                plain(out),
                params,
                key=key,
            )
        if 0 < cursor < table.row_count:  # a resize keeps the row a person was on
            table.move_cursor(row=cursor)

    def _fit(self) -> None:
        """Go ``-short`` (one row each for the data, compile and findings lines) where the lines
        in full, wrapped to the panel's width, would leave the layer table fewer rows than it has."""
        w, h = self.size
        if not (w and h):
            return

        def rows(text: str) -> int:
            return sum(max(1, -(-len(line) // w)) for line in text.splitlines() or [""])

        findings = [f"! warning: {m}" + (f" — {hint}" if hint else "") for _, m, hint in self._findings]
        if len(findings) > self.MAX_FINDINGS:
            findings = findings[: self.MAX_FINDINGS] + ["… n more (b: the builder lists them all)"]
        lines = rows(self._data_text) + 1 + 2 + min(6, rows("\n".join(findings)) if findings else 0)
        short = lines + len(self._rows) + 1 > h
        if short != self.has_class("-short"):
            self.set_class(short, "-short")
            self._show_compile()
            self.show_findings(self._findings)

    def on_resize(self) -> None:
        self._fit()
        self._refit_table()
        self.call_after_refresh(self._refit_table)  # the table's own size follows the panel's layout

    def _refit_table(self) -> None:
        table = self.query_one("#layers", DataTable)
        if table.size.width and table.size.width != self._table_width and self._rows:
            self._fill_table()


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
