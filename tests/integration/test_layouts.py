"""Real export layouts, reconstructed: privfin's reading checked against other importers' output.

Each file under tests/fixtures/layouts/files reconstructs one file of a public importer's
test suite or examples (csv2ofx, ofxstatement and its plugins, hledger, beangulp,
ofxparse, ofxtools, reds_importers, beancount-import): encoding, BOM, delimiter,
quoting, line ends, preamble, header, date and amount cells, row count and ragged rows
are the original's; every free-text cell (names, descriptions, memos, references,
account, card and IBAN numbers) holds invented text of the same shape. Beside it,
`<file>.expected.json` names the source (repo, path, commit, licence) and holds the rows
that project's own output gives: date, signed amount, currency (null where the project
names none), and payee and description with the same invented text.

Two checks per file:
- exactness: every row's date, signed amount and currency (and payee once privfin
  keeps one) equals the project's. A file privfin reads wrong today is listed in
  KNOWN_MISREADS with the reason; the test is a strict xfail, so a fix turns it into
  an XPASS failure until the entry is removed: the list only shrinks.
- golden: privfin's whole reading of the file (rows, skipped rows and the evidence that
  decided the layout: profile or generic mapping, delimiter, header row, date format,
  decimal mark, sign rule, confidence) equals golden/<file>.json, so any change of
  output shows up in review. `pytest --update-golden` rewrites them, and the score in
  the layouts README.
"""

from __future__ import annotations

import collections
import functools
import importlib
import inspect
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.ingest import IngestError, ParsedStatement, parse_statement
from app.money import to_minor
from tests.conftest import REPO_ROOT

LAYOUTS = REPO_ROOT / "tests" / "fixtures" / "layouts"
FILES = LAYOUTS / "files"
GOLDEN = LAYOUTS / "golden"
README = LAYOUTS / "README.md"
_CSV_FORMATS = frozenset({"csv", "ssv", "tsv"})
_EURO = ("AT", "BE", "DE", "ES", "FR", "IT", "LT", "LV", "NL")
# The home currency a user in the file's country would have set (privfin asks for it once, on
# the first import). It applies only where the file names no currency.
HOME_CURRENCY = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "AU": "AUD",
    "CH": "CHF",
    "TZ": "TZS",
    "IN": "INR",
} | dict.fromkeys(_EURO, "EUR")

# Files privfin reads wrong today, each with what goes wrong. Strict xfail: remove the
# entry in the commit that fixes the file.
KNOWN_MISREADS: dict[str, str] = {
    "beancount-import/checking2.ofx": "not read: the cash lines of an investment statement (privfin imports no investment accounts)",
    "csv2ofx/xero.csv": "a split journal: csv2ofx books one transaction per JournalNumber from its several lines (tax and cash legs), privfin reads each line as its own row",
    "hledger/monefy.csv": "undecidable dates: every row is 06/12/2021 and the file has no other hint; hledger's rules say day-first, privfin assumes month-first and asks",
    "hledger/paypal-custom.csv": "Pending rows skipped that hledger books (privfin books a row once it is final); the other 4 rows read exactly",
    "hledger/sample.csv": "headerless, no balance: two columns that fill each other's gaps are a debit/credit pair, but nothing says which is money in (hledger's rules say amount-in first); privfin takes the first as money out and asks",
    "hledger/sample.ssv": "headerless, no balance: two columns that fill each other's gaps are a debit/credit pair, but nothing says which is money in (hledger's rules say amount-in first); privfin takes the first as money out and asks",
    "hledger/sample.tsv": "headerless, no balance: two columns that fill each other's gaps are a debit/credit pair, but nothing says which is money in (hledger's rules say amount-in first); privfin takes the first as money out and asks",
    "ofxparse/fidelity-savings.ofx": "not read: an investment statement's cash lines (privfin imports no investment accounts)",
    "ofxstatement-dutch/Account_20190101_20200317.csv": "a broker's cash sheet: fund conversions and fees read as payments the plugin leaves out",
    "ofxstatement-sparkasse-freiburg/simple1.csv": "'Umsatz vorgemerkt' (pending) rows skipped that the plugin books (privfin books a row once it is final); the plugin's payee joins Verwendungszweck and Beguenstigter, privfin's is the Beguenstigter column",
    "ofxstatement-sparkasse-freiburg/simple2.csv": "'Umsatz vorgemerkt' (pending) rows skipped that the plugin books (privfin books a row once it is final); the plugin's payee joins Verwendungszweck and Beguenstigter, privfin's is the Beguenstigter column",
    "reds_importers/semicolon_delimited.csv": "payee: the project's test configuration books the 'memo' column as the payee (and 'payee' as the narration); privfin keeps the file's own 'payee' column",
}


