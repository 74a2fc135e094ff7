"""OFX 1.x (SGML), 2.x (XML) and QFX import: real bank files, FITID ids, bad input, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import build_parser
from app.cli.import_statements import run_import_command
from app.importer import import_files, preview_files
from app.ingest import IngestError
from app.ingest.currency import CurrencyContext, CurrencySource, CurrencyUnknown
from app.ingest.formats import FileKind, file_kind, read_record_file
from app.ingest.ofx import masked_account, ofx_amount, ofx_date
from app.models import SkipKind
from app.store import Store
from tests.conftest import REPO_ROOT

OFX_DIR = REPO_ROOT / "tests" / "fixtures" / "ofx"
USD_AT_HOME = CurrencyContext(home="USD")


def fixture(name: str) -> bytes:
    return (OFX_DIR / name).read_bytes()


def read(name: str, data: bytes | None = None, account: str | None = None):  # type: ignore[no-untyped-def]
    body = fixture(name) if data is None else data
    kind = file_kind(body, name)
    return read_record_file(kind, body, name, account=account, max_bytes=None, currency=USD_AT_HOME)


def sgml(
    *transactions: str, curdef: str = "USD", card: bool = False, acctid: str = "4111222233334444"
) -> bytes:
    """A minimal OFX 1.02 download (the header as banks send it) around some <STMTTRN>s."""
    account = (
        f"<CCACCTFROM><ACCTID>{acctid}</CCACCTFROM>"
        if card
        else f"<BANKACCTFROM><BANKID>121000248<ACCTID>{acctid}<ACCTTYPE>CHECKING</BANKACCTFROM>"
    )
    wrapper = "CREDITCARDMSGSRSV1" if card else "BANKMSGSRSV1"
    statement = "CCSTMTRS" if card else "STMTRS"
    rows = "\n".join(transactions)
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<DTSERVER>20240201<LANGUAGE>ENG<FI><ORG>TESTBANK</FI></SONRS></SIGNONMSGSRSV1>\n"
        f"<{wrapper}><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
        f"<{statement}><CURDEF>{curdef}\n{account}\n<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\n"
        f"{rows}\n</BANKTRANLIST></{statement}></STMTTRNRS></{wrapper}>\n</OFX>\n"
    ).encode()


def trn(fitid: str, amount: str, name: str, date: str = "20240105120000[-5:EST]", kind: str = "DEBIT") -> str:
    return f"<STMTTRN>\n<TRNTYPE>{kind}\n<DTPOSTED>{date}\n<TRNAMT>{amount}\n<FITID>{fitid}\n<NAME>{name}\n</STMTTRN>"


# -- real files, with the values their projects' own tests expect ---------------------------


def test_an_ofx_2_xml_bank_statement_with_cdata_text_is_read() -> None:
    parsed = read("single_eftpos_withdrawal.ofx")
    assert parsed.layout_name == "OFX 2.00 (XML)"
    assert parsed.mapping is None and parsed.confident
    (transaction,) = parsed.transactions
    assert transaction.amount == Decimal("-23.40")
    assert transaction.currency == "AUD"
    assert transaction.date == dt.date(2023, 3, 8)
    # MEMO (inside CDATA, its inner spaces kept) is the longer text, so it is the description
    assert transaction.description == "EFTPOS WDL EXAMPLE GROCER   SAMPLETOWN NSWAU"
    assert transaction.account == "WATTLEBANK checking …0421"
    assert transaction.source.row == 35  # the line of its <STMTTRN>


def test_an_ofx_2_file_written_on_one_line_is_read() -> None:
    data = (
        fixture("single_eftpos_withdrawal.ofx")
        .replace(b"?>\r\n<?OFX", b"?><?OFX")
        .replace(b"?>\r\n<OFX>", b"?><OFX>")
    )
    assert data.startswith(b'<?xml version="1.0" encoding="us-ascii"?><?OFX OFXHEADER="200"')
    (transaction,) = read("single_eftpos_withdrawal.ofx", data).transactions
    assert transaction.amount == Decimal("-23.40")


def test_an_ofx_1_sgml_statement_that_breaks_the_spec_is_read_whole() -> None:
    # BANKID 9876543210 is longer than the spec's 9 characters: ofxtools' validation refuses the file.
    parsed = read("long_bankid_intuit_tags.ofx")
    assert [(t.date, t.amount) for t in parsed.transactions] == [
        (dt.date(2022, 7, 29), Decimal("0.02")),
        (dt.date(2022, 8, 3), Decimal("-61.20")),
        (dt.date(2022, 8, 16), Decimal("-30.00")),
    ]
    assert {t.currency for t in parsed.transactions} == {"USD"}
    # MEMO carries the whole text that NAME cuts at 32 characters; the raw text is kept
    assert parsed.transactions[0].description.endswith("ANNUAL PERCENTAGE YIELD EARNED IS 0.10%")
    assert parsed.transactions[2].description == "RETURNED ITEM FEE, CHECK # 1042 FOR $88.10 ON 08/16/22"
    assert [s.row for s in parsed.skipped] == []


def test_a_qfx_is_read_as_ofx_and_gets_the_same_ids_as_the_same_download_saved_as_ofx() -> None:
    qfx, ofx = read("three_checking_transactions.qfx"), read("three_checking_transactions.ofx")
    assert qfx.layout_name.startswith("QFX")
    assert [(t.date, t.amount, t.currency) for t in qfx.transactions] == [
        (dt.date(2021, 5, 3), Decimal("-4.35"), "CAD"),
        (dt.date(2021, 5, 5), Decimal("-210.00"), "CAD"),
        (dt.date(2021, 5, 6), Decimal("-18.75"), "CAD"),
    ]
    assert qfx.table.ids == ofx.table.ids
    assert qfx.accounts == ["OFX checking …4321"]  # account 55500 000099994321, masked


def test_a_credit_card_ofx_keeps_its_signs_and_never_shows_the_card_number() -> None:
    parsed = read("xml_header_sgml_body_card.ofx")  # an XML header over SGML-style unclosed elements
    (transaction,) = parsed.transactions
    assert (transaction.amount, transaction.currency) == (Decimal("-7.25"), "AUD")  # a purchase is money out
    assert transaction.account == "OFX card …0002"
    dumped = json.dumps([t.model_dump(mode="json") for t in parsed.transactions])
    assert "4000000000000002" not in dumped


def test_a_card_statement_signed_from_the_banks_side_is_turned_round_and_says_so() -> None:
    data = sgml(
        trn("1", "45.10", "SHELL OIL"),
        trn("2", "9.99", "NETFLIX.COM"),
        trn("3", "-500.00", "PAYMENT THANK YOU", kind="CREDIT"),
        card=True,
    )
    parsed = read("card.ofx", data)
    assert [t.amount for t in parsed.transactions] == [Decimal("-45.10"), Decimal("-9.99"), Decimal("500.00")]
    assert any("signs were turned" in note for note in parsed.notes)


def test_an_ofx_without_currency_of_its_own_rows_says_what_it_assumed() -> None:
    parsed = read("v102_empty_tags_and_row_currency.ofx")  # empty CURDEF, but the row names AUD itself
    (transaction,) = parsed.transactions
    assert (transaction.amount, transaction.currency, transaction.description) == (
        Decimal("48.20"),
        "AUD",
        "XMPL:Refund",
    )
    assert parsed.uncertain_reasons == []
    assert (parsed.currency, parsed.currency_source) == ("AUD", CurrencySource.FILE)
    # no CURDEF and no row currency: decided as for a CSV that names none, never a silent USD
    nameless = sgml(trn("1", "-1.00", "FEE"), curdef="")
    with pytest.raises(CurrencyUnknown):
        read_record_file(FileKind.OFX, nameless, "x.ofx", account=None, max_bytes=None)
    at_home = read_record_file(
        FileKind.OFX, nameless, "x.ofx", account=None, max_bytes=None, currency=CurrencyContext(home="CAD")
    )
    assert at_home.transactions[0].currency == "CAD"
    assert (at_home.currency, at_home.currency_source) == ("CAD", CurrencySource.HOME)


def test_foreign_spend_keeps_its_original_amount_and_currency() -> None:
    # TRNAMT is in CURDEF (USD); CURRATE is USD per EUR, so the original is 55.00 / 1.1 = EUR 50.00
    spend = (
        "<STMTTRN><TRNTYPE>POS<DTPOSTED>20240110<TRNAMT>-55.00<FITID>8<NAME>CAFE DE FLORE PARIS"
        "<ORIGCURRENCY><CURRATE>1.1<CURSYM>EUR</ORIGCURRENCY></STMTTRN>"
    )
    (transaction,) = read("x.ofx", sgml(spend, card=True)).transactions
    assert (transaction.amount, transaction.currency) == (Decimal("-55.00"), "USD")
    assert (transaction.original_amount, transaction.original_currency) == (Decimal("-50.00"), "EUR")
    (plain,) = read("x.ofx", sgml(trn("9", "-5.00", "LOCAL"))).transactions
    assert (plain.original_amount, plain.original_currency) == (None, None)


def test_dates_keep_the_banks_calendar_day_whatever_the_time_zone() -> None:
    assert ofx_date("20091224120000[0:GMT]") == dt.date(2009, 12, 24)
    assert ofx_date("20091224230000.000[+10:AEST]") == dt.date(2009, 12, 24)  # not 13:00 UTC the 24th's
    assert ofx_date("20091224010000[-8:PST]") == dt.date(2009, 12, 24)
    assert ofx_date("20230105") == dt.date(2023, 1, 5)
    assert ofx_date("20120231") is None and ofx_date("") is None


def test_amounts_and_account_masks() -> None:
    assert ofx_amount("-12.50") == Decimal("-12.50")
    assert ofx_amount("+3") == Decimal("3")
    assert ofx_amount("-5,50") == Decimal("-5.50")  # a decimal comma some banks write
    assert ofx_amount("$120") is None and ofx_amount("NaN") is None
    assert masked_account("4111 2222 3333 4444") == "…4444"


def test_name_memo_and_check_number_make_the_description() -> None:
    check = "<STMTTRN><TRNTYPE>CHECK<DTPOSTED>20240110<TRNAMT>-120.00<FITID>9<CHECKNUM>1234<NAME>ACME LANDSCAPING<MEMO>MARCH</STMTTRN>"
    parsed = read("x.ofx", sgml(check))
    assert parsed.transactions[0].description == "ACME LANDSCAPING MARCH CHECK 1234"


def test_an_empty_sgml_element_does_not_hide_the_values_after_it() -> None:
    # `<NAME>` with no value opens an aggregate in SGML: MEMO ends up nested inside it
    empty_name = "<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>20240105\n<TRNAMT>-3.00\n<FITID>5\n<NAME>\n<MEMO>COFFEE HOUSE\n</STMTTRN>"
    check = (
        "<STMTTRN><TRNTYPE>CHECK<DTPOSTED>20240106<TRNAMT>-40.00<FITID>6<CHECKNUM>55<NAME>PLUMBER</STMTTRN>"
    )
    parsed = read("x.ofx", sgml(empty_name, check))
    # </STMTTRN> closes the NAME left open too, so the check is not nested in the coffee (whose
    # description then took the check's number)
    assert [(t.description, t.amount) for t in parsed.transactions] == [
        ("COFFEE HOUSE", Decimal("-3.00")),
        ("PLUMBER CHECK 55", Decimal("-40.00")),
    ]


def test_markup_escapes_are_undone_and_windows_1252_text_is_read() -> None:
    data = sgml(trn("1", "-1.00", "AT&amp;T WIRELESS"), trn("2", "-2.00", "CAFE")).replace(
        b"CAFE", "CAFÉ CRÈME".encode("cp1252")
    )
    parsed = read("x.ofx", data)
    assert [t.description for t in parsed.transactions] == ["AT&T WIRELESS", "CAFÉ CRÈME"]


def test_lower_case_tags_are_read_not_silently_dropped() -> None:
    data = (
        sgml(trn("1", "-1.00", "A"), trn("2", "-2.00", "B"))
        .decode()
        .replace("STMTTRN>", "stmttrn>")
        .replace("<NAME>", "<name>")
    )
    parsed = read("x.ofx", data.encode())
    assert [(t.amount, t.description) for t in parsed.transactions] == [
        (Decimal("-1.00"), "A"),
        (Decimal("-2.00"), "B"),
    ]


def test_a_transaction_without_any_text_is_described_by_its_type() -> None:
    atm = (
        "<STMTTRN><TRNTYPE>ATM<DTPOSTED>20051020<TRNAMT>-300,00<FITID>3</STMTTRN>"  # as ofxtools' stmtrs_euro
    )
    (transaction,) = read("x.ofx", sgml(atm)).transactions
    assert (transaction.description, transaction.amount) == ("ATM", Decimal("-300.00"))


def test_a_statements_user_date_is_the_date_and_the_posting_date_is_kept() -> None:
    both = "<STMTTRN><TRNTYPE>POS<DTPOSTED>20240103<DTUSER>20240101<TRNAMT>-8.00<FITID>7<NAME>CAFE</STMTTRN>"
    (transaction,) = read("x.ofx", sgml(both)).transactions
    assert (transaction.date, transaction.posted_date) == (dt.date(2024, 1, 1), dt.date(2024, 1, 3))


def test_content_decides_the_kind_not_the_extension() -> None:
    assert file_kind(fixture("long_bankid_intuit_tags.ofx"), "download.txt") is FileKind.OFX
    assert file_kind(fixture("single_eftpos_withdrawal.ofx"), "statement.csv") is FileKind.OFX
    assert file_kind(b"Date,Amount\n2024-01-01,1.00\n", "named-wrongly.ofx") is FileKind.CSV
    assert file_kind(b"OFXHEADER:100\nbroken", "x.dat") is FileKind.OFX


# -- ids: FITID, so an overlapping download adds nothing ----------------------------------------


def test_reimporting_an_overlapping_ofx_adds_only_the_new_transactions(store: Store) -> None:
    january = sgml(
        trn("A1", "-10.00", "COFFEE"), trn("A2", "-20.00", "LUNCH"), trn("A3", "1500.00", "PAYROLL")
    )
    first = import_files(store, [("jan.ofx", january)])[0]
    assert first.error is None and first.inserted == 3
    assert import_files(store, [("jan.ofx", january)])[0].inserted == 0
    # the next download repeats two FITIDs, one with text the bank has since reworded
    later = sgml(
        trn("A2", "-20.00", "LUNCH"), trn("A3", "1500.00", "ACME PAYROLL"), trn("A4", "-5.00", "PARKING")
    )
    overlap = import_files(store, [("jan-feb.qfx", later)])[0]
    assert (overlap.error, overlap.inserted, len(overlap.duplicate_ids)) == (None, 1, 2)
    assert store.count_transactions() == 4


def test_fitid_ids_do_not_depend_on_the_account_name_the_user_chose(store: Store) -> None:
    data = sgml(trn("A1", "-10.00", "COFFEE"))
    import_files(store, [("a.ofx", data)], account="Joint checking")
    again = import_files(store, [("a.ofx", data)], account="Checking")[0]
    assert again.inserted == 0


def test_rows_without_a_fitid_get_content_ids_beside_the_fitid_rows(store: Store) -> None:
    data = sgml(trn("", "-2.75", "METRO FARE"), trn("A1", "-9.00", "LUNCH"), trn("", "-2.75", "METRO FARE"))
    parsed = read("x.ofx", data)
    assert len(set(parsed.table.ids)) == 3 and all(parsed.table.ids)
    assert import_files(store, [("x.ofx", data)])[0].inserted == 3
    assert import_files(store, [("x.ofx", data)])[0].inserted == 0


def test_one_fitid_twice_in_a_file_keeps_both_rows(store: Store) -> None:
    data = sgml(trn("0", "-2.75", "METRO FARE"), trn("0", "-2.75", "METRO FARE"))
    assert import_files(store, [("fares.ofx", data)])[0].inserted == 2
    assert import_files(store, [("fares.ofx", data)])[0].inserted == 0


# -- bad input: a clear message naming file and row, nothing stored half-way --------------------


def test_a_broken_sgml_header_names_the_file_and_line_and_stores_nothing(store: Store) -> None:
    broken = fixture("long_bankid_intuit_tags.ofx").replace(b"SECURITY:NONE", b"SECURITY NONE", 1)
    (result,) = import_files(store, [("statement.ofx", broken)])
    assert result.error is not None
    assert result.error.startswith("statement.ofx: the OFX header is broken")
    assert result.error.endswith("(row 4)")
    assert store.count_transactions() == 0 and store.imports() == []


def test_a_header_of_other_fields_is_broken_but_one_without_its_ofxheader_line_is_not() -> None:
    with pytest.raises(IngestError, match=r"has none of the OFX header fields \(row 1\)"):
        read("x.ofx", b"FORMAT:CSV\nNAME:export\n<OFX></OFX>")
    csv2ofx_style = sgml(trn("1", "-1.00", "A")).replace(b"OFXHEADER:100\n", b"")  # as csv2ofx writes it
    assert [t.amount for t in read("x.ofx", csv2ofx_style).transactions] == [Decimal("-1.00")]


def test_broken_markup_names_its_line(store: Store) -> None:
    data = sgml(trn("1", "-1.00", "A"), trn("2", "-2.00", "B")).replace(b"</STMTTRN>", b"</STMTTRN>oops", 1)
    (result,) = import_files(store, [("bad.ofx", data)])
    assert result.error == "bad.ofx: the OFX markup is broken (Tail text 'oops' after </STMTTRN>) (row 23)"
    assert store.count_transactions() == 0


def test_a_download_cut_off_mid_transaction_is_refused_at_its_line_and_stores_nothing(
    store: Store,
) -> None:
    whole = sgml(trn("20240105001", "-12.40", "CORNER BAKERY"), trn("20240106002", "1800.00", "PAYROLL"))
    cut = whole[: whole.index(b"20240106002") + 6]  # inside the second FITID: its end never came
    opened_on = cut[: cut.rindex(b"<STMTTRN>")].count(b"\n") + 1  # the line of the cut-off <STMTTRN>
    (result,) = import_files(store, [("cut.ofx", cut)])
    assert result.error == (
        "cut.ofx: the OFX markup is broken (the file ends inside <STMTTRN>, before its </STMTTRN> "
        f"and </OFX>: it looks cut off; download it again) (row {opened_on})"
    )
    assert store.count_transactions() == 0 and store.imports() == []
    # the whole download later reads once, not again under the FITID the cut copy carried
    assert import_files(store, [("whole.ofx", whole)])[0].inserted == 2


@pytest.mark.parametrize(
    ("cut_before", "open_aggregate"),
    [(b"</OFX>", "OFX"), (b"</STMTRS>", "STMTRS"), (b"</BANKTRANLIST>", "BANKTRANLIST")],
)
def test_a_download_missing_its_closing_aggregates_is_refused(cut_before: bytes, open_aggregate: str) -> None:
    whole = sgml(trn("1", "-1.00", "A"))
    with pytest.raises(IngestError, match=rf"ends inside <{open_aggregate}>.*cut off"):
        read("short.ofx", whole[: whole.rindex(cut_before)])


def test_end_tags_of_elements_already_closed_are_passed_over_and_said() -> None:
    # Amex closes its data elements inside each other (<CODE>0 <SEVERITY>INFO </SEVERITY> </CODE>),
    # which SGML had closed already: ofxtools' builder failed the file ("pop from empty stack")
    amex_style = sgml(trn("1", "-1.00", "A"), trn("2", "-2.00", "B")).replace(
        b"<NAME>A", b"<NAME>A\n<MEMO>M\n</MEMO>\n</NAME>"
    )
    parsed = read("amex.ofx", amex_style.replace(b"</BANKTRANLIST>", b"</BANKTRANLIST></BANKTRANLIST>"))
    assert [(t.amount, t.description) for t in parsed.transactions] == [
        (Decimal("-1.00"), "A M"),
        (Decimal("-2.00"), "B"),
    ]
    assert (
        "2 end tag(s) in the OFX markup close an element already closed (</BANKTRANLIST>, </NAME>)"
        in parsed.notes[0]
    )


def test_transactions_without_a_readable_date_or_amount_are_skipped_with_their_line() -> None:
    parsed = read("missing_and_impossible_dates.ofx")  # none of the three can be dated; each says why
    assert parsed.transactions == []
    assert [(s.row, s.kind, s.reason) for s in parsed.skipped] == [
        (33, SkipKind.INVALID, "the transaction has no DTPOSTED"),
        (40, SkipKind.INVALID, "the transaction has no DTPOSTED"),
        (48, SkipKind.INVALID, "date '20190231' is not an OFX date"),
    ]
    assert not parsed.confident
    mixed = read("x.ofx", sgml(trn("1", "-1.00", "A"), trn("2", "$20", "B")))
    assert [t.amount for t in mixed.transactions] == [Decimal("-1.00")]
    assert mixed.skipped[0].reason == "amount '$20' is not a number"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>",
            "no bank or credit-card",
        ),
        (b"OFXHEADER:100\nDATA:OFXSGML\n", "no <OFX> element"),
        (b"  \n", "the file is empty"),
    ],
)
def test_files_with_no_statement_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read("x.ofx", data)


def test_an_error_reply_saved_as_a_download_says_what_the_bank_said() -> None:
    data = (
        b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR"
        b"<MESSAGE>Invalid password</STATUS></SONRS></SIGNONMSGSRSV1></OFX>"
    )
    with pytest.raises(IngestError, match=r"code 15500: Invalid password"):
        read("x.ofx", data)


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_imports_an_ofx_as_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["import", str(OFX_DIR / "long_bankid_intuit_tags.ofx"), "--json"])
    assert run_import_command(args) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [(line["date"], line["amount"], line["currency"], line["row"]) for line in lines] == [
        ("2022-07-29", 0.02, "USD", 46),
        ("2022-08-03", -61.2, "USD", 54),
        ("2022-08-16", -30.0, "USD", 62),
    ]
    assert {line["account"] for line in lines} == {"SAMPLECU checking …01~3"}
    assert "QFX (Quicken, OFX 1.02 SGML) - 3 rows read, imported 3" in captured.err
    assert run_import_command(args) == 0
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(line["duplicate"] for line in again)


def test_reading_a_csv_does_not_load_the_ofx_reader() -> None:
    # Small-file start-up time: the OFX reader is imported only when an OFX file is read.
    code = (
        "import sys; from app.importer import preview_files; from app.store import Store; import tempfile, os;"
        "d = tempfile.mkdtemp(); s = Store(os.path.join(d, 'db.sqlite'));"
        "preview_files(s, [('a.csv', b'Date,Description,Amount,Currency\\n2024-01-02,COFFEE,-3.50,USD\\n')]);"
        "print('app.ingest.ofx_markup' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_preview_of_an_ofx_has_no_column_mapping(store: Store) -> None:
    (result,) = preview_files(store, [("statement.ofx", fixture("single_eftpos_withdrawal.ofx"))])
    assert result.error is None and result.parsed is not None
    assert result.parsed.mapping is None and result.parsed.columns == []


# -- property: the reader returns transactions or raises the importer's own error ---------------

_SEEDS = [
    fixture(name)
    for name in (
        "long_bankid_intuit_tags.ofx",
        "single_eftpos_withdrawal.ofx",
        "xml_header_sgml_body_card.ofx",
        "missing_and_impossible_dates.ofx",
    )
]


@st.composite
def damaged_ofx(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "cut"]))
        if action == "insert":
            data[at:at] = draw(
                st.binary(min_size=1, max_size=12)
                | st.sampled_from([b"<", b">", b"</OFX>", b"<STMTTRN>", b"\x00", b"]]>"])
            )
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            del data[at:]
    return bytes(data)


def assert_transactions_or_ingest_error(data: bytes, name: str) -> None:
    """The reader's whole contract on any input: a statement whose rows add up, or its own error."""
    try:
        parsed = read_record_file(
            FileKind.OFX, data, name, account=None, max_bytes=None, currency=USD_AT_HOME
        )
    except IngestError as exc:
        assert str(exc).startswith(f"{name}: ")
        return
    assert len(parsed.transactions) + len(parsed.skipped) == parsed.rows_read
    assert all(t.source.row >= 1 for t in parsed.transactions)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_ofx())
