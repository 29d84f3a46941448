"""Hostile uploads from the security review, one generator per case: each returns a `Case` whose
first three fields are the file name, its bytes and what the app should do with it.

Six classes: (1) control characters in names, (2) script in names, (3) files that used to end in
a traceback, (4) memory (100,000 duplicate rows), (5) legal but costly files, (6) names that look
like links. Everything is generated in memory and deterministic (seeded); the big files of class
5 are only made when asked for (`big_cases`), and are never written into the repository.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

CLASSES = {
    1: "control characters in names",
    2: "script in names",
    3: "tracebacks",
    4: "memory",
    5: "legal but costly",
    6: "names that look like links",
}

# Steps of the browser tour. Every case gets all of them in the full tour; `focus` names the
# ones that are the point of the case (what the quick e2e tests run).
EXPLORE, OVERVIEW, PROFILES, FINDINGS = "explore", "overview", "profiles", "findings"
CSV, PNG, SVG, HTML, REPORT = "csv", "png", "svg", "html", "report"
ALL_STEPS = (EXPLORE, OVERVIEW, CSV, PNG, SVG, HTML, PROFILES, FINDINGS, REPORT)

SCRIPT = "</script><script>alert(1)</script>"
LINK_NAMES = ("https://evil.example/x", "www.evil.com", "mail@evil.com")


@dataclass(frozen=True)
class Case:
    """One hostile upload and what the app must do with it."""

    name: str
    """File name as uploaded."""
    data: bytes
    expect: str
    """What should happen, in a sentence."""
    klass: int
    usable: bool | None = None
    """True: the app must offer Explore; False: it must refuse the file with a message naming
    it; None: either is right."""
    focus: tuple[str, ...] = ()
    """The steps that are the point of this case (after the upload and its report)."""
    markers: tuple[str, ...] = ()
    """Lower-case text from the hostile names: no link (a[href]) may carry it, in its address or
    its text."""
    duplicates: bool = False
    """The file repeats model × dataset pairs: choose "keep the mean" to go on."""
    parse_once: bool = False
    """Big enough that reading it twice shows in the time: the tour compares the server's answer
    with one read in its own process."""
    big: bool = False
    """Too big for the quick tests: the tour only."""

    @property
    def size(self) -> int:
        return len(self.data)


def _csv(rows: Iterable[Iterable[object]], newline: str = "\n") -> bytes:
    """Rows joined with commas (no quoting: the callers' cells need none)."""
    return "".join(",".join(str(c) for c in row) + newline for row in rows).encode("utf-8")


LONG_HEADER = ("model", "dataset", "delta")
ITEM_HEADER = ("model", "dataset", "item_id", "baseline", "treatment")
ORDINARY_ROWS = [(f"Model-{m}", dataset, f"{(3 * m - 2 * d) / 2:.1f}")
                 for m in range(1, 10)
                 for d, dataset in enumerate(("HotpotQA", "CS-QA", "AQUA", "MATH", "GPQA"))]
"""Ordinary rows around a hostile one: with them one odd character is far below the share of
control characters that makes a file look binary, so it reaches the names."""


# --- class 1: control characters in names --------------------------------------------------------

def nul_json() -> Case:
    """The 52-byte JSON of the attack pass: a NUL (as a JSON escape) inside a model name."""
    return Case("nul.json", b'[{"model":"A\\u0000B","dataset":"GSM8K","delta":1}]',
                "Read; the NUL shows as U+FFFD in the name; Overview and the SVG and PNG "
                "exports work (a NUL once killed the renderer and the server with it).",
                1, usable=True, focus=(EXPLORE, OVERVIEW, SVG, PNG))


def unit_separator_csv() -> Case:
    """One \\x1f (unit separator) inside a model name of a CSV."""
    data = _csv([LONG_HEADER, ("A\x1fB", "GSM8K", 1), *ORDINARY_ROWS])
    return Case("unit_separator.csv", data,
                "Read; \\x1f becomes U+FFFD; Overview, SVG and PNG work.",
                1, usable=True, focus=(EXPLORE, OVERVIEW, SVG, PNG))


def late_nul_csv() -> Case:
    """A NUL inside a name after the first 4 KB (past the binary sniffing of the head)."""
    rows: list[tuple] = [LONG_HEADER]
    rows += [(f"model-{m:02d}", f"set-{d:02d}", f"{(m - d) / 4:.2f}")
             for m in range(20) for d in range(12)]
    rows.append(("late\x00nul", "set-00", "1.5"))
    data = _csv(rows)
    assert data.index(b"\x00") > 4096
    return Case("late_nul.csv", data,
                "Read (or refused with a message naming the file); no crash at Overview, SVG "
                "or PNG.", 1, focus=(EXPLORE, OVERVIEW, SVG, PNG))


def c1_control_csv() -> Case:
    """A C1 control character (U+0085, next line) inside a model name, in UTF-8."""
    data = _csv([LONG_HEADER, ("A\x85B", "GSM8K", 1), *ORDINARY_ROWS])
    return Case("c1_control.csv", data, "Read; U+0085 becomes U+FFFD; Overview, SVG and PNG work.",
                1, usable=True, focus=(EXPLORE, OVERVIEW, SVG, PNG))


def noncharacter_csv() -> Case:
    """The noncharacter U+FFFE inside a dataset name, in UTF-8."""
    data = _csv([LONG_HEADER, ("A", "GSM\ufffe8K", 1), *ORDINARY_ROWS])
    return Case("noncharacter.csv", data,
                "Read; U+FFFE becomes U+FFFD; Overview, SVG and PNG work.",
                1, usable=True, focus=(EXPLORE, OVERVIEW, SVG, PNG))


# --- class 2: script in names ---------------------------------------------------------------------

def script_names_csv() -> Case:
    """Model, dataset and category all `</script><script>alert(1)</script>`."""
    data = _csv([(*LONG_HEADER, "category"), (SCRIPT, SCRIPT, 1, SCRIPT),
                 ("Safe", "GSM8K", 2, "Open LLM")])
    return Case("script_names.csv", data,
                "Names shown as text; no dialog on any page nor in the downloaded HTML, SVG.",
                2, usable=True, focus=(EXPLORE, OVERVIEW, HTML, SVG, PROFILES, FINDINGS),
                markers=("alert(1)",))


# --- class 3: files that ended in a traceback -----------------------------------------------------

def cr_endings_csv() -> Case:
    """Old Mac line endings: CR only."""
    data = _csv([LONG_HEADER, ("A", "GSM8K", 1), ("B", "MATH", 2)], newline="\r")
    return Case("cr_endings.csv", data, "Read as three lines, or refused with a message.", 3)


def lone_cr_csv() -> Case:
    """A lone CR inside the first line; LF everywhere else."""
    data = b"model,data\rset,delta\nA,GSM8K,1\nB,MATH,2\n"
    return Case("lone_cr.csv", data, "A report or a message naming the file; no traceback.", 3)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_json() -> Case:
    """A JSON list nested 1,000 deep."""
    return Case("deep.json", _deep(1000).encode(),
                "Refused with a message naming the file (not a table); no RecursionError.",
                3, usable=False)


def deep_json_lines() -> Case:
    """JSON Lines: one good record, then a record whose model is nested 1,000 deep."""
    data = (json.dumps({"model": "A", "dataset": "GSM8K", "delta": 1}) + "\n"
            + '{"model":' + _deep(1000) + ',"dataset":"MATH","delta":2}\n').encode()
    return Case("deep.jsonl", data,
                "The deep line is a problem with its line number (or the file is refused); "
                "no RecursionError.", 3)


def _xlsx(rows: Iterable[Iterable[object]], dimension: str | None = None) -> bytes:
    """A minimal .xlsx written by hand (one sheet, inline strings), streamed row by row.

    Each row is an iterable of cells (str, number or None); an empty row is written as
    `<row r="N"/>`.
    """
    def column(i: int) -> str:
        name = ""
        i += 1
        while i:
            i, rest = divmod(i - 1, 26)
            name = chr(65 + rest) + name
        return name

    def cell(ref: str, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType='
                   '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
                   '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                   '.org/officeDocument/2006/relationships/officeDocument" Target='
                   '"xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="Results" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                   '.org/officeDocument/2006/relationships/worksheet" Target='
                   '"worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                    '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if dimension:
                head += f'<dimension ref="{dimension}"/>'
            sheet.write((head + "<sheetData>").encode())
            chunk: list[str] = []
            for r, row in enumerate(rows, 1):
                cells = "".join(cell(f"{column(i)}{r}", v) for i, v in enumerate(row))
                chunk.append(f'<row r="{r}">{cells}</row>' if cells else f'<row r="{r}"/>')
                if len(chunk) >= 50_000:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return out.getvalue()


def malformed_xml_xlsx() -> Case:
    """A workbook whose sheet XML is cut off mid-tag (the zip itself is sound)."""
    good = _xlsx([LONG_HEADER, ("A", "GSM8K", 1), ("B", "MATH", 2)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: body.index(b"<row r=\"2\"")] + b'<row r="2"><c r="A2" t="inl'
            dst.writestr(item.filename, body)
    return Case("malformed_xml.xlsx", out.getvalue(),
                "Refused with a message naming the file; no XML traceback.", 3, usable=False)


def truncated_xlsx() -> Case:
    """A sound workbook cut to half its bytes."""
    good = _xlsx([LONG_HEADER, *[(f"M{i}", "GSM8K", i) for i in range(50)]])
    return Case("truncated.xlsx", good[: len(good) // 2],
                "Refused with a message naming the file.", 3, usable=False)


def repeated_columns_csv() -> Case:
    """The header `model,dataset,delta,delta,delta (2)`: a repeat that collides with the name a
    repeat is given."""
    data = _csv([("model", "dataset", "delta", "delta", "delta (2)"),
                 ("A", "GSM8K", 1, 2, 3), ("B", "MATH", 2, 3, 4)])
    return Case("repeated_columns.csv", data,
                "A report (the repeats named) or a message; no traceback.", 3)


ITEM_ROWS = [
    ("GPT-4o", "GSM8K", "q1", 1, 1),
    ("GPT-4o", "GSM8K", "q2", 0, 1),
    ("GPT-4o", "GSM8K", "q3", "maybe", 1),
    ("GPT-4o", "GSM8K", "q4", 1, None),
    ("GPT-4o", "GSM8K", "q5", 1, 0),
    ("GPT-4o", "MATH", "q1", 0, 1),
    ("GPT-4o", "MATH", "q2", 1, 1),
]
"""Per-item rows with a text outcome (row 4 of a file with a header) and a missing one (row 5)."""


def items_text_outcome_jsonl() -> Case:
    """Per-item JSON Lines: a text outcome on one row, a missing outcome (key absent) on another."""
    lines = []
    for row in ITEM_ROWS:
        record = {k: v for k, v in zip(ITEM_HEADER, row) if v is not None}
        lines.append(json.dumps(record))
    return Case("items_text_outcome.jsonl", ("\n".join(lines) + "\n").encode(),
                "The two rows named as problems (row and column); the rest aggregated.", 3,
                usable=True, focus=(EXPLORE,))


def items_text_outcome_xlsx() -> Case:
    """The same per-item rows as an Excel workbook (the missing outcome an empty cell)."""
    return Case("items_text_outcome.xlsx", _xlsx([ITEM_HEADER, *ITEM_ROWS]),
                "The two rows named as problems (row and column); the rest aggregated.", 3,
                usable=True, focus=(EXPLORE,))


def huge_delta_csv() -> Case:
    """Δ of ±1e308: finite, but their sums and spreads overflow."""
    data = _csv([LONG_HEADER, ("A", "GSM8K", "1e308"), ("A", "MATH", "-1e308"),
                 ("B", "GSM8K", "1e308"), ("B", "MATH", "1e308"), ("C", "GSM8K", "-1e308"),
                 ("C", "MATH", "1.5")])
    return Case("huge_delta.csv", data,
                "Read (or refused with a message); if read, every page and export still works.",
                3, focus=(EXPLORE, OVERVIEW, PNG, PROFILES, FINDINGS))


def only_commas_csv() -> Case:
    """A header of only commas, then a row."""
    return Case("only_commas.csv", b",,,,\nA,GSM8K,1,,\n",
                "A report or a message naming the file; no traceback.", 3)


def long_header_csv() -> Case:
    """A 20,000-character header and no rows."""
    header = "model,dataset," + "d" * (20_000 - len("model,dataset,"))
    return Case("long_header.csv", (header + "\n").encode(),
                "Refused (header only) with a message naming the file; the page stays readable.",
                3, usable=False)


def windows_1252_csv() -> Case:
    """Windows-1252 text with byte 0xb8 (a cedilla) in a name."""
    data = b"model,dataset,delta\nCaf\xb8-7B,GSM8K,1\nB,MATH,2\n"
    return Case("windows_1252.csv", data,
                "Read as Windows-1252 (noted in the report); the name shows with the cedilla.",
                3, usable=True, focus=(EXPLORE,))


def invalid_byte_csv() -> Case:
    """Byte 0x81, valid in neither UTF-8 nor Windows-1252."""
    data = b"model,dataset,delta\nA\x81B,GSM8K,1\nB,MATH,2\n"
    return Case("invalid_byte.csv", data,
                "Refused with a message naming the file and the byte.", 3, usable=False)


# --- class 4: memory ------------------------------------------------------------------------------

def duplicate_rows_csv() -> Case:
    """1 MB of CSV: the same row 100,000 times."""
    data = _csv([LONG_HEADER]) + b"M,GSM8K,1\n" * 100_000
    return Case("duplicates.csv", data,
                "The repeats reported as one pair (not 100,000 listed problems); keeping the "
                "mean gives one point.", 4, usable=True, duplicates=True,
                focus=(EXPLORE, OVERVIEW))


# --- class 5: legal but costly (big) --------------------------------------------------------------

def continuous_scores_items(rows: int = 1_000_000, seed: int = 5) -> Case:
    """About 32 MB of per-item results in one model × dataset cell, continuous scores in (0, 1):
    a million distinct values, each read as a number, and one cell's t interval over them."""
    rng = np.random.default_rng(seed)
    baseline = rng.random(rows)
    treatment = np.clip(baseline + rng.normal(0.01, 0.1, rows), 0, 1)
    body = "\n".join(f"M,GSM8K,{i},{b:.6f},{t:.6f}"
                     for i, b, t in zip(range(rows), baseline.tolist(), treatment.tolist()))
    data = (",".join(ITEM_HEADER) + "\n" + body + "\n").encode()
    return Case("scores_one_cell.csv", data,
                "Aggregated within 30 s, its one cell with a t interval and the paired t-test.",
                5, usable=True, big=True,
                focus=(EXPLORE,))


def long_near_limit_csv(models: int = 200_000, datasets: int = 20, seed: int = 6) -> Case:
    """About 4M rows of long CSV, just under the 200 MB upload limit, with one Windows-1252 byte
    near its end (so the whole file must be decoded as Windows-1252)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n = models * datasets
    model_names = pa.array([f"synthetic-model-{i:06d}" for i in range(models)])
    set_names = pa.array([f"synthetic-set-{j:02d}" for j in range(datasets)])
    table = pa.table({
        "model": model_names.take(pa.array(np.repeat(np.arange(models), datasets))),
        "dataset": set_names.take(pa.array(np.tile(np.arange(datasets), models))),
        "delta": pa.array(np.round(rng.normal(0, 8, n), 6)),
    })
    out = io.BytesIO()
    out.write(",".join(LONG_HEADER).encode() + b"\n")
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    data = out.getvalue() + b"Caf\xe9-model,synthetic-set-00,1.0\n"
    return Case("long_near_limit.csv", data,
                "Read (as Windows-1252) within 30 s each step and under the memory limit; "
                "every page and export answers or says why.", 5, usable=True, big=True,
                focus=(EXPLORE, OVERVIEW))


def empty_rows_xlsx(empty_rows: int = 2_000_000) -> Case:
    """A workbook of three rows of data followed by 2M empty rows (`<row r="N"/>`): about 5 MB
    zipped, 40 MB of XML."""
    def rows() -> Iterator[tuple]:
        yield LONG_HEADER
        yield ("A", "GSM8K", 1)
        yield ("B", "MATH", 2)
        for _ in range(empty_rows):
            yield ()

    data = _xlsx(rows(), dimension=f"A1:C{empty_rows + 3}")
    return Case("empty_rows.xlsx", data,
                "Read (two rows) or refused with a message, within 30 s and under the memory "
                "limit.", 5, big=True, focus=(EXPLORE,))


def _item_records(n: int, seed: int):
    """`n` per-item rows (0/1 outcomes) over 9 models × 7 datasets, as an Arrow table: a big
    file whose result is a small table, so that reading it is the cost."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    cell = np.arange(n) % 63
    item = np.arange(n) // 63
    baseline = (rng.random(n) < 0.6).astype(np.int64)
    treatment = np.where(rng.random(n) < 0.1, 1 - baseline, baseline)
    names = [pa.array([f"synthetic-model-{m}" for m in range(9)]),
             pa.array([f"synthetic-set-{d}" for d in range(7)]),
             pa.array([f"q{i:06d}" for i in range(int(item.max()) + 1)])]
    return pa.table({"model": names[0].take(pa.array(cell // 7)),
                     "dataset": names[1].take(pa.array(cell % 7)),
                     "item_id": names[2].take(pa.array(item)),
                     "baseline": baseline, "treatment": treatment})


READ_ONCE = ("Aggregated within 30 s: the file is read once (a second full read of a big Excel, "
             "JSON or Parquet file is what costs).")


def records_xlsx(n: int = 100_000, seed: int = 7) -> Case:
    """Per-item results, `n` rows, as Excel."""
    columns = _item_records(n, seed).to_pydict()
    data = _xlsx([ITEM_HEADER, *zip(*(columns[c] for c in ITEM_HEADER))],
                 dimension=f"A1:E{n + 1}")
    return Case("items_records.xlsx", data, READ_ONCE, 5, usable=True, parse_once=True,
                big=True, focus=(EXPLORE,))


def records_json(n: int = 500_000, seed: int = 8) -> Case:
    """Per-item results, `n` records, as JSON."""
    data = json.dumps(_item_records(n, seed).to_pylist()).encode()
    return Case("items_records.json", data, READ_ONCE, 5, usable=True, parse_once=True,
                big=True, focus=(EXPLORE,))


def records_parquet(n: int = 2_000_000, seed: int = 9) -> Case:
    """Per-item results, `n` rows, as Parquet."""
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(_item_records(n, seed), out)
    return Case("items_records.parquet", out.getvalue(), READ_ONCE, 5, usable=True,
                parse_once=True, big=True, focus=(EXPLORE,))


# --- class 6: names that look like links ----------------------------------------------------------

def link_names_csv() -> Case:
    """Models, datasets and categories named like a URL, a bare domain and an e-mail address."""
    rows = [(*LONG_HEADER, "category")]
    for i, model in enumerate(LINK_NAMES):
        for j, dataset in enumerate(LINK_NAMES):
            rows.append((model, dataset, i - j + 0.5, LINK_NAMES[(i + j) % 3]))
    return Case("link_names.csv", _csv(rows),
                "Names shown as plain text: no link made from them on any page.", 6,
                usable=True, focus=(EXPLORE, OVERVIEW, PROFILES, FINDINGS),
                markers=("evil",))


# --- the corpus -----------------------------------------------------------------------------------

SMALL: tuple[Callable[[], Case], ...] = (
    nul_json, unit_separator_csv, late_nul_csv, c1_control_csv, noncharacter_csv,
    script_names_csv,
    cr_endings_csv, lone_cr_csv, deep_json, deep_json_lines, malformed_xml_xlsx, truncated_xlsx,
    repeated_columns_csv, items_text_outcome_jsonl, items_text_outcome_xlsx, huge_delta_csv,
    only_commas_csv, long_header_csv, windows_1252_csv, invalid_byte_csv,
    duplicate_rows_csv,
    link_names_csv,
)
BIG: tuple[Callable[[], Case], ...] = (
    records_xlsx, records_json, records_parquet, empty_rows_xlsx, continuous_scores_items,
    long_near_limit_csv,
)


def small_cases() -> list[Case]:
    """Every case small enough for the quick browser tests (classes 1-4 and 6)."""
    return [make() for make in SMALL]


def big_cases() -> Iterator[Case]:
    """The costly files of class 5, made one at a time (the largest is about 200 MB)."""
    for make in BIG:
        yield make()
