"""Pilot tests of the data panel with real dataset descriptions (no TensorFlow needed)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static

from tuidl.core.spec import DataSpec
from tuidl.engine.data import load_data
from tuidl.ui.widgets.data_panel import DataPanel, MARKERS, SHADES, render_image, render_scatter


def _describe(name: str, **opts: Any) -> dict[str, Any]:
    return load_data(DataSpec(name=name, options=opts), seed=0).describe()


def _plain(widget: Static, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


class Host(App):
    def __init__(self, info: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        yield DataPanel(self.info)


async def test_scatter_of_a_2d_set() -> None:
    info = _describe("spiral", noise=0.1)
    app = Host()
    async with app.run_test(size=(100, 50)) as pilot:
        panel = app.query_one(DataPanel)
        assert "No data loaded yet" in _plain(app.query_one("#data-summary", Static))
        panel.update_data(info)
        await pilot.pause()
        summary = _plain(app.query_one("#data-summary", Static))
        assert "spiral" in summary and "train 400 · validation 100" in summary and "float32" in summary
        hist = _plain(app.query_one("#data-histogram", Static))
        assert "negative (-1)" in hist and "positive (+1)" in hist and "Baseline" in hist
        assert f"{info['baseline_accuracy']:.1%}" in hist
        samples = app.query_one("#data-samples", Static)
        assert not samples.has_class("-empty")
        text = _plain(samples)
        assert "┌" in text and "o negative (-1)" in text and "x positive (+1)" in text
        body = text.split("┐", 1)[1].split("└", 1)[0]
        assert body.count("o") > 30 and body.count("x") > 30  # both classes, by marker shape


async def test_images_as_half_blocks_and_resize() -> None:
    info = _describe("digits")
    app = Host(info)
    async with app.run_test(size=(80, 24)) as pilot:
        samples = app.query_one("#data-samples", Static)
        text = _plain(samples, width=78)
        assert text.count("▀") == 16 * 4 * 8  # 16 images, 8 px wide, 4 lines of 2 px
        captions = [ln.split() for ln in text.splitlines() if ln.split() and all(t.isdigit() for t in ln.split())]
        assert set(sum(captions, [])) == set("0123456789")  # one sample per class first
        hist = _plain(app.query_one("#data-histogram", Static))
        assert "Classes (training split, 1438 samples)" in hist and "always '" in hist
        await pilot.resize_terminal(30, 12)
        await pilot.pause()
        assert app.query_one(DataPanel).size.width <= 30  # narrow: still draws, no error


async def test_regression_and_error_and_notes() -> None:
    app = Host(_describe("plane", n_samples=200))
    async with app.run_test(size=(90, 40)) as pilot:
        panel = app.query_one(DataPanel)
        hist = _plain(app.query_one("#data-histogram", Static))
        assert "Target" in hist and "predicting the training mean gives MSE" in hist
        scatter = _plain(app.query_one("#data-samples", Static))
        assert "target" in scatter and any(c in scatter for c in "▁▂▃▄▅▆▇█")
        panel.update_data(_describe("iris", noise=0.2))
        await pilot.pause()
        notes = app.query_one("#data-notes", Static)
        assert not notes.has_class("-empty") and "data.options.noise" in _plain(notes)
        assert app.query_one("#data-samples", Static).has_class("-empty")  # 4-D table: no samples
        panel.update_data(
            {
                "name": "mnist",
                "error": {
                    "title": "Dataset not downloaded",
                    "message": "mnist: mnist.npz is not in the Keras cache",
                    "hint": "copy it to ~/.keras/datasets",
                },
            }
        )
        await pilot.pause()
        err = app.query_one("#data-error", Static)
        assert not err.has_class("-empty") and "mnist.npz" in _plain(err) and "hint:" in _plain(err)
        assert app.query_one("#data-histogram", Static).has_class("-empty")


async def test_no_color_uses_shades(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = Host(_describe("digits"))
    async with app.run_test(size=(80, 30)):
        assert app.no_color
        text = _plain(app.query_one("#data-samples", Static))
        assert "▀" not in text and any(c in text for c in SHADES[1:])


def test_render_helpers() -> None:
    img = [[0, 255], [255, 0], [128, 128]]
    colour = render_image(img)
    assert colour.plain == "▀▀\n▀▀"
    assert [str(s.style) for s in colour.spans][:1] == ["#000000 on #ffffff"]
    mono = render_image(img, mono=True)
    assert mono.plain.count("\n") == 1 and len(mono.plain) == 5
    rgb = render_image([[[255, 0, 0]], [[0, 0, 255]]])
    assert str(rgb.spans[0].style) == "#ff0000 on #0000ff"
    sc = render_scatter(
        [[0, 0], [1, 1], [0, 1]], [0, 1, 2], n_classes=3, class_names=["a", "b", "c"], width=10, height=4, mono=True
    )
    assert all(f"{MARKERS[k]} {n}" in sc.plain for k, n in enumerate("abc"))
