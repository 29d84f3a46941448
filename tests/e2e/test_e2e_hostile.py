"""The small hostile files of the security review through the real app in headless Chromium.

Each file goes through the steps that are its point (`Case.focus`) with the checks of the full
tour (benchmarks/hostile_tour.py): the server stays up, no exception or traceback shows, no link
or script carries a name, no dialog opens (on the page or in a downloaded HTML or SVG), every
download works or says why, each step answers within 30 s, and the server's memory stays under
1.2 GB. The files run against a server of their own, restarted if one of them kills it, so a
crash here never spills into the other browser tests. While the files pass they share one
browser session (each upload replaces the last); after a failure the next file starts afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.hostile_tour import Server, Session, tour_case
from tests.hostile import small_cases

pytestmark = pytest.mark.e2e

CASES = [pytest.param(c, id=c.name) for c in small_cases()]


@pytest.fixture(scope="module")
def hostile_server(browser) -> Iterator[Server]:
    """The app on its own loopback port, with its memory sampled (after the browser fixture,
    so that a run without Chromium starts no server)."""
    srv = Server()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sessions(browser) -> Iterator[dict[str, Session]]:
    """Holds the browser session the passing files share."""
    held: dict[str, Session] = {}
    yield held
    if "current" in held:
        held.pop("current").close()


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_leaves_the_server_up_and_the_pages_clean(browser, hostile_server,
                                                                 sessions, tmp_path: Path, case):
    if hostile_server.problem():
        hostile_server.restart()
    session = sessions.get("current") or Session(browser)
    sessions["current"] = session
    out = tour_case(browser, hostile_server, case, tmp_path, shots=None, steps=case.focus,
                    patience_s=40, session=session)
    if out.failures:
        sessions.pop("current").close()
        pytest.fail(f"{case.name} (class {case.klass}; expected: {case.expect}):\n- "
                    + "\n- ".join(out.failures), pytrace=False)
