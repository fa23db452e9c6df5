"""What the pre-flight rules share: :class:`DataInfo` (what the data looks like), the collector the rules add
their findings to, and the findings' text form (:func:`format_finding`, :func:`has_errors`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from tuidl.core.components import resolve_component
from tuidl.core.events import Finding
from tuidl.core.shapes import ERROR, Shape, where
from tuidl.core.spec import LayerSpec


@dataclass(frozen=True)
class DataInfo:
    """What the model will be fed, as far as the checks need it.

    Attributes:
        input_shape: shape of one sample as the model receives it (no batch
            axis), e.g. ``(64,)`` or ``(8, 8, 1)``.
        task: ``"classification"`` or ``"regression"``.
        n_classes: number of classes (``None`` for regression).
        label_shape: shape of one label without the batch axis: ``()`` for
            integer class ids, ``(k,)`` for one-hot rows or ``k`` targets.
        integer_labels: labels have an integer dtype.
        n_val: number of validation samples (0 when there is no validation data).
    """

    input_shape: Shape
    task: str = "classification"
    n_classes: int | None = None
    label_shape: tuple[int, ...] = ()
    integer_labels: bool = True
    n_val: int = 1


class _Collector:
    def __init__(self, names: Sequence[str], layers: Sequence[LayerSpec], labels: dict[str, str]) -> None:
        self.names = names
        self.layers = layers
        self.labels = labels  # field path -> the preset name it held (Experiment.preset_labels)
        self.items: list[Finding] = []

    def at(self, i: int) -> str:
        return where(i, self.names[i], self.layers[i].class_name)

    def add(self, severity: str, message: str, hint: str = "", layer: int | None = None, field: str = "") -> None:
        self.items.append(Finding(severity, message, hint, layer, field))


def _resolve(family: str, value: Any, field: str) -> dict[str, Any] | None:
    """``value`` as ``{class_name, config}``: inline once :func:`check` has resolved the experiment; a preset
    name is looked up only when resolving failed (to name the unknown one)."""
    return resolve_component(family, value, field)  # type: ignore[arg-type]


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (training must not start)."""
    return any(f.severity == ERROR for f in findings)


def format_finding(f: Finding) -> str:
    """One finding as text: ``error: <message>\\n  fix: <hint>``."""
    text = f"{f.severity}: {f.message}"
    if f.hint:
        text += f"\n  fix: {f.hint}"
    return text
