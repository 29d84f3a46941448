"""An upload beside the bundled figure: the combined table and the pairs both have."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.core import schema
from lib.core.figure import with_figure_categories
from lib.ingest.columns import match_dataset, match_model

FIGURE_SOURCE = "Figure"
UPLOAD_SOURCE = "Yours"

FIGURE_DELTA = "figure_delta"
UPLOAD_DELTA = "your_delta"
DIFFERENCE = "difference"


def combined_table(figure: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """The figure's rows then the upload's, each marked in a `source` column (the figure first,
    so the chart draws it filled and the upload hollow). The upload's attrs (its interval level
    and correction: only its rows have intervals) stay with the result."""
    parts = [figure.assign(**{schema.SOURCE: FIGURE_SOURCE}),
             with_figure_categories(upload).assign(**{schema.SOURCE: UPLOAD_SOURCE})]
    out = schema.conform(pd.concat(parts, ignore_index=True))
    out.attrs = dict(upload.attrs)
    return out


def split_combined(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(figure rows, upload rows) of a combined table, or None if `table` is not one."""
    if schema.SOURCE not in table.columns:
        return None
    sources = set(table[schema.SOURCE])
    if not {FIGURE_SOURCE, UPLOAD_SOURCE} <= sources:
        return None
    part = {s: table[table[schema.SOURCE] == s].drop(columns=schema.SOURCE).reset_index(drop=True)
            for s in (FIGURE_SOURCE, UPLOAD_SOURCE)}
    return part[FIGURE_SOURCE], part[UPLOAD_SOURCE]


