"""The data screen: choose a dataset and its options in the app, see it in the data panel, apply it.

The fake engine here answers Summarize like the real one, but without
TensorFlow: the data is loaded with ``tuidl.engine.data.load_data`` (numpy and
scikit-learn only), findings come from the pre-flight rules with shape
inference, and a data problem is a RunFailed with the request id.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_for
from fakes import FakeEngineClient
from rich.console import Console
from textual.widgets import Input, OptionList, Static

from tuidl.core import events as ev
from tuidl.core.errors import TuidlError
from tuidl.core.presets import load_experiment
from tuidl.core.spec import DATASETS, Experiment, from_dict
from tuidl.ui.app import TuidlApp
from tuidl.core.adapt import adapt_model
from tuidl.ui.screens.data import DataScreen
from tuidl.ui.widgets.data_form import GROUPS, DataForm, applicable_fields, field_info, parse_value


class DataEngine(FakeEngineClient):
    """A fake engine whose Summaries describe the requested data (loaded for real, no TensorFlow)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_requests: list[dict[str, Any]] = []

    def summary(self, request_id: int, spec: dict[str, Any]) -> ev.Event:  # type: ignore[override]
        from tuidl.engine.checks import preflight
        from tuidl.engine.data import fit_to_model, load_data

        exp = from_dict(spec)
        self.data_requests.append(spec["data"])
        try:
            ds = load_data(exp.data, exp.fit.seed, None)
        except TuidlError as e:
            d = e.to_dict()
            return ev.RunFailed("", d["kind"], d["title"], d["message"], d["hint"], request_id=request_id)
        first = exp.model.layers[0].class_name if exp.model.layers else None
        shape = tuple(int(d) for d in fit_to_model(ds.x_train[:1], first).shape[1:])
        return ev.Summary(request_id, shape, (), 0, 0, 0, ds.describe(), tuple(preflight(exp, ds, None)))


def _app(tmp_path: Path, exp: Experiment | None = None) -> TuidlApp:
    app = TuidlApp(
        exp or load_experiment("digits-mlp").with_overrides({"fit.epochs": 2}),
        runs_dir=tmp_path / "runs",
        client_factory=DataEngine,
    )
    return app


def _plain(widget: Static, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def _open(pilot) -> DataScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.engine_ready, what="engine ready")
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DataScreen), what="data screen")
    screen: DataScreen = app.screen  # type: ignore[assignment]
    await wait_for(pilot, lambda: screen.summary is not None and screen.pending_id is None, what="first summary")
    return screen


async def _choose_by_keys(pilot, screen: DataScreen, name: str) -> None:
    """Move the chooser's highlight to ``name`` with up/down and press enter."""
    datasets = screen.query_one("#datasets", OptionList)
    datasets.focus()
    target = datasets.get_option_index(f"ds-{name}")
    key = "down" if target > (datasets.highlighted or 0) else "up"
    for _ in range(len(DATASETS) + len(GROUPS)):
        if datasets.highlighted == target:
            break
        await pilot.press(key)
    assert datasets.highlighted == target
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: screen.draft["name"] == name and screen.query(DataForm) and screen.form.dataset == name,
        what=f"{name} chosen",
    )


async def _type(pilot, screen: DataScreen, path: str, text: str) -> None:
    """Type ``text`` into field ``path`` with keys (a long text is pasted, as a person pastes a path)."""
    field = screen.query_one(f"#{field_info(path).widget_id}", Input)
    field.focus()
    if len(text) > 12:
        field.value = text
        await pilot.pause()
        return
    await pilot.press("end")
    for _ in range(len(field.value)):
        await pilot.press("backspace")
    await pilot.press(*list(text))


def _summary_settled(screen: DataScreen) -> bool:
    return screen.pending_id is None and screen._timer is None and screen.summary is not None


# -- pure parts --------------------------------------------------------------------------------------


def test_groups_cover_every_dataset_once() -> None:
    names = [n for _, group in GROUPS for n in group]
    assert sorted(names) == sorted(DATASETS) and len(names) == len(set(names))


