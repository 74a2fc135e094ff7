"""The Recurring timeline figure: one row per series, price rises and next charges marked, themed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.recurring import Charge, detect
from app.recurring_chart import AXIS_MERCHANT_CHARS, DARK, LIGHT, recurring_timeline, series_label


def _charges() -> list[Charge]:
    rows = [
        Charge(
            f"a{m}",
            dt.date(2026, m, 19),
            Decimal("-2.99" if m < 5 else "-3.99"),
            "USD",
            "FRUITSTORE/BILL",
            "Card",
        )
        for m in range(1, 7)
    ]
    rows += [
        Charge(f"b{m}", dt.date(2026, m, 20), Decimal("-9.99"), "USD", "FRUITSTORE/BILL", "Card")
        for m in range(1, 7)
    ]
    rows += [
        Charge(f"c{m}", dt.date(2026, m, 2), Decimal("-30.00"), "USD", "IRONWORKS GYM", "Card")
        for m in range(1, 4)
    ]
    return rows


def test_each_series_has_its_own_row_with_a_dot_per_charge_and_a_hollow_next_one() -> None:
    series = detect(_charges())
    fig = recurring_timeline(series, LIGHT)
    labels = [series_label(s) for s in series]
    assert len(set(labels)) == 3  # one merchant billing two amounts keeps two rows
    charges = [t for t in fig.data if t.mode == "lines+markers"]
    assert sorted(len(t.x) for t in charges) == [3, 6, 6]
    nexts = [t for t in fig.data if t.mode == "markers"]
    assert [t.y[0] for t in nexts] == [series_label(s) for s in series if s.active]
    # Rows carry the merchant's display name, as Review shows it, not the upper-case key.
    assert sorted(label.split(" · ")[0] for label in labels) == [
        "Fruitstore/Bill",
        "Fruitstore/Bill",
        "Ironworks Gym",
    ]
    gym = next(t for t in charges if t.y[0].startswith("Ironworks Gym"))
    assert gym.line.color == LIGHT.ended  # Card shows June rows, the gym stopped in March


def test_a_price_rise_is_drawn_in_the_rise_colour_on_its_date() -> None:
    series = detect(_charges())
    fig = recurring_timeline(series, DARK)
    rising = next(t for t in fig.data if t.mode == "lines+markers" and "3.99" in t.y[0])
    colours = dict(zip(rising.x, rising.marker.color, strict=True))
    assert colours[dt.date(2026, 5, 19)] == DARK.rise
    assert {c for d, c in colours.items() if d != dt.date(2026, 5, 19)} == {DARK.active}


def test_backgrounds_are_transparent_and_text_follows_the_theme() -> None:
    series = detect(_charges())
    light, dark = recurring_timeline(series, LIGHT), recurring_timeline(series, DARK)
    assert light.layout.paper_bgcolor == light.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert (light.layout.font.color, dark.layout.font.color) == (LIGHT.text, DARK.text)
    assert LIGHT.text != DARK.text


def test_a_long_merchant_name_is_cut_short_on_the_axis_but_whole_in_the_rows() -> None:
    long_key = "VERKEHRSBETRIEBE DEUTSCHLANDTICKET MONATSABO"
    long_name = "Verkehrsbetriebe Deutschlandticket Monatsabo"  # its display name
    charges = [
        Charge(f"d{m}", dt.date(2026, m, 1), Decimal("-63.00"), "EUR", long_key, "Giro") for m in range(1, 7)
    ]
    [series] = detect(charges)
    fig = recurring_timeline([series], LIGHT)
    assert list(fig.layout.yaxis.tickvals) == [series_label(series)]
    [text] = fig.layout.yaxis.ticktext
    merchant, rest = text.split(" · ")
    assert merchant.endswith("…") and len(merchant) <= AXIS_MERCHANT_CHARS
    assert long_name.startswith(merchant[:-1])
    assert rest == "63.00 EUR"  # the amount is never the part cut off
    assert all(long_name in str(trace.y[0]) for trace in fig.data)