def test_a_damaged_ofx_gives_transactions_or_an_ingest_error(data: bytes) -> None:
    assert_transactions_or_ingest_error(data, "damaged.ofx")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/OFXSTMRNAHED:01234.-\n ", max_size=300))
def test_arbitrary_markup_gives_transactions_or_an_ingest_error(text: str) -> None:
    assert_transactions_or_ingest_error(("<OFX>" + text).encode(), "x.ofx")


def test_a_nul_inside_a_transaction_tag_keeps_every_row_on_its_own_line() -> None:
    """Hypothesis found it: the markup reader reads "<STMTTRN\\x00>" as a transaction, and its row
    number must come from the same tag (it came out as 0, before every line of the file)."""
    seed = _SEEDS[0]
    at = seed.rindex(b"<STMTTRN>") + len(b"<STMTTRN")
    parsed = read_record_file(
        FileKind.OFX,
        seed[:at] + b"\x00" + seed[at:],
        "d.ofx",
        account=None,
        max_bytes=None,
        currency=USD_AT_HOME,
    )
    clean = read_record_file(FileKind.OFX, seed, "d.ofx", account=None, max_bytes=None, currency=USD_AT_HOME)
    assert [t.source.row for t in parsed.transactions] == [t.source.row for t in clean.transactions]