def test_fields_per_source_and_messages() -> None:
    assert applicable_fields("spiral")[:3] == ["options.n_samples", "options.noise", "options.features"]
    assert "path" in applicable_fields("csv") and "target" in applicable_fields("csv")
    assert "options.noise" not in applicable_fields("iris")
    assert "options.num_words" in applicable_fields("imdb") and "options.scaling" not in applicable_fields("imdb")
    assert applicable_fields("digits")[-1] == "validation_split"
    noise = field_info("options.noise")
    assert parse_value(noise, "25") == 0.25 and parse_value(noise, "") is None
    with pytest.raises(ValueError, match=r"data\.options\.noise = '70': allowed 0–50 %"):
        parse_value(noise, "70")
    with pytest.raises(
        ValueError, match=r"data\.options\.n_samples = 'lots' is not a whole number: allowed 10–1000000"
    ):
        parse_value(field_info("options.n_samples"), "lots")
    with pytest.raises(ValueError, match=r"data\.validation_split = '1': allowed from 0 to below 1"):
        parse_value(field_info("validation_split"), "1")
    assert parse_value(field_info("options.image_size"), "32x48") == [32, 48]
    assert field_info("options.scaling").allowed() == "none, minmax or standardize"
    assert "points generated" in field_info("options.n_samples").help  # from DataOptions' docstring


def test_adapt_model_to_2d_and_regression_and_flat_data() -> None:
    mlp = load_experiment("digits-mlp")
    spiral = {"task": "classification", "n_classes": 2, "kind": "points", "input_shape": [2]}
    new, changes = adapt_model(mlp, spiral)
    assert new.model.layers[-1].config["units"] == 2 and new.model.layers[-1].config["activation"] == "softmax"
    assert changes == ["output layer 4 dense_2 (Dense): units 10 → 2"]
    assert adapt_model(new, spiral) == (new, [])
    cnn = load_experiment("digits-cnn")
    new, changes = adapt_model(cnn, spiral)
    assert [l.class_name for l in new.model.layers] == ["Flatten", "Dense", "Dense"]
    assert "removed layer 1 conv2d (Conv2D)" in changes[0] and "2 features" in changes[0]
    reg = {"task": "regression", "n_classes": None, "kind": "points", "input_shape": [2]}
    new, changes = adapt_model(mlp, reg)
    assert new.compile.loss == "mean_squared_error" and new.compile.metrics == ["mean_absolute_error"]
    assert new.model.layers[-1].config["units"] == 1 and "activation" not in new.model.layers[-1].config
    binary = load_experiment("breast-cancer-mlp")
    assert binary.compile.loss == "binary_crossentropy"
    new, changes = adapt_model(binary, {"task": "classification", "n_classes": 3, "kind": "table", "input_shape": [4]})
    assert new.compile.loss == "sparse_categorical_crossentropy"
    assert new.model.layers[-1].config == {"units": 3, "activation": "softmax"}
    assert changes[0] == "loss binary_crossentropy → sparse_categorical_crossentropy (3 classes)"


DATA_KINDS = {
    "spiral": {"task": "classification", "n_classes": 2, "kind": "points", "input_shape": [2]},
    "iris": {"task": "classification", "n_classes": 3, "kind": "table", "input_shape": [4]},
    "breast_cancer": {"task": "classification", "n_classes": 2, "kind": "table", "input_shape": [30]},
    "diabetes": {"task": "regression", "n_classes": None, "kind": "table", "input_shape": [10]},
    "digits": {"task": "classification", "n_classes": 10, "kind": "images", "input_shape": [8, 8, 1]},
    "cifar100": {"task": "classification", "n_classes": 100, "kind": "images", "input_shape": [32, 32, 3]},
}


def test_adapted_presets_pass_the_head_checks_on_every_kind_of_data() -> None:
    """Every shipped preset (but the token-sequence one), adapted to each kind of data, has no error
    finding about its output, loss or input rank (the core pre-flight rules with shape inference)."""
    import math

    from tuidl.core.checks import DataInfo, check
    from tuidl.core.presets import experiment_presets
    from tuidl.engine.data import FLAT_INPUT_LAYERS

    for preset in experiment_presets():
        if preset.startswith("imdb"):
            continue  # an Embedding model needs token ids; adapting it to other data is not offered
        exp = load_experiment(preset)
        for data_name, d in DATA_KINDS.items():
            new, _ = adapt_model(exp, d)
            shape = tuple(d["input_shape"])
            if len(shape) > 1 and new.model.layers[0].class_name in FLAT_INPUT_LAYERS:
                shape = (math.prod(shape),)
            info = DataInfo(shape, d["task"], d["n_classes"], (), d["task"] == "classification", 10)
            errors = [
                f.message
                for f in check(new, info)
                if f.severity == "error" and "is larger than its input" not in f.message
            ]  # a CNN too deep for 8x8: not the head
            assert not errors, (preset, data_name, errors)


