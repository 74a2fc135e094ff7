"""The recurring-payment detector: cadences, jitter, month ends, price changes, ended series."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from app.recurring import Cadence, Charge, cost_totals, detect, series_record

_ids = itertools.count(1)


def charge(
    day: str, amount: str, merchant: str = "STREAMFLIX", currency: str = "USD", account: str = "Card"
) -> Charge:
    return Charge(f"t{next(_ids)}", dt.date.fromisoformat(day), Decimal(amount), currency, merchant, account)


def monthly(first: dt.date, count: int, amount: str, merchant: str = "STREAMFLIX", **kw: str) -> list[Charge]:
    out = []
    for n in range(count):
        month = first.month - 1 + n
        day = dt.date(first.year + month // 12, month % 12 + 1, first.day)
        out.append(charge(day.isoformat(), amount, merchant, **kw))
    return out


def test_a_stable_monthly_charge_is_a_series_with_its_costs_and_next_date() -> None:
    [series] = detect(monthly(dt.date(2026, 1, 7), 6, "-15.49"))
    assert (series.merchant, series.direction, series.currency, series.cadence) == (
        "STREAMFLIX",
        "out",
        "USD",
        Cadence.MONTHLY,
    )
    assert series.amount == Decimal("15.49") and series.count == 6
    assert (series.first_date, series.last_date) == (dt.date(2026, 1, 7), dt.date(2026, 6, 7))
    assert series.next_date == dt.date(2026, 7, 7)
    assert series.annual_cost == Decimal("185.88") and series.monthly_cost == Decimal("15.49")
    assert series.active and series.price_changes == ()


def test_a_few_days_of_jitter_keep_the_series_and_the_usual_day() -> None:
    days = ["2026-01-05", "2026-02-08", "2026-03-05", "2026-04-03", "2026-05-05", "2026-06-07"]
    [series] = detect([charge(d, "-9.99") for d in days])
    assert series.cadence == Cadence.MONTHLY and series.count == 6
    assert series.next_date == dt.date(2026, 7, 5)  # the 5th, not the late 7th


def test_a_charge_a_few_days_late_in_february_keeps_the_series() -> None:
    days = ["2026-01-01", "2026-02-05", "2026-03-01", "2026-04-01"]  # 35 then 24 days apart
    [series] = detect([charge(d, "-9.99", "TUNEBOX") for d in days])
    assert (series.cadence, series.count, series.next_date) == (Cadence.MONTHLY, 4, dt.date(2026, 5, 1))


def test_month_end_charges_stay_on_month_ends() -> None:
    days = ["2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31"]
    [series] = detect([charge(d, "-1200.00", "OAKWOOD RENT") for d in days])
    assert series.cadence == Cadence.MONTHLY
    assert series.next_date == dt.date(2026, 4, 30)


def test_a_yearly_charge_needs_only_two_occurrences() -> None:
    [series] = detect(
        [charge("2025-03-10", "-99.00", "CLOUDVAULT"), charge("2026-03-12", "-99.00", "CLOUDVAULT")]
    )
    assert series.cadence == Cadence.YEARLY and series.count == 2
    assert series.annual_cost == Decimal("99.00") and series.monthly_cost == Decimal("8.25")
    assert series.next_date == dt.date(2027, 3, 12)


@pytest.mark.parametrize(
    "days",
    [
        ["2026-04-02"],  # a single charge
        ["2022-01-05", "2025-01-05"],  # two charges years apart
        ["2024-06-01", "2026-06-01"],  # two years to the day
        ["2026-01-10", "2026-02-10"],  # two monthly charges: too few for a month
    ],
)
def test_too_few_or_too_far_apart_is_never_a_series(days: list[str]) -> None:
    assert detect([charge(d, "-49.00", "LAKESIDE GYM") for d in days]) == []


def test_groceries_every_week_with_varying_amounts_are_not_a_subscription() -> None:
    amounts = ["-112.06", "-87.40", "-131.15", "-64.99", "-120.30", "-95.12", "-143.80", "-78.25"]
    start = dt.date(2026, 3, 1)
    rows = [
        charge((start + dt.timedelta(days=7 * n)).isoformat(), a, "GREENLEAF MARKET")
        for n, a in enumerate(amounts)
    ]
    assert detect(rows) == []


def test_an_exact_amount_subscription_is_found_among_a_merchants_varying_charges() -> None:
    shopping = [
        charge(f"2026-0{m}-{d:02d}", a, "BIGSHOP")
        for m, d, a in [
            (3, 4, "-57.11"),
            (3, 20, "-30.59"),
            (4, 8, "-36.95"),
            (5, 13, "-14.41"),
            (6, 2, "-64.64"),
        ]
    ]
    membership = monthly(dt.date(2026, 3, 3), 4, "-14.99", "BIGSHOP")
    [series] = detect(shopping + membership)
    assert series.amount == Decimal("14.99") and series.count == 4
    assert {o.id for o in series.occurrences} == {c.id for c in membership}


def test_a_price_change_is_reported_with_its_date_and_the_latest_amount_counts() -> None:
    rows = monthly(dt.date(2026, 1, 12), 4, "-15.49") + monthly(dt.date(2026, 5, 12), 2, "-17.99")
    [series] = detect(rows)
    assert series.amount == Decimal("17.99")
    [change] = series.price_changes
    assert (change.date, change.old, change.new, change.is_rise) == (
        dt.date(2026, 5, 12),
        Decimal("15.49"),
        Decimal("17.99"),
        True,
    )
    assert series.price_rises == (change,)
    assert series.annual_cost == Decimal("215.88")


def test_a_one_off_amount_in_the_middle_is_not_a_price_change() -> None:
    amounts = ["-20.00", "-20.00", "-35.00", "-20.00", "-20.00", "-20.00"]
    rows = [charge(f"2026-0{n + 1}-15", a, "PARKWAY PARKING") for n, a in enumerate(amounts)]
    # Not two price changes (20 -> 35 -> 20), and the 20.00 charges alone skip a month.
    assert detect(rows) == []


def test_a_missed_charge_ends_the_series_when_the_account_shows_later_rows() -> None:
    subscription = monthly(dt.date(2026, 1, 20), 4, "-11.99", "TUNEBOX")  # Jan..Apr
    later = [charge("2026-06-30", "-4.50", "CORNER CAFE")]  # the same card, two months on
    [series] = detect(subscription + later)
    assert not series.active and series.next_date == dt.date(2026, 5, 20)


def test_a_subscription_with_one_missed_month_is_the_series_it_has_been_since() -> None:
    rows = monthly(dt.date(2025, 1, 10), 12, "-9.99", "TUNEBOX")
    del rows[4]  # no charge in May 2025 (a card swap, a statement month missing)
    [series] = detect(rows)
    assert (series.cadence, series.count, series.active) == (Cadence.MONTHLY, 7, True)
    assert (series.first_date, series.next_date) == (dt.date(2025, 6, 10), dt.date(2026, 1, 10))
    assert series.annual_cost == Decimal("119.88") and series.key == "TUNEBOX|out|USD"


def test_a_subscription_paused_and_taken_up_again_counts_from_its_restart() -> None:
    rows = monthly(dt.date(2024, 1, 10), 3, "-9.99", "TUNEBOX") + monthly(
        dt.date(2025, 5, 10), 4, "-9.99", "TUNEBOX"
    )
    [series] = detect(rows)
    assert (series.count, series.first_date, series.active) == (4, dt.date(2025, 5, 10), True)


def test_a_merchant_visited_more_often_than_monthly_is_no_series_after_a_pause() -> None:
    visits = ["2025-01-03", "2025-01-05", "2025-01-20", "2025-05-10", "2025-06-10", "2025-07-10"]
    assert detect([charge(day, "-3.50", "CORNER CAFE") for day in visits]) == []


def test_a_series_stays_active_while_its_account_shows_nothing_past_the_next_date() -> None:
    subscription = monthly(dt.date(2026, 1, 20), 4, "-11.99", "TUNEBOX")
    other_account = [charge("2026-09-30", "-4.50", "CORNER CAFE", account="Checking")]
    [series] = detect(subscription + other_account)
    assert series.active  # the card's statements stop in April: nothing was missed there


@pytest.mark.parametrize(
    ("step", "cadence", "annual"),
    [(7, Cadence.WEEKLY, "260.00"), (14, Cadence.BIWEEKLY, "130.00"), (91, Cadence.QUARTERLY, "20.00")],
)
def test_day_cadences(step: int, cadence: Cadence, annual: str) -> None:
    start = dt.date(2026, 1, 2)
    rows = [charge((start + dt.timedelta(days=step * n)).isoformat(), "-5.00", "MEALKIT") for n in range(4)]
    [series] = detect(rows)
    assert series.cadence == cadence and series.annual_cost == Decimal(annual)


def test_a_series_never_mixes_currencies_and_totals_stay_per_currency() -> None:
    usd = monthly(dt.date(2026, 1, 9), 3, "-11.99", "TUNEBOX", currency="USD")
    eur = monthly(dt.date(2026, 1, 9), 3, "-10.99", "TUNEBOX", currency="EUR", account="Girokonto")
    income = monthly(dt.date(2026, 1, 1), 3, "3000.00", "ACME PAYROLL", currency="EUR", account="Girokonto")
    found = detect(usd + eur + income)
    assert sorted((s.currency, s.direction, str(s.amount)) for s in found) == [
        ("EUR", "in", "3000.00"),
        ("EUR", "out", "10.99"),
        ("USD", "out", "11.99"),
    ]
    totals = {t.currency: (t.series, t.monthly, t.annual) for t in cost_totals(found)}
    assert totals == {
        "EUR": (1, Decimal("10.99"), Decimal("131.88")),
        "USD": (1, Decimal("11.99"), Decimal("143.88")),
    }


def test_money_stays_exact_for_amounts_beyond_floats_and_the_default_context() -> None:
    big = "-1234567890123456789012345678.91"
    [series] = detect(monthly(dt.date(2026, 1, 1), 3, big, "HUGE LEASE"))
    assert series.annual_cost == Decimal("14814814681481481468148148146.92")


def test_series_record_carries_the_cli_fields() -> None:
    rows = monthly(dt.date(2026, 1, 12), 3, "-15.49") + monthly(dt.date(2026, 4, 12), 2, "-17.99")
    record = series_record(detect(rows)[0])
    assert record["price_changes"] == [{"date": "2026-04-12", "from": "15.49", "to": "17.99"}]
    assert {k: record[k] for k in ("merchant", "cadence", "amount", "currency", "count", "active")} == {
        "merchant": "STREAMFLIX",
        "cadence": "monthly",
        "amount": "17.99",
        "currency": "USD",
        "count": 5,
        "active": True,
    }
    assert (record["first_date"], record["last_date"], record["next_date"]) == (
        "2026-01-12",
        "2026-05-12",
        "2026-06-12",
    )
    assert (record["monthly_cost"], record["annual_cost"]) == ("17.99", "215.88")


def test_two_plans_of_one_merchant_are_two_series_and_a_price_change_stays_in_its_plan() -> None:
    small = monthly(dt.date(2026, 1, 19), 4, "-2.99", "FRUITSTORE/BILL") + monthly(
        dt.date(2026, 5, 19), 2, "-3.99", "FRUITSTORE/BILL"
    )
    large = monthly(dt.date(2026, 1, 20), 6, "-9.99", "FRUITSTORE/BILL")
    found = {s.amount: s for s in detect(small + large)}
    assert set(found) == {Decimal("3.99"), Decimal("9.99")}
    assert [(c.old, c.new) for c in found[Decimal("3.99")].price_changes] == [
        (Decimal("2.99"), Decimal("3.99"))
    ]
    assert found[Decimal("3.99")].count == 6 and found[Decimal("9.99")].price_changes == ()


def test_three_equal_prices_long_ago_among_a_merchants_many_are_taken_as_chance() -> None:
    start = dt.date(2024, 1, 1)
    varying = [
        charge(
            (start + dt.timedelta(days=9 * n)).isoformat(), f"-{20 + n % 17}.{n % 89:02d}", "HARDWARE BARN"
        )
        for n in range(100)
    ]
    coincidence = [charge(d, "-84.82", "HARDWARE BARN") for d in ("2024-02-12", "2024-03-10", "2024-04-11")]
    assert detect(varying + coincidence) == []
    still_going = [charge(f"2026-{m:02d}-02", "-9.00", "HARDWARE BARN") for m in range(3, 7)]  # to June
    current = detect(varying + still_going)  # the varying charges go on to 19 June 2026
    assert [(s.amount, s.count, s.active) for s in current] == [(Decimal("9.00"), 4, True)]


def test_a_yearly_charge_on_a_leap_day_comes_back_on_the_last_day_of_february() -> None:
    [series] = detect(
        [charge("2024-02-29", "-60.00", "DOMAIN RENEWAL"), charge("2025-02-28", "-60.00", "DOMAIN RENEWAL")]
    )
    assert series.cadence == Cadence.YEARLY and series.next_date == dt.date(2026, 2, 28)


def test_a_quarterly_charge_steps_three_calendar_months() -> None:
    days = ["2025-08-31", "2025-11-30", "2026-02-28", "2026-05-31"]
    [series] = detect([charge(d, "-45.00", "WATER UTILITY") for d in days])
    assert series.cadence == Cadence.QUARTERLY and series.next_date == dt.date(2026, 8, 31)
    assert series.annual_cost == Decimal("180.00") and series.monthly_cost == Decimal("15.00")


def test_series_at_the_ends_of_the_calendar_stay_within_it() -> None:
    last = [charge(f"9999-{m}-31", "-5.00", "TIME TRAVEL AGENCY") for m in (10, 12)]
    last.insert(1, charge("9999-11-30", "-5.00", "TIME TRAVEL AGENCY"))
    first = [charge(f"0001-0{m}-01", "-7.00", "ANCIENT MARKET") for m in (1, 2, 3)]
    found = {s.merchant: s for s in detect(last + first)}
    assert found["TIME TRAVEL AGENCY"].next_date == dt.date.max  # saturates, never overflows
    assert found["ANCIENT MARKET"].next_date == dt.date(1, 4, 1)


def test_a_currency_without_decimals_costs_whole_units_a_month() -> None:
    [series] = detect(
        [
            charge("2025-04-01", "-1000", "ANIME CLUB", "JPY"),
            charge("2026-04-02", "-1000", "ANIME CLUB", "JPY"),
        ]
    )
    assert series.annual_cost == Decimal("1000") and series.monthly_cost == Decimal("83")


def test_a_payroll_on_the_15th_and_the_last_day_is_twice_a_month_not_biweekly() -> None:
    days = []
    for month in range(1, 7):
        end = (dt.date(2026, month % 12 + 1, 1) if month < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
        days += [dt.date(2026, month, 15), end]
    [series] = detect([charge(d.isoformat(), "2000.00", "ACME PAYROLL") for d in days])
    assert (series.cadence, series.count) == (Cadence.SEMIMONTHLY, 12)
    assert series.cadence.label == "twice a month"  # what the Recurring page's "How often" says
    assert series.annual_cost == Decimal("48000.00") and series.monthly_cost == Decimal(
        "4000.00"
    )  # not 26 a year
    assert series.next_date == dt.date(2026, 7, 15)


@pytest.mark.parametrize("start", ["2025-01-09", "2025-02-06", "2025-06-01", "2025-11-28"])
def test_every_other_friday_stays_biweekly(start: str) -> None:
    first = dt.date.fromisoformat(start)
    rows = [
        charge((first + dt.timedelta(days=14 * n)).isoformat(), "2000.00", "ACME PAYROLL") for n in range(9)
    ]
    [series] = detect(rows)
    assert (series.cadence, series.annual_cost) == (Cadence.BIWEEKLY, Decimal("52000.00"))
