"""Pre-flight rules of compile and fit: the optimizer and its learning rate (also inside a schedule), the
callbacks; and the float form Keras wants of an optimizer's config (:func:`float_optimizer_config`)."""

from __future__ import annotations

import math
from typing import Any, Iterable

from tuidl.core.catalog import CALLBACKS, OPTIMIZERS, SCHEDULES
from tuidl.core.checks_base import DataInfo, _Collector, _resolve
from tuidl.core.errors import TuidlError
from tuidl.core.shapes import ERROR, WARNING
from tuidl.core.spec import Experiment


def _lr_values(lr: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(lr, dict):
        cfg = lr.get("config") or {}
        if "initial_learning_rate" in cfg:
            yield "learning_rate.config.initial_learning_rate", cfg["initial_learning_rate"]
        if "warmup_target" in cfg and cfg["warmup_target"] is not None:
            yield "learning_rate.config.warmup_target", cfg["warmup_target"]
        for j, v in enumerate(cfg.get("values") or ()):
            yield f"learning_rate.config.values[{j}]", v
    else:
        yield "learning_rate", lr


def _check_optimizer(c: _Collector, exp: Experiment) -> None:
    try:
        ref = _resolve("optimizers", exp.compile.optimizer, "compile.optimizer")
    except TuidlError as e:
        c.add(
            ERROR,
            f"compile.optimizer = {exp.compile.optimizer!r} is not a known optimizer preset",
            e.hint or e.message,
            None,
            "compile.optimizer",
        )
        return
    if ref is None:
        return
    cfg = ref.get("config") or {}
    info = OPTIMIZERS.get(ref["class_name"])
    lr = cfg.get("learning_rate", info.arg("learning_rate").default if info and info.arg("learning_rate") else 0.001)
    for path, v in _lr_values(lr):
        field = f"compile.optimizer.config.{path}"
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: {path} = {v!r} is not a finite number",
                "set a learning rate such as 0.001",
                None,
                field,
            )
        elif v < 0:
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: {path} = {v!r} is negative",
                "a learning rate must be > 0, e.g. 0.001",
                None,
                field,
            )
        elif v == 0:
            c.add(
                WARNING,
                f"optimizer {ref['class_name']}: {path} = 0, so the weights never change",
                "set a learning rate > 0, e.g. 0.001",
                None,
                field,
            )
    if isinstance(lr, dict):
        sched = SCHEDULES.get(lr.get("class_name", ""))
        scfg = lr.get("config") or {}
        if sched is None:
            c.add(
                ERROR,
                f"optimizer {ref['class_name']}: unknown learning-rate schedule {lr.get('class_name')!r}",
                "allowed: " + ", ".join(SCHEDULES),
                None,
                "compile.optimizer.config.learning_rate",
            )
        else:
            for a in sched.args:
                if a.name in scfg and a.name not in ("initial_learning_rate", "values"):
                    allowed = a.check(scfg[a.name])
                    if allowed is not None:
                        c.add(
                            ERROR,
                            f"schedule {sched.class_name}: {a.name} = {scfg[a.name]!r} is out of range",
                            f"allowed: {allowed}",
                            None,
                            f"compile.optimizer.config.learning_rate.config.{a.name}",
                        )
            if sched.class_name == "PiecewiseConstantDecay":
                b, v = list(scfg.get("boundaries") or []), list(scfg.get("values") or [])
                if len(v) != len(b) + 1:
                    c.add(
                        ERROR,
                        f"schedule PiecewiseConstantDecay: {len(b)} boundaries need {len(b) + 1} values, got {len(v)}",
                        "give one more value than boundaries",
                        None,
                        "compile.optimizer.config.learning_rate.config.values",
                    )
                elif any(x >= y for x, y in zip(b, b[1:])):
                    c.add(
                        ERROR,
                        f"schedule PiecewiseConstantDecay: boundaries {b} are not increasing",
                        "list the step boundaries in increasing order",
                        None,
                        "compile.optimizer.config.learning_rate.config.boundaries",
                    )
    if info is not None:
        for a in info.args:
            if a.name != "learning_rate" and a.name in cfg:
                allowed = a.check(cfg[a.name])
                if allowed is not None:
                    c.add(
                        ERROR,
                        f"optimizer {info.class_name}: {a.name} = {cfg[a.name]!r} is out of range",
                        f"allowed: {allowed}",
                        None,
                        f"compile.optimizer.config.{a.name}",
                    )


