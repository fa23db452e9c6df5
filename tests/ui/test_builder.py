"""Pilot tests of the builder screen: every operation by keys, with a fake summary source."""

from __future__ import annotations

import random
import time
from typing import Any, Callable

from textual.app import App

from tuidl.core.checks import DataInfo, estimate_summary
from tuidl.core.events import Summary
from tuidl.core.presets import load_experiment
from tuidl.core.spec import Experiment
from tuidl.ui.screens.builder import BuilderScreen
from tuidl.ui.widgets.layer_list import LayerList

FLAT_FIRST = {
    "Dense",
    "Dropout",
    "GaussianNoise",
    "BatchNormalization",
    "LayerNormalization",
    "Activation",
    "LeakyReLU",
    "PReLU",
}


def digits_source(calls: list[int] | None = None) -> Callable[[Experiment, int], Summary]:
    """A fake engine: digits-shaped data (8x8x1, flattened for a flat first layer), core shapes."""

    def source(exp: Experiment, request_id: int) -> Summary:
        if calls is not None:
            calls.append(request_id)
        first = exp.model.layers[0].class_name if exp.model.layers else None
        shape = (64,) if first in FLAT_FIRST else (8, 8, 1)
        return estimate_summary(exp, DataInfo(shape, "classification", 10), request_id)

    return source


class Host(App[None]):
    def __init__(self, exp: Experiment, source: Any) -> None:
        super().__init__()
        self.exp = exp
        self.source = source
        self.result: Experiment | None = None

    def on_mount(self) -> None:
        def done(result: Experiment | None) -> None:
            self.result = result

        self.push_screen(BuilderScreen(self.exp, summary_source=self.source), done)


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await pilot.pause()


def builder(app: App) -> BuilderScreen:
    screen = app.screen
    assert isinstance(screen, BuilderScreen), screen
    return screen


async def settle(pilot: Any, app: App) -> BuilderScreen:
    """Wait until the summary shown matches the current experiment."""
    await pilot.pause()
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, BuilderScreen) and app.screen.pending_id is None and app.screen._timer is None,
    )
    return builder(app)


async def add(pilot: Any, app: App, query: str) -> None:
    await pilot.press("a")
    await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
    await pilot.press(*query)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))


async def set_field(pilot: Any, app: App, name: str, text: str) -> None:
    """Focus field ``name`` of the layer editor, replace its text, go back to the list."""
    b = builder(app)
    field = b.query_one(f"#editor-body #arg-{name}")
    field.focus()
    await pilot.pause()
    field.value = text
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen.focused, LayerList))


async def test_build_digits_cnn_by_keys() -> None:
    app = Host(Experiment(name="cnn"), digits_source())
    async with app.run_test(size=(120, 40)) as pilot:
        b = await settle(pilot, app)
        assert "no layers" in b.findings_text()
        await add(pilot, app, "conv2d")
        await set_field(pilot, app, "filters", "16")
        b = await settle(pilot, app)
        assert b.summary.rows[0].output_shape == (6, 6, 16)
        assert b.summary.rows[0].params == 160
        await add(pilot, app, "maxpool")
        await add(pilot, app, "flatten")
        await add(pilot, app, "dense")
        await set_field(pilot, app, "units", "10")
        b = await settle(pilot, app)
        # Dense(10) without softmax: from_logits mismatch blocks training
        assert b.blocked and "not probabilities" in b.findings_text()
        b.query_one("#editor-body #arg-activation").value = "softmax"
        b = await settle(pilot, app)
        assert not b.blocked, b.findings_text()
        assert [r.output_shape for r in b.summary.rows] == [(6, 6, 16), (3, 3, 16), (144,), (10,)]
        assert b.summary.total_params == 160 + 144 * 10 + 10
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not None)
        assert [l.class_name for l in app.result.model.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]


def classes(b: BuilderScreen) -> list[str]:
    return [l.class_name for l in b.exp.model.layers]


