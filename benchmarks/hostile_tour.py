#!/usr/bin/env python3
"""The hostile-input tour: every file of `tests/hostile.py` through the real app in headless
Chromium, against one server, as the acceptance test of the security fixes.

For each file, in a fresh browser session: upload it on Your data, read the report, press
Explore where it is offered, visit Overview, Model profiles and Findings, press every download
(CSV, PNG, SVG, HTML, the Markdown report) and open the HTML and SVG in a page that listens for
dialogs. Checked throughout:

- the server's /_stcore/health still answers (and its process is alive);
- no [data-testid="stException"], no "Traceback" or 'File "/' text on the page;
- no link (a[href]) and no script carries text of a hostile name;
- no dialog opens, on the app's pages or in a downloaded file;
- every download works, or the page says why (a button that is not offered needs a message
  naming its format; Streamlit's own "Failed to generate file" is not a reason);
- each step answers within 30 s (timed);
- the server's resident memory (VmRSS of /proc/PID/status, sampled every 0.2 s; VmHWM too)
  stays under 1.2 GB.

    .venv/bin/python benchmarks/hostile_tour.py             # every file (15-30 minutes)
    .venv/bin/python benchmarks/hostile_tour.py --small     # without the big files (5-8 min)
    .venv/bin/python benchmarks/hostile_tour.py --only nul,deep

Prints a table (file, class, seconds, outcome, peak RSS) and exits non-zero on any failure.
A screenshot per file goes to a temporary folder (printed), or to --shots.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import ROOT, chromium, server  # noqa: E402
from tests.hostile import (  # noqa: E402
    ALL_STEPS, CLASSES, CSV, EXPLORE, FINDINGS, HTML, OVERVIEW, PNG, PROFILES, REPORT, SVG, Case,
    big_cases, small_cases,
)

ANSWER_S = 30.0
"""Each step must answer within this many seconds."""
MEMORY_LIMIT_MB = 1200.0
"""The server's peak resident memory must stay under this."""
SAMPLE_S = 0.2

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
EXCEPTION = '[data-testid="stException"]'
DOWNLOADS = {CSV: "Data (CSV)", PNG: "Chart (PNG)", SVG: "Chart (SVG)", HTML: "Chart (HTML)"}
PAGE_REFUSED = "analyses tables of up to"
"""What a page says when the table has more models than it analyses (its downloads go too)."""
PAGES = {OVERVIEW: ("Overview", ["Values shown", "No rows match"]),
         PROFILES: ("Model profiles", ["All models at once", "no model to profile",
                                       PAGE_REFUSED]),
         FINDINGS: ("Findings", ["Findings report (Markdown)", "no values to compute findings",
                                 PAGE_REFUSED])}
"""Per page: its link in the sidebar, and texts of which one shows once it has drawn."""
REPORTED = ["Validation report", "cannot be used"]
"""Texts of which one shows once an upload has an answer."""

UPLOADER_ERROR = '[data-testid="stFileUploaderFileErrorMessage"]'

# True once the app is idle and shows what an action should lead to: one of `appear` (when
# given) and none of `gone`, or else an exception.
SETTLED = """([appear, gone]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  const text = document.body.innerText;
  return (!appear.length || appear.some(t => text.includes(t)))
    && !gone.some(t => text.includes(t));
}"""


# --- the server and its memory -------------------------------------------------------------------

