"""Your data: upload a results file (or evaluation harness logs), check the report, then explore
it or compare it with the figure."""

import streamlit as st

from lib.ui.harness_view import (KEY, harness_choice, harness_found, harness_hint,
                                 harness_method, harness_uploader, unpaired_note)
from lib.ui.items_view import interval_settings, item_buttons, item_report, per_item_templates
from lib.ui.shell import ensure_app_navigation
from lib.ui.upload_view import (active_banner, active_view, current_options, duplicate_choice,
                                mapping_form, read_failure, report_details, report_summary,
                                results_uploader, show_contents, templates_section, use_buttons)
from lib.ui.uploads import (forget_harness, session_harness, session_harness_upload,
                            session_item_shape, session_items, session_report, session_upload)

ensure_app_navigation()

st.title("Your data")
st.caption("Upload the results of your own intervention on your own models. The app reads the "
           "file in memory for this browser session only: nothing is stored, and no other "
           "session can see it.")
current = active_banner()

file = results_uploader()
harness_hint(file)
if file is not None and session_item_shape(file):
    settings = interval_settings()
    items = session_items(file, settings)
    item_report(items)
    item_buttons(items, settings)
elif file is not None:
    upload = session_upload(file)
    if upload.failure is not None:
        read_failure(upload, current)
    else:
        mapping, confirmed = mapping_form(upload)
        options = current_options(upload, mapping)
        report = session_report(file, mapping, options)
        report_summary(report)
        duplicate_choice(upload, report)
        report_details(report)
        if report.usable:
            show_contents(report)
        use_buttons(report, confirmed)

st.divider()
logs = harness_uploader()
if logs:
    read = session_harness(logs)
    found = st.container()
    choice = harness_choice(read, logs)
    settings = interval_settings(KEY)
    result = session_harness_upload(logs, choice, settings)
    harness_found(found, read, result)
    item_report(result.upload, key=KEY, noun="logs", arm="run")
    unpaired_note(result)
    item_buttons(result.upload, settings, key=KEY, method=harness_method(result, settings))
else:
    forget_harness()

active_view(current)
st.divider()
templates_section()
per_item_templates()