async def test_remove_move_duplicate_undo_redo_by_keys() -> None:
    app = Host(load_experiment("digits-cnn"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        assert b.summary.total_params == 13706 and not b.findings
        start = classes(b)
        await pilot.press("down", "down", "d")  # duplicate conv2d_1
        b = await settle(pilot, app)
        assert classes(b) == start[:3] + ["Conv2D"] + start[3:] and b.cursor == 3
        assert b.summary.rows[3].params == 32 * 9 * 32 + 32
        await pilot.press("x")  # remove it again
        b = await settle(pilot, app)
        assert classes(b) == start and b.summary.total_params == 13706
        assert b.cursor == 3  # the row after the removed one
        await pilot.press("up", "K")  # move conv2d_1 above the first pooling
        b = await settle(pilot, app)
        assert classes(b)[:3] == ["Conv2D", "Conv2D", "MaxPooling2D"] and b.cursor == 1
        assert b.summary.rows[1].params == 16 * 9 * 32 + 32
        await pilot.press("J")
        b = await settle(pilot, app)
        assert classes(b) == start
        await pilot.press("ctrl+z", "ctrl+z")  # undo the move back down, then the move up
        b = await settle(pilot, app)
        assert classes(b) == start
        await pilot.press("ctrl+z")  # undo the removal: the duplicate is back
        b = await settle(pilot, app)
        assert classes(b) == start[:3] + ["Conv2D"] + start[3:]
        await pilot.press("ctrl+y")
        b = await settle(pilot, app)
        assert classes(b) == start
        # removing the Flatten gives a Dense head on a 4-D tensor: an error finding, shown in the list
        await pilot.press("down", "down", "x")
        b = await settle(pilot, app)
        assert "Flatten" not in classes(b)
        assert b.blocked and "4-D tensor" in b.findings_text()
        assert "✗" in str(b.query_one(LayerList).get_row_at(4)[0])


async def test_editing_a_field_typing_is_one_undo_step() -> None:
    app = Host(load_experiment("digits-cnn"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        await pilot.press(*["down"] * 6, "e")  # the output Dense: focus its first field (units)
        await wait_for(pilot, lambda: getattr(app.screen.focused, "id", "") == "arg-units")
        await pilot.press("ctrl+u", "5")
        b = await settle(pilot, app)
        assert b.exp.model.layers[6].config["units"] == 5
        assert "has 5 units but the data has 10 classes" in b.findings_text() and b.blocked
        await pilot.press("0")  # 50: coalesced with the 5 above
        b = await settle(pilot, app)
        assert b.summary.rows[6].params == 64 * 50 + 50
        await pilot.press("backspace")
        await pilot.press("0")  # "50" -> "5" -> "50"; then make it invalid
        await pilot.press("ctrl+u", "0")
        await pilot.pause()
        form = b.query_one("#editor-body ArgForm")
        assert "must be an integer >= 1" in form.error_text("units")
        assert b.exp.model.layers[6].config["units"] == 50  # an invalid value is not applied
        await pilot.press("ctrl+u", "1", "0", "escape")
        b = await settle(pilot, app)
        assert not b.blocked and b.summary.total_params == 13706
        await pilot.press("ctrl+z")  # one step back: the whole typing in units
        b = await settle(pilot, app)
        assert b.exp.model.layers[6].config["units"] == 10
        assert b.exp == load_experiment("digits-cnn")


async def test_apply_initializer_to_all_layers() -> None:
    app = Host(load_experiment("digits-cnn"), digits_source())
    async with app.run_test(size=(100, 40)) as pilot:
        b = await settle(pilot, app)
        form = b.query_one("#editor-body ArgForm")
        form.query_one("#arg-kernel_initializer").value = "lecun-normal"
        b = await settle(pilot, app)
        await pilot.click("#all-kernel_initializer")
        b = await settle(pilot, app)
        inits = [l.config.get("kernel_initializer") for l in b.exp.model.layers if l.class_name in ("Conv2D", "Dense")]
        assert inits == ["lecun-normal"] * 4
        form = b.query_one("#editor-body ArgForm")
        form.query_one("#arg-kernel_regularizer").value = "__custom__"
        # as a person would: type once the custom field is there and its own first text is applied
        await wait_for(pilot, lambda: bool(form.query("#custom-kernel_regularizer")))
        b = await settle(pilot, app)
        custom = form.query_one("#custom-kernel_regularizer")
        custom.value = "L1L2(l1=0.01, l2=0.02)"
        want = {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}
        await wait_for(pilot, lambda: builder(app).exp.model.layers[0].config.get("kernel_regularizer") == want)
        b = await settle(pilot, app)
        assert b.exp.model.layers[0].config["kernel_regularizer"] == want
        custom.value = "Nope(x=1)"
        await pilot.pause()
        assert "not one of" in form.error_text("kernel_regularizer")


async def test_compile_and_fit_settings() -> None:
    app = Host(load_experiment("digits-cnn"), digits_source())
    async with app.run_test(size=(100, 50)) as pilot:
        b = await settle(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        t = b.query_one("#training-form")
        t.query_one("#optimizer-form #arg-learning_rate").value = "0.01"
        # a value set in code reaches the screen as a message: wait for it, not only for a quiet screen
        b = await drain(
            pilot, app, lambda: getattr(builder(app).exp.compile.optimizer, "config", {}).get("learning_rate") == 0.01
        )
        assert b.exp.compile.optimizer.class_name == "Adam"
        assert b.exp.compile.optimizer.config["learning_rate"] == 0.01
        t.query_one("#optimizer-form #arg-learning_rate").value = "-1"
        b = await drain(
            pilot, app, lambda: "must be a number >= 0" in t.query_one("#optimizer-form").error_text("learning_rate")
        )
        assert "must be a number >= 0" in t.query_one("#optimizer-form").error_text("learning_rate")
        t.query_one("#schedule").value = "ExponentialDecay"
        b = await drain(
            pilot, app, lambda: isinstance(builder(app).exp.compile.optimizer.config["learning_rate"], dict)
        )
        lr = b.exp.compile.optimizer.config["learning_rate"]
        assert lr["class_name"] == "ExponentialDecay" and lr["config"]["initial_learning_rate"] == 0.01
        t = b.query_one("#training-form")
        t.query_one("#schedule-form #arg-decay_steps").value = "50"
        b = await drain(
            pilot,
            app,
            lambda: builder(app).exp.compile.optimizer.config["learning_rate"]["config"].get("decay_steps") == 50,
        )
        assert b.exp.compile.optimizer.config["learning_rate"]["config"]["decay_steps"] == 50
        t.query_one("#from-logits").value = True
        b = await drain(pilot, app, lambda: not isinstance(builder(app).exp.compile.loss, str))
        assert b.exp.compile.loss.config == {"from_logits": True}
        assert "applied twice" in b.findings_text() and b.blocked
        t.query_one("#from-logits").value = False
        t.query_one("#fit-form #arg-epochs").value = "3"
        t.query_one("#fit-form #arg-validation_split").value = "0.25"
        t.query_one("#cb-EarlyStopping").value = True
        b = await settle(pilot, app)
        t.query_one("#cb-form-EarlyStopping #arg-patience").value = "2"
        t.query_one("#cb-form-EarlyStopping #arg-restore_best_weights").value = True
        t.query_one("#cb-TerminateOnNaN").value = False
        b = await settle(pilot, app)
        assert b.exp.fit.epochs == 3 and b.exp.data.validation_split == 0.25 and not b.blocked
        cbs = {c.class_name: c.config for c in b.exp.fit.callbacks}
        assert cbs == {"EarlyStopping": {"patience": 2, "restore_best_weights": True}}  # monitor: Keras default
        t.query_one("#loss").value = "categorical_crossentropy"
        b = await settle(pilot, app)
        assert b.exp.compile.loss == "categorical_crossentropy" and "needs one-hot labels" in b.findings_text()
        # the experiment round-trips through TOML exactly
        from tuidl.core.spec import loads

        assert loads(b.exp.to_toml()) == b.exp


async def test_save_and_open_presets(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path))
    app = Host(Experiment(name="scratch"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        await add(pilot, app, "flatten")
        await add(pilot, app, "dense")
        await set_field(pilot, app, "units", "10")
        b.query_one("#editor-body #arg-activation").value = "softmax"
        b = await settle(pilot, app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        await pilot.press("ctrl+u", *"my mlp", "enter")  # a space is not allowed in a name
        await pilot.pause()
        assert "letters, digits" in str(app.screen.query_one("#save-error").render())
        await pilot.press("ctrl+u", *"my-mlp", "enter")
        await wait_for(pilot, lambda: (tmp_path / "my-mlp.toml").is_file())
        b = builder(app)
        saved = load_experiment(str(tmp_path / "my-mlp.toml"))
        assert saved == b.exp and saved.name == "my-mlp"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        await pilot.press(*"digits-cnn", "enter")
        b = await settle(pilot, app)
        assert b.exp == load_experiment("digits-cnn") and b.summary.total_params == 13706
        await pilot.press("ctrl+z")  # opening is undoable
        b = await settle(pilot, app)
        assert b.exp.name == "my-mlp"


async def _export_from_builder(pilot: Any, app: Any, target: str) -> BuilderScreen:
    """Open the builder in the App, press E and answer the file prompt with ``target``."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))
    b = await settle(pilot, app)
    await pilot.press("E")
    await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
    await pilot.press("ctrl+u", *target, "enter")
    return b


async def test_export_key_asks_the_engine_and_shows_what_it_wrote(tmp_path, make_app, monkeypatch) -> None:
    """E sends an Export request (the engine writes the script and loads the data; the UI
    process loads none) and the App shows the answer."""
    from tuidl.core.protocol import Export

    monkeypatch.chdir(tmp_path)
    app = make_app(load_experiment("digits-mlp"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _export_from_builder(pilot, app, "sub/out.py")
        (fake,) = app.fakes
        await wait_for(pilot, lambda: any(isinstance(r, Export) for r in fake.requests))
        (req,) = [r for r in fake.requests if isinstance(r, Export)]
        target = tmp_path / "sub" / "out.py"
        assert req.path == str(target)  # absolute: the engine's folder is not the UI's concern
        assert req.spec == load_experiment("digits-mlp").model_dump() and req.request_id == 1
        await wait_for(pilot, lambda: any(n.title == "Exported" for n in app._notifications), timeout=10)
        note = next(n for n in app._notifications if n.title == "Exported")
        assert note.message == f"wrote {target}; run it with: python {target}"
        assert "keras.layers.Dense(units=64" in target.read_text()  # the fake engine wrote it
        assert isinstance(app.screen, BuilderScreen)  # the builder stays open


async def test_export_failure_from_the_engine_is_shown_in_a_modal(tmp_path, make_app) -> None:
    from tuidl.core.events import ExportFailed
    from tuidl.ui.modals import ErrorModal

    failure = ExportFailed(0, "data", "Data error", "data.path = 'x.csv': no such file", "check the path")
    app = make_app(load_experiment("digits-mlp"), export_failure=failure)
    async with app.run_test(size=(80, 24)) as pilot:
        await _export_from_builder(pilot, app, str(tmp_path / "out.py"))
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), timeout=10)
        modal = app.screen
        assert (modal.error_title, modal.message, modal.hint) == (failure.title, failure.message, failure.hint)
        assert not (tmp_path / "out.py").exists()


async def test_export_while_the_engine_loads_is_sent_and_done_when_ready(tmp_path, make_app) -> None:
    app = make_app(load_experiment("digits-mlp"), ready=False)
    async with app.run_test(size=(80, 24)) as pilot:
        target = tmp_path / "out.py"
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))
        await pilot.pause()
        await pilot.press("E")
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        await pilot.press("ctrl+u", *str(target), "enter")
        await wait_for(pilot, lambda: any("when it is ready" in str(n.message) for n in app._notifications))
        assert not target.exists()
        app.fakes[0].make_ready()
        await wait_for(pilot, lambda: target.is_file(), timeout=10)


async def test_export_key_is_refused_while_an_error_stands(tmp_path, monkeypatch) -> None:
    """What blocks `t` blocks `E`: no prompt, no file, the reason shown (issue 8)."""
    import dataclasses

    from tuidl.core.events import Finding

    def blocked_source(exp: Experiment, request_id: int) -> Summary:
        s = digits_source()(exp, request_id)
        return dataclasses.replace(s, findings=(Finding("error", "layer 1 dense (Dense): [bad] shape"),))

    notes: list[tuple[str, str]] = []
    app = Host(load_experiment("digits-mlp"), blocked_source)
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        assert b.blocked
        monkeypatch.setattr(b, "notify", lambda message, **kw: notes.append((kw.get("title", ""), message)))
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, BuilderScreen)  # no file prompt
        assert notes == [("Export is blocked", "layer 1 dense (Dense): [bad] shape")]


async def test_bindings_have_ids_and_safe_keys() -> None:
    for b in BuilderScreen.BINDINGS:
        assert b.id, b
        for key in b.key.split(","):
            assert "alt+" not in key and key != "ctrl+enter"
            assert (
                len(key) == 1
                or key.startswith("ctrl+")
                and len(key) == 6
                or key in ("delete", "escape")
                or key.startswith("f")
            ), key


async def test_stale_summaries_are_dropped() -> None:
    pending: list[tuple[Experiment, int]] = []
    app = Host(load_experiment("digits-cnn"), lambda exp, rid: pending.append((exp, rid)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(pending) == 1)
        b = builder(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: len(pending) == 2)
        old_exp, old_id = pending[0]
        src = digits_source()
        assert not b.deliver_summary(src(old_exp, old_id))  # an answer to an older request
        assert b.summary is None
        assert b.deliver_summary(src(*pending[1]))
        # without the first Conv2D, the second sees 1 channel: 32*9*1 + 32 weights instead of 4,640
        assert b.summary.total_params == 13706 - 160 - 4640 + 320


async def test_random_key_sequences_stay_valid_or_report(monkeypatch) -> None:
    """Seeded random add/remove/move/duplicate/undo sequences by keys: never a crash, always a summary."""
    # the summary's debounce is not what this test is about: a shorter one keeps its 30 steps quick
    monkeypatch.setattr(BuilderScreen, "DEBOUNCE", 0.02)
    rng = random.Random(7)
    app = Host(load_experiment("digits-mlp"), digits_source())
    queries = [
        "dense",
        "dropout",
        "flatten",
        "conv2d",
        "batchnorm",
        "reshape",
        "lstm",
        "maxpool",
        "gru",
        "embedding",
        "prelu",
        "global",
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(30):
            op = rng.choice(["add", "x", "K", "J", "d", "ctrl+z", "ctrl+y", "up", "down"])
            if op == "add":
                await add(pilot, app, rng.choice(queries))
            else:
                await pilot.press(op)
            b = await settle(pilot, app)
            assert b.summary is not None or b.findings
            n = len(b.exp.model.layers)
            if n and not b.findings:
                assert len(b.summary.rows) == n


# -- keys on the Compile & fit tab, fast bursts, invalid field texts (newcomer's report) -------


def burst(app: App, *keys: str) -> None:
    """Send ``keys`` the way a terminal delivers a burst (tmux send-keys): all queued at once,
    with no wait between them (``pilot.press`` waits for idle after each key)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key

    for key in keys:  # the key's character as Textual's pilot computes it
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def drain(pilot: Any, app: App, cond: Callable[[], bool]) -> BuilderScreen:
    """Wait until ``cond`` holds and the summary is settled."""
    await wait_for(pilot, cond)
    return await settle(pilot, app)


def active_tab(b: BuilderScreen) -> str:
    from textual.widgets import TabbedContent

    return b.query_one(TabbedContent).active


def binding_ids(b: BuilderScreen) -> set[str]:
    return {a.binding.id for a in b.active_bindings.values() if a.binding.id}


def footer_ids(b: BuilderScreen) -> set[str]:
    return {a.binding.id for a in b.active_bindings.values() if a.binding.id and a.binding.show}


async def test_layer_keys_do_nothing_on_the_compile_and_fit_tab() -> None:
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        start = b.exp
        layer_ops = {
            "builder.add",
            "builder.remove",
            "builder.duplicate",
            "builder.move_up",
            "builder.move_down",
            "builder.edit",
        }
        assert layer_ops <= binding_ids(b)
        await pilot.press("c")
        await wait_for(pilot, lambda: active_tab(b) == "tab-training")
        assert not layer_ops & binding_ids(b)  # neither shown nor active
        assert "builder.settings" not in footer_ids(b) and "builder.model" in footer_ids(b)
        for key in ("x", "d", "K", "J", "a", "e", "delete"):
            await pilot.press(key)
        b = await settle(pilot, app)
        assert b.exp == start and isinstance(app.screen, BuilderScreen)
        await pilot.press("m")
        await wait_for(pilot, lambda: active_tab(b) == "tab-model" and isinstance(app.screen.focused, LayerList))
        assert layer_ops <= binding_ids(b) and "builder.model" not in footer_ids(b)
        await pilot.press("x")
        b = await settle(pilot, app)
        assert len(b.exp.model.layers) == len(start.model.layers) - 1


async def test_footer_at_80_columns_shows_save_open_export_and_no_builder_key() -> None:
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        shown = footer_ids(b)
        assert {"builder.save", "builder.open", "builder.export", "builder.train", "builder.add"} <= shown
        assert "builder.duplicate" not in shown and "builder.duplicate" in binding_ids(b)  # key and palette


async def test_fast_burst_after_e_lands_in_the_field_and_matches_the_model() -> None:
    """``down e ctrl+a ctrl+k 1 2 8 tab`` in one burst: the field and the model both say 128."""
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        burst(app, "down", "e", "ctrl+a", "ctrl+k", "1", "2", "8", "tab")
        b = await drain(pilot, app, lambda: getattr(app.screen.focused, "id", "") == "arg-activation")
        field = b.query_one("#editor-body #arg-units")
        assert b.exp.model.layers[1].config["units"] == 128
        assert field.value == "128"
        assert b.query_one("#editor-body ArgForm").error_text("units") == ""
        assert b.summary.rows[1].params == 64 * 128 + 128
        # the same with pilot.press (no pauses between the keys), then back to the list and on
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, LayerList))
        await pilot.press("down", "e", "ctrl+a", "ctrl+k", "4", "8", "escape", "up", "up")
        b = await drain(pilot, app, lambda: b.cursor == 0)
        assert b.exp.model.layers[2].config["units"] == 48
        await pilot.press("down", "down")
        b = await drain(pilot, app, lambda: b.cursor == 2)
        assert b.query_one("#editor-body #arg-units").value == "48"


async def test_typing_while_summaries_arrive_never_overwrites_the_field() -> None:
    """Each digit is applied and summarised while the next ones arrive; the field keeps the typing."""
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: getattr(app.screen.focused, "id", "") == "arg-units")
        for chunk in (["ctrl+a", "ctrl+k", "2"], ["5"], ["6", "backspace"], ["6"]):
            burst(app, *chunk)
            await pilot.pause()
        b = await drain(pilot, app, lambda: b.exp.model.layers[1].config["units"] == 256)
        assert b.query_one("#editor-body #arg-units").value == "256"
        await pilot.press("ctrl+z")  # undo: shown in place, the focused field is left alone...
        b = await settle(pilot, app)
        assert b.exp.model.layers[1].config["units"] == 64
        await pilot.press("escape", "ctrl+y", "ctrl+z")  # ...but a field without focus shows the model
        b = await drain(pilot, app, lambda: b.query_one("#editor-body #arg-units").value == "64")
        assert b.exp.model.layers[1].config["units"] == 64


async def test_invalid_field_text_is_an_error_finding_and_blocks_training() -> None:
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(100, 30)) as pilot:
        b = await settle(pilot, app)
        await pilot.press("down")
        await add(pilot, app, "dropout")  # layer 3
        b = await settle(pilot, app)
        assert b.exp.model.layers[2].class_name == "Dropout" and not b.blocked
        await pilot.press("e")
        await wait_for(pilot, lambda: getattr(app.screen.focused, "id", "") == "arg-rate")
        await pilot.press("ctrl+a", "ctrl+k", "1", ".", "5")
        b = await settle(pilot, app)
        text = b.findings_text()
        assert "layer 3 dropout (Dropout): rate = 1.5 not applied: must be a number >= 0 and < 1" in text
        assert "no problems" not in str(b.query_one("#findings").render())
        assert b.blocked and b.exp.model.layers[2].config["rate"] == 0.5
        await pilot.press("tab")  # leave the field: the text and the error stay
        await wait_for(pilot, lambda: getattr(app.screen.focused, "id", "") != "arg-rate")
        b = await settle(pilot, app)
        assert b.query_one("#editor-body #arg-rate").value == "1.5"
        assert "rate = 1.5 not applied" in b.findings_text()
        assert "must be a number" in b.query_one("#editor-body ArgForm").error_text("rate")
        await pilot.press("t")  # refused, with the reason
        await wait_for(pilot, lambda: any("Training is blocked" in (n.title or "") for n in app._notifications))
        assert isinstance(app.screen, BuilderScreen) and not b.train_after
        assert any("Training is blocked" in (n.title or "") for n in app._notifications)
        # correcting it clears the finding and applies the value
        field = b.query_one("#editor-body #arg-rate")
        field.focus()
        await pilot.press("ctrl+a", "ctrl+k", "0", ".", "3")
        b = await settle(pilot, app)
        assert "not applied" not in b.findings_text() and not b.blocked
        assert b.exp.model.layers[2].config["rate"] == 0.3
        # units 0 on a Dense: the same
        await pilot.press("escape", "up")
        await wait_for(pilot, lambda: b.cursor == 1)
        await pilot.press("e", "ctrl+a", "ctrl+k", "0", "escape")
        b = await settle(pilot, app)
        assert "layer 2 dense (Dense): units = 0 not applied: must be an integer >= 1" in b.findings_text()
        assert b.blocked
        # moving to another layer drops the text, with a notice naming it
        await pilot.press("down")
        b = await drain(pilot, app, lambda: "not applied" not in b.findings_text())
        assert any("units = 0 was not applied" in n.message for n in app._notifications)
        assert b.exp.model.layers[1].config["units"] == 64 and not b.blocked
        await pilot.press("t")  # nothing stands in the way now
        await wait_for(pilot, lambda: app.result is not None)
        assert app.screen is not b and b.train_after


async def test_bool_arguments_say_on_or_off() -> None:
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("down")
        b = await settle(pilot, app)
        box = b.query_one("#editor-body #arg-use_bias")
        assert str(box.label) == "on"
        box.value = False
        b = await drain(pilot, app, lambda: b.exp.model.layers[1].config.get("use_bias") is False)
        assert str(box.label) == "off" and b.summary.rows[1].params == 64 * 64


async def test_save_asks_for_description_regenerated_when_the_model_changed(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path))
    original = load_experiment("digits-mlp")
    app = Host(original, digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        await pilot.press("ctrl+s")  # model unchanged: its description is offered
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        assert app.screen.query_one("#save-description").value == original.description
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen))
        # make it a CNN: Reshape + Conv2D instead of the Flatten
        await pilot.press("x")
        b = await settle(pilot, app)
        await add(pilot, app, "reshape")
        b = await settle(pilot, app)
        await add(pilot, app, "conv2d")
        await add(pilot, app, "flatten")
        b = await settle(pilot, app)
        assert "Conv2D" in classes(b) and b.exp.model != original.model
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        described = app.screen.query_one("#save-description").value
        assert "multilayer perceptron" not in described and "Conv2D" in described
        await pilot.press("ctrl+a", "ctrl+k", *"digits-cnn2", "tab")
        await pilot.press("ctrl+a", "ctrl+k", *"My CNN", "enter")
        await wait_for(pilot, lambda: (tmp_path / "digits-cnn2.toml").is_file())
        saved = load_experiment(str(tmp_path / "digits-cnn2.toml"))
        assert saved.description == "My CNN" and saved.name == "digits-cnn2"
        b = builder(app)
        assert b.exp.description == "My CNN"
        await pilot.press("ctrl+s")  # saved just now: the new description is kept
        await wait_for(pilot, lambda: not isinstance(app.screen, BuilderScreen))
        assert app.screen.query_one("#save-description").value == "My CNN"


async def test_burst_add_then_edit_acts_on_the_new_layer() -> None:
    """``a conv2d enter e ctrl+a ctrl+k 8 escape`` in one burst: Conv2D added, its filters set to 8."""
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        b = await settle(pilot, app)
        burst(app, "down", "down", "down", "a", *"conv2d", "enter", "e", "ctrl+a", "ctrl+k", "8", "escape")
        b = await drain(
            pilot,
            app,
            lambda: (
                isinstance(app.screen, BuilderScreen)
                and len(builder(app).exp.model.layers) == 5
                and isinstance(app.screen.focused, LayerList)
            ),
        )
        b = await drain(pilot, app, lambda: b.exp.model.layers[4].config.get("filters") == 8)
        assert classes(b) == ["Flatten", "Dense", "Dense", "Dense", "Conv2D"] and b.cursor == 4
        assert b.query_one("#editor-body #arg-filters").value == "8"


async def test_burst_on_the_compile_tab_through_a_select_keeps_its_order() -> None:
    """``c tab ctrl+a ctrl+k - 1 tab``: focus goes preset -> learning_rate -> beta_1 in order; -1 is
    kept in the field and named in the findings (not applied, training blocked)."""
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(160, 48)) as pilot:
        b = await settle(pilot, app)
        burst(app, "c", "tab", "ctrl+a", "ctrl+k", "minus", "1", "tab")
        b = await drain(pilot, app, lambda: getattr(app.screen.focused, "id", "") == "arg-beta_1")
        await wait_for(pilot, lambda: "not applied" in b.findings_text())
        assert b.query_one("#optimizer-form #arg-learning_rate").value == "-1"
        assert "optimizer adam: learning_rate = -1 not applied: must be a number >= 0" in b.findings_text()
        assert b.blocked and b.exp.compile.optimizer == "adam"


