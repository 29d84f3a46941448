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


def test_a_large_upload_keeps_only_its_first_rows_once_reported(app_test, monkeypatch) -> None:
    """From `LIGHT_FROM_ROWS`, the kept raw table shrinks to its first rows once the report is
    made (and one report is kept); another mapping reads the file again, and every report and
    the explored table are whole."""
    import lib.ui.uploads as uploads
    from lib.ui.state import ACTIVE_KEY

    monkeypatch.setattr(uploads, "LIGHT_FROM_ROWS", 1_000)
    monkeypatch.setattr(uploads, "LIGHT_ROWS", 10)
    reads: list[int] = []
    read = uploads.read_upload
    monkeypatch.setattr(uploads, "read_upload", lambda *a: reads.append(1) or read(*a))
    at = app_test(page="pages/your_data.py")
    at.file_uploader(key="your_data_file").upload("f.csv", DATA, "text/csv").run()
    assert not at.exception and reads == [1]
    file_id, upload, complete = at.session_state[uploads.SESSION_UPLOAD_KEY]
    assert len(upload.raw.frame) == 10 and not complete
    assert len(at.session_state[uploads.SESSION_REPORTS_KEY]) == 1
    assert at.session_state[uploads.SESSION_REPORTS_KEY][0][-1].rows_kept == 20_000
    at.run()
    assert reads == [1], "a rerun reads nothing"
    from lib.ingest.shapes import Shape

    shape = next(r for r in at.radio if (r.key or "").startswith("your_data_shape_"))
    detected = shape.value
    assert detected is Shape.LONG
    shape.set_value(Shape.WIDE).run()
    assert not at.exception and reads == [1, 1], "another mapping: the file is read again"
    assert not at.session_state[uploads.SESSION_UPLOAD_KEY][2], "and kept light again"
    at.radio(key=shape.key).set_value(detected).run()
    assert not at.exception
    assert at.session_state[uploads.SESSION_REPORTS_KEY][-1][-1].rows_kept == 20_000
    at.button(key="your_data_explore").click().run()
    assert len(at.session_state[ACTIVE_KEY].table) == 20_000
