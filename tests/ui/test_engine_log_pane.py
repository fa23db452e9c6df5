"""The log pane with a fake engine: TensorFlow's start-up is one line, each message is said once."""

from __future__ import annotations

from typing import Any, Callable

from conftest import wait_for

from tuidl.core import events as ev

STARTUP = [  # as a TensorFlow 2.21 engine wrote them on a machine without a GPU (tests/core/test_enginelog.py)
    "2026-12-02 03:34:10,348 INFO tuidl.engine: process 12926: importing TensorFlow",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796182451.156762   12926 port.cc:153] oneDNN custom operations are on. You may see ...",
    "I0000 00:00:1796182451.157757   12926 cudart_stub.cc:31] Could not find cuda drivers on your machine",
    "I0000 00:00:1796182456.330851   12926 cpu_feature_guard.cc:210] This TensorFlow binary is optimized ...",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the ...",
    "W0000 00:00:1796182456.331000   12926 tf_trt_utils.cc:12] TF-TRT Warning: Could not find TensorRT",
    "E0000 00:00:1796182458.463660   12926 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
    "2026-12-02 03:34:18,465 INFO tuidl.engine.events: engine ready in 8.1 s: {'tensorflow': '2.21.0'} on CPU:0",
]


async def test_startup_folds_and_records_the_app_says_are_left_out(make_app: Callable[..., Any]) -> None:
    app = make_app(ready=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.fakes and app.fakes[0].started, what="engine started")
        fake = app.fakes[0]
        for line in STARTUP:
            fake.emit(ev.LogLine(line))
        fake.make_ready()
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        await pilot.press("t")
        await wait_for(pilot, lambda: "completed after" in app.dashboard.log_text, what="the run's end")
        fake.emit(ev.LogLine("2026-12-02 03:34:56,223 INFO tuidl.engine.events: run x completed after 3 epochs"))
        fake.emit(ev.LogLine("2026-12-02 03:34:57,000 INFO tuidl.engine: a line after the run"))
        await wait_for(pilot, lambda: "a line after the run" in app.dashboard.log_text, what="the last line")
        text = app.dashboard.log_text
        assert text.count("TensorFlow started (7 lines in engine.log)") == 1
        assert text.index("TensorFlow started") < text.index("tuidl: engine ready")
        for noise in ("oneDNN", "cuda drivers", "absl::InitializeLog", "TF-TRT", "cuInit", "cpu_feature_guard"):
            assert noise not in text, noise
        assert text.count("engine ready") == 1 and text.count("completed after") == 1
        assert "INFO tuidl.engine" not in text and "engine: process 12926: importing TensorFlow" in text
        assert "engine: a line after the run" in text
