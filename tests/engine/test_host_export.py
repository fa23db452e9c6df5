"""The engine's Export request (the builder's E): the engine process writes the script and loads
the data for its .npz; answers name the field or file. Called on the host without a process (no
TensorFlow: these sources load with numpy and scikit-learn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tuidl.core.events import Event, ExportFailed, Exported
from tuidl.core.presets import load_experiment
from tuidl.core.protocol import Export
from tuidl.engine.data import load_data
from tuidl.engine.host import _Host


class _Conn:
    def __init__(self) -> None:
        self.sent: list[Event] = []

    def send(self, event: Event) -> None:
        self.sent.append(event)


def _export(exp: Any, path: Path, **kw: Any) -> Event:
    conn = _Conn()
    _Host(conn, None).export(Export(7, exp.model_dump(), str(path), **kw))
    (answer,) = conn.sent
    return answer


CIRCLE = ["data.name=circle", "data.options={n_samples=100}", "model.layers[3].config.units=2"]


def test_export_writes_the_script_and_the_data_it_cannot_load(tmp_path: Path) -> None:
    exp = load_experiment("digits-mlp", CIRCLE)
    target = tmp_path / "sub" / "circle.py"
    answer = _export(exp, target, source=str(tmp_path / "my-circle.toml"))
    assert answer == Exported(7, str(target), str(target.with_suffix(".npz")))
    text = target.read_text()
    assert "keras.layers.Dense(units=2" in text and "'circle.npz'" in text
    assert "from my-circle.toml" in text.split('"""', 2)[1]  # the source the UI named
    ds = load_data(exp.data, exp.fit.seed)
    with np.load(target.with_suffix(".npz")) as f:
        assert np.array_equal(f["x_train"], ds.x_train) and np.array_equal(f["y_val"], ds.y_val)
        assert int(f["n_classes"]) == 2


def test_an_inline_source_writes_no_data_file(tmp_path: Path) -> None:
    answer = _export(load_experiment("digits-mlp"), tmp_path / "mlp.py")
    assert answer == Exported(7, str(tmp_path / "mlp.py"), "")
    assert not (tmp_path / "mlp.npz").exists()
    assert "the tuidl builder" in (tmp_path / "mlp.py").read_text().split('"""', 2)[1]  # no source given


def test_data_that_cannot_be_loaded_is_named_by_field_and_nothing_is_written(tmp_path: Path) -> None:
    exp = load_experiment("digits-mlp", ['data.name="csv"', 'data.path="nope.csv"', 'data.target="y"'])
    answer = _export(exp, tmp_path / "out.py", base_dir=str(tmp_path))
    assert isinstance(answer, ExportFailed) and answer.request_id == 7 and answer.kind == "data"
    assert answer.message.startswith('data.path = "nope.csv": ') and str(tmp_path / "nope.csv") in answer.message
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_the_os_reason(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("a file")
    answer = _export(load_experiment("digits-mlp"), tmp_path / "afile" / "out.py")
    assert isinstance(answer, ExportFailed) and answer.title == "Export failed"
    assert answer.message == (
        f"{tmp_path / 'afile' / 'out.py'}: cannot write the script: Not a directory ({tmp_path / 'afile'} is a file)"
    )  # the real reason, not mkdir's "File exists"


def test_what_the_script_would_not_be_written_from_is_refused_by_field(tmp_path: Path) -> None:
    exp = load_experiment("digits-mlp")
    spec = exp.model_dump()
    spec["model"]["layers"][0]["config"]["units"] = float("nan")  # the spec lets it by; export does not
    conn = _Conn()
    _Host(conn, None).export(Export(3, spec, str(tmp_path / "x.py")))
    (answer,) = conn.sent
    assert isinstance(answer, ExportFailed) and answer.title == "Export refused"
    assert "model.layers[0].config.units = nan" in answer.message
    assert not (tmp_path / "x.py").exists()
