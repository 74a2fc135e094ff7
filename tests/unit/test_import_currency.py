"""The currency of a file's amounts: never silently USD, remembered per account, and a
per-row currency column honoured only when it is the amount column's currency."""

from __future__ import annotations

import csv
import io
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from app import reports
from app.importer import import_files, preview_files
from app.ingest import load_profiles, parse_statement
from app.ingest.currency import CurrencyContext, CurrencySource, CurrencyUnknown, locale_currency
from app.settings import SettingsError, load_settings
from app.store import MIGRATIONS, Store
from components.review_table import original_labels
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
PLAIN = b"Date,Description,Amount\n2024-01-05,COFFEE SHOP,-3.50\n2024-01-06,PAYROLL,1200.00\n"

# An N26 export (its 2023 layout): the amount is in EUR, foreign card spend also carries the
# original amount and its currency.
N26 = (
    b'"Booking Date","Value Date","Partner Name","Partner Iban","Type","Payment Reference",'
    b'"Account Name","Amount (EUR)","Original Amount","Original Currency","Exchange Rate"\n'
    b'"2023-06-01","2023-06-01","REWE Berlin","","Presentment","","Main Account","-23.40","","",""\n'
    b'"2023-06-02","2023-06-02","PRET A MANGER LONDON","","Presentment","","Main Account","-9.37",'
    b'"-8.00","GBP","0.8538"\n'
    b'"2023-06-03","2023-06-03","TFL TRAVEL CH","","Presentment","","Main Account","-3.05","-2.60",'
    b'"GBP","0.8525"\n'
    b'"2023-06-05","2023-06-05","Arbeitgeber GmbH","DE89370400440532013000","Credit Transfer",'
    b'"Gehalt Juni","Main Account","2500.00","","",""\n'
)

# A German card export: "Währung Originalbetrag" is the foreign spend's, the amount is in euros.
GERMAN_CARD = (
    "Buchungsdatum;Beschreibung;Betrag (EUR);Originalbetrag;Währung Originalbetrag\n"
    "01.06.2023;REWE SAGT DANKE;-23,40;;\n"
    "02.06.2023;PRET A MANGER LONDON;-9,37;-8,00;GBP\n"
    "03.06.2023;AMAZON.COM;-18,52;-20,00;USD\n"
).encode()


def test_a_file_that_names_no_currency_is_refused_rather_than_made_usd() -> None:
    with pytest.raises(CurrencyUnknown) as raised:
        parse_statement(PLAIN, "statement.csv")
    assert raised.value.account == "statement"
    assert "does not say which currency" in str(raised.value)


def test_the_home_currency_is_used_and_said_when_nothing_else_names_one() -> None:
    parsed = parse_statement(PLAIN, "statement.csv", currency=CurrencyContext(home="CAD"))
    assert {t.currency for t in parsed.transactions} == {"CAD"}
    assert (parsed.currency, parsed.currency_source) == ("CAD", CurrencySource.HOME)


def test_the_account_remembered_currency_comes_before_the_home_currency() -> None:
    remembered = {"Joint": "AUD"}.get
    parsed = parse_statement(
        PLAIN, "statement.csv", account="Joint", currency=CurrencyContext(remembered=remembered, home="USD")
    )
    assert {t.currency for t in parsed.transactions} == {"AUD"}
    assert parsed.currency_source is CurrencySource.ACCOUNT
    assert parsed.account_currencies["Joint"].code == "AUD"


def test_the_users_choice_comes_before_everything() -> None:
    context = CurrencyContext(chosen="NZD", remembered=lambda account: "AUD", home="USD")
    parsed = parse_statement(PLAIN, "statement.csv", currency=context)
    assert {t.currency for t in parsed.transactions} == {"NZD"}
    assert parsed.currency_source is CurrencySource.CHOSEN


def test_a_currency_named_by_the_file_comes_before_the_remembered_one() -> None:
    data = b"Date,Description,Amount (GBP)\n2024-01-05,TESCO,-3.50\n"
    parsed = parse_statement(data, "x.csv", currency=CurrencyContext(remembered=lambda account: "EUR"))
    assert {t.currency for t in parsed.transactions} == {"GBP"}
    assert parsed.currency_source is CurrencySource.FILE


def test_an_issuer_profile_states_its_currency_without_asking() -> None:
    chase = "Chase1234_Activity20240101_20240131_20240201.CSV"
    parsed = parse_statement((BANKS / chase).read_bytes(), chase)
    assert (parsed.currency, parsed.currency_source) == ("USD", CurrencySource.PROFILE)
    monzo = parse_statement((BANKS / "monzo.csv").read_bytes(), "monzo.csv")
    assert {t.currency for t in monzo.transactions} == {"GBP"}
    # The bank's stated currency is the file's own: neither a remembered nor a chosen one replaces it.
    again = parse_statement(
        (BANKS / chase).read_bytes(), chase, currency=CurrencyContext(remembered=lambda account: "CAD")
    )
    assert {t.currency for t in again.transactions} == {"USD"}


