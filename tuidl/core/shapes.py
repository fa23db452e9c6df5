"""Shapes, parameters and training memory of a layer stack, computed without Keras.

:func:`infer_shapes` follows a tensor through the layers (no batch axis) and
counts parameters, with the formulas of Keras 3 (``compute_output_shape`` and
``build`` of each layer class in ``keras/src/layers``). It stops at the first
layer that cannot take its input (the ranks each layer accepts are
:attr:`tuidl.core.catalog.LayerInfo.input_ranks`) and reports why.
:func:`size_findings` compares the estimated training memory with the budget.
Layer naming (:func:`layer_names`, :func:`where`) follows Keras's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from tuidl.core.catalog import LAYERS
from tuidl.core.events import Finding
from tuidl.core.safeio import fmt_bytes, memory_budget
from tuidl.core.spec import Experiment, LayerSpec

ERROR = "error"
"""Severity of a finding that blocks training."""
WARNING = "warning"
"""Severity of a finding that does not."""


Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class Inferred:
    """One layer's output as computed by :func:`infer_shapes`.

    Attributes:
        output_shape: without the batch axis, or ``None`` when unknown (this or
            an earlier layer failed).
        params: number of weights (trainable + not).
        trainable_params: number of trainable weights.
        problem: why the layer cannot take its input (``None`` when it can).
        hint: how to fix ``problem``.
    """

    output_shape: Shape | None
    params: int = 0
    trainable_params: int = 0
    problem: str | None = None
    hint: str = ""


# --- naming ---------------------------------------------------------------------------------


def snake_case(class_name: str) -> str:
    """Keras's ``to_snake_case``: ``MaxPooling2D`` -> ``max_pooling2d``, ``LSTM`` -> ``lstm``."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Names the layers get in the engine (``tuidl.engine.build.layer_names``).

    A layer whose config has ``name`` keeps it; the others are named
    ``<snake_case(class_name)>`` for the first of their class, then ``_1``,
    ``_2``, ... by position (Keras's own scheme), skipping names used
    explicitly elsewhere.
    """
    explicit = {str(l.config["name"]) for l in layers if l.config.get("name")}
    counts: dict[str, int] = {}
    out = []
    for layer in layers:
        given = layer.config.get("name")
        if given:
            out.append(str(given))
            continue
        base = snake_case(layer.class_name)
        while True:
            n = counts.get(base, 0)
            counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            if name not in explicit:
                break
        out.append(name)
    return out


def where(index: int, name: str, class_name: str) -> str:
    """``"layer 3 conv2d_1 (Conv2D)"`` — how a finding names a layer (1-based position)."""
    return f"layer {index + 1} {name} ({class_name})"


def fmt_shape(shape: Shape | None) -> str:
    """``(8, 8, 1)`` -> ``"(None, 8, 8, 1)"`` — the batch axis shown as Keras shows it."""
    if shape is None:
        return "?"
    return "(" + ", ".join(["None", *("None" if d is None else str(d) for d in shape)]) + ")"


# --- shape inference ------------------------------------------------------------------------


def _pair(v: Any, n: int) -> tuple[int, ...]:
    if isinstance(v, (list, tuple)):
        return tuple(int(x) for x in v) if len(v) == n else tuple(int(v[0]) for _ in range(n))
    return tuple(int(v) for _ in range(n))


def layer_arg(layer: LayerSpec, name: str) -> Any:
    """``layer``'s setting of argument ``name``, else the catalog's default (``None`` when neither)."""
    if name in layer.config and layer.config[name] is not None:
        return layer.config[name]
    arg = LAYERS[layer.class_name].arg(name)
    return None if arg is None else arg.default


def _conv_len(n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    """Output length of a convolution (keras ``compute_conv_output_shape``)."""
    if n is None:
        return None
    if padding == "valid":
        return (n - d * (k - 1) - 1) // s + 1
    return (n - 1) // s + 1  # same, causal


def _pool_len(n: int | None, p: int, s: int, padding: str) -> int | None:
    """Output length of a pooling window (keras ``compute_pooling_output_shape``)."""
    if n is None:
        return None
    if padding == "valid":
        return (n - p) // s + 1
    return (n - 1) // s + 1


def _rank_hint(class_name: str, shape: Shape) -> str:
    n = math.prod(d for d in shape if d is not None)
    if class_name in ("Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "SpatialDropout2D"):
        if len(shape) == 1:
            side = math.isqrt(n)
            if side * side == n:
                return (
                    f"add Reshape with target_shape = [{side}, {side}, 1] before it "
                    f"({n} = {side}x{side}x1), or remove the Flatten before it"
                )
            return f"add Reshape to (height, width, channels) with height*width*channels = {n} before it"
        if len(shape) == 2:
            return f"add Reshape with target_shape = [{shape[0]}, {shape[1]}, 1] before it"
        return "it needs a (height, width, channels) input: add Reshape before it"
    if class_name in ("Conv1D", "SimpleRNN", "LSTM", "GRU"):
        if len(shape) == 1:
            return f"add Reshape with target_shape = [{n}, 1] before it (a sequence of {n} steps)"
        if len(shape) == 3:
            return (
                f"add Reshape with target_shape = [{shape[0]}, {(shape[1] or 0) * (shape[2] or 0)}] "
                "before it (rows as time steps)"
            )
        return "it needs a (steps, features) input: add Reshape before it"
    return "add Reshape before it"


_RANK_NAMES = {1: "(features,)", 2: "(steps, features)", 3: "(height, width, channels)"}


def infer_layer(layer: LayerSpec, shape: Shape) -> Inferred:
    """Output shape and parameter count of one layer on an input of ``shape`` (no batch axis).

    Formulas follow Keras 3's ``compute_output_shape`` and ``build``; for
    example Conv2D has ``kh*kw*(channels/groups)*filters + filters`` weights and
    GRU (``reset_after=True``) ``3*units*(features + units) + 6*units``.
    """
    cls = layer.class_name
    info = LAYERS[cls]
    rank = len(shape)
    if rank == 0:
        return Inferred(None, problem="gets a scalar per sample", hint="add Reshape before it")
    if info.input_ranks is not None and rank not in info.input_ranks:
        want = " or ".join(_RANK_NAMES.get(r, f"rank {r}") for r in info.input_ranks)
        flat = " flat" if rank == 1 else ""
        return Inferred(
            None,
            problem=f"needs a {want} input but gets the{flat} tensor {fmt_shape(shape)}",
            hint=_rank_hint(cls, shape),
        )
    last = shape[-1] or 0
    bias = bool(layer_arg(layer, "use_bias")) if info.arg("use_bias") else False

    if cls == "Dense":
        units = int(layer_arg(layer, "units"))
        p = last * units + (units if bias else 0)
        return Inferred((*shape[:-1], units), p, p)
    if cls in ("Conv1D", "Conv2D"):
        n = 1 if cls == "Conv1D" else 2
        filters = int(layer_arg(layer, "filters"))
        k = _pair(layer_arg(layer, "kernel_size"), n)
        s = _pair(layer_arg(layer, "strides"), n)
        d = _pair(layer_arg(layer, "dilation_rate"), n)
        padding = layer_arg(layer, "padding")
        out = tuple(_conv_len(shape[i], k[i], s[i], d[i], padding) for i in range(n))
        if any(o is not None and o < 1 for o in out):
            ks = "x".join(map(str, k))
            span = (
                ""
                if all(x == 1 for x in d)
                else f" (dilated span {'x'.join(str(d[i] * (k[i] - 1) + 1) for i in range(n))})"
            )
            return Inferred(
                None,
                problem=(
                    f"kernel_size {ks}{span} is larger than its input "
                    f"{'x'.join(str(x) for x in shape[:n])} with padding 'valid'"
                ),
                hint="use a smaller kernel_size, padding = 'same', or fewer pooling layers before it",
            )
        p = math.prod(k) * last * filters + (filters if bias else 0)
        return Inferred((*out, filters), p, p)
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        ps = _pair(layer_arg(layer, "pool_size"), 2)
        st = layer_arg(layer, "strides")
        ss = ps if st is None else _pair(st, 2)
        padding = layer_arg(layer, "padding")
        out = tuple(_pool_len(shape[i], ps[i], ss[i], padding) for i in range(2))
        if any(o is not None and o < 1 for o in out):
            return Inferred(
                None,
                problem=(
                    f"pool_size {ps[0]}x{ps[1]} is larger than its input {shape[0]}x{shape[1]} with padding 'valid'"
                ),
                hint="use a smaller pool_size, padding = 'same', or remove this pooling layer",
            )
        return Inferred((*out, shape[2]), 0, 0)
    if cls == "GlobalAveragePooling2D":
        return Inferred((1, 1, shape[2]) if layer_arg(layer, "keepdims") else (shape[2],), 0, 0)
    if cls == "Flatten":
        if any(d is None for d in shape):
            return Inferred((None,), 0, 0)
        return Inferred((math.prod(shape),), 0, 0)  # type: ignore[arg-type]
    if cls == "Reshape":
        target = list(layer_arg(layer, "target_shape"))
        n = math.prod(d for d in shape if d is not None)
        known = math.prod(t for t in target if t != -1)
        if -1 in target:
            if known == 0 or n % known:
                return Inferred(
                    None,
                    problem=(
                        f"cannot reshape {fmt_shape(shape)} ({n} values) to {target}: {n} is not a multiple of {known}"
                    ),
                    hint=f"choose a target_shape whose sizes multiply to {n}",
                )
            target[target.index(-1)] = n // known
        elif known != n:
            return Inferred(
                None,
                problem=(f"cannot reshape {fmt_shape(shape)} ({n} values) to target_shape {target} ({known} values)"),
                hint=f"choose a target_shape whose sizes multiply to {n}, or use -1 for one axis",
            )
        return Inferred(tuple(target), 0, 0)
    if cls in ("Dropout", "SpatialDropout2D", "GaussianNoise", "Activation", "LeakyReLU"):
        return Inferred(shape, 0, 0)
    if cls == "PReLU":
        p = math.prod(d or 0 for d in shape)
        return Inferred(shape, p, p)
    if cls == "BatchNormalization":
        c = last
        tr = c * (int(bool(layer_arg(layer, "center"))) + int(bool(layer_arg(layer, "scale"))))
        return Inferred(shape, tr + 2 * c, tr)
    if cls == "LayerNormalization":
        tr = last * (int(bool(layer_arg(layer, "center"))) + int(bool(layer_arg(layer, "scale"))))
        return Inferred(shape, tr, tr)
    if cls == "Embedding":
        p = int(layer_arg(layer, "input_dim")) * int(layer_arg(layer, "output_dim"))
        return Inferred((*shape, int(layer_arg(layer, "output_dim"))), p, p)
    if cls in ("SimpleRNN", "LSTM", "GRU"):
        u = int(layer_arg(layer, "units"))
        gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cls]
        p = gates * u * (last + u)
        if bias:
            p += gates * u * (2 if cls == "GRU" and layer_arg(layer, "reset_after") else 1)
        out = (shape[0], u) if layer_arg(layer, "return_sequences") else (u,)
        return Inferred(out, p, p)
    return Inferred(shape, 0, 0)  # pragma: no cover - every catalog class is handled above


def infer_shapes(layers: Sequence[LayerSpec], input_shape: Shape) -> list[Inferred]:
    """Follow ``input_shape`` (no batch axis) through ``layers``.

    Returns one :class:`Inferred` per layer. After the first layer with a
    ``problem`` the remaining layers have ``output_shape=None``. Arguments out
    of range are not diagnosed here (see :func:`check`); a layer whose
    arguments cannot be read gets a ``problem`` instead of raising.
    """
    out: list[Inferred] = []
    shape: Shape | None = tuple(input_shape)
    for layer in layers:
        if shape is None:
            out.append(Inferred(None))
            continue
        try:
            r = infer_layer(layer, shape)
        except (TypeError, ValueError, KeyError) as e:
            r = Inferred(None, problem=f"has arguments that cannot be used: {e}", hint="fix the arguments")
        out.append(r)
        shape = r.output_shape
    return out


# --- size ---------------------------------------------------------------------------------

BYTES_PER_PARAM = 16
"""Training memory per parameter: the float32 weight, its gradient and two float32 optimizer slots
(Adam's first and second moments), 4 bytes each."""

BYTES_PER_ACTIVATION = 8
"""Training memory per output value of a layer and sample: the float32 value and its gradient."""


def layer_memory(inferred: Inferred, batch_size: int) -> int:
    """Estimated training memory of one layer in bytes: its parameters (:data:`BYTES_PER_PARAM`)
    plus one batch of its outputs (:data:`BYTES_PER_ACTIVATION`)."""
    outputs = math.prod(d or 1 for d in inferred.output_shape or ())
    return inferred.params * BYTES_PER_PARAM + batch_size * outputs * BYTES_PER_ACTIVATION


def size_findings(
    exp: Experiment, input_shape: Shape, names: Sequence[str] | None = None, inferred: Sequence[Inferred] | None = None
) -> list[Finding]:
    """Errors for a model too large to train here, found from the Keras-free estimate before Keras allocates.

    Each layer's estimate (:func:`layer_memory`, shapes and parameter counts
    from :func:`infer_shapes`) and the whole model's are compared with
    :func:`tuidl.core.safeio.memory_budget`; a layer over it is named with its
    parameters and bytes (``units = 2**40`` would otherwise end in
    TensorFlow's own out-of-memory error, or take the machine down).

    Returns:
        error findings (field ``model.layers[i]``), or ``[]`` when it fits.
    """
    layers = exp.model.layers
    if not layers:
        return []
    names = list(names) if names is not None and len(names) == len(layers) else layer_names(layers)
    inferred = list(inferred) if inferred is not None else infer_shapes(layers, input_shape)
    budget = memory_budget()
    batch = exp.fit.batch_size
    out: list[Finding] = []
    total = 0
    for i, r in enumerate(inferred):
        if r.output_shape is None:
            break
        need = layer_memory(r, batch)
        total += need
        if need > budget:
            out.append(
                Finding(
                    ERROR,
                    f"{where(i, names[i], layers[i].class_name)}: {r.params:,} parameters and "
                    f"output {fmt_shape(r.output_shape)} need about {fmt_bytes(need)} to train; "
                    f"at most {fmt_bytes(budget)} is allowed",
                    "use fewer units, filters or a smaller kernel (the budget is half this machine's "
                    "memory, or TUIDL_MEMORY_BUDGET bytes)",
                    i,
                    f"model.layers[{i}]",
                )
            )
    if not out and total > budget:
        out.append(
            Finding(
                ERROR,
                f"the model needs about {fmt_bytes(total)} to train "
                f"(batch_size = {batch}); at most {fmt_bytes(budget)} is allowed",
                "use fewer or smaller layers, or a smaller fit.batch_size",
                None,
                "model",
            )
        )
    return out