# -- pilot, fake engine ------------------------------------------------------------------------------


async def test_choose_spiral_set_noise_escape_applies(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await _open(pilot)
        assert screen.panel.info["name"] == "digits" and "✓ digits" in screen.state_text
        await _choose_by_keys(pilot, screen, "spiral")
        await wait_for(
            pilot,
            lambda: _summary_settled(screen) and screen.summary.data.get("name") == "spiral",
            what="spiral summary",
        )
        panel = screen.panel
        assert panel.info["kind"] == "points" and panel.info["n_train"] == 400 and panel.info["n_val"] == 100
        assert "o negative (-1)" in _plain(panel.query_one("#data-samples", Static))
        # the model (10 softmax units) does not fit two classes: the finding is shown here, and 'a' fixes it
        assert "has 10 units but the data has 2 classes" in screen.findings_text()
        assert "has 10 units" in _plain(screen.query_one("#data-findings", Static))
        # noise 0 -> 30 %: a new Summary, and its samples differ
        points_before = panel.info["points"]
        await _type(pilot, screen, "options.noise", "30")
        await wait_for(
            pilot,
            lambda: (
                _summary_settled(screen)
                and screen.exp.data.options.noise == 0.3
                and screen.summary_exp is not None
                and screen.summary_exp.data.options.noise == 0.3
            ),
            what="noise summary",
        )
        assert panel.info["points"] != points_before and "noise 30%" in panel.info["description"]
        await pilot.press("escape")  # applies from anywhere, also from a field
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen), what="back on the dashboard")
        assert app.exp.data.name == "spiral" and app.exp.data.options.noise == 0.3
        assert app.exp.model.layers[-1].config["units"] == 10  # not adapted: nothing silent


async def test_adapt_key_and_debounce_and_stale_answers(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await _open(pilot)
        engine: DataEngine = app.client  # type: ignore[assignment]
        await _choose_by_keys(pilot, screen, "xor")
        await wait_for(pilot, lambda: _summary_settled(screen) and screen.summary.data.get("name") == "xor")
        assert "has 10 units but the data has 2 classes" in screen.findings_text()
        n = len(engine.data_requests)
        await _type(pilot, screen, "options.n_samples", "240")  # 3 keystrokes, debounced
        await wait_for(pilot, lambda: _summary_settled(screen) and screen.summary.data["n_train"] == 192)
        # how many requests the debounce let through depends on the machine's load; what counts is that
        # the last one asked for what was typed last and its answer is the one shown
        sent = engine.data_requests[n:]
        assert sent and sent[-1]["options"]["n_samples"] == 240
        # a stale answer (an older request id) is dropped
        old = ev.Summary(screen.summary.request_id, (2,), (), 0, 0, 0, {"name": "stale"})
        assert not screen.deliver_summary(old) and screen.panel.info["name"] == "xor"
        screen.query_one("#datasets").focus()  # letters typed in a field go into it; 'a' acts elsewhere
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: (
                _summary_settled(screen)
                and screen.exp.model.layers[-1].config["units"] == 2
                and screen.summary_exp == screen.exp
            ),
        )
        assert screen.findings_text() == "" or "units" not in screen.findings_text()
        assert "the model fits" in screen.state_text
        await pilot.press("t")  # apply and train
        await wait_for(
            pilot,
            lambda: not isinstance(app.screen, DataScreen) and app.dashboard.status.state == "completed",
            what="trained",
        )
        from tuidl.core.protocol import Train

        train = [r for r in engine.requests if isinstance(r, Train)][-1]
        assert train.spec["data"]["name"] == "xor" and train.spec["model"]["layers"][-1]["config"]["units"] == 2


