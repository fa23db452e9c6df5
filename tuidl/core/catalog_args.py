"""The types of the catalog and their text forms: :class:`ArgInfo` (one editable argument, validated by
pydantic through :func:`arg_type`), :class:`LayerInfo`, :class:`ClassInfo`, and the editor's parse/format helpers.

The tables that use them are in :mod:`tuidl.core.catalog_layers` (layers) and
:mod:`tuidl.core.catalog_optim` (optimizers, schedules, callbacks); :mod:`tuidl.core.catalog` re-exports all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, Sequence, Union

from pydantic import AfterValidator, Field, Strict, TypeAdapter, ValidationError

ArgKind = Literal[
    "int",
    "float",
    "bool",
    "choice",
    "activation",
    "int_or_pair",
    "shape",
    "initializer",
    "regularizer",
    "optional_int_or_pair",
    "float_list",
    "int_list",
    "optional_float",
]

ACTIVATIONS: tuple[str, ...] = (
    "linear",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "softmax",
    "relu6",
    "hard_sigmoid",
    "exponential",
    "log_softmax",
    "swish",
)
"""Activation names accepted by ``keras.activations.get`` that tuidl offers."""


@dataclass(frozen=True)
class ArgInfo:
    """One editable layer argument.

    Attributes:
        name: the Keras argument name (``units``, ``kernel_size``).
        kind: how it is validated and edited (see :data:`ArgKind`).
        default: Keras's default (``None`` means "not set").
        minimum: smallest allowed value for numbers (inclusive unless
            ``exclusive_min``); also applies to every element of a pair/shape.
        maximum: largest allowed value (inclusive unless ``exclusive_max``).
        choices: allowed strings for ``choice``.
        help: one line shown in the editor.
    """

    name: str
    kind: ArgKind
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    required: bool = False

    def allowed(self) -> str:
        """Human description of the allowed values, e.g. ``"an integer >= 1"``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "activation":
            return "an activation name: " + ", ".join(ACTIVATIONS)
        if self.kind in ("initializer", "regularizer"):
            return f"a {self.kind} preset name or a table {{class_name, config}}"
        base = {
            "int": "an integer",
            "float": "a number",
            "int_or_pair": "an integer or a pair of integers",
            "optional_int_or_pair": "an integer, a pair of integers, or unset",
            "shape": "a list of positive integers (-1 allowed once)",
            "float_list": "a list of numbers",
            "int_list": "a list of integers",
            "optional_float": "a number or unset",
        }[self.kind]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_min else '>='} {_fmt(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.exclusive_max else '<='} {_fmt(self.maximum)}")
        return base + (" " + " and ".join(bounds) if bounds else "")

    def check(self, value: Any) -> str | None:
        """Return ``None`` when ``value`` is allowed, else what is allowed (:meth:`allowed`).

        Validated by pydantic, as the spec's sections are, against the type
        :func:`arg_type` builds from this argument (strict: ``true`` is not a
        number, ``"3"`` not an integer); a number that is not finite gets
        `` (finite)`` added.
        """
        try:
            _adapter(self).validate_python(value)
        except ValidationError as e:
            finite = any(err["type"] == "finite_number" for err in e.errors(include_url=False))
            return self.allowed() + (" (finite)" if finite and self.kind in ("float", "optional_float") else "")
        return None


def _not_nan(v: float) -> float:
    if v != v:
        raise ValueError("not a number")
    return v


def _one_unknown_dim(v: Sequence[int]) -> Sequence[int]:
    if sum(1 for d in v if d == -1) > 1 or any(d < 1 and d != -1 for d in v):
        raise ValueError("dimensions >= 1, or -1 once")
    return v


def _class_name_str(v: dict[Any, Any]) -> dict[Any, Any]:
    if not isinstance(v.get("class_name"), str):
        raise ValueError("a table with class_name")
    return v


def _seq(item: Any, **length: int) -> Any:
    """A list or tuple of ``item`` (TOML gives lists; Python callers may pass tuples)."""
    return Union[Annotated[list[item], Strict(), Field(**length)], Annotated[tuple[item, ...], Field(**length)]]


def arg_type(arg: ArgInfo) -> Any:
    """The pydantic type of the values ``arg`` allows: its kind, bounds and choices, strict.

    ``None`` is allowed where the argument may be unset (``optional_*``,
    components, activations, and arguments without a default).
    """
    bounds: dict[str, float] = {}
    if arg.minimum is not None:
        bounds["gt" if arg.exclusive_min else "ge"] = arg.minimum
    if arg.maximum is not None:
        bounds["lt" if arg.exclusive_max else "le"] = arg.maximum
    k = arg.kind
    int_ = Annotated[int, Strict(), Field(**bounds)]
    t: Any
    if k == "bool":
        t = Annotated[bool, Strict()]
    elif k == "choice":
        t = Literal[arg.choices]  # type: ignore[valid-type]
    elif k == "activation":
        t = Literal[ACTIVATIONS]  # type: ignore[valid-type]
    elif k in ("initializer", "regularizer"):
        t = Union[Annotated[str, Strict()], Annotated[dict[Any, Any], Strict(), AfterValidator(_class_name_str)]]
    elif k == "int":
        t = int_
    elif k in ("float", "optional_float"):
        t = Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]
    elif k == "int_list":
        t = _seq(int_, min_length=1)
    elif k == "float_list":
        t = _seq(Annotated[float, Strict(), Field(**bounds), AfterValidator(_not_nan)], min_length=1)
    elif k in ("int_or_pair", "optional_int_or_pair"):
        t = Union[int_, _seq(int_, min_length=1, max_length=2)]
    else:  # shape
        t = Annotated[_seq(Annotated[int, Strict()], min_length=1), AfterValidator(_one_unknown_dim)]
    unset = (
        k in ("initializer", "regularizer", "optional_int_or_pair", "optional_float", "activation")
        or arg.default is None
    )
    return Optional[t] if unset else t