def status_kb(pid: int, field_name: str) -> int | None:
    """A size in kB from /proc/PID/status (VmRSS, VmHWM); None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks; 100 per second on Linux


class MemorySampler:
    """Samples a process's VmRSS every `SAMPLE_S` seconds in a thread; keeps the peak since the
    last `mark()` and overall."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.window_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = status_kb(self.pid, "VmRSS")
            if rss is not None:
                self.peak_kb = max(self.peak_kb, rss)
                self.window_kb = max(self.window_kb, rss)
            self._stop.wait(SAMPLE_S)

    def mark(self) -> None:
        """Start a new window (the peak of one file); resets the kernel's high-water mark too
        where allowed, so that VmHWM is this window's peak."""
        self.window_kb = status_kb(self.pid, "VmRSS") or 0
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False

    hwm_reset = False

    def window_mb(self) -> float:
        """Peak of this window in MB: the larger of the samples and VmHWM (when it could be
        reset at the window's start)."""
        hwm = (status_kb(self.pid, "VmHWM") or 0) if self.hwm_reset else 0
        self.peak_kb = max(self.peak_kb, hwm)
        return max(self.window_kb, hwm) / 1024

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class Server:
    """The app on a free loopback port (benchmarks.harness.server), restartable after a crash."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self.url = ""
        self.proc = None
        self.sampler: MemorySampler | None = None
        self.peak_mb = 0.0
        self.restarts = 0

    def start(self) -> None:
        self._stack = ExitStack()
        self.url, self.proc, _ = self._stack.enter_context(server(ROOT / "streamlit_app.py"))
        self.sampler = MemorySampler(self.proc.pid)

    def stop(self) -> None:
        if self.sampler is not None:
            self.peak_mb = max(self.peak_mb, self.sampler.peak_kb / 1024)
            self.sampler.stop()
        if self._stack is not None:
            self._stack.close()
        self._stack = self.sampler = None

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()

    def problem(self) -> str | None:
        """None while the server is up and answers its health check; else what is wrong."""
        code = self.proc.poll()
        if code is not None:
            return f"server died (exit code {code})"
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as answer:
                if answer.status != 200:
                    return f"health check answered {answer.status}"
        except OSError as error:
            return f"health check failed ({error})"
        return None

    def settle(self, quiet_s: float = 1.0, limit_s: float = 120.0) -> float | None:
        """Wait until the server uses (almost) no CPU for `quiet_s`; the seconds waited, or None
        when it was still busy after `limit_s`."""
        start = time.monotonic()
        last = cpu_seconds(self.proc.pid)
        while time.monotonic() - start < limit_s:
            time.sleep(quiet_s)
            now = cpu_seconds(self.proc.pid)
            if now is None or last is None:
                return time.monotonic() - start
            if now - last < 0.05 * quiet_s:
                return time.monotonic() - start
            last = now
        return None


# --- one file through the browser -----------------------------------------------------------------

@dataclass
class Outcome:
    """What one file did."""

    case: Case
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds per step, in order."""
    peaks: dict[str, float] = field(default_factory=dict)
    """The server's peak memory so far (MB) after each step: where it grew."""
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    peak_mb: float = 0.0
    rest_mb: float = 0.0
    """The server's resident memory once it is quiet after the file (its session closed but
    still held for Streamlit's reconnect window)."""
    explored: bool = False
    shots: list[Path] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())

    @property
    def slowest(self) -> tuple[str, float]:
        return max(self.steps.items(), key=lambda kv: kv[1], default=("-", 0.0))

    @property
    def passed(self) -> bool:
        return not self.failures


class TooSlow(Exception):
    """A step did not answer within the patience."""


class ServerDown(Exception):
    """The server is gone: the rest of the file's tour is pointless."""


class Session:
    """A browser context and page on the app, recording dialogs and downloads. Fresh for each
    file in the tour; the quick tests reuse one while the files pass."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.downloads: list = []
        self.runs = 0
        """Script runs the server has reported finished to this page."""
        self.page.on("dialog", self._dialog)
        self.page.on("download", lambda d: self.downloads.append(d))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        self.opened = False

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _frame(self, payload: bytes | str) -> None:
        """Count the server's "script finished" messages (small ForwardMsg frames)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str) or len(payload) > 256:
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # not a message of the app's protocol
            return
        if msg.WhichOneof("type") == "script_finished" and \
                msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.runs += 1

    def close(self) -> None:
        self.context.close()