def _entries() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(FILES.rglob("*.expected.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[document["source"]["file"]] = document
    return found


ENTRIES = _entries()


@dataclass
class Reading:
    """privfin's reading of one layout file, or why it could not be read."""

    statement: ParsedStatement | None = None
    error: str | None = None
    unreadable_kind: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)


def _record_reader() -> Any | None:
    """privfin's OFX/QIF entry point, when this checkout has one."""
    try:
        return importlib.import_module("app.ingest.formats")
    except ImportError:
        return None


def _rows(statement: ParsedStatement) -> list[dict[str, Any]]:
    """Every field of every transaction, as the importer hands it to the store."""
    return [
        {
            "id": transaction.id,
            "row": transaction.source.row,
            "file_sha256": transaction.source.file_sha256,
            "account": transaction.account,
            "date": transaction.date.isoformat(),
            "posted_date": transaction.posted_date.isoformat() if transaction.posted_date else None,
            "amount": str(transaction.amount),
            "amount_minor": to_minor(transaction.amount, transaction.currency),
            "currency": transaction.currency,
            "original_amount": _text_or_none(transaction.original_amount),
            "original_currency": transaction.original_currency,
            "payee": transaction.payee,
            "description": transaction.description,
            "bank_category": transaction.bank_category,
        }
        for transaction in statement.transactions
    ]


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _home_currency(reader: Any, country: str) -> dict[str, Any]:
    """`currency=` for a reader that takes one, as the home currency (never as the user's choice for
    this file, which would override a currency the file names). A reader that takes only a plain
    code (an older OFX/QIF reader) gets that."""
    parameter = inspect.signature(reader).parameters.get("currency")
    if parameter is None:
        return {}
    if "CurrencyContext" not in str(parameter.annotation):
        return {"currency": HOME_CURRENCY[country]}
    from app.ingest.currency import CurrencyContext

    return {"currency": CurrencyContext(home=HOME_CURRENCY[country])}


@functools.cache
def read(relative: str) -> Reading:
    entry = ENTRIES[relative]["source"]
    data = (FILES / relative).read_bytes()
    name = Path(relative).name
    try:
        if entry["format"] in _CSV_FORMATS:
            statement = parse_statement(data, name, **_home_currency(parse_statement, entry["country"]))
        else:
            formats = _record_reader()
            if formats is None:
                return Reading(unreadable_kind=entry["format"])
            reader = formats.read_record_file
            options = _home_currency(reader, entry["country"])
            statement = reader(
                formats.file_kind(data, name), data, name, account=None, max_bytes=None, **options
            )
    except IngestError as exc:
        return Reading(error=str(exc))
    return Reading(statement=statement, rows=_rows(statement))


def _money(row: dict[str, Any], with_currency: bool) -> tuple[Decimal, str | None]:
    return (Decimal(row["amount"]), row["currency"] if with_currency else None)


@dataclass(frozen=True)
class Comparison:
    expected: int
    exact: int  # expected rows privfin produced with the same date, amount, currency (and payee)
    missing: list[tuple[str, str, str | None]]
    unexpected: list[tuple[str, str, str | None]]

    @property
    def file_exact(self) -> bool:
        return not self.missing and not self.unexpected


def _is_money(row: dict[str, Any]) -> bool:
    # A 0.00 line moves no money; privfin skips it as such, some projects keep it.
    return Decimal(row["amount"]) != 0


def _pairs(
    expected_rows: list[dict[str, Any]], got_rows: list[dict[str, Any]], with_currency: bool
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Match rows as a multiset, in any order (projects sort their output differently).

    A project's date is the transaction date or the posting date, as it chose: an
    expected row matches privfin's row by its date first, then by its posted date.
    """
    free: dict[tuple[Decimal, str | None], list[dict[str, Any]]] = collections.defaultdict(list)
    for row in got_rows:
        free[_money(row, with_currency)].append(row)
    pairs, missing = [], []
    unmatched = list(expected_rows)
    for date_field in ("date", "posted_date"):
        still = []
        for row in unmatched:
            candidates = free[_money(row, with_currency)]
            found = next((got for got in candidates if got.get(date_field) == row["date"]), None)
            if found is None:
                still.append(row)
                continue
            candidates.remove(found)
            pairs.append((row, found))
        unmatched = still
    missing = unmatched
    unexpected = [row for rows in free.values() for row in rows]
    return pairs, missing, unexpected


def _summary(row: dict[str, Any], with_currency: bool) -> tuple[str, str, str | None]:
    return (row["date"], row["amount"], row["currency"] if with_currency else None)


def compare(relative: str) -> Comparison:
    expected_rows = [row for row in ENTRIES[relative]["rows"] if _is_money(row)]
    got_rows = read(relative).rows
    with_currency = all(row["currency"] for row in expected_rows)
    pairs, missing, unexpected = _pairs(expected_rows, got_rows, with_currency)
    payee_differs = sum(
        1
        for want, got in pairs
        if want.get("payee") and got["payee"] and _plain(want["payee"]) != _plain(got["payee"])
    )
    return Comparison(
        expected=len(expected_rows),
        exact=len(pairs) - payee_differs,
        missing=sorted(_summary(row, with_currency) for row in missing),
        unexpected=sorted(_summary(row, with_currency) for row in unexpected),
    )


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def description_agrees(relative: str) -> tuple[int, int]:
    """(matched rows whose project description is contained in privfin's, or privfin's in it; matched rows
    where the project gives one): reported in the README, not scored."""
    expected_rows = [row for row in ENTRIES[relative]["rows"] if _is_money(row)]
    with_currency = all(row["currency"] for row in expected_rows)
    pairs, _, _ = _pairs(expected_rows, read(relative).rows, with_currency)
    described = [
        (_plain(want["description"]), _plain(got["description"]))
        for want, got in pairs
        if want.get("description")
    ]
    return sum(1 for want, got in described if want in got or got in want), len(described)


def _evidence(relative: str, statement: ParsedStatement) -> dict[str, Any]:
    """What decided the layout, as privfin reports it."""
    from app.ingest.formats import file_kind

    return {
        "reader": file_kind((FILES / relative).read_bytes(), Path(relative).name).value,
        "profile": statement.profile_id,
        "confidence": statement.confidence,
        "columns": statement.columns,
        "currency": statement.currency,
        "currency_source": statement.currency_source.value if statement.currency_source else None,
        "rows_read": statement.rows_read,
        "layout": statement.layout_name,
        "confident": statement.confident,
        "uncertain_reasons": statement.uncertain_reasons,
        "notes": statement.notes,
        "encoding": statement.encoding,
        "delimiter": statement.delimiter,
        "header_row": statement.header_row,
        "decided_by": getattr(statement, "evidence", []),
        # OFX and QIF name every field: no column mapping decides them.
        "mapping": statement.mapping.model_dump(mode="json", exclude_defaults=True)
        if statement.mapping
        else None,
    }


def golden_document(relative: str) -> dict[str, Any]:
    reading = read(relative)
    if reading.unreadable_kind:
        return {"readable": False, "reason": f"privfin has no {reading.unreadable_kind.upper()} reader yet"}
    if reading.statement is None:
        return {"readable": False, "error": reading.error}
    statement = reading.statement
    comparison = compare(relative)
    return {
        "readable": True,
        "exact": comparison.file_exact,
        "rows_exact": f"{comparison.exact}/{comparison.expected}",
        "missing": [list(key) for key in comparison.missing],
        "unexpected": [list(key) for key in comparison.unexpected],
        "evidence": _evidence(relative, statement),
        "rows": reading.rows,
        "skipped": [
            {"row": skipped.row, "kind": skipped.kind.value, "reason": skipped.reason}
            for skipped in statement.skipped
        ],
    }


def golden_text(document: dict[str, Any]) -> str:
    """Sorted keys, one layout: the same reading is always the same bytes, so a diff is the change."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _golden_path(relative: str) -> Path:
    return GOLDEN / f"{relative}.json"


def _case(relative: str) -> Any:
    marks = []
    if relative in KNOWN_MISREADS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_MISREADS[relative]))
    return pytest.param(relative, id=relative, marks=marks)


