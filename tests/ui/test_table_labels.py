"""Tables show human labels for every column and p-values as text a person reads."""

import pandas as pd

from lib.core import schema
from lib.ingest.items.cells import CI_EXCLUDES_ZERO, CI_TEST_DISAGREE, TOO_SMALL
from lib.ui.widgets import delta_columns, readable_p

EVIDENCE = [schema.CI_LOW, schema.CI_HIGH, schema.P_VALUE, schema.P_ADJUSTED, schema.SIGNIFICANT,
            CI_EXCLUDES_ZERO, TOO_SMALL, CI_TEST_DISAGREE, schema.INTERVAL_METHOD, schema.N_ITEMS,
            schema.BASELINE, schema.TREATMENT, schema.SOURCE]


def _label(column) -> str:
    return column["label"] if isinstance(column, dict) else column.get("label")


def test_every_contract_column_has_a_human_label():
    table = pd.DataFrame(columns=[schema.MODEL, schema.DATASET, schema.DELTA] + EVIDENCE)
    table.attrs = {"level": 0.95, "correction": "holm"}
    columns = delta_columns("Δ (points)", table)
    for col in table.columns:
        label = _label(columns[col])
        assert label and label != col and "_" not in label, (col, label)
    assert _label(columns[schema.CI_LOW]) == "95% CI low"
    assert _label(columns[schema.P_ADJUSTED]) == "p after Holm correction"
    assert _label(columns[CI_EXCLUDES_ZERO]) == "95% interval excludes 0"


def test_p_values_are_shown_as_text_and_the_numbers_kept():
    view = pd.DataFrame({schema.MODEL: ["a", "b", "c"], schema.P_VALUE: [1e-11, 0.01234, None],
                         schema.P_ADJUSTED: [3e-10, 0.0493, 0.5]})
    shown = readable_p(view)
    assert shown[schema.P_VALUE].tolist() == ["< 0.001", "0.0123", "n/a"]
    assert shown[schema.P_ADJUSTED].tolist() == ["< 0.001", "0.0493", "0.5"]
    assert view[schema.P_VALUE].iloc[0] == 1e-11, "the table itself keeps its numbers"
    plain = pd.DataFrame({schema.MODEL: ["a"]})
    assert readable_p(plain) is plain
