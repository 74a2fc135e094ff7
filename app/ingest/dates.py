"""Date formats as human patterns ("MM/DD/YYYY", "DD.MM.YY", "YYYYMMDD"), parsed with a cache.

A pattern fixes the order of day, month and year and the separators. Within that it is
forgiving in the ways re-saved files are: unpadded day and month (`1/5/2024` for
`MM/DD/YYYY`), a 2- or 4-digit year where separators make that unambiguous, and a
trailing time of day or weekday. Two-digit years follow POSIX `%y`: 69-99 are 19xx,
00-68 are 20xx.

`infer_date_format` decides the order from a whole column, never from its first row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"YYYY|YY|MMM|MM|M|DD|D|[^YMD]+")
_NUMERIC_WIDTH = {"YYYY": 4, "YY": 2, "MM": 2, "DD": 2}
_TRAILER = (
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"(?:\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)?"
)
# OFX's own timestamps, as some CSV exports copy them: 20091224120000[0:GMT], 20091224120000.000[-5:EST].
_OFX_TRAILER = r"(?:\d{6}(?:\.\d{1,3})?)?(?:\[[-+]?\d{1,2}(?:\.\d+)?(?::[A-Za-z]{1,5})?\])?"

_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier janv enero ene januari",
        "february feb februar fevrier fevr febrero februari",
        "march mar marz mrz maart mrt mars marzo",
        "april apr avril avr abril",
        "may mai mei mayo",
        "june jun juni juin junio",
        "july jul juli juillet juil julio",
        "august aug augustus aout agosto ago",
        "september sep sept septembre septiembre",
        "october oct oktober okt octobre octubre",
        "november nov novembre noviembre",
        "december dec dezember dez decembre diciembre dic",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number


def fold_accents(text: str) -> str:
    """Lower-case ASCII-ish form: 'Févr.' -> 'fevr.', 'Begünstigter' -> 'begunstigter'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def month_from_name(name: str) -> int | None:
    key = fold_accents(name).rstrip(".")
    return _MONTH_NAMES.get(key) or _MONTH_NAMES.get(key[:4]) or _MONTH_NAMES.get(key[:3])


def expand_year(year: int, digits: int) -> int:
    if digits > 2:
        return year
    return 1900 + year if year >= 69 else 2000 + year


class DateFormat:
    """A compiled date pattern. Build with `DateFormat.compile(pattern)`."""

    __slots__ = ("_regex", "_slots", "order", "pattern")

    def __init__(self, pattern: str, regex: re.Pattern[str], slots: tuple[str, ...], order: str) -> None:
        self.pattern = pattern
        self._regex = regex
        self._slots = slots  # which of Y/M/N(month name)/D each group holds
        self.order = order  # "YMD", "MDY" or "DMY"

    @staticmethod
    @functools.lru_cache(maxsize=128)
    def compile(pattern: str) -> DateFormat:
        tokens = _TOKEN.findall(pattern.strip())
        if "".join(tokens) != pattern.strip() or not tokens:
            raise ValueError(f"unknown date format {pattern!r}")
        kinds = [t for t in tokens if t[0] in "YMD" and t in ("YYYY", "YY", "MMM", "MM", "M", "DD", "D")]
        letters = [k[0] if k != "MMM" else "N" for k in kinds]
        if sorted(c if c != "N" else "M" for c in letters) != ["D", "M", "Y"]:
            raise ValueError(
                f"date format {pattern!r} needs exactly one day (DD), month (MM or MMM) and year (YYYY or YY)"
            )
        parts: list[str] = []
        for index, token in enumerate(tokens):
            if token not in ("YYYY", "YY", "MMM", "MM", "M", "DD", "D"):
                parts.append(re.escape(token).replace(r"\ ", r"\s+"))
                continue
            if token == "MMM":
                parts.append(r"([^\W\d_]{3,10}\.?)")
                continue
            neighbours = tokens[index - 1 : index] + tokens[index + 1 : index + 2]
            glued = any(n in _NUMERIC_WIDTH or n in ("M", "D") for n in neighbours)
            if glued:
                width = _NUMERIC_WIDTH.get(token)
                if width is None:
                    raise ValueError(f"date format {pattern!r}: use MM and DD when there is no separator")
                parts.append(rf"(\d{{{width}}})")
            elif token[0] == "Y" and index == 0:
                parts.append(r"(\d{4})")  # a leading 2-digit year would read 30.01.24 as 2030
            elif token[0] == "Y":
                parts.append(r"(\d{4}|\d{1,2})")  # 10-Nov-9: a year's leading zero dropped
            else:
                parts.append(r"(\d{1,2})")
        glued_end = tokens[-1] == "DD" and len(tokens) > 1 and tokens[-2] in _NUMERIC_WIDTH
        trailer = _OFX_TRAILER if glued_end else _TRAILER
        regex = re.compile(r"^\s*" + "".join(parts) + trailer + r"\s*$", re.IGNORECASE)
        order = "".join(c if c != "N" else "M" for c in letters)
        return DateFormat(pattern.strip(), regex, tuple(letters), order)

    def parse(self, text: str) -> dt.date | None:
        """The date, or None when the text does not fit the pattern or is no real date."""
        match = self._regex.match(text)
        if match is None:
            return None
        year = month = day = 0
        for slot, value in zip(self._slots, match.groups(), strict=True):
            if slot == "Y":
                year = expand_year(int(value), len(value))
            elif slot == "M":
                month = int(value)
            elif slot == "N":
                found = month_from_name(value)
                if found is None:
                    return None
                month = found
            else:
                day = int(value)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    def cached_parser(self) -> Callable[[str], dt.date | None]:
        """`parse` memoised per distinct string; statements repeat the same few hundred dates."""
        cache: dict[str, dt.date | None] = {}
        parse = self.parse

        def parse_cached(text: str) -> dt.date | None:
            try:
                return cache[text]
            except KeyError:
                value = cache[text] = parse(text)
                return value

        return parse_cached