@pytest.mark.parametrize("relative", [_case(relative) for relative in ENTRIES])
def test_layout_file_reads_exactly(relative: str) -> None:
    reading = read(relative)
    if reading.unreadable_kind:
        pytest.skip(
            f"not yet readable: privfin has no {reading.unreadable_kind.upper()} reader in this checkout"
        )
    assert reading.error is None, reading.error
    comparison = compare(relative)
    assert comparison.missing == [] and comparison.unexpected == [], comparison
    assert comparison.exact == comparison.expected, "a payee differs"


@pytest.mark.parametrize("relative", list(ENTRIES))
def test_layout_output_matches_its_golden_file(relative: str, update_golden: bool) -> None:
    document = golden_document(relative)
    path = _golden_path(relative)
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(golden_text(document), encoding="utf-8")
    assert path.exists(), f"no golden file for {relative}: run pytest with --update-golden"
    assert path.read_text(encoding="utf-8") == golden_text(document), (
        f"privfin's reading of {relative} changed: review the diff, then pytest --update-golden"
    )


def score_text() -> str:
    files = [relative for relative in ENTRIES if not read(relative).unreadable_kind]
    comparisons = {relative: compare(relative) for relative in files}
    exact_files = sum(c.file_exact and read(r).error is None for r, c in comparisons.items())
    rows_exact = sum(c.exact for c in comparisons.values())
    rows_total = sum(c.expected for c in comparisons.values())
    agree = [description_agrees(relative) for relative in files]
    not_readable = sorted(relative for relative in ENTRIES if read(relative).unreadable_kind)
    lines = [
        f"- files read exactly: {exact_files}/{len(files)}",
        f"- rows exact (date, signed amount, currency): {rows_exact}/{rows_total}",
        f"- descriptions that contain the project's text: {sum(a for a, _ in agree)}/{sum(t for _, t in agree)}",
        f"- known misreads listed in tests/integration/test_layouts.py: {len(KNOWN_MISREADS)}",
        f"- not yet readable (no reader for the kind in this checkout): {len(not_readable)}",
    ]
    return "\n".join(lines)


