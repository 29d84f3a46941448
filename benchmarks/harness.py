"""Plumbing for the benchmarks: a Streamlit server on loopback, headless Chromium, timing."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
POINTS = '[data-testid="stVegaLiteChart"] g.mark-symbol.role-mark path'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall times in seconds of `runs` calls of `fn`."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


@contextmanager
def server(script: Path, options: Sequence[str] = (), env: Mapping[str, str] | None = None,
           log: object | None = None) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """A Streamlit server for `script` on a free loopback port: (url, process, start time).

    `options` are extra command-line options (`--server.disconnectedSessionTTL`, `5`), `env`
    extra environment variables, `log` an open binary file for the server's output.
    """
    port = free_port()
    own_log = log is None
    log = tempfile.TemporaryFile() if own_log else log
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", *options],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=None if env is None else {**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"{script.name} did not start: {log.read()!r}")
                time.sleep(0.02)
        yield url, proc, start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if own_log:
            log.close()


def proc_status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/PID/status (`VmRSS`, `VmHWM`, ...) in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    return proc_status_mb(pid, "VmRSS")


@contextmanager
def chromium() -> Iterator[object]:
    """Headless system Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: install Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


CANVAS_ABOVE = 2000
"""Above about this many points Streamlit's Vega renderer draws on a canvas, not SVG."""


def wait_chart_drawn(page, points: int, timeout_ms: int = 120000) -> None:
    """Wait until the chart is drawn: `points` SVG symbols, or for big charts a sized canvas."""
    if points > CANVAS_ABOVE:
        page.wait_for_function(
            """() => { const c = document.querySelector('[data-testid="stVegaLiteChart"] canvas');
                       return !!c && c.width > 0 && c.height > 0; }""", timeout=timeout_ms)
    else:
        page.wait_for_function("n => document.querySelectorAll('%s').length >= n" % POINTS,
                               arg=points, timeout=timeout_ms)