_ADAPTERS: dict[tuple[Any, ...], TypeAdapter[Any]] = {}


def _adapter(arg: ArgInfo) -> TypeAdapter[Any]:
    """The (cached) pydantic validator of :func:`arg_type`, keyed by what the type depends on."""
    key = (arg.kind, arg.minimum, arg.maximum, arg.exclusive_min, arg.exclusive_max, arg.choices, arg.default is None)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(arg_type(arg))
    return _ADAPTERS[key]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


InputKind = Literal["flat", "structured", "any"]
"""What a layer needs as input; see :attr:`LayerInfo.input_kind`."""


@dataclass(frozen=True)
class LayerInfo:
    """A Keras layer class offered by tuidl.

    Attributes:
        class_name: Keras class name in ``keras.layers``.
        category: group shown in the catalog ("Core", "Convolution", ...).
        args: the editable arguments, in editor order.
        description: one line for the catalog.
        input_ranks: ranks (without the batch axis) of the inputs the layer
            accepts, e.g. ``(3,)`` for Conv2D's ``(height, width, channels)``;
            ``None`` means any rank (>= 1).
        input_kind: ``"flat"``: as a first layer it takes a flat ``(features,)``
            input (the engine and an exported script flatten images before it);
            ``"structured"``: it needs (or makes) an image, a sequence or token
            ids, so it has no place in a model of flat data; ``"any"``: neither.
    """

    class_name: str
    category: str
    args: tuple[ArgInfo, ...] = field(default_factory=tuple)
    description: str = ""
    input_ranks: tuple[int, ...] | None = None
    input_kind: InputKind = "any"

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` named ``name``, or ``None``."""
        for a in self.args:
            if a.name == name:
                return a
        return None

    def default_config(self) -> dict[str, Any]:
        """Config with the required arguments filled with their starting values."""
        return {a.name: a.default for a in self.args if a.required}

    @property
    def accepts(self) -> frozenset[str]:
        """Names of all catalogued arguments."""
        return frozenset(a.name for a in self.args)


@dataclass(frozen=True)
class ClassInfo:
    """A Keras class (optimizer, schedule, loss, callback) and its editable arguments.

    Attributes:
        class_name: Keras class name (``keras.optimizers.Adam``).
        args: editable constructor arguments, with Keras's defaults.
        description: one line for pickers.
    """

    class_name: str
    args: tuple[ArgInfo, ...] = ()
    description: str = ""

    def arg(self, name: str) -> ArgInfo | None:
        """The :class:`ArgInfo` named ``name``, or ``None``."""
        return next((a for a in self.args if a.name == name), None)


# --- text forms for editors ------------------------------------------------------------------


def format_arg(arg: ArgInfo, value: Any) -> str:
    """The text an editor shows for ``value`` (``[3, 3]`` -> ``"3, 3"``, ``None`` -> ``""``)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_num(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt_num(value)
    if isinstance(value, dict):
        return format_ref(value)
    return str(value)


def _fmt_num(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


def parse_arg(arg: ArgInfo, text: str) -> Any:
    """Parse an editor's text into a value for ``arg`` and check it.

    ``""`` is "unset" (``None``) where the argument allows it; pairs, shapes and
    lists are comma-separated (``"3, 3"``; a single number stays a number for
    ``int_or_pair``).

    Raises:
        ValueError: naming the argument, the text and what is allowed.
    """
    text = text.strip()
    k = arg.kind
    value: Any
    try:
        if text == "":
            value = None
        elif k == "int":
            value = int(text)
        elif k in ("float", "optional_float"):
            value = float(text)
        elif k == "bool":
            value = {"true": True, "false": False}[text.lower()]
        elif k in ("int_or_pair", "optional_int_or_pair", "shape", "int_list"):
            parts = [int(p) for p in re.split(r"[\s,x]+", text.strip("()[] ")) if p]
            value = parts[0] if len(parts) == 1 and k in ("int_or_pair", "optional_int_or_pair") else parts
        elif k == "float_list":
            value = [float(p) for p in re.split(r"[\s,]+", text.strip("()[] ")) if p]
        else:
            value = text
    except (ValueError, KeyError):
        raise ValueError(f"{arg.name} = {text!r}: must be {arg.allowed()}") from None
    if value is None and arg.required:
        raise ValueError(f"{arg.name} is required: {arg.allowed()}")
    problem = arg.check(value)
    if problem is not None:
        raise ValueError(f"{arg.name} = {text!r}: must be {problem}")
    return value


_REF_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)


def parse_ref(text: str, allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """Parse ``"RandomNormal(mean=0.0, stddev=0.02)"`` into ``{class_name, config}``.

    Argument values are TOML values (numbers, ``true``/``false``, ``"text"``).

    Raises:
        ValueError: bad syntax, or a class outside ``allowed`` (when given).
    """
    import tomllib

    m = _REF_RE.match(text)
    if not m:
        raise ValueError(f"{text!r}: expected Class(key=value, ...), e.g. RandomNormal(stddev=0.02)")
    cls, body = m.group(1), (m.group(2) or "").strip()
    if allowed and cls not in allowed:
        raise ValueError(f"{cls!r} is not one of: {', '.join(allowed)}")
    config: dict[str, Any] = {}
    if body:
        try:
            config = tomllib.loads("v = {" + body.replace("=", " = ") + "}")["v"]
        except ValueError:  # TOMLDecodeError, or an integer of > 4300 digits
            raise ValueError(
                f"{text!r}: arguments must be key=value pairs with numbers, true/false "
                'or "text", e.g. RandomNormal(stddev=0.02)'
            ) from None
    return {"class_name": cls, "config": config}


def format_ref(ref: Any) -> str:
    """``{class_name: "L2", config: {l2: 0.01}}`` -> ``"L2(l2=0.01)"`` (inverse of :func:`parse_ref`)."""
    if hasattr(ref, "class_name"):
        cls, cfg = ref.class_name, ref.config
    else:
        cls, cfg = ref.get("class_name", "?"), ref.get("config") or {}
    if not cfg:
        return f"{cls}()"
    parts = []
    for key, v in cfg.items():
        if isinstance(v, bool):
            parts.append(f"{key}={'true' if v else 'false'}")
        elif isinstance(v, str):
            parts.append(f'{key}="{v}"')
        else:
            parts.append(f"{key}={v!r}")
    return f"{cls}({', '.join(parts)})"
