"""Importer: preview, atomic per-file import, duplicates, remembered mappings and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import build_parser, main
from app.cli.import_statements import run_import_command, transaction_json
from app.cli.output import json_line
from app.importer import import_files, preview_files, remember_mapping
from app.ingest import ColumnMapping, SignRule, parse_statement
from app.ingest.currency import CurrencyContext
from app.ingest.statement import REMEMBERED_LAYOUT
from app.settings import Settings
from app.store import Store
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
CHASE = "Chase1234_Activity20240101_20240131_20240201.CSV"
USD_AT_HOME = CurrencyContext(home="USD")


def fixture(name: str) -> tuple[str, bytes]:
    return name, (BANKS / name).read_bytes()


def test_import_stores_each_file_with_its_record(store: Store) -> None:
    results = import_files(store, [fixture(CHASE), fixture("citi.csv")])
    assert [(r.filename, r.error, r.inserted) for r in results] == [(CHASE, None, 9), ("citi.csv", None, 4)]
    assert store.count_transactions() == 13
    records = store.imports()
    assert [(r["file_name"], r["profile"], r["rows_imported"], r["rows_skipped"]) for r in records] == [
        (CHASE, "chase_credit", 9, 0),
        ("citi.csv", "citi", 4, 1),
    ]
    assert records[0]["account"] == "Chase credit card 1234"
    assert records[1]["account"] is None  # two card members: no single account
    assert records[1]["skipped"][0]["reason"] == "Status is 'Pending'"
    stored = {t.id: t for t in store.get_transactions()}
    first = results[0].transactions[0]
    assert stored[first.id] == first


def test_reimporting_adds_nothing_and_an_overlap_adds_only_new_rows(store: Store) -> None:
    import_files(store, [fixture(CHASE)])
    again = import_files(store, [fixture(CHASE)])[0]
    assert again.inserted == 0 and len(again.duplicate_ids) == 9
    lines = (BANKS / CHASE).read_bytes().splitlines(keepends=True)
    later = lines[0] + b"02/02/2024,02/03/2024,NEW MERCHANT,Shopping,Sale,-9.00,\r\n" + b"".join(lines[1:6])
    overlap = import_files(store, [("Chase1234_Activity20240125_20240203.CSV", later)])[0]
    assert overlap.inserted == 1 and len(overlap.duplicate_ids) == 5
    assert store.count_transactions() == 10


def test_a_failing_file_never_blocks_the_others(store: Store) -> None:
    results = import_files(store, [fixture("statement.csv"), fixture("empty.csv"), fixture("discover.csv")])
    assert results[0].error is not None and results[0].error.startswith("statement.csv: ")
    assert results[1].error == "empty.csv: the file is empty"
    assert results[0].parsed is None and results[0].inserted == 0
    assert results[2].ok and results[2].inserted == 4
    assert [r["file_name"] for r in store.imports()] == ["discover.csv"]


def test_preview_stores_nothing_and_marks_duplicates(store: Store) -> None:
    import_files(store, [fixture(CHASE)])
    before = store.revision()
    results = preview_files(store, [fixture(CHASE), fixture("capital_one.csv"), fixture("capital_one.csv")])
    assert store.revision() == before
    assert len(results[0].duplicate_ids) == 9
    assert results[1].duplicate_ids == frozenset()
    # The same file twice in one batch: the second copy would add nothing.
    assert results[2].duplicate_ids == frozenset(t.id for t in results[2].transactions)


def test_upload_limit_is_a_per_file_error(store: Store) -> None:
    results = import_files(store, [fixture(CHASE), fixture("citi.csv")], max_bytes=500)
    assert results[0].error is not None and "upload limit" in results[0].error
    assert results[1].ok


def test_a_mapping_given_for_a_file_is_remembered_for_its_layout(store: Store) -> None:
    name, data = fixture("ambiguous_dates.csv")
    guessed = preview_files(store, [(name, data)], home_currency="USD")[0].parsed
    assert guessed is not None and not guessed.confident
    fixed = guessed.mapping.model_copy(update={"date_format": "DD/MM/YYYY"})
    imported = import_files(store, [(name, data)], mappings={name: fixed}, home_currency="USD")[0]
    assert imported.parsed is not None and imported.parsed.confident
    # Next month's file of the same layout is read with the remembered mapping: not asked again.
    later = b"Date,Description,Amount\n02/05/2024,GROCERY OUTLET,-45.00\n"
    second = preview_files(store, [("may.csv", later)], home_currency="USD")[0].parsed
    assert second is not None and second.layout_name == REMEMBERED_LAYOUT and second.confident
    assert second.transactions[0].date.isoformat() == "2024-05-02"


def test_mappings_may_be_keyed_by_fingerprint(store: Store) -> None:
    name, data = fixture("ambiguous_dates.csv")
    parsed = parse_statement(data, name, currency=USD_AT_HOME)
    fixed = parsed.mapping.model_copy(update={"date_format": "DD/MM/YYYY"})
    result = preview_files(
        store, [(name, data)], mappings={parsed.header_fingerprint: fixed}, home_currency="USD"
    )[0]
    assert result.parsed is not None and result.parsed.layout_name == REMEMBERED_LAYOUT
    assert store.get_mapping(parsed.header_fingerprint) is None  # a preview remembers nothing


def test_remember_mapping_round_trip_and_stale_entries(store: Store) -> None:
    mapping = ColumnMapping(
        date="Date", description=["Description"], amount="Amount", sign=SignRule.SIGNED_INVERTED
    )
    remember_mapping(store, "fp1", mapping)
    assert ColumnMapping.model_validate(store.get_mapping("fp1")) == mapping
    name, data = fixture("ambiguous_dates.csv")
    fingerprint = parse_statement(data, name, currency=USD_AT_HOME).header_fingerprint
    store.put_mapping(fingerprint, {"date": "Date", "unknown_field": 1})
    result = preview_files(store, [(name, data)], home_currency="USD")[0]
    assert result.ok and result.parsed is not None and result.parsed.layout_name != REMEMBERED_LAYOUT


# -- CLI ---------------------------------------------------------------------------------


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    args = build_parser().parse_args(["import", *argv])
    code = run_import_command(args)
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_cli_json_lines_in_file_order(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run_cli([str(BANKS / CHASE), str(BANKS / "bofa_checking.csv"), "--json"], capsys)
    assert code == 0
    assert len(lines) == 13
    first = lines[0]
    assert first == {
        "id": first["id"],
        "account": "Chase credit card 1234",
        "date": "2024-01-29",
        "posted_date": "2024-01-30",
        "description": "MTA*NYCT PAYGO",
        "payee": None,
        "amount": -2.9,
        "currency": "USD",
        "bank_category": "Travel",
        "file": str(BANKS / CHASE),
        "row": 2,
        "duplicate": False,
    }
    assert [line["row"] for line in lines[:9]] == list(range(2, 11))
    assert lines[-1]["file"].endswith("bofa_checking.csv") and lines[-1]["amount"] == -581.72
    assert "Chase credit card - 9 rows read, imported 9" in err
    assert "row 8: skipped (not a transaction): balance or summary line" in err
    assert Store(settings.db_path).count_transactions() == 13


def test_cli_marks_duplicates_on_a_second_run(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli([str(BANKS / CHASE)], capsys)
    code, lines, err = run_cli([str(BANKS / CHASE), "--json"], capsys)
    assert code == 0 and all(line["duplicate"] for line in lines) and len(lines) == 9
    assert "imported 0, 9 already stored" in err


def test_cli_dry_run_stores_nothing(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run_cli(
        [str(BANKS / "monzo.csv"), "--dry-run", "--json", "--account", "Monzo joint"], capsys
    )
    assert code == 0 and len(lines) == 4
    assert {line["account"] for line in lines} == {"Monzo joint"}
    assert "would import 4" in err and "nothing was stored" in err
    assert Store(settings.db_path).count_transactions() == 0


def test_cli_bad_file_fails_but_the_others_are_imported(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = BANKS / "no-such-file.csv"
    code, lines, err = run_cli(
        [str(BANKS / "statement.csv"), str(missing), str(BANKS / "bank_with_bad_rows.csv"), "--json"], capsys
    )
    assert code == 1
    assert f"{BANKS / 'statement.csv'}: this is an HTML or XML page" in err
    assert f"{missing}: cannot read the file" in err
    assert [line["amount"] for line in lines] == [1000.0, -54.2, -12.3]
    assert "row 4: skipped (invalid): date '02/30/2024' is not a valid MM/DD/YYYY date" in err
    assert "row 5: skipped (invalid): amount 'abc' is not a number" in err
    assert Store(settings.db_path).count_transactions() == 3


def test_cli_bad_rows_alone_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, _lines, err = run_cli([str(BANKS / "bank_with_bad_rows.csv")], capsys)
    assert code == 0 and "2 skipped" in err


def test_cli_refuses_a_layout_it_is_unsure_of_and_imports_the_next_file(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _lines, err = run_cli([str(BANKS / "ambiguous_dates.csv"), str(BANKS / "card_export.csv")], capsys)
    assert code == 1
    assert "ambiguous_dates.csv: not imported, privfin is not sure how to read it" in err
    assert "every date in column 'Date' reads both as day/month and as month/day" in err
    assert "--accept-uncertain" in err and "Nothing from it was saved" in err
    assert "note: sign convention inferred from the data" in err  # the card export is sure, and imported
    store = Store(settings.db_path)
    assert {r["file_name"] for r in store.imports()} == {str(BANKS / "card_export.csv")}


def test_cli_imports_an_uncertain_reading_when_told_to(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _lines, err = run_cli([str(BANKS / "ambiguous_dates.csv"), "--accept-uncertain"], capsys)
    assert code == 0
    assert "uncertain: every date in column 'Date' reads both as day/month and as month/day" in err
    assert Store(settings.db_path).count_transactions() > 0


def test_cli_oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRIVFIN_MAX_UPLOAD_MB", "1")
    big = tmp_path / "huge.csv"
    big.write_bytes(b"Date,Description,Amount\n" + b"01/02/2024,X,-1.00\n" * 60_000)
    code, _lines, err = run_cli([str(big)], capsys)
    assert code == 1 and "over the upload limit of 1 MB" in err


def test_cli_entry_point_wires_the_import_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(BANKS / "discover.csv"), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Decimal(str(line["amount"])) for line in lines] == [
        Decimal("200.00"),
        Decimal("-56.78"),
        Decimal("12.34"),
        Decimal("-98.10"),
    ]


def test_import_remembers_a_mapping_given_by_fingerprint(store: Store) -> None:
    name, data = fixture("ambiguous_dates.csv")
    parsed = parse_statement(data, name, currency=USD_AT_HOME)
    fixed = parsed.mapping.model_copy(update={"date_format": "DD/MM/YYYY"})
    import_files(store, [(name, data)], mappings={parsed.header_fingerprint: fixed}, home_currency="USD")
    assert ColumnMapping.model_validate(store.get_mapping(parsed.header_fingerprint)) == fixed


def test_the_store_holds_exactly_the_parsed_transactions(store: Store) -> None:
    result = import_files(store, [fixture(CHASE), fixture("citi.csv")])
    parsed = [t for r in result for t in r.transactions]
    assert sorted(store.get_transactions(), key=lambda t: t.id) == sorted(parsed, key=lambda t: t.id)
    table = result[0].parsed.table if result[0].parsed else None
    assert table is not None and table.ids == [t.id for t in result[0].transactions]


def test_an_amount_finer_than_its_currency_is_reported_with_its_row_and_the_rest_imports(
    store: Store,
) -> None:
    data = (
        b"Date,Description,Amount,Currency\n"
        b"2024-03-01,RAMEN TOKYO,-1200,JPY\n"
        b"2024-03-02,ODD FEE,-1.5,JPY\n"
        b"2024-03-03,SUSHI,-3400,JPY\n"
        b"2024-03-04,SOUK,-1.2345,BHD\n"
    )
    preview = preview_files(store, [("yen.csv", data)])[0]
    assert preview.ok and preview.parsed is not None and len(preview.parsed.table) == 2
    result = import_files(store, [("yen.csv", data)])[0]
    assert result.ok and result.inserted == 2 and result.parsed is not None
    assert [(t.amount, t.currency) for t in store.get_transactions()] == [
        (Decimal("-1200"), "JPY"),
        (Decimal("-3400"), "JPY"),
    ]
    skipped = {s.row: s.reason for s in result.parsed.skipped}
    assert skipped == {
        3: "the amount -1.50 has 1 decimal but JPY has no decimals; it was not rounded",
        5: "the amount -1.2345 has 4 decimals but BHD has 3 decimals; it was not rounded",
    }
    assert store.imports()[0]["rows_skipped"] == 2  # the import record keeps them too


def test_json_lines_carry_payee_and_foreign_spend_as_exact_numbers() -> None:
    [plain] = parse_statement((BANKS / CHASE).read_bytes(), CHASE, currency=USD_AT_HOME).transactions[:1]
    foreign = plain.model_copy(
        update={
            "payee": "Hotel Bristol",
            "amount": Decimal("-12345678901234.57"),
            "original_amount": Decimal("-8.00"),
            "original_currency": "GBP",
        }
    )
    line = json_line(transaction_json(foreign, filename="f.csv", duplicate=False))
    assert '"amount": -12345678901234.57,' in line and '"original_amount": -8.00,' in line
    parsed = json.loads(line, parse_float=Decimal)
    assert parsed["payee"] == "Hotel Bristol" and parsed["original_currency"] == "GBP"
    assert parsed["amount"] == Decimal("-12345678901234.57")
    bare = json.loads(json_line(transaction_json(plain, filename="f.csv", duplicate=False)))
    assert bare["payee"] is None and "original_amount" not in bare and "original_currency" not in bare


AMBIGUOUS_QIF = b"!Type:Bank\nD02/03/2026\nT-45.67\nPCorner Grocer\n^\nD04/05/2026\nT2500.00\nPPayroll\n^\n"


def test_cli_refuses_a_qif_whose_date_order_it_is_unsure_of_as_it_does_a_csv(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qif = tmp_path / "ambiguous.qif"
    qif.write_bytes(AMBIGUOUS_QIF)
    code, _lines, err = run_cli([str(qif), "--currency", "USD"], capsys)
    assert code == 1
    assert "ambiguous.qif: not imported, privfin is not sure how to read it" in err
    assert "reads both as day/month and as month/day" in err
    assert "--accept-uncertain" in err and "Nothing from it was saved" in err
    assert Store(settings.db_path).count_transactions() == 0
    code, _lines, err = run_cli([str(qif), "--currency", "USD", "--accept-uncertain"], capsys)
    assert code == 0, err
    assert Store(settings.db_path).count_transactions() == 2


_DINAR_OFX = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>KWD
<BANKACCTFROM><BANKID>4401<ACCTID>77310020<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260310
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260301<TRNAMT>-4.567<FITID>K-1<NAME>SOUK BAKERY</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260302<TRNAMT>2500.00<FITID>K-2<NAME>EMPLOYER SALARY</STMTTRN>
</BANKTRANLIST>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_cli_json_writes_each_amount_with_its_currencys_decimals(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yen = tmp_path / "yen.csv"
    yen.write_bytes(b"Date,Description,Amount (JPY)\n2026-03-01,RAMEN SHOP,-10000\n2026-03-02,KONBINI,-480\n")
    dinar = tmp_path / "dinar.ofx"
    dinar.write_bytes(_DINAR_OFX)
    code = run_import_command(build_parser().parse_args(["import", str(yen), str(dinar), "--json"]))
    out = capsys.readouterr().out
    assert code == 0
    amounts = [line.split('"amount": ')[1].split(",")[0] for line in out.splitlines()]
    assert amounts == ["-10000", "-480", "-4.567", "2500.000"]
    assert [json.loads(line)["amount"] for line in out.splitlines()] == [-10000, -480, -4.567, 2500]