async def test_invalid_values_named_and_missing_csv(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await _open(pilot)
        await _choose_by_keys(pilot, screen, "spiral")
        await wait_for(pilot, lambda: _summary_settled(screen))
        await _type(pilot, screen, "options.noise", "70")
        await wait_for(pilot, lambda: "data.options.noise = '70': allowed 0–50 %" in screen.state_text)
        assert screen.form.error_text("options.noise") == "data.options.noise = '70': allowed 0–50 %"
        assert screen.exp.data.options.noise == 0.07  # "7" was applied as typed; "70" is not
        await _type(pilot, screen, "options.noise", "5")
        await wait_for(pilot, lambda: not screen.invalid and _summary_settled(screen))
        # csv: no path and no target yet -> named in the form and the panel, nothing sent
        await _choose_by_keys(pilot, screen, "csv")
        assert {p for p, _ in screen.problems} == {"path", "target"}
        err = screen.panel.info["error"]
        assert "data.path" in err["message"] and "data.target" in err["message"]
        assert "set data.path" in screen.form.error_text("path")
        # a path that does not exist: the engine's DataError shows as the panel's error
        missing = tmp_path / "nope.csv"
        await _type(pilot, screen, "path", str(missing))
        await _type(pilot, screen, "target", "label")
        await wait_for(pilot, lambda: screen.failure is not None and screen.pending_id is None, what="failure")
        info = screen.panel.info
        assert info["name"] == "csv" and "nope.csv" in info["error"]["message"]
        text = _plain(screen.panel.query_one("#data-error", Static))
        assert "nope.csv" in text and "hint:" in text
        assert "cannot load csv" in screen.state_text
        # a real file then loads
        good = tmp_path / "t.csv"
        good.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)), encoding="utf-8")
        await _type(pilot, screen, "path", str(good))
        await wait_for(
            pilot,
            lambda: _summary_settled(screen) and screen.failure is None and screen.panel.info.get("name") == "csv",
            what="csv loaded",
        )
        assert screen.panel.info["n_train"] + screen.panel.info["n_val"] == 40
        # escape applies
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen))
        assert app.exp.data.name == "csv" and app.exp.data.path == str(good) and app.exp.data.target == "label"


async def test_escape_with_invalid_settings_warns_then_keeps_the_last_valid(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await _choose_by_keys(pilot, screen, "npz")
        assert screen.problems and screen.exp.data.name == "digits"
        screen.query_one("#datasets").focus()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DataScreen)  # warned, still here
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen))
        assert app.exp.data.name == "digits"


async def test_engine_loading_is_said(tmp_path: Path) -> None:
    app = TuidlApp(
        load_experiment("digits-mlp"), runs_dir=tmp_path / "runs", client_factory=lambda: DataEngine(ready=False)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.client is not None and app.client.started)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        screen: DataScreen = app.screen  # type: ignore[assignment]
        # (the fake answers at once even when "loading"; hold the answer back to see the state)
        screen.pending_id = -999
        screen._show_state()
        assert "engine loading" in screen.state_text
        app.training = True
        app.engine_ready = True
        screen._show_state()
        assert "also training a run" in screen.state_text
        app.training = False
        await pilot.press("d")  # a second d does not stack another data screen
        await pilot.pause()
        assert sum(isinstance(s, DataScreen) for s in app.screen_stack) == 1