def test_layout_score_is_recorded_in_the_readme(update_golden: bool) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.compile(r"(<!-- score -->\n)(.*?)(\n<!-- /score -->)", flags=re.DOTALL)
    if update_golden:
        text = block.sub(lambda match: match.group(1) + score_text() + match.group(3), text)
        README.write_text(text, encoding="utf-8")
    found = block.search(text)
    assert found, "README.md has no <!-- score --> block"
    assert found.group(2) == score_text(), "the layouts score changed: pytest --update-golden"


def test_known_misreads_name_layout_files_of_a_readable_kind() -> None:
    assert set(KNOWN_MISREADS) <= set(ENTRIES)
    for relative in KNOWN_MISREADS:
        assert not read(relative).unreadable_kind, f"{relative} is not read at all yet; it needs no entry"


def test_every_layout_file_is_sourced_and_has_a_golden_file() -> None:
    on_disk = {
        str(p.relative_to(FILES))
        for p in FILES.rglob("*")
        if p.is_file() and not p.name.endswith(".expected.json")
    }
    assert on_disk == set(ENTRIES)
    for relative, document in ENTRIES.items():
        source = document["source"]
        assert all(source.get(key) for key in ("repo", "path", "commit", "license")), relative
        assert document["rows"], f"{relative}: the project's output has no rows"
    assert {str(p.relative_to(GOLDEN))[: -len(".json")] for p in GOLDEN.rglob("*.json")} == set(ENTRIES)


def _row(date: str, amount: str, currency: str | None = "EUR", posted: str | None = None) -> dict[str, Any]:
    return {"date": date, "posted_date": posted, "amount": amount, "currency": currency, "payee": None}


def test_matching_takes_a_row_only_with_its_own_date_amount_and_currency() -> None:
    expected = [_row("2024-01-02", "-5.00"), _row("2024-01-03", "10.00")]
    assert _pairs(expected, [_row("2024-01-02", "5.00"), _row("2024-01-03", "10.00")], True)[1] == [
        expected[0]
    ]
    assert _pairs(expected, [_row("2024-01-02", "-5.00", "USD"), _row("2024-01-03", "10")], True)[1] == [
        expected[0]
    ]
    wrong_day = _pairs(expected, [_row("2024-01-01", "-5.00"), _row("2024-01-03", "10.00")], True)
    assert wrong_day[1] == [expected[0]] and wrong_day[2] == [_row("2024-01-01", "-5.00")]


def test_matching_accepts_the_posted_date_and_counts_repeated_rows() -> None:
    """A project may date a row by its posting date; two equal rows need two equal rows back."""
    by_posting = _pairs(
        [_row("2024-01-05", "-5.00")], [_row("2024-01-02", "-5.00", posted="2024-01-05")], True
    )
    assert len(by_posting[0]) == 1 and by_posting[1] == [] and by_posting[2] == []
    twice = [_row("2024-01-02", "-2.90"), _row("2024-01-02", "-2.90")]
    assert _pairs(twice, twice[:1], True)[1] == twice[1:]
    assert len(_pairs(twice, twice, False)[0]) == 2


def test_no_file_says_the_same_thing_as_a_note_and_as_a_doubt() -> None:
    """The preview and `privfin import` show notes and doubts one after the other: a note a
    doubt restates ("the file has no header row") would be read twice."""
    repeated = {
        relative: [
            note for note in statement.notes if any(r.startswith(note) for r in statement.uncertain_reasons)
        ]
        for relative in ENTRIES
        if (statement := read(relative).statement) is not None
    }
    assert {relative: notes for relative, notes in repeated.items() if notes} == {}
