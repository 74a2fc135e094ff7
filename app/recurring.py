"""Recurring payments: subscriptions, rent, insurance, payroll found in the ledger.

A series is one merchant's charges in one direction and one currency that come at a steady
cadence (weekly, biweekly, monthly, quarterly, yearly) with a stable amount. The amount may
step to a new price and stay there (a price change); a merchant whose amounts vary from
charge to charge (groceries, coffee, fuel) is not a series, though an exact-amount
subscription hidden among its charges still is. Pure functions: charges in, series out.

Whether a series is still active is judged against the data, not the wall clock: it has
ended when an account it is charged to has rows past its next expected date (plus grace)
and the charge never came. An account whose statements stop earlier says nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from app.categorize.merchant import display_name
from app.models import Direction
from app.money import share_of
from app.periods import month_start, shift_days


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"  # twice a month on two fixed days (the 15th and the last): 24 a year
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        """How a page says it: "semimonthly" is often read as "every two weeks"."""
        return "twice a month" if self is Cadence.SEMIMONTHLY else self.value


@dataclass(frozen=True)
class CadenceRule:
    """How far apart two charges of a cadence may fall, and what a year of it costs."""

    cadence: Cadence
    min_days: int
    max_days: int
    per_year: int
    step_days: int  # weekly cadences step in days...
    step_months: int  # ...calendar ones in months, so month ends stay month ends
    min_count: int
    grace_days: int  # how late a charge may be before it counts as missed


# Ranges are wide enough for a few days' jitter (weekends, posting delays) and for month
# ends (31 Jan -> 28 Feb -> 31 Mar is 28 then 31 days), and do not overlap. February is the
# tight one: a charge four days late on 5 Feb, on time on 1 Mar, is 24 days.
CADENCE_RULES: tuple[CadenceRule, ...] = (
    CadenceRule(Cadence.WEEKLY, 5, 9, 52, 7, 0, 3, 3),
    CadenceRule(Cadence.BIWEEKLY, 11, 17, 26, 14, 0, 3, 5),
    CadenceRule(Cadence.MONTHLY, 22, 36, 12, 0, 1, 3, 7),
    CadenceRule(Cadence.QUARTERLY, 82, 100, 4, 0, 3, 3, 15),
    CadenceRule(Cadence.YEARLY, 350, 380, 1, 0, 12, 2, 30),
)
MIN_OCCURRENCES = min(rule.min_count for rule in CADENCE_RULES)
# Its gaps (13-18 days) are a biweekly's, so it is told by its days of the month instead: a
# biweekly charge drifts 2-3 days a month, a semimonthly one keeps its two days. Four months
# of charges at least: in fewer, the drift is too small to tell.
SEMIMONTHLY_RULE = CadenceRule(Cadence.SEMIMONTHLY, 11, 17, 24, 0, 0, 8, 5)
_SEMIMONTHLY_SPREAD = 4  # days a payday may move (a weekend, a holiday)
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # a year of a 30-digit amount stays exact


class Charge(NamedTuple):
    """One ledger row as the detector needs it (a NamedTuple: 100k of them are cheap to build)."""

    id: str
    date: dt.date
    amount: Decimal  # signed: money out is negative
    currency: str
    merchant: str
    account: str


@dataclass(frozen=True)
class PriceChange:
    date: dt.date  # the first charge at the new price
    old: Decimal  # sizes of the charge, positive
    new: Decimal

    @property
    def is_rise(self) -> bool:
        return self.new > self.old


@dataclass(frozen=True)
class Occurrence:
    id: str
    date: dt.date
    amount: Decimal  # size of the charge, positive
    account: str


@dataclass(frozen=True)
class RecurringSeries:
    key: str  # stable identity, e.g. for "not a subscription"
    merchant: str  # the merchant key rows are grouped by (upper case)
    direction: Direction
    currency: str
    cadence: Cadence
    amount: Decimal  # the latest charge's size, positive
    occurrences: tuple[Occurrence, ...]
    next_date: dt.date
    active: bool
    annual_cost: Decimal  # the latest amount times charges per year
    monthly_cost: Decimal  # a twelfth of that, in the currency's smallest unit
    price_changes: tuple[PriceChange, ...]

    @property
    def name(self) -> str:
        """The merchant as every page shows it: the brand's own spelling, else the key in Title Case."""
        return display_name(self.merchant)

    @property
    def count(self) -> int:
        return len(self.occurrences)

    @property
    def first_date(self) -> dt.date:
        return self.occurrences[0].date

    @property
    def last_date(self) -> dt.date:
        return self.occurrences[-1].date

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({o.account for o in self.occurrences}))

    @property
    def price_rises(self) -> tuple[PriceChange, ...]:
        return tuple(change for change in self.price_changes if change.is_rise)

    def is_new_since(self, day: dt.date) -> bool:
        return self.first_date >= day


