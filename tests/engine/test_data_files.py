"""The user's own files: CSV, NPZ, NPY pairs and image folders, planted in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuidl.core.errors import DataError
from tuidl.core.spec import DataSpec
from tuidl.engine.data import load_data

CSV = """age,colour,height,label
31,red,1.70,cat
25,blue,1.62,dog
47,red,1.81,cat
52,green,1.75,dog
19,blue,1.59,cat
38,red,1.66,dog
"""


def _csv(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _load(tmp_path: Path, **kw) -> object:
    opts = kw.pop("options", {})
    spec = DataSpec(
        name=kw.pop("name", "csv"),
        path=kw.pop("path", "d.csv"),
        target=kw.pop("target", "label"),
        validation_split=kw.pop("validation_split", 0.0),
        options=opts,
    )
    return load_data(spec, seed=0, base_dir=tmp_path)


def test_csv_numbers_and_one_hot_text(tmp_path: Path) -> None:
    _csv(tmp_path, CSV)
    d = _load(tmp_path)
    assert d.task == "classification" and d.class_names == ["cat", "dog"]
    assert d.feature_names == ["age", "colour=blue", "colour=green", "colour=red", "height"]
    assert d.x_train.dtype == np.float32 and d.x_train.shape == (6, 5) and d.y_train.dtype == np.int32
    row = d.x_train[np.where(d.x_train[:, 0] == 52)[0][0]]
    assert row.tolist() == pytest.approx([52, 0, 1, 0, 1.75])
    assert any("one-hot" in n for n in d.notes)


def test_csv_chosen_columns_and_regression_target(tmp_path: Path) -> None:
    _csv(tmp_path, CSV)
    d = _load(tmp_path, target="height", options={"columns": ["age"]})
    assert d.task == "regression" and d.feature_names == ["age"] and d.y_train.dtype == np.float32
    with pytest.raises(DataError) as e:
        _load(tmp_path, options={"columns": ["age", "weight"]})
    assert "data.options.columns" in e.value.message and "'weight'" in e.value.message


def test_csv_unknown_target_lists_columns(tmp_path: Path) -> None:
    _csv(tmp_path, CSV)
    with pytest.raises(DataError) as e:
        _load(tmp_path, target="species")
    assert 'data.target = "species"' in e.value.message and "age, colour, height, label" in e.value.message


def test_csv_question_mark_cell_refused_with_line_and_column(tmp_path: Path) -> None:
    _csv(tmp_path, CSV.replace("47,red", "?,red"))
    with pytest.raises(DataError) as e:
        _load(tmp_path)
    assert "d.csv line 4 (data row 3), column 'age'" in e.value.message and "'?'" in e.value.message
    assert "data.options.impute" in e.value.hint


def test_csv_blank_cell_refused_then_imputed(tmp_path: Path) -> None:
    _csv(tmp_path, CSV.replace("1.62", "").replace("1.59", "?"))
    with pytest.raises(DataError) as e:
        _load(tmp_path)
    assert "line 3 (data row 2), column 'height'" in e.value.message and "empty" in e.value.message
    assert "2 missing in this column" in e.value.message
    d = _load(tmp_path, options={"impute": "mean"})
    assert not np.isnan(d.x_train).any()
    mean = np.mean([1.70, 1.81, 1.75, 1.66])
    assert np.sum(np.isclose(d.x_train[:, -1], mean)) == 2
    dropped = _load(tmp_path, options={"impute": "drop"})
    assert len(dropped.x_train) == 4


def test_csv_stray_text_in_numeric_column(tmp_path: Path) -> None:
    _csv(tmp_path, CSV.replace("52,green", "fifty,green"))
    with pytest.raises(DataError) as e:
        _load(tmp_path, options={"impute": "mean"})  # stray text is never imputed
    assert "line 5 (data row 4), column 'age': 'fifty' is not a number" in e.value.message


def test_csv_missing_label_needs_drop(tmp_path: Path) -> None:
    _csv(tmp_path, CSV.replace("1.59,cat", "1.59,"))
    with pytest.raises(DataError) as e:
        _load(tmp_path, options={"impute": "median"})
    assert "column 'label': missing value" in e.value.message and "'drop'" in e.value.hint
    assert len(_load(tmp_path, options={"impute": "drop"}).x_train) == 5


def test_csv_ragged_row(tmp_path: Path) -> None:
    _csv(tmp_path, CSV.replace("25,blue,1.62,dog", "25,blue,dog"))
    with pytest.raises(DataError) as e:
        _load(tmp_path)
    assert "d.csv line 3: 3 cells, but the header has 4" in e.value.message


def test_csv_one_based_labels_and_remap(tmp_path: Path) -> None:
    rows = "\n".join(f"{i * 0.1:.1f},{i % 3 + 1}" for i in range(12))
    _csv(tmp_path, "x,label\n" + rows + "\n")
    with pytest.raises(DataError) as e:
        _load(tmp_path)
    assert "labels run 1..3 (1-based)" in e.value.message and "0..2" in e.value.message
    assert "remap_labels = true" in e.value.hint and "1 -> 0, 2 -> 1, 3 -> 2" in e.value.hint
    d = _load(tmp_path, options={"remap_labels": True})
    assert sorted(set(d.y_train.tolist())) == [0, 1, 2] and d.class_names == ["1", "2", "3"]


def test_csv_stray_label_value(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 2}" for i in range(10)) + "\n10,7\n"
    _csv(tmp_path, "x,label\n" + rows)
    with pytest.raises(DataError) as e:
        _load(tmp_path)
    assert "skip 2, 3, 4, 5, 6" in e.value.message and "7 (1 samples)" in e.value.message


def test_csv_semicolon_delimiter_and_bom(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("\ufeffa;b;label\n1;2;0\n3;4;1\n5;6;0\n", encoding="utf-8")
    d = _load(tmp_path)
    assert d.feature_names == ["a", "b"] and len(d.x_train) == 3


def test_missing_path_names_field_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as e:
        _load(tmp_path, path="nope.csv")
    assert 'data.path = "nope.csv"' in e.value.message and str(tmp_path) in e.value.message


def test_npz_x_y_and_train_test(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.random.default_rng(0).normal(size=(20, 3)), y=np.arange(20) % 2)
    d = _load(tmp_path, name="npz", path="a.npz", target=None)
    assert d.x_train.shape == (20, 3) and d.n_classes == 2 and d.y_train.dtype == np.int32
    np.savez(
        tmp_path / "b.npz",
        x_train=np.zeros((10, 5, 5), np.uint8),
        y_train=np.arange(10.0) * 0.5,
        x_test=np.zeros((4, 5, 5), np.uint8),
        y_test=np.zeros(4),
    )
    r = _load(tmp_path, name="npz", path="b.npz", target=None)
    assert r.task == "regression" and r.kind == "images" and r.x_train.shape == (10, 5, 5, 1)
    assert r.x_test.shape == (4, 5, 5, 1)


def test_npz_errors(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", features=np.zeros((3, 2)))
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npz", path="a.npz", target=None)
    assert "arrays features; expected x and y" in e.value.message
    np.savez(tmp_path / "b.npz", x=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npz", path="b.npz", target=None)
    assert "'x' has 3 samples but 'y' has 4" in e.value.message
    good = tmp_path / "c.npz"
    np.savez_compressed(good, x=np.zeros((300, 20)), y=np.zeros(300))
    good.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npz", path="c.npz", target=None)
    assert "c.npz" in e.value.message and "truncated" in e.value.message
    obj = np.empty(2, dtype=object)
    obj[0], obj[1] = [1], [2, 3]
    np.savez(tmp_path / "d.npz", x=obj, y=np.zeros(2))
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npz", path="d.npz", target=None)
    assert "pickled" in e.value.message


def test_npz_one_based_labels(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.zeros((9, 2)), y=np.arange(9) % 3 + 1)
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npz", path="a.npz", target=None)
    assert "a.npz" in e.value.message and "1-based" in e.value.message


def test_npy_pair_and_folder(tmp_path: Path) -> None:
    np.save(tmp_path / "feat.npy", np.arange(24, dtype=np.float64).reshape(12, 2))
    np.save(tmp_path / "lab.npy", np.arange(12) % 3)
    d = _load(tmp_path, name="npy", path="feat.npy", target="lab.npy")
    assert d.x_train.shape == (12, 2) and d.n_classes == 3
    folder = tmp_path / "arrays"
    folder.mkdir()
    np.save(folder / "x.npy", np.ones((5, 4), np.float32))
    np.save(folder / "y.npy", np.linspace(0, 1, 5))
    r = _load(tmp_path, name="npy", path="arrays", target=None)
    assert r.task == "regression" and r.x_train.shape == (5, 4)
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npy", path="feat.npy", target="missing.npy")
    assert 'data.target = "missing.npy"' in e.value.message
    (tmp_path / "bad.npy").write_bytes((tmp_path / "feat.npy").read_bytes()[:140])
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="npy", path="bad.npy", target="lab.npy")
    assert "bad.npy" in e.value.message and "truncated" in e.value.message


def test_image_folder_errors_without_tensorflow(tmp_path: Path) -> None:
    (tmp_path / "imgs").mkdir()
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="images", path="imgs", target=None)
    assert "no class subfolders" in e.value.message and "<class name>" in e.value.hint


@pytest.mark.keras
def test_image_folder(tmp_path: Path) -> None:
    import tensorflow as tf

    root = tmp_path / "imgs"
    for c, colour in (("cats", 200), ("dogs", 30)):
        (root / c).mkdir(parents=True)
        for i in range(3):
            img = np.full((10, 12, 3), colour, np.uint8)
            (root / c / f"{i}.png").write_bytes(tf.io.encode_png(img).numpy())
    d = _load(
        tmp_path, name="images", path="imgs", target=None, options={"image_size": [8, 8], "color_mode": "grayscale"}
    )
    assert d.class_names == ["cats", "dogs"] and d.x_train.shape == (6, 8, 8, 1)
    assert d.kind == "images" and d.y_train.dtype == np.int32
    cats = d.x_train[d.y_train == 0]
    assert float(cats.mean()) == pytest.approx(200 / 255, abs=0.02)
    (root / "dogs" / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError) as e:
        _load(tmp_path, name="images", path="imgs", target=None, options={"image_size": [8, 8]})
    assert "broken.png" in e.value.message and "cannot be decoded" in e.value.message


def test_escape_codes_in_a_csv_header_and_labels_reach_the_panel_as_text(tmp_path: Path) -> None:
    """Column and class names come from the file: describe() (what the data panel shows) makes them printable."""
    hostile = CSV.replace("age,", "a\x1b]0;pwned\x07ge,").replace("cat", "c\x1b[2Jat")
    _csv(tmp_path, hostile)
    info = _load(tmp_path).describe()
    text = repr(info)
    assert "\x1b" not in str(info["feature_names"]) + str(info["class_names"]) + str(info.get("baseline_class"))
    assert any("\\x1b]0;pwned" in f for f in info["feature_names"]), info["feature_names"]
    assert any("\\x1b[2J" in c for c in info["class_names"]), info["class_names"]
    assert "\x07" not in text
