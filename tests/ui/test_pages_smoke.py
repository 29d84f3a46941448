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


def test_a_table_of_very_many_models_gets_a_message_where_it_cannot_be_analysed(app_test):
    """200,000 models took minutes and gigabytes on Profiles and Findings; past the limit those
    pages say so at once, and every page still answers."""
    import pandas as pd

    from lib.analysis.filters import MAX_ANALYSED_MODELS
    from lib.core import schema
    from lib.ui.state import ACTIVE_KEY, ActiveTable

    n = MAX_ANALYSED_MODELS + 1
    table = schema.conform(pd.DataFrame({schema.MODEL: [f"m{i}" for i in range(n)],
                                         schema.DATASET: "GSM8K",
                                         schema.DELTA: [float(i % 7 - 3) for i in range(n)]}))
    at = app_test()
    for page in ("pages/overview.py", "pages/profiles.py", "pages/findings.py"):
        at.switch_page(page)
        at.session_state[ACTIVE_KEY] = ActiveTable(table, label="many", is_figure=False)
        at.run()
        assert not at.exception, (page, at.exception)
        infos = [i.value for i in at.info]
        if page == "pages/overview.py":
            assert not any("analyses tables of up to" in i for i in infos)
        else:
            (info,) = infos
            assert f"{n:,} models" in info and f"{MAX_ANALYSED_MODELS:,}" in info


def test_a_picker_never_lists_more_models_than_a_browser_can_draw():
    """A multiselect of 200,000 options broke in Chromium (stack overflow in its script)."""
    import pandas as pd

    from lib.analysis.filters import MAX_MODEL_OPTIONS
    from lib.core import schema
    from lib.ui.state import ACTIVE_KEY, ActiveTable

    n = MAX_MODEL_OPTIONS + 500
    table = schema.conform(pd.DataFrame({schema.MODEL: [f"m{i}" for i in range(n)],
                                         schema.DATASET: "GSM8K",
                                         schema.DELTA: [float(i % 1000) for i in range(n)]}))
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state[ACTIVE_KEY] = ActiveTable(table, label="many", is_figure=False)
    at.run()
    assert not at.exception
    picker = at.multiselect(key="model")
    assert len(picker.options) == MAX_MODEL_OPTIONS
    assert "m999" in picker.options and "m1000" not in picker.options  # largest |Δ| listed
    assert len(picker.value) == 20
    assert any(f"lists the {MAX_MODEL_OPTIONS:,}" in c.value for c in at.sidebar.caption)
