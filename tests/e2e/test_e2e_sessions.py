"""A real server gives a closed session's memory back once Streamlit stops keeping it for a
reconnect: the session is shut down, its upload freed, and the server says so in its log."""

from __future__ import annotations

import re
import tempfile
import time

import pytest

from benchmarks.harness import server
from benchmarks.ingest import per_item_csv
from tests.conftest import ROOT
from tests.e2e.test_e2e_upload import no_exception, open_your_data, upload, use

pytestmark = pytest.mark.e2e

ENDED = re.compile(r"Ended (\d+) expired session\(s\); resident memory (\d+) → (\d+) MB")
TTL_S = 2


def test_a_closed_session_is_ended_and_its_upload_given_back(browser):
    data = per_item_csv(350_000)  # about 10 MB
    file_mb = len(data) / 2**20
    with tempfile.TemporaryFile() as log, server(
            ROOT / "streamlit_app.py", options=["--server.disconnectedSessionTTL", str(TTL_S)],
            log=log) as (url, _proc, _start):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        open_your_data(page, url)
        upload(page, "synthetic_per_item.csv", data)
        use(page, "Explore my data")
        no_exception(page)
        context.close()
        deadline = time.monotonic() + 60
        found = None
        while found is None and time.monotonic() < deadline:
            time.sleep(0.5)
            log.seek(0)
            found = ENDED.search(log.read().decode(errors="replace"))
        assert found, "no session was ended within 60 s of closing it"
        ended, before, after = map(int, found.groups())
        assert ended == 1
        assert before - after >= file_mb / 2, (before, after, file_mb)
