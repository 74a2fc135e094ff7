"""Recurring page: series, totals per currency, price rises, new this month, dismiss and undo."""

from __future__ import annotations

import json
import threading

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from app.jobs import job_for
from app.recurring_ledger import recurring_report
from app.settings import Settings
from app.store import Store
from components import state
from tests.apptest.conftest import JOB_WAIT_S, texts
from tests.conftest import SAMPLE_DATA
from tests.support.recurring_ledger import seed_recurring


@pytest.fixture
def page(store: Store, open_page) -> AppTest:
    seed_recurring(store)
    return open_page("recurring")


def _table(at: AppTest, heading: str) -> list[dict[str, object]]:
    """The table under the subheader that starts with `heading` (each table has one, in order)."""
    headings = [h.value for h in at.subheader if not h.value.startswith("Timeline")]
    tables = dict(zip(headings, at.dataframe, strict=True))
    return next(t.value for h, t in tables.items() if h.startswith(heading)).to_dict("records")


def _merchants(at: AppTest, key: str) -> list[str]:
    return [str(row["Merchant"]) for row in _table(at, key)]


def _metric_rows(block: Block) -> list[list[str]]:
    """The metric labels of each `st.columns` row under `block`, a row per list."""
    children = list(block.children.values())
    columns = [child for child in children if child.type == "column"]
    if columns:
        labels = [m.label for column in columns for m in column.metric]
        return [labels] if labels else []
    return [row for child in children if isinstance(child, Block) for row in _metric_rows(child)]


def test_active_and_ended_series_with_their_costs(page: AppTest) -> None:
    active = {row["Merchant"]: row for row in _table(page, "Active")}
    # Display names as Review shows them, not the upper-case merchant keys rows are grouped by.
    assert set(active) == {
        "Oakwood Apts Web PMT",
        "Transfer to Savings",
        "Tunebox Premium",
        "Cloudnotes",
        "Filmhaus Abo",
    }
    tunebox = active["Tunebox Premium"]
    assert (tunebox["Amount"], tunebox["Per year"], tunebox["Per month"]) == (
        "🔺 $12.99",
        "$155.88",
        "$12.99",
    )
    assert active["Filmhaus Abo"]["Per year"] == "€119.88"
    assert "🔺 up from $11.99" in str(tunebox["Note"])
    assert "new this month" in str(active["Cloudnotes"]["Note"])
    [gym] = _table(page, "Ended")
    assert (gym["Merchant"], gym["Last"]) == ("Ironworks Gym", "03 Mar 2026")
    assert "Next" not in gym and "Note" not in gym  # nothing to say: no next charge, no note
    assert "Last" not in tunebox and tunebox["Next"] == "14 Jul 2026"  # one month after 14 June

    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Recurring per year (USD)"] == "$20,815.36"
    assert metrics["Recurring per month (USD)"] == "$1,734.61"
    assert metrics["Recurring per year (EUR)"] == "€119.88"
    warnings = [w.replace("\\", "") for w in texts(page.warning)]  # shown through md(), escaped
    assert warnings == ["**Tunebox Premium** went up from $11.99 to $12.99 on 14 May 2026."]
    assert any("Cloudnotes" in i for i in texts(page.info))
    assert len(page.get("plotly_chart")) == 1


def test_each_currencys_month_and_year_share_a_row(page: AppTest) -> None:
    """Two cards a row (not four) leave room for the whole figure at 1280 px."""
    assert _metric_rows(page.main) == [
        ["Recurring per month (EUR)", "Recurring per year (EUR)"],
        ["Recurring per month (USD)", "Recurring per year (USD)"],
    ]
    assert {m.label: m.value for m in page.metric}["Recurring per year (EUR)"] == "€119.88"


