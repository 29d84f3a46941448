"""Every registered page renders without an exception on the bundled data."""

import re

import pytest

from tests.conftest import ROOT

PAGES = re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', (ROOT / "streamlit_app.py").read_text())


def test_pages_are_registered_and_exist():
    assert "pages/overview.py" in PAGES
    for page in PAGES:
        assert (ROOT / page).is_file(), page
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert on_disk == set(PAGES), "every page file is registered, and only those"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app_test, page):
    at = app_test(page=page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title, f"{page} has a title"


@pytest.mark.parametrize("page", PAGES)
def test_page_keeps_the_apps_navigation_when_started_directly(page):
    source = (ROOT / page).read_text()
    assert "ensure_app_navigation()" in source, f"{page} must call ensure_app_navigation()"
