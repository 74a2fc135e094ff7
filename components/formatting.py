"""How values read on screen: money, provenance labels, counts."""

from __future__ import annotations

from decimal import Decimal

from app.models import CategorySource
from app.money import grouped, round_to_currency, sign_of

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$"}

SOURCE_LABELS: dict[str, str] = {
    CategorySource.USER.value: "you",
    CategorySource.RULE.value: "rule",
    CategorySource.HISTORY.value: "history",
    CategorySource.LEARNED.value: "learned",
    CategorySource.MODEL.value: "model",
    CategorySource.CACHE.value: "cache",
    CategorySource.BUILTIN.value: "built-in",
}
NO_SOURCE_LABEL = "—"


def source_label(source: str | None) -> str:
    if not source:
        return NO_SOURCE_LABEL
    return SOURCE_LABELS.get(source, source)


def source_from_label(label: str) -> str | None:
    for value, shown in SOURCE_LABELS.items():
        if shown == label:
            return value
    return None


def money(amount: Decimal, currency: str | None = None, *, signed: bool = False) -> str:
    """`$1,234.56`, `-€12.00`, `¥1,200`: the currency's decimals (two without one), for any
    number of digits; an unknown currency is written after the number."""
    shown = round_to_currency(amount, currency)  # the sign of what is shown: -0.004 is 0.00
    sign = {-1: "-", 0: "", 1: "+" if signed else ""}[sign_of(shown)]
    body = grouped(shown, currency)
    if currency is None:
        return f"{sign}{body}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency.upper()}"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    word = noun if count == 1 else (plural_noun or f"{noun}s")
    return f"{count:,} {word}"


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=^&\"'")


def md(text: object) -> str:
    """User or statement text made inert inside Streamlit markdown (captions, alerts, labels).

    Every ASCII punctuation character that markdown, Streamlit's `:icon:`/`:color[]` syntax or
    LaTeX could read is backslash-escaped, so `![x](http://…)` stays text and fetches nothing.
    Newlines become spaces: one value, one line.
    """
    flat = " ".join(str(text).split())
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIALS else char for char in flat)


def code(text: object) -> str:
    """Text as inline code: shown verbatim, never turned into a link or markup."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"
