"""A per-item file in any format, encoding, delimiter or header spelling the Your data page
promises goes from the uploader to the Overview chart with its intervals (AppTest)."""

from __future__ import annotations

import gzip
import io
import random

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.ui.state import ACTIVE_KEY

PAGE = "pages/your_data.py"


def _items() -> str:
    rng = random.Random(7)
    lines = ["model,dataset,item,baseline,treatment"]
    for model in ("GPT-4o", "Miné-7B"):
        for dataset in ("GSM8K", "CommonsenseQA"):
            for item in range(40):
                lines.append(f"{model},{dataset},{item},{rng.randint(0, 1)},{rng.randint(0, 1)}")
    return "\n".join(lines) + "\n"


TEXT = _items()


def _xlsx(text: str) -> bytes:
    buffer = io.BytesIO()
    pd.read_csv(io.StringIO(text)).to_excel(buffer, index=False)
    return buffer.getvalue()


FILES = {
    "utf16.csv": TEXT.encode("utf-16"),
    "windows.csv": TEXT.encode("cp1252"),
    "semicolons.csv": TEXT.replace(",", ";").encode(),
    "sep-line.csv": ("sep=;\n" + TEXT.replace(",", ";")).encode(),
    "old-mac.csv": TEXT.replace("\n", "\r").encode("cp1252"),
    "headers.csv": TEXT.replace("model,dataset,item,baseline,treatment",
                                "Model,Benchmark,question,base,cot").encode(),
    "items.tsv.gz": gzip.compress(TEXT.replace(",", "\t").encode("utf-16")),
    "items.xlsx": _xlsx(TEXT),
}


def overview_rows(at) -> pd.DataFrame:
    el = at.get("vega_lite_chart")[0]
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


@pytest.mark.parametrize("name", list(FILES))
def test_a_per_item_file_draws_on_the_overview_with_its_intervals(app_test, name) -> None:
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload(name, FILES[name], "text/csv").run()
    assert not at.exception, at.exception
    at.button(key="items_explore").click().run()
    assert not at.exception
    assert "per-item" in at.session_state[ACTIVE_KEY].label
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    rows = overview_rows(at)
    assert len(rows) == 4
    assert set(rows[schema.MODEL]) == {"GPT-4o", "Miné-7B"}
    assert set(rows[schema.DATASET]) == {"GSM8K", "CS-QA"}, "dataset names follow the figure"
    assert rows[schema.CI_LOW].notna().all() and rows[schema.CI_HIGH].notna().all()
    assert (rows[schema.CI_LOW] <= rows[schema.DELTA]).all()
    assert (rows[schema.DELTA] <= rows[schema.CI_HIGH]).all()