def test_every_profile_states_its_currency() -> None:
    unstated = [p.id for p in load_profiles() if not p.mapping.currency and not p.mapping.amount_by_currency]
    assert unstated == []


def test_an_original_currency_column_beside_a_euro_amount_keeps_every_row_in_euros() -> None:
    parsed = parse_statement(N26, "n26.csv")
    assert [(t.amount, t.currency) for t in parsed.transactions] == [
        (Decimal("-23.40"), "EUR"),
        (Decimal("-9.37"), "EUR"),
        (Decimal("-3.05"), "EUR"),
        (Decimal("2500.00"), "EUR"),
    ]
    assert parsed.mapping.amount == "Amount (EUR)" and parsed.mapping.currency_column is None
    assert any("'Original Amount'" in note and "kept in EUR" in note for note in parsed.notes)


def test_a_german_waehrung_originalbetrag_column_is_not_the_rows_currency() -> None:
    parsed = parse_statement(GERMAN_CARD, "karte.csv")
    assert [t.currency for t in parsed.transactions] == ["EUR", "EUR", "EUR"]
    assert [t.amount for t in parsed.transactions] == [Decimal("-23.40"), Decimal("-9.37"), Decimal("-18.52")]


def test_an_original_amount_column_before_the_amount_is_not_taken_for_it() -> None:
    data = (
        b"Date,Description,Original Amount,Original Currency,Amount\n"
        b"2024-02-01,PRET LONDON,-8.00,GBP,-9.37\n2024-02-02,REWE,,,-23.40\n"
    )
    parsed = parse_statement(data, "card.csv", currency=CurrencyContext(home="EUR"))
    assert [(t.amount, t.currency) for t in parsed.transactions] == [
        (Decimal("-9.37"), "EUR"),
        (Decimal("-23.40"), "EUR"),
    ]


def test_a_plain_currency_column_is_still_each_rows_currency() -> None:
    data = b"Date,Description,Amount,Currency\n2024-02-01,HOTEL,-80.00,USD\n2024-02-02,CAFE,-4.00,EUR\n"
    parsed = parse_statement(data, "multi.csv")
    assert [t.currency for t in parsed.transactions] == ["USD", "EUR"]
    assert parsed.currency_source is CurrencySource.FILE


def test_a_currency_column_that_disagrees_with_the_amount_header_is_not_the_rows_currency() -> None:
    data = b"Date,Description,Amount (EUR),Currency\n2024-02-01,PRET,-9.37,GBP\n2024-02-02,REWE,-23.40,EUR\n"
    parsed = parse_statement(data, "card.csv")
    assert [t.currency for t in parsed.transactions] == ["EUR", "EUR"]


def test_an_import_remembers_the_accounts_currency_for_its_next_file(store: Store) -> None:
    first = import_files(store, [("jan.csv", PLAIN)], account="Joint", currency="CAD")[0]
    assert first.ok and {t.currency for t in first.transactions} == {"CAD"}
    assert store.account_currency("Joint") == "CAD"
    later = b"Date,Description,Amount\n2024-02-05,GROCER,-30.00\n"
    second = preview_files(store, [("feb.csv", later)], account="Joint", home_currency="USD")[0]
    assert second.parsed is not None and second.parsed.currency_source is CurrencySource.ACCOUNT
    assert {t.currency for t in second.transactions} == {"CAD"}


def test_only_the_users_choice_replaces_a_remembered_currency(store: Store) -> None:
    import_files(store, [("jan.csv", PLAIN)], account="Joint", home_currency="AUD")
    assert store.account_currency("Joint") == "AUD"
    named = b"Date,Description,Amount (GBP)\n2024-02-05,TESCO,-3.00\n"
    import_files(store, [("feb.csv", named)], account="Joint")
    assert store.account_currency("Joint") == "AUD"  # one file in pounds does not make the account GBP
    march = b"Date,Description,Amount\n2024-03-05,GROCER,-30.00\n"
    import_files(store, [("mar.csv", march)], account="Joint", currency="NZD")
    assert store.account_currency("Joint") == "NZD"


def test_a_file_refused_for_its_currency_says_so_and_stores_nothing(store: Store) -> None:
    (result,) = import_files(store, [("statement.csv", PLAIN)])
    assert not result.ok and result.currency_unknown
    assert store.count_transactions() == 0 and store.account_currency("statement") is None


def test_a_store_of_the_previous_schema_gains_account_currencies_and_original_amounts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a store written before these migrations (schema v4)
        for script in MIGRATIONS[:4]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.account_currency("Joint") is None
    store.remember_account_currencies({"Joint": "CAD"}, replace=False)
    assert store.account_currency("Joint") == "CAD"
    (result,) = import_files(store, [("n26.csv", N26)])
    assert result.ok
    assert [t.original_currency for t in store.get_transactions()] == [None, "GBP", "GBP", None]


