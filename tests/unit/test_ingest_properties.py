"""Property tests: random and mutated CSVs either parse or raise IngestError, never anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest import IngestError, ParsedStatement, parse_statement
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
