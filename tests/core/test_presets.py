"""Presets: the shipped experiment and component presets, user presets merged in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.core.errors import PresetError, SpecError
from tuidl.core.presets import (
    FAMILIES,
    builtin_dir,
    components,
    experiment_presets,
    load_experiment,
    resolve_component,
    resolved,
)
from tuidl.core.spec import KerasRef

REQUIRED = {
    "optimizers": {"sgd", "sgd-momentum", "rmsprop", "adam", "adamw"},
    "regularizers": {"none", "l1", "l2", "l1l2"},
    "initializers": {"glorot-uniform", "he-normal", "lecun-normal", "small-normal", "zeros"},
}


def test_shipped_experiment_presets() -> None:
    presets = experiment_presets()
    assert {"digits-mlp", "digits-cnn"} <= set(presets)
    files = sorted(p.stem for p in builtin_dir().glob("*.toml"))
    assert files and all(presets[f].builtin for f in files)


@pytest.mark.parametrize("name", sorted(p.stem for p in builtin_dir().glob("*.toml")))
def test_every_shipped_preset_loads(name: str) -> None:
    exp = load_experiment(name)
    assert exp.model.layers
    assert exp.name == name
    resolved(exp)  # every component name it uses exists


def test_digits_presets_shape() -> None:
    mlp = load_experiment("digits-mlp")
    assert [l.class_name for l in mlp.model.layers][-1] == "Dense"
    assert mlp.model.layers[-1].config["activation"] == "softmax"
    cnn = load_experiment("digits-cnn")
    kinds = {l.class_name for l in cnn.model.layers}
    assert {"Conv2D", "MaxPooling2D"} <= kinds


@pytest.mark.parametrize("family", FAMILIES)
def test_component_families(family: str) -> None:
    found = components(family)
    assert REQUIRED[family] <= set(found)
    assert all(isinstance(v, KerasRef) for v in found.values())


def test_small_normal_and_l1l2_have_rates() -> None:
    assert components("initializers")["small-normal"].config["stddev"] == pytest.approx(0.01)
    l1l2 = components("regularizers")["l1l2"]
    assert l1l2.class_name == "L1L2" and l1l2.config["l1"] > 0 and l1l2.config["l2"] > 0


def test_none_regularizer_resolves_to_none() -> None:
    assert resolve_component("regularizers", "none") is None
    exp = resolved(load_experiment("digits-mlp"))
    assert all("kernel_regularizer" not in l.config for l in exp.model.layers)


def test_inline_component_passes_through() -> None:
    ref = {"class_name": "L2", "config": {"l2": 0.5}}
    assert resolve_component("regularizers", ref) == ref


def test_unknown_family() -> None:
    with pytest.raises(PresetError, match="unknown preset family 'losses'"):
        components("losses")  # type: ignore[arg-type]


def test_user_presets_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user"
    (user / "components").mkdir(parents=True)
    (user / "components" / "optimizers.toml").write_text(
        '[fast-sgd]\nclass_name = "SGD"\nconfig = { learning_rate = 0.5 }\n'
        '[adam]\nclass_name = "Adam"\nconfig = { learning_rate = 0.01 }\n',
        encoding="utf-8",
    )
    (user / "mine.toml").write_text(
        load_experiment("digits-mlp").model_copy(update={"name": "mine"}).to_toml(), encoding="utf-8"
    )
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(user))
    opts = components("optimizers")
    assert opts["fast-sgd"].config == {"learning_rate": 0.5}
    assert opts["adam"].config == {"learning_rate": 0.01}  # user overrides built-in
    assert "sgd" in opts
    presets = experiment_presets()
    assert not presets["mine"].builtin and presets["digits-mlp"].builtin
    assert load_experiment("mine").name == "mine"


def test_bad_user_component_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "regularizers.toml").write_text("[oops]\nconfig = {}\n", encoding="utf-8")
    monkeypatch.setenv("TUIDL_PRESETS_DIR", str(tmp_path))
    with pytest.raises(PresetError, match=r"\[oops\] needs class_name"):
        components("regularizers")


def test_unknown_component_in_layer_names_field() -> None:
    with pytest.raises(SpecError) as info:
        load_experiment("digits-mlp", ["model.layers[2].config.kernel_regularizer=l3"])
    assert 'model.layers[2].config.kernel_regularizer = "l3"' in info.value.message
    assert "l1l2" in info.value.message


def test_builtin_presets_found_from_another_folder(tmp_path: Path) -> None:
    code = "from tuidl.core.presets import load_experiment; print(load_experiment('digits-cnn').name)"
    env = {**os.environ, "TUIDL_PRESETS_DIR": str(tmp_path / "none")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "digits-cnn"


def test_builtin_presets_ship_in_the_wheel(tmp_path: Path) -> None:
    """A non-editable install (the built wheel, unpacked elsewhere) finds the built-in presets."""
    repo = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = wheels.glob("tuidl-*.whl")
    site = tmp_path / "site"
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inst.returncode == 0, inst.stderr
    code = (
        "import tuidl.core.presets as p; print(p.__file__); print(p.builtin_dir()); "
        "print(p.load_experiment('digits-cnn').name); print(len(p.components('optimizers')))"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "TUIDL_PRESETS_DIR": str(tmp_path / "none")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    module_file, folder, name, n_optimizers = out.stdout.split("\n")[:4]
    assert module_file.startswith(str(site)), "imported the checkout, not the installed wheel"
    assert folder == str(site / "tuidl" / "_builtin_presets")
    assert name == "digits-cnn" and int(n_optimizers) >= 5
