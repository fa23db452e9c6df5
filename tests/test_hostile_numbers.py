"""Hostile numbers from outside (experiment files, ``--set``, run folders, metrics): a clear
message or a plain fallback, never a traceback."""

from __future__ import annotations

import json
import math

import pytest

from runfolders import write_finished_run
from tuidl.cli import main
from tuidl.core.errors import SpecError
from tuidl.core.history import PLOT_MAX, prepare_series
from tuidl.core.runs import RunFollower, UnreadableFile, read_run_json, read_spec_dict, spec_facts
from tuidl.core.spec import loads, parse_override
from tuidl.core.text import format_duration
from tuidl.core.ticks import EPOCH_AXIS_MAX, epoch_ticks, fmt_number, nice_ticks, nonfinite_note

# more digits than int() reads from text (Python's limit is 4300): tomllib and json let its ValueError through
HUGE_INT = "9" * 5000
SPEC = '[data]\nname = "digits"\n'


def test_a_set_value_of_thousands_of_digits_is_refused_with_a_message(capsys):
    assert parse_override(f"fit.epochs={HUGE_INT}") == ("fit.epochs", HUGE_INT)  # not TOML: the text as it is
    assert main(["run", "digits-mlp", "--json", "--set", f"fit.epochs={HUGE_INT}"]) == 2
    captured = capsys.readouterr()
    (end,) = [json.loads(line) for line in captured.out.splitlines()]
    assert end["event"] == "end" and end["exit_code"] == 2 and "fit.epochs" in end["error"]["message"]
    assert "Traceback" not in captured.err


def test_an_experiment_file_with_thousands_of_digits_is_a_spec_error():
    with pytest.raises(SpecError, match="more than .* digits"):
        loads(f'name = "big"\n[fit]\nepochs = {HUGE_INT}\n', origin="big.toml")


def test_a_run_folder_with_thousands_of_digits_is_read_without_a_traceback(tmp_path):
    d = write_finished_run(tmp_path, SPEC, [{"epoch": 0, "loss": 1.0}], name="big")
    (d / "spec.toml").write_text(f"[fit]\nepochs = {HUGE_INT}\n")
    assert spec_facts((d / "spec.toml").read_text()) == {}
    assert read_spec_dict(d) == {}
    assert spec_facts("a = " + "[" * 5000 + "]" * 5000) == {}  # nested thousands deep
    (d / "run.json").write_text('{"params": ' + HUGE_INT + "}")
    with pytest.raises(UnreadableFile, match="digits"):
        read_run_json(d, "run.json")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (math.nan, "-"),
        (math.inf, "-"),
        (-math.inf, "-"),
        (-5.0, "-"),
        (1e308, ">99999h"),
        (10**400, "-"),
        (59.94, "59.9s"),
        (59.97, "1m00s"),
    ],
    ids=["nan", "inf", "-inf", "negative", "1e308", "int-10**400", "plain", "rounds-to-60"],
)
def test_format_duration_of_what_is_no_duration(seconds, text):
    assert format_duration(seconds) == text


def test_runs_table_of_a_run_json_with_a_huge_duration(tmp_path, capsys):
    d = write_finished_run(tmp_path, SPEC, [{"epoch": 0, "loss": 1.0}], name="long")
    info = json.loads((d / "run.json").read_text())
    (d / "run.json").write_text(json.dumps({**info, "duration": 1e308}))
    assert main(["runs", "--runs-dir", str(tmp_path), "--wide"]) == 0
    out = capsys.readouterr().out
    assert ">99999h" in out and "2777777" not in out


# -- chart ticks of what a hostile metrics.jsonl can hold ----------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(-1e308, 1e308), (5e-324, 1e-323), (-1.7e308, 1.7e308), (1e-300, 2e-300)],
    ids=["-1e308..1e308", "subnormal", "near-max", "tiny"],
)
def test_nice_ticks_at_the_ends_of_float(lo, hi):
    for count in (1, 2, 5, 40):
        ticks, labels = nice_ticks(lo, hi, count)
        assert 2 <= len(ticks) <= max(2, count) and len(labels) == len(ticks)
        assert all(math.isfinite(t) and lo <= t <= hi for t in ticks)


def test_epoch_ticks_and_notes_of_absurd_epochs():
    lo, hi, ticks = epoch_ticks(0, 1e308, 40)
    assert lo == 0 and hi == EPOCH_AXIS_MAX and 1 <= len(ticks) <= 40
    assert nonfinite_note([(math.nan, math.inf)]) == "✕ inf at epoch nan"
    assert nonfinite_note([(1e308, math.nan)]) == "✕ nan at epoch 1e+308"
    assert fmt_number(10**400) == "1.000e+400"


