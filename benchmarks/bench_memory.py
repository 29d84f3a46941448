"""Server memory over the life of upload sessions: held while they live, given back after.

    python benchmarks/bench_memory.py                  3 sessions, 1M-row per-item file (30 MB)
    python benchmarks/bench_memory.py --sessions 5 --shape long --rounds 2
    python benchmarks/bench_memory.py --quick          1 session, 10k rows, short waits

One app server on a free loopback port (`benchmarks.harness.server`), with
`server.disconnectedSessionTTL` shortened (`--ttl`, 10 s by default against Streamlit's 120 s)
so that a closed session is due for clean-up soon. A first browser context does what every
session will do with a small file (10k rows) and stays open: every module and thread pool is
then loaded, and the baseline is read. Each round opens
`--sessions` more contexts in headless Chromium, one after the other; each uploads a SYNTHETIC
results file on the Your data page, explores it (the table in use, then the overview and the
model profiles page drawn from it), and stays open. Then every upload context closes, and the
server's memory is sampled until the disconnected sessions have expired and been cleaned up.

Figures: the server's resident memory (VmRSS of /proc/PID/status) at start, at the baseline,
after each session, its peak (VmHWM), and after the sessions are gone; memory per session
against the file's size; the share of the sessions' memory given back. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import ROOT, chromium, proc_status_mb, rss_mb, server  # noqa: E402

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
WAIT_MS = 600_000
"""Generous: on a loaded machine a large upload can take minutes to read and draw."""
SIDEBAR_LINK = '[data-testid="stSidebarNav"] a'
PER_SESSION_TARGET = 3.0
"""Target: a session holding an upload costs at most this many times the file's size."""


def synthetic_file(shape: str, rows: int) -> tuple[str, bytes]:
    """(name, bytes) of a SYNTHETIC results file of about `rows` rows."""
    if shape == "per_item":
        from benchmarks.ingest import per_item_csv

        return "synthetic_per_item.csv", per_item_csv(rows)
    from benchmarks.synthetic import long_csv

    return "synthetic_long.csv", long_csv(rows)


class Sampler:
    """Reads the server's resident memory every `every` seconds in a background thread."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - self._start, rss_mb(self.pid)))
            except (OSError, RuntimeError):
                return
            self._stop.wait(self.every)

    def since(self, t: float) -> list[float]:
        return [mb for when, mb in self.samples if when >= t]

    def now(self) -> float:
        return time.monotonic() - self._start

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def wait_chart(page, timeout_ms: int = WAIT_MS) -> None:
    """Wait until the first chart is drawn, as SVG symbols or (for many points) on a canvas."""
    page.wait_for_function(
        """() => { const c = document.querySelector('[data-testid="stVegaLiteChart"]');
                   if (!c) return false;
                   if (c.querySelector('g.mark-symbol.role-mark path')) return true;
                   const k = c.querySelector('canvas');
                   return !!k && k.width > 0 && k.height > 0; }""", timeout=timeout_ms)


def go_to(page, title: str) -> None:
    """Follow the sidebar link to the page called `title`."""
    page.locator(SIDEBAR_LINK, has_text=title).first.click()


def upload_and_explore(browser, url: str, name: str, data: bytes):
    """A new context that uploads the file, uses it, and draws it on two pages."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/your_data")
    page.wait_for_selector(UPLOAD_INPUT, state="attached", timeout=WAIT_MS)
    page.set_input_files(UPLOAD_INPUT, files=[{"name": name, "mimeType": "text/csv",
                                               "buffer": data}], timeout=WAIT_MS)
    page.get_by_role("button", name="Explore my data").click(timeout=WAIT_MS)
    page.get_by_text("Every page now shows").wait_for(timeout=WAIT_MS)
    go_to(page, "Overview")
    page.wait_for_function("() => document.querySelector('h1')?.textContent.includes('Δ per')",
                           timeout=WAIT_MS)
    wait_chart(page)
    go_to(page, "Model profiles")
    page.wait_for_function("() => document.querySelector('h1') && "
                           "!document.querySelector('h1').textContent.includes('Δ per')",
                           timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=WAIT_MS)
    page.wait_for_timeout(500)
    return context


def wait_settled(sampler: Sampler, pid: int, after: float, budget_s: float,
                 quiet_s: float = 5.0, tolerance_mb: float = 2.0) -> None:
    """Wait until `after` seconds have passed (the clean-up is due), then until the memory has
    not moved more than `tolerance_mb` for `quiet_s` seconds, or `budget_s` is spent."""
    deadline = time.monotonic() + budget_s
    while sampler.now() < after and time.monotonic() < deadline:
        time.sleep(0.25)
    while time.monotonic() < deadline:
        recent = [mb for when, mb in sampler.samples if when >= sampler.now() - quiet_s]
        if len(recent) >= quiet_s / sampler.every - 1 and max(recent) - min(recent) <= tolerance_mb:
            break
        time.sleep(0.5)


def anon_mb(pid: int) -> float:
    """Anonymous resident memory (RssAnon): the heap, without mapped files such as libraries,
    whose pages the kernel may drop and read again."""
    return proc_status_mb(pid, "RssAnon")


