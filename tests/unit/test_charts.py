from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import pytest

from app import charts, insights, palette
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store

TRANSFERS = "Transfers & Card Payments"

# (date, description, amount, currency, category)
ROWS: list[tuple[str, str, str, str, str | None]] = [
    ("2024-01-03", "WHOLEFDS MKT #10234", "-100.00", "USD", "Groceries"),
    ("2024-01-09", "WHOLEFDS MKT #10234", "20.00", "USD", "Groceries"),
    ("2024-01-10", "CHIPOTLE 0123", "-30.00", "USD", "Dining"),
    ("2024-01-15", "PAYMENT THANK YOU", "500.00", "USD", TRANSFERS),
    ("2024-01-16", "TRANSFER TO SAVINGS", "-200.00", "USD", TRANSFERS),
    ("2024-01-25", "ACME CORP PAYROLL", "2000.00", "USD", "Income"),
    ("2024-01-26", "MYSTERY SHOP 42", "-15.00", "USD", None),
    ("2024-02-02", "WHOLEFDS MKT #10234", "-60.00", "USD", "Groceries"),
    ("2024-02-05", "CHIPOTLE 0123", "-12.50", "USD", "Dining"),
    ("2024-02-14", "UNITED AIRLINES", "50.00", "USD", "Travel"),
    ("2024-02-20", "CAFE DE FLORE PARIS", "-12.00", "EUR", "Dining"),
]


def ledger(store: Store, rows: list[tuple[str, str, str, str, str | None]]) -> pd.DataFrame:
    keys = [identity_key("Card", dt.date.fromisoformat(d), Decimal(a), c, s) for d, s, a, c, _ in rows]
    txs = [
        Transaction(
            id=tid,
            account="Card",
            date=dt.date.fromisoformat(day),
            description=text,
            amount=Decimal(amount),
            currency=currency,
            source=RowSource(file_sha256="c" * 64, row=n),
        )
        for n, (tid, (day, text, amount, currency, _)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), start=1
        )
    ]
    store.commit_import(ImportRecord("c" * 64, "c.csv", "test", "Card", len(rows)), txs)
    store.apply_category_updates(
        CategoryUpdate(t.id, row[4], CategorySource.USER, 1.0)
        for t, row in zip(txs, rows, strict=True)
        if row[4] is not None
    )
    return store.transactions_frame()


@pytest.fixture
def frame(store: Store) -> pd.DataFrame:
    return ledger(store, ROWS)


def _no_data(fig: go.Figure) -> bool:
    texts = [a.text for a in fig.layout.annotations]
    return len(fig.data) == 0 and charts.NO_DATA_MESSAGE in texts


def test_treemap_gets_only_positive_spend_in_taxonomy_order_and_shared_colours(frame: pd.DataFrame) -> None:
    fig = charts.spending_by_category(frame)
    (trace,) = fig.data
    assert trace.type == "treemap"
    root, *labels = trace.labels
    root_value, *values = trace.values
    # Travel is a net refund (-50): drawing it would blank the whole treemap.
    assert labels == ["Groceries", "Dining", "Uncategorized"]
    assert values == [140.0, 42.5, 15.0]
    assert all(v > 0 for v in values)
    assert root_value == 0 and trace.branchvalues == "remainder"
    assert list(trace.parents) == ["", root, root, root]
    colours = palette.category_colors(labels)
    assert list(trace.marker.colors)[1:] == [colours[name] for name in labels]
    assert list(trace.marker.colors)[3] == palette.UNCATEGORIZED_COLOR


def test_donut_has_the_same_values_and_colours(frame: pd.DataFrame) -> None:
    treemap = charts.spending_by_category(frame).data[0]
    donut = charts.spending_by_category(frame, style="donut").data[0]
    assert donut.type == "pie" and donut.hole == 0.5
    assert list(donut.labels) == list(treemap.labels)[1:]
    assert list(donut.values) == list(treemap.values)[1:]
    assert list(donut.marker.colors) == list(treemap.marker.colors)[1:]


def test_monthly_spending_stacks_categories_with_the_shared_colours(frame: pd.DataFrame) -> None:
    fig = charts.monthly_spending(frame)
    assert [t.name for t in fig.data] == ["Groceries", "Dining", "Travel", "Uncategorized"]
    colours = palette.category_colors([t.name for t in fig.data])
    assert [t.marker.color for t in fig.data] == [colours[t.name] for t in fig.data]
    assert fig.layout.barmode == "relative"
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.tickangle == 0
    assert list(fig.layout.xaxis.categoryarray) == ["Jan 2024", "Feb 2024"]
    by_name = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert by_name["Groceries"] == {"Jan 2024": 80.0, "Feb 2024": 60.0}
    assert by_name["Travel"] == {"Feb 2024": -50.0}  # below the axis, not hidden
    # The bars of a month add up to that month's spending.
    february = sum(points.get("Feb 2024", Decimal(0)) for points in by_name.values())
    assert february == insights.income_vs_spending(frame)["spending"].iloc[1]  # exact: Decimals