# -- a hostile metrics.jsonl ---------------------------------------------------------------------


def test_a_metrics_line_with_an_epoch_that_is_no_number_is_read(tmp_path):
    d = write_finished_run(tmp_path, SPEC, [], name="m")
    lines = [
        '{"epoch": "abc", "loss": 1}',
        '{"epoch": NaN, "loss": 2}',
        '{"epoch": null, "loss": 3}',
        '{"epoch": [1], "loss": 4}',
        '{"epoch": 4, "loss": 1' + "0" * 400 + "}",  # an int past float: infinite
    ]
    (d / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    f = RunFollower(d)
    assert f.poll() == 5
    xs, ys = f.history.series("loss")
    assert xs.tolist() == [1, 2, 3, 4, 5] and ys.tolist() == [1, 2, 3, 4, math.inf]


def test_values_past_what_a_chart_draws_are_marked_with_what_they_were():
    p = prepare_series([0, 1, 2, 1e308], [1.0, -1e308, 2.0, 3.0])
    assert p.xs.tolist() == [0, 2] and p.ys.tolist() == [1.0, 2.0]
    assert p.nonfinite_xs.tolist() == [1] and p.nonfinite_ys.tolist() == [-1e308]
    assert nonfinite_note(list(zip(p.nonfinite_xs.tolist(), p.nonfinite_ys.tolist()))) == "✕ -1e+308 at epoch 1"
    assert abs(PLOT_MAX * 10**8) < math.inf  # plotext multiplies by 10**8


@pytest.mark.parametrize(
    "records",
    [
        [{"epoch": 0, "loss": -1e308, "val_loss": -1e308}, {"epoch": 1, "loss": 1e308, "val_loss": 1e308}],
        [{"epoch": 0, "loss": 1, "val_loss": 1}, {"epoch": 1e308, "loss": 2, "val_loss": 2}],
        [{"epoch": 0, "loss": 1, "val_loss": 1}, {"epoch": 1e300, "loss": 2, "val_loss": 3}],
    ],
    ids=["values-1e308", "epoch-1e308", "epoch-1e300"],
)
async def test_the_runs_browser_chart_of_a_hostile_metrics_file(tmp_path, records):
    from textual.app import App
    from textual_plotext import PlotextPlot

    from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart

    d = write_finished_run(tmp_path, SPEC, [], name="m")
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    f = RunFollower(d)
    f.poll()

    class ChartApp(App):
        def compose(self):
            yield CompareChart()

    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(CompareChart)
        chart.set_runs([ChartRun("a", "m", f.history, 0)])
        await pilot.pause()
        chart.query_one(PlotextPlot).plt.build()  # what a render does; raised OverflowError, or ran for hours
        assert chart.last_notes is not None


def test_clip_polyline_keeps_the_line_inside_and_cuts_it_near_the_plot():
    from tuidl.core.history import clip_polyline

    xs, ys = [0.0, 1.0, 2.0, 3.0, 4.0], [0.5, 0.6, 1e6, 0.7, 0.4]
    pieces = clip_polyline(xs, ys, (0.0, 4.0), (0.0, 1.0))
    assert len(pieces) == 2  # the line leaves the widened box (y <= 2) and comes back
    (x1, y1), (x2, y2) = pieces
    assert x1[:2] == [0.0, 1.0] and y1[:2] == [0.5, 0.6] and y1[-1] == 2.0 and 1.0 < x1[-1] < 2.0
    assert y2[0] == 2.0 and 2.0 < x2[0] < 3.0 and x2[1:] == [3.0, 4.0] and y2[1:] == [0.7, 0.4]
    assert clip_polyline(xs[:2], ys[:2], (0.0, 4.0), (0.0, 1.0)) == [([0.0, 1.0], [0.5, 0.6])]  # inside: as it is
    assert clip_polyline([1e12], [0.5], (0.0, 4.0), (0.0, 1.0)) == []
    # from 1e300 down to 0.043: the cut end is on the top edge, not at 1e300 - 1e300 = 0
    assert clip_polyline([22.0, 23.0], [1e300, 0.043], (1.0, 30.0), (0.0, 0.6)) == [([23.0, 23.0], [1.2, 0.043])]
    # a zoom window with a far neighbour: the piece ends one window-width past the edge
    ((px, _),) = clip_polyline([1.0, 2.0, 1e12], [0.5, 0.5, 0.5], (1.0, 2.0), (0.0, 1.0))
    assert px == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("peak", [1e6, 1e300])
async def test_the_runs_browser_chart_ignoring_outliers_of_a_diverging_run(peak):
    """A loss that reached 1e6 under the "outliers" y range: plotext walked its line cell by
    cell to 1e6 (minutes, gigabytes); 1e300 overflowed plotext's arithmetic."""
    from textual.app import App
    from textual_plotext import PlotextPlot

    from tuidl.core.history import RunHistory
    from tuidl.ui.widgets.compare_chart import ChartRun, CompareChart

    records = [{"epoch": e, "loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1)} for e in range(40)]
    records[-1]["loss"] = records[-1]["val_loss"] = peak

    class ChartApp(App):
        def compose(self):
            yield CompareChart()

    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(CompareChart)
        chart.y_mode = "outliers"
        with patch_line_walk(max_cells=200_000):
            chart.set_runs([ChartRun("a", "x", RunHistory.from_records(records), 0)])
            await pilot.pause()
            chart.query_one(PlotextPlot).plt.build()
        assert "y outliers" in chart.last_notes


def patch_line_walk(max_cells: int):
    """plotext's line walk, failing fast (instead of running for minutes) past ``max_cells`` cells."""
    from unittest import mock

    import plotext._utility as ut

    real = ut.get_line

    def get_line(x, y):
        if ut.all_numerical(ut.join([x, y])):
            cells = max(abs(int(x[1]) - int(x[0])), abs(int(y[1]) - int(y[0])))
            assert cells <= max_cells, f"a line of {cells} cells"
        return real(x, y)

    return mock.patch.object(ut, "get_line", get_line)


def test_run_names_write_exponents_without_a_plus_the_folder_would_turn_into_a_minus():
    from tuidl.core.presets import load_experiment, run_name_for
    from tuidl.core.runs.naming import folder_safe

    def name(value: str) -> str:
        return run_name_for(load_experiment("digits-mlp", [f"compile.optimizer.config.learning_rate={value}"]))

    assert name("1e308") == "digits-mlp learning_rate=1e308"
    assert folder_safe(name("1e6")) == "digits-mlp-learning_rate-1e6"  # was ...-1e-06: a millionth
    assert name("1e-5") == "digits-mlp learning_rate=1e-5"


def test_a_file_with_thousands_of_problems_or_a_huge_key_gets_a_screenful():
    text = 'name = "a"\n' + "".join(f"k{i} = 1\n" for i in range(5000)) + '"' + "k" * 100_000 + '" = 1\n'
    with pytest.raises(SpecError) as e:
        loads(text, origin="x.toml")
    msg = str(e.value)
    assert "5001 problems:" in msg and "... and 4982 more" in msg
    assert len(msg.splitlines()) <= 25 and len(msg) < 3000, len(msg)


def test_json_lines_hold_no_lone_surrogate_of_an_undecodable_file_name(capsys):
    """Python reads a command line's byte 0xff as the lone surrogate U+DCFF; JSON that holds it
    (``"\\udcff"``) is refused by strict parsers (serde_json, Go)."""
    assert main(["check", "--json", "/nonexistent/\udcff.toml"]) == 2
    out = capsys.readouterr().out
    events = [json.loads(line) for line in out.splitlines()]
    text = json.dumps(events, ensure_ascii=False)
    assert not any("\ud800" <= c <= "\udfff" for c in text), out
    assert events[0]["target"] == "/nonexistent/\\udcff.toml"


def test_a_set_index_of_thousands_of_digits_does_not_exist():
    from tuidl.core.presets import load_experiment

    for sign in ("", "-"):
        with pytest.raises(SpecError, match="does not exist"):
            load_experiment("digits-mlp", [f"model.layers[{sign}{HUGE_INT}].config.units=1"])


def test_a_native_warning_after_a_left_out_record_is_shown():
    """Only the traceback under an engine-event record is left out; a TensorFlow C++ line that
    follows (fd 2 is one pipe) was dropped with it until the next record."""
    from tuidl.core.enginelog import fold_engine_log

    native = "W0000 00:00:1700000000.000000 123 bfc_allocator.cc:291] Allocator ran out of memory"
    lines = [
        "2026-12-02 03:35:01,000 ERROR tuidl.engine.events: run r1 failed: boom",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ValueError: boom",
        "",
        "During handling of the above exception, another exception occurred:",
        "Traceback (most recent call last):",
        '  File "y.py", line 2, in <module>',
        "RuntimeError: again",
        native,
        "2026-12-02 03:35:02,000 INFO tuidl.engine.events: engine ready",
        native,
    ]
    assert fold_engine_log(lines) == [native, native]
