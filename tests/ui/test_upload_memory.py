"""The Your data page holds one copy of an uploaded file, and hands memory back after a large
read (`lib.ui.upload_view.results_uploader`, `lib.ui.uploads.session_upload`)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

DATA = ("model,dataset,delta\n" + "".join(f"M{i},D{i % 5},{i % 7}\n" for i in range(20_000))
        ).encode()


def _uploader_script() -> None:
    import sys

    import streamlit as st

    from lib.ui.upload_view import results_uploader

    file = results_uploader()
    if file is not None:
        # A BytesIO counts its bytes in its size only when it owns them (no one else does).
        st.write(f"own bytes: {sys.getsizeof(file) >= len(file.getvalue())}")


def test_the_uploaded_file_shares_its_bytes_with_the_widget() -> None:
    """`st.file_uploader` returns a deep copy, which copies the whole file; the page's file is
    the widget's own value, which does not."""
    at = AppTest.from_function(_uploader_script, default_timeout=30)
    at.run()
    at.file_uploader(key="your_data_file").upload("f.csv", DATA, "text/csv").run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["own bytes: False"]


def test_the_file_as_returned_by_streamlit_owns_a_copy() -> None:
    """The reason for `results_uploader`: were Streamlit to stop copying, it could go."""
    def script() -> None:
        import sys

        import streamlit as st

        file = st.file_uploader("f", key="f")
        if file is not None:
            st.write(f"own bytes: {sys.getsizeof(file) >= len(file.getvalue())}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    at.file_uploader(key="f").upload("f.csv", DATA, "text/csv").run()
    assert [m.value for m in at.markdown] == ["own bytes: True"]


def test_a_large_read_hands_free_memory_back(monkeypatch) -> None:
    """From `RELEASE_FROM_BYTES`, the session's read is followed by `release_memory`; not
    before."""
    import lib.ui.uploads as uploads

    released: list[int] = []
    monkeypatch.setattr(uploads, "release_memory", lambda: released.append(1))

    def script() -> None:
        import streamlit as st

        from lib.ui.uploads import session_upload

        file = st.file_uploader("f", key="f")
        if file is not None:
            st.write(f"columns: {session_upload(file).columns}")

    for limit, expected in ((len(DATA) + 1, []), (len(DATA), [1])):
        released.clear()
        monkeypatch.setattr(uploads, "RELEASE_FROM_BYTES", limit)
        at = AppTest.from_function(script, default_timeout=30)
        at.run()
        at.file_uploader(key="f").upload("f.csv", DATA, "text/csv").run()
        assert [m.value for m in at.markdown] == ["columns: ['model', 'dataset', 'delta']"]
        assert released == expected


def test_leaving_your_data_forgets_the_read_but_keeps_the_table_in_use(app_test) -> None:
    """Streamlit drops the uploaded file when its page is left; what the session kept of it
    (raw table, reports) goes too, the table in use stays, and a large one is handed back."""
    import lib.ui.uploads as uploads
    from lib.ui.state import ACTIVE_KEY

    at = app_test(page="pages/your_data.py")
    at.file_uploader(key="your_data_file").upload("f.csv", DATA, "text/csv").run()
    assert not at.exception
    kept = (uploads.SESSION_UPLOAD_KEY, uploads.SESSION_REPORTS_KEY)
    assert all(k in at.session_state for k in kept)
    at.button(key="your_data_explore").click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert not any(k in at.session_state for k in kept)
    assert len(at.session_state[ACTIVE_KEY].table) == 20_000
    at.switch_page("pages/profiles.py").run()
    assert not at.exception and len(at.session_state[ACTIVE_KEY].table) == 20_000


def test_forgetting_a_large_read_hands_memory_back(monkeypatch) -> None:
    import lib.ui.uploads as uploads

    released: list[int] = []
    monkeypatch.setattr(uploads, "release_memory", lambda: released.append(1))
    monkeypatch.setattr(uploads, "FORGET_RELEASE_ROWS", 10_000)

    def script() -> None:
        import streamlit as st

        from lib.ui.upload_view import results_uploader
        from lib.ui.uploads import forget_uploads, session_upload

        if st.session_state.get("leave"):
            forget_uploads()
        elif (file := results_uploader()) is not None:
            session_upload(file)

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    at.file_uploader(key="your_data_file").upload("f.csv", DATA, "text/csv").run()
    assert released == []
    at.session_state["leave"] = True
    at.run()
    at.run()  # nothing left to forget: nothing handed back again
    assert released == [1]
