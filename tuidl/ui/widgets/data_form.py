"""The data settings form: the fields of :class:`~tuidl.core.spec.DataSpec` that apply to one dataset.

Fields are generated from the pydantic models, not listed by hand: the kind
of each field comes from its annotation (``int`` -> a number, ``Literal[...]``
-> a choice, ``bool`` -> ``[x] on`` / ``[ ] off``, ``features`` -> a check
list), the allowed range from its constraints (``ge``/``le``), and the help
text from the ``Attributes:`` section of the model's docstring
(:func:`field_info`, :class:`FieldInfo`). Which fields apply to which source
is :func:`applicable_fields` (it mirrors the engine's
``tuidl.engine.data._APPLIES``; options that do not apply are ignored there
and listed as such in the data panel).

:class:`DataForm` is a thin adapter over the one form generator,
:class:`~tuidl.ui.widgets.form.FieldForm` (:func:`form_field` maps a
:class:`FieldInfo` onto its :class:`~tuidl.ui.widgets.form.FormField`). The
form checks what it can at once (a number that is not one, a value out of
range, :func:`parse_value`) and shows the problem under the field, naming the
field (``data.options.noise``), the value and what is allowed; such a value
is not applied and stays in its field. Good values are posted as
:class:`DataForm.Changed` (dotted path inside ``data``, like
``options.noise``, and the value; ``None`` means "the source's default"). The
form never changes the experiment (messages up).

``noise`` is shown in percent like TF Playground's slider (0–50 %) and
stored as a fraction (0–0.5).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal


from tuidl.core.registry import BUNDLED_SOURCES as BUNDLED
from tuidl.core.registry import DATASET_GROUPS as GROUPS
from tuidl.core.registry import FILE_SOURCES, PLAYGROUND_FEATURES, REGRESSION_SETS
from tuidl.core.registry import KERAS_CACHE_SOURCES as KERAS_CACHE
from tuidl.core.registry import PLAYGROUND_SOURCES as PLAYGROUND
from tuidl.core.spec import DataOptions, DataSpec
from tuidl.ui.widgets.form import FieldForm, FormField

__all__ = [
    "BUNDLED",
    "DataForm",
    "FieldInfo",
    "GROUPS",
    "KERAS_CACHE",
    "PLAYGROUND",
    "REGRESSION_SETS",
    "applicable_fields",
    "field_info",
    "form_field",
    "format_value",
    "parse_value",
]

_LABEL_SOURCES = ("csv", "npz", "npy")


def _doc_attributes(cls: type) -> dict[str, str]:
    """``{field: text}`` from the ``Attributes:`` section of ``cls``'s Google-style docstring."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    if "Attributes:" not in doc:
        return out
    body = doc.split("Attributes:", 1)[1]
    current: list[str] = []
    for line in body.splitlines():
        m = re.match(r"^    (\w+(?:, \w+)*):\s*(.*)$", line)
        if m:
            current = [n.strip() for n in m.group(1).split(",")]
            for n in current:
                out[n] = m.group(2).strip()
        elif line.startswith("        ") and current:
            for n in current:
                out[n] += " " + line.strip()
        elif line.strip() and not line.startswith(" "):
            break
    return {k: re.sub(r"``([^`]*)``", r"\1", re.sub(r":(?:data|class):`~?([^`]*)`", r"\1", v)) for k, v in out.items()}


_HELP = {
    **{f"options.{k}": v for k, v in _doc_attributes(DataOptions).items()},
    **{k: v for k, v in _doc_attributes(DataSpec).items() if k in ("validation_split", "path", "target")},
}


@dataclass(frozen=True)
class FieldInfo:
    """One editable field of ``[data]``.

    Attributes:
        path: dotted path inside ``data`` (``options.noise``, ``validation_split``).
        kind: ``int``, ``percent`` (shown 0–50 %, stored 0–0.5), ``fraction``,
            ``text``, ``list`` (comma-separated names), ``size`` (two ints),
            ``choice``, ``bool`` or ``features``.
        choices: allowed values of a ``choice``.
        lo, hi: inclusive bounds of a number (``hi_open``: the upper one is excluded).
        help: the field's description from the model's docstring.
    """

    path: str
    kind: str
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    hi_open: bool = False
    help: str = ""

    @property
    def name(self) -> str:
        """The field's own name (``noise``)."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def full(self) -> str:
        """The spec path a person writes in ``--set`` (``data.options.noise``)."""
        return f"data.{self.path}"

    @property
    def widget_id(self) -> str:
        """The id of the field's widget (``df-options-noise``)."""
        return "df-" + self.path.replace(".", "-")

    def allowed(self) -> str:
        """What values are allowed, in words (``10–1000000``, ``none, minmax or standardize``)."""
        if self.kind == "percent":
            return f"{_num((self.lo or 0) * 100)}–{_num((self.hi or 0) * 100)} %"
        if self.kind in ("int", "fraction", "size"):
            lo = "" if self.lo is None else _num(self.lo)
            hi = "" if self.hi is None else _num(self.hi)
            if not hi:
                rng = f"{lo} or more"
            else:
                rng = f"from {lo} to below {hi}" if self.hi_open else f"{lo}–{hi}"
            return f"two whole numbers 'height, width', each {rng}" if self.kind == "size" else rng
        if self.kind == "choice":
            return (
                ", ".join(self.choices[:-1]) + f" or {self.choices[-1]}"
                if len(self.choices) > 1
                else "".join(self.choices)
            )
        if self.kind == "features":
            return "at least one of " + ", ".join(PLAYGROUND_FEATURES)
        if self.kind == "list":
            return "column names separated by commas"
        if self.kind == "bool":
            return "on or off"
        return "text"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; ``Annotated[X, Strict()]`` -> ``X`` (also inside a list)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return list[_unwrap(item)]
    return annotation


