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

from tuidl.core.events import Finding, LayerRow
from tuidl.core.spec import LayerSpec
from tuidl.ui.text import plain
from tuidl.ui.widgets.typeahead import TypeAhead

__all__ = ["LayerList", "brief"]


def brief(layer: LayerSpec) -> str:
    """A few main arguments: ``64 relu``, ``16 3x3 relu`` (the editor shows them all)."""
    c = layer.config
    parts: list[str] = []
    for key in ("units", "filters", "rate", "stddev", "pool_size", "target_shape", "output_dim"):
        if key in c:
            v = c[key]
            parts.append(("x".join(map(str, v)) if isinstance(v, list) else str(v)))
    if "kernel_size" in c:
        k = c["kernel_size"]
        parts.append("x".join(map(str, k)) if isinstance(k, list) else f"{k}x{k}")
    if c.get("activation"):
        parts.append(str(c["activation"]))
    return " ".join(parts)


def _shape(shape: tuple[int | None, ...]) -> str:
    """``(8, 8, 16)`` -> ``"8×8×16"`` (the batch axis left out, as the column header says)."""
    return "×".join("?" if d is None else str(d) for d in shape) or "()"


class LayerList(TypeAhead, DataTable):
    """Rows: ``#``, layer class and main arguments, output shape (no batch axis), params.

    Row keys are positions as strings; the cursor row is the layer being edited.
    Keys are handled in the order typed (:class:`~tuidl.ui.widgets.typeahead.TypeAhead`):
    ``down e 1 2 8`` in one burst moves, opens the editor and types ``128`` there.
    """

    DEFAULT_CSS = """
    LayerList { height: 1fr; }
    """

    async def action_select_cursor(self) -> None:
        """``enter``: edit the layer under the cursor — the screen's ``edit`` action, run in
        the order typed (a ``RowSelected`` message would let the keys behind it overtake it)."""
        await self.app.run_action("edit", self.screen)

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.cell_padding = 0
        self.zebra_stripes = True
        self.add_column("#", key="n", width=4)  # ✗ error, ! warning, then the position
        self.add_column(" layer", key="layer")
        self.add_column(" output", key="shape")  # without the batch axis
        self.add_column(" params", key="params")

    def show(
        self,
        layers: Sequence[LayerSpec],
        rows: Sequence[LayerRow] | None,
        findings: Sequence[Finding],
        cursor: int | None = None,
    ) -> None:
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
        by_index = {r.index: r for r in rows or ()}
        sev: dict[int, str] = {}
        for f in findings:
            if f.layer is not None and sev.get(f.layer) != "error":
                sev[f.layer] = f.severity
        for i, layer in enumerate(layers):
            row = by_index.get(i)
            mark = {"error": Text("✗", style="bold red"), "warning": Text("!", style="bold yellow")}.get(
                sev.get(i, ""), Text(" ")
            )
            mark.append(f"{i + 1:>3}")
            label = Text.assemble(f" {layer.class_name} ", (brief(layer), "dim"))
            shape = plain(" " + (_shape(row.output_shape) if row is not None else "…" if rows is None else "?"))
            params = f"{row.params:,}" if row is not None else ""
            self.add_row(mark, label, shape, Text(params, justify="right"), key=str(i))
        if layers:
            self.move_cursor(row=max(0, min(keep, len(layers) - 1)), animate=False)
