"""Which currency a file's amounts are in, when the file does not say it on every row.

Money is never silently given a currency: what the file itself names (its header, its cells,
its format) or the bank's profile states comes first, since a user's choice only applies to
amounts the file is silent on; then the user's explicit choice, the user's column mapping,
the currency remembered for the account and the user's home currency. A choice that
contradicts the file is set aside and said. When none applies the file is refused with
`CurrencyUnknown`, and the caller asks the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.ingest.errors import IngestError


class CurrencySource(StrEnum):
    """Where the currency of a file's amounts came from (the file card says it)."""

    CHOSEN = "chosen"
    FILE = "file"
    MAPPING = "mapping"
    ACCOUNT = "account"
    PROFILE = "profile"
    HOME = "home"


SOURCE_TEXT: dict[CurrencySource, str] = {
    CurrencySource.CHOSEN: "your choice",
    CurrencySource.FILE: "named by the file",
    CurrencySource.MAPPING: "your column mapping",
    CurrencySource.ACCOUNT: "remembered for this account",
    CurrencySource.PROFILE: "the bank's profile",
    CurrencySource.HOME: "your home currency",
}


class CurrencyUnknown(IngestError):
    """The file names no currency and none is chosen, remembered for its account, or set as home."""

    def __init__(self, filename: str, account: str, row: int | None = None) -> None:
        self.account = account
        super().__init__(
            filename,
            f"the file does not say which currency its amounts are in, and none is remembered for "
            f"account '{account}' or set as your home currency",
            row,
        )

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str, int | None]]:
        return (type(self), (self.filename, self.account, self.row))


@dataclass(frozen=True)
class CurrencyContext:
    """What the importer knows beyond the file: the user's choice, the store, the settings."""

    chosen: str | None = None
    remembered: Callable[[str], str | None] | None = None
    home: str | None = None


@dataclass(frozen=True)
class CurrencyDecision:
    code: str
    source: CurrencySource
    # The user's explicit choice, when the file named another currency and won (said as a note).
    set_aside: str | None = None

    @property
    def explanation(self) -> str:
        return SOURCE_TEXT[self.source]


def decide_currency(
    context: CurrencyContext,
    *,
    layout_currency: str | None,
    layout_source: CurrencySource,
    account: str,
) -> CurrencyDecision | None:
    """The currency of `account`'s amounts in this file, or None when nothing says it.

    `layout_currency` is what the layout itself says (`layout_source`: the file, the user's
    mapping or the bank's profile). The file's own currency and its bank's stated one win
    over the user's choice (which is for amounts whose row names none); the choice that
    lost is kept in `set_aside` so the caller can say so.
    """
    if layout_currency and layout_source in (CurrencySource.FILE, CurrencySource.PROFILE):
        set_aside = context.chosen if context.chosen and context.chosen != layout_currency else None
        return CurrencyDecision(layout_currency, layout_source, set_aside)
    if context.chosen:
        return CurrencyDecision(context.chosen, CurrencySource.CHOSEN)
    if layout_currency:
        return CurrencyDecision(layout_currency, layout_source)
    remembered = context.remembered(account) if context.remembered is not None else None
    if remembered:
        return CurrencyDecision(remembered, CurrencySource.ACCOUNT)
    if context.home:
        return CurrencyDecision(context.home, CurrencySource.HOME)
    return None


def set_aside_notes(decisions: dict[str, CurrencyDecision]) -> list[str]:
    """One note per currency the user chose that the file contradicted (never set aside silently)."""
    notes: list[str] = []
    for decision in decisions.values():
        if decision.set_aside is None:
            continue
        note = (
            f"the file's amounts are in {decision.code} ({decision.explanation}); your choice "
            f"{decision.set_aside} applies only to amounts whose row names no currency, so it was not used"
        )
        if note not in notes:
            notes.append(note)
    return notes


class AccountCurrencies:
    """The currency of each account's amounts whose row names none, decided once per account."""

    def __init__(
        self, context: CurrencyContext, layout_currency: str | None, source: CurrencySource, filename: str
    ) -> None:
        self._context = context
        self._layout_currency = layout_currency
        self._source = source
        self._filename = filename
        self.decisions: dict[str, CurrencyDecision] = {}

    def code(self, account: str) -> str:
        found = self.decisions.get(account)
        if found is None:
            found = decide_currency(
                self._context,
                layout_currency=self._layout_currency,
                layout_source=self._source,
                account=account,
            )
            if found is None:
                raise CurrencyUnknown(self._filename, account)
            self.decisions[account] = found
        return found.code

    def file_decision(self, accounts: list[str], currencies: list[str]) -> CurrencyDecision | None:
        """What the file card shows: the decision for the file's main account, else what its rows name."""
        if self.decisions:
            counts = {name: 0 for name in self.decisions}
            for name in accounts:
                if name in counts:
                    counts[name] += 1
            return self.decisions[max(counts, key=counts.__getitem__)]
        if currencies:
            named = max(set(currencies), key=currencies.count)
            return CurrencyDecision(named, CurrencySource.FILE)
        return None


# The codes the file card and the home-currency question offer first (any ISO code is accepted).
COMMON_CURRENCIES = (
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
    "INR", "SGD", "HKD", "MXN", "BRL", "ZAR",
)  # fmt: skip
_EURO_COUNTRIES = frozenset(
    ["AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL",
     "PT", "SI", "SK"]
)  # fmt: skip
_COUNTRY_CURRENCY = {
    "US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "NZ": "NZD", "CH": "CHF", "JP": "JPY",
    "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "IN": "INR",
    "SG": "SGD", "HK": "HKD", "MX": "MXN", "BR": "BRL", "ZA": "ZAR",
}  # fmt: skip


def locale_currency(locale_name: str | None) -> str | None:
    """The currency of a locale's country ("en_CA.UTF-8" -> CAD), or None when it is not known."""
    if not locale_name:
        return None
    parts = locale_name.split(".")[0].replace("-", "_").split("_")
    country = parts[1].upper() if len(parts) > 1 else ""
    if country in _EURO_COUNTRIES:
        return "EUR"
    return _COUNTRY_CURRENCY.get(country)
