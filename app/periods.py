"""Calendar arithmetic and date labels that are total over every date a store can hold.

A store can hold any `datetime.date`, 0001-01-01 to 9999-12-31 (an old import, a manual edit),
so nothing here steps outside that range: month arithmetic saturates at its ends, the period
before one that starts on the first day there is does not exist (None), and labels always show
four-digit years (`strftime("%Y")` writes year 1 as "1").
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: this module loads no pandas
    import pandas as pd

FIRST_DAY = dt.date.min
LAST_DAY = dt.date.max
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FIRST_MONTH = FIRST_DAY.year * 12
_LAST_MONTH = LAST_DAY.year * 12 + 11


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_from_index(index: int) -> dt.date:
    bounded = min(max(index, _FIRST_MONTH), _LAST_MONTH)
    return dt.date(bounded // 12, bounded % 12 + 1, 1)


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    """The first day of the month `months_back` months before `day`'s (negative: after), kept
    within the calendar: 12 months before January of year 1 is January of year 1."""
    return _month_from_index(_month_index(day) - months_back)


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month (December 9999 ends on 9999-12-31, with no year 10000 needed)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_days(day: dt.date, days: int) -> dt.date:
    """`day` moved by `days`, saturating at the first and last day a date can be."""
    ordinal = min(max(day.toordinal() + days, FIRST_DAY.toordinal()), LAST_DAY.toordinal())
    return dt.date.fromordinal(ordinal)


def months_spanned(date_from: dt.date, date_to: dt.date) -> int:
    """Calendar months touched by the period, both ends included (15 Jan - 3 Mar → 3)."""
    return _month_index(date_to) - _month_index(date_from) + 1


def data_period(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """The first and last date of a transactions frame; None for an empty one."""
    if frame.empty:
        return None
    return frame["date"].min().date(), frame["date"].max().date()


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period of equal length that ends the day before `date_from`; None when no day comes
    before `date_from`. A previous period that would begin before the calendar does is cut short.

    Whole calendar months map to the same number of whole months before (March → February,
    Q2 → Q1), which is what a person comparing months means; any other range maps to the same
    number of days.
    """
    if date_to < date_from:
        raise ValueError(f"period ends ({date_to}) before it starts ({date_from})")
    if date_from == FIRST_DAY:
        return None
    prev_to = date_from - dt.timedelta(days=1)
    if date_from.day == 1 and date_to == month_end(date_to):
        return month_start(date_from, months_spanned(date_from, date_to)), prev_to
    length = (date_to - date_from).days + 1
    return shift_days(prev_to, -(length - 1)), prev_to


def day_text(day: dt.date) -> str:
    """`05 Mar 2024`, `01 Jan 0001`."""
    return f"{day.day:02d} {_MONTH_ABBREVIATIONS[day.month - 1]} {day.year:04d}"


def month_text(day: dt.date) -> str:
    """`March 2024`, `December 9999`."""
    return f"{_MONTH_NAMES[day.month - 1]} {day.year:04d}"


def period_text(start: dt.date, end: dt.date) -> str:
    """`March 2024` for one whole month, else `05 Mar 2024 – 20 Apr 2024`."""
    if start.day == 1 and end == month_end(end) and (start.year, start.month) == (end.year, end.month):
        return month_text(start)
    return f"{day_text(start)} – {day_text(end)}"


def short_month_text(day: dt.date) -> str:
    """`Mar 2024`: a month axis label short enough to stay horizontal."""
    return f"{_MONTH_ABBREVIATIONS[day.month - 1]} {day.year:04d}"


MAX_FILLED_GAP = 2  # empty months shown as such; a longer run of them is folded into one slot


def month_slots(months: list[dt.date], max_gap: int = MAX_FILLED_GAP) -> list[tuple[str, dt.date | None]]:
    """The slots of a month axis for months that hold data: from the first such month to the last
    (no empty months before or after), short gaps kept as empty months so a quiet month still
    shows, and a gap longer than `max_gap` months folded into one "… n months …" slot (date None).

    `months` are first days of months, in any order, repeats allowed.
    """
    ordered = sorted({_month_index(m) for m in months})
    slots: list[tuple[str, dt.date | None]] = []
    for position, index in enumerate(ordered):
        if position:
            gap = index - ordered[position - 1] - 1
            if gap > max_gap:
                slots.append((f"… {gap} months …", None))
            else:
                for empty in range(ordered[position - 1] + 1, index):
                    day = _month_from_index(empty)
                    slots.append((short_month_text(day), day))
        day = _month_from_index(index)
        slots.append((short_month_text(day), day))
    return slots
