"""Benchmark (b): time from launching ``tuidl`` to its first painted frame, next to ``import tensorflow``.

``tuidl`` is launched as a user would, in a pseudo-terminal of 80x24: the
clock starts just before the process is spawned and stops when the terminal
receives the dashboard's first frame (the status line's "engine loading"
text). The same launch then waits until the engine reports ready ("ready ·"
on the status line), and finally presses ``ctrl+q`` and times the exit. The
anchor, measured in the same run, is a fresh ``python -c "import tensorflow"``.

Target: first frame <= 1 s (and well before TensorFlow has loaded).

Run: ``python benchmarks/bench_startup.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z]|\x1b[\]P][^\x07\x1b]*(\x07|\x1b\\)|\x1b.")


def _tuidl() -> list[str]:
    exe = Path(sys.executable).with_name("tuidl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tuidl"]


def launch_once(timeout: float = 120.0) -> dict[str, float]:
    """One launch in a pty; returns seconds to first frame, to engine ready, and to exit after ctrl+q."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory() as runs:
        env["TUIDL_RUNS_DIR"] = runs
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            _tuidl(), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, cwd=runs
        )
        os.close(slave)
        seen = b""
        out: dict[str, float] = {}
        deadline = t0 + timeout
        quit_sent = 0.0
        try:
            while time.perf_counter() < deadline:
                r, _, _ = select.select([master], [], [], 0.05)
                if r:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    seen += chunk
                    text = ANSI.sub(b"", seen)
                    now = time.perf_counter()
                    if "first_frame" not in out and b"engine loading" in text:
                        out["first_frame"] = now - t0
                    if "engine_ready" not in out and b"ready \xc2\xb7" in text:
                        out["engine_ready"] = now - t0
                        quit_sent = time.perf_counter()
                        os.write(master, b"\x11")  # ctrl+q
                    seen = seen[-4096:]
                if proc.poll() is not None:
                    break
            if quit_sent:
                proc.wait(timeout=10)
                out["quit"] = time.perf_counter() - quit_sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
    return out


def import_tensorflow() -> float:
    """Seconds for a fresh interpreter to ``import tensorflow`` (interpreter start included)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import tensorflow"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    runs = [launch_once() for _ in range(a.repeat)]
    tf = [import_tensorflow() for _ in range(a.repeat)]

    def med(key: str) -> str:
        vals = [r[key] for r in runs if key in r]
        return f"{statistics.median(vals):8.2f}" if vals else "     n/a"

    print(f"tuidl startup, {a.repeat} launches in an 80x24 pty (median seconds)")
    print(f"{'measure':<44} {'seconds':>8}")
    print(f"{'launch -> first painted frame':<44} {med('first_frame')}")
    print(f"{'launch -> engine ready (TensorFlow loaded)':<44} {med('engine_ready')}")
    print(f"{'ctrl+q -> process exited':<44} {med('quit')}")
    anchor = 'anchor: python -c "import tensorflow"'
    print(f"{anchor:<44} {statistics.median(tf):8.2f}")
    ff = [r["first_frame"] for r in runs if "first_frame" in r]
    if ff:
        verdict = "meets" if max(ff) <= 1.0 else "misses"
        print(f"target first frame <= 1 s: {verdict} (worst {max(ff):.2f} s)")


if __name__ == "__main__":
    main()