def run(args: argparse.Namespace) -> dict[str, object]:
    name, data = synthetic_file(args.shape, args.rows)
    file_mb = len(data) / 2**20
    env = dict(item.split("=", 1) for item in args.env)
    options = ["--server.disconnectedSessionTTL", str(args.ttl), "--logger.level", "info"]
    print(f"Server memory with upload sessions: {args.sessions} session(s) × {args.rounds} "
          f"round(s), SYNTHETIC {args.shape} file of {args.rows:,} rows ({file_mb:.1f} MiB), "
          f"disconnectedSessionTTL {args.ttl} s" + (f", env {env}" if env else ""))
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.2f}. Figures: VmRSS (RssAnon) in MB")
    out: dict[str, object] = {"file_mb": file_mb, "rows": args.rows, "shape": args.shape,
                              "sessions": args.sessions, "ttl_s": args.ttl, "rounds": []}
    with tempfile.TemporaryFile() as log, chromium() as browser, \
            server(ROOT / "streamlit_app.py", options=options, env=env, log=log) as (url, proc,
                                                                                    _s):
        pid = proc.pid
        sampler = Sampler(pid)
        start = rss_mb(pid), anon_mb(pid)
        small_name, small = synthetic_file(args.shape, 10_000)
        visitor = upload_and_explore(browser, url, small_name, small)
        time.sleep(1.0)
        baseline = rss_mb(pid), anon_mb(pid)
        print(f"\nstart (server ready): {start[0]:.0f} ({start[1]:.0f}); baseline (one visitor "
              f"who uploaded a 10k-row file, every code path loaded): {baseline[0]:.0f} "
              f"({baseline[1]:.0f})")
        out.update(start_mb=start, baseline_mb=baseline)
        for round_no in range(1, args.rounds + 1):
            before = rss_mb(pid), anon_mb(pid)
            contexts, held = [], []
            t_round = sampler.now()
            for i in range(args.sessions):
                contexts.append(upload_and_explore(browser, url, name, data))
                held.append((rss_mb(pid), anon_mb(pid)))
                print(f"  round {round_no}, session {i + 1}: {held[-1][0]:.0f} "
                      f"({held[-1][1]:.0f}), +{held[-1][0] - before[0]:.0f} over the round's "
                      "start", flush=True)
            peak_round = max(sampler.since(t_round) + [h[0] for h in held])
            for context in contexts:
                context.close()
            t_closed = sampler.now()
            time.sleep(2.0)
            just_closed = rss_mb(pid)
            due = t_closed + args.ttl + args.grace
            wait_settled(sampler, pid, due, budget_s=args.ttl + args.grace + 120)
            after = rss_mb(pid), anon_mb(pid)
            last = held[-1]
            per_session = [(last[k] - before[k]) / args.sessions for k in (0, 1)]
            kept = [after[k] - before[k] for k in (0, 1)]
            given_back = [(last[k] - after[k]) / max(1e-9, last[k] - before[k]) for k in (0, 1)]
            print(f"  round {round_no}: {args.sessions} upload session(s) "
                  f"{before[0]:.0f} ({before[1]:.0f}) → {last[0]:.0f} ({last[1]:.0f}); "
                  f"peak {peak_round:.0f}; just closed {just_closed:.0f}; after clean-up "
                  f"({sampler.now() - t_closed:.0f} s after closing) {after[0]:.0f} "
                  f"({after[1]:.0f})")
            print(f"  per session {per_session[0]:.1f} ({per_session[1]:.1f}) = "
                  f"{per_session[0] / file_mb:.2f}× ({per_session[1] / file_mb:.2f}×) the file "
                  f"(target ≤ {PER_SESSION_TARGET:.0f}×); kept after the sessions ended "
                  f"{kept[0]:+.0f} ({kept[1]:+.0f}); given back {given_back[0]:.0%} "
                  f"({given_back[1]:.0%}) of the sessions' memory")
            out["rounds"].append({
                "before_mb": before, "held_mb": held, "peak_mb": peak_round,
                "just_closed_mb": just_closed, "after_mb": after,
                "per_session_mb": per_session,
                "per_session_x_file": [v / file_mb for v in per_session],
                "kept_mb": kept, "given_back": given_back,
                "cleanup_s": sampler.now() - t_closed})
        hwm = proc_status_mb(pid, "VmHWM")
        final = rss_mb(pid), anon_mb(pid)
        visitor.close()
        sampler.stop()
        log.seek(0)
        server_log = log.read().decode(errors="replace")
        marks = ("Memory:", "expired session", "Sweeping", "Shutting down")
        app_lines = [line for line in server_log.splitlines()
                     if any(mark in line for mark in marks)]
        if args.verbose:
            print(server_log)
    print(f"\npeak (VmHWM): {hwm:.0f}; final: {final[0]:.0f} ({final[1]:.0f}) = baseline "
          f"{final[0] - baseline[0]:+.0f} ({final[1] - baseline[1]:+.0f}); load average after "
          f"{os.getloadavg()[0]:.2f}")
    if app_lines:
        print("server log (the app's own lines):")
        for line in app_lines[-12:]:
            print("  " + line)
    out.update(peak_mb=hwm, final_mb=final, samples=sampler.samples)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat open-upload-close in the same server (growth shows a leak)")
    parser.add_argument("--shape", choices=("per_item", "long"), default="per_item")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ttl", type=int, default=10,
                        help="server.disconnectedSessionTTL in seconds (Streamlit's default 120)")
    parser.add_argument("--grace", type=float, default=20.0,
                        help="seconds after the TTL before the clean-up counts as late")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the server, for experiments (e.g. MALLOC_ARENA_MAX=2)")
    parser.add_argument("--quick", action="store_true", help="1 session of 10k rows, short waits")
    parser.add_argument("--verbose", action="store_true", help="print the server's whole log")
    parser.add_argument("--json", help="write the figures and RSS samples to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.rows, args.ttl, args.grace = 1, 10_000, 2, 10.0
    out = run(args)
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
