"""The data panel: what the model is fed, drawn in the terminal.

:class:`DataPanel` shows a dataset description as
:meth:`tuidl.engine.data.Dataset.describe` writes it (the engine sends it in
``Summary.data`` and ``RunStarted.summary.data``):

* source, task, input shape, dtypes, samples per split, scaling, notes;
* a class histogram of the training split with the majority-class baseline
  (the accuracy to beat), or the regression target's range with the
  "predict the mean" baseline MSE;
* samples: images as half-block pixels (``▀`` with the top pixel as the
  foreground colour and the bottom pixel as the background colour, so one
  character cell shows two pixels), 2-D sets as a scatter plot coloured by
  class **and** marked by shape (``o x + * ...``), so it reads without colour.

Under ``NO_COLOR`` (``App.no_color``) images are drawn with a shade ramp
(`` .:-=+*#%@``) instead of colours. Colours of classes: TF Playground's
orange (class 0, Playground's -1) and blue (class 1, +1) for two classes,
matplotlib's ``tab10`` palette for more; they are data colours, not theme
chrome. The panel only reads the dict it is given; nothing here imports
TensorFlow or Keras.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.app import ComposeResult
from textual.widgets import Static

PLAYGROUND_COLOURS = ("#F59322", "#0877BD")
"""TF Playground's orange (-1, class 0) and blue (+1, class 1)."""

TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
"""matplotlib's ``tab10`` categorical palette, for more than two classes."""

MARKERS = "ox+*#@%&=~"
"""Scatter markers by class id (cycled), so classes differ without colour too."""

LEVELS = "▁▂▃▄▅▆▇█"
"""Scatter markers for regression targets, low to high."""

SHADES = " .:-=+*#%@"
"""Grey ramp for images when colours are off (dark to bright)."""

MAX_HISTOGRAM_ROWS = 20
"""Classes listed in the histogram; more are summarized in one line."""


def class_colour(c: int, n_classes: int) -> str:
    """Colour of class ``c``: Playground's orange/blue for two classes, ``tab10`` otherwise."""
    if n_classes <= 2:
        return PLAYGROUND_COLOURS[c % 2]
    return TAB10[c % len(TAB10)]