async def test_every_local_dataset_chosen_by_keys_shows_in_the_panel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Playground set, each bundled set and a planted Keras-cache mnist, chosen with the keys."""
    import numpy as np

    home = tmp_path / "keras-home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    rng = np.random.default_rng(0)
    np.savez_compressed(
        home / "datasets" / "mnist.npz",
        x_train=rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        y_train=(np.arange(40) % 10).astype(np.uint8),
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=(np.arange(10) % 10).astype(np.uint8),
    )
    app = _app(tmp_path)
    names = [
        n
        for title, group in GROUPS
        if not title.startswith("Your")
        for n in group
        if n not in ("fashion_mnist", "cifar10", "cifar100", "boston_housing", "california_housing", "imdb")
    ]
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await _open(pilot)
        for name in names:
            await _choose_by_keys(pilot, screen, name)
            await wait_for(
                pilot,
                lambda: _summary_settled(screen) and screen.panel.info.get("name") == name,
                what=f"{name} in the panel",
            )
            info = screen.panel.info
            assert "error" not in info and info["n_train"] > 0, name
            samples = screen.panel.query_one("#data-samples", Static)
            hist = _plain(screen.panel.query_one("#data-histogram", Static))
            if info["task"] == "classification":
                assert "Baseline" in hist and "the number to beat" in hist, name
            else:
                assert "predicting the training mean gives MSE" in hist, name
            if info["kind"] in ("points", "images"):
                assert not samples.has_class("-empty"), name
            if name == "mnist":
                assert info["input_shape"] == [28, 28, 1] and "▀" in _plain(samples)
            assert screen.exp.data.name == name


async def test_a_summary_lost_with_a_dead_engine_is_asked_again(tmp_path: Path) -> None:
    class Mute(DataEngine):
        """Never answers the data screen (its requester), as if busy when it dies."""

        def send(self, request: Any) -> bool:
            from tuidl.core.protocol import Summarize

            if isinstance(request, Summarize) and request.requester == "data-screen":
                self.requests.append(request)
                return self.alive
            return super().send(request)

    made: list[DataEngine] = []

    def factory() -> DataEngine:
        made.append(Mute() if not made else DataEngine())
        return made[-1]

    app = TuidlApp(load_experiment("digits-mlp"), runs_dir=tmp_path / "runs", client_factory=factory)
    async with app.run_test(size=(100, 36)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        screen = next(s for s in app.screen_stack if isinstance(s, DataScreen))
        await wait_for(pilot, lambda: screen.pending_id is not None and screen._timer is None)
        await pilot.pause()
        assert screen.summary is None and "loading digits" in screen.state_text
        made[0]._exit(-11, expected=False)  # the engine dies; the App starts a fresh one
        await wait_for(
            pilot,
            lambda: len(made) == 2 and screen.summary is not None and screen.pending_id is None,
            what="asked the fresh engine",
        )
        assert screen.panel.info["name"] == "digits"


def test_binding_in_palette_and_footer() -> None:
    ids = {b.id for b in TuidlApp.BINDINGS}
    assert "data" in ids


# -- the real engine -----------------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.slow
async def test_iris_with_the_real_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    app = TuidlApp(load_experiment("digits-mlp").with_overrides({"fit.epochs": 2}), runs_dir=tmp_path / "runs")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
            screen: DataScreen = app.screen  # type: ignore[assignment]
            await wait_for(pilot, lambda: _summary_settled(screen), timeout=180, what="engine summary")
            await _choose_by_keys(pilot, screen, "iris")
            await wait_for(
                pilot,
                lambda: _summary_settled(screen) and screen.panel.info.get("name") == "iris",
                timeout=60,
                what="iris",
            )
            info = screen.panel.info
            assert info["n_train"] + info["n_val"] == 150 and info["n_val"] == 30
            hist = _plain(screen.panel.query_one("#data-histogram", Static))
            assert "Classes (training split, 120 samples)" in hist and "Baseline" in hist
            assert "has 10 units but the data has 3 classes" in screen.findings_text()
            screen.query_one("#datasets").focus()
            await pilot.press("a")
            await wait_for(
                pilot, lambda: _summary_settled(screen) and screen.summary_exp == screen.exp, timeout=60, what="adapted"
            )
            assert not any(f.severity == "error" for f in screen.findings)
            assert screen.summary.rows[-1].output_shape == (3,)
            # a missing CSV: the engine's message in the panel
            await _choose_by_keys(pilot, screen, "csv")
            await _type(pilot, screen, "path", str(tmp_path / "missing.csv"))
            await _type(pilot, screen, "target", "y")
            await wait_for(pilot, lambda: screen.failure is not None and screen.pending_id is None, timeout=60)
            assert "missing.csv" in screen.panel.info["error"]["message"]
            await _choose_by_keys(pilot, screen, "iris")
            await wait_for(pilot, lambda: _summary_settled(screen) and screen.failure is None, timeout=60)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, DataScreen))
            assert app.exp.data.name == "iris" and app.exp.model.layers[-1].config["units"] == 3
            # and it trains on iris
            await pilot.press("t")
            await wait_for(pilot, lambda: app.dashboard.status.state == "completed", timeout=120, what="trained")
            run = next(p for p in (tmp_path / "runs").iterdir() if p.is_dir())
            assert 'name = "iris"' in (run / "spec.toml").read_text(encoding="utf-8")
    finally:
        app.shutdown_engine()