def shared_pairs(figure: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """The model × dataset pairs both tables have: the figure's Δ, yours, and yours − figure's,
    in the figure's order (one row per condition of yours, where your table has conditions)."""
    keys = [schema.MODEL, schema.DATASET]
    left = figure[keys + [schema.DELTA]].rename(columns={schema.DELTA: FIGURE_DELTA})
    conditions = [schema.CONDITION] if schema.CONDITION in upload.columns else []
    right = upload[keys + conditions + [schema.DELTA]].rename(
        columns={schema.DELTA: UPLOAD_DELTA})
    pairs = left.merge(right, on=keys, how="inner", sort=False)
    pairs[DIFFERENCE] = pairs[UPLOAD_DELTA] - pairs[FIGURE_DELTA]
    return pairs.reset_index(drop=True)


@dataclass(frozen=True)
class Overlap:
    """How much of an upload the figure has too."""

    shared_pairs: int
    shared_datasets: tuple[str, ...]
    new_datasets: tuple[str, ...]
    shared_models: tuple[str, ...]
    new_models: tuple[str, ...]


def overlap(figure: pd.DataFrame, upload: pd.DataFrame) -> Overlap:
    """Shared and new datasets and models of `upload` against `figure`."""
    fig_datasets, fig_models = set(figure[schema.DATASET]), set(figure[schema.MODEL])
    datasets = schema.ordered_unique(upload[schema.DATASET])
    models = schema.ordered_unique(upload[schema.MODEL])
    return Overlap(
        shared_pairs=len(shared_pairs(figure, upload)),
        shared_datasets=tuple(d for d in datasets if d in fig_datasets),
        new_datasets=tuple(d for d in datasets if d not in fig_datasets),
        shared_models=tuple(m for m in models if m in fig_models),
        new_models=tuple(m for m in models if m not in fig_models),
    )


def compare_y_title(upload_title: str) -> str:
    """The y title of a combined chart: one title when both units agree, else both named."""
    if upload_title == schema.Y_TITLE:
        return schema.Y_TITLE
    return f"Δ (figure: %; yours: {upload_title.removeprefix('Δ').strip(' ()') or 'as given'})"


# --- names: the upload's matched with the figure's -----------------------------------------------

MODEL_IN_FILE = "model_in_file"
DATASET_IN_FILE = "dataset_in_file"
"""Columns of a compared upload's rows: the names as the file gave them, before matching."""
IN_FILE = {schema.MODEL: MODEL_IN_FILE, schema.DATASET: DATASET_IN_FILE}

ROLE, NAME, MATCH, SUGGESTION, SCORE, HOW = "role", "name", "match", "suggestion", "score", "how"
"""Columns of `name_matches`."""


def with_file_names(upload: pd.DataFrame,
                    renamed: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The upload with its names as in the file in `MODEL_IN_FILE` and `DATASET_IN_FILE`:
    the reader's renames (`Report.renamed`, {"Model": {file: table}, "Dataset": …}) undone, the
    first spelling standing for names the reader merged."""
    out = upload.copy()
    for column, what in ((schema.MODEL, "Model"), (schema.DATASET, "Dataset")):
        back: dict[str, str] = {}
        for spelling, name in (renamed or {}).get(what, {}).items():
            back.setdefault(name, spelling)
        out[IN_FILE[column]] = out[column].map(lambda n, b=back: b.get(n, n))
    return out


def name_matches(upload: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct name of the upload as in its file (`with_file_names`), models then
    datasets: `role` (the contract column), `name`, the figure's name applied by default
    (`match`, "" for none), the best `suggestion`, its `score` and `how` it was found. A match
    that would send two of the file's names to one figure model on the same dataset is left
    out, the surer (or first) one kept."""
    rows = []
    for column, match in ((schema.MODEL, match_model), (schema.DATASET, match_dataset)):
        for name in schema.ordered_unique(upload[IN_FILE[column]]):
            found = match(name)
            rows.append({ROLE: column, NAME: name, MATCH: found.figure or "",
                         SUGGESTION: found.suggestion or "", SCORE: found.score, HOW: found.how})
    matches = pd.DataFrame(rows, columns=[ROLE, NAME, MATCH, SUGGESTION, SCORE, HOW])
    while conflicts := _conflicts(upload, name_mapping(matches)):
        involved = {(c[0], name) for c in conflicts for name in c[1]}
        unsure = [i for i, row in matches.iterrows() if row[MATCH] and row[SCORE] < 1.0
                  and (row[ROLE], row[NAME]) in involved]
        if not unsure:
            break
        drop = min(reversed(unsure), key=lambda i: matches.loc[i, SCORE])
        taken = matches.loc[drop, MATCH]
        matches.loc[drop, HOW] = (f"{matches.loc[drop, HOW]}; not applied: another of your "
                                  f"names is {taken} on the same dataset")
        matches.loc[drop, MATCH] = ""
    return matches


def name_mapping(matches: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per role, each name that has a match to its figure name."""
    mapping: dict[str, dict[str, str]] = {schema.MODEL: {}, schema.DATASET: {}}
    for row in matches.itertuples(index=False):
        if getattr(row, MATCH):
            mapping[getattr(row, ROLE)][getattr(row, NAME)] = getattr(row, MATCH)
    return mapping


def _mapped(upload: pd.DataFrame, mapping: dict[str, dict[str, str]]) -> pd.DataFrame:
    out = upload.copy()
    for column, names in mapping.items():
        source = out[IN_FILE[column]]
        out[column] = source.map(lambda n, m=names: m.get(n, n))
    return out


def _conflicts(upload: pd.DataFrame, mapping: dict[str, dict[str, str]]
               ) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(role, the file's names, the one name `mapping` gives them, the other name of a cell
    they share) wherever two of the file's names would share a model × dataset (× condition)
    cell."""
    mapped = _mapped(upload, mapping)
    keys = [c for c in (schema.MODEL, schema.DATASET, schema.CONDITION) if c in mapped.columns]
    found = []
    for column in (schema.MODEL, schema.DATASET):
        source = IN_FILE[column]
        cells = mapped[keys + [source]].drop_duplicates()
        shared = cells[cells.duplicated(keys, keep=False)]
        other = schema.DATASET if column == schema.MODEL else schema.MODEL
        for target, group in shared.groupby(column, sort=False):
            found.append((column, tuple(schema.ordered_unique(group[source])), str(target),
                          str(group[other].iloc[0])))
    return found


def mapping_conflicts(upload: pd.DataFrame, mapping: dict[str, dict[str, str]]) -> list[str]:
    """Why `mapping` cannot be used: one sentence per figure name that two of the file's names
    would share on one dataset (empty when it can). Names are quoted as given."""
    return [f"{'Models' if role == schema.MODEL else 'Datasets'} "
            f"{' and '.join(f'“{n}”' for n in names)} would both be “{target}” on “{where}”: "
            "match only one of them with it."
            for role, names, target, where in _conflicts(upload, mapping)]


def apply_names(upload: pd.DataFrame, mapping: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The upload (with its file names, `with_file_names`) renamed by `mapping`: a name without
    a match stays as in the file. Raises ValueError with `mapping_conflicts` when two names would
    share a cell."""
    problems = mapping_conflicts(upload, mapping)
    if problems:
        raise ValueError(" ".join(problems))
    return _mapped(upload, mapping)


def current_mapping(upload: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The mapping a compared upload's rows carry: each file name to the name it is shown as,
    where they differ."""
    mapping: dict[str, dict[str, str]] = {schema.MODEL: {}, schema.DATASET: {}}
    for column in mapping:
        if IN_FILE[column] in upload.columns:
            pairs = upload[[IN_FILE[column], column]].drop_duplicates()
            mapping[column] = {a: b for a, b in pairs.itertuples(index=False) if a != b}
    return mapping


def matched_upload(upload: pd.DataFrame,
                   renamed: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The upload ready to be compared: its file names kept (`with_file_names`) and its names
    matched with the figure's where the match is sure (`name_matches`)."""
    named = with_file_names(upload, renamed)
    return apply_names(named, name_mapping(name_matches(named)))