# -- detection ---------------------------------------------------------------------------------


def account_ends(charges: Iterable[Charge]) -> dict[str, dt.date]:
    """Each account's newest date: how far its statements let us see."""
    ends: dict[str, dt.date] = {}
    for charge in charges:
        seen = ends.get(charge.account)
        if seen is None or charge.date > seen:
            ends[charge.account] = charge.date
    return ends


def detect(charges: Sequence[Charge], *, ends: Mapping[str, dt.date] | None = None) -> list[RecurringSeries]:
    """Every recurring series in `charges`, by merchant, direction and currency.

    `ends` is how far each account's data reaches (default: the newest date among `charges`
    per account); pass it when `charges` leaves some rows out (transfers, unkeyed rows).
    """
    ends = account_ends(charges) if ends is None else ends
    groups: defaultdict[tuple[str, Direction, str], list[Charge]] = defaultdict(list)
    for charge in charges:
        amount = charge.amount
        if amount.is_zero() or not amount.is_finite() or not charge.merchant:
            continue
        direction: Direction = "out" if amount.is_signed() else "in"
        groups[(charge.merchant, direction, charge.currency)].append(charge)
    found: list[RecurringSeries] = []
    for (merchant, direction, currency), rows in groups.items():
        if len(rows) < MIN_OCCURRENCES:
            continue
        rows.sort(key=_BY_DATE)
        base_key = f"{merchant}|{direction}|{currency}"
        whole = _series(base_key, merchant, direction, currency, rows, ends)
        if whole is None:  # a missed month or a pause: the series as it runs since
            latest = _latest_stretch(rows)
            whole = _series(base_key, merchant, direction, currency, latest, ends) if latest else None
        if whole is not None:
            found.append(whole)
            continue
        # A varying merchant may still hide an exact-amount subscription (Amazon and Prime),
        # or two (two Apple plans); a plan whose price changed continues in a later amount.
        for chain in _price_chains(rows):
            if len(chain) < MIN_OCCURRENCES or len(chain) == len(rows):
                continue
            first = chain[0].amount.copy_abs()
            part = _series(f"{base_key}|{first}", merchant, direction, currency, chain, ends)
            # Three equal prices long ago among a merchant's many others are more likely chance.
            if part is not None and (part.active or part.count >= _ENDED_PLAN_MIN):
                found.append(part)
    found.sort(key=lambda s: (s.merchant, s.currency, s.direction, s.key))
    return found


_BY_DATE = operator.itemgetter(1)  # a Charge's date: a stable sort keeps same-day charges in input order


def _latest_stretch(rows: Sequence[Charge]) -> list[Charge] | None:
    """The charges since the last long gap, when they keep one cadence: a subscription with a
    missed month, or paused and taken up again, is the series it has been since. Only where
    no two charges anywhere come closer than that cadence: a merchant visited more often than
    its cadence (a coffee shop) is not a series that once paused. Calendar cadences only: a
    twice-a-month payroll's gaps (13-18 days) would pass for biweekly and cost 26 a year."""
    days = [row.date.toordinal() for row in rows]
    gaps = [later - earlier for earlier, later in itertools.pairwise(days)]
    for rule in CADENCE_RULES:
        if not rule.step_months or min(gaps) < rule.min_days:
            continue
        start = len(rows) - 1
        while start > 0 and gaps[start - 1] <= rule.max_days:
            start -= 1
        if start > 0 and len(rows) - start >= rule.min_count:
            return list(rows[start:])
    return None


