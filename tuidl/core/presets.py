"""Presets: built-in and user experiment files and named Keras components.

Two kinds of preset:

* **Experiment presets** are TOML files (``digits-mlp.toml``) read by
  :func:`tuidl.core.spec.load`.
* **Component presets** name a Keras object in its serialized form
  ``{class_name, config}``, per family: ``optimizers``, ``initializers`` and
  ``regularizers`` (``components/<family>.toml``, one table per preset).

Built-in presets ship inside the package (``tuidl/_builtin_presets`` in a
wheel, the repository's ``presets/`` in a checkout). The user's own live in
``platformdirs.user_config_path("tuidl") / "presets"`` (same layout) and are
merged over the built-ins; ``TUIDL_PRESETS_DIR`` overrides that folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tuidl.core.components import (
    COMPONENT_KEYS,
    FAMILIES,
    NONE_CLASS,
    Family,
    KerasRef,
    builtin_dir,
    components,
    preset_names,
    resolve_component,
    user_dir,
)
from tuidl.core.errors import PresetError, TuidlError
from tuidl.core.safeio import path_problem
from tuidl.core.spec import Experiment, load

__all__ = [
    "COMPONENT_KEYS",
    "FAMILIES",
    "NONE_CLASS",
    "ExperimentPreset",
    "Family",
    "KerasRef",
    "builtin_dir",
    "check_references",
    "components",
    "experiment_presets",
    "is_resolved",
    "load_experiment",
    "preset_base",
    "preset_names",
    "resolve_component",
    "resolved",
    "run_name_for",
    "save_user_preset",
    "user_dir",
]


def _dirs() -> list[Path]:
    return [builtin_dir(), user_dir()]


@dataclass(frozen=True)
class ExperimentPreset:
    """An experiment preset file: ``name`` (the file stem), ``path``, ``builtin``."""

    name: str
    path: Path
    builtin: bool


def experiment_presets() -> dict[str, ExperimentPreset]:
    """All experiment presets by name; user files override built-ins of the same name."""
    found: dict[str, ExperimentPreset] = {}
    for i, d in enumerate(_dirs()):
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                found[p.stem] = ExperimentPreset(p.stem, p, builtin=(i == 0))
    return found


def resolve_experiment_path(name_or_path: str | Path) -> Path:
    """Turn a preset name or a file path into a file path.

    Raises:
        PresetError: neither an existing file nor a known preset name.
    """
    text = str(name_or_path)
    if not text.strip():
        raise PresetError(
            f"the preset argument is empty ({text!r}); give a preset name or a .toml file",
            title="No experiment given",
            hint="known presets: " + ", ".join(sorted(experiment_presets())),
        )
    p = Path(name_or_path)
    if p.suffix == ".toml" or os.path.lexists(p) or os.sep in text:
        problem = path_problem(p, "file")
        if problem is None:
            return p
        if problem == "does not exist":
            raise PresetError(f"{p}: no such file", title="Experiment not found")
        raise PresetError(
            f"{p}: {problem}; an experiment is a .toml file",
            title="Not an experiment file",
            hint="give a preset name or the path of a .toml file",
        )
    presets = experiment_presets()
    if str(name_or_path) in presets:
        return presets[str(name_or_path)].path
    raise PresetError(
        f"no experiment preset named {str(name_or_path)!r}; known: {', '.join(sorted(presets))}",
        hint="give a preset name or the path of a .toml file",
    )


def load_experiment(name_or_path: str | Path, overrides: list[str] | None = None) -> Experiment:
    """Load an experiment by preset name or path, apply ``--set`` overrides, check references.

    Raises:
        PresetError: unknown preset name or missing file.
        SpecError: invalid file, override or unknown component preset.
    """
    path = resolve_experiment_path(name_or_path)
    exp = load(path)
    if overrides:
        exp = exp.with_overrides(overrides)
    check_references(exp, str(path), [o.partition("=")[0].strip() for o in overrides or ()])
    return exp


def check_references(exp: Experiment, origin: str | None = None, overridden: list[str] | tuple[str, ...] = ()) -> None:
    """Check that every preset name the experiment uses exists.

    Args:
        exp: the experiment.
        origin: the file it was just loaded from, named in messages (default: none;
            an experiment changed since it was loaded may not hold the file's value).
        overridden: ``--set`` keys applied to it; a name at or under one of them
            is reported as coming from ``--set`` instead of the file.

    Raises:
        SpecError: naming the file (or ``--set``), the field path, the value and the known presets.
    """

    def where(path: str) -> str:
        for key in overridden:
            if path == key or path.startswith((key + ".", key + "[")) or key.startswith((path + ".", path + "[")):
                return f"--set: {path}"
        return f"{origin}: {path}" if origin else path

    resolve_component("optimizers", exp.compile.optimizer, where("compile.optimizer"))
    for i, layer in enumerate(exp.model.layers):
        for key, family in COMPONENT_KEYS.items():
            if key in layer.config:
                resolve_component(family, layer.config[key], where(f"model.layers[{i}].config.{key}"))


def is_resolved(exp: Experiment) -> bool:
    """Whether ``exp`` names no component preset: its optimizer and every layer component are inline.

    The experiments that come out of :func:`resolved` are; one still holding a
    preset name (the builder's, a file's) or an inline ``None`` regularizer is not.
    """
    if isinstance(exp.compile.optimizer, str) or exp.compile.optimizer.class_name == NONE_CLASS:
        return False
    for layer in exp.model.layers:
        for key in COMPONENT_KEYS:
            value = layer.config.get(key)
            if isinstance(value, str) or isinstance(value, dict) and value.get("class_name") == NONE_CLASS:
                return False
    return True


def resolved(exp: Experiment) -> Experiment:
    """A copy with every component preset name replaced by its ``{class_name, config}``.

    This is done once, where an experiment enters (``tuidl run``/``check``/``export``,
    the Python API, the engine's requests); everything below it (building,
    compiling, the checks, the export) reads the components inline. An
    experiment that is already resolved is returned as it is.

    Regularizer ``none`` becomes absent. The result no longer depends on the
    preset files, so it is what a run's ``spec.toml`` stores. The names it held
    are kept as :attr:`~tuidl.core.spec.Experiment.preset_labels` (display only).

    Raises:
        SpecError: unknown preset name.
    """
    if is_resolved(exp):
        return exp
    labels = dict(exp.preset_labels)
    data = exp.model_dump(mode="python")
    if isinstance(exp.compile.optimizer, str):
        labels["compile.optimizer"] = exp.compile.optimizer
    data["compile"]["optimizer"] = resolve_component("optimizers", exp.compile.optimizer, "compile.optimizer")
    for i, layer in enumerate(data["model"]["layers"]):
        cfg = layer["config"]
        for key, family in COMPONENT_KEYS.items():
            if key in cfg:
                where = f"model.layers[{i}].config.{key}"
                if isinstance(cfg[key], str):
                    labels[where] = cfg[key]
                ref = resolve_component(family, cfg[key], where)
                if ref is None:
                    del cfg[key]
                else:
                    cfg[key] = ref
    out = Experiment.model_validate(data)
    out._source = exp.source
    out._preset_labels = labels
    return out


def save_user_preset(exp: Experiment, name: str | None = None) -> Path:
    """Save ``exp`` as a user experiment preset ``<user_dir>/<name>.toml``.

    Raises:
        SpecError: bad name or the file cannot be written.
    """
    name = name or exp.name
    exp = exp.model_copy(update={"name": name})
    Experiment.model_validate(exp.model_dump())  # name check
    return exp.save(user_dir() / f"{name}.toml")


def preset_base(exp: Experiment) -> Experiment | None:
    """The preset ``exp`` is a variant of, as its file holds it (no ``--set``), or ``None``.

    The file ``exp`` was loaded from (:attr:`~tuidl.core.spec.Experiment.source`) when it
    holds the same name, else the experiment preset named like ``exp``. A name found in
    neither (``--set name=...``, a preset saved under a new name then deleted) has no preset.
    A file that cannot be read any more counts as none: naming a run never stops it.
    """
    candidates: list[Path] = []
    if exp.source is not None:
        candidates.append(exp.source)
    found = experiment_presets().get(exp.name)
    if found is not None:
        candidates.append(found.path)
    for path in candidates:
        try:
            base = load(path)
        except TuidlError:
            continue
        if base.name == exp.name:
            return base
    return None


def run_name_for(exp: Experiment) -> str:
    """The name of a run of ``exp``: its name, then how it differs from :func:`preset_base`
    (``digits-mlp sgd l2``; :func:`tuidl.core.runs.naming.run_name`). A name a person
    gave (one no preset has) is kept as it is.

    Raises:
        SpecError: ``exp`` names a component preset that does not exist.
    """
    from tuidl.core.runs.naming import run_name

    base = preset_base(exp)
    if base is None:
        return exp.name
    spec = resolved(exp)
    try:
        base_spec = resolved(base)
    except TuidlError:  # the preset file names a component that is gone: compare as written
        base_spec = base
    return run_name(spec.to_dict(), base_spec.to_dict(), spec.preset_labels)
