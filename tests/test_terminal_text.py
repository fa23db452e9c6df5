"""Text from files never drives the terminal: escape sequences and control characters in a run
folder or a preset are shown as ``\\x1b``-style text by ``tuidl runs``, ``tuidl check`` and the
readers behind the screens (issue 8, item 2)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuidl.core.runs import list_summaries, read_metrics, read_spec_dict
from tuidl.core.spec import SpecError, loads
from tuidl.core.text import PrintableWriter, printable, printable_data

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}

TITLE = "\x1b]0;pwned\x07"  # OSC 0: set the terminal's title
WIPE = "\x1b[2J\x1b[H"  # erase the screen, cursor home
CSI8 = "\x9b2J"  # one-byte CSI (C1), erase the screen on terminals that obey C1
# bytes that must never reach a terminal from outside text: ESC, BEL, BS, CR, DEL, C1 in UTF-8
RAW = [b"\x1b", b"\x07", b"\x08", b"\r", b"\x7f", b"\xc2\x9b", b"\xc2\x9d", b"\xe2\x80\xae"]


def raw_controls(data: bytes) -> list[bytes]:
    return [c for c in RAW if c in data]


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable(f"run{TITLE}") == "run\\x1b]0;pwned\\x07"
    assert printable(CSI8) == "\\x9b2J"
    assert printable("a\x7fb\x00c") == "a\\x7fb\\x00c"
    assert printable("\ud800x") == "\\ud800x"  # a lone surrogate (surrogateescape) cannot even be encoded
    assert printable("abc\u202edef") == "abc\\u202edef"  # right-to-left override
    kept = "Dense [64] é 日本 😀 ünïcode — ok"
    assert printable(kept) == kept
    assert printable("a\tb\nc") == "a\\x09b\\x0ac"
    assert printable("a\tb\nc\r", lines=True) == "a\tb\nc\\x0d"
    assert printable(12) == "12"
    assert printable_data({"k\x1b": ["v\x07", 1, None, ("t\x9b",)]}) == {"k\\x1b": ["v\\x07", 1, None, ("t\\x9b",)]}


def test_printable_writer_filters_what_is_written() -> None:
    buf = io.StringIO()
    print(f"name {TITLE}\nnext\tline", file=PrintableWriter(buf))
    assert buf.getvalue() == "name \\x1b]0;pwned\\x07\nnext\tline\n"


@pytest.fixture
def crafted_runs(tmp_path: Path) -> Path:
    """Two run folders a colleague could hand over, with escape sequences in every text field."""
    root = tmp_path / "runs"
    a = root / f"20240101-000000-evil{WIPE}-aaaa"  # even the folder name
    a.mkdir(parents=True)
    (a / "run.json").write_text(
        json.dumps(
            {
                "name": f"evil{TITLE}",
                "status": "failed",
                "started": "2024-01-01T00:00:00+00:00",
                "ended": "2024-01-01T00:01:00+00:00",
                "dataset": {"name": f"digits{WIPE}"},
                "optimizer": f"adam{CSI8}",
                "params": 10,
                "tags": [f"t{TITLE}"],
                "error": {"title": f"Training failed{WIPE}", "message": f"boom{TITLE}\u202e"},
            }
        ),
        encoding="utf-8",
    )
    (a / "metrics.jsonl").write_text(
        json.dumps({"epoch": 0, "loss": 1.0, "val_loss": 0.9, f"val_acc{WIPE}": 0.5}) + "\n", encoding="utf-8"
    )
    (a / "spec.toml").write_text(
        f'name = "x"\ndescription = "d\\u001b[2J"\n[data]\nname = "iris{CSI8}"\n', encoding="utf-8"
    )
    b = root / "20240102-000000-meta-bbbb"
    b.mkdir()
    (b / "run.json").write_text(
        json.dumps({"name": "plain", "status": f"completed{WIPE}", "started": "2024-01-02T00:00:00+00:00"}),
        encoding="utf-8",
    )
    (b / "meta.json").write_text(
        json.dumps({"display_name": f"renamed{TITLE}", "tags": [f"x{CSI8}", "ok"]}), encoding="utf-8"
    )
    (b / "spec.toml").write_text('[compile]\noptimizer = "sgd\\u001b]0;t\\u0007"\n', encoding="utf-8")
    return root


def test_run_summaries_are_printable_at_the_read_boundary(crafted_runs: Path) -> None:
    b, a = list_summaries(crafted_runs)
    for r in (a, b):
        for field in ("run_id", "name", "dataset", "optimizer", "status", "error", "metric", "started"):
            v = getattr(r, field)
            assert v is None or v == printable(v), (field, v)
        assert all(t == printable(t) for t in r.tags)
    assert a.name == "evil\\x1b]0;pwned\\x07" and a.dataset == "digits\\x1b[2J\\x1b[H"
    assert a.optimizer == "adam\\x9b2J" and a.tags == ("t\\x1b]0;pwned\\x07",)
    assert a.error == "Training failed\\x1b[2J\\x1b[H: boom\\x1b]0;pwned\\x07\\u202e"
    assert a.metric == "val_acc\\x1b[2J\\x1b[H" and a.dir.name.endswith(f"{WIPE}-aaaa")  # the folder itself
    assert b.name == "renamed\\x1b]0;pwned\\x07" and b.tags == ("x\\x9b2J", "ok")
    assert b.status == "completed\\x1b[2J\\x1b[H" and b.optimizer == "sgd\\x1b]0;t\\x07"
    assert list(read_metrics(a.dir / "metrics.jsonl")[0]) == ["epoch", "loss", "val_loss", "val_acc\\x1b[2J\\x1b[H"]
    assert read_spec_dict(a.dir) == {"name": "x", "description": "d\\x1b[2J", "data": {"name": "iris\\x9b2J"}}


def tuidl(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "tuidl", *args], cwd=cwd, env=ENV, capture_output=True, timeout=300)


def test_tuidl_runs_table_json_and_csv_print_no_raw_escape(crafted_runs: Path, tmp_path: Path) -> None:
    p = tuidl("runs", "--runs-dir", str(crafted_runs), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert raw_controls(p.stdout) == [] and raw_controls(p.stderr) == []
    out = p.stdout.decode()
    assert "evil\\x1b]0;pwned\\x07" in out and "renamed\\x1b]0;pwned\\x07" in out and "adam\\x9b2J" in out
    assert len(out.splitlines()) == 3  # header + two rows: nothing wiped, nothing split

    p = tuidl("runs", "--runs-dir", str(crafted_runs), "--json", cwd=tmp_path)
    assert p.returncode == 0 and raw_controls(p.stdout) == []
    data = json.loads(p.stdout)  # still valid JSON
    assert {r["name"] for r in data} == {"evil\\x1b]0;pwned\\x07", "renamed\\x1b]0;pwned\\x07"}

    ids = [r["run_id"] for r in data]
    p = tuidl("runs", "--runs-dir", str(crafted_runs), "--csv", "-", *ids, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert raw_controls(p.stdout.replace(b"\r\n", b"\n")) == []  # CSV's own line ends are \r\n
    rows = list(csv.reader(io.StringIO(p.stdout.decode(), newline="")))
    assert "val_acc\\x1b[2J\\x1b[H" in rows[0]
    assert {row[1] for row in rows[1:]} == {"evil\\x1b]0;pwned\\x07"}  # the other run has no epochs
    assert rows[1][0] == "20240101-000000-evil\\x1b[2J\\x1b[H-aaaa"


def test_spec_refuses_control_characters_naming_the_field() -> None:
    with pytest.raises(SpecError) as e:
        loads('name = "x"\n[compile]\noptimizer = "adam\\u001b]0;pwned\\u0007"\n', origin="f.toml")
    assert "f.toml: compile.optimizer" in str(e.value) and "control characters" in str(e.value)
    with pytest.raises(SpecError) as e:
        loads('name = "x"\n[data]\nname = "csv"\npath = "d.csv"\ntarget = "y\\u009b"\n', origin="f.toml")
    assert "data.target" in str(e.value)
    assert loads('name = "x"\ndescription = "two\\nlines\\tand a tab"\n').description == "two\nlines\tand a tab"


@pytest.mark.parametrize("name", ["a b", "a:b", "x/y", f"n{TITLE}", "é", "a\nb", "-lead", 3])
def test_layer_names_follow_keras_rules(name) -> None:
    from tuidl.core.spec import from_dict

    spec = {"name": "x", "model": {"layers": [{"class_name": "Dense", "config": {"units": 2, "name": name}}]}}
    with pytest.raises(SpecError) as e:
        from_dict(spec, origin="f.toml")
    msg = str(e.value)
    assert "model.layers[0].config.name" in msg and "Keras" in msg and "letters" in msg
    ok = {"name": "x", "model": {"layers": [{"class_name": "Dense", "config": {"units": 2, "name": "dense_out.v2-a"}}]}}
    assert from_dict(ok).model.layers[0].config["name"] == "dense_out.v2-a"


def test_tuidl_check_prints_escapes_in_a_preset_as_text(tmp_path: Path) -> None:
    f = tmp_path / "evil.toml"
    f.write_text(
        'name = "evil"\n[data]\nname = "iris"\n'
        '[[model.layers]]\nclass_name = "Dense"\n'
        'config = { units = 3, activation = "softmax", name = "out\\u001b]0;pwned\\u0007\\u009b2J" }\n'
        '[compile]\noptimizer = "adam\\u001b[2J"\n',
        encoding="utf-8",
    )
    p = tuidl("check", str(f), cwd=tmp_path)
    assert p.returncode == 2
    assert raw_controls(p.stdout) == [] and raw_controls(p.stderr) == []
    out = p.stdout.decode()
    assert "model.layers[0].config.name" in out and "compile.optimizer" in out
    assert "Traceback" not in out + p.stderr.decode()


def test_keras_message_loses_keras_bold_codes_and_controls() -> None:
    from tuidl.engine.build import keras_message

    msg = keras_message(ValueError("Exception encountered when calling X.\n\x1b[1m'a b' is not valid\x1b[0m\x07"))
    assert "\x1b" not in msg and "\x07" not in msg and "'a b' is not valid" in msg