# Inside a merchant whose amounts vary, equal prices come together by chance: two purchases
# of one price a month apart are common, three at a steady cadence are not. So a plan there
# starts with three charges of one amount, a new price continues it from its second charge,
# and only the tighter cadences count (one price twice a year apart is a coincidence).
_PLAN_CADENCES = frozenset({Cadence.WEEKLY, Cadence.BIWEEKLY, Cadence.MONTHLY})
_PLAN_START = 3
_PLAN_STEP = 2
_ENDED_PLAN_MIN = 6


def _price_chains(rows: Sequence[Charge]) -> list[list[Charge]]:
    """The plans inside a varying merchant's charges: runs of one exact amount at a steady
    cadence, a later run appended when it starts after a plan's last charge and keeps its
    cadence (a price change). Linear in the charges, whatever number of amounts they hold."""
    by_amount: defaultdict[Decimal, list[Charge]] = defaultdict(list)
    for row in rows:
        by_amount[row.amount].append(row)  # one direction: equal amounts are equal sizes
    runs: list[list[Charge]] = []
    for same in by_amount.values():
        if len(same) < _PLAN_STEP:
            continue
        rule = _cadence_of([c.date for c in same])
        if rule is not None and rule.cadence in _PLAN_CADENCES:
            runs.append(same)
    runs.sort(key=lambda run: (run[0].date, run[0].id))
    chains: list[list[Charge]] = []
    for run in runs:
        for chain in chains:
            if chain[-1].date < run[0].date and _cadence_of([c.date for c in (*chain[-2:], *run)]):
                chain.extend(run)
                break
        else:
            if len(run) >= _PLAN_START:
                chains.append(list(run))
    return chains


def _series(
    key: str,
    merchant: str,
    direction: Direction,
    currency: str,
    rows: Sequence[Charge],
    ends: Mapping[str, dt.date],
) -> RecurringSeries | None:
    rule = _cadence_of([row.date for row in rows])
    if rule is not None and rule.cadence == Cadence.BIWEEKLY and _twice_a_month([row.date for row in rows]):
        rule = SEMIMONTHLY_RULE
    if rule is None or len(rows) < rule.min_count:
        return None
    sizes = [row.amount.copy_abs() for row in rows]  # abs() would round to 28 digits
    changes = _price_steps(rows, sizes)
    if changes is None:
        return None
    occurrences = tuple(Occurrence(r.id, r.date, s, r.account) for r, s in zip(rows, sizes, strict=True))
    next_date = _next_date(rule, [row.date for row in rows])
    seen_until = max((ends.get(o.account, o.date) for o in occurrences), default=rows[-1].date)
    annual = _EXACT.multiply(sizes[-1], rule.per_year)
    return RecurringSeries(
        key=key,
        merchant=merchant,
        direction=direction,
        currency=currency,
        cadence=rule.cadence,
        amount=sizes[-1],
        occurrences=occurrences,
        next_date=next_date,
        active=seen_until <= shift_days(next_date, rule.grace_days),
        annual_cost=annual,
        monthly_cost=share_of(annual, 12, currency),
        price_changes=changes,
    )


def _cadence_of(dates: Sequence[dt.date]) -> CadenceRule | None:
    """The cadence every gap between consecutive charges fits, or None (a gap, a double charge)."""
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(dates)]
    if not gaps:
        return None
    for rule in CADENCE_RULES:
        if all(rule.min_days <= gap <= rule.max_days for gap in gaps):
            return rule
    return None


def _price_steps(rows: Sequence[Charge], sizes: Sequence[Decimal]) -> tuple[PriceChange, ...] | None:
    """The price changes of a stable series, or None when the amount varies from charge to charge.

    Stable: the amount holds for at least two charges before it changes (a one-off charge in
    the middle is a varying merchant, not a price), only the first charge (pro rata) and the
    latest (a price change just made) may stand alone, and there is at most one change for
    every three charges.
    """
    runs: list[tuple[int, int]] = []  # (first index, length)
    for index, size in enumerate(sizes):
        if runs and sizes[runs[-1][0]] == size:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((index, 1))
    if len(runs) > 1 + len(sizes) // 3:
        return None
    if any(length < 2 for _start, length in runs[1:-1]):
        return None
    return tuple(
        PriceChange(rows[start].date, sizes[previous], sizes[start])
        for (previous, _), (start, _) in itertools.pairwise(runs)
    )