async def test_choosing_from_a_dropdown_by_keys() -> None:
    """Open a layer's padding and activation lists with enter, move with down, choose with enter.

    A key that bubbles up from the open list to its Select must not be sent back down to the
    list (that looped for ever at 100 % CPU); the presses are bounded so a regression fails.
    """
    import asyncio

    app = Host(Experiment(name="cnn"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await add(pilot, app, "conv2d")
        b = await settle(pilot, app)
        for name, want in (("padding", "same"), ("activation", "relu")):
            select = b.query_one(f"#editor-body #arg-{name}")
            select.focus()
            await pilot.pause()
            await asyncio.wait_for(pilot.press("enter"), 5)
            await wait_for(pilot, lambda: select.expanded)
            for _ in range(20):  # move down until the wanted option is highlighted, then choose it
                overlay = select.query_one("SelectOverlay")
                if str(overlay.get_option_at_index(overlay.highlighted).prompt).strip() == want:
                    break
                await asyncio.wait_for(pilot.press("down"), 5)
            await asyncio.wait_for(pilot.press("enter"), 5)
            await wait_for(pilot, lambda: not select.expanded)
            b = await settle(pilot, app)
            assert b.exp.model.layers[0].config.get(name) == want, (name, b.exp.model.layers[0].config)
        assert b.summary.rows[0].output_shape == (8, 8, 32)  # padding same keeps 8x8


async def test_save_prompt_keeps_a_burst_in_order(tmp_path, monkeypatch) -> None:
    """ctrl+s, then clearing and typing the name and enter, all at once as a terminal delivers them."""
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path))
    app = Host(load_experiment("digits-mlp"), digits_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        burst(app, "ctrl+s", "ctrl+a", "ctrl+k", *"mycnn", "enter")
        await wait_for(pilot, lambda: (tmp_path / "mycnn.toml").is_file(), timeout=10)
        assert load_experiment(str(tmp_path / "mycnn.toml")).name == "mycnn"
