"""The engine log as the pane shows it (:mod:`tuidl.core.enginelog`): each message once, TensorFlow's
start-up folded into one line, the warnings that matter kept."""

from __future__ import annotations

from tuidl.core.enginelog import EngineLogFolder, fold_engine_log, is_tf_startup_noise, parse_record

# what a TensorFlow 2.21 engine wrote on a machine without a GPU (one start, as captured)
STARTUP = [
    "2026-12-02 03:34:10,348 INFO tuidl.engine: process 12926: importing TensorFlow",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796182451.156762   12926 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders. "
    "To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "I0000 00:00:1796182451.157757   12926 cudart_stub.cc:31] Could not find cuda drivers on your machine, "
    "GPU will not be used.",
    "I0000 00:00:1796182456.330851   12926 cpu_feature_guard.cc:210] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate "
    "compiler flags.",
    "W0000 00:00:1796182456.331000   12926 tf_trt_utils.cc:12] TF-TRT Warning: Could not find TensorRT",
    "E0000 00:00:1796182458.463660   12926 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: "
    "Failed call to cuInit: UNKNOWN ERROR (303)",
    "2026-12-02 03:34:18,465 INFO tuidl.engine.events: engine ready in 8.1 s: {'tensorflow': '2.21.0'} on CPU:0",
]


def test_startup_is_one_line_and_tuidls_records_are_said_once():
    assert fold_engine_log(STARTUP) == [
        "engine: process 12926: importing TensorFlow",
        "TensorFlow started (7 lines in engine.log)",
    ]  # the `engine ready` record is the App's own `tuidl: engine ready ...` line (from EngineReady)


def test_warnings_and_errors_that_matter_are_kept():
    lines = [
        STARTUP[2],
        "W0000 00:00:1796182460.000000   12926 op_kernel.cc:1857] OP_REQUIRES failed at xla_ops.cc:580 : "
        "RESOURCE_EXHAUSTED: Out of memory while trying to allocate 1073741824 bytes.",
        "2026-12-02 03:35:00,000 WARNING py.warnings: /x/keras/layer.py:12: UserWarning: Do not pass an input_shape",
        "2026-12-02 03:35:01,000 ERROR tuidl.engine: run r1: cannot open engine.log: [Errno 28] No space left",
        "Traceback (most recent call last):",
    ]
    assert fold_engine_log(lines, "engine.log") == [
        "TensorFlow started (1 line in engine.log)",
        lines[1],
        "py.warnings WARNING: /x/keras/layer.py:12: UserWarning: Do not pass an input_shape",
        "engine ERROR: run r1: cannot open engine.log: [Errno 28] No space left",
        "Traceback (most recent call last):",  # under a record that is shown: shown
    ]


def test_a_record_an_event_reports_is_left_out_with_its_traceback():
    lines = [
        "2026-12-02 03:35:01,000 ERROR tuidl.engine.events: run r1 failed: boom",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ValueError: boom",
        "2026-12-02 03:35:02,000 INFO tuidl.engine: loading data 'digits'",
        "a line of its own",
    ]
    assert fold_engine_log(lines) == ["engine: loading data 'digits'", "a line of its own"]


def test_streaming_folds_until_the_next_line_or_a_flush():
    folder = EngineLogFolder("~/.local/state/tuidl/log/engine.log")
    assert folder.feed(STARTUP[1]) == [] and folder.feed(STARTUP[2]) == []
    assert folder.flush() == ["TensorFlow started (2 lines in ~/.local/state/tuidl/log/engine.log)"]
    assert folder.flush() == []
    assert folder.feed(STARTUP[7]) == []  # start-up noise after the fold: counted again
    assert folder.feed("something else") == [
        "TensorFlow: 1 more start-up line (in ~/.local/state/tuidl/log/engine.log)",
        "something else",
    ]


def test_the_pieces():
    assert all(is_tf_startup_noise(line) for line in STARTUP[1:8])
    assert not is_tf_startup_noise(STARTUP[0]) and not is_tf_startup_noise("W0000 ... a real warning")
    assert parse_record(STARTUP[0]) == ("INFO", "tuidl.engine", "process 12926: importing TensorFlow")
    assert parse_record("INFO tuidl.engine: no time stamp") is None


def test_a_cudnn_error_on_a_gpu_box_is_kept_and_its_registration_noise_folded():
    """On a GPU machine the CUDA loaders' information folds, but an error of theirs says why the
    GPU goes unused (a cuDNN that does not match the one TensorFlow was built with): shown."""
    info = "I0000 00:00:1796182451.100000   12926 cuda_dnn.cc:529] Loaded cuDNN version 90300"
    noise = (
        "E0000 00:00:1796182451.200000   12926 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting "
        "to register factory for plugin cuDNN when one has already been registered"
    )
    mismatch = (
        "E0000 00:00:1796182452.000000   12926 cuda_dnn.cc:522] Loaded runtime CuDNN library: 8.1.0 but source "
        "was compiled with: 8.9.4. CuDNN library needs to have matching major version and equal or higher minor."
    )
    old_style = "2026-12-02 03:34:10.000000: E tensorflow/stream_executor/cuda/cuda_dnn.cc:377] Loaded runtime CuDNN"
    assert is_tf_startup_noise(info) and is_tf_startup_noise(noise)
    assert not is_tf_startup_noise(mismatch) and not is_tf_startup_noise(old_style)
    assert fold_engine_log([info, noise, mismatch], "engine.log") == [
        "TensorFlow started (2 lines in engine.log)",
        mismatch,
    ]