class Visit:
    """One file through the app in a browser session."""

    def __init__(self, session: Session, srv: Server, case: Case, workdir: Path,
                 shots: Path | None, patience_s: float) -> None:
        self.session, self.srv, self.case = session, srv, case
        self.workdir, self.shots, self.patience_s = workdir, shots, patience_s
        self.out = Outcome(case)
        self.page, self.context = session.page, session.context
        self.dialogs, self.downloads = session.dialogs, session.downloads

    # -- timing and waiting --

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step; a step slower than `ANSWER_S` is a failure."""
        start = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - start
            self.out.steps[name] = took
            self.out.peaks[name] = self.srv.sampler.window_mb() if self.srv.sampler else 0.0
            if took > ANSWER_S:
                self.out.failures.append(f"{name}: answered after {took:.0f} s (limit "
                                         f"{ANSWER_S:.0f} s)")

    def server_up(self) -> None:
        """Raise `ServerDown` when the server process has ended."""
        code = self.srv.proc.poll()
        if code is not None:
            raise ServerDown(f"server died (exit code {code})")

    def act(self, action: Callable[[], object], appear: Iterable[str] = (),
            gone: Iterable[str] = ()) -> None:
        """Do `action`, then wait (at most the patience) until a script run has finished since
        and the page is idle, with one of `appear` and none of `gone` on it (or an exception);
        or the uploader refused the file itself. Stops at once if the server dies."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        arg = [list(appear), list(gone)]
        before = self.session.runs
        action()
        deadline = time.monotonic() + self.patience_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TooSlow(f"no answer within {self.patience_s:.0f} s")
            self.server_up()
            if self.session.runs <= before:
                if self.page.locator(UPLOADER_ERROR).count():
                    return
                self.page.wait_for_timeout(100)
                continue
            try:  # twice, a moment apart: the page may not have taken in the last message yet
                self.page.wait_for_function(SETTLED, arg=arg, timeout=min(2000, left * 1000),
                                            polling=100)
                self.page.wait_for_timeout(150)
                self.page.wait_for_function(SETTLED, arg=arg, timeout=2000, polling=100)
                return
            except PlaywrightTimeout:
                continue

    # -- checks --

    def check(self, where: str) -> None:
        """The checks every page must pass."""
        if problem := self.srv.problem():
            raise ServerDown(problem)
        pg = self.page
        if pg.locator(EXCEPTION).count():
            text = pg.locator(EXCEPTION).first.inner_text()[:160].replace("\n", " ")
            self.fail(f"{where}: exception shown: {text}")
        else:
            body = pg.evaluate("() => document.body.innerText")
            # A traceback, or an element the browser failed to draw (a list of 200,000 options
            # once overflowed the stack of the page's script).
            for sign in ("Traceback", 'File "/', "RangeError:", "TypeError:",
                         "Maximum call stack"):
                if sign in body:
                    at = body.index(sign)
                    self.fail(f"{where}: {sign!r} on the page: {body[at:at + 120]!r}")
        longest = pg.evaluate("""() => Math.max(0, ...[...document.querySelectorAll(
            '[data-testid="stAlert"]')].map(e => e.innerText.length))""")
        if longest > 2000:
            note = f"{where}: a message of {longest:,} characters"
            if note not in self.out.notes:
                self.out.notes.append(note)
        if self.case.markers:
            links = pg.evaluate("""markers => [...document.querySelectorAll('a[href]')]
                .map(a => [a.getAttribute('href'), a.textContent])
                .filter(([h, t]) => {
                  let plain = h;
                  try { plain = decodeURIComponent(h); } catch (e) {}
                  return markers.some(m => (plain + ' ' + t).toLowerCase().includes(m)); })""",
                                list(self.case.markers))
            for href, text in links:
                self.fail(f"{where}: a link made from a name: href={href!r} text={text[:60]!r}")
            scripts = pg.evaluate("""markers => [...document.scripts].filter(s => markers.some(
                m => s.textContent.toLowerCase().includes(m))).length""",
                                  list(self.case.markers))
            if scripts:
                self.fail(f"{where}: {scripts} script element(s) carry a name")
        if self.dialogs:
            self.fail(f"{where}: a dialog opened: {self.dialogs}")
            self.dialogs.clear()

    def fail(self, message: str) -> None:
        if message not in self.out.failures:
            self.out.failures.append(message)

    def shot(self, label: str) -> None:
        if self.shots is None:
            return
        path = self.shots / f"{self.case.klass}-{Path(self.case.name).stem}-{label}.png"
        try:  # tall enough for the report or the chart with its downloads
            self.page.set_viewport_size({"width": 1400, "height": 2000})
            self.page.wait_for_timeout(500)
            self.page.screenshot(path=str(path), timeout=15000)
            self.out.shots.append(path)
        except Exception as error:  # a screenshot is a convenience, never a verdict
            self.out.notes.append(f"no screenshot at {label}: {type(error).__name__}")
        finally:
            self.page.set_viewport_size({"width": 1400, "height": 1000})

    # -- the tour --

    def run(self, steps: Iterable[str]) -> Outcome:
        steps = tuple(steps)
        try:
            self.open()
            self.upload()
            if EXPLORE in steps:
                self.explore()
            for name in (OVERVIEW, PROFILES, FINDINGS):
                if name in steps and (self.out.explored or set(steps) == set(ALL_STEPS)):
                    self.visit(name)
                    if name == OVERVIEW and self.page.locator(EXCEPTION).count():
                        self.out.notes.append("downloads not reached")
                    elif name == OVERVIEW:
                        for kind in (CSV, PNG, SVG, HTML):
                            if kind in steps:
                                self.download(kind)
                    if name == FINDINGS and REPORT in steps:
                        self.download(REPORT)
        except (TooSlow, ServerDown) as error:
            self.fail(f"{self.current}: {error}")
        except Exception as error:  # the tour reports, it never stops on one file
            self.fail(f"{self.current}: {type(error).__name__}: {str(error)[:200]}")
        finally:
            if (problem := self.srv.problem()) and not any(problem in f for f in
                                                           self.out.failures):
                self.fail(f"after the file: {problem}")
        return self.out

    current = "open"

    def open(self) -> None:
        """Your data with no file in the uploader: a new session opens it by its address; a
        reused one follows the sidebar and removes the last file."""
        self.current = "open"
        if not self.session.opened:
            self.session.opened = True
            self.act(lambda: self.page.goto(f"{self.srv.url}/your_data", timeout=60000),
                     ["Results file"])
        elif self.page.locator(UPLOAD_INPUT).count() == 0:
            self.act(self.page.locator('[data-testid="stSidebarNav"] a',
                                       has_text="Your data").first.click, ["Results file"])
        remove = self.page.locator('[data-testid="stFileUploaderDeleteBtn"] button')
        if remove.count():
            self.act(remove.first.click, gone=REPORTED)

    def upload(self) -> None:
        self.current = "upload"
        path = self.workdir / self.case.name
        path.write_bytes(self.case.data)
        with self.step("upload"):
            self.act(lambda: self.page.set_input_files(UPLOAD_INPUT, files=[str(path)]),
                     REPORTED)
        path.unlink()
        self.check("Your data")
        self.shot("report")
        refusal = self.page.locator('[data-testid="stAlert"]', has_text="cannot be used")
        if self.case.usable is False and refusal.count() == 0 and not self._explore_enabled() \
                and self.page.locator(EXCEPTION).count() == 0:
            if self.page.locator('[data-testid="stAlert"]').filter(
                    has_text=self.case.name).count() == 0:
                self.fail("Your data: refused without a message naming the file")

    def _explore_button(self):
        return self.page.get_by_role("button", name="Explore my data")

    def _explore_enabled(self) -> bool:
        button = self._explore_button()
        return button.count() > 0 and button.first.is_enabled()

    def explore(self) -> None:
        pg = self.page
        if self.case.duplicates:
            self.current = "duplicates"
            choice = pg.locator('[data-testid="stRadio"] label',  # not the alert that names it
                                has_text="Keep the mean of the repeated values")
            if choice.count():
                with self.step("keep the mean"):
                    self.act(choice.first.click, gone=["appear more than once. Choose below"])
                self.check("Your data (keep the mean)")
            else:
                self.fail("Your data: no choice offered for the repeated rows")
        confirm = pg.get_by_text("The mapping is right: use it")
        if not self._explore_enabled() and confirm.count():
            self.current = "confirm mapping"
            with self.step("confirm mapping"):
                self.act(confirm.first.click, gone=["then tick “The mapping is right”"])
            self.check("Your data (mapping)")
            self.out.notes.append("mapping confirmed by hand")
        self.current = "explore"
        if not self._explore_enabled():
            if self.case.usable:
                self.fail("Your data: Explore is not offered")
            elif pg.locator('[data-testid="stAlert"]').count() == 0:
                self.fail("Your data: neither Explore nor a message")
            return
        if self.case.usable is False:
            self.out.notes.append("read although a refusal was expected")
        with self.step("explore"):
            self.act(self._explore_button().first.click,
                     [f"Every page now shows: Your data: {self.case.name}"])
        self.out.explored = True
        self.check("Your data (explored)")

    def visit(self, name: str) -> None:
        self.current = name
        link, drawn = PAGES[name]
        with self.step(name):
            self.act(self.page.locator('[data-testid="stSidebarNav"] a',
                                       has_text=link).first.click, drawn)
        self.page.wait_for_timeout(200)  # let the charts draw before the checks
        self.check(name)
        if name == OVERVIEW:
            self.shot("overview")

    def download(self, kind: str) -> None:
        label = DOWNLOADS.get(kind, "Findings report (Markdown)")
        self.current = f"download {label}"
        button = self.page.locator('[data-testid="stDownloadButton"] button', has_text=label)
        if button.count() == 0 or not button.first.is_enabled():
            word = label.split("(")[-1].rstrip(")")
            said = self.page.locator('[data-testid="stAlert"], [data-testid="stCaptionContainer"]',
                                     has_text=re.compile(f"{re.escape(word)}|{PAGE_REFUSED}"))
            if said.count():
                self.out.notes.append(f"{label} not offered: {said.first.inner_text()[:80]!r}")
            else:
                self.fail(f"{label}: no button, and no reason given")
            return
        self.downloads.clear()
        with self.step(f"download {kind}"):
            button.first.click()
            error = self.page.locator('[data-testid="stDownloadButtonError"]')
            deadline = time.monotonic() + self.patience_s
            while not self.downloads and not error.count():
                if time.monotonic() > deadline:
                    raise TooSlow(f"no file within {self.patience_s:.0f} s")
                self.server_up()
                self.page.wait_for_timeout(100)
            if not self.downloads:
                self.fail(f"{label}: no file; the page says only {error.first.inner_text()!r}")
                self.check(label)
                return
            saved = self.workdir / f"download.{kind}"
            self.downloads[0].save_as(saved)
        data = saved.read_bytes()
        if problem := _file_problem(kind, data):
            self.fail(f"{label}: {problem}")
        elif kind in (HTML, SVG):
            self.open_download(label, saved, kind)
        saved.unlink()
        self.check(label)

    def open_download(self, label: str, saved: Path, kind: str) -> None:
        """Open a downloaded HTML or SVG file in its own page that listens for dialogs; the HTML
        must draw its chart."""
        viewer = self.context.new_page()
        seen: list[str] = []
        viewer.on("dialog", lambda d: (seen.append(f"{d.type}: {d.message}"), d.dismiss()))
        errors: list[str] = []
        viewer.on("pageerror", lambda e: errors.append(str(e)[:120]))
        try:
            viewer.goto(saved.as_uri(), timeout=30000)
            if kind == HTML:
                try:
                    viewer.wait_for_selector(".vega-embed svg, .vega-embed canvas, "
                                             "#vis svg, #vis canvas", timeout=5000)
                except Exception:
                    self.fail(f"{label}: the downloaded page draws no chart "
                              f"({'; '.join(errors) or 'no error'})")
            viewer.wait_for_timeout(300)
        finally:
            viewer.close()
        if seen:
            self.fail(f"{label}: a script ran in the downloaded file: {seen}")