def test_a_category_has_the_same_colour_in_every_chart(frame: pd.DataFrame) -> None:
    treemap = charts.spending_by_category(frame).data[0]
    treemap_colours = dict(zip(treemap.labels, treemap.marker.colors, strict=True))
    monthly_colours = {t.name: t.marker.color for t in charts.monthly_spending(frame).data}
    merchants = charts.top_merchants(frame).data[0]
    for category, colour in zip((c for c, _ in merchants.customdata), merchants.marker.color, strict=True):
        assert treemap_colours[category] == colour == monthly_colours[category]


def test_top_merchants_are_horizontal_and_largest_on_top(frame: pd.DataFrame) -> None:
    fig = charts.top_merchants(frame)
    (trace,) = fig.data
    assert trace.orientation == "h"
    expected = insights.top_merchants(frame)
    assert list(trace.x) == list(expected["spend"])[::-1]  # plotly draws the first bar lowest
    assert list(trace.y) == list(expected["merchant"])[::-1]
    assert list(trace.x) == sorted(trace.x)
    assert list(fig.layout.yaxis.categoryarray) == list(trace.y)
    assert trace.x[-1] == 140.0
    assert trace.text[-1] == "$140.00"


def test_cumulative_spending_compares_with_the_period_before(store: Store) -> None:
    rows = [
        ("2024-02-01", "WHOLEFDS", "-7.00", "USD", "Groceries"),
        ("2024-03-01", "WHOLEFDS", "-10.00", "USD", "Groceries"),
        ("2024-03-20", "WHOLEFDS", "-5.00", "USD", "Groceries"),
    ]
    everything = ledger(store, rows)
    march = everything[everything["date"] >= "2024-03-01"]
    february = everything[everything["date"] < "2024-03-01"]
    fig = charts.cumulative_spending(march, february, period=(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    previous, current = fig.data
    assert previous.name.startswith("Previous") and current.name.startswith("This period")
    assert len(current.x) == 31 and len(previous.x) == 29
    assert current.y[-1] == 15.0 and previous.y[-1] == 7.0
    assert current.customdata[0] == "2024-03-01" and previous.customdata[0] == "2024-02-01"


def test_cumulative_spending_without_a_previous_period_draws_one_line(frame: pd.DataFrame) -> None:
    fig = charts.cumulative_spending(frame)
    assert [t.name.split(" (")[0] for t in fig.data] == ["This period"]


def test_income_vs_spending_groups_bars_and_draws_the_net(frame: pd.DataFrame) -> None:
    fig = charts.income_vs_spending(frame)
    income, spending, net = fig.data
    assert (income.type, spending.type, net.type) == ("bar", "bar", "scatter")
    assert list(income.y) == [2000.0, 0.0]
    assert list(spending.y) == [125.0, 22.5]
    assert list(net.y) == [1875.0, -22.5]
    assert fig.layout.barmode == "group"
    assert list(fig.layout.xaxis.categoryarray) == ["Jan 2024", "Feb 2024"]


def test_include_transfers_reaches_the_charts(frame: pd.DataFrame) -> None:
    # The savings transfer (-200) counts, the incoming card payment (+500) nets against it.
    spending = charts.income_vs_spending(frame, include_transfers=True).data[1]
    assert list(spending.y) == [125.0 - 300.0, 22.5]


def test_currency_formats_follow_the_data(frame: pd.DataFrame) -> None:
    usd = charts.monthly_spending(frame)
    assert usd.layout.yaxis.tickprefix == "$"
    assert "$%{y:,.2f}" in usd.data[0].hovertemplate
    eur = charts.monthly_spending(frame, currency="EUR")
    assert eur.layout.yaxis.tickprefix == "€"
    assert [t.name for t in eur.data] == ["Dining"] and list(eur.data[0].y) == [12.0]
    assert charts.currency_affixes("CHF") == ("", " CHF")


@pytest.mark.parametrize(
    "build",
    [
        charts.spending_by_category,
        lambda f: charts.spending_by_category(f, style="donut"),
        charts.monthly_spending,
        charts.top_merchants,
        charts.cumulative_spending,
        charts.income_vs_spending,
    ],
)
def test_empty_data_says_so(store: Store, build) -> None:
    assert _no_data(build(store.transactions_frame()))


def test_only_refunds_is_no_spending_to_draw(store: Store) -> None:
    refunds = ledger(store, [("2024-02-14", "UNITED AIRLINES", "50.00", "USD", "Travel")])
    assert _no_data(charts.spending_by_category(refunds))
    assert _no_data(charts.top_merchants(refunds))


def test_figures_reference_nothing_outside_the_machine(frame: pd.DataFrame) -> None:
    figures = [
        charts.spending_by_category(frame),
        charts.monthly_spending(frame),
        charts.top_merchants(frame),
        charts.cumulative_spending(frame),
        charts.income_vs_spending(frame),
    ]
    for fig in figures:
        layout = json.dumps(fig.layout.to_plotly_json())
        assert "http" not in layout
        assert not fig.layout.images
        assert not any(
            t.type.startswith(("scattergeo", "scattermap", "choropleth", "density")) for t in fig.data
        )


def test_month_charts_drop_empty_ends_and_fold_long_gaps(store: Store) -> None:
    rows: list[tuple[str, str, str, str, str | None]] = [
        ("2021-05-04", "WHOLEFDS MKT #10234", "-10.00", "USD", "Groceries"),
        ("2021-07-04", "WHOLEFDS MKT #10234", "-20.00", "USD", "Groceries"),  # June stays, empty
        ("2023-12-30", "WHOLEFDS MKT #10234", "-30.00", "USD", "Groceries"),
        ("2024-01-01", "WHOLEFDS MKT #10234", "-40.00", "USD", "Groceries"),
    ]
    frame = ledger(store, rows)
    period = (dt.date(2000, 1, 1), dt.date(2030, 12, 31))  # "All time" reaching far past the data
    for fig in (charts.monthly_spending(frame), charts.income_vs_spending(frame)):
        axis = fig.layout.xaxis
        assert list(axis.categoryarray) == [
            "May 2021",
            "Jun 2021",
            "Jul 2021",
            "… 28 months …",
            "Dec 2023",
            "Jan 2024",
        ]
        assert axis.tickangle == 0
    cumulative = charts.cumulative_spending(frame, period=(dt.date(2021, 5, 4), dt.date(2024, 1, 1)))
    assert cumulative.layout.xaxis.type == "date"
    assert cumulative.layout.xaxis.title.text is None
    first = cumulative.data[-1]
    assert pd.Timestamp(first.x[0]).date() == dt.date(2021, 5, 4)  # a date, not "day 1"
    assert insights.headline(frame, period=period).months == 4


def test_two_folded_gaps_of_one_length_stay_two_slots(store: Store) -> None:
    rows: list[tuple[str, str, str, str, str | None]] = [
        ("2020-01-10", "A SHOP", "-1.00", "USD", "Groceries"),
        ("2020-06-10", "A SHOP", "-1.00", "USD", "Groceries"),
        ("2020-11-10", "A SHOP", "-1.00", "USD", "Groceries"),
    ]
    labels = list(charts.monthly_spending(ledger(store, rows)).layout.xaxis.categoryarray)
    assert len(labels) == len(set(labels)) == 5
    assert [label.strip("\u200b") for label in labels][1::2] == ["… 4 months …", "… 4 months …"]


def test_the_treemap_root_takes_the_themes_background(frame: pd.DataFrame) -> None:
    (trace,) = charts.spending_by_category(frame).data
    assert trace.marker.colors[0] == charts.TRANSPARENT  # a white root is a white block in dark mode


def test_legends_lie_flat_under_the_plot_so_a_phone_keeps_the_plot_width(frame: pd.DataFrame) -> None:
    # Beside the plot (plotly's default), a 390 px screen gave the legend most of the width.
    figures = (
        charts.monthly_spending(frame),
        charts.cumulative_spending(frame),
        charts.income_vs_spending(frame),
    )
    for fig in figures:
        legend = fig.layout.legend
        assert (legend.orientation, legend.yref, legend.yanchor, legend.xanchor) == (
            "h",
            "container",
            "bottom",
            "left",
        )
    monthly = figures[0].layout
    # Many categories: fixed-width columns (two on a phone), not one name a row.
    assert (monthly.legend.entrywidthmode, monthly.legend.entrywidth) == (
        "pixels",
        charts.CATEGORY_LEGEND_ENTRY_PX,
    )
    assert monthly.height == charts.CATEGORY_LEGEND_FIGURE_HEIGHT
