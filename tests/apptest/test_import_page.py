"""Import page: previews of several files, a rejected file, the mapping form, sample data, commit."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from app.importer import preview_files
from app.ingest import SignRule
from app.jobs import job_for
from app.settings import Settings
from app.store import Store
from components import state
from components.mapping_form import NONE
from tests.apptest.conftest import JOB_WAIT_S, sample_bytes, texts
from tests.conftest import REPO_ROOT, SAMPLE_DATA

UPLOADER = state.uploader_key(0)
MYSTERY = (
    b"When,What,Value\n"
    b"03/04/2026,COFFEE SHOP 12,4.50\n"
    b"03/05/2026,GROCERY MART,82.10\n"
    b"03/09/2026,PAYMENT THANK YOU,-300.00\n"
    b"03/10/2026,BOOK STORE,12.00\n"
)
NOT_A_STATEMENT = b"just some notes\nwithout any table in them\n"


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key=UPLOADER).set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _preview_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if "status" in getattr(d.value, "columns", [])]


def test_first_visit_offers_sample_data_and_an_uploader(open_page) -> None:
    at = open_page("import_page")

    assert at.button(key=state.SAMPLE_BUTTON).label == "Try with sample data"
    uploader = at.file_uploader(key=UPLOADER)
    assert uploader.accept_multiple_files
    assert "csv" in " ".join(uploader.allowed_type)


def test_two_uploaded_files_are_previewed_each_on_its_own_card(open_page, store: Store) -> None:
    at = _upload(
        open_page("import_page"),
        ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv")),
        ("bofa_checking.csv", sample_bytes("bofa_checking.csv")),
    )

    markdown = " ".join(texts(at.markdown))
    assert "Chase credit card" in markdown
    assert "Bank of America checking" in markdown
    tables = _preview_tables(at)
    assert len(tables) == 2
    expected = preview_files(
        store,
        [
            ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv")),
            ("bofa_checking.csv", sample_bytes("bofa_checking.csv")),
        ],
    )
    for table, result in zip(tables, expected, strict=True):
        assert result.parsed is not None
        first = result.parsed.transactions[0]
        assert table.iloc[0]["description"] == first.description
        assert table.iloc[0]["amount"] == first.amount  # the exact Decimal, not a float
        assert set(table["status"]) == {"new"}
    # the skipped balance line of the BofA file is listed with its reason
    assert any("skipped" in e.label for e in at.expander)
    # nothing is stored until Import is pressed
    assert store.count_transactions() == 0
    assert at.button(key=state.IMPORT_BUTTON).label == "Import"


def test_a_rejected_file_shows_its_reason_and_the_other_file_still_imports(open_page, store: Store) -> None:
    at = _upload(
        open_page("import_page"),
        ("notes.csv", NOT_A_STATEMENT),
        ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv")),
    )
    errors = " ".join(texts(at.error))
    assert "will not be imported" in errors
    assert "no table of transactions found" in errors

    at.button(key=state.IMPORT_BUTTON).click().run()
    assert not at.exception

    assert store.count_transactions() == 142
    summary = at.session_state[state.LAST_IMPORT]
    by_file = {item["file"]: item for item in summary}
    assert by_file["chase_credit_card.csv"]["inserted"] == 142
    assert "no table of transactions found" in by_file["notes.csv"]["error"]
    assert any("Imported 142 new transactions from 1 file" in t for t in texts(at.success))
    assert any("notes" in t and "was not imported" in t for t in texts(at.error))
    # the uploader is cleared for the next batch, and categorization started in the background
    assert at.session_state[state.IMPORT_VERSION] == 1
    assert job_for(store.path.parent).wait(JOB_WAIT_S).run_id == 1


def test_reimporting_the_same_statement_is_shown_as_already_imported(open_page, seed, store: Store) -> None:
    seed("chase_credit_card.csv")
    at = _upload(open_page("import_page"), ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv")))

    (table,) = _preview_tables(at)
    assert set(table["status"]) == {"already imported"}
    assert any("**0** new · **142** already imported" in t for t in texts(at.markdown))


def test_an_uncertain_layout_opens_the_mapping_form_and_the_users_choice_is_previewed_and_remembered(
    open_page, store: Store
) -> None:
    at = _upload(open_page("import_page"), ("mystery.csv", MYSTERY))
    assert any("not sure" in t for t in texts(at.markdown))
    assert at.warning, "the importer's doubts are shown"
    (table,) = _preview_tables(at)
    assert table.iloc[0]["amount"] == Decimal(
        "-4.50"
    )  # detected as a card export: purchases flipped to negative

    sha = hashlib.sha256(MYSTERY).hexdigest()
    at.selectbox(key=state.file_widget_key(sha, "map_sign")).set_value(SignRule.SIGNED).run()
    assert not at.exception
    (table,) = _preview_tables(at)
    assert table.iloc[0]["amount"] == Decimal("4.50")  # live preview with the user's sign convention
    plan = at.session_state[state.IMPORT_PLAN][sha]
    assert json.loads(plan["mapping"])["sign"] == "signed"

    at.button(key=state.IMPORT_BUTTON).click().run()
    frame = store.transactions_frame()
    assert sorted(frame["amount"]) == [Decimal("-300"), Decimal("4.5"), Decimal("12"), Decimal("82.1")]
    fingerprint = preview_files(store, [("mystery.csv", MYSTERY)])[0].parsed.header_fingerprint
    assert store.get_mapping(fingerprint)["sign"] == "signed"


def test_account_name_can_be_changed_before_importing(open_page, store: Store) -> None:
    at = _upload(open_page("import_page"), ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv")))
    sha = hashlib.sha256(sample_bytes("chase_credit_card.csv")).hexdigest()
    account = at.text_input(key=state.file_widget_key(sha, "account"))
    assert account.value == "Chase credit card"

    account.set_value("Joint Freedom card").run()
    (table,) = _preview_tables(at)
    assert set(table["account"]) == {"Joint Freedom card"}
    at.button(key=state.IMPORT_BUTTON).click().run()
    assert store.accounts() == ["Joint Freedom card"]


def test_try_with_sample_data_imports_every_sample_and_categorizes(
    open_page, store: Store, settings: Settings
) -> None:
    at = open_page("import_page")
    at.button(key=state.SAMPLE_BUTTON).click().run()
    assert not at.exception

    files = json.loads((SAMPLE_DATA / "expected.json").read_text())["files"]
    assert store.count_transactions() == sum(f["row_count"] for f in files.values())
    assert {item["file"] for item in at.session_state[state.LAST_IMPORT]} == set(files)
    final = job_for(settings.data_dir).wait(JOB_WAIT_S)
    assert final.state == "finished"

    at.run()  # the page notices the finished run
    assert not at.exception
    assert any("Categorization finished" in s.label for s in at.status)
    # offline: the page says only the built-in rules ran, and how to connect a Parallax cluster
    hint = " ".join(texts(at.info))
    assert "Offline mode is on, so only the built-in rules ran" in hint
    assert "parallax run --host 0.0.0.0 -u" in hint
    assert not [b for b in at.button if b.key == state.SAMPLE_BUTTON], "no sample offer once data exists"


def test_an_ofx_and_a_qif_upload_get_file_cards_and_import_from_the_dashboard(
    open_page, store: Store
) -> None:
    fixtures = REPO_ROOT / "tests" / "fixtures" / "ofx"
    ofx = ("statement.ofx", (fixtures / "single_eftpos_withdrawal.ofx").read_bytes())
    qif = ("card.qif", (fixtures / "card_mm_dd.qif").read_bytes())
    at = open_page("import_page")
    assert {"ofx", "qfx", "qif"} <= {t.lstrip(".") for t in at.file_uploader(key=UPLOADER).allowed_type}
    at = _upload(at, ofx, qif)

    markdown = " ".join(texts(at.markdown)).replace("\\", "")  # markdown escapes the dots
    assert "OFX 2.00 (XML)" in markdown and "QIF (card register)" in markdown
    ofx_table, qif_table = _preview_tables(at)
    assert list(ofx_table["amount"]) == [Decimal("-23.40")] and list(ofx_table["currency"]) == ["AUD"]
    assert list(qif_table["amount"]) == [Decimal("-45.10"), Decimal("-9.99"), Decimal("500.00")]
    # the format names every field: no column mapping to correct
    assert not any("Columns, dates and signs" in e.label for e in at.expander)
    account = at.text_input(key=state.file_widget_key(hashlib.sha256(ofx[1]).hexdigest(), "account"))
    assert account.value == "WATTLEBANK checking …0421"  # the account number, masked

    at.button(key=state.IMPORT_BUTTON).click().run()
    assert not at.exception
    assert store.count_transactions() == 4
    assert sorted(store.accounts()) == ["Visa card", "WATTLEBANK checking …0421"]


PAYEE_FILE = (
    b"Date,Name,Description,Amount\n"
    b"2026-03-01,Corner Grocer,CARD 1234 CORNER GROCER LDN,-8.45\n"
    b"2026-03-02,Acme Ltd,FPS ACME LTD SALARY MAR,2100.00\n"
)


def test_the_mapping_form_offers_the_payee_column_it_detected(open_page) -> None:
    at = _upload(open_page("import_page"), ("payees.csv", PAYEE_FILE))
    sha = hashlib.sha256(PAYEE_FILE).hexdigest()
    payee = at.selectbox(key=state.file_widget_key(sha, "map_payee"))
    assert payee.value == "Name"
    payee.set_value(NONE).run()
    assert not at.exception
    plan = at.session_state[state.IMPORT_PLAN][sha]
    assert json.loads(plan["mapping"])["payee"] is None


def test_the_file_card_says_what_decided_the_layout(open_page) -> None:
    at = _upload(open_page("import_page"), ("payees.csv", PAYEE_FILE))
    shown = " ".join(texts(at.caption))
    assert "How privfin read it" in shown
    assert (
        r"dates\: \'Date\' read as YYYY\-MM\-DD, decided from the whole column" in shown
    )  # markdown-escaped