def _next_date(rule: CadenceRule, dates: Sequence[dt.date]) -> dt.date:
    last = dates[-1]
    if rule.cadence == Cadence.SEMIMONTHLY:
        return _next_semimonthly(dates)
    if rule.step_days:
        return shift_days(last, rule.step_days)
    month = month_start(last, -rule.step_months)
    length = calendar.monthrange(month.year, month.month)[1]
    month_ends = sum(1 for d in dates if d.day == calendar.monthrange(d.year, d.month)[1])
    if month_ends * 2 > len(dates):
        return month.replace(day=length)
    # The day it usually comes (a late charge does not move the next one).
    days = Counter(d.day for d in dates)
    usual = max(days, key=lambda day: (days[day], day == last.day))
    return month.replace(day=min(usual, length))


def _days_to_month_end(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1] - day.day


def _by_month(dates: Sequence[dt.date]) -> dict[tuple[int, int], list[dt.date]]:
    months: defaultdict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for day in dates:
        months[(day.year, day.month)].append(day)
    return dict(sorted(months.items()))


def _twice_a_month(dates: Sequence[dt.date]) -> bool:
    """Two charges in every month, each near its own fixed day (the later one counted from the
    month's end, so 28 Feb and 31 Mar are one day)."""
    if len(dates) < SEMIMONTHLY_RULE.min_count:
        return False
    months = list(_by_month(dates).values())
    if any(len(days) != 2 for days in months[1:-1]) or any(len(days) > 2 for days in months):
        return False
    pairs = [days for days in months if len(days) == 2]
    early = [days[0].day for days in pairs]
    late = [_days_to_month_end(days[1]) for days in pairs]
    return len(pairs) >= 4 and all(max(side) - min(side) <= _SEMIMONTHLY_SPREAD for side in (early, late))


def _next_semimonthly(dates: Sequence[dt.date]) -> dt.date:
    """The next of the two usual days after the last charge."""
    months = list(_by_month(dates).values())
    pairs = [days for days in months if len(days) == 2]
    early_days = Counter(days[0].day for days in pairs)
    late_gaps = Counter(_days_to_month_end(days[1]) for days in pairs)
    early = max(early_days, key=lambda day: (early_days[day], -day))
    late_gap = max(late_gaps, key=lambda gap: (late_gaps[gap], -gap))
    last = dates[-1]
    if len(months[-1]) == 1:  # the month's first charge: its second comes this month
        length = calendar.monthrange(last.year, last.month)[1]
        return last.replace(day=max(last.day + 1, length - late_gap))
    month = month_start(last, -1)
    return month.replace(day=min(early, calendar.monthrange(month.year, month.month)[1]))


# -- summaries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostTotal:
    currency: str
    series: int
    monthly: Decimal
    annual: Decimal


def cost_totals(series: Iterable[RecurringSeries]) -> list[CostTotal]:
    """What the active outgoing series cost, per currency (never added across currencies)."""
    sums: dict[str, tuple[int, Decimal, Decimal]] = {}
    for item in series:
        if not item.active or item.direction != "out":
            continue
        count, monthly, annual = sums.get(item.currency, (0, Decimal(0), Decimal(0)))
        sums[item.currency] = (
            count + 1,
            _EXACT.add(monthly, item.monthly_cost),
            _EXACT.add(annual, item.annual_cost),
        )
    return [CostTotal(code, *sums[code]) for code in sorted(sums)]


def series_record(series: RecurringSeries) -> dict[str, Any]:
    """One series as JSON-ready values: money as exact decimal strings, dates as ISO."""
    return {
        "key": series.key,
        "merchant": series.merchant,
        "name": series.name,
        "direction": series.direction,
        "cadence": series.cadence.value,
        "amount": str(series.amount),
        "currency": series.currency,
        "count": series.count,
        "first_date": series.first_date.isoformat(),
        "last_date": series.last_date.isoformat(),
        "next_date": series.next_date.isoformat(),
        "active": series.active,
        "monthly_cost": str(series.monthly_cost),
        "annual_cost": str(series.annual_cost),
        "price_changes": [
            {"date": c.date.isoformat(), "from": str(c.old), "to": str(c.new)} for c in series.price_changes
        ],
        "accounts": list(series.accounts),
        "transaction_ids": [o.id for o in series.occurrences],
    }