_DATE_SHAPE = re.compile(
    r"^\s*(?:\d{4}[-/.:]\d{1,2}[-/.:]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}/(?:19|20)\d{2}/\d{1,2}"
    r"|(?:19|20)\d{2}[01]\d[0-3]\d(?:\d{6}(?:\.\d{1,3})?)?(?:\[[^]]{1,12}\])?"
    r"|\d{1,2}[ -][^\W\d_]{3,10}\.?[ -]\d{1,4}|[^\W\d_]{3,10}\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:$|[ T])"
)


EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def date_range_problem(day: dt.date) -> str | None:
    """Why a row's date cannot be a real statement date (outside 1900-2100), or None."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"date {day.isoformat()} is outside the supported years {EARLIEST_DATE.year}–{LATEST_DATE.year}"


def supported_or_none(day: dt.date | None) -> dt.date | None:
    """A secondary date (posted) outside 1900-2100 is dropped like an unreadable one."""
    return day if day is not None and date_range_problem(day) is None else None


def looks_like_date(text: str) -> bool:
    return _DATE_SHAPE.match(text) is not None


# Candidate patterns for unknown files. MM.DD is not a real-world convention, so a dot
# separator settles the order on its own.
_CANDIDATES = (
    "YYYY-MM-DD",
    "YYYY/MM/DD",
    "YYYY.MM.DD",
    "YYYY:MM:DD",
    "YYYYMMDD",
    "MM/DD/YYYY",
    "DD/MM/YYYY",
    "MM-DD-YYYY",
    "DD-MM-YYYY",
    "DD.MM.YYYY",
    "DD MMM YYYY",
    "DD-MMM-YYYY",
    "DD/MMM/YYYY",
    "MMM DD YYYY",
    "MMM DD, YYYY",
    "DD/YYYY/MM",  # hledger's example files; a 4-digit middle year leaves no doubt about the order
)


@dataclass(frozen=True)
class DateGuess:
    format: str
    confident: bool
    reason: str | None
    valid_fraction: float


def _two_digit_years(fmt: DateFormat, values: Iterable[str]) -> bool:
    if "YYYY" not in fmt.pattern or fmt.pattern == "YYYYMMDD":
        return False
    short = 0
    total = 0
    for value in values:
        parts = re.findall(r"\d+", value)
        if not parts:
            continue
        position = fmt.order.index("Y")
        year = parts[position] if len(parts) > position else parts[-1]
        total += 1
        short += len(year) == 2
    return total > 0 and short == total


def infer_date_format(values: Iterable[str], *, column: str, day_first_hint: bool) -> DateGuess | None:
    """The pattern that reads the most values of a whole column; None if it is not a date column.

    When every value reads both as day-first and as month-first (all days <= 12), the
    order is undecidable from the data: the hint decides and the guess is not confident.
    """
    counts = Counter(v.strip() for v in values if v and v.strip())
    total = sum(counts.values())
    if total == 0:
        return None
    scores: list[tuple[int, str]] = []
    for pattern in _CANDIDATES:
        fmt = DateFormat.compile(pattern)
        ok = sum(n for text, n in counts.items() if fmt.parse(text) is not None)
        if ok:
            scores.append((ok, pattern))
    if not scores:
        return None
    best = max(score for score, _ in scores)
    if best / total < 0.6:
        return None
    tied = [pattern for score, pattern in scores if score == best]
    chosen = tied[0]
    confident = True
    reason = None
    month_first = [p for p in tied if p.startswith("MM")]
    day_first = [p for p in tied if p.startswith("DD")]
    if month_first and day_first:
        chosen = day_first[0] if day_first_hint else month_first[0]
        confident = False
        reason = (
            f"every date in column '{column}' reads both as day/month and as month/day; "
            f"assumed {chosen} - pick the date format if that is wrong"
        )
    fmt = DateFormat.compile(chosen)
    matched = [text for text in counts if fmt.parse(text) is not None]
    if _two_digit_years(fmt, matched):
        chosen = chosen.replace("YYYY", "YY")
        if reason:
            reason = reason.replace(fmt.pattern, chosen)
    return DateGuess(format=chosen, confident=confident, reason=reason, valid_fraction=best / total)