def _lerp(a: str, b: str, t: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def level_colour(t: float) -> str:
    """Playground's regression scale: orange (low) -> light grey (middle) -> blue (high), ``t`` in [0, 1]."""
    t = min(1.0, max(0.0, t))
    if t < 0.5:
        return _lerp(PLAYGROUND_COLOURS[0], "#e8eaeb", t * 2)
    return _lerp("#e8eaeb", PLAYGROUND_COLOURS[1], (t - 0.5) * 2)


def _rgb(px: Any) -> tuple[int, int, int]:
    if isinstance(px, (list, tuple)):
        r, g, b = (int(v) for v in px[:3])
        return r, g, b
    v = int(px)
    return v, v, v


def render_image(img: Sequence[Sequence[Any]], mono: bool = False) -> Text:
    """One image as text, two pixel rows per line.

    Args:
        img: ``[H][W]`` grey values or ``[H][W][3]`` RGB, uint8 0–255.
        mono: use the shade ramp :data:`SHADES` instead of colours.

    Returns:
        ``ceil(H / 2)`` lines of ``W`` cells.
    """
    h = len(img)
    w = len(img[0]) if h else 0
    out = Text(no_wrap=True, overflow="crop")
    for r in range(0, h, 2):
        for c in range(w):
            top = _rgb(img[r][c])
            bottom = _rgb(img[r + 1][c]) if r + 1 < h else None
            if mono:
                vals = [sum(top) / 3] + ([sum(bottom) / 3] if bottom else [])
                level = sum(vals) / len(vals) / 255
                out.append(SHADES[min(len(SHADES) - 1, int(level * len(SHADES)))])
            else:
                fg = "#%02x%02x%02x" % top
                bg = "#%02x%02x%02x" % bottom if bottom else None
                out.append("▀", Style(color=fg, bgcolor=bg))
        if r + 2 < h:
            out.append("\n")
    return out


def render_images(images: list[Any], labels: list[str], width: int, mono: bool = False) -> RenderableType:
    """A grid of sample images with their labels underneath, as many per row as ``width`` allows."""
    if not images:
        return Text("")
    w = len(images[0][0]) if images[0] else 1
    cell = max(w, 6) + 2
    cols = max(1, min(len(images), width // cell))
    grid = Table.grid(padding=(0, 1))
    for _ in range(cols):
        grid.add_column(width=max(w, 6), no_wrap=True)
    row: list[RenderableType] = []
    for img, lab in zip(images, labels + [""] * (len(images) - len(labels))):
        cap = Text(str(lab)[: max(w, 6)], style="bold", no_wrap=True, overflow="ellipsis")
        row.append(Group(render_image(img, mono), cap))
        if len(row) == cols:
            grid.add_row(*row)
            row = []
    if row:
        grid.add_row(*row, *[Text("")] * (cols - len(row)))
    return grid


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def render_scatter(
    points: Sequence[Sequence[float]],
    labels: Sequence[Any],
    *,
    task: str = "classification",
    n_classes: int = 2,
    class_names: Sequence[str] = (),
    axes: Sequence[str] = ("x1", "x2"),
    width: int = 50,
    height: int = 16,
    mono: bool = False,
) -> Text:
    """A framed scatter plot of 2-D points, one character cell per grid cell.

    Classification: each cell shows the most frequent class of its points as
    that class's marker (:data:`MARKERS`) in its colour. Regression: the mean
    target of the cell as a level block (:data:`LEVELS`) on Playground's
    orange–grey–blue scale. A legend and the axis ranges follow the frame.
    """
    width, height = max(8, width), max(4, height)
    text = Text(no_wrap=True, overflow="crop")
    if not points:
        return text
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = (width - 1) / (x1 - x0) if x1 > x0 else 0.0
    sy = (height - 1) / (y1 - y0) if y1 > y0 else 0.0
    cells: dict[tuple[int, int], list[Any]] = {}
    for x, y, lab in zip(xs, ys, labels):
        c = int(round((x - x0) * sx))
        r = height - 1 - int(round((y - y0) * sy))
        cells.setdefault((r, c), []).append(lab)
    lo = hi = 0.0
    if task != "classification":
        vals = [float(v) for v in labels]
        lo, hi = min(vals), max(vals)
    ylab_w = max(len(_fmt(y0)), len(_fmt(y1)))
    text.append(" " * ylab_w + " ┌" + "─" * width + "┐\n", style="dim")
    for r in range(height):
        lab = _fmt(y1) if r == 0 else _fmt(y0) if r == height - 1 else ""
        text.append(lab.rjust(ylab_w) + " │", style="dim")
        for c in range(width):
            got = cells.get((r, c))
            if not got:
                text.append(" ")
            elif task == "classification":
                counts: dict[int, int] = {}
                for g in got:
                    counts[int(g)] = counts.get(int(g), 0) + 1
                k = max(counts, key=lambda key: (counts[key], -key))
                style = None if mono else Style(color=class_colour(k, n_classes), bold=True)
                text.append(MARKERS[k % len(MARKERS)], style=style)
            else:
                v = sum(float(g) for g in got) / len(got)
                t = (v - lo) / (hi - lo) if hi > lo else 0.5
                style = None if mono else Style(color=level_colour(t))
                text.append(LEVELS[min(len(LEVELS) - 1, int(t * len(LEVELS)))], style=style)
        text.append("│\n", style="dim")
    text.append(" " * ylab_w + " └" + "─" * width + "┘\n", style="dim")
    xl, xr = _fmt(x0), _fmt(x1)
    text.append(
        " " * (ylab_w + 2) + xl + f" {axes[0]} ".center(max(1, width - len(xl) - len(xr)), " ") + xr + "\n", style="dim"
    )
    text.append(f"{axes[1]} vertical, {len(points)} training points\n", style="dim")
    if task == "classification":
        for k in range(max(n_classes, 1)):
            name = class_names[k] if k < len(class_names) else str(k)
            style = None if mono else Style(color=class_colour(k, n_classes), bold=True)
            text.append(f"{MARKERS[k % len(MARKERS)]}", style=style)
            text.append(f" {name}   ")
    else:
        text.append(LEVELS[0], style=None if mono else Style(color=level_colour(0)))
        text.append(f" {_fmt(lo)}  …  ")
        text.append(LEVELS[-1], style=None if mono else Style(color=level_colour(1)))
        text.append(f" {_fmt(hi)}  target")
    return text


def render_histogram(info: dict[str, Any], width: int = 60, mono: bool = False) -> Text:
    """Class counts of the training split as bars, and the majority-class baseline.

    For regression: the target's range, mean and standard deviation, and the
    MSE of always predicting the training mean.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    if info.get("task") == "regression":
        t = info.get("target") or {}
        if t:
            text.append("Target  ", style="bold")
            text.append(f"min {_fmt(t['min'])}  max {_fmt(t['max'])}  mean {_fmt(t['mean'])}  std {_fmt(t['std'])}\n")
        if "baseline_mse" in info:
            text.append("Baseline  ", style="bold")
            text.append(
                f"predicting the training mean gives MSE {_fmt(info['baseline_mse'])} "
                f"({'validation' if info.get('n_val') else 'train'})"
            )
        return text
    counts: list[int] = list(info.get("class_counts") or [])
    if not counts:
        return text
    names: list[str] = list(info.get("class_names") or [])
    n = len(counts)
    total = sum(counts) or 1
    order = list(range(n)) if n <= MAX_HISTOGRAM_ROWS else sorted(range(n), key=lambda i: -counts[i])[:10]
    name_w = min(16, max(len(names[i]) if i < len(names) else len(str(i)) for i in order))
    bar_w = max(4, width - name_w - 18)
    top = max(counts) or 1
    text.append(f"Classes (training split, {total} samples)\n", style="bold")
    for i in order:
        name = names[i] if i < len(names) else str(i)
        frac = counts[i] / top * bar_w
        full = int(frac)
        part = " ▏▎▍▌▋▊▉"[int((frac - full) * 8)] if full < bar_w else ""
        style = None if mono else Style(color=class_colour(i, n))
        text.append(name[:name_w].ljust(name_w) + " ")
        text.append("█" * full + part.strip(), style=style)
        text.append(" " * (bar_w - full - len(part.strip())) + f" {counts[i]:>6} {counts[i] / total:6.1%}\n")
    if n > len(order):
        rest = [counts[i] for i in range(n) if i not in order]
        text.append(f"… {len(rest)} more classes, {min(rest)}–{max(rest)} samples each\n", style="dim")
    if "baseline_accuracy" in info:
        text.append("Baseline  ", style="bold")
        text.append(
            f"always '{info.get('baseline_class', '?')}' (the majority class) scores "
            f"{info['baseline_accuracy']:.1%} accuracy on the {info.get('baseline_split', 'validation')} "
            "split — the number to beat"
        )
    return text


def render_summary(info: dict[str, Any]) -> RenderableType:
    """Key facts as a two-column grid: source, task, shapes, dtypes, splits, options."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    shape = "×".join(str(d) for d in info.get("input_shape", [])) or "?"
    rows: list[tuple[str, str]] = [
        ("Dataset", f"{info.get('name', '?')} — {info.get('description', '')}".rstrip(" —")),
        ("Source", str(info.get("source", ""))),
        ("Task", f"{info.get('task', '?')}" + (f", {info['n_classes']} classes" if info.get("n_classes") else "")),
        (
            "Samples",
            f"train {info.get('n_train', 0)} · validation {info.get('n_val', 0)}"
            + (f" · test {info['n_test']}" if info.get("n_test") else ""),
        ),
        ("x", f"({shape}) {info.get('x_dtype', '?')}  [{info.get('kind', '')}]"),
        ("y", f"{info.get('y_dtype', '?')}"),
    ]
    if info.get("model_input_shape") and info["model_input_shape"] != info.get("input_shape"):
        rows.append(("Model input", "×".join(map(str, info["model_input_shape"])) + " (flattened)"))
    if info.get("feature_names"):
        feats = list(info["feature_names"])
        more = info.get("n_features", len(feats)) - len(feats)
        rows.append(("Features", ", ".join(feats) + (f", … (+{more})" if more > 0 else "")))
    if info.get("scaling"):
        rows.append(("Scaling", f"{info['scaling']} (fitted on the training split)"))
    if info.get("class_weight"):
        rows.append(("Class weight", ", ".join(f"{k}: {v:.3g}" for k, v in list(info["class_weight"].items())[:10])))
    for k, v in rows:
        grid.add_row(k, Text(v))  # a str cell is read as markup: names and paths come from files
    return grid


class DataPanel(VerticalScroll):
    """Shows one dataset description (see the module docstring); call :meth:`update_data`.

    The panel keeps the last dict and redraws on resize; below 20 columns it
    shows only the summary.
    """

    DEFAULT_CSS = """
    DataPanel { height: 1fr; padding: 0 1; }
    DataPanel > Static { height: auto; margin: 0 0 1 0; }
    DataPanel > #data-error { color: $error; }
    DataPanel > .-empty { display: none; }
    """

    def __init__(
        self,
        info: dict[str, Any] | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._info: dict[str, Any] = dict(info or {})

    def compose(self) -> ComposeResult:
        yield Static("No data loaded yet.", id="data-summary")
        yield Static(id="data-error", classes="-empty")
        yield Static(id="data-histogram", classes="-empty")
        yield Static(id="data-samples", classes="-empty")
        yield Static(id="data-notes", classes="-empty")

    def on_mount(self) -> None:
        if self._info:
            self._draw()

    @property
    def info(self) -> dict[str, Any]:
        """The description shown (a copy)."""
        return dict(self._info)

    def update_data(self, info: dict[str, Any]) -> None:
        """Show ``info`` (``Dataset.describe()``); ``{"error": {title, message, hint}}`` shows a data error."""
        self._info = dict(info or {})
        if self.is_mounted:
            self._draw()

    def on_resize(self) -> None:
        if self._info:
            self._draw()

    def _set(self, wid: str, content: RenderableType | None) -> None:
        w = self.query_one(f"#{wid}", Static)
        empty = content is None or (isinstance(content, Text) and not content.plain.strip())
        w.set_class(empty, "-empty")
        w.update(content if content is not None else "")

    def _draw(self) -> None:
        info = self._info
        mono = bool(getattr(self.app, "no_color", False))
        width = max(20, (self.scrollable_content_region.width or self.size.width or 60) - 1)
        err = info.get("error")
        if err:
            t = Text()
            t.append(f"{err.get('title', 'Data problem')}\n", style="bold")
            t.append(str(err.get("message", "")))
            if err.get("hint"):
                t.append(f"\nhint: {err['hint']}", style="italic")
            self._set("data-summary", Text(f"Data: {info.get('name', '?')}", style="bold"))
            self._set("data-error", t)
            for wid in ("data-histogram", "data-samples", "data-notes"):
                self._set(wid, None)
            return
        self._set("data-error", None)
        if not info:
            self._set("data-summary", Text("No data loaded yet."))
            for wid in ("data-histogram", "data-samples", "data-notes"):
                self._set(wid, None)
            return
        self._set("data-summary", render_summary(info))
        self._set("data-histogram", render_histogram(info, width, mono))
        samples: RenderableType | None = None
        if info.get("images"):
            samples = Group(
                Text("Samples (training split)", style="bold"),
                render_images(info["images"], list(info.get("image_labels") or []), width, mono),
            )
        elif info.get("points"):
            w = max(10, min(72, width - 10))
            h = max(6, min(24, w // 3))
            samples = Group(
                Text("Samples (training split)", style="bold"),
                render_scatter(
                    info["points"],
                    info.get("point_labels") or [],
                    task=info.get("task", ""),
                    n_classes=int(info.get("n_classes") or 2),
                    class_names=info.get("class_names") or [],
                    axes=info.get("point_axes") or ("x1", "x2"),
                    width=w,
                    height=h,
                    mono=mono,
                ),
            )
        self._set("data-samples", samples if width >= 20 else None)
        notes = info.get("notes") or []
        self._set("data-notes", Text("\n".join(f"• {n}" for n in notes), style="dim") if notes else None)
