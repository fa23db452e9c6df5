"""The builder's layer list: one row per layer with its output shape and parameter count.

A ``DataTable`` with a row cursor. The screen owns the layers; it calls
:meth:`LayerList.show` after every edit and again when the engine's Summary
arrives (shapes and params then come from Keras). Rows with an error finding
are marked ``✗``, with a warning ``!``.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from tuidl.core.checks import fmt_shape, layer_names
from tuidl.core.events import Finding, LayerRow
from tuidl.core.spec import LayerSpec

__all__ = ["LayerList"]


def _brief(layer: LayerSpec) -> str:
    """A few main arguments: ``units=64 relu``, ``16 3x3 same``."""
    c = layer.config
    parts: list[str] = []
    for key in ("units", "filters", "rate", "stddev", "pool_size", "target_shape", "output_dim"):
        if key in c:
            v = c[key]
            parts.append(("x".join(map(str, v)) if isinstance(v, list) else str(v)))
    if "kernel_size" in c:
        k = c["kernel_size"]
        parts.append("x".join(map(str, k)) if isinstance(k, list) else f"{k}x{k}")
    if c.get("padding") and c["padding"] != "valid":
        parts.append(str(c["padding"]))
    if c.get("activation"):
        parts.append(str(c["activation"]))
    return " ".join(parts)


class LayerList(DataTable):
    """Rows: ``#``, layer class and main arguments, output shape, params.

    Row keys are positions as strings; the cursor row is the layer being edited.
    """

    DEFAULT_CSS = """
    LayerList { height: 1fr; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", key="n", width=3)
        self.add_column("layer", key="layer")
        self.add_column("output", key="shape")
        self.add_column("params", key="params")

    def show(self, layers: Sequence[LayerSpec], rows: Sequence[LayerRow] | None,
             findings: Sequence[Finding], cursor: int | None = None) -> None:
        """Redraw all rows.

        Args:
            layers: the layers of the draft.
            rows: the summary rows matching ``layers`` (fewer when the build
                stopped early, ``None`` while waiting): their shapes and params.
            findings: to mark rows with errors (``✗``) and warnings (``!``).
            cursor: row to put the cursor on (default: keep).
        """
        keep = self.cursor_row if cursor is None else cursor
        self.clear()
        names = layer_names(layers)
        by_index = {r.index: r for r in rows or ()}
        sev: dict[int, str] = {}
        for f in findings:
            if f.layer is not None and sev.get(f.layer) != "error":
                sev[f.layer] = f.severity
        for i, layer in enumerate(layers):
            row = by_index.get(i)
            mark = {"error": Text("✗", style="bold red"), "warning": Text("!", style="bold yellow")}.get(
                sev.get(i, ""), Text(" "))
            label = Text.assemble(mark, f"{layer.class_name} ", (_brief(layer), "dim"))
            name = row.name if row is not None and row.class_name == layer.class_name else names[i]
            label.append(f" {name}", style="italic dim")
            shape = fmt_shape(row.output_shape) if row is not None else "…" if rows is None else "?"
            params = f"{row.params:,}" if row is not None else ""
            self.add_row(str(i + 1), label, shape, Text(params, justify="right"), key=str(i))
        if layers:
            self.move_cursor(row=max(0, min(keep, len(layers) - 1)), animate=False)