def test_home_currency_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", "cad")
    assert load_settings().home_currency == "CAD"
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", "dollars")
    with pytest.raises(SettingsError, match="home_currency"):
        load_settings()
    monkeypatch.delenv("PRIVFIN_HOME_CURRENCY")
    assert load_settings().home_currency is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("en_CA.UTF-8", "CAD"),
        ("de_DE", "EUR"),
        ("en-AU", "AUD"),
        ("en_GB.utf8", "GBP"),
        ("C", None),
        (None, None),
    ],
)
def test_the_home_currency_question_is_pre_filled_from_the_locale(
    name: str | None, expected: str | None
) -> None:
    assert locale_currency(name) == expected


def test_foreign_spend_keeps_its_original_amount_and_currency_as_their_own_fields() -> None:
    parsed = parse_statement(N26, "n26.csv")
    assert [(t.original_amount, t.original_currency) for t in parsed.transactions] == [
        (None, None),
        (Decimal("-8.00"), "GBP"),
        (Decimal("-2.60"), "GBP"),
        (None, None),
    ]
    assert [t.description for t in parsed.transactions][1] == "PRET A MANGER LONDON"  # the text is untouched
    german = parse_statement(GERMAN_CARD, "karte.csv")
    assert [(t.original_amount, t.original_currency) for t in german.transactions] == [
        (None, None),
        (Decimal("-8.00"), "GBP"),
        (Decimal("-20.00"), "USD"),
    ]


def test_an_original_in_the_accounts_own_currency_is_not_kept() -> None:
    data = (
        b"Date,Description,Amount (EUR),Original Amount,Original Currency\n"
        b"2024-02-01,REWE,-23.40,23.40,EUR\n2024-02-02,PRET,-9.37,8.00,GBP\n"
    )
    parsed = parse_statement(data, "card.csv")
    # The unsigned original goes the way of the amount.
    assert [(t.original_amount, t.original_currency) for t in parsed.transactions] == [
        (None, None),
        (Decimal("-8.00"), "GBP"),
    ]


def test_original_amounts_are_stored_exported_and_shown_in_review(store: Store) -> None:
    (result,) = import_files(store, [("n26.csv", N26)])
    assert result.ok
    frame = store.transactions_frame()
    foreign = frame[frame["description"] == "PRET A MANGER LONDON"].iloc[0]
    assert (foreign["original_amount"], foreign["original_currency"]) == (Decimal("-8.00"), "GBP")
    rows = list(csv.reader(io.StringIO(reports.transactions_csv(frame).decode("utf-8-sig"))))
    header = rows[0]
    pret = next(r for r in rows if "PRET A MANGER LONDON" in r)
    assert (pret[header.index("original_amount")], pret[header.index("original_currency")]) == (
        "-8.00",
        "GBP",
    )
    rewe = next(r for r in rows if "REWE Berlin" in r)
    assert (rewe[header.index("original_amount")], rewe[header.index("original_currency")]) == ("", "")
    assert "-8.00 GBP" in original_labels(frame)


_NAMED_BY_THE_FILE = {
    "header": b"Date,Description,Amount (EUR)\n2026-03-01,BAKERY,-12.00\n2026-03-02,KIOSK,-5.50\n",
    "symbol cells": b"Date,Description,Amount\n2026-03-01,BAKERY,\xe2\x82\xac-12.00\n2026-03-02,KIOSK,\xe2\x82\xac-5.50\n",
    "code cells": b"Date,Description,Amount\n2026-03-01,BAKERY,-12.00 EUR\n2026-03-02,KIOSK,-5.50 EUR\n",
}


@pytest.mark.parametrize("kind", sorted(_NAMED_BY_THE_FILE))
def test_a_currency_the_file_names_wins_over_the_users_choice_and_says_so(kind: str) -> None:
    parsed = parse_statement(_NAMED_BY_THE_FILE[kind], "euros.csv", currency=CurrencyContext(chosen="USD"))
    assert {t.currency for t in parsed.transactions} == {"EUR"}
    assert parsed.currency_source is CurrencySource.FILE
    assert any("USD" in note and "not used" in note for note in parsed.notes)


def test_a_profiles_stated_currency_wins_over_the_users_choice() -> None:
    chase = "Chase1234_Activity20240101_20240131_20240201.CSV"
    parsed = parse_statement((BANKS / chase).read_bytes(), chase, currency=CurrencyContext(chosen="EUR"))
    assert {t.currency for t in parsed.transactions} == {"USD"}
    assert parsed.currency_source is CurrencySource.PROFILE
    assert any("EUR" in note and "not used" in note for note in parsed.notes)


def test_a_choice_the_file_contradicts_is_not_remembered_for_the_account(store: Store) -> None:
    named = _NAMED_BY_THE_FILE["header"]
    first = import_files(store, [("mar.csv", named)], account="Giro", currency="USD")[0]
    assert first.ok and {t.currency for t in first.transactions} == {"EUR"}
    assert store.account_currency("Giro") == "EUR"
    later = preview_files(store, [("apr.csv", PLAIN)], account="Giro")[0]
    assert later.parsed is not None and {t.currency for t in later.transactions} == {"EUR"}
