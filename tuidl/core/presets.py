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
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from tuidl.core.errors import PresetError, SpecError
from tuidl.core.safeio import path_problem
from tuidl.core.spec import Experiment, KerasRef, load, problem_text, toml_repr

Family = Literal["optimizers", "initializers", "regularizers"]
FAMILIES: tuple[Family, ...] = ("optimizers", "initializers", "regularizers")

NONE_CLASS = "None"
"""``class_name`` of the "no regularizer" preset; the engine passes ``None``."""


def builtin_dir() -> Path:
    """Folder of the built-in presets (installed wheel or source checkout)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_builtin_presets"
    if packaged.is_dir():
        return packaged
    return here.parent / "presets"


def user_dir() -> Path:
    """Folder of the user's presets: ``$TUIDL_PRESETS_DIR`` or the user config dir."""
    env = os.environ.get("TUIDL_PRESETS_DIR")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_config_path("tuidl") / "presets"


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
        raise PresetError(f"the preset argument is empty ({text!r}); give a preset name or a .toml file",
                          title="No experiment given", hint="known presets: " + ", ".join(sorted(experiment_presets())))
    p = Path(name_or_path)
    if p.suffix == ".toml" or os.path.lexists(p) or os.sep in text:
        problem = path_problem(p, "file")
        if problem is None:
            return p
        if problem == "does not exist":
            raise PresetError(f"{p}: no such file", title="Experiment not found")
        raise PresetError(f"{p}: {problem}; an experiment is a .toml file", title="Not an experiment file",
                          hint="give a preset name or the path of a .toml file")
    presets = experiment_presets()
    if str(name_or_path) in presets:
        return presets[str(name_or_path)].path
    raise PresetError(
        f"no experiment preset named {str(name_or_path)!r}; known: {', '.join(sorted(presets))}",
        hint="give a preset name or the path of a .toml file")


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


def _read_family(path: Path, family: str) -> dict[str, KerasRef]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PresetError(f"{path}: cannot read {family} presets: {e}", title="Invalid preset file") from None
    out = {}
    for name, table in data.items():
        if not isinstance(table, dict) or not isinstance(table.get("class_name"), str):
            raise PresetError(f"{path}: [{name}] needs class_name (a Keras class) and config (a table)",
                              title="Invalid preset file")
        try:
            out[name] = KerasRef.model_validate(table)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, x['loc'])) or name}: {problem_text(x)}"
                                 for x in e.errors(include_url=False))
            raise PresetError(f"{path}: [{name}]: {problems}", title="Invalid preset file") from None
    return out


@lru_cache(maxsize=8)
def _components_cached(family: str, key: tuple[tuple[str, float], ...]) -> dict[str, KerasRef]:
    merged: dict[str, KerasRef] = {}
    for d in _dirs():
        p = d / "components" / f"{family}.toml"
        if p.is_file():
            merged.update(_read_family(p, family))
    return merged


def components(family: Family) -> dict[str, KerasRef]:
    """Component presets of one family by name (built-ins, then the user's).

    Raises:
        PresetError: a preset file is not valid TOML or lacks ``class_name``.
    """
    if family not in FAMILIES:
        raise PresetError(f"unknown preset family {family!r}; allowed: {', '.join(FAMILIES)}")
    key = []
    for d in _dirs():
        p = d / "components" / f"{family}.toml"
        key.append((str(p), p.stat().st_mtime if p.is_file() else 0.0))
    return dict(_components_cached(family, tuple(key)))


def resolve_component(family: Family, value: str | KerasRef | dict[str, Any] | None,
                      where: str = "") -> dict[str, Any] | None:
    """Turn a preset name or inline ref into ``{class_name, config}`` (``None`` for no regularizer).

    Args:
        family: which preset family the name belongs to.
        value: a preset name, a :class:`KerasRef`, a dict, or ``None``.
        where: field path for messages (``model.layers[1].config.kernel_regularizer``).

    Raises:
        SpecError: unknown preset name (the message lists the known ones).
    """
    if value is None:
        return None
    if isinstance(value, KerasRef):
        ref = value.model_dump()
    elif isinstance(value, dict):
        ref = {"class_name": value.get("class_name"), "config": dict(value.get("config") or {})}
    else:
        known = components(family)
        if value not in known:
            raise SpecError(
                f"{where or family} = {toml_repr(value)}: unknown {family[:-1]} preset; known: {', '.join(known)}",
                hint="use a preset name or an inline table { class_name = ..., config = {...} }")
        ref = known[value].model_dump()
    if ref["class_name"] == NONE_CLASS:
        return None
    return ref


COMPONENT_KEYS: dict[str, Family] = {
    "kernel_initializer": "initializers",
    "bias_initializer": "initializers",
    "embeddings_initializer": "initializers",
    "recurrent_initializer": "initializers",
    "kernel_regularizer": "regularizers",
    "bias_regularizer": "regularizers",
    "activity_regularizer": "regularizers",
    "embeddings_regularizer": "regularizers",
    "recurrent_regularizer": "regularizers",
}
"""Layer config keys whose values are component presets, and their family."""


def check_references(exp: Experiment, origin: str | None = None, overridden: list[str] | tuple[str, ...] = ()
                     ) -> None:
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


def resolved(exp: Experiment) -> Experiment:
    """A copy with every component preset name replaced by its ``{class_name, config}``.

    Regularizer ``none`` becomes absent. The result no longer depends on the
    preset files, so it is what a run's ``spec.toml`` stores.

    Raises:
        SpecError: unknown preset name.
    """
    data = exp.model_dump(mode="python")
    data["compile"]["optimizer"] = resolve_component("optimizers", exp.compile.optimizer, "compile.optimizer")
    for i, layer in enumerate(data["model"]["layers"]):
        cfg = layer["config"]
        for key, family in COMPONENT_KEYS.items():
            if key in cfg:
                ref = resolve_component(family, cfg[key], f"model.layers[{i}].config.{key}")
                if ref is None:
                    del cfg[key]
                else:
                    cfg[key] = ref
    out = Experiment.model_validate(data)
    out._source = exp.source
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


def preset_names() -> dict[str, list[str]]:
    """Component preset names per family, for pickers: ``{"optimizers": ["sgd", ...], ...}``.

    A family whose preset file is broken lists no names here (the error is
    reported where an experiment refers to one of its presets).
    """
    out: dict[str, list[str]] = {}
    for family in FAMILIES:
        try:
            out[family] = list(components(family))
        except PresetError:
            out[family] = []
    return out