def field_info(path: str) -> FieldInfo:
    """The :class:`FieldInfo` of ``path`` (``options.noise``, ``validation_split``, ``path``, ``target``).

    Raises:
        KeyError: ``path`` is not a field of ``DataSpec`` / ``DataOptions``.
    """
    model, name = (DataOptions, path.split(".", 1)[1]) if path.startswith("options.") else (DataSpec, path)
    f = model.model_fields[name]
    ann = _unwrap(f.annotation)
    lo = hi = None
    hi_open = False
    for m in f.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
        if getattr(m, "lt", None) is not None:
            hi, hi_open = m.lt, True
    help_ = _HELP.get(path, "")
    if name == "features":
        return FieldInfo(path, "features", help=help_)
    if name == "noise":
        return FieldInfo(path, "percent", lo=lo, hi=hi, help=help_)
    if name == "image_size":
        return FieldInfo(path, "size", lo=4, hi=2048, help=help_)
    if typing.get_origin(ann) is Literal:
        return FieldInfo(path, "choice", choices=tuple(typing.get_args(ann)), help=help_)
    if ann is bool:
        return FieldInfo(path, "bool", help=help_)
    if ann is int:
        return FieldInfo(path, "int", lo=lo, hi=hi, help=help_)
    if ann is float:
        return FieldInfo(path, "fraction", lo=lo, hi=hi, hi_open=hi_open, help=help_)
    if typing.get_origin(ann) is list:
        return FieldInfo(path, "list", help=help_)
    return FieldInfo(path, "text", help=help_)


def applicable_fields(name: str) -> list[str]:
    """The ``data`` fields that apply to dataset ``name``, in the order the form shows them.

    Source first (file and target, generator settings, loader settings), then
    preprocessing, then the validation split. Mirrors the engine's rules in
    ``tuidl.engine.data._APPLIES``.
    """
    out: list[str] = []
    if name in FILE_SOURCES:
        out.append("path")
        if name in ("csv", "npy"):
            out.append("target")
    if name in PLAYGROUND:
        out += ["options.n_samples", "options.noise", "options.features"]
    if name == "csv":
        out += ["options.columns", "options.impute"]
    if name in _LABEL_SOURCES:
        out.append("options.task")
    if name == "images":
        out += ["options.image_size", "options.color_mode"]
    if name == "imdb":
        out += ["options.num_words", "options.maxlen"]
    if name == "cifar100":
        out.append("options.label_mode")
    if name == "california_housing":
        out.append("options.version")
    if name in KERAS_CACHE:
        out.append("options.download")
    if name != "imdb":
        out.append("options.scaling")
    if name in REGRESSION_SETS or name in _LABEL_SOURCES:
        out.append("options.target_scaling")
    if name not in REGRESSION_SETS:
        out.append("options.class_weight")
    if name in FILE_SOURCES:
        out.append("options.remap_labels")
    out += ["options.subset", "validation_split"]
    return out


def default_text(path: str, name: str) -> str:
    """What an unset field means for dataset ``name``.

    Shown as an empty field's placeholder, and in parentheses as a choice's
    blank entry (``(none)``: unset, the source's default, which is ``none``).
    """
    regression = name in REGRESSION_SETS
    return {
        "options.n_samples": "1200" if regression else "500",
        "options.noise": "0",
        "options.subset": "all",
        "options.scaling": "none",
        "options.target_scaling": "none",
        "options.class_weight": "none",
        "options.task": "guessed",
        "options.columns": "all but the target",
        "options.impute": "refuse",
        "options.image_size": "64, 64",
        "options.color_mode": "rgb",
        "options.num_words": "10000",
        "options.maxlen": "200",
        "options.label_mode": "fine",
        "options.version": "large",
        "path": "file" if name != "images" else "folder",
        "target": "label column" if name == "csv" else "labels .npy file",
        "validation_split": "0.2",
    }.get(path, "default")


BOOL_DEFAULTS: dict[str, bool] = {"options.remap_labels": False, "options.download": True}
"""What an unset switch means."""

DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")
"""The playground features of an unset ``data.options.features``."""


def parse_value(info: FieldInfo, text: str) -> Any:
    """The value of ``text`` typed into field ``info`` (``None``: unset, use the default).

    Raises:
        ValueError: a message naming the field (``data.options.noise``), the value and what is allowed.
    """
    s = text.strip()
    if info.kind == "features":
        chosen = [p.strip() for p in s.split(",") if p.strip()]
        if not chosen or any(p not in PLAYGROUND_FEATURES for p in chosen):
            raise ValueError(f"{info.full}: select at least one feature (allowed: {', '.join(PLAYGROUND_FEATURES)})")
        return chosen
    if not s:
        if info.path == "path" or info.kind != "fraction":
            return None
        return 0.2 if info.path == "validation_split" else None

    def bad(what: str = "") -> ValueError:
        return ValueError(f"{info.full} = {s!r}{what}: allowed {info.allowed()}")

    if info.kind in ("text",):
        return s
    if info.kind == "list":
        items = [p.strip() for p in s.split(",")]
        if any(not p for p in items):
            raise bad(" has an empty name")
        return items
    if info.kind == "size":
        parts = [p for p in re.split(r"[,x× ]+", s) if p]
        try:
            vals = [int(p) for p in parts]
        except ValueError:
            raise bad() from None
        if len(vals) != 2 or not all((info.lo or 0) <= v <= (info.hi or 1e9) for v in vals):
            raise bad()
        return vals
    if info.kind == "int":
        try:
            v: float = int(s.replace("_", ""))
        except ValueError:
            raise bad(" is not a whole number") from None
    else:
        try:
            v = float(s.rstrip("% ").strip())
        except ValueError:
            raise bad(" is not a number") from None
        if info.kind == "percent":
            if not (info.lo or 0) * 100 <= v <= (info.hi or 0) * 100:
                raise bad()
            return round(v / 100, 6)
    if info.lo is not None and v < info.lo:
        raise bad()
    if info.hi is not None and (v >= info.hi if info.hi_open else v > info.hi):
        raise bad()
    return v


def format_value(info: FieldInfo, value: Any) -> str:
    """The text a field shows for ``value`` (``None`` -> ``""``; noise 0.1 -> ``"10"``)."""
    if value is None:
        return ""
    if info.kind == "percent":
        return _num(round(float(value) * 100, 4))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def get_path(data: dict[str, Any], path: str) -> Any:
    """``data["options"]["noise"]`` for ``path = "options.noise"`` (``None`` when missing)."""
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def form_field(info: FieldInfo, name: str, base_dir: str | None = None) -> FormField:
    """The :class:`~tuidl.ui.widgets.form.FormField` that edits ``info`` for dataset ``name``
    (``base_dir``: the folder a relative ``data.path`` starts from, said under that field)."""
    widget = {"bool": "bool", "choice": "select", "features": "features"}.get(info.kind, "input")
    default: Any = None
    if info.kind == "bool":
        default = BOOL_DEFAULTS.get(info.path, False)
    elif info.kind == "features":
        default = list(DEFAULT_FEATURES)
    unset = default_text(info.path, name)
    return FormField(
        name=info.path,
        key=info.path.replace(".", "-"),
        label=info.name + (" %" if info.kind == "percent" else ""),
        widget=widget,  # type: ignore[arg-type]
        parse=lambda text: parse_value(info, text),
        format=lambda value: format_value(info, value),
        choices=PLAYGROUND_FEATURES if info.kind == "features" else info.choices,
        default=default,
        unset_default=True,
        prompt=f"({unset})" if info.kind == "choice" else unset,
        help=f"{info.full}: {info.help}" if info.help else info.full,
        note=f"relative to {base_dir or 'the current folder'}" if info.path == "path" else "",
    )


class DataForm(FieldForm):
    """Edit the ``[data]`` settings that apply to dataset ``name``: a
    :class:`~tuidl.ui.widgets.form.FieldForm` of :func:`form_field` for each of
    :func:`applicable_fields`. Its messages carry the dotted path inside ``data`` as
    ``name`` (also ``path``); :class:`DataForm.Invalid`'s ``message`` names the field,
    the value and what is allowed.

    Args:
        name: the dataset id (decides which fields are shown).
        values: the ``data`` section as a dict (``DataSpec.model_dump()``).
        base_dir: the folder relative ``data.path`` values start from (the
            experiment file's), shown under the path field.
    """

    def __init__(
        self,
        name: str,
        values: dict[str, Any],
        *,
        base_dir: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self.dataset = name
        self.base_dir = base_dir
        paths = applicable_fields(name)
        self.infos = [field_info(p) for p in paths]
        shown = {p: v for p in paths if (v := get_path(values, p)) is not None}
        fields = [form_field(f, name, base_dir) for f in self.infos]
        super().__init__(fields, shown, prefix="df", label_width=17, id=id, classes=classes)