def test_the_timeline_names_each_series_as_the_tables_do_in_their_order(page: AppTest) -> None:
    layout = json.loads(page.get("plotly_chart")[0].proto.spec)["layout"]
    axis = layout["yaxis"]
    shown = dict(zip(axis["tickvals"], axis["ticktext"], strict=True))
    top_down = [shown[label] for label in reversed(axis["categoryarray"])]
    table_order = [*_merchants(page, "Active"), *_merchants(page, "Ended")]
    assert [text.split(" · ")[0] for text in top_down] == table_order
    assert "Tunebox Premium · 12.99 USD" in top_down
    assert "Oakwood Apts Web PMT · 1,500.00 USD" in top_down


def test_not_a_subscription_hides_it_remembers_it_and_can_be_undone(page: AppTest, store: Store) -> None:
    tunebox = next(s for s in recurring_report(store).series if s.name == "Tunebox Premium")
    page.selectbox(key=state.RECURRING_DISMISS_CHOICE).set_value(tunebox.key)
    page.button(key=state.RECURRING_DISMISS_BUTTON).click().run()
    assert not page.exception, [e.value for e in page.exception]

    assert "Tunebox Premium" not in _merchants(page, "Active")
    assert "Tunebox Premium is no longer listed as recurring" in " ".join(t.value for t in page.toast)
    assert {m.label: m.value for m in page.metric}["Recurring per year (USD)"] == "$20,659.48"
    assert store.dismissed_recurring() == {tunebox.key}  # remembered in the store, for every session

    page.selectbox(key=state.RECURRING_RESTORE_CHOICE).set_value(tunebox.key)
    page.button(key=state.RECURRING_RESTORE_BUTTON).click().run()
    assert "Tunebox Premium" in _merchants(page, "Active")
    assert store.dismissed_recurring() == set()


def test_an_empty_ledger_says_where_to_start(open_page) -> None:
    at = open_page("recurring")
    assert [t.value for t in at.title] == ["Recurring"]
    assert any("No transactions yet" in i for i in texts(at.info))


def test_the_sample_datas_subscriptions_by_name_with_their_annual_cost(seed, open_page) -> None:
    """Done when: the sample subscriptions (worked out by hand from sample_data/) with a year's cost."""
    seed(*sorted(path.name for path in SAMPLE_DATA.glob("*.csv")))
    at = open_page("recurring")
    yearly = {(row["Merchant"], row["Per year"]) for row in _table(at, "Active")}
    assert {
        ("Hausverwaltung Kiefer", "€13,800.00"),  # rent from the DKB Girokonto, 1,150.00 a month
        ("Netflix", "€167.88"),
        ("Netflix", "$185.88"),
        ("Spotify", "€131.88"),
        ("Amazon Prime", "$179.88"),
        ("Disney+", "$167.88"),
        ("AT&T", "$1,020.00"),
    } <= yearly
    shouted = [name for name, _ in yearly if name.isupper() and name not in {"AT&T"}]
    assert shouted == []
    assert _table(at, "Recurring income")[0]["Merchant"] == "Buckeye Freight"


def test_while_categorizing_it_says_transfers_may_still_leave_then_redraws(
    seed, open_page, store: Store, settings: Settings
) -> None:
    seed("dkb_girokonto.csv")
    job = job_for(settings.data_dir)
    reached, release = threading.Event(), threading.Event()

    def hold(progress: object) -> None:
        if not reached.is_set():
            reached.set()
            release.wait(JOB_WAIT_S)

    assert job.start(store, settings.model_copy(update={"offline": True}), on_progress=hold)
    assert reached.wait(JOB_WAIT_S)
    at = open_page("recurring")
    assert any(t.startswith("⏳ Categorizing in the background") for t in texts(at.caption))
    # The monthly move to the savings account (Tagesgeld) counts until categorized as a transfer.
    assert "Lena Hoffmann Sparen Tagesgeld" in _merchants(at, "Active")

    release.set()
    assert job.wait(JOB_WAIT_S).state == "finished"
    at.run()
    assert not any("Categorizing in the background" in t for t in texts(at.caption))
    assert "Lena Hoffmann Sparen Tagesgeld" not in _merchants(at, "Active")
    assert "Hausverwaltung Kiefer" in _merchants(at, "Active")
