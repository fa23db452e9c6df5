"""Compile and fit settings of the builder: optimizer, schedule, loss, metrics, fit, callbacks.

The form shows an :class:`~tuidl.core.spec.Experiment` and, on every checked
edit, posts :class:`TrainingForm.Changed` with the edited settings (messages
up; the screen decides to keep them). The form owns only ``compile``, ``fit``
and ``data.validation_split``: the message carries those and nothing else, and
the screen puts them into *its* current experiment, so a form whose copy of
the experiment is older than the screen's (a layer edited since) can never
bring old layers back (issue 8). What it writes is Keras's own serialized
form:

* an optimizer preset stays a name (``"adam"``) until one of its fields is
  edited; then it becomes ``{class_name, config}`` with the preset's values;
* a learning-rate schedule is the optimizer's ``learning_rate =
  {class_name = "ExponentialDecay", config = {...}}``;
* ``from_logits`` makes the loss ``{class_name, config = {from_logits = true}}``;
* callbacks are ``fit.callbacks`` entries ``{class_name, config}``.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Label, Select, SelectionList, Static

from tuidl.core.catalog import CALLBACKS, LOSS_INFO, METRIC_CHOICES, OPTIMIZERS, SCHEDULES, ArgInfo, loss_info
from tuidl.core.errors import TuidlError
from tuidl.core.presets import resolve_component
from tuidl.core.spec import Experiment, from_dict
from tuidl.core.validation import pydantic_problems, spec_error
from tuidl.ui.text import plain
from tuidl.ui.widgets.arg_form import ArgForm
from tuidl.ui.widgets.form import CheckList, FieldSelect, OnOff

__all__ = ["TrainingForm", "FIT_ARGS", "settings_of", "with_settings"]

FIT_ARGS: tuple[ArgInfo, ...] = (
    ArgInfo("epochs", "int", 10, 1, 100_000, help="passes over the training data"),
    ArgInfo("batch_size", "int", 32, 1, 1_000_000, help="samples per gradient step"),
    ArgInfo(
        "validation_split",
        "float",
        0.2,
        0.0,
        1.0,
        exclusive_max=True,
        help="fraction of samples held out for validation, [0, 1)",
    ),
    ArgInfo("seed", "int", 0, 0, 2**32 - 1, help="seeds the weights and the data split (32 bits)"),
)
"""The fit settings the form edits (``validation_split`` lives in ``[data]``)."""

NO_SCHEDULE = "none"


def settings_of(exp: Experiment) -> dict[str, Any]:
    """The parts of ``exp`` that the form edits: ``{"compile", "fit", "validation_split"}``."""
    data = exp.model_dump(mode="python")
    return {"compile": data["compile"], "fit": data["fit"], "validation_split": data["data"]["validation_split"]}


def with_settings(exp: Experiment, settings: dict[str, Any]) -> Experiment:
    """``exp`` with the form's ``settings`` (see :func:`settings_of`) put in; everything else
    (the layers above all) is ``exp``'s own. Validated as a whole; keeps ``exp.source``.

    Raises:
        SpecError: the combination is not a valid experiment (in tuidl's words, naming the field).
    """
    data = exp.model_dump(mode="python")
    data["compile"] = settings["compile"]
    data["fit"] = settings["fit"]
    data["data"]["validation_split"] = settings["validation_split"]
    try:
        out = Experiment.model_validate(data)
    except ValidationError as e:
        raise spec_error("builder", pydantic_problems(e, Experiment)) from None
    out._source = exp.source
    return out


def component_label(value: Any) -> str:
    """A loss or optimizer as a Select prompt: its name or class name only (validated against
    tuidl's registry, so free of markup; a Select's prompt is read as markup)."""
    return value if isinstance(value, str) else str(getattr(value, "class_name", "custom"))


class MetricsList(CheckList):
    """The metrics to log, drawn ``[x]``/``[ ]``; keys keep their order in a burst (:mod:`tuidl.ui.widgets.typeahead`)."""


class TrainingForm(Vertical):
    """Edit ``compile`` and ``fit`` of an experiment.

    Args:
        exp: the experiment shown.
        optimizer_presets: optimizer preset names (``tuidl.core.presets.components("optimizers")``).
    """

    DEFAULT_CSS = """
    TrainingForm { height: auto; }
    TrainingForm .section { text-style: bold; color: $accent; margin: 1 0 0 0; }
    TrainingForm .row { height: auto; }
    TrainingForm .row Label { width: 21; }
    TrainingForm .row Select { width: 1fr; }
    TrainingForm SelectionList { height: auto; max-height: 10; }
    TrainingForm .cb-args.-off { display: none; }
    TrainingForm #training-error { color: $error; height: auto; }
    TrainingForm #training-error.-empty { display: none; }
    TrainingForm > .section:first-of-type { margin: 0; }
    """

    class Changed(Message):
        """Edited settings: ``settings`` holds exactly the parts the form owns, validated —
        ``{"compile": {...}, "fit": {...}, "validation_split": float}`` (as
        ``Experiment.model_dump(mode="python")`` writes them); ``key`` names the field
        (for undo coalescing). Apply them with :func:`with_settings`."""

        def __init__(self, settings: dict[str, Any], key: str) -> None:
            super().__init__()
            self.settings = settings
            self.key = key

    def __init__(self, exp: Experiment, optimizer_presets: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exp = exp
        self.optimizer_presets = optimizer_presets

    # -- reading the experiment ------------------------------------------------------------
    def _optimizer(self) -> dict[str, Any]:
        try:
            ref = resolve_component("optimizers", self.exp.compile.optimizer, "compile.optimizer")
        except TuidlError:
            ref = None
        return copy.deepcopy(ref) if ref else {"class_name": "Adam", "config": {}}

    def _schedule(self) -> dict[str, Any] | None:
        lr = self._optimizer()["config"].get("learning_rate")
        return lr if isinstance(lr, dict) else None

    def _callbacks(self) -> dict[str, dict[str, Any]]:
        return {cb.class_name: dict(cb.config) for cb in self.exp.fit.callbacks}

    # -- composition -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        exp = self.exp
        opt = self._optimizer()
        preset = exp.compile.optimizer if isinstance(exp.compile.optimizer, str) else None
        options = [(plain(n), n) for n in self.optimizer_presets]  # user preset names: data
        if preset is None:
            options.insert(0, (plain(f"edited {opt['class_name']}"), "__inline__"))
        yield Static("", id="training-error", classes="-empty")
        yield Label("Optimizer", classes="section")
        with Horizontal(classes="row"):
            yield Label("preset")
            yield FieldSelect(
                options,
                value=preset if preset in self.optimizer_presets else "__inline__",
                allow_blank=False,
                id="optimizer-preset",
                compact=True,
            )
        info = OPTIMIZERS.get(opt["class_name"])
        sched = self._schedule()
        if info is not None:
            args = tuple(a for a in info.args if not (sched and a.name == "learning_rate"))
            yield ArgForm(args, opt["config"], form_id="optimizer", id="optimizer-form")
        else:
            yield Label(plain(f"{opt['class_name']}: edit in the TOML file"), classes="dim")
        yield Label("Learning-rate schedule", classes="section")
        with Horizontal(classes="row"):
            yield Label("schedule")
            yield FieldSelect(
                [(NO_SCHEDULE, NO_SCHEDULE), *((n, n) for n in SCHEDULES)],
                value=sched["class_name"] if sched and sched.get("class_name") in SCHEDULES else NO_SCHEDULE,
                allow_blank=False,
                id="schedule",
                compact=True,
            )
        if sched and sched.get("class_name") in SCHEDULES:
            yield ArgForm(
                SCHEDULES[sched["class_name"]].args, sched.get("config") or {}, form_id="schedule", id="schedule-form"
            )
        yield Label("Loss and metrics", classes="section")
        linfo, logits = loss_info(exp.compile.loss)
        with Horizontal(classes="row"):
            yield Label("loss")
            name = linfo.name if linfo else None
            yield FieldSelect(
                [(i.name, i.name) for i in LOSS_INFO.values()],
                value=name or Select.NULL,
                allow_blank=name is None,
                prompt=component_label(exp.compile.loss),
                id="loss",
                compact=True,
            )
        with Horizontal(classes="row"):
            yield Label("from_logits")
            yield OnOff(
                logits,
                id="from-logits",
                disabled=not (linfo and linfo.from_logits),
                tooltip="the output layer gives raw scores (no softmax/sigmoid)",
            )
        yield MetricsList(*((m, m, m in exp.compile.metrics) for m in METRIC_CHOICES), id="metrics")
        yield Label("Fit", classes="section")
        yield ArgForm(
            FIT_ARGS,
            {
                "epochs": exp.fit.epochs,
                "batch_size": exp.fit.batch_size,
                "validation_split": exp.data.validation_split,
                "seed": exp.fit.seed,
            },
            form_id="fit",
            id="fit-form",
        )
        yield Label("Callbacks", classes="section")
        cbs = self._callbacks()
        for name, cinfo in CALLBACKS.items():
            with Horizontal(classes="row"):
                yield Label(name)
                yield OnOff(name in cbs, id=f"cb-{name}", tooltip=cinfo.description)
            if cinfo.args:
                yield ArgForm(
                    cinfo.args,
                    cbs.get(name, {}),
                    form_id=f"cb-{name}",
                    id=f"cb-form-{name}",
                    classes="cb-args" + ("" if name in cbs else " -off"),
                )

    # -- writing the experiment ------------------------------------------------------------
    def _commit(self, data: dict[str, Any], key: str) -> None:
        try:
            exp = from_dict(data, origin="builder")
        except TuidlError as e:
            self.query_one("#training-error", Static).update(plain(e.message))
            self.query_one("#training-error").remove_class("-empty")
            return
        self.query_one("#training-error", Static).update("")
        self.query_one("#training-error").add_class("-empty")
        exp._source = self.exp.source
        self.exp = exp
        self.post_message(self.Changed(settings_of(exp), key))

    def _data(self) -> dict[str, Any]:
        return self.exp.model_dump(mode="python")

    def _set_optimizer(self, ref: dict[str, Any], key: str) -> None:
        d = self._data()
        d["compile"]["optimizer"] = ref
        self._commit(d, key)

    @on(Select.Changed, "#optimizer-preset")
    def _preset(self, event: Select.Changed) -> None:
        event.stop()
        if event.value in self.optimizer_presets and event.value != self.exp.compile.optimizer:
            d = self._data()
            d["compile"]["optimizer"] = event.value
            self._commit(d, "compile.optimizer")
            self.refresh(recompose=True)

    @on(Select.Changed, "#schedule")
    def _schedule_changed(self, event: Select.Changed) -> None:
        event.stop()
        opt = self._optimizer()
        cur = self._schedule()
        if (cur or {}).get("class_name", NO_SCHEDULE) == event.value:
            return
        lr = opt["config"].get("learning_rate", 0.001)
        base = (
            (cur.get("config", {}).get("initial_learning_rate") or (cur.get("config", {}).get("values") or [0.001])[0])
            if isinstance(lr, dict)
            else lr
        )
        if event.value == NO_SCHEDULE:
            opt["config"]["learning_rate"] = float(base)
        else:
            info = SCHEDULES[str(event.value)]
            cfg = {a.name: copy.deepcopy(a.default) for a in info.args if a.required}
            if "initial_learning_rate" in cfg:
                cfg["initial_learning_rate"] = float(base)
            else:
                cfg["values"] = [float(base), float(base) / 2, float(base) / 10]
            opt["config"]["learning_rate"] = {"class_name": info.class_name, "config": cfg}
        self._set_optimizer(opt, "compile.optimizer.schedule")
        self.refresh(recompose=True)

    @on(ArgForm.Changed)
    def _arg_changed(self, event: ArgForm.Changed) -> None:
        event.stop()
        fid = event.form_id
        if fid == "optimizer":
            opt = self._optimizer()
            if event.value is None:
                opt["config"].pop(event.name, None)
            else:
                opt["config"][event.name] = event.value
            self._set_optimizer(opt, f"compile.optimizer.{event.name}")
        elif fid == "schedule":
            opt = self._optimizer()
            sched = opt["config"]["learning_rate"]
            if event.value is None:
                sched["config"].pop(event.name, None)
            else:
                sched["config"][event.name] = event.value
            self._set_optimizer(opt, f"compile.optimizer.schedule.{event.name}")
        elif fid == "fit":
            d = self._data()
            if event.name == "validation_split":
                d["data"]["validation_split"] = event.value
            else:
                d["fit"][event.name] = event.value
            self._commit(d, f"fit.{event.name}")
        elif fid.startswith("cb-"):
            self._write_callbacks(f"fit.callbacks.{fid[3:]}.{event.name}")

    def _write_callbacks(self, key: str) -> None:
        d = self._data()
        current = self._callbacks()
        out = []
        for name in CALLBACKS:
            if not self.query_one(f"#cb-{name}", OnOff).value:
                continue
            forms = self.query(f"#cb-form-{name}")
            cfg = dict(current.get(name, {}))
            if forms:
                cfg.update({k: v for k, v in forms.first(ArgForm).values.items() if v is not None})
            out.append({"class_name": name, "config": cfg})
        d["fit"]["callbacks"] = out
        self._commit(d, key)

    @on(Checkbox.Changed)
    def _switch(self, event: Checkbox.Changed) -> None:
        event.stop()
        sid = event.checkbox.id or ""
        if sid.startswith("cb-"):
            name = sid[3:]
            for form in self.query(f"#cb-form-{name}"):
                form.set_class(not event.value, "-off")
            if (name in self._callbacks()) != event.value:
                self._write_callbacks(f"fit.callbacks.{name}")
        elif sid == "from-logits":
            self._write_loss(key="compile.loss.from_logits")

    @on(Select.Changed, "#loss")
    def _loss(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL:
            return
        info = LOSS_INFO[str(event.value)]
        sw = self.query_one("#from-logits", OnOff)
        sw.disabled = not info.from_logits
        if not info.from_logits and sw.value:
            sw.value = False  # posts Checkbox.Changed -> _write_loss
        self._write_loss(key="compile.loss")

    def _write_loss(self, key: str) -> None:
        sel = self.query_one("#loss", Select)
        if sel.value is Select.NULL:
            return
        info = LOSS_INFO[str(sel.value)]
        logits = self.query_one("#from-logits", OnOff).value and info.from_logits
        loss: Any = {"class_name": info.class_name, "config": {"from_logits": True}} if logits else info.name
        if loss == self._data()["compile"]["loss"]:
            return
        d = self._data()
        d["compile"]["loss"] = loss
        self._commit(d, key)

    @on(SelectionList.SelectedChanged, "#metrics")
    def _metrics(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        chosen = [m for m in METRIC_CHOICES if m in event.selection_list.selected]
        keep = [m for m in self.exp.compile.metrics if m not in METRIC_CHOICES]
        if chosen + keep != list(self.exp.compile.metrics):
            d = self._data()
            d["compile"]["metrics"] = keep + chosen
            self._commit(d, "compile.metrics")