def _check_callbacks(c: _Collector, exp: Experiment, data: DataInfo | None) -> None:
    val = exp.data.validation_split > 0 and (data is None or data.n_val > 0)
    for j, cb in enumerate(exp.fit.callbacks):
        info = CALLBACKS.get(cb.class_name)
        field = f"fit.callbacks[{j}]"
        if info is None:
            c.add(
                ERROR,
                f"fit.callbacks[{j}]: unknown callback {cb.class_name!r}",
                "allowed: " + ", ".join(CALLBACKS),
                None,
                field,
            )
            continue
        for a in info.args:
            if a.name in cb.config and a.kind != "choice":
                allowed = a.check(cb.config[a.name])
                if allowed is not None:
                    c.add(
                        ERROR,
                        f"{cb.class_name}: {a.name} = {cb.config[a.name]!r} is out of range",
                        f"allowed: {allowed}",
                        None,
                        f"{field}.config.{a.name}",
                    )
        monitor = cb.config.get("monitor", "val_loss")
        metrics = list(exp.compile.metrics)
        if isinstance(monitor, str) and all(isinstance(m, str) for m in metrics):
            # the logs Keras writes for this compile (metric strings are their own log names)
            logs = ["loss", *metrics]
            logs += [f"val_{k}" for k in logs]
            if monitor not in (*logs, "learning_rate"):
                c.add(
                    ERROR,
                    f"{cb.class_name} watches {monitor!r}, a log this run does not write (Keras refuses it at the "
                    "first epoch's end)",
                    "allowed: " + ", ".join(logs),
                    None,
                    f"{field}.config.monitor",
                )
                continue
        if isinstance(monitor, str) and monitor.startswith("val_") and not val:
            c.add(
                WARNING,
                f"{cb.class_name} watches {monitor!r} but there is no validation data "
                f"(data.validation_split = {exp.data.validation_split})",
                f"set data.validation_split > 0 or monitor = {monitor[4:]!r}",
                None,
                f"{field}.config.monitor",
            )


_KERAS_FLOAT_KEYS = frozenset(
    {
        a.name
        for info in (*OPTIMIZERS.values(), *SCHEDULES.values())
        for a in info.args
        if a.kind in ("float", "optional_float")
    }
    | {
        "clipvalue",
        "global_clipnorm",
        "ema_momentum",
        "learning_rate_power",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "initial_accumulator_value",
    }
)
"""Optimizer and schedule arguments that Keras wants as floats (it rejects ``learning_rate=0``)."""


def float_optimizer_config(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of an optimizer's ``{class_name, config}`` with integers given for float
    arguments turned into floats, also inside a learning-rate schedule.

    TOML writes ``learning_rate = 1`` as an integer, and Keras 3 refuses an int
    learning rate ("Argument `learning_rate` should be float, or an instance of
    LearningRateSchedule ..."). Booleans are left alone. ``None`` -> ``None``.
    """
    if ref is None:
        return None

    def fix(cfg: dict[str, Any]) -> dict[str, Any]:
        out = dict(cfg)
        for key, v in cfg.items():
            if isinstance(v, dict) and key == "learning_rate":
                out[key] = {**v, "config": fix(dict(v.get("config") or {}))}
            elif key in _KERAS_FLOAT_KEYS and isinstance(v, int) and not isinstance(v, bool):
                out[key] = float(v)
            elif key == "values" and isinstance(v, list):
                out[key] = [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return out

    return {**ref, "config": fix(dict(ref.get("config") or {}))}
