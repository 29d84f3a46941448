"""Charts as Vega-Lite specifications built once: a page keeps the dict and draws it again on
every rerun, instead of building and validating the Altair chart each time (tens of
milliseconds a chart)."""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd

from lib.charts.exports import spec_lock


def _frame_name(frame: pd.DataFrame) -> str:
    """A name for a chart's rows that changes when they do (columns, types and values)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return f"data-{digest.hexdigest()}"


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec as `st.altair_chart` makes it (validated, without Altair's
    default theme), its rows kept as DataFrames in `datasets` under names made from their
    content. Drawn with `st.vega_lite_chart`, it shows the same chart."""
    datasets: dict[str, pd.DataFrame] = {}

    def keep(data: Any) -> dict[str, str]:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        name = _frame_name(frame)
        datasets[name] = frame
        return {"name": name}

    with spec_lock():  # the transformer and the theme are process-wide
        alt.data_transformers.register("keep_frames", keep)
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("keep_frames"):
            spec = chart.to_dict()
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def with_rows(spec: dict[str, Any], frame: pd.DataFrame) -> dict[str, Any]:
    """`spec` (a chart drawn from one table of rows, named at its top level) drawn from `frame`
    instead: the same chart for other rows of the same columns, without building it again."""
    (old,) = spec["datasets"]
    if spec.get("data") != {"name": old}:
        raise ValueError("the spec's rows are not named at its top level")
    name = _frame_name(frame)
    return {**spec, "data": {"name": name}, "datasets": {name: frame}}


def with_names(spec: Any, names: dict[str, Any]) -> Any:
    """A copy of `spec` with every string equal to a key of `names` (a stand-in, such as
    `STAND_IN`) replaced by its value: a layout built once with stand-ins, given the real
    names, colors or shapes. Every other string, key or number is kept as it is."""
    if isinstance(spec, str):
        return names.get(spec, spec)
    if isinstance(spec, dict):
        return {key: with_names(value, names) for key, value in spec.items()}
    if isinstance(spec, list):
        return [with_names(value, names) for value in spec]
    return spec


def stand_in(name: str) -> str:
    """A string no table, color or shape holds, to build a layout with (`with_names`)."""
    return f"\x00{name}\x00"
