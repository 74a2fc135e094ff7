"""Property tests: random and mutated CSVs either parse or raise IngestError, never anything else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest import IngestError, ParsedStatement, parse_statement
from app.ingest.currency import CurrencyContext
from app.models import Transaction
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
FIXTURES = sorted(p for p in BANKS.iterdir() if p.suffix.lower() == ".csv")
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def check(data: bytes, name: str) -> None:
    """The contract: a ParsedStatement whose transactions are valid models, or an IngestError."""
    try:
        parsed = parse_statement(data, name)
    except IngestError as exc:
        assert exc.filename == name
        assert str(exc).startswith(f"{name}: ") and exc.message
        return
    assert isinstance(parsed, ParsedStatement)
    ids = [t.id for t in parsed.transactions]
    assert len(ids) == len(set(ids))
    assert parsed.rows_read >= len(parsed.transactions)
    last_line = data.count(b"\n") + data.count(b"\r") + 1
    for transaction in parsed.transactions:
        # model_construct skipped validation, so validate what it built.
        assert Transaction.model_validate(transaction.model_dump()) == transaction
        assert 1 <= transaction.source.row <= last_line
        assert transaction.amount == transaction.amount  # not NaN
    for skipped in parsed.skipped:
        assert 1 <= skipped.row <= last_line and skipped.reason


@PROPERTY_SETTINGS
@given(st.binary(max_size=1500))
def test_random_bytes(data: bytes) -> None:
    check(data, "random.csv")


CSV_ALPHABET = st.sampled_from([*list("0123456789,;\t\"\r\n .-/+$€ABCabcäß*()'"), "\ufeff", "Date", "Amount"])


@PROPERTY_SETTINGS
@given(st.lists(CSV_ALPHABET, max_size=400).map("".join))
def test_random_csv_like_text(text: str) -> None:
    check(text.encode("utf-8"), "text.csv")


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[str, bytes]:
    path: Path = draw(st.sampled_from(FIXTURES))
    data = path.read_bytes()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        lines = data.splitlines(keepends=True) or [b""]
        kind = draw(st.sampled_from(["drop", "duplicate", "byte", "delimiter", "truncate", "insert", "swap"]))
        if kind == "drop":
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"".join(lines)
        elif kind == "duplicate":
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            data = b"".join(lines)
        elif kind == "swap":
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"".join(lines)
        elif kind == "byte" and data:
            index = draw(st.integers(0, len(data) - 1))
            data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
        elif kind == "delimiter":
            old, new = draw(
                st.sampled_from([(b",", b";"), (b";", b","), (b",", b"\t"), (b'"', b""), (b"\n", b"\r")])
            )
            data = data.replace(old, new)
        elif kind == "truncate" and data:
            data = data[: draw(st.integers(0, len(data)))]
        elif kind == "insert":
            index = draw(st.integers(0, len(data)))
            data = data[:index] + draw(st.binary(min_size=1, max_size=12)) + data[index:]
    return path.name, data


@PROPERTY_SETTINGS
@given(mutated_fixture())
def test_mutated_fixtures(case: tuple[str, bytes]) -> None:
    name, data = case
    check(data, name)


def test_every_unmutated_fixture_satisfies_the_contract() -> None:
    for path in FIXTURES:
        check(path.read_bytes(), path.name)


# -- the whole-file reader for unknown layouts ------------------------------------------------

LAYOUTS = REPO_ROOT / "tests" / "fixtures" / "layouts" / "files"
LAYOUT_CSVS = sorted(p for p in LAYOUTS.rglob("*") if p.suffix.lower() in (".csv", ".ssv", ".tsv"))


@PROPERTY_SETTINGS
@given(
    st.sampled_from(LAYOUT_CSVS), st.integers(0, 10_000), st.sampled_from(["cut", "ragged", "quote", "swap"])
)
def test_mutated_real_layouts(path: Path, at: int, kind: str) -> None:
    """The reconstructed real layouts, damaged: rows cut short, fields added, stray quotes, rows swapped."""
    lines = path.read_bytes().splitlines(keepends=True)
    index = at % len(lines)
    line = lines[index]
    if kind == "cut":
        lines[index] = line[: len(line) // 2] + b"\n"
    elif kind == "ragged":
        lines[index] = line.rstrip(b"\r\n") + b",x;y\t\n"
    elif kind == "quote":
        lines[index] = line[: at % (len(line) + 1)] + b'"' + line[at % (len(line) + 1) :]
    else:
        lines[index], lines[-1 - index] = lines[-1 - index], lines[index]
    check(b"".join(lines), path.name)


_DAY = st.dates(min_value=dt.date(2001, 1, 13), max_value=dt.date(2030, 12, 28))


@st.composite
def balanced_statement(draw: st.DrawFn) -> tuple[str, list[Decimal], bool]:
    """An export no profile knows: date, text, money and running balance in any column order, with
    or without a header, one signed amount or an unsigned debit/credit pair, ';' with decimal
    commas or ',' with points, oldest or newest first."""
    count = draw(st.integers(min_value=4, max_value=25))
    cents = draw(st.lists(st.integers(-500_000, 500_000).filter(bool), min_size=count, max_size=count))
    amounts = [Decimal(c).scaleb(-2) for c in cents]
    if all(a > 0 for a in amounts) or all(a < 0 for a in amounts):
        amounts[0] = -amounts[0]
    start = draw(_DAY)
    dates = [start + dt.timedelta(days=i) for i in range(count)]
    opening = Decimal(draw(st.integers(0, 10_000_000))).scaleb(-2)
    balances, running = [], opening
    for amount in amounts:
        running += amount
        balances.append(running)
    comma = draw(st.booleans())
    delimiter = ";" if comma else ","
    date_format = draw(st.sampled_from(["%Y-%m-%d", "%d.%m.%Y"]))

    def money(value: Decimal) -> str:
        text = f"{value:.2f}"
        return text.replace(".", ",") if comma else text

    columns = {
        "Date": [d.strftime(date_format) for d in dates],
        "Description": [f"SHOP {i}" for i in range(count)],
        "Balance": [money(b) for b in balances],
    }
    if draw(st.booleans()):
        columns["Debit"] = [money(-a) if a < 0 else "" for a in amounts]
        columns["Credit"] = [money(a) if a > 0 else "" for a in amounts]
    else:
        columns["Amount"] = [money(a) for a in amounts]
    order = draw(st.permutations(list(columns)))
    if "Debit" in order and order.index("Credit") < order.index("Debit"):
        order = [name for name in order if name != "Credit"]
        order.insert(order.index("Debit") + 1, "Credit")  # headerless, only the balance can tell
    header = draw(st.booleans())
    rows = list(zip(*(columns[name] for name in order), strict=True))
    if draw(st.booleans()):
        rows.reverse()
        amounts = amounts[::-1]
    text = (delimiter.join(order) + "\n" if header else "") + "".join(
        delimiter.join(row) + "\n" for row in rows
    )
    return text, amounts, header


@PROPERTY_SETTINGS
@given(balanced_statement())
def test_a_balanced_unknown_export_reads_back_exactly(case: tuple[str, list[Decimal], bool]) -> None:
    text, amounts, header = case
    parsed = parse_statement(text.encode(), "export.csv", currency=CurrencyContext(home="EUR"))
    assert [t.amount for t in parsed.transactions] == amounts
    # Without a header the reader always says its columns were recognised by their values alone.
    assert parsed.confident or not header, parsed.uncertain_reasons