def _file_problem(kind: str, data: bytes) -> str | None:
    """Why a downloaded file is not what its button promises, or None."""
    if not data:
        return "the file is empty"
    head = data[:512].lstrip()
    if kind == PNG and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return f"not a PNG: {data[:16]!r}"
    if kind == SVG and b"<svg" not in head:
        return f"not an SVG: {data[:40]!r}"
    if kind == HTML and not head.lower().startswith((b"<!doctype html", b"<html")):
        return f"not an HTML page: {data[:40]!r}"
    return None


# --- the tour ------------------------------------------------------------------------------------

def reads_estimate(case: Case, out: Outcome) -> None:
    """For a big per-item file: how many reads of the file the server's answer looks like.
    One read, and the whole aggregation (which reads once), are timed here in this process and
    compared with the upload step: (answer - aggregation) / one read + 1. A note, not a
    verdict: on a shared machine the times are noisy; the verdict is the 30 s per step."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no "no runtime" warning here
    from lib.ingest.items.pipeline import aggregate_items
    from lib.ingest.items.peritem import Settings
    from lib.ingest.read.table import read_table

    start = time.perf_counter()
    read_table(case.data, case.name)
    one_read = time.perf_counter() - start
    start = time.perf_counter()
    aggregate_items(case.data, case.name, Settings())
    whole = time.perf_counter() - start
    answer = out.steps.get("upload", 0.0)
    out.notes.append(f"about {(answer - whole) / one_read + 1:.1f} reads: answer {answer:.1f} s, "
                     f"aggregation {whole:.1f} s, one read {one_read:.1f} s")


def tour_case(browser, srv: Server, case: Case, workdir: Path, shots: Path | None,
              steps: Iterable[str] = ALL_STEPS, patience_s: float = 120.0,
              session: Session | None = None) -> Outcome:
    """One file through the app, with its memory window: in `session`, or in a fresh session
    closed afterwards."""
    srv.sampler.mark()
    own = session is None
    session = session or Session(browser)
    try:
        out = Visit(session, srv, case, workdir, shots, patience_s).run(steps)
    finally:
        if own:
            session.close()
    memory_verdict(srv, out)
    return out


def memory_verdict(srv: Server, out: Outcome) -> None:
    """The file's peak so far (its window runs until the next file starts), against the limit."""
    out.peak_mb = max(out.peak_mb, srv.sampler.window_mb())
    out.failures[:] = [f for f in out.failures if not f.startswith("server memory peaked")]
    if out.peak_mb > MEMORY_LIMIT_MB:
        out.failures.append(f"server memory peaked at {out.peak_mb:,.0f} MB (limit "
                            f"{MEMORY_LIMIT_MB:,.0f} MB)")


def outcome_text(out: Outcome) -> str:
    if out.passed:
        return "pass" + (f" ({'; '.join(out.notes)})" if out.notes else "")
    return "FAIL: " + " | ".join(out.failures) + (f" ({'; '.join(out.notes)})" if out.notes
                                                  else "")


def print_row(out: Outcome) -> None:
    step, slow = out.slowest
    print(f"{out.case.name:<26} {out.case.klass:>2} {out.seconds:>7.1f} "
          f"{slow:>6.1f} {step:<16.16} {out.peak_mb:>8,.0f} {out.rest_mb:>7,.0f}  "
          f"{outcome_text(out)}", flush=True)
    if out.case.big:
        print(" " * 30 + "steps (s, peak MB so far): " + ", ".join(
            f"{name} {took:.1f} ({out.peaks.get(name, 0):,.0f})"
            for name, took in out.steps.items()), flush=True)


def cases(small_only: bool, only: list[str]) -> Iterator[Case]:
    chosen = (small_cases(),) if small_only else (small_cases(), big_cases())
    for group in chosen:
        for case in group:
            if not only or any(o in case.name for o in only):
                yield case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="skip the big files of class 5")
    parser.add_argument("--only", default="", help="comma-separated parts of file names")
    parser.add_argument("--shots", type=Path, help="folder for screenshots (default: a "
                                                   "temporary folder, kept)")
    parser.add_argument("--patience", type=float, default=120.0,
                        help="seconds to wait for a step before giving up on the file")
    args = parser.parse_args(argv)
    only = [o for o in args.only.split(",") if o]
    shots = args.shots or Path(tempfile.mkdtemp(prefix="hostile-tour-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {shots}")
    print(f"{'file':<26} {'cl':>2} {'seconds':>7} {'slow s':>6} {'slowest step':<16} "
          f"{'peak MB':>8} {'rest MB':>7}  outcome")
    outcomes: list[Outcome] = []
    srv = Server()
    srv.start()
    try:
        with chromium() as browser, tempfile.TemporaryDirectory() as work:
            for case in cases(args.small, only):
                out = tour_case(browser, srv, case, Path(work), shots,
                                patience_s=args.patience)
                if srv.problem():
                    out.notes.append("server restarted")
                    srv.restart()
                else:  # the work a file started counts for it until the server is quiet
                    waited = srv.settle()
                    memory_verdict(srv, out)
                    out.rest_mb = (status_kb(srv.proc.pid, "VmRSS") or 0) / 1024
                    if waited is None:
                        out.failures.append("server still busy 120 s after the file; "
                                            "restarted")
                        srv.restart()
                    elif waited > 2:
                        out.notes.append(f"server busy {waited:.0f} s after the file")
                if case.parse_once and "upload" in out.steps:
                    reads_estimate(case, out)
                outcomes.append(out)
                print_row(out)
    finally:
        srv.stop()
    failed = [o for o in outcomes if not o.passed]
    print(f"\nserver peak RSS over the tour: {srv.peak_mb:,.0f} MB (limit "
          f"{MEMORY_LIMIT_MB:,.0f} MB); restarts: {srv.restarts}")
    for klass, title in CLASSES.items():
        mine = [o for o in outcomes if o.case.klass == klass]
        if mine:
            bad = [o.case.name for o in mine if not o.passed]
            print(f"class {klass} ({title}): {len(mine) - len(bad)}/{len(mine)} pass"
                  + (f"; failing: {', '.join(bad)}" if bad else ""))
    if srv.peak_mb > MEMORY_LIMIT_MB:
        print("FAIL: the server's peak memory is over the limit")
    return 1 if failed or srv.peak_mb > MEMORY_LIMIT_MB else 0


if __name__ == "__main__":
    sys.exit(main())
